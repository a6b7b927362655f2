"""The one server interceptor every RPC passes through, in this order:

1. log context: a request id (metadata `x-request-id`, else the request's `request_id` field, else a
   new one) and the method, added to every log line emitted during the call;
2. metrics: started / handled-by-code / latency (streamvisor.api.metrics);
3. authentication and authorization (streamvisor.api.auth): UNAUTHENTICATED or PERMISSION_DENIED before
   the servicer runs, so nothing about supervisors leaks to an unauthenticated caller; the identity is
   bound for the servicer (streamvisor.api.identity.actor_of) and the logs;
4. a request body that does not parse: INVALID_ARGUMENT / MALFORMED_REQUEST. grpcio deserializes the
   body before any handler code runs and answers a parse failure itself with a bare INTERNAL
   ("Exception deserializing request!"), before authentication. So every handler's deserializer is
   wrapped (_tolerant) to return a MalformedRequest placeholder instead, and the check happens here,
   after the caller was authenticated and authorized: garbage without credentials is UNAUTHENTICATED,
   like any other call;
5. the concurrency limit: application calls may use at most `max_workers - reserved_workers` threads
   of the server's pool; past that they fail RESOURCE_EXHAUSTED at once instead of queueing, so the
   reserved threads always answer health checks, whatever floods the server.
"""
from __future__ import annotations

import logging
import threading
import time
from random import getrandbits
from typing import Callable, Iterator

import grpc

from streamvisor import logs
from streamvisor.api import identity as ident
from streamvisor.api.auth import HEALTH_SERVICE, AuthPolicy, service_of
from streamvisor.api.errors import to_status
from streamvisor.api.metrics import Metrics
from streamvisor.domain.errors import DomainError, FieldViolation, InvalidArgument, ResourceExhausted

log = logging.getLogger("streamvisor.rpc")

MAX_REQUEST_ID_LENGTH = 128
REQUEST_ID_HEADER = "x-request-id"


REFUSAL_LOG_WINDOW_S = 10.0


class CallLimiter:
    """At most `limit` concurrent calls; the rest are refused immediately (no queue to wait in).

    Refusals are counted (`refused`, and the metric streamvisor_rpc_refused_total{reason="SERVER_BUSY"})
    and logged at most once per `log_window_s`, with how many there were since the previous line: under
    overload a WARNING per refused call (3,300 in 10 s in bench_commit's hot-supervisor run) costs CPU
    the server is short of, and buries everything else in the log."""

    def __init__(self, limit: int, exempt_services: frozenset[str] = frozenset({HEALTH_SERVICE}),
                 log_window_s: float = REFUSAL_LOG_WINDOW_S, clock: Callable[[], float] = time.monotonic):
        self.limit = limit
        self.exempt_services = exempt_services
        self._slots = threading.BoundedSemaphore(limit)
        self.refused = 0
        self.log_window_s, self._clock = log_window_s, clock
        self._logged_at = float("-inf")
        self._unlogged = 0
        self._lock = threading.Lock()
        # Built once: refusals come in floods (hundreds a second when one supervisor is hot), and each
        # used to build the same ErrorInfo and Status protobufs anew.
        self.busy_status = to_status(ResourceExhausted(
            "SERVER_BUSY", f"server busy: {limit} calls already in progress; retry with backoff", {"limit": limit}))

    def note_refusal(self) -> int:
        """Counts one refusal; returns how many to report now (this one and those not yet logged), or 0
        while the current log window is still open."""
        now = self._clock()
        with self._lock:
            self.refused += 1
            self._unlogged += 1
            if now - self._logged_at < self.log_window_s:
                return 0
            self._logged_at, count, self._unlogged = now, self._unlogged, 0
            return count

    def exempt(self, method: str) -> bool:
        return service_of(method) in self.exempt_services

    def try_acquire(self) -> bool:
        return self._slots.acquire(blocking=False)

    def release(self) -> None:
        self._slots.release()


