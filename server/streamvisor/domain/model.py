"""Supervisors and their specs: values and the rules of their lifecycle. Pure: no I/O."""
from __future__ import annotations

import dataclasses
import enum
import functools
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable, Mapping

from streamvisor.domain.autoscaler import AutoscalerConfig
from streamvisor.domain.errors import Conflict, FailedPrecondition, FieldViolation, InvalidArgument, Violations

# Supervisor ids: what operators type into grpcurl and URLs; no spaces or slashes.
MAX_SUPERVISOR_ID_LENGTH = 255
SUPERVISOR_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
# The greatest offset of the kinds whose offsets are int64 (Kafka, RabbitMQ; their StreamKind.max_offset).
# A kind without a bound (Kinesis: StreamKind.max_offset None) has offsets of any size, which the contract
# carries exactly in its `_decimal` fields and the store in NUMERIC / sortable text (store/offsets.py).
MAX_OFFSET = 2 ** 63 - 1
# More tasks than this is a typo, not a plan: it would only create idle leases.
MAX_TASK_COUNT = 1024
# Kafka's own limit on topic names, and its legal characters: the rule for every kind's stream names.
MAX_STREAM_NAME_LENGTH = 249
STREAM_NAME_PATTERN = re.compile(r"^[A-Za-z0-9._-]+$")
# The seed's default for concurrent locks (Druid's Tasks.DEFAULT_USE_CONCURRENT_LOCKS): one named
# constant, so a change of default reaches every code path that falls back on it.
DEFAULT_USE_CONCURRENT_LOCKS = False
CONTEXT_USE_CONCURRENT_LOCKS = "useConcurrentLocks"
CONTEXT_TASK_LOCK_TYPE = "taskLockType"
APPEND_LOCK_TYPE = "APPEND"
# Druid's TaskLockType names, exactly as Druid spells them. Only APPEND lets a backfill write beside the
# live supervisor; the others are accepted so a spec copied from Druid keeps its meaning (no concurrent
# appends). Anything else - "append" included - is refused at create/update: a misspelling must not
# silently decide whether ResetToLatestAndBackfill works months later.
TASK_LOCK_TYPES = ("APPEND", "REPLACE", "EXCLUSIVE", "SHARED")
# useConcurrentLocks is a boolean in a string map: "true" or "false", in any case (YAML's True/TRUE).
BOOLEAN_STRINGS = ("true", "false")


class StreamType(enum.Enum):
    """The stream types the contract names. Which of them this server runs, and their rules, are the
    stream kinds registered in streamvisor.streams.registry (domain.ports.StreamKinds)."""

    KAFKA = "KAFKA"
    RABBITMQ_STREAM = "RABBITMQ_STREAM"
    KINESIS = "KINESIS"


# A stream kind's own rules for a spec (domain.ports.StreamKind.validate_spec): (spec, violations, prefix).
KindRules = Callable[["SupervisorSpec", Violations, str], None]


class SupervisorState(enum.Enum):
    PENDING = "PENDING"
    RUNNING = "RUNNING"
    SUSPENDED = "SUSPENDED"
    COMPLETED = "COMPLETED"
    TERMINATED = "TERMINATED"
    UNHEALTHY = "UNHEALTHY"
    IDLE = "IDLE"  # no new data for a while (spec.idle); the scheduler wakes it when data arrives

    @property
    def is_terminal(self) -> bool:
        return self in (SupervisorState.COMPLETED, SupervisorState.TERMINATED)

    @property
    def is_healthy(self) -> bool:
        """What a probe of one supervisor answers. SUSPENDED is healthy (an operator's choice, as in
        Druid); COMPLETED is healthy (its work is done); TERMINATED is not serving anything."""
        return self not in (SupervisorState.UNHEALTHY, SupervisorState.TERMINATED)


