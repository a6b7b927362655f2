"""Proto messages <-> domain values. The only place that knows both."""
from __future__ import annotations

import json
from datetime import datetime

from google.protobuf.timestamp_pb2 import Timestamp

from streamvisor.domain.errors import Violations
from streamvisor.domain.model import OffsetRange, StreamType, Supervisor, SupervisorSpec, SupervisorState
from streamvisor.domain.offsets import OffsetChange
from streamvisor.domain.ports import AuditEvent, Segment
from streamvisor.v1 import supervisor_pb2 as pb
from streamvisor.v1 import supervisor_service_pb2 as svc

_STREAM_TYPES = {pb.STREAM_TYPE_KAFKA: StreamType.KAFKA, pb.STREAM_TYPE_RABBITMQ_STREAM: StreamType.RABBITMQ_STREAM}
_STREAM_TYPES_PB = {v: k for k, v in _STREAM_TYPES.items()}
_STATES = {
    pb.SUPERVISOR_STATE_PENDING: SupervisorState.PENDING,
    pb.SUPERVISOR_STATE_RUNNING: SupervisorState.RUNNING,
    pb.SUPERVISOR_STATE_SUSPENDED: SupervisorState.SUSPENDED,
    pb.SUPERVISOR_STATE_COMPLETED: SupervisorState.COMPLETED,
    pb.SUPERVISOR_STATE_TERMINATED: SupervisorState.TERMINATED,
    pb.SUPERVISOR_STATE_UNHEALTHY: SupervisorState.UNHEALTHY,
}
_STATES_PB = {v: k for k, v in _STATES.items()}


def timestamp(value: datetime) -> Timestamp:
    ts = Timestamp()
    ts.FromDatetime(value)
    return ts


# google.protobuf.Timestamp's valid range: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z.
# Outside it the message still parses (seconds is an int64, nanos an int32), but it names no instant and
# protobuf's own conversions raise ValueError: check here, so it is a field violation, not INTERNAL.
MIN_TIMESTAMP_SECONDS = -62_135_596_800
MAX_TIMESTAMP_SECONDS = 253_402_300_799
MAX_NANOS = 999_999_999


def timestamp_ms_from_pb(value: Timestamp, field: str, violations: Violations) -> int | None:
    """Milliseconds since the epoch, or None (and a violation) for a Timestamp outside protobuf's valid range."""
    if not MIN_TIMESTAMP_SECONDS <= value.seconds <= MAX_TIMESTAMP_SECONDS:
        violations.add(f"{field}.seconds", f"must be between {MIN_TIMESTAMP_SECONDS} and {MAX_TIMESTAMP_SECONDS} "
                                           f"(years 0001 to 9999), got {value.seconds}")
        return None
    if not 0 <= value.nanos <= MAX_NANOS:
        violations.add(f"{field}.nanos", f"must be between 0 and {MAX_NANOS}, got {value.nanos}")
        return None
    return value.seconds * 1000 + value.nanos // 1_000_000


def stream_type_from_pb(value: int) -> StreamType | None:
    return _STREAM_TYPES.get(value)


def _enum_list(values, mapping: dict, what: str, field: str, violations: Violations) -> list:
    """Maps repeated enum filters; an unknown or UNSPECIFIED value is a field violation, not ignored."""
    out = []
    for i, v in enumerate(values):
        if v not in mapping:
            violations.add(f"{field}[{i}]", f"unknown {what} {v}")
        else:
            out.append(mapping[v])
    return out


def stream_types_from_pb(values, field: str, violations: Violations) -> list[StreamType]:
    return _enum_list(values, _STREAM_TYPES, "stream type", field, violations)


def states_from_pb(values, field: str, violations: Violations) -> list[SupervisorState]:
    return _enum_list(values, _STATES, "state", field, violations)


def spec_from_pb(spec: pb.SupervisorSpec) -> SupervisorSpec:
    return SupervisorSpec(
        stream_type=stream_type_from_pb(spec.stream_type),
        stream=spec.stream,
        consumer_properties=dict(spec.consumer_properties),
        task_count=spec.task_count,
        use_earliest_offset=spec.use_earliest_offset,
        context=dict(spec.context),
        bounded_ranges=tuple(OffsetRange(r.partition, r.start_offset, r.end_offset) for r in spec.bounded_ranges),
    )


def spec_to_pb(spec: SupervisorSpec) -> pb.SupervisorSpec:
    return pb.SupervisorSpec(
        stream_type=_STREAM_TYPES_PB.get(spec.stream_type, pb.STREAM_TYPE_UNSPECIFIED),
        stream=spec.stream,
        consumer_properties=dict(spec.consumer_properties),
        task_count=spec.task_count,
        use_earliest_offset=spec.use_earliest_offset,
        context=dict(spec.context),
        bounded_ranges=ranges_to_pb(spec.bounded_ranges),
    )


def ranges_to_pb(ranges) -> list[pb.OffsetRange]:
    return [pb.OffsetRange(partition=r.partition, start_offset=r.start, end_offset=r.end) for r in ranges]


def supervisor_to_pb(s: Supervisor) -> pb.Supervisor:
    return pb.Supervisor(
        id=s.id, spec=spec_to_pb(s.spec), state=_STATES_PB[s.state], state_detail=s.state_detail,
        generation=s.generation, etag=s.etag, partitions=list(s.partitions),
        create_time=timestamp(s.create_time), update_time=timestamp(s.update_time), backfill_of=s.backfill_of or "",
    )


def change_to_pb(c: OffsetChange) -> pb.OffsetChange:
    message = pb.OffsetChange(partition=c.partition)
    if c.before is not None:
        message.before = c.before
    if c.after is not None:
        message.after = c.after
    return message


def audit_event_to_pb(e: AuditEvent) -> pb.AuditEvent:
    return pb.AuditEvent(
        id=e.id, supervisor_id=e.supervisor_id, action=e.action, actor=e.actor,
        create_time=timestamp(e.create_time), request_id=e.request_id,
        state_before=_STATES_PB.get(e.state_before, pb.SUPERVISOR_STATE_UNSPECIFIED),
        state_after=_STATES_PB.get(e.state_after, pb.SUPERVISOR_STATE_UNSPECIFIED),
        generation_before=e.generation_before, generation_after=e.generation_after,
        offset_changes=[change_to_pb(c) for c in e.offset_changes],
        details_json=json.dumps(dict(e.details), sort_keys=True),
    )


def segment_to_pb(s: Segment) -> svc.Segment:
    return svc.Segment(segment_id=s.id, supervisor_id=s.supervisor_id, task_id=s.task_id, generation=s.generation,
                       location=s.location, ranges=ranges_to_pb(sorted(s.ranges)), record_count=s.record_count,
                       publish_time=timestamp(s.create_time))
