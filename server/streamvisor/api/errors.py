"""Domain errors -> gRPC status with google.rpc.ErrorInfo (and BadRequest for invalid arguments)."""
from __future__ import annotations

import functools
import logging
from typing import Callable

import grpc
from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

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


def to_status(error: DomainError) -> grpc.Status:
    code = next((c for cls, c in _CODES if isinstance(error, cls)), code_pb2.INTERNAL)
    details = [_pack(error_details_pb2.ErrorInfo(reason=error.reason, domain=DOMAIN, metadata=error.metadata))]
    if isinstance(error, InvalidArgument):
        details.append(_pack(error_details_pb2.BadRequest(field_violations=[
            error_details_pb2.BadRequest.FieldViolation(field=v.field, description=v.description)
            for v in error.violations])))
    return rpc_status.to_status(status_pb2.Status(code=code, message=error.message, details=details))


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
            log.info("rpc rejected method=%s reason=%s %s", method.__name__, e.reason,
                     " ".join(f"{k}={v}" for k, v in e.metadata.items()))
            context.abort_with_status(to_status(e))
        except Exception:
            if context.code() is not None:  # already aborted by gRPC itself
                raise
            log.exception("rpc failed method=%s", method.__name__)
            context.abort_with_status(internal_status())

    return wrapper