@dataclass(frozen=True)
class IdleConfig:
    """Druid's idleConfig: IDLE after `inactive_after_s` without new data (domain/idle.py)."""
    enabled: bool = False
    inactive_after_s: int = 600

    def validate(self, bounded: bool, v: Violations, p: str) -> None:
        if not self.enabled:
            return
        if bounded:
            v.add(f"{p}.enabled", "a bounded supervisor completes instead of going idle")
        if not 1 <= self.inactive_after_s <= 604800:
            v.add(f"{p}.inactive_after_seconds", f"must be between 1 and 604800, got {self.inactive_after_s}")


# The states each state change starts from; one table for the single and the bulk actions.
TRANSITIONS_FROM: dict[str, tuple[SupervisorState, ...]] = {
    "SUSPEND": (SupervisorState.PENDING, SupervisorState.RUNNING, SupervisorState.UNHEALTHY, SupervisorState.IDLE),
    "RESUME": (SupervisorState.SUSPENDED,),
    "TERMINATE": (SupervisorState.PENDING, SupervisorState.RUNNING, SupervisorState.SUSPENDED,
                  SupervisorState.UNHEALTHY, SupervisorState.IDLE),
}


@dataclass(frozen=True, order=True)
class OffsetRange:
    """Half-open [start, end) of one partition."""

    partition: int
    start: int
    end: int

    @property
    def size(self) -> int:
        return self.end - self.start


def validate_supervisor_id(value: str, field_name: str, violations: Violations) -> None:
    if not value:
        violations.add(field_name, "must not be empty")
    elif len(value) > MAX_SUPERVISOR_ID_LENGTH:
        violations.add(field_name, f"must be at most {MAX_SUPERVISOR_ID_LENGTH} characters, got {len(value)}")
    elif not SUPERVISOR_ID_PATTERN.match(value):
        violations.add(field_name, "must be letters, digits, '.', '_' or '-', starting with a letter or digit")


def parse_bool(value: str | None, default: bool) -> bool:
    if value is None:
        return default
    return value.strip().lower() == "true"


