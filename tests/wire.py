"""Calls at the wire level, for the input-hardening tests: raw request bytes, and what the trailers weigh."""
from __future__ import annotations

import base64
from urllib.parse import quote

import grpc
from google.protobuf import message_factory

from streamvisor.client import StreamvisorError

# gRPC's default limit on the metadata a client accepts (grpc.max_metadata_size): trailers over it
# arrive as RESOURCE_EXHAUSTED instead of the server's status.
DEFAULT_MAX_METADATA_BYTES = 8 * 1024
# HTTP/2 (RFC 7540 6.5.2, and gRPC's accounting) counts 32 bytes of overhead per header entry.
ENTRY_OVERHEAD = 32


def path_of(method) -> str:
    """A MethodDescriptor's call path, "/pkg.Service/Method"."""
    return f"/{method.containing_service.full_name}/{method.name}"


def raw_call(channel: grpc.Channel, method, body: bytes, metadata=(), timeout: float = 30) -> grpc.RpcError | None:
    """Sends `body` as it is (no serializer: grpcio passes bytes through) to a unary or streaming method;
    returns the error, or None if the call succeeded."""
    path = path_of(method)
    try:
        if method.client_streaming:
            responses = channel.stream_stream(path)(iter([body]), timeout=timeout, metadata=metadata)
            for _ in responses:
                pass
        elif method.server_streaming:
            call = channel.unary_stream(path)(body, timeout=timeout, metadata=metadata)
            try:
                next(call, None)  # a health Watch streams forever: its first answer is enough
            finally:
                call.cancel()
        else:
            channel.unary_unary(path)(body, timeout=timeout, metadata=metadata)
    except grpc.RpcError as e:
        return e
    return None


def message_call(channel: grpc.Channel, method, request, metadata=(), timeout: float = 30):
    """(response, None) or (None, RpcError) for any unary method by its descriptor."""
    response_class = message_factory.GetMessageClass(method.output_type)
    stub = channel.unary_unary(path_of(method), request_serializer=lambda m: m.SerializeToString(),
                               response_deserializer=response_class.FromString)
    try:
        return stub(request, timeout=timeout, metadata=metadata), None
    except grpc.RpcError as e:
        return None, e


def trailer_bytes(error: grpc.RpcError) -> int:
    """What the error's trailers weigh on the wire, as the client's metadata limit counts them: each entry's
    name and value plus 32, binary values base64-encoded, grpc-message percent-encoded."""
    total = len("grpc-status") + 2 + ENTRY_OVERHEAD
    message = quote((error.details() or "").encode("utf-8"), safe=" !\"#$&'()*+,-./:;<=>?@[\\]^_`{|}~")
    total += len("grpc-message") + len(message) + ENTRY_OVERHEAD
    for key, value in error.trailing_metadata() or ():
        size = len(base64.b64encode(value)) if key.endswith("-bin") else len(value)
        total += len(key) + size + ENTRY_OVERHEAD
    return total


def parsed(error: grpc.RpcError) -> StreamvisorError:
    return StreamvisorError.from_rpc_error(error)
