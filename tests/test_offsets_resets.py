"""GetOffsets and the reset family against the real broker, on SQLite and PostgreSQL."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import grpc
import pytest

from helpers import expect_error, kafka_spec, snapshot
from streamvisor.domain.errors import Conflict
from streamvisor.domain.model import OffsetRange
from streamvisor.v1 import supervisor_pb2 as pb
from streamvisor.v1 import supervisor_service_pb2 as svc

INVALID, PRECONDITION = grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.FAILED_PRECONDITION
OUT_OF_RANGE = grpc.StatusCode.OUT_OF_RANGE


def commit(server, supervisor_id: str, partition: int, start: int, end: int, first: bool = False) -> int:
    """Publishes one segment through the compare-and-swap the workers use."""
    generation = server.service.get(supervisor_id).generation
    return server.service.commit_checkpoint(supervisor_id, "task-test", generation,
                                            [OffsetRange(partition, start, end)], "mem://test", end - start,
                                            task_starts={partition: start} if first else None)


def changes(response) -> dict[int, tuple]:
    return {c.partition: (c.before if c.HasField("before") else None, c.after if c.HasField("after") else None)
            for c in response.changes}


@pytest.fixture
def loaded(topics):
    """A 3-partition topic holding 100, 50 and 10 records."""
    name = topics.create(3)
    topics.produce(name, {0: 100, 1: 50, 2: 10})
    return name


class TestGetOffsets:
    def test_without_checkpoints_lag_follows_the_start_rule(self, client, loaded):
        client.create_supervisor("latest", kafka_spec(loaded))
        client.create_supervisor("earliest", kafka_spec(loaded, use_earliest_offset=True))
        r = client.get_offsets("latest")
        assert [(p.partition, p.earliest, p.latest, p.lag, p.HasField("checkpoint")) for p in r.partitions] == [
            (0, 0, 100, 0, False), (1, 0, 50, 0, False), (2, 0, 10, 0, False)]
        r = client.get_offsets("earliest")
        assert [p.lag for p in r.partitions] == [100, 50, 10] and r.total_lag == 160
        assert r.read_time.seconds > 0

    def test_with_checkpoints(self, client, server, loaded):
        client.create_supervisor("cp", kafka_spec(loaded))
        commit(server, "cp", 0, 0, 40, first=True)
        commit(server, "cp", 0, 40, 70)
        commit(server, "cp", 1, 20, 50, first=True)
        r = client.get_offsets("cp")
        assert [(p.checkpoint if p.HasField("checkpoint") else None, p.lag) for p in r.partitions] == [
            (70, 30), (50, 0), (None, 0)]
        assert r.total_lag == 30 and r.bounded_total == 0

    def test_follows_new_records(self, client, topics, loaded):
        client.create_supervisor("grow", kafka_spec(loaded, use_earliest_offset=True))
        topics.produce(loaded, {2: 5})
        assert client.get_offsets("grow").partitions[2].latest == 15


class TestResetSupervisor:
    def test_clears_checkpoints_fences_and_audits(self, client, server, loaded):
        client.create_supervisor("hard", kafka_spec(loaded))
        commit(server, "hard", 0, 0, 40, first=True)
        commit(server, "hard", 1, 10, 20, first=True)
        r = client.reset_supervisor("hard")
        assert changes(r) == {0: (40, None), 1: (20, None)} and r.generation == 2 and not r.dry_run
        assert all(not p.HasField("checkpoint") for p in client.get_offsets("hard").partitions)
        event = next(client.iter_history("hard"))
        assert event.action == "RESET" and (event.generation_before, event.generation_after) == (1, 2)
        assert {c.partition: c.before for c in event.offset_changes} == {0: 40, 1: 20}
        with pytest.raises(Conflict):  # a task leased before the reset can never publish
            server.service.commit_checkpoint("hard", "old", 1, [OffsetRange(0, 40, 50)], "mem://x", 10)

    def test_dry_run_changes_nothing(self, client, server, loaded):
        client.create_supervisor("hdry", kafka_spec(loaded))
        commit(server, "hdry", 0, 0, 40, first=True)
        before = snapshot(client)
        r = client.reset_supervisor("hdry", dry_run=True)
        assert r.dry_run and changes(r) == {0: (40, None)} and r.generation == 1
        assert snapshot(client) == before and client.get_offsets("hdry").partitions[0].checkpoint == 40

    def test_request_id_makes_it_idempotent(self, client, server, loaded):
        client.create_supervisor("hid", kafka_spec(loaded))
        commit(server, "hid", 0, 0, 40, first=True)
        first = client.reset_supervisor("hid", request_id="r-1")
        commit(server, "hid", 0, 5, 9, first=True)
        again = client.reset_supervisor("hid", request_id="r-1")
        assert again == first and client.get_supervisor("hid").generation == 2
        assert client.get_offsets("hid").partitions[0].checkpoint == 9  # the repeat did nothing
        client.create_supervisor("other", kafka_spec(loaded))
        expect_error(lambda: client.reset_supervisor("other", request_id="r-1"), INVALID, "REQUEST_ID_REUSED")

    def test_terminated_supervisors_cannot_be_reset(self, client, loaded):
        client.create_supervisor("term", kafka_spec(loaded))
        client.terminate_supervisor("term")
        expect_error(lambda: client.reset_supervisor("term"), PRECONDITION, "INVALID_STATE")


class TestResetOffsets:
    def test_sets_only_the_named_partitions(self, client, server, loaded):
        client.create_supervisor("ro", kafka_spec(loaded))
        commit(server, "ro", 0, 0, 40, first=True)
        commit(server, "ro", 1, 0, 30, first=True)
        r = client.reset_offsets("ro", [svc.PartitionResetTarget(partition=0, offset=90),
                                        svc.PartitionResetTarget(partition=2, offset=0)])
        assert changes(r) == {0: (40, 90), 2: (None, 0)} and r.generation == 2
        cps = [p.checkpoint if p.HasField("checkpoint") else None for p in client.get_offsets("ro").partitions]
        assert cps == [90, 30, 0]
        event = next(client.iter_history("ro"))
        assert event.action == "RESET_OFFSETS" and len(event.offset_changes) == 2

    def test_bounds_are_inclusive(self, client, loaded):
        client.create_supervisor("incl", kafka_spec(loaded))
        r = client.reset_offsets("incl", [svc.PartitionResetTarget(partition=0, offset=0),
                                          svc.PartitionResetTarget(partition=1, offset=50)])
        assert changes(r) == {0: (None, 0), 1: (None, 50)}

    def test_timestamp_targets_resolve_through_the_broker(self, client, topics, loaded):
        name = topics.create(1)
        base = 1_700_000_000_000
        for i in range(5):
            topics.producer.produce(name, value=b"x", partition=0, timestamp=base + i * 1000)
        topics.producer.flush(30)
        client.create_supervisor("ts", kafka_spec(name))
        target = svc.PartitionResetTarget(partition=0)
        target.timestamp.FromMilliseconds(base + 2500)
        assert changes(client.reset_offsets("ts", [target], dry_run=True)) == {0: (None, 3)}
        future = svc.PartitionResetTarget(partition=0)
        future.timestamp.FromDatetime(datetime(2099, 1, 1, tzinfo=timezone.utc))
        assert changes(client.reset_offsets("ts", [future])) == {0: (None, 5)}  # none later: latest

    def test_dry_run_returns_the_table_and_changes_nothing(self, client, server, loaded):
        client.create_supervisor("rodry", kafka_spec(loaded))
        commit(server, "rodry", 0, 0, 40, first=True)
        before = snapshot(client)
        r = client.reset_offsets("rodry", [svc.PartitionResetTarget(partition=0, offset=10)], dry_run=True)
        assert r.dry_run and changes(r) == {0: (40, 10)} and r.generation == 1
        assert snapshot(client) == before

    @pytest.mark.parametrize("targets, code, reason, field", [
        ([], INVALID, "INVALID_ARGUMENT", "targets"),
        ([svc.PartitionResetTarget(partition=7, offset=1)], INVALID, "UNKNOWN_PARTITION", "targets[0].partition"),
        ([svc.PartitionResetTarget(partition=-1, offset=1)], INVALID, "UNKNOWN_PARTITION", "targets[0].partition"),
        # Past latest: the same request succeeds once the data arrives, so OUT_OF_RANGE (AIP-193).
        ([svc.PartitionResetTarget(partition=0, offset=101)], OUT_OF_RANGE, "OFFSET_OUT_OF_RANGE",
         "targets[0].offset"),
        ([svc.PartitionResetTarget(partition=1, offset=0), svc.PartitionResetTarget(partition=2, offset=11)],
         OUT_OF_RANGE, "OFFSET_OUT_OF_RANGE", "targets[1].offset"),
        ([svc.PartitionResetTarget(partition=0, offset=-5)], INVALID, "INVALID_ARGUMENT", "targets[0].offset"),
        ([svc.PartitionResetTarget(partition=0)], INVALID, "INVALID_ARGUMENT", "targets[0]"),
        ([svc.PartitionResetTarget(partition=0, offset=1), svc.PartitionResetTarget(partition=0, offset=2)],
         INVALID, "INVALID_ARGUMENT", "targets[1].partition"),
    ])
    def test_bad_targets_are_rejected_and_change_nothing(self, client, loaded, targets, code, reason, field):
        client.create_supervisor("bad", kafka_spec(loaded))
        before = snapshot(client)
        error = expect_error(lambda: client.reset_offsets("bad", targets), code, reason)
        assert field in [f for f, _ in error.field_violations]
        assert snapshot(client) == before

    def test_out_of_range_names_the_partition_and_bounds(self, client, topics, loaded):
        client.create_supervisor("oor", kafka_spec(loaded))
        topics.delete_up_to(loaded, {2: 4})
        error = expect_error(lambda: client.reset_offsets("oor", [svc.PartitionResetTarget(partition=2, offset=3)]),
                             INVALID, "OFFSET_OUT_OF_RANGE")
        assert error.metadata["partition"] == "2" and error.metadata["earliest"] == "4"
        assert "partition 2" in error.field_violations[0][1]

    def test_request_id_with_another_body_is_rejected(self, client, loaded):
        client.create_supervisor("rid", kafka_spec(loaded))
        client.reset_offsets("rid", [svc.PartitionResetTarget(partition=0, offset=5)], request_id="k")
        again = client.reset_offsets("rid", [svc.PartitionResetTarget(partition=0, offset=5)], request_id="k")
        assert changes(again) == {0: (None, 5)} and client.get_supervisor("rid").generation == 2
        expect_error(lambda: client.reset_offsets("rid", [svc.PartitionResetTarget(partition=0, offset=6)],
                                                  request_id="k"), INVALID, "REQUEST_ID_REUSED")


class TestResetToLatestAndBackfill:
    def lagging(self, client, server, topic: str, supervisor_id: str = "main", **spec_fields) -> None:
        client.create_supervisor(supervisor_id, kafka_spec(topic, **spec_fields))
        commit(server, supervisor_id, 0, 0, 30, first=True)
        commit(server, supervisor_id, 1, 0, 50, first=True)

    def test_backfills_the_skipped_range_and_moves_to_latest(self, client, server, loaded):
        self.lagging(client, server, loaded)
        r = client.reset_to_latest_and_backfill("main")
        assert r.supervisor_id == "main" and r.backfill_supervisor_id.startswith("main_backfill_")
        assert len(r.backfill_supervisor_id) == len("main_backfill_") + 8
        assert [(b.partition, b.start_offset, b.end_offset) for b in r.backfill_ranges] == [(0, 30, 100)]
        assert changes(r) == {0: (30, 100), 1: (50, 50), 2: (None, 10)}
        assert list(r.unrecoverable_ranges) == [] and r.generation == 2 and not r.dry_run

        main = client.get_supervisor("main")
        assert main.generation == 2 and main.state == pb.SUPERVISOR_STATE_RUNNING
        assert [p.checkpoint for p in client.get_offsets("main").partitions] == [100, 50, 10]

        backfill = client.get_supervisor(r.backfill_supervisor_id)
        assert backfill.state == pb.SUPERVISOR_STATE_RUNNING and backfill.backfill_of == "main"
        assert backfill.spec.task_count == 2 and backfill.spec.stream == loaded
        assert dict(backfill.spec.context) == dict(main.spec.context)
        assert [(b.partition, b.start_offset, b.end_offset) for b in backfill.spec.bounded_ranges] == [(0, 30, 100)]
        progress = client.get_offsets(r.backfill_supervisor_id)
        assert (progress.bounded_done, progress.bounded_total, progress.total_lag) == (0, 70, 70)
        assert [p.checkpoint for p in progress.partitions] == [30]

        event = next(client.iter_history("main"))
        assert event.action == "RESET_TO_LATEST_AND_BACKFILL"
        details = json.loads(event.details_json)
        assert details["backfill_supervisor_id"] == r.backfill_supervisor_id
        assert details["backfill_ranges"] == [[0, 30, 100]] and details["unrecoverable_ranges"] == []
        assert [e.action for e in client.iter_history(r.backfill_supervisor_id)] == ["CREATE_BACKFILL"]

    def test_nothing_lost_nothing_twice(self, client, server, loaded):
        """In-flight output is fenced; main and backfill together publish every offset exactly once."""
        self.lagging(client, server, loaded)
        r = client.reset_to_latest_and_backfill("main")
        with pytest.raises(Conflict):  # a task of the old generation finishing its read of [30, 60)
            server.service.commit_checkpoint("main", "old", 1, [OffsetRange(0, 30, 60)], "mem://late", 30)
        commit(server, "main", 0, 100, 100)  # live supervisor continues from latest
        backfill = r.backfill_supervisor_id
        commit(server, backfill, 0, 30, 75)
        commit(server, backfill, 0, 75, 100)
        assert client.get_supervisor(backfill).state == pb.SUPERVISOR_STATE_COMPLETED
        with server.store.read() as tx:
            segments = tx.list_segments(["main", backfill])
        published = sorted((r.start, r.end) for s in segments for r in s.ranges if r.partition == 0 and r.size)
        assert published == [(0, 30), (30, 75), (75, 100)]

    def test_backfill_task_count(self, client, server, loaded):
        self.lagging(client, server, loaded)
        r = client.reset_to_latest_and_backfill("main", backfill_task_count=5)
        assert client.get_supervisor(r.backfill_supervisor_id).spec.task_count == 5
        assert client.get_supervisor("main").spec.task_count == 2

    @pytest.mark.parametrize("count", [0, -1, 100_000])
    def test_bad_backfill_task_count(self, client, server, loaded, count):
        self.lagging(client, server, loaded)
        before = snapshot(client)
        error = expect_error(lambda: client.reset_to_latest_and_backfill("main", backfill_task_count=count),
                             INVALID, "INVALID_ARGUMENT")
        assert error.field_violations[0][0] == "backfill_task_count"
        assert snapshot(client) == before

    def test_dry_run_changes_nothing(self, client, server, loaded):
        self.lagging(client, server, loaded)
        before = snapshot(client)
        r = client.reset_to_latest_and_backfill("main", dry_run=True)
        assert r.dry_run and r.backfill_supervisor_id == "" and r.generation == 1
        assert [(b.partition, b.start_offset, b.end_offset) for b in r.backfill_ranges] == [(0, 30, 100)]
        assert snapshot(client) == before

    def test_request_id_repeat_returns_the_first_response_and_does_nothing(self, client, server, topics, loaded):
        self.lagging(client, server, loaded)
        first = client.reset_to_latest_and_backfill("main", request_id="once")
        topics.produce(loaded, {0: 5})
        again = client.reset_to_latest_and_backfill("main", request_id="once")
        assert again == first
        assert len([s for s in client.iter_supervisors() if s.backfill_of == "main"]) == 1
        assert client.get_supervisor("main").generation == 2
        error = expect_error(lambda: client.reset_to_latest_and_backfill("main", backfill_task_count=3,
                                                                         request_id="once"),
                             INVALID, "REQUEST_ID_REUSED")
        assert error.metadata["request_id"] == "once"

    def test_a_dry_run_cannot_reuse_an_applied_request_id(self, client, server, loaded):
        self.lagging(client, server, loaded)
        client.reset_to_latest_and_backfill("main", request_id="applied")
        expect_error(lambda: client.reset_to_latest_and_backfill("main", request_id="applied", dry_run=True),
                     INVALID, "REQUEST_ID_REUSED")

    def test_concurrent_repeats_act_once(self, client, server, loaded):
        """Retries racing each other (a client timing out and trying again) create one backfill."""
        from concurrent.futures import ThreadPoolExecutor

        self.lagging(client, server, loaded)
        with ThreadPoolExecutor(6) as pool:
            responses = list(pool.map(lambda _: client.reset_to_latest_and_backfill("main", request_id="storm"),
                                      range(6)))
        assert all(r == responses[0] for r in responses)
        assert len([s for s in client.iter_supervisors() if s.backfill_of == "main"]) == 1
        assert client.get_supervisor("main").generation == 2

    def test_one_request_id_raced_onto_two_supervisors(self, client, server, loaded):
        from concurrent.futures import ThreadPoolExecutor

        from streamvisor.client import StreamvisorError

        self.lagging(client, server, loaded, supervisor_id="a")
        self.lagging(client, server, loaded, supervisor_id="b")

        def attempt(supervisor_id):
            try:
                return client.reset_to_latest_and_backfill(supervisor_id, request_id="shared").supervisor_id
            except StreamvisorError as e:
                return e.reason

        with ThreadPoolExecutor(2) as pool:
            outcomes = sorted(pool.map(attempt, ["a", "b"]))
        assert outcomes in (["REQUEST_ID_REUSED", "a"], ["REQUEST_ID_REUSED", "b"])
        assert len([s for s in client.iter_supervisors() if s.backfill_of]) == 1

    def test_retention_loss_is_reported_never_skipped(self, client, server, topics, loaded):
        self.lagging(client, server, loaded)
        topics.delete_up_to(loaded, {0: 60})
        r = client.reset_to_latest_and_backfill("main")
        assert [(u.partition, u.start_offset, u.end_offset) for u in r.unrecoverable_ranges] == [(0, 30, 60)]
        assert [(b.partition, b.start_offset, b.end_offset) for b in r.backfill_ranges] == [(0, 60, 100)]
        details = json.loads(next(client.iter_history("main")).details_json)
        assert details["unrecoverable_ranges"] == [[0, 30, 60]]

    def test_nothing_skipped_creates_no_backfill(self, client, server, loaded):
        client.create_supervisor("caught", kafka_spec(loaded))
        commit(server, "caught", 0, 0, 100, first=True)
        commit(server, "caught", 1, 0, 50, first=True)
        r = client.reset_to_latest_and_backfill("caught")
        assert r.backfill_supervisor_id == "" and list(r.backfill_ranges) == []
        assert [s.id for s in client.iter_supervisors()] == ["caught"]

    @pytest.mark.parametrize("context", [{"useConcurrentLocks": "TRUE"}, {"taskLockType": "APPEND"}])
    def test_concurrent_lock_spellings_are_accepted(self, client, server, loaded, context):
        self.lagging(client, server, loaded, context=context)
        assert client.reset_to_latest_and_backfill("main").backfill_supervisor_id

    @pytest.mark.parametrize("spec_fields, reason", [
        (dict(use_earliest_offset=True), "USE_EARLIEST_OFFSET_ENABLED"),
        (dict(context={}), "CONCURRENT_LOCKS_DISABLED"),
        (dict(context={"useConcurrentLocks": "false"}), "CONCURRENT_LOCKS_DISABLED"),
        (dict(context={"taskLockType": "REPLACE"}), "CONCURRENT_LOCKS_DISABLED"),
    ])
    def test_spec_guardrails(self, client, server, loaded, spec_fields, reason):
        self.lagging(client, server, loaded, **spec_fields)
        before = snapshot(client)
        error = expect_error(lambda: client.reset_to_latest_and_backfill("main"), PRECONDITION, reason)
        assert error.metadata["supervisor_id"] == "main"
        assert snapshot(client) == before

    def test_must_be_running(self, client, server, loaded):
        self.lagging(client, server, loaded)
        client.suspend_supervisor("main")
        before = snapshot(client)
        error = expect_error(lambda: client.reset_to_latest_and_backfill("main"), PRECONDITION, "INVALID_STATE")
        assert error.metadata["allowed_states"] == "RUNNING"
        assert snapshot(client) == before

    def test_a_bounded_supervisor_is_not_a_streaming_supervisor(self, client, server, loaded):
        self.lagging(client, server, loaded)
        backfill = client.reset_to_latest_and_backfill("main").backfill_supervisor_id
        expect_error(lambda: client.reset_to_latest_and_backfill(backfill), PRECONDITION, "NOT_STREAMING_SUPERVISOR")

    def test_no_checkpoints(self, client, loaded):
        client.create_supervisor("fresh", kafka_spec(loaded))
        before = snapshot(client)
        expect_error(lambda: client.reset_to_latest_and_backfill("fresh"), PRECONDITION, "NO_CHECKPOINTED_OFFSETS")
        assert snapshot(client) == before

    def test_deleted_topic(self, client, server, topics, kafka_admin, loaded):
        self.lagging(client, server, loaded)
        for f in kafka_admin.delete_topics([loaded], operation_timeout=30).values():
            f.result(timeout=60)
        topics.created.remove(loaded)
        before = snapshot(client)
        expect_error(lambda: client.reset_to_latest_and_backfill("main"), PRECONDITION, "STREAM_NOT_FOUND")
        assert snapshot(client) == before

    def test_unreachable_broker_latest_offsets_unavailable(self, client, server, loaded):
        """The broker went away after creation: UNAVAILABLE within the bound, and nothing changes."""
        import dataclasses

        self.lagging(client, server, loaded)
        with server.store.transaction() as tx:
            s = tx.get_supervisor("main", lock=True)
            gone = dataclasses.replace(s.spec, consumer_properties={"bootstrap.servers": "127.0.0.1:1"})
            tx.update_supervisor(dataclasses.replace(s, spec=gone))
        before = snapshot(client)
        error = expect_error(lambda: client.reset_to_latest_and_backfill("main"), grpc.StatusCode.UNAVAILABLE,
                             "LATEST_OFFSETS_UNAVAILABLE")
        assert error.metadata["cause"] == "STREAM_UNREACHABLE" and error.metadata["supervisor_id"] == "main"
        assert error.metadata["bootstrap_servers"] == "127.0.0.1:1"
        for call in (lambda: client.get_offsets("main"),
                     lambda: client.reset_offsets("main", [svc.PartitionResetTarget(partition=0, offset=1)])):
            expect_error(call, grpc.StatusCode.UNAVAILABLE, "STREAM_UNREACHABLE")
        assert snapshot(client) == before
