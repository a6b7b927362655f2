"""Plan tokens (domain.plans) and the resets that check them (app.resets), over in-memory ports: a dry run's
token executes exactly the reviewed plan, and is refused - changing nothing - once the supervisor moved on."""
from __future__ import annotations

import base64
import json
from datetime import datetime, timezone

import pytest

from memory import FakeStream, FakeStreams, MemoryMetadataStore  # tests/memory.py (tests/ is on the path)
from streamvisor.app.supervisors import ResetTarget, SupervisorService
from streamvisor.domain.errors import FailedPrecondition, InvalidArgument
from streamvisor.domain.model import OffsetRange, StreamType, Supervisor, SupervisorSpec, SupervisorState
from streamvisor.domain.plans import check_plan_token, issue_plan_token, parse_plan_token

T0 = datetime(2026, 12, 1, tzinfo=timezone.utc)


def spec() -> SupervisorSpec:
    return SupervisorSpec(stream_type=StreamType.KAFKA, stream="clicks", consumer_properties={"bootstrap.servers": "b"},
                          task_count=1, context={"useConcurrentLocks": "true"})


def supervisor(generation: int = 3, version: int = 7) -> Supervisor:
    return Supervisor(id="main", spec=spec(), state=SupervisorState.RUNNING, generation=generation, version=version,
                      partitions=(0, 1), create_time=T0, update_time=T0)


# The pure rule ---------------------------------------------------------------------------------------

def test_a_token_round_trips_what_it_binds():
    ranges = [OffsetRange(0, 40, 100)]
    token = issue_plan_token("ResetToLatestAndBackfill", supervisor(), {"tasks": 2}, ranges)
    plan = parse_plan_token(token)
    assert (plan.method, plan.supervisor_id, plan.generation, plan.version) == \
        ("ResetToLatestAndBackfill", "main", 3, 7)
    assert plan.args == {"tasks": 2} and plan.backfill_ranges == (OffsetRange(0, 40, 100),)
    assert check_plan_token(token, "ResetToLatestAndBackfill", supervisor(), {"tasks": 2}) == plan
    assert check_plan_token("", "ResetToLatestAndBackfill", supervisor(), {"tasks": 2}) is None


@pytest.mark.parametrize("generation,version,changed", [(4, 7, "generation"), (3, 8, "etag"),
                                                        (4, 8, "generation,etag")])
def test_a_changed_supervisor_makes_the_token_stale(generation, version, changed):
    token = issue_plan_token("ResetSupervisor", supervisor(), {})
    with pytest.raises(FailedPrecondition) as e:
        check_plan_token(token, "ResetSupervisor", supervisor(generation, version), {})
    assert e.value.reason == "PLAN_STALE"
    assert e.value.metadata == {"supervisor_id": "main", "changed": changed, "plan_generation": "3",
                                "generation": str(generation), "plan_etag": "v7", "etag": f"v{version}"}


@pytest.mark.parametrize("method,args", [("ResetOffsets", {"targets": [[0, 5, None]]}),  # another method
                                          ("ResetToLatestAndBackfill", {"tasks": 3})])  # other arguments
def test_a_token_for_another_request_is_invalid(method, args):
    token = issue_plan_token("ResetToLatestAndBackfill", supervisor(), {"tasks": 2})
    with pytest.raises(InvalidArgument) as e:
        check_plan_token(token, method, supervisor(), args)
    assert e.value.reason == "INVALID_PLAN_TOKEN" and e.value.violations[0].field == "plan_token"


def test_a_token_for_another_supervisor_is_invalid():
    token = issue_plan_token("ResetSupervisor", supervisor(), {})
    other = Supervisor(**{**supervisor().__dict__, "id": "other"})
    with pytest.raises(InvalidArgument) as e:
        check_plan_token(token, "ResetSupervisor", other, {})
    assert e.value.reason == "INVALID_PLAN_TOKEN"


def _b64(body) -> str:
    return base64.urlsafe_b64encode(json.dumps(body).encode()).decode()


@pytest.mark.parametrize("token", [
    "not a token!", "%%%", "x" * 70_000, _b64([1, 2]), _b64({"v": 2}), _b64({"v": 1, "m": "ResetSupervisor"}),
    _b64({"v": 1, "m": "ResetSupervisor", "s": "main", "g": "3", "e": 7, "a": {}, "b": []}),
    _b64({"v": 1, "m": "ResetSupervisor", "s": "main", "g": True, "e": 7, "a": {}, "b": []}),
    _b64({"v": 1, "m": "ResetSupervisor", "s": "main", "g": 3, "e": 7, "a": {}, "b": [[0, 1]]}),
    base64.urlsafe_b64encode(b"\xff\xfe").decode(),
])
def test_garbage_is_an_invalid_token_never_a_crash(token):
    with pytest.raises(InvalidArgument) as e:
        check_plan_token(token, "ResetSupervisor", supervisor(), {})
    assert e.value.reason == "INVALID_PLAN_TOKEN" and len(e.value.metadata["plan_token"]) <= 64


