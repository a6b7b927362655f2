"""Offsets of any size in the metadata database (migration 0008).

Offsets are Python ints, unbounded: Kafka and RabbitMQ offsets fit int64, Kinesis sequence numbers (up to 129
decimal digits) do not. PostgreSQL keeps them as NUMERIC with scale 0, which compares, sorts and indexes
as numbers. SQLite has no integer wider than int64, so it keeps each offset as TEXT in an order-preserving
encoding: three digits giving the number of digits, then the digits (9 -> "0019", 10 -> "00210"). A
longer number is a greater number, and between numbers of one length text order is numeric order, so
every comparison, ORDER BY and index on an offset column means the same on both databases, and the SQL
never needs to know which encoding it compares.

psycopg hands NUMERIC back as Decimal; `register_integer_numeric` makes our connections load it as int
(the engine's connect event and the lean read pool of store/pgpool.py both call it), so no Decimal ever
reaches the domain, and `OffsetType` turns whatever arrives into an int anyway.
"""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import NUMERIC, Text
from sqlalchemy.types import TypeDecorator

# NUMERIC's widest precision with scale 0 on PostgreSQL: the store sets no bound of its own; the API refuses
# a decimal of more than api.convert.MAX_DECIMAL_DIGITS (130) digits before anything is stored.
PG_OFFSET_PRECISION = 1000
# Digits of the SQLite length prefix: numbers of up to 999 digits.
LENGTH_DIGITS = 3


def encode_sortable(value: int) -> str:
    """The SQLite text of a non-negative int: its length in LENGTH_DIGITS digits, then its digits."""
    if value < 0:
        raise ValueError(f"an offset is never negative, got {value}")
    digits = str(value)
    if len(digits) >= 10 ** LENGTH_DIGITS:
        raise ValueError(f"an offset of {len(digits)} digits is too long to store")
    return f"{len(digits):0{LENGTH_DIGITS}d}{digits}"


def decode_sortable(text: str) -> int:
    return int(text[LENGTH_DIGITS:])


class OffsetType(TypeDecorator):
    """An offset column: NUMERIC(1000, 0) on PostgreSQL, the sortable text encoding on SQLite."""

    impl = NUMERIC(PG_OFFSET_PRECISION, 0)
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == "sqlite":
            return dialect.type_descriptor(Text())
        return dialect.type_descriptor(NUMERIC(PG_OFFSET_PRECISION, 0))

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if dialect.name == "sqlite":
            return encode_sortable(int(value))
        return int(value)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if dialect.name == "sqlite":
            return decode_sortable(value)
        return int(value)

    def coerce_compared_value(self, op, value):
        return self  # a literal compared with an offset column is an offset, encoded like the column


def _integer_numeric_loader():
    from psycopg.adapt import Loader

    class IntegerNumericLoader(Loader):
        """NUMERIC as int when it has no fraction (every offset column), else Decimal as psycopg would."""

        def load(self, data):
            text = bytes(data)
            if text.isdigit() or (text[:1] == b"-" and text[1:].isdigit()):
                return int(text)
            return Decimal(text.decode())

    return IntegerNumericLoader


_LOADER = None


def register_integer_numeric(connection) -> None:
    """Makes a psycopg connection load NUMERIC (text format) as int."""
    global _LOADER
    if _LOADER is None:
        _LOADER = _integer_numeric_loader()
    connection.adapters.register_loader("numeric", _LOADER)