def _request_id(header: str | None, request) -> str:
    """The call's request id: the `x-request-id` header, else the request's `request_id` field, else a new
    one (16 hex digits: 64 random bits). It only ties log lines together, so it needs no secret randomness:
    `random` (reseeded in a forked child) instead of os.urandom, whose system call per RPC was 1.7% of the
    server's GIL time under 16 committers."""
    value = header if isinstance(header, str) and header else getattr(request, "request_id", "") or ""
    if not isinstance(value, str):
        value = ""
    return value[:MAX_REQUEST_ID_LENGTH] or f"{getrandbits(64):016x}"


class MalformedRequest:
    """What a request body that does not parse as the method's request type deserializes to.

    Never reaches a servicer: the interceptor's scope aborts with MALFORMED_REQUEST first."""

    __slots__ = ("size", "problem")

    def __init__(self, size: int, problem: str):
        self.size, self.problem = size, problem


class InvalidRequest:
    """A request that parsed but can never be stored or passed on (a U+0000 in a string: PostgreSQL's text
    cannot hold it, librdkafka's C strings end at it). Like MalformedRequest, refused after authentication."""

    __slots__ = ("error",)

    def __init__(self, error: InvalidArgument):
        self.error = error


def nul_fields(message, prefix: str = "") -> list[str]:
    """Paths of the string fields (nested, repeated and map entries included) that contain U+0000."""
    found = []
    for field, value in message.ListFields():
        path = f"{prefix}{field.name}"
        if field.message_type is not None and field.message_type.GetOptions().map_entry:
            found += [f"{path}[{k!r}]" for k, v in value.items()
                      if any(isinstance(x, str) and "\x00" in x for x in (k, v))]
        elif field.message_type is not None:
            items = value if field.is_repeated else [value]
            for i, item in enumerate(items):
                found += nul_fields(item, f"{path}[{i}]." if field.is_repeated else f"{path}.")
        elif field.type == field.TYPE_STRING:
            items = value if field.is_repeated else [value]
            found += [f"{path}[{i}]" if field.is_repeated else path
                      for i, item in enumerate(items) if "\x00" in item]
    return found


def _tolerant(deserializer: Callable | None) -> Callable | None:
    """`deserializer` that returns a MalformedRequest where it would raise (grpcio would answer INTERNAL),
    and an InvalidRequest for a string holding U+0000."""
    if deserializer is None:
        return None

    def deserialize(raw: bytes):
        try:
            request = deserializer(raw)
        except Exception as e:  # DecodeError for protobuf; anything a custom deserializer raises is the same
            return MalformedRequest(len(raw), str(e) or type(e).__name__)
        if b"\x00" in raw and hasattr(request, "ListFields"):  # a NUL byte can only come from the bytes on the wire
            bad = nul_fields(request)
            if bad:
                return InvalidRequest(InvalidArgument(
                    [FieldViolation(path, "must not contain the character U+0000") for path in bad]))
        return request

    return deserialize


def malformed_request_error(method: str, request: MalformedRequest) -> InvalidArgument:
    name = method.lstrip("/")
    return InvalidArgument(
        [], reason="MALFORMED_REQUEST",
        message=f"the request body ({request.size} bytes) is not a valid request message of {name}: "
                f"{request.problem}", metadata={"method": name})


def _checked_stream(requests: Iterator, method: str, context: grpc.ServicerContext) -> Iterator:
    """A streamed request (e.g. reflection's) fails MALFORMED_REQUEST at the first message that did not parse."""
    for request in requests:
        if isinstance(request, (MalformedRequest, InvalidRequest)):
            error = malformed_request_error(method, request) if isinstance(request, MalformedRequest) else request.error
            logs.info(log, "rpc refused", reason=error.reason, method=method.lstrip("/"), bytes=request.size)
            context.abort_with_status(to_status(error))
        yield request


def _kind(handler: grpc.RpcMethodHandler) -> str:
    if handler.request_streaming:
        return "bidi_stream" if handler.response_streaming else "client_stream"
    return "server_stream" if handler.response_streaming else "unary"


class _Method:
    """What the interceptor needs of one method, worked out once when its handler is first wrapped: the
    name without the leading "/" (logs), its kind and metric children, whether it is open (no credentials)
    and whether the call limit applies. Per call only the caller's own values are left to look at."""

    __slots__ = ("method", "name", "kind", "open", "limited", "metrics")

    def __init__(self, method: str, kind: str, policy: AuthPolicy, metrics: Metrics | None,
                 limiter: CallLimiter | None):
        self.method, self.name, self.kind = method, method.lstrip("/"), kind
        self.open = policy.is_open(method)
        self.limited = limiter is not None and not limiter.exempt(method)
        self.metrics = metrics.for_method(method, kind) if metrics is not None else None