# The resets ------------------------------------------------------------------------------------------

@pytest.fixture
def stream() -> FakeStream:
    return FakeStream(partitions=2, latest=100)


@pytest.fixture
def service(stream) -> SupervisorService:
    return SupervisorService(MemoryMetadataStore(), FakeStreams(stream), clock=lambda: T0, new_suffix=lambda: "x1")


def commit(service: SupervisorService, partition: int, start: int, end: int) -> None:
    generation = service.get("main").generation
    service.commit_checkpoint("main", "task", generation, [OffsetRange(partition, start, end)],
                              f"mem://main/{partition}/{start}", end - start, task_starts={partition: start})


def test_backfill_with_a_token_runs_from_the_checkpoints_of_the_moment_and_shows_the_preview(service, stream):
    service.create("main", spec())
    commit(service, 0, 0, 40)
    commit(service, 1, 0, 90)
    preview = service.reset_to_latest_and_backfill("main", 2, dry_run=True)
    assert preview.plan_token and preview.backfill_ranges == [OffsetRange(0, 40, 100), OffsetRange(1, 90, 100)]
    # Normal ingestion between the review and the click does not void the plan.
    commit(service, 0, 40, 60)
    stream.latest = {0: 120, 1: 130}
    result = service.reset_to_latest_and_backfill("main", 2, plan_token=preview.plan_token)
    assert result.backfill_ranges == [OffsetRange(0, 60, 120), OffsetRange(1, 90, 130)]
    assert result.previewed_backfill_ranges == preview.backfill_ranges and result.plan_token == ""
    assert service.get("main").generation == 2


def test_backfill_with_a_token_is_refused_after_a_suspend_and_resume(service):
    service.create("main", spec())
    commit(service, 0, 0, 40)
    preview = service.reset_to_latest_and_backfill("main", dry_run=True)
    service.suspend("main")
    service.resume("main")
    before = service.get("main")
    with pytest.raises(FailedPrecondition) as e:
        service.reset_to_latest_and_backfill("main", plan_token=preview.plan_token)
    assert e.value.reason == "PLAN_STALE" and e.value.metadata["changed"] == "etag"
    assert service.get("main") == before
    assert [s.id for s in service.list(50, "", [], [])[0]] == ["main"]  # no backfill was created


def test_a_second_reset_makes_the_first_reviews_token_stale(service):
    service.create("main", spec())
    commit(service, 0, 0, 40)
    targets = [ResetTarget(partition=0, offset=10)]
    preview = service.reset_offsets("main", targets, dry_run=True)
    hard = service.reset("main", dry_run=True)
    service.reset("main", plan_token=hard.plan_token)  # its own fresh token is fine
    with pytest.raises(FailedPrecondition) as e:
        service.reset_offsets("main", targets, plan_token=preview.plan_token)
    assert e.value.reason == "PLAN_STALE" and e.value.metadata["changed"] == "generation,etag"


def test_reset_offsets_token_is_bound_to_its_targets(service):
    service.create("main", spec())
    commit(service, 0, 0, 40)
    preview = service.reset_offsets("main", [ResetTarget(partition=0, offset=10)], dry_run=True)
    with pytest.raises(InvalidArgument) as e:
        service.reset_offsets("main", [ResetTarget(partition=0, offset=11)], plan_token=preview.plan_token)
    assert e.value.reason == "INVALID_PLAN_TOKEN"
    done = service.reset_offsets("main", [ResetTarget(partition=0, offset=10)], plan_token=preview.plan_token)
    assert [(c.partition, c.before, c.after) for c in done.changes] == [(0, 40, 10)]


def test_a_repeat_with_the_same_request_id_and_token_replays_instead_of_going_stale(service):
    service.create("main", spec())
    commit(service, 0, 0, 40)
    preview = service.reset_to_latest_and_backfill("main", dry_run=True)
    first = service.reset_to_latest_and_backfill("main", request_id="r1", plan_token=preview.plan_token)
    again = service.reset_to_latest_and_backfill("main", request_id="r1", plan_token=preview.plan_token)
    assert again == first and first.previewed_backfill_ranges == preview.backfill_ranges
