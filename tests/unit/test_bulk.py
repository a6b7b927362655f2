"""Bulk actions' pure rules: which supervisors a filter selects, what each action does, what is refused."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from streamvisor.domain.bulk import SupervisorFilter, planned_outcome, validate_filter
from streamvisor.domain.errors import FailedPrecondition, InvalidArgument
from streamvisor.domain.model import StreamType, Supervisor, SupervisorSpec, SupervisorState

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)


def supervisor(supervisor_id: str, state: SupervisorState, stream_type: StreamType = StreamType.KAFKA) -> Supervisor:
    spec = SupervisorSpec(stream_type=stream_type, stream="t", task_count=1)
    return Supervisor(id=supervisor_id, spec=spec, state=state, generation=1, version=1, partitions=(0,),
                      create_time=NOW, update_time=NOW)


def test_criteria_are_anded():
    f = SupervisorFilter(states=frozenset({SupervisorState.RUNNING}), id_prefix="orders-")
    assert f.matches(supervisor("orders-a", SupervisorState.RUNNING))
    assert not f.matches(supervisor("orders-a", SupervisorState.SUSPENDED))
    assert not f.matches(supervisor("clicks", SupervisorState.RUNNING))
    typed = SupervisorFilter(stream_types=frozenset({StreamType.RABBITMQ_STREAM}))
    assert not typed.matches(supervisor("a", SupervisorState.RUNNING))
    assert typed.matches(supervisor("a", SupervisorState.RUNNING, StreamType.RABBITMQ_STREAM))
    by_id = SupervisorFilter(supervisor_ids=frozenset({"a", "b"}))
    assert by_id.matches(supervisor("a", SupervisorState.RUNNING)) and not by_id.matches(
        supervisor("c", SupervisorState.RUNNING))


def test_an_empty_filter_must_say_match_all():
    with pytest.raises(InvalidArgument) as info:
        validate_filter(SupervisorFilter())
    assert info.value.reason == "FILTER_REQUIRED"
    validate_filter(SupervisorFilter(match_all=True))
    assert SupervisorFilter(match_all=True).matches(supervisor("x", SupervisorState.TERMINATED))


@pytest.mark.parametrize("bad", [SupervisorFilter(supervisor_ids=frozenset({"no spaces"})),
                                 SupervisorFilter(supervisor_ids=frozenset(f"s{i}" for i in range(1001))),
                                 SupervisorFilter(id_prefix="_x"), SupervisorFilter(id_prefix="x" * 256)])
def test_malformed_criteria_are_invalid_arguments(bad):
    with pytest.raises(InvalidArgument) as info:
        validate_filter(bad)
    assert info.value.reason == "INVALID_ARGUMENT"


@pytest.mark.parametrize("action, state, changes, after", [
    ("SUSPEND", SupervisorState.RUNNING, True, SupervisorState.SUSPENDED),
    ("SUSPEND", SupervisorState.UNHEALTHY, True, SupervisorState.SUSPENDED),
    ("SUSPEND", SupervisorState.SUSPENDED, False, SupervisorState.SUSPENDED),
    ("SUSPEND", SupervisorState.COMPLETED, False, SupervisorState.COMPLETED),
    ("RESUME", SupervisorState.SUSPENDED, True, SupervisorState.RUNNING),
    ("RESUME", SupervisorState.RUNNING, False, SupervisorState.RUNNING),
    ("TERMINATE", SupervisorState.SUSPENDED, True, SupervisorState.TERMINATED),
    ("TERMINATE", SupervisorState.TERMINATED, False, SupervisorState.TERMINATED),
    ("TERMINATE", SupervisorState.COMPLETED, False, SupervisorState.COMPLETED),
])
def test_planned_outcome_is_the_single_calls_rule(action, state, changes, after):
    s = supervisor("a", state)
    outcome = planned_outcome(action, s)
    assert (outcome.changed, outcome.state_after) == (changes, after)
    assert outcome.skip_reason == ("" if changes else "INVALID_STATE")
    # The single call agrees: it succeeds exactly when the bulk plan says "changes".
    apply = {"SUSPEND": s.suspended, "RESUME": s.resumed, "TERMINATE": s.terminated}[action]
    if changes:
        assert apply(NOW).state == after
    else:
        with pytest.raises(FailedPrecondition):
            apply(NOW)


@pytest.mark.parametrize("state, healthy", [(SupervisorState.RUNNING, True), (SupervisorState.SUSPENDED, True),
                                            (SupervisorState.COMPLETED, True), (SupervisorState.PENDING, True),
                                            (SupervisorState.UNHEALTHY, False), (SupervisorState.TERMINATED, False)])
def test_health_by_state(state, healthy):
    assert state.is_healthy is healthy