class _CallScope:
    """One call's scope (see the module docstring for the order): entered before the servicer runs,
    exited after it. A class rather than a @contextmanager generator: this runs on every RPC, and the
    generator's set-up was a measurable share of a GetSupervisor's server CPU."""

    __slots__ = ("interceptor", "plan", "context", "started", "log_token", "identity_token", "holds_slot")

    def __init__(self, interceptor: "ServerInterceptor", plan: _Method, context: grpc.ServicerContext):
        self.interceptor, self.plan, self.context = interceptor, plan, context
        self.log_token = self.identity_token = None
        self.holds_slot = False

    def __enter__(self) -> "_CallScope":
        return self  # the work is in enter(request), which the wrapper calls first: it needs the request

    def enter(self, request) -> "_CallScope":
        interceptor, plan, context = self.interceptor, self.plan, self.context
        self.started = time.monotonic()
        if plan.metrics is not None:
            plan.metrics.start()
        try:
            request_id = authorization = None
            for key, value in context.invocation_metadata():
                if key == REQUEST_ID_HEADER:
                    request_id = value
                elif key == "authorization":
                    authorization = value
            request_id = _request_id(request_id, request)
            identity = interceptor._authenticate(plan, authorization, request_id, self)
            self.identity_token = ident.bind(identity)
            if self.log_token is None:
                self.log_token = logs.bind_context(request_id=request_id, method=plan.name, actor=identity.actor)
            if not plan.open:
                interceptor._authorize(identity, plan.method, context)
            if type(request) is MalformedRequest:
                # After authentication: an unauthenticated caller learns nothing, not even that its bytes were bad.
                interceptor._refuse(malformed_request_error(plan.method, request), context)
            if type(request) is InvalidRequest:
                interceptor._refuse(request.error, context)
            if plan.limited:
                limiter = interceptor.limiter
                self.holds_slot = limiter.try_acquire()
                if not self.holds_slot:
                    if interceptor.metrics is not None:
                        interceptor.metrics.rpc_refused(plan.method, "SERVER_BUSY")
                    count = limiter.note_refusal()
                    if count:
                        logs.warning(log, "rpc refused", reason="SERVER_BUSY", limit=limiter.limit,
                                     refused=count, window_s=limiter.log_window_s)
                    context.abort_with_status(limiter.busy_status)
        except BaseException:
            self.exit(failed=True)
            raise
        return self

    def __exit__(self, exc_type, exc, traceback) -> bool:
        self.exit(failed=exc_type is not None)
        return False

    def exit(self, failed: bool) -> None:
        if self.holds_slot:
            self.interceptor.limiter.release()
        code = self.context.code()
        if code is None:
            code = grpc.StatusCode.UNKNOWN if failed else grpc.StatusCode.OK
        code_name, seconds = getattr(code, "name", str(code)), time.monotonic() - self.started
        if self.plan.metrics is not None:
            self.plan.metrics.end(code_name, seconds)
        if log.isEnabledFor(logging.DEBUG):
            logs.debug(log, "rpc finished", code=code_name, duration_ms=round(seconds * 1000, 1))
        for reset, token in ((ident.unbind, self.identity_token), (logs.reset_context, self.log_token)):
            if token is not None:
                try:
                    reset(token)
                except ValueError:  # a streaming call finished in another context
                    pass