@dataclass(frozen=True)
class SupervisorSpec:
    stream_type: StreamType | None
    stream: str
    consumer_properties: Mapping[str, str] = field(default_factory=dict)
    task_count: int = 1
    use_earliest_offset: bool = False
    context: Mapping[str, str] = field(default_factory=dict)
    bounded_ranges: tuple[OffsetRange, ...] = ()
    # Druid's autoScalerConfig (lag-based); disabled by default. See domain/autoscaler.py.
    autoscaler: AutoscalerConfig = AutoscalerConfig()
    # Druid's idleConfig; disabled by default. See domain/idle.py.
    idle: IdleConfig = IdleConfig()

    @property
    def is_bounded(self) -> bool:
        return bool(self.bounded_ranges)

    @functools.cached_property
    def _bounds(self) -> dict[int, OffsetRange]:
        # Looked up once per partition on hot paths (GetOffsets, every commit): keep it O(1).
        return {r.partition: r for r in self.bounded_ranges}

    def bound_of(self, partition: int) -> OffsetRange | None:
        return self._bounds.get(partition)

    def is_complete(self, checkpoints: Mapping[int, int]) -> bool:
        """A bounded spec is complete when every range's checkpoint is at its end - at once, for ranges
        that are all empty, so such a supervisor is COMPLETED instead of RUNNING forever with nothing to do."""
        return self.is_bounded and all(checkpoints.get(r.partition) == r.end for r in self.bounded_ranges)

    def uses_concurrent_locks(self) -> bool:
        """True if the context lets a backfill write beside the live supervisor.

        useConcurrentLocks "true" (any case) or taskLockType exactly "APPEND" (validate() refuses other
        spellings); an absent useConcurrentLocks falls back to DEFAULT_USE_CONCURRENT_LOCKS.
        """
        if self.context.get(CONTEXT_TASK_LOCK_TYPE) == APPEND_LOCK_TYPE:
            return True
        return parse_bool(self.context.get(CONTEXT_USE_CONCURRENT_LOCKS), DEFAULT_USE_CONCURRENT_LOCKS)

    def with_default_properties(self, defaults: Mapping[str, str]) -> "SupervisorSpec":
        """A copy whose consumer properties are `defaults` overlaid by the spec's own.

        Which server defaults apply to a spec is its kind's business (StreamKind.applicable_defaults):
        StreamKinds.with_defaults(spec, server_defaults) picks them and calls this."""
        merged = {**defaults, **self.consumer_properties}
        return dataclasses.replace(self, consumer_properties=merged)

    def bounded_copy(self, ranges: list[OffsetRange], task_count: int | None = None) -> "SupervisorSpec":
        """The spec of a backfill: the same stream and settings, bounded to `ranges`.

        Built from the typed spec (like Druid's createSuspendedSpec), never by editing serialized JSON.
        """
        count = self.task_count if task_count is None else task_count
        autoscaler = self.autoscaler
        if autoscaler.enabled and not autoscaler.task_count_min <= count <= autoscaler.task_count_max:
            # The operator chose the backfill's task count: the inherited autoscaler's range stretches to it.
            autoscaler = dataclasses.replace(autoscaler, task_count_min=min(autoscaler.task_count_min, count),
                                             task_count_max=max(autoscaler.task_count_max, count))
        return dataclasses.replace(self, bounded_ranges=tuple(sorted(ranges)), task_count=count,
                                   autoscaler=autoscaler, idle=IdleConfig())

    def validate(self, field_prefix: str = "spec", kind_rules: KindRules | None = None,
                 max_offset: int | None = MAX_OFFSET) -> Violations:
        """The rules of every spec, whatever its stream; `kind_rules` (its stream kind's, passed by
        StreamKinds.validate) add theirs where the connection properties are checked, so one response
        lists the violations in field order. `max_offset`: the kind's greatest offset (None: unbounded)."""
        v = Violations()
        p = field_prefix
        if self.stream_type is None:
            v.add(f"{p}.stream_type", "must be set to a known stream type, e.g. STREAM_TYPE_KAFKA")
        if not self.stream:
            v.add(f"{p}.stream", "must not be empty")
        elif len(self.stream) > MAX_STREAM_NAME_LENGTH:
            v.add(f"{p}.stream", f"must be at most {MAX_STREAM_NAME_LENGTH} characters")
        elif not STREAM_NAME_PATTERN.match(self.stream):
            v.add(f"{p}.stream", "must be letters, digits, '.', '_' or '-'")
        if kind_rules is not None:
            kind_rules(self, v, p)
        for key in self.consumer_properties:
            if not key.strip():
                v.add(f"{p}.consumer_properties", "keys must not be empty")
        if not 1 <= self.task_count <= MAX_TASK_COUNT:
            v.add(f"{p}.task_count", f"must be between 1 and {MAX_TASK_COUNT}, got {self.task_count}")
        self.autoscaler.validate(self.task_count, MAX_TASK_COUNT, v, f"{p}.autoscaler")
        self.idle.validate(self.is_bounded, v, f"{p}.idle")
        for key in self.context:
            if not key.strip():
                v.add(f"{p}.context", "keys must not be empty")
        lock_type = self.context.get(CONTEXT_TASK_LOCK_TYPE)
        if lock_type is not None and lock_type not in TASK_LOCK_TYPES:
            v.add(f"{p}.context.{CONTEXT_TASK_LOCK_TYPE}",
                  f"must be one of {', '.join(TASK_LOCK_TYPES)} (exactly, upper case), got {lock_type!r}")
        concurrent = self.context.get(CONTEXT_USE_CONCURRENT_LOCKS)
        if concurrent is not None and concurrent.lower() not in BOOLEAN_STRINGS:
            v.add(f"{p}.context.{CONTEXT_USE_CONCURRENT_LOCKS}", f"must be \"true\" or \"false\", got {concurrent!r}")
        seen: set[int] = set()
        for i, r in enumerate(self.bounded_ranges):
            f = f"{p}.bounded_ranges[{i}]"
            if r.partition < 0:
                v.add(f"{f}.partition", "must be >= 0")
            if r.partition in seen:
                v.add(f"{f}.partition", f"partition {r.partition} appears more than once")
            seen.add(r.partition)
            if r.start < 0:
                v.add(f"{f}.start_offset", "must be >= 0")
            if r.end < r.start:
                v.add(f"{f}.end_offset", f"must be >= start_offset ({r.start}), got {r.end}")
            elif max_offset is not None and r.end > max_offset:
                v.add(f"{f}.end_offset", f"must be at most {max_offset} (this stream kind's offsets are int64), "
                                         f"got {r.end}")
        covered = sum(max(0, r.size) for r in self.bounded_ranges)
        # A kind with int64 offsets keeps GetOffsets' bounded totals exact in their int64 fields too.
        if max_offset is not None and covered > max_offset:
            v.add(f"{p}.bounded_ranges", f"the ranges cover {covered} offsets in total; at most {max_offset} "
                                        "(int64) are allowed")
        return v


