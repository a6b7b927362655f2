"""Operator-readable text for offsets, ranges and offset changes: one spelling for log lines, the CLI and
audit details. Pure functions, standard library only.

They take the domain's objects (`OffsetRange`: partition/start/end; `OffsetChange`: partition/before/after)
and, duck-typed, the protobuf messages of the same shape (`OffsetRange`: start_offset/end_offset; an
`OffsetChange` whose optional before/after are unset reads as None), so callers on either side of the API
format the same way. From a message they print the exact `_decimal` offsets (the int64 fields are 0 past
int64) and the partition's name (`partition_id`), when the message has them.

    ranges_text([OffsetRange(0, 10, 20), OffsetRange(3, 5, 9)])  -> "0:[10,20) 3:[5,9)"
    changes_text([OffsetChange(0, 10, 20), OffsetChange(1, None, 5)])  -> "0:10->20 1:-->5"
    offsets_text({1: 20, 0: 10})  -> "0:10,1:20"
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping

NONE = "-"  # what every formatter prints for "nothing" (no offset, no ranges, no changes)


def offset_text(offset: int | None) -> str:
    """One offset; `-` for none (a partition without a checkpoint, say)."""
    return NONE if offset is None else str(offset)


def span_text(start: int, end: int) -> str:
    """A half-open range without its partition: `[10,20)`."""
    return f"[{start},{end})"


def range_text(item) -> str:
    """One range with its partition: `0:[10,20)`."""
    start, end = _bounds(item)
    return f"{partition_text(item)}:{span_text(start, end)}"


def partition_text(item) -> str:
    """A partition: its name when a message carries one (`partition_id`), else its number."""
    return getattr(item, "partition_id", "") or str(item.partition)


def ranges_text(ranges: Iterable) -> str:
    """`0:[10,20) 3:[5,9)`, in the order given; `-` for none."""
    return " ".join(range_text(r) for r in ranges) or NONE


def spans_text(ranges: Iterable) -> str:
    """The ranges of one partition, partitions left out: `[10,20) [30,40)`; `-` for none."""
    return " ".join(span_text(*_bounds(r)) for r in ranges) or NONE


def change_text(change) -> str:
    """One partition's offset change: `0:10->20`; a missing side is `-` (`1:-->5`: no checkpoint before)."""
    return (f"{partition_text(change)}:{offset_text(_optional(change, 'before'))}->"
            f"{offset_text(_optional(change, 'after'))}")


def changes_text(changes: Iterable) -> str:
    """`0:10->20 1:-->5`, in the order given; `-` for none."""
    return " ".join(change_text(c) for c in changes) or NONE


def offsets_text(offsets: Mapping[int, int] | None) -> str:
    """Offsets per partition, by partition: `0:10,1:20`; `-` for None or none."""
    if not offsets:
        return NONE
    return ",".join(f"{p}:{o}" for p, o in sorted(offsets.items()))


def _bounds(item) -> tuple[int, int]:
    if hasattr(item, "start_offset"):  # a protobuf OffsetRange
        return exact_field(item, "start_offset"), exact_field(item, "end_offset")
    return item.start, item.end


def exact_field(item, name: str) -> int:
    """A message's offset field, exact: its `<name>_decimal` sibling when set, else the int64 field."""
    text = getattr(item, f"{name}_decimal", "")
    return int(text) if text else getattr(item, name)


def _optional(item, name: str) -> int | None:
    """A field that may be absent: None on the domain object, or unset in a protobuf message (whose plain
    attribute would read 0)."""
    has_field = getattr(item, "HasField", None)
    if has_field is not None:
        if not has_field(name):
            return None
        return exact_field(item, name)
    return getattr(item, name)
