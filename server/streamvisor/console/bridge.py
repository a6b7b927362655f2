"""Connect protocol (unary, JSON or binary protobuf) -> gRPC, for the browser.

The console's calls are the contract's calls: a browser POSTs `/streamvisor.v1.SupervisorService/<Method>`
as the Connect protocol defines it (https://connectrpc.com/docs/protocol/), and the bridge forwards it,
with the caller's `authorization` header, to the server's own gRPC port over loopback. So the gRPC
interceptors authenticate it, check its role, validate it and shape its errors exactly as for grpcurl
or any SDK - the console cannot drift from the contract, nor be more permissive than it. Errors come
back as Connect errors whose details carry the same google.rpc.ErrorInfo / BadRequest (binary in
`value`, and their JSON form in `debug` for a client without protobuf).

Only SupervisorService is bridged: the TaskService is the workers' (they speak gRPC themselves).
"""
from __future__ import annotations

import base64

import grpc
from google.protobuf import json_format, message_factory
from google.protobuf.message import DecodeError
from google.rpc import error_details_pb2, status_pb2
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from streamvisor.v1 import supervisor_service_pb2

SERVICE = supervisor_service_pb2.DESCRIPTOR.services_by_name["SupervisorService"]
METHODS = {m.name: m for m in SERVICE.methods}
# A bound on what the bridge reads, as the gRPC server bounds messages (max_message_bytes).
MAX_BODY_BYTES = 4 * 1024 * 1024
DEFAULT_TIMEOUT_S = 30.0

# gRPC status -> (Connect code, HTTP status), from the Connect protocol's table.
_CODES = {
    grpc.StatusCode.CANCELLED: ("canceled", 499),
    grpc.StatusCode.UNKNOWN: ("unknown", 500),
    grpc.StatusCode.INVALID_ARGUMENT: ("invalid_argument", 400),
    grpc.StatusCode.DEADLINE_EXCEEDED: ("deadline_exceeded", 504),
    grpc.StatusCode.NOT_FOUND: ("not_found", 404),
    grpc.StatusCode.ALREADY_EXISTS: ("already_exists", 409),
    grpc.StatusCode.PERMISSION_DENIED: ("permission_denied", 403),
    grpc.StatusCode.RESOURCE_EXHAUSTED: ("resource_exhausted", 429),
    grpc.StatusCode.FAILED_PRECONDITION: ("failed_precondition", 400),
    grpc.StatusCode.ABORTED: ("aborted", 409),
    grpc.StatusCode.OUT_OF_RANGE: ("out_of_range", 400),
    grpc.StatusCode.UNIMPLEMENTED: ("unimplemented", 501),
    grpc.StatusCode.INTERNAL: ("internal", 500),
    grpc.StatusCode.UNAVAILABLE: ("unavailable", 503),
    grpc.StatusCode.DATA_LOSS: ("data_loss", 500),
    grpc.StatusCode.UNAUTHENTICATED: ("unauthenticated", 401),
}
_DETAIL_TYPES = {t.DESCRIPTOR.full_name: t for t in (error_details_pb2.ErrorInfo, error_details_pb2.BadRequest)}


def connect_error(code: str, http_status: int, message: str, details=()) -> JSONResponse:
    return JSONResponse({"code": code, "message": message, "details": list(details)}, status_code=http_status)


def error_info_detail(reason: str, metadata: dict[str, str]) -> dict:
    info = error_details_pb2.ErrorInfo(reason=reason, domain="streamvisor", metadata=metadata)
    return _detail(info)


def _detail(message) -> dict:
    return {"type": message.DESCRIPTOR.full_name,
            "value": base64.b64encode(message.SerializeToString()).decode().rstrip("="),
            "debug": json_format.MessageToDict(message)}


def _details_of(error: grpc.RpcError) -> list[dict]:
    """The google.rpc.Status details the server attached (grpc-status-details-bin), as Connect details."""
    for key, value in error.trailing_metadata() or ():
        if key == "grpc-status-details-bin":
            status = status_pb2.Status.FromString(value)
            out = []
            for any_detail in status.details:
                name = any_detail.type_url.rsplit("/", 1)[-1]
                kind = _DETAIL_TYPES.get(name)
                if kind is None:
                    out.append({"type": name, "value": base64.b64encode(any_detail.value).decode().rstrip("=")})
                else:
                    out.append(_detail(kind.FromString(any_detail.value)))
            return out
    return []


def _malformed(method: str, why: str) -> JSONResponse:
    # The gRPC server's answer to a body that does not parse, so a client sees one reason for it.
    return connect_error("invalid_argument", 400, f"the request body is not a valid {method} request: {why}",
                         [error_info_detail("MALFORMED_REQUEST", {"method": f"{SERVICE.full_name}/{method}"})])


class Bridge:
    """Forwards unary Connect calls to `target` (the server's own gRPC address)."""

    def __init__(self, target: str):
        self.channel = grpc.insecure_channel(target)
        self.classes = {name: (message_factory.GetMessageClass(m.input_type),
                               message_factory.GetMessageClass(m.output_type)) for name, m in METHODS.items()}

    def close(self) -> None:
        self.channel.close()

    async def handle(self, request: Request) -> Response:
        name = request.path_params["method"]
        if name not in METHODS:
            return connect_error("unimplemented", 404, f"{SERVICE.full_name}/{name} is not a method of the console API")
        if request.method != "POST":
            return connect_error("unimplemented", 405, "unary calls are POST requests")
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type not in ("application/json", "application/proto"):
            return connect_error("unimplemented", 415, "content-type must be application/json or application/proto")
        chunks, size = [], 0
        async for chunk in request.stream():  # bounded: never hold more than the limit
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                return connect_error("resource_exhausted", 429, f"request body larger than {MAX_BODY_BYTES} bytes")
            chunks.append(chunk)
        body = b"".join(chunks)
        request_class, response_class = self.classes[name]
        if content_type == "application/json":
            try:
                payload = request_class()
                json_format.Parse(body or b"{}", payload)
            except (json_format.ParseError, UnicodeDecodeError, RecursionError) as e:
                return _malformed(name, str(e)[:200])
            data = payload.SerializeToString()
        else:
            try:
                request_class.FromString(body)
            except (DecodeError, RecursionError) as e:
                return _malformed(name, str(e)[:200])
            data = body
        timeout = DEFAULT_TIMEOUT_S
        header_timeout = request.headers.get("connect-timeout-ms", "")
        # Connect's deadline (at most 10 digits); anything else, or 0, leaves the default.
        if header_timeout.isdigit() and len(header_timeout) <= 10 and int(header_timeout) > 0:
            timeout = min(timeout, int(header_timeout) / 1000)
        metadata = []
        if request.headers.get("authorization"):
            metadata.append(("authorization", request.headers["authorization"]))
        call = self.channel.unary_unary(f"/{SERVICE.full_name}/{name}")  # bytes in, bytes out
        try:
            answer = await run_in_threadpool(call, data, timeout=timeout, metadata=metadata)
        except grpc.RpcError as e:
            code, status = _CODES.get(e.code(), ("unknown", 500))
            return connect_error(code, status, e.details() or "", _details_of(e))
        if content_type == "application/proto":
            return Response(answer, media_type="application/proto")
        return Response(json_format.MessageToJson(response_class.FromString(answer),
                                                  always_print_fields_with_no_presence=True, indent=None),
                        media_type="application/json")

