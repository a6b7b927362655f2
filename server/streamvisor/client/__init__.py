"""A small typed Python SDK over the generated stubs: deadlines, retries on UNAVAILABLE, rich errors.

    from streamvisor.client import StreamvisorClient, StreamvisorError
    with StreamvisorClient("127.0.0.1:50051") as client:
        client.get_supervisor("clicks")

Several replicas (README, "Running replicas"): a comma-separated list, one channel that spreads calls
over them round-robin and skips the ones that are down (a call that fails on a dying one is retried):

    StreamvisorClient("10.0.0.1:50051,10.0.0.2:50051,10.0.0.3:50051")

With authentication and TLS (see the README, "Security and observability"):

    StreamvisorClient("sv.example.com:50051", token=os.environ["STREAMVISOR_TOKEN"], tls_ca="ca.pem")
    StreamvisorClient("sv.example.com:50051", tls_ca="ca.pem", tls_cert="me.pem", tls_key="me-key.pem")  # mTLS
"""
from __future__ import annotations

import ipaddress
import random
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Sequence

import grpc
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from streamvisor.v1 import supervisor_pb2 as pb
from streamvisor.v1 import supervisor_service_pb2 as svc
from streamvisor.v1 import supervisor_service_pb2_grpc as svc_grpc

__all__ = ["StreamvisorClient", "StreamvisorError", "exact", "offset_range", "partition_name", "pb", "reset_target",
           "svc"]

INT64_MAX = 2 ** 63 - 1


def exact(message, field: str) -> int | None:
    """An offset (or distance) field of a response, exact whatever its size: its `<field>_decimal` sibling
    (the int64 field is 0 when the value does not fit), else the int64 field (a server older than the
    decimal fields). None when an optional field is absent (PartitionOffsets.checkpoint, OffsetChange.before).

        exact(row, "checkpoint"), exact(offsets, "total_lag"), exact(r, "start_offset")"""
    sibling = f"{field}_decimal"
    descriptor = message.DESCRIPTOR.fields_by_name
    if descriptor[sibling].has_presence:
        if message.HasField(sibling):
            return int(getattr(message, sibling))
        return getattr(message, field) if message.HasField(field) else None
    text = getattr(message, sibling)
    return int(text) if text else getattr(message, field)


def partition_name(message) -> str:
    """A message's partition by name (`partition_id`; a server older than it: the number)."""
    return message.partition_id or str(message.partition)


def _set_offset(message, field: str, value: int) -> None:
    """An offset of a request: the int64 field when it fits (what every server understands), else the
    `_decimal` sibling (a server that carries offsets of any size)."""
    if -INT64_MAX - 1 <= value <= INT64_MAX:  # a bad value (negative, say) is the server's to refuse, by field
        setattr(message, field, value)
    else:
        setattr(message, f"{field}_decimal", str(value))


def _set_partition(message, partition: int | str) -> None:
    """A partition by number (int) or by name (str, e.g. a Kinesis shard id)."""
    if isinstance(partition, str):
        message.partition_id = partition
    else:
        message.partition = partition


def offset_range(partition: int | str, start: int, end: int) -> pb.OffsetRange:
    """An OffsetRange of any size, by partition number or name."""
    message = pb.OffsetRange()
    _set_partition(message, partition)
    _set_offset(message, "start_offset", start)
    _set_offset(message, "end_offset", end)
    return message


def reset_target(partition: int | str, offset: int | None = None, timestamp=None) -> svc.PartitionResetTarget:
    """A ResetOffsets target: an offset of any size, or a google.protobuf.Timestamp / datetime."""
    message = svc.PartitionResetTarget()
    _set_partition(message, partition)
    if (offset is None) == (timestamp is None):
        raise ValueError("give exactly one of offset and timestamp")
    if offset is not None:
        if isinstance(offset, int) and not -INT64_MAX - 1 <= offset <= INT64_MAX:
            message.offset_decimal = str(offset)
        else:
            message.offset = offset
    elif hasattr(timestamp, "seconds"):
        message.timestamp.CopyFrom(timestamp)
    else:
        message.timestamp.FromDatetime(timestamp)
    return message


