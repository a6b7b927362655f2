"""Opaque page tokens (AIP-158): keyset cursors bound to the query that issued them. Pure."""
from __future__ import annotations

import base64
import binascii
import hashlib
import json

from streamvisor.domain.errors import InvalidArgument, FieldViolation

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000


def page_size(requested: int) -> int:
    if requested < 0:
        raise InvalidArgument([FieldViolation("page_size", f"must be >= 0, got {requested}")])
    return DEFAULT_PAGE_SIZE if requested == 0 else min(requested, MAX_PAGE_SIZE)


def _query_hash(query: object) -> str:
    return hashlib.sha256(json.dumps(query, sort_keys=True).encode()).hexdigest()[:16]


def encode_token(after: object, query: object) -> str:
    raw = json.dumps({"a": after, "q": _query_hash(query)}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(token: str, query: object) -> object | None:
    """The cursor in `token`, or None for the first page. A token from another query is rejected."""
    if not token:
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        payload = json.loads(raw)
        after, issued_for = payload["a"], payload["q"]
    except (binascii.Error, ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise InvalidArgument([FieldViolation("page_token", "is not a token this server issued")],
                              reason="INVALID_PAGE_TOKEN", metadata={"page_token": token[:64]}) from None
    if issued_for != _query_hash(query):
        raise InvalidArgument(
            [FieldViolation("page_token", "was issued for a different query; start again without it")],
            reason="INVALID_PAGE_TOKEN", metadata={"page_token": token[:64]})
    return after
