"""Domain errors -> gRPC status with google.rpc.ErrorInfo (and BadRequest for invalid arguments)."""
from __future__ import annotations

import functools
import logging
from typing import Callable

import grpc
from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from streamvisor import logs
from streamvisor.domain.errors import (
    AlreadyExists, Conflict, DomainError, FailedPrecondition, InvalidArgument, NotFound, OutOfRange,
    PermissionDenied, ResourceExhausted, Unauthenticated, Unavailable,
)

log = logging.getLogger(__name__)

DOMAIN = "streamvisor"

# First match wins: OutOfRange is an InvalidArgument (it names fields) with its own code.
_CODES: list[tuple[type[DomainError], int]] = [
    (OutOfRange, code_pb2.OUT_OF_RANGE),
    (NotFound, code_pb2.NOT_FOUND),
    (AlreadyExists, code_pb2.ALREADY_EXISTS),
    (InvalidArgument, code_pb2.INVALID_ARGUMENT),
    (FailedPrecondition, code_pb2.FAILED_PRECONDITION),
    (Conflict, code_pb2.ABORTED),
    (Unavailable, code_pb2.UNAVAILABLE),
    (Unauthenticated, code_pb2.UNAUTHENTICATED),
    (PermissionDenied, code_pb2.PERMISSION_DENIED),
    (ResourceExhausted, code_pb2.RESOURCE_EXHAUSTED),
]


def _pack(message) -> any_pb2.Any:
    packed = any_pb2.Any()
    packed.Pack(message)
    return packed


# Every error leaves in the trailers, twice over for the message: `grpc-message` (percent-encoded, up to 3x
# for non-ASCII) and the google.rpc.Status in `grpc-status-details-bin` (base64 on the wire, 4/3). gRPC
# clients refuse trailers over 8 KiB by default (grpc.max_metadata_size) and report RESOURCE_EXHAUSTED
# instead of our code, so every part is capped: with these limits the worst case is about
# 3 x 512 + 4/3 x 2560 = 4.9 KiB, whatever the request held (user input is echoed in descriptions).
MAX_MESSAGE_BYTES = 512
MAX_VALUE_BYTES = 256  # one metadata value, one violation's field or description
MAX_METADATA_ENTRIES = 16
MAX_DETAILS_BYTES = 2560  # the serialized google.rpc.Status
OMITTED_VIOLATIONS = "omitted_violations"


def _clip(text: str, limit: int) -> str:
    """`text` cut to at most `limit` UTF-8 bytes, on a character boundary, marked by a trailing "..."."""
    raw = text.encode("utf-8", "replace")
    if len(raw) <= limit:
        return text
    return raw[:limit - 3].decode("utf-8", "ignore") + "..."


def _status(code: int, message: str, info: error_details_pb2.ErrorInfo,
            violations: list[error_details_pb2.BadRequest.FieldViolation] | None) -> status_pb2.Status:
    details = [_pack(info)]
    if violations:
        details.append(_pack(error_details_pb2.BadRequest(field_violations=violations)))
    return status_pb2.Status(code=code, message=message, details=details)


def to_status(error: DomainError) -> grpc.Status:
    """The gRPC status of a domain error: ErrorInfo always, BadRequest for invalid arguments; bounded in size.

    When not every field violation fits, the first ones are kept, metadata `fields` names exactly those,
    `omitted_violations` says how many were left out, and the message says so too."""
    code = next((c for cls, c in _CODES if isinstance(error, cls)), code_pb2.INTERNAL)
    # `fields` is rebuilt below from the violations actually sent, so that it names exactly those.
    metadata = {_clip(k, 64): _clip(v, MAX_VALUE_BYTES)
                for k, v in list(error.metadata.items())[:MAX_METADATA_ENTRIES] if k != "fields"}
    info = error_details_pb2.ErrorInfo(reason=error.reason, domain=DOMAIN, metadata=metadata)
    all_violations = error.violations if isinstance(error, InvalidArgument) else []
    message = _clip(error.message, MAX_MESSAGE_BYTES)
    kept: list[error_details_pb2.BadRequest.FieldViolation] = []
    if all_violations:
        # Room for the message suffix and the `fields`/`omitted_violations` metadata, then violations while they fit.
        # (128: the BadRequest's Any wrapper, `omitted_violations`, the `fields` key.)
        budget = MAX_DETAILS_BYTES - _status(code, message, info, None).ByteSize() - 128
        for v in all_violations:
            item = error_details_pb2.BadRequest.FieldViolation(field=_clip(v.field, MAX_VALUE_BYTES),
                                                               description=_clip(v.description, MAX_VALUE_BYTES))
            # The item in BadRequest, plus its path in `fields`.
            cost = item.ByteSize() + 4 + len(item.field.encode()) + 1
            if cost > budget:
                break
            budget -= cost
            kept.append(item)
    while True:
        if "fields" in error.metadata:
            info.metadata["fields"] = ",".join(v.field for v in kept)
        omitted = len(all_violations) - len(kept)
        if omitted:
            info.metadata[OMITTED_VIOLATIONS] = str(omitted)
            suffix = f" (and {omitted} more violations, see metadata {OMITTED_VIOLATIONS})"
            message = _clip(error.message, MAX_MESSAGE_BYTES - len(suffix)) + suffix
        status = _status(code, message, info, kept)
        if status.ByteSize() <= MAX_DETAILS_BYTES or not kept:  # the estimate above is almost always enough
            return rpc_status.to_status(status)
        kept.pop()


def internal_status() -> grpc.Status:
    info = error_details_pb2.ErrorInfo(reason="INTERNAL", domain=DOMAIN)
    return rpc_status.to_status(status_pb2.Status(
        code=code_pb2.INTERNAL, message="internal error; the server log has the details", details=[_pack(info)]))


def handle_errors(method: Callable) -> Callable:
    """Servicer-method decorator: every failure leaves as a status with an ErrorInfo, never a bare traceback."""

    @functools.wraps(method)
    def wrapper(self, request, context: grpc.ServicerContext):
        try:
            return method(self, request, context)
        except DomainError as e:
            logs.info(log, "rpc rejected", **logs.with_metadata({"method": method.__name__, "reason": e.reason},
                                                                e.metadata))
            context.abort_with_status(to_status(e))
        except Exception:
            if context.code() is not None:  # already aborted by gRPC itself
                raise
            logs.exception(log, "rpc failed", method=method.__name__)
            context.abort_with_status(internal_status())

    return wrapper