@dataclass
class StreamvisorError(Exception):
    """A failed call: the gRPC code, and the ErrorInfo reason and metadata when the server sent them."""

    code: grpc.StatusCode
    message: str
    reason: str = ""
    domain: str = ""
    metadata: dict[str, str] = field(default_factory=dict)
    field_violations: list[tuple[str, str]] = field(default_factory=list)

    def __str__(self) -> str:
        head = f"{self.code.name}"
        if self.reason:
            head += f" {self.reason}"
        text = f"{head}: {self.message}"
        for f, d in self.field_violations:
            text += f"\n  {f}: {d}"
        return text

    @classmethod
    def from_rpc_error(cls, error: grpc.RpcError) -> "StreamvisorError":
        error_obj = cls(code=error.code(), message=error.details() or "")
        status = rpc_status.from_call(error)
        if status is not None:
            for detail in status.details:
                if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
                    info = error_details_pb2.ErrorInfo()
                    detail.Unpack(info)
                    error_obj.reason, error_obj.domain = info.reason, info.domain
                    error_obj.metadata = dict(info.metadata)
                elif detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
                    bad = error_details_pb2.BadRequest()
                    detail.Unpack(bad)
                    error_obj.field_violations = [(v.field, v.description) for v in bad.field_violations]
        return error_obj


def _channel_credentials(ca, cert, key) -> grpc.ChannelCredentials:
    def pem(source, what):
        if source is None or isinstance(source, bytes):
            return source
        try:
            return Path(source).read_bytes()
        except OSError as e:
            raise ValueError(f"cannot read {what} {source}: {e}") from None

    cert, key = pem(cert, "TLS client certificate"), pem(key, "TLS client key")
    if (cert is None) != (key is None):
        raise ValueError("a TLS client certificate needs its key, and a key its certificate")
    return grpc.ssl_channel_credentials(pem(ca, "TLS CA"), key, cert)


def _split_host_port(address: str) -> tuple[str, int]:
    host, sep, port = address.rpartition(":")
    if not sep or not host or not port.isdigit():
        raise ValueError(f"expected host:port in a list of server addresses, got {address!r}")
    return host.strip("[]"), int(port)


def channel_target(target: str) -> tuple[str, list[tuple[str, object]]]:
    """The gRPC target and channel options for `target`: one address (or any gRPC target, `dns:///...`)
    as given; a comma-separated list `a:p,b:p,c:p` becomes one `ipv4:` (or `ipv6:`) target over every
    address with round_robin load balancing - calls spread over the replicas, and a replica that is down
    is skipped until it answers again. Host names in a list are resolved once, here; a fleet whose
    addresses change should sit behind one name (a load balancer, or `dns:///name:port`, which gRPC
    re-resolves and, given here, also balances round-robin) instead."""
    if target.startswith("dns:"):  # a name for every replica (a headless Service): balance over its addresses
        return target, [("grpc.lb_policy_name", "round_robin")]
    addresses = [a.strip() for a in target.split(",") if a.strip()]
    if "," not in target or len(addresses) < 2:
        return (addresses[0] if addresses else target), []
    per_family: dict[int, list[str]] = {socket.AF_INET: [], socket.AF_INET6: []}
    for address in addresses:
        host, port = _split_host_port(address)
        try:
            found = {info[0]: info[4][0] for info in reversed(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))
                     if info[0] in per_family}
        except socket.gaierror as e:
            raise ValueError(f"cannot resolve server address {address!r}: {e}") from None
        for family in per_family:
            if family in found:
                per_family[family].append(f"{found[family]}:{port}" if family == socket.AF_INET
                                          else f"[{found[family]}]:{port}")
    if len(per_family[socket.AF_INET]) == len(addresses):
        resolved = "ipv4:" + ",".join(per_family[socket.AF_INET])
    elif len(per_family[socket.AF_INET6]) == len(addresses):
        resolved = "ipv6:" + ",".join(per_family[socket.AF_INET6])
    else:
        raise ValueError(f"server addresses {target!r} mix IPv4-only and IPv6-only hosts; gRPC balances over "
                         "one address family")
    first_host = _split_host_port(addresses[0])[0]
    try:
        ipaddress.ip_address(first_host)
        authority = []
    except ValueError:  # a name: the one TLS checks the certificates against (unless tls_server_name says)
        authority = [("grpc.default_authority", addresses[0])]
    return resolved, [("grpc.lb_policy_name", "round_robin"), *authority]


