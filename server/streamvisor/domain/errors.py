"""Domain errors: what went wrong, in words the API can map to gRPC codes without guessing.

Each error carries a stable UPPER_SNAKE `reason` (the ErrorInfo reason, see error_reason.proto),
a human message and the dynamic values as string metadata. The category (the subclass) decides the
gRPC status code in streamvisor.api.errors; the domain itself knows nothing of gRPC.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from streamvisor.domain.reasons import Reason


@dataclass(frozen=True)
class FieldViolation:
    field: str
    description: str


class DomainError(Exception):
    """Base of every expected, client-visible failure."""

    def __init__(self, reason: str, message: str, metadata: Mapping[str, object] | None = None):
        super().__init__(message)
        # Only reasons of the contract's ErrorReason enum: a misspelt one fails here, in every test that
        # reaches it, instead of reaching a client as a reason no client knows.
        self.reason = Reason(reason)
        self.message = message
        self.metadata = {k: str(v) for k, v in (metadata or {}).items()}


class NotFound(DomainError):
    pass


class AlreadyExists(DomainError):
    pass


class InvalidArgument(DomainError):
    def __init__(
        self,
        violations: list[FieldViolation],
        reason: str = "INVALID_ARGUMENT",
        message: str | None = None,
        metadata: Mapping[str, object] | None = None,
    ):
        # `fields` names the offending fields; a body that did not parse (MALFORMED_REQUEST) has none to name.
        merged = {"fields": ",".join(v.field for v in violations)} if violations else {}
        merged.update(metadata or {})
        text = message or "; ".join(f"{v.field}: {v.description}" for v in violations)
        super().__init__(reason, text, merged)
        self.violations = list(violations)


class OutOfRange(InvalidArgument):
    """Past the valid range in a way that waiting can fix, e.g. an offset the stream does not hold yet
    (gRPC OUT_OF_RANGE, AIP-193). It names its fields like InvalidArgument does."""


class FailedPrecondition(DomainError):
    pass


class Conflict(DomainError):
    """A concurrency conflict: a stale etag, or output fenced by a newer generation (gRPC ABORTED)."""


class Unavailable(DomainError):
    pass


class Unauthenticated(DomainError):
    """Missing or invalid credentials (gRPC UNAUTHENTICATED)."""


class ResourceExhausted(DomainError):
    """The server is at its concurrency limit; retry with backoff (gRPC RESOURCE_EXHAUSTED)."""


class PermissionDenied(DomainError):
    """The authenticated caller's role may not do this (gRPC PERMISSION_DENIED)."""


class Violations:
    """Collects field violations so one response names every bad field, not just the first."""

    def __init__(self) -> None:
        self.items: list[FieldViolation] = []

    def add(self, field: str, description: str) -> None:
        self.items.append(FieldViolation(field, description))

    def raise_if_any(self, reason: str = "INVALID_ARGUMENT", metadata: Mapping[str, object] | None = None) -> None:
        if self.items:
            raise InvalidArgument(self.items, reason=reason, metadata=metadata)
