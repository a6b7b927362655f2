"""Bulk state changes (Druid's suspendAll / resumeAll / terminateAll, with a filter): which supervisors a
filter selects and what each would become. Pure."""
from __future__ import annotations

from dataclasses import dataclass

from streamvisor.domain.errors import Violations
from streamvisor.domain.model import (
    MAX_SUPERVISOR_ID_LENGTH, TRANSITIONS_FROM, StreamType, Supervisor, SupervisorState, validate_supervisor_id,
)

MAX_FILTER_IDS = 1000
BULK_ACTIONS = tuple(TRANSITIONS_FROM)


@dataclass(frozen=True)
class SupervisorFilter:
    """Criteria are ANDed; within one list, any value matches. An empty filter matches every supervisor,
    which a caller must say on purpose (`match_all`): a forgotten filter must not terminate everything."""
    states: frozenset[SupervisorState] = frozenset()
    stream_types: frozenset[StreamType] = frozenset()
    supervisor_ids: frozenset[str] = frozenset()
    id_prefix: str = ""
    match_all: bool = False

    @property
    def has_criteria(self) -> bool:
        return bool(self.states or self.stream_types or self.supervisor_ids or self.id_prefix)

    def matches(self, supervisor: Supervisor) -> bool:
        return ((not self.states or supervisor.state in self.states)
                and (not self.stream_types or supervisor.spec.stream_type in self.stream_types)
                and (not self.supervisor_ids or supervisor.id in self.supervisor_ids)
                and supervisor.id.startswith(self.id_prefix))


def validate_filter(f: SupervisorFilter, field: str = "filter") -> None:
    v = Violations()
    if len(f.supervisor_ids) > MAX_FILTER_IDS:
        v.add(f"{field}.supervisor_ids", f"at most {MAX_FILTER_IDS} ids, got {len(f.supervisor_ids)}")
    else:
        for supervisor_id in sorted(f.supervisor_ids):
            validate_supervisor_id(supervisor_id, f"{field}.supervisor_ids", v)
    if len(f.id_prefix) > MAX_SUPERVISOR_ID_LENGTH:
        v.add(f"{field}.id_prefix", f"must be at most {MAX_SUPERVISOR_ID_LENGTH} characters")
    elif f.id_prefix:
        validate_supervisor_id(f.id_prefix, f"{field}.id_prefix", v)
    v.raise_if_any()
    if not f.has_criteria and not f.match_all:
        v.add(f"{field}.match_all", "the filter is empty, so it selects every supervisor: set match_all to mean it")
        v.raise_if_any(reason="FILTER_REQUIRED")


@dataclass(frozen=True)
class BulkOutcome:
    """One supervisor's part of a bulk action: changed (or would, in a dry run), or skipped and why."""
    supervisor_id: str
    state_before: SupervisorState
    state_after: SupervisorState
    changed: bool
    skip_reason: str = ""
    message: str = ""


def target_state(action: str) -> SupervisorState:
    return {"SUSPEND": SupervisorState.SUSPENDED, "RESUME": SupervisorState.RUNNING,
            "TERMINATE": SupervisorState.TERMINATED}[action]


def planned_outcome(action: str, supervisor: Supervisor) -> BulkOutcome:
    """What `action` would do to `supervisor` as it is now: the same rule the single-supervisor call uses."""
    if supervisor.state in TRANSITIONS_FROM[action]:
        return BulkOutcome(supervisor.id, supervisor.state, target_state(action), changed=True)
    return BulkOutcome(supervisor.id, supervisor.state, supervisor.state, changed=False,
                       skip_reason="INVALID_STATE",
                       message=f"cannot {action.lower()} a supervisor in state {supervisor.state.value}")