def open_channel(target: str, token: str | None = None, tls: bool = False, tls_ca=None, tls_cert=None,
                 tls_key=None, tls_server_name: str | None = None) -> tuple[grpc.Channel, tuple]:
    """A channel and the call metadata for the given credentials (shared by every client in this SDK).
    `target` may list several servers, comma-separated (see channel_target).

    TLS is on when `tls` is true or any of tls_ca/tls_cert/tls_key is given; a token is sent as
    `authorization: Bearer <token>` with every call."""
    # gRPC's default reconnect backoff grows to minutes; after a server restart, workers and operators
    # should be back within seconds.
    target, balancing = channel_target(target)
    options = [("grpc.initial_reconnect_backoff_ms", 200), ("grpc.max_reconnect_backoff_ms", 2000), *balancing]
    if tls or tls_ca or tls_cert or tls_key:
        if tls_server_name:
            options.append(("grpc.ssl_target_name_override", tls_server_name))
        channel = grpc.secure_channel(target, _channel_credentials(tls_ca, tls_cert, tls_key), options)
    else:
        channel = grpc.insecure_channel(target, options)
    return channel, ((("authorization", f"Bearer {token}"),) if token else ())


class GrpcClient:
    """What every client of this SDK shares: its channel (own or borrowed), credentials, and closing."""

    def __init__(self, target: str, channel: grpc.Channel | None, token: str | None, tls: bool, tls_ca, tls_cert,
                 tls_key, tls_server_name: str | None = None):
        self._own_channel = channel is None
        if channel is None:
            channel, self.metadata = open_channel(target, token, tls, tls_ca, tls_cert, tls_key, tls_server_name)
        else:
            self.metadata = (("authorization", f"Bearer {token}"),) if token else ()
        self.channel = channel

    def close(self) -> None:
        if self._own_channel:
            self.channel.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class StreamvisorClient(GrpcClient):
    def __init__(self, target: str = "127.0.0.1:50051", *, timeout: float = 30.0, retries: int = 3,
                 channel: grpc.Channel | None = None, token: str | None = None,
                 tls_ca: str | Path | bytes | None = None, tls_cert: str | Path | bytes | None = None,
                 tls_key: str | Path | bytes | None = None, tls: bool = False, tls_server_name: str | None = None):
        """`token`: a bearer token sent with every call. TLS is on when `tls` is true or any of `tls_ca` (CA
        bundle that signed the server's certificate; default: the system's), `tls_cert`/`tls_key` (a client
        certificate for mutual TLS) is given, each a PEM file path or PEM bytes."""
        super().__init__(target, channel, token, tls, tls_ca, tls_cert, tls_key, tls_server_name)
        self.stub = svc_grpc.SupervisorServiceStub(self.channel)
        self.timeout = timeout
        self.retries = retries

    def _call(self, method: str, request):
        """Retries only when the server could not be reached (UNAVAILABLE with no ErrorInfo): a request that
        reached the server and was rejected - even as UNAVAILABLE because a broker was down - is final."""
        attempt = 0
        while True:
            try:
                return getattr(self.stub, method)(request, timeout=self.timeout, metadata=self.metadata)
            except grpc.RpcError as e:
                error = StreamvisorError.from_rpc_error(e)
                if error.code != grpc.StatusCode.UNAVAILABLE or error.reason or attempt >= self.retries:
                    raise error from None
                attempt += 1
                time.sleep(min(2.0, 0.1 * 2 ** attempt) * (0.5 + random.random() / 2))

    # Lifecycle -------------------------------------------------------------------------------------
    def create_supervisor(self, supervisor_id: str, spec: pb.SupervisorSpec,
                          validate_only: bool = False) -> pb.Supervisor:
        return self._call("CreateSupervisor", svc.CreateSupervisorRequest(
            supervisor_id=supervisor_id, spec=spec, validate_only=validate_only)).supervisor

    def get_supervisor(self, supervisor_id: str) -> pb.Supervisor:
        return self._call("GetSupervisor", svc.GetSupervisorRequest(supervisor_id=supervisor_id)).supervisor

    def list_supervisors(self, page_size: int = 0, page_token: str = "", states: Sequence[int] = (),
                         stream_types: Sequence[int] = ()) -> svc.ListSupervisorsResponse:
        return self._call("ListSupervisors", svc.ListSupervisorsRequest(
            page_size=page_size, page_token=page_token, states=states, stream_types=stream_types))

    def iter_supervisors(self, states: Sequence[int] = (), stream_types: Sequence[int] = (),
                         page_size: int = 0) -> Iterator[pb.Supervisor]:
        token = ""
        while True:
            page = self.list_supervisors(page_size, token, states, stream_types)
            yield from page.supervisors
            token = page.next_page_token
            if not token:
                return

    def update_supervisor(self, supervisor_id: str, spec: pb.SupervisorSpec, etag: str) -> pb.Supervisor:
        return self._call("UpdateSupervisor", svc.UpdateSupervisorRequest(
            supervisor_id=supervisor_id, spec=spec, etag=etag)).supervisor

    def suspend_supervisor(self, supervisor_id: str, etag: str = "") -> pb.Supervisor:
        return self._call("SuspendSupervisor", svc.SuspendSupervisorRequest(
            supervisor_id=supervisor_id, etag=etag)).supervisor

    def resume_supervisor(self, supervisor_id: str, etag: str = "") -> pb.Supervisor:
        return self._call("ResumeSupervisor", svc.ResumeSupervisorRequest(
            supervisor_id=supervisor_id, etag=etag)).supervisor

    def terminate_supervisor(self, supervisor_id: str, etag: str = "") -> pb.Supervisor:
        return self._call("TerminateSupervisor", svc.TerminateSupervisorRequest(
            supervisor_id=supervisor_id, etag=etag)).supervisor

    def get_supervisor_health(self, supervisor_id: str) -> svc.GetSupervisorHealthResponse:
        return self._call("GetSupervisorHealth", svc.GetSupervisorHealthRequest(supervisor_id=supervisor_id))

    def get_supervisor_stats(self, supervisor_id: str) -> svc.GetSupervisorStatsResponse:
        return self._call("GetSupervisorStats", svc.GetSupervisorStatsRequest(supervisor_id=supervisor_id))

    def handoff_task_groups(self, supervisor_id: str, task_groups: Sequence[int]) -> svc.HandoffTaskGroupsResponse:
        return self._call("HandoffTaskGroups", svc.HandoffTaskGroupsRequest(supervisor_id=supervisor_id,
                                                                            task_groups=list(task_groups)))

    def batch_change_state(self, action: str, selection: svc.SupervisorFilter, dry_run: bool = False):
        """action: "suspend", "resume" or "terminate" every supervisor `selection` selects (Druid's
        suspendAll / resumeAll / terminateAll). Returns the Batch*SupervisorsResponse."""
        name = {"suspend": "Suspend", "resume": "Resume", "terminate": "Terminate"}[action]
        request = getattr(svc, f"Batch{name}SupervisorsRequest")(filter=selection, dry_run=dry_run)
        return self._call(f"Batch{name}Supervisors", request)

    def list_history(self, supervisor_id: str, page_size: int = 0,
                     page_token: str = "") -> svc.ListSupervisorHistoryResponse:
        return self._call("ListSupervisorHistory", svc.ListSupervisorHistoryRequest(
            supervisor_id=supervisor_id, page_size=page_size, page_token=page_token))

    def iter_history(self, supervisor_id: str, page_size: int = 0) -> Iterator[pb.AuditEvent]:
        token = ""
        while True:
            page = self.list_history(supervisor_id, page_size, token)
            yield from page.events
            token = page.next_page_token
            if not token:
                return

    # Offsets and resets ----------------------------------------------------------------------------
    def list_segments(self, supervisor_id: str, *, include_backfills: bool = False, page_size: int = 0,
                      page_token: str = "", partition: int | str | None = None, start_offset: int | None = None,
                      end_offset: int | None = None, location: str = "") -> svc.ListSegmentsResponse:
        """One page of published segments (ListSegments); None leaves a filter out. `partition` by number or
        name; offsets of any size."""
        request = svc.ListSegmentsRequest(supervisor_id=supervisor_id, include_backfills=include_backfills,
                                          page_size=page_size, page_token=page_token, location=location)
        if partition is not None:
            _set_partition(request, partition)
        for name, value in (("start_offset", start_offset), ("end_offset", end_offset)):
            if value is not None:
                _set_offset(request, name, value)
        return self._call("ListSegments", request)

    def iter_segments(self, supervisor_id: str, **filters) -> Iterator[svc.Segment]:
        """Every published segment matching the filters of list_segments, following the pages."""
        token = ""
        while True:
            page = self.list_segments(supervisor_id, page_token=token, **filters)
            yield from page.segments
            token = page.next_page_token
            if not token:
                return

    def get_coverage(self, supervisor_id: str) -> svc.GetCoverageResponse:
        return self._call("GetCoverage", svc.GetCoverageRequest(supervisor_id=supervisor_id))

    def get_offsets(self, supervisor_id: str) -> svc.GetOffsetsResponse:
        return self._call("GetOffsets", svc.GetOffsetsRequest(supervisor_id=supervisor_id))

    # plan_token: a dry run's response.plan_token; the reset is then refused (PLAN_STALE) if the supervisor
    # changed since that dry run.
    def reset_supervisor(self, supervisor_id: str, request_id: str = "", dry_run: bool = False,
                         plan_token: str = "") -> svc.ResetSupervisorResponse:
        return self._call("ResetSupervisor", svc.ResetSupervisorRequest(
            supervisor_id=supervisor_id, request_id=request_id, dry_run=dry_run, plan_token=plan_token))

    def reset_offsets(self, supervisor_id: str, targets: Sequence[svc.PartitionResetTarget],
                      request_id: str = "", dry_run: bool = False,
                      plan_token: str = "") -> svc.ResetOffsetsResponse:
        return self._call("ResetOffsets", svc.ResetOffsetsRequest(
            supervisor_id=supervisor_id, targets=targets, request_id=request_id, dry_run=dry_run,
            plan_token=plan_token))

    def reset_to_latest_and_backfill(self, supervisor_id: str, backfill_task_count: int | None = None,
                                     request_id: str = "", dry_run: bool = False, plan_token: str = "",
                                     ) -> svc.ResetToLatestAndBackfillResponse:
        request = svc.ResetToLatestAndBackfillRequest(supervisor_id=supervisor_id, request_id=request_id,
                                                      dry_run=dry_run, plan_token=plan_token)
        if backfill_task_count is not None:
            request.backfill_task_count = backfill_task_count
        return self._call("ResetToLatestAndBackfill", request)