@dataclass(frozen=True)
class Supervisor:
    id: str
    spec: SupervisorSpec
    state: SupervisorState
    generation: int
    version: int
    partitions: tuple[int, ...]
    create_time: datetime
    update_time: datetime
    state_detail: str = ""
    backfill_of: str | None = None

    @property
    def etag(self) -> str:
        return format_etag(self.version)

    def _require_state(self, action: str, allowed: tuple[SupervisorState, ...]) -> None:
        if self.state not in allowed:
            raise FailedPrecondition(
                "INVALID_STATE",
                f"cannot {action.lower()} supervisor {self.id!r} in state {self.state.value}",
                {
                    "supervisor_id": self.id,
                    "state": self.state.value,
                    "action": action,
                    "allowed_states": ",".join(s.value for s in allowed),
                },
            )

    def require_state_for(self, action: str, allowed: tuple[SupervisorState, ...]) -> None:
        """INVALID_STATE unless the supervisor is in one of `allowed` (for actions that change no state)."""
        self._require_state(action, allowed)

    def changed(self, now: datetime, **changes) -> "Supervisor":
        return dataclasses.replace(self, version=self.version + 1, update_time=now, **changes)

    def suspended(self, now: datetime) -> "Supervisor":
        self._require_state("SUSPEND", TRANSITIONS_FROM["SUSPEND"])
        return self.changed(now, state=SupervisorState.SUSPENDED, state_detail="")

    def resumed(self, now: datetime) -> "Supervisor":
        self._require_state("RESUME", TRANSITIONS_FROM["RESUME"])
        return self.changed(now, state=SupervisorState.RUNNING, state_detail="")

    def terminated(self, now: datetime) -> "Supervisor":
        self._require_state("TERMINATE", TRANSITIONS_FROM["TERMINATE"])
        return self.changed(now, state=SupervisorState.TERMINATED, state_detail="")

    def require_mutable(self, action: str) -> None:
        """Offsets and specs of a finished supervisor stay as they were: its output is final."""
        self._require_state(
            action,
            (
                SupervisorState.PENDING,
                SupervisorState.RUNNING,
                SupervisorState.SUSPENDED,
                SupervisorState.UNHEALTHY,
                SupervisorState.IDLE,
            ),
        )

    def idled(self, now: datetime, detail: str) -> "Supervisor":
        """RUNNING -> IDLE: the stream had no new data for spec.idle.inactive_after_s (the scheduler)."""
        self._require_state("IDLE", (SupervisorState.RUNNING,))
        return self.changed(now, state=SupervisorState.IDLE, state_detail=detail)

    def woken(self, now: datetime) -> "Supervisor":
        """IDLE -> RUNNING: new data arrived (the scheduler)."""
        self._require_state("WAKE", (SupervisorState.IDLE,))
        return self.changed(now, state=SupervisorState.RUNNING, state_detail="")

    def with_spec(self, spec: SupervisorSpec, now: datetime) -> "Supervisor":
        """A spec update fences in-flight work: task groups depend on task_count."""
        self.require_mutable("UPDATE")
        return self.changed(now, spec=spec, generation=self.generation + 1)

    def fenced(self, now: datetime) -> "Supervisor":
        """A new generation: output leased before it can never be published."""
        return self.changed(now, generation=self.generation + 1)


