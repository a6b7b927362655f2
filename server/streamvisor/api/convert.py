"""Proto messages <-> domain values. The only place that knows both."""
from __future__ import annotations

import json
from datetime import datetime

from google.protobuf.timestamp_pb2 import Timestamp

from streamvisor.domain.autoscaler import AutoscalerConfig
from streamvisor.domain.bulk import BulkOutcome, SupervisorFilter
from streamvisor.domain.errors import Violations
from streamvisor.domain.model import IdleConfig, OffsetRange, StreamType, Supervisor, SupervisorSpec, SupervisorState
from streamvisor.domain.offsets import OffsetChange
from streamvisor.domain.ports import AuditEvent, Segment
from streamvisor.v1 import supervisor_pb2 as pb
from streamvisor.v1 import supervisor_service_pb2 as svc

_STREAM_TYPES = {pb.STREAM_TYPE_KAFKA: StreamType.KAFKA, pb.STREAM_TYPE_RABBITMQ_STREAM: StreamType.RABBITMQ_STREAM,
                 pb.STREAM_TYPE_KINESIS: StreamType.KINESIS}
_STREAM_TYPES_PB = {v: k for k, v in _STREAM_TYPES.items()}
_STATES = {
    pb.SUPERVISOR_STATE_PENDING: SupervisorState.PENDING,
    pb.SUPERVISOR_STATE_RUNNING: SupervisorState.RUNNING,
    pb.SUPERVISOR_STATE_SUSPENDED: SupervisorState.SUSPENDED,
    pb.SUPERVISOR_STATE_COMPLETED: SupervisorState.COMPLETED,
    pb.SUPERVISOR_STATE_TERMINATED: SupervisorState.TERMINATED,
    pb.SUPERVISOR_STATE_UNHEALTHY: SupervisorState.UNHEALTHY,
    pb.SUPERVISOR_STATE_IDLE: SupervisorState.IDLE,
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


def spec_from_pb(spec: pb.SupervisorSpec, violations: Violations | None = None,
                 names: "PartitionNames | None" = None) -> SupervisorSpec:
    """`violations`: where a bad `_decimal` or disagreeing pair of a bounded range is recorded (raised at
    once when None)."""
    v = violations if violations is not None else RequestViolations()
    ranges = tuple(range_from_pb(r, f"spec.bounded_ranges[{i}]", v, names or NUMBERED)
                   for i, r in enumerate(spec.bounded_ranges))
    if violations is None:
        v.raise_if_any()
    return SupervisorSpec(
        stream_type=stream_type_from_pb(spec.stream_type),
        stream=spec.stream,
        consumer_properties=dict(spec.consumer_properties),
        task_count=spec.task_count,
        use_earliest_offset=spec.use_earliest_offset,
        context=dict(spec.context),
        bounded_ranges=ranges,
        autoscaler=autoscaler_from_pb(spec.autoscaler) if spec.HasField("autoscaler") else AutoscalerConfig(),
        idle=IdleConfig(enabled=spec.idle.enabled, **({"inactive_after_s": spec.idle.inactive_after_seconds}
                                                       if spec.idle.HasField("inactive_after_seconds") else {})),
    )


# AutoscalerConfig fields whose proto name differs from the domain's, and the `optional` ones (unset: default).
_AUTOSCALER_OPTIONAL = {"scale_out_fraction": "scale_out_fraction", "scale_in_fraction": "scale_in_fraction",
                        "sample_interval_seconds": "sample_interval_s", "window_seconds": "window_s",
                        "scale_out_step": "scale_out_step", "scale_in_step": "scale_in_step",
                        "cooldown_seconds": "cooldown_s"}


def autoscaler_from_pb(a: pb.AutoscalerConfig) -> AutoscalerConfig:
    optional = {domain: getattr(a, proto) for proto, domain in _AUTOSCALER_OPTIONAL.items() if a.HasField(proto)}
    return AutoscalerConfig(enabled=a.enabled, task_count_min=a.task_count_min, task_count_max=a.task_count_max,
                            scale_out_lag=a.scale_out_lag, scale_in_lag=a.scale_in_lag, **optional)


def autoscaler_to_pb(a: AutoscalerConfig) -> pb.AutoscalerConfig:
    return pb.AutoscalerConfig(enabled=a.enabled, task_count_min=a.task_count_min, task_count_max=a.task_count_max,
                               scale_out_lag=a.scale_out_lag, scale_in_lag=a.scale_in_lag,
                               **{proto: getattr(a, domain) for proto, domain in _AUTOSCALER_OPTIONAL.items()})


def spec_to_pb(spec: SupervisorSpec) -> pb.SupervisorSpec:
    return pb.SupervisorSpec(
        stream_type=_STREAM_TYPES_PB.get(spec.stream_type, pb.STREAM_TYPE_UNSPECIFIED),
        stream=spec.stream,
        consumer_properties=dict(spec.consumer_properties),
        task_count=spec.task_count,
        use_earliest_offset=spec.use_earliest_offset,
        context=dict(spec.context),
        bounded_ranges=ranges_to_pb(spec.bounded_ranges),
        autoscaler=autoscaler_to_pb(spec.autoscaler) if spec.autoscaler.enabled else None,
        idle=pb.IdleConfig(enabled=True, inactive_after_seconds=spec.idle.inactive_after_s) if spec.idle.enabled
        else None,
    )


def ranges_to_pb(ranges, names: "PartitionNames | None" = None) -> list[pb.OffsetRange]:
    return [range_to_pb(r, names or NUMBERED) for r in ranges]


def supervisor_to_pb(s: Supervisor, names: "PartitionNames | None" = None) -> pb.Supervisor:
    names = names or NUMBERED
    message = pb.Supervisor(
        id=s.id, spec=spec_to_pb(s.spec), state=_STATES_PB[s.state], state_detail=s.state_detail,
        generation=s.generation, etag=s.etag, partitions=list(s.partitions),
        partition_ids=[names.partition_name(p) for p in s.partitions],
        create_time=timestamp(s.create_time), update_time=timestamp(s.update_time), backfill_of=s.backfill_of or "",
    )
    if names is not NUMBERED:
        message.spec.ClearField("bounded_ranges")
        message.spec.bounded_ranges.extend(ranges_to_pb(s.spec.bounded_ranges, names))
    return message


class SupervisorMessages:
    """GetSupervisorResponse per supervisor, rebuilt only when the supervisor read differs from the one it
    was built from. The store is still read on every call (replicas share the database: an answer must be
    the row as read now); only the conversion of an unchanged row is skipped, ~20 us of a ~100 us call.
    The comparison is of the whole Supervisor (every column), cheap because the store hands back the same
    SupervisorSpec object for the same stored spec. The messages are shared between calls and only read
    (serialized) by grpcio: never change one."""

    def __init__(self, size: int = 1024):
        self.size = size
        self._built: dict[str, tuple[Supervisor, svc.GetSupervisorResponse]] = {}

    def response(self, supervisor: Supervisor, names: "PartitionNames | None" = None) -> svc.GetSupervisorResponse:
        """names: the supervisor's stream kind's partition names (fixed by its spec, so part of what the
        comparison of the whole Supervisor already covers)."""
        built = self._built.get(supervisor.id)
        if built is not None and built[0] == supervisor:
            return built[1]
        response = svc.GetSupervisorResponse(supervisor=supervisor_to_pb(supervisor, names))
        if len(self._built) >= self.size:
            self._built.clear()  # more supervisors asked for than that: start over
        self._built[supervisor.id] = (supervisor, response)
        return response


def change_to_pb(c: OffsetChange, names: "PartitionNames | None" = None) -> pb.OffsetChange:
    message = pb.OffsetChange(partition=c.partition, partition_id=(names or NUMBERED).partition_name(c.partition))
    if c.before is not None:
        message.before = fitting(c.before)
        message.before_decimal = str(c.before)
    if c.after is not None:
        message.after = fitting(c.after)
        message.after_decimal = str(c.after)
    return message


def audit_event_to_pb(e: AuditEvent, names: "PartitionNames | None" = None) -> pb.AuditEvent:
    return pb.AuditEvent(
        id=e.id, supervisor_id=e.supervisor_id, action=e.action, actor=e.actor,
        create_time=timestamp(e.create_time), request_id=e.request_id,
        state_before=_STATES_PB.get(e.state_before, pb.SUPERVISOR_STATE_UNSPECIFIED),
        state_after=_STATES_PB.get(e.state_after, pb.SUPERVISOR_STATE_UNSPECIFIED),
        generation_before=e.generation_before, generation_after=e.generation_after,
        offset_changes=[change_to_pb(c, names) for c in e.offset_changes],
        details_json=json.dumps(dict(e.details), sort_keys=True),
    )


def filter_from_pb(f, field: str, violations: Violations) -> SupervisorFilter:
    return SupervisorFilter(
        states=frozenset(states_from_pb(f.states, f"{field}.states", violations)),
        stream_types=frozenset(stream_types_from_pb(f.stream_types, f"{field}.stream_types", violations)),
        supervisor_ids=frozenset(f.supervisor_ids), id_prefix=f.id_prefix, match_all=f.match_all)


def bulk_outcome_to_pb(o: BulkOutcome) -> svc.BatchSupervisorOutcome:
    return svc.BatchSupervisorOutcome(
        supervisor_id=o.supervisor_id, state_before=_STATES_PB[o.state_before], state_after=_STATES_PB[o.state_after],
        changed=o.changed, skip_reason=o.skip_reason, message=o.message)


def state_to_pb(state: SupervisorState) -> int:
    return _STATES_PB[state]


_PHASES = {pb.TASK_PHASE_UNSPECIFIED: "", pb.TASK_PHASE_READING: "READING", pb.TASK_PHASE_PUBLISHING: "PUBLISHING"}
_PHASES_PB = {v: k for k, v in _PHASES.items()}


def phase_from_pb(value: int) -> str | None:
    """The phase's name ("" when not reported), or None for a value this server does not know."""
    return _PHASES.get(value)


def counters_to_pb(c) -> pb.IngestionCounters:
    return pb.IngestionCounters(processed=c.processed, processed_bytes=c.processed_bytes, unparseable=c.unparseable,
                                thrown_away=c.thrown_away)


def averages_to_pb(averages: dict) -> pb.MovingAverages:
    def rates(window: str) -> pb.IngestionRates:
        return pb.IngestionRates(**averages.get(window, {}))
    return pb.MovingAverages(one_minute=rates("1m"), five_minutes=rates("5m"), fifteen_minutes=rates("15m"))


def task_status_to_pb(task, stats) -> svc.TaskStatus:
    status = svc.TaskStatus(task_id=task.id, task_group=task.task_group, generation=task.generation,
                            state=task.state.value, worker_id=task.worker_id or "")
    if task.lease_expires_at is not None and task.worker_id:
        status.lease_expire_time.CopyFrom(timestamp(task.lease_expires_at))
    if stats is not None:
        status.phase = _PHASES_PB.get(stats.phase, pb.TASK_PHASE_UNSPECIFIED)
        status.totals.CopyFrom(counters_to_pb(stats.totals))
        status.moving_averages.CopyFrom(averages_to_pb(stats.averages))
        if stats.report_time is not None:
            status.last_report_time.CopyFrom(timestamp(stats.report_time))
        status.recent_errors.extend(svc.TaskError(time=timestamp(t), message=m) for t, m in stats.recent_errors)
    return status
def segment_to_pb(s: Segment, names: "PartitionNames | None" = None) -> svc.Segment:
    return svc.Segment(segment_id=s.id, supervisor_id=s.supervisor_id, task_id=s.task_id, generation=s.generation,
                       location=s.location, ranges=ranges_to_pb(sorted(s.ranges), names),
                       record_count=s.record_count,
                       publish_time=timestamp(s.create_time))


# Offsets of any size and partition names on the wire (docs/api.md, "Offsets of any size"). Every int64
# offset (or distance between offsets) has a `<name>_decimal` string sibling, always set, exact; the int64 is
# set when the value fits and 0 when it does not. Every int32 partition has a `partition_id`: its name in the
# kind (PartitionNames). In a request either of a pair may be given; both given must agree.
INT64_MAX = 2 ** 63 - 1
INT64_MIN = -(2 ** 63)
# AWS allows sequence numbers of up to 129 digits; one more is allowed, none past it (a bound on work).
MAX_DECIMAL_DIGITS = 130


class PartitionNames:
    """What the wire needs of a stream kind: partition numbers <-> names (domain.ports.StreamKind)."""

    def partition_name(self, partition: int) -> str:
        return str(partition)

    def parse_partition(self, name: str) -> int:
        from streamvisor.domain.ports import parse_partition_number

        return parse_partition_number(name)


NUMBERED = PartitionNames()  # Kafka's and RabbitMQ's names, and the default where no kind is at hand


def fitting(value: int) -> int:
    """The int64 field's value: the value when it fits, else 0 (its `_decimal` sibling is exact)."""
    return value if INT64_MIN <= value <= INT64_MAX else 0


def decimal(value: int) -> str:
    return str(value)


class RequestViolations(Violations):
    """Violations with the reason of the first wide-field problem (MALFORMED_DECIMAL, FIELD_MISMATCH), which
    raise_if_any uses unless told another: the caller learns why as well as where."""

    def __init__(self) -> None:
        super().__init__()
        self.reason = "INVALID_ARGUMENT"

    def add_with_reason(self, field: str, description: str, reason: str) -> None:
        if not self.items:
            self.reason = reason
        self.add(field, description)

    def raise_if_any(self, reason: str | None = None, metadata=None) -> None:
        super().raise_if_any(reason or self.reason, metadata)


def parse_decimal(text: str, field: str, violations: Violations) -> int | None:
    """A canonical non-negative decimal ("0", "12"; no sign, no leading zeros, ASCII digits only, at most
    MAX_DECIMAL_DIGITS), or None with a MALFORMED_DECIMAL violation."""
    ok = (0 < len(text) <= MAX_DECIMAL_DIGITS and text.isascii() and text.isdigit()
          and (len(text) == 1 or text[0] != "0"))
    if ok:
        return int(text)
    shown = text[:40] + ("..." if len(text) > 40 else "")
    why = (f"has {len(text)} digits; at most {MAX_DECIMAL_DIGITS} are allowed" if len(text) > MAX_DECIMAL_DIGITS
           and text.isascii() and text.isdigit() else
           f"must be decimal digits without sign or leading zeros, e.g. \"12\", got {shown!r}")
    _reasoned(violations, field, why, reason="MALFORMED_DECIMAL")
    return None


def _reasoned(violations: Violations, field: str, description: str, reason: str) -> None:
    if isinstance(violations, RequestViolations):
        violations.add_with_reason(field, description, reason)
    else:
        violations.add(field, description)


def wide_offset(number: int, has_number: bool, text: str, has_text: bool, field: str, text_field: str,
                violations: Violations) -> int | None:
    """The offset a request gives as an int64 field and/or its `_decimal` sibling; None when neither is
    given or the decimal is bad (a violation is added then). Both given must agree (FIELD_MISMATCH)."""
    if not has_text:
        return number if has_number else None
    parsed = parse_decimal(text, text_field, violations)
    if parsed is not None and has_number and number != parsed:
        _reasoned(violations, text_field, f"is {parsed} but {field} is {number}: give one, or both equal",
                  reason="FIELD_MISMATCH")
        return None
    return parsed


def wide_partition(number: int, has_number: bool, name: str, has_name: bool, field: str, name_field: str,
                   names: PartitionNames, violations: Violations) -> int | None:
    """The partition a request gives as `partition` and/or `partition_id` (its name in the kind)."""
    if not has_name:
        return number if has_number else None
    try:
        parsed = names.parse_partition(name)
    except ValueError as e:
        violations.add(name_field, str(e))
        return None
    if has_number and number != parsed:
        _reasoned(violations, name_field, f"names partition {parsed} but {field} is {number}: give one, or both "
                                          "naming the same partition", reason="FIELD_MISMATCH")
        return None
    return parsed


def range_from_pb(r: pb.OffsetRange, field: str, violations: Violations,
                  names: PartitionNames = NUMBERED) -> OffsetRange:
    """An OffsetRange of a request. Proto3 int fields have no presence: 0 is "not given" when the string
    sibling is set (a server-written 0 for a value that did not fit must not count as a disagreement)."""
    partition = wide_partition(r.partition, r.partition != 0, r.partition_id, bool(r.partition_id),
                               f"{field}.partition", f"{field}.partition_id", names, violations)
    start = wide_offset(r.start_offset, r.start_offset != 0, r.start_offset_decimal, bool(r.start_offset_decimal),
                        f"{field}.start_offset", f"{field}.start_offset_decimal", violations)
    end = wide_offset(r.end_offset, r.end_offset != 0, r.end_offset_decimal, bool(r.end_offset_decimal),
                      f"{field}.end_offset", f"{field}.end_offset_decimal", violations)
    return OffsetRange(partition or 0, start or 0, end or 0)


def range_to_pb(r, names: PartitionNames = NUMBERED) -> pb.OffsetRange:
    return pb.OffsetRange(partition=r.partition, start_offset=fitting(r.start), end_offset=fitting(r.end),
                          partition_id=names.partition_name(r.partition), start_offset_decimal=str(r.start),
                          end_offset_decimal=str(r.end))