class ServerInterceptor(grpc.ServerInterceptor):
    def __init__(self, policy: AuthPolicy, metrics: Metrics | None = None, limiter: CallLimiter | None = None,
                 client_certificates: bool = True):
        """`client_certificates=False` says the server cannot have verified client certificates (plaintext,
        or TLS without a client CA): then no call asks its transport for one (grpcio builds the whole auth
        context for it), since there can be none."""
        self.policy = policy
        self.metrics = metrics
        self.limiter = limiter
        self.client_certificates = client_certificates
        # method -> its wrapped handler. grpcio calls intercept_service for every call, and wrapping anew
        # (closures, a new RpcMethodHandler) was 17% of the server's GIL time under 16 committers
        # (py-spy); the registered handlers never change once the server runs.
        self._wrapped: dict[str, grpc.RpcMethodHandler] = {}

    def intercept_service(self, continuation, handler_call_details):
        wrapped = self._wrapped.get(handler_call_details.method)
        if wrapped is not None:
            return wrapped
        handler = continuation(handler_call_details)
        if handler is None:
            return None  # not cached: an unknown method stays rare, and the dict bounded by the services
        wrapped = self._wrapped[handler_call_details.method] = self._wrap(handler, handler_call_details.method)
        return wrapped

    def _wrap(self, handler: grpc.RpcMethodHandler, method: str) -> grpc.RpcMethodHandler:
        plan = _Method(method, _kind(handler), self.policy, self.metrics, self.limiter)
        streamed_requests = handler.request_streaming

        def arguments(request, context):
            return _checked_stream(request, method, context) if streamed_requests else request

        def scope(request, context) -> _CallScope:
            return _CallScope(self, plan, context).enter(None if streamed_requests else request)

        def unary_response(behavior: Callable):
            if not streamed_requests:
                def run_unary(request, context):
                    with scope(request, context):
                        return behavior(request, context)
                return run_unary

            def run(request, context):
                with scope(request, context):
                    return behavior(arguments(request, context), context)
            return run

        def streaming_response(behavior: Callable):
            if getattr(behavior, "experimental_non_blocking", False):
                # e.g. health Watch: it registers a callback and returns at once instead of holding a pool
                # thread for the life of the stream; keep it that way (gRPC checks this attribute).
                def register(request, context, send_response_callback=None):
                    with scope(request, context):
                        return behavior(arguments(request, context), context,
                                        send_response_callback=send_response_callback)
                register.experimental_non_blocking = True
                register.experimental_thread_pool = getattr(behavior, "experimental_thread_pool", None)
                return register

            def run(request, context) -> Iterator:
                with scope(request, context):
                    yield from behavior(arguments(request, context), context)
            return run

        common = {"request_deserializer": _tolerant(handler.request_deserializer),
                  "response_serializer": handler.response_serializer}
        if handler.unary_unary:
            return grpc.unary_unary_rpc_method_handler(unary_response(handler.unary_unary), **common)
        if handler.unary_stream:
            return grpc.unary_stream_rpc_method_handler(streaming_response(handler.unary_stream), **common)
        if handler.stream_unary:
            return grpc.stream_unary_rpc_method_handler(unary_response(handler.stream_unary), **common)
        return grpc.stream_stream_rpc_method_handler(streaming_response(handler.stream_stream), **common)

    def _refuse(self, error: DomainError, context: grpc.ServicerContext) -> None:
        logs.info(log, "rpc refused", **logs.with_metadata({"reason": error.reason, "peer": context.peer()},
                                                           error.metadata))
        context.abort_with_status(to_status(error))

    def _certificate_cn(self, context: grpc.ServicerContext) -> str | None:
        return ident.certificate_common_name(context) if self.client_certificates else None

    def _authenticate(self, plan: _Method, authorization: str | None, request_id: str,
                      scope: _CallScope) -> ident.Identity:
        """The caller's identity; aborts UNAUTHENTICATED before anything else about the call is looked at
        (the refusal's log line carries the request id and method, but no actor: there is none)."""
        context = scope.context
        if plan.open:
            if not self.policy.enabled:
                return self.policy.authenticate(None, self._certificate_cn(context))
            return ident.Identity(ident.ANONYMOUS, "", "none")
        try:
            return self.policy.authenticate(authorization if isinstance(authorization, str) else None,
                                            self._certificate_cn(context))
        except DomainError as e:
            scope.log_token = logs.bind_context(request_id=request_id, method=plan.name)
            self._refuse(e, context)
            raise  # pragma: no cover - abort raises

    def _authorize(self, identity: ident.Identity, method: str, context: grpc.ServicerContext) -> None:
        try:
            self.policy.authorize(identity, method)
        except DomainError as e:
            self._refuse(e, context)
            raise  # pragma: no cover - abort raises