ETAG_PATTERN = re.compile(r"^v([1-9][0-9]{0,17})$")


def format_etag(version: int) -> str:
    return f"v{version}"


def parse_etag(etag: str) -> int | None:
    """The version an etag names, or None when the string is not an etag we could have issued."""
    m = ETAG_PATTERN.match(etag)
    return int(m.group(1)) if m else None


def immutable_changes(old: SupervisorSpec, new: SupervisorSpec) -> list[str]:
    changed = []
    if old.stream_type != new.stream_type:
        changed.append("spec.stream_type")
    if old.stream != new.stream:
        changed.append("spec.stream")
    return changed


def require_partitions_exist(ranges: tuple[OffsetRange, ...], partitions: tuple[int, ...], violations: Violations,
                             field_prefix: str = "spec.bounded_ranges") -> list[int]:
    """Adds a violation per range on a partition the stream lacks; returns those partitions."""
    known = set(partitions)
    unknown = []
    for i, r in enumerate(ranges):
        if r.partition not in known:
            unknown.append(r.partition)
            violations.add(f"{field_prefix}[{i}].partition",
                           f"partition {r.partition} does not exist (stream has {len(partitions)} partitions)")
    return unknown


# Idempotency keys (AIP-155): long enough for a UUID or an incident name, short enough to index.
MAX_REQUEST_ID_LENGTH = 255


def validate_request_id(request_id: str, violations: Violations) -> None:
    if len(request_id) > MAX_REQUEST_ID_LENGTH:
        violations.add("request_id", f"must be at most {MAX_REQUEST_ID_LENGTH} characters")


def require_valid_id(supervisor_id: str, field_name: str = "supervisor_id") -> None:
    if supervisor_id and len(supervisor_id) <= MAX_SUPERVISOR_ID_LENGTH and SUPERVISOR_ID_PATTERN.match(supervisor_id):
        return  # valid, the usual case: the same checks as validate_supervisor_id, without a Violations
    v = Violations()
    validate_supervisor_id(supervisor_id, field_name, v)
    v.raise_if_any()


def check_etag(supervisor: Supervisor, etag: str, required: bool) -> None:
    """AIP-154: an etag the caller read must still be the supervisor's; `required` for spec updates."""
    if not etag:
        if required:
            raise InvalidArgument([FieldViolation("etag", "is required; read the supervisor first")],
                                  reason="INVALID_ETAG", metadata={"etag": ""})
        return
    if parse_etag(etag) is None:
        raise InvalidArgument([FieldViolation("etag", "is not an etag this server issued")],
                              reason="INVALID_ETAG", metadata={"etag": etag[:64]})
    if etag != supervisor.etag:
        raise Conflict("ETAG_MISMATCH",
                       f"supervisor {supervisor.id!r} changed since etag {etag} was read (now {supervisor.etag})",
                       {"supervisor_id": supervisor.id, "etag": etag, "current_etag": supervisor.etag})


def check_immutable(old: SupervisorSpec, new: SupervisorSpec) -> None:
    """The stream a supervisor reads, and a bounded supervisor's ranges, are fixed at creation."""
    fields = immutable_changes(old, new)
    if old.bounded_ranges != new.bounded_ranges:
        fields.append("spec.bounded_ranges")
    if fields:
        raise InvalidArgument([FieldViolation(f, "cannot be changed after creation") for f in fields],
                              reason="IMMUTABLE_FIELD", metadata={"field": ",".join(fields)})
