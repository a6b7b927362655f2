"""The file sink is exactly once for readers, whatever is killed when.

On real parts: the real Kafka broker, an in-process server on SQLite (and PostgreSQL for the crash
windows), and reference workers as processes that stop dead (os._exit, as a SIGKILL would) at a
deterministic point - right after staging a segment, or right after the server accepted its commit -
so that the two windows of the protocol are each shown to be finished or cleaned up by the next holder.
`streamvisor verify` reads the directory and must agree; it is also shown to fail on a duplicated, a
missing and an extra file."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from conftest import start_server
from helpers import kafka_spec
from streamvisor.client import StreamvisorClient
from streamvisor.v1 import supervisor_pb2 as pb
from streamvisor.worker.sinks import Record, SegmentInfo, open_sink
from streamvisor.worker.sinks.files import STAGING, FileSink

pytestmark = pytest.mark.kafka

CLI = [sys.executable, "-m", "streamvisor"]


def published_files(output: Path, family: str) -> list[Path]:
    directory = output / family
    return sorted(p for p in directory.rglob("*") if p.is_file()) if directory.exists() else []


def staged_files(output: Path) -> list[Path]:
    """Staged segments (a task's task.json may stay until the task ends)."""
    staging = output / STAGING
    return sorted(p for p in staging.rglob("*.jsonl") if p.is_file()) if staging.exists() else []


# The sink alone --------------------------------------------------------------------------------------
def info(task: str = "t1", name: str = "seg-1", family: str = "fam") -> SegmentInfo:
    return SegmentInfo(family, "sup", task, 3, name, ((0, 10, 12),))


RECORDS = [Record(0, 10, 1700000000000, b"k", b"v", (("h", b"x"), ("h", None))), Record(0, 11, None, None, None)]


def test_stage_is_invisible_to_readers_and_publish_is_idempotent(tmp_path):
    sink = open_sink(str(tmp_path))
    assert isinstance(sink, FileSink) and isinstance(open_sink(tmp_path.as_uri()), FileSink)
    location = sink.stage(info(), RECORDS)
    assert location == (tmp_path / "fam" / "seg-1.jsonl").as_uri()
    assert published_files(tmp_path, "fam") == [] and list(sink.read_offsets("fam")) == []
    assert [s.location for s in sink.staged("t1")] == [location]
    assert sink.staged("t1")[0].info == SegmentInfo("fam", "sup", "t1", 3, "seg-1", ())  # ranges: the server's
    sink.publish(location, 7, info())
    sink.publish(location, 7, info())  # a retry, or a second publisher: nothing changes
    assert sink.staged("t1") == [] and staged_files(tmp_path) == []
    assert list(sink.read_offsets("fam")) == [(0, 10, location), (0, 11, location)]
    lines = [json.loads(line) for line in (tmp_path / "fam" / "seg-1.jsonl").read_text().splitlines()]
    assert lines[0] == {"partition": 0, "offset": 10, "timestamp": 1700000000000, "key": "aw==", "value": "dg==",
                        "headers": [["h", "eA=="], ["h", None]]}
    assert lines[1]["headers"] == [] and lines[1]["key"] is None


def test_two_workers_publishing_one_segment_at_once_leave_one_file(tmp_path):
    for round_ in range(20):
        sink = FileSink(tmp_path)
        segment = info(name=f"seg-{round_}")
        location = sink.stage(segment, RECORDS)
        errors = []
        barrier = threading.Barrier(2)

        def publish():
            barrier.wait()
            try:
                FileSink(tmp_path).publish(location, round_, segment)
            except Exception as e:  # noqa: BLE001 - the test reports any failure
                errors.append(e)
        threads = [threading.Thread(target=publish) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
    assert len(published_files(tmp_path, "fam")) == 20 and staged_files(tmp_path) == []


def test_discard_removes_only_staged_data_and_an_unknown_scheme_is_refused(tmp_path):
    sink = FileSink(tmp_path)
    location = sink.stage(info(), RECORDS)
    sink.discard(location)
    assert staged_files(tmp_path) == [] and published_files(tmp_path, "fam") == []
    published = sink.stage(info(name="kept"), RECORDS)
    sink.publish(published, 1, info(name="kept"))
    sink.discard(published)  # a published file is never touched
    assert len(published_files(tmp_path, "fam")) == 1
    with pytest.raises(ValueError, match="unsupported output"):
        open_sink("s3://bucket/x")


# With a server and worker processes -------------------------------------------------------------------
class Rig:
    def __init__(self, tmp: Path, database_url: str, bootstrap: str):
        self.server = start_server(database_url, bootstrap, scheduler=True, scheduler_interval_s=0.2)
        self.address = f"127.0.0.1:{self.server.port}"
        self.client = StreamvisorClient(self.address, timeout=30, retries=0)
        self.output = tmp / "out"
        self.logs = tmp / "logs"
        self.logs.mkdir()
        self.workers: list[subprocess.Popen] = []

    def worker(self, name: str, crash: str = "", at: int = 1) -> subprocess.Popen:
        env = {**os.environ, "STREAMVISOR_WORKER_CRASH_POINT": crash, "STREAMVISOR_WORKER_CRASH_AT_SEGMENT": str(at)}
        log = open(self.logs / f"{name}.log", "w")
        process = subprocess.Popen(CLI + ["--server", self.address, "worker", "--output", str(self.output),
                                          "--lease-seconds", "2", "--commit-records", "30", "--commit-seconds", "0.3",
                                          "--worker-id", name], stdout=log, stderr=subprocess.STDOUT, env=env)
        self.workers.append(process)
        return process

    def log(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text()

    def verify(self, supervisor_id: str) -> subprocess.CompletedProcess:
        return subprocess.run(CLI + ["--server", self.address, "verify", supervisor_id, "--output", str(self.output)],
                              capture_output=True, text=True, timeout=60)

    def checkpointed(self, supervisor_id: str) -> int:
        return sum(p.checkpoint for p in self.client.get_offsets(supervisor_id).partitions if p.HasField("checkpoint"))

    def close(self) -> None:
        for w in self.workers:
            if w.poll() is None:
                w.terminate()
                try:
                    w.wait(20)
                except subprocess.TimeoutExpired:
                    w.kill()
        self.client.close()
        self.server.stop(0)


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def rig(tmp_path, database_url, kafka_bootstrap):
    r = Rig(tmp_path, database_url, kafka_bootstrap)
    yield r
    r.close()


def test_killed_between_stage_and_commit_the_next_holder_discards(rig, topics):
    name = topics.create(1)
    topics.produce(name, {0: 2000})
    rig.client.create_supervisor("sink-a", kafka_spec(name, task_count=1, use_earliest_offset=True))
    crashed = rig.worker("crash-a", crash="after-stage", at=2)
    assert crashed.wait(60) == 70, rig.log("crash-a")
    # Segment 2 is staged, never committed: readers see segment 1 only.
    assert len(staged_files(rig.output)) == 1
    [first] = rig.client.iter_segments("sink-a")
    assert len(published_files(rig.output, "sink-a")) == 1 and rig.checkpointed("sink-a") == first.record_count
    rig.worker("next-a")
    wait_for(lambda: rig.checkpointed("sink-a") == 2000 and not staged_files(rig.output), 60, "the rest published")
    assert "staged segment discarded" in rig.log("next-a")
    report = rig.verify("sink-a")
    assert report.returncode == 0, report.stdout + report.stderr
    assert len(published_files(rig.output, "sink-a")) == len(list(rig.client.iter_segments("sink-a")))


def test_killed_between_commit_and_publish_the_next_holder_publishes(rig, topics):
    name = topics.create(1)
    topics.produce(name, {0: 2000})
    rig.client.create_supervisor("sink-b", kafka_spec(name, task_count=1, use_earliest_offset=True))
    crashed = rig.worker("crash-b", crash="after-commit", at=2)
    assert crashed.wait(60) == 70, rig.log("crash-b")
    # Segment 2 is ingested (the server accepted it) but not yet in place: verify says so.
    first, second = rig.client.iter_segments("sink-b")
    assert rig.checkpointed("sink-b") == first.record_count + second.record_count
    assert [p.as_uri() for p in published_files(rig.output, "sink-b")] == [first.location]
    report = rig.verify("sink-b")
    assert report.returncode == 1 and "published segments not found: 1" in report.stdout, report.stdout
    rig.worker("next-b")
    wait_for(lambda: rig.checkpointed("sink-b") == 2000 and not staged_files(rig.output), 60, "the rest published")
    assert "staged segment published" in rig.log("next-b")
    report = rig.verify("sink-b")
    assert report.returncode == 0, report.stdout + report.stderr
    assert len(published_files(rig.output, "sink-b")) == len(list(rig.client.iter_segments("sink-b")))


def test_a_finished_bounded_task_s_last_segment_is_published_by_a_sweep(rig, topics):
    """The crash after the commit that completed the range: no task is leased again, and a worker's staging
    sweep (at start, then every 10 s) publishes it."""
    name = topics.create(1)
    topics.produce(name, {0: 300})  # one poll reads them all (up to 500): one segment completes the range
    spec = pb.SupervisorSpec(stream_type=pb.STREAM_TYPE_KAFKA, stream=name, task_count=1,
                             context={"useConcurrentLocks": "true"},
                             bounded_ranges=[pb.OffsetRange(partition=0, start_offset=0, end_offset=300)])
    rig.client.create_supervisor("sink-c", spec)
    crashed = rig.worker("crash-c", crash="after-commit", at=1)
    assert crashed.wait(60) == 70, rig.log("crash-c")
    wait_for(lambda: rig.client.get_supervisor("sink-c").state == pb.SUPERVISOR_STATE_COMPLETED, 30, "completion")
    assert rig.verify("sink-c").returncode == 1
    rig.worker("sweeper-c")
    wait_for(lambda: not staged_files(rig.output), 30, "the sweep")
    assert "staged segment published" in rig.log("sweeper-c")
    report = rig.verify("sink-c")
    assert report.returncode == 0, report.stdout + report.stderr


def test_verify_fails_on_a_duplicated_a_missing_and_an_extra_file(rig, topics, tmp_path):
    name = topics.create(2)
    topics.produce(name, {0: 600, 1: 600})
    rig.client.create_supervisor("sink-d", kafka_spec(name, task_count=1, use_earliest_offset=True))
    rig.worker("w-d")
    wait_for(lambda: rig.checkpointed("sink-d") == 1200, 60, "everything published")
    wait_for(lambda: not staged_files(rig.output), 10, "staging empty")
    good = rig.verify("sink-d")
    assert good.returncode == 0 and "exactly once" in good.stdout, good.stdout + good.stderr
    files = published_files(rig.output, "sink-d")
    keep = tmp_path / "keep"
    shutil.copytree(rig.output / "sink-d", keep)

    def restore():
        shutil.rmtree(rig.output / "sink-d")
        shutil.copytree(keep, rig.output / "sink-d")
        assert rig.verify("sink-d").returncode == 0

    # A duplicated file: the same records under another name (what the old sink left after kills).
    shutil.copy(files[0], files[0].with_name("copy-of-a-segment.jsonl"))
    report = rig.verify("sink-d")
    copied = sum(1 for _ in open(files[0]))
    assert report.returncode == 1 and f"{copied}" in report.stdout and "not a published segment: 1" in report.stdout
    assert "DUPLICATED" in report.stdout and "DIFFERENCES FOUND" in report.stdout
    as_json = json.loads(subprocess.run(CLI + ["--server", rig.address, "--json", "verify", "sink-d", "--output",
                                               str(rig.output)], capture_output=True, text=True).stdout)
    assert not as_json["ok"] and sum(p["duplicated"] for p in as_json["partitions"]) == copied
    restore()
    # A missing file.
    files[-1].unlink()
    report = rig.verify("sink-d")
    assert report.returncode == 1 and "published segments not found: 1" in report.stdout, report.stdout
    as_json = json.loads(subprocess.run(CLI + ["--server", rig.address, "--json", "verify", "sink-d", "--output",
                                               str(rig.output)], capture_output=True, text=True).stdout)
    assert sum(p["missing"] for p in as_json["partitions"]) > 0
    restore()
    # An extra file with records outside every published range (and a line that is no record).
    (rig.output / "sink-d" / "stray.jsonl").write_text(
        '{"partition":0,"offset":5000,"timestamp":null,"key":null,"value":null,"headers":[]}\nnot json\n')
    report = rig.verify("sink-d")
    assert report.returncode == 1 and "not a published segment: 1" in report.stdout
    as_json = json.loads(subprocess.run(CLI + ["--server", rig.address, "--json", "verify", "sink-d", "--output",
                                               str(rig.output)], capture_output=True, text=True).stdout)
    assert sum(p["unexpected"] for p in as_json["partitions"]) == 2
    restore()


def produce_transactions(bootstrap: str, topic: str, partition: int, *sizes_and_outcomes: tuple[int, bool]) -> None:
    """One transaction per (size, commit?): each ends in a marker that takes an offset; an aborted one's
    records take offsets too, and a read_committed reader is given none of them."""
    import uuid

    from confluent_kafka import Producer
    producer = Producer({"bootstrap.servers": bootstrap, "transactional.id": f"sink-{uuid.uuid4().hex}",
                         "allow.auto.create.topics": False})
    producer.init_transactions(30)
    for size, commit in sizes_and_outcomes:
        producer.begin_transaction()
        for i in range(size):
            producer.produce(topic, key=f"{partition}-{i}".encode(), value=b"committed" if commit else b"aborted",
                             partition=partition)
        assert producer.flush(30) == 0
        producer.commit_transaction(30) if commit else producer.abort_transaction(30)


def test_verify_counts_transaction_markers_and_aborted_records_as_skipped_not_missing(rig, topics):
    """A transactional producer's topic, read as librdkafka reads by default (read_committed): 80 records
    in offsets 0-102, the rest 3 markers and 20 aborted records. verify called those 23 missing, and the
    live worker stopped before the last marker (checkpoint 102 of 103: a lag of 1 that never went away)."""
    name = topics.create(1)
    produce_transactions(topics.bootstrap, name, 0, (50, True), (20, False), (30, True))
    rig.client.create_supervisor("sink-t", kafka_spec(name, task_count=1, use_earliest_offset=True))
    # The last marker is offset 102: the stable end is 103, which the worker reaches past it without a record.
    wait_for(lambda: rig.client.get_offsets("sink-t").partitions[0].latest == 103, 30, "the last marker")
    rig.worker("w-t")
    wait_for(lambda: rig.checkpointed("sink-t") == 103, 60, "every offset checkpointed")  # the worker was at 102
    assert rig.client.get_offsets("sink-t").partitions[0].lag == 0
    wait_for(lambda: not staged_files(rig.output), 10, "staging empty")
    files = published_files(rig.output, "sink-t")
    lines = [json.loads(line) for f in files for line in f.read_text().splitlines()]
    assert len(lines) == 80 and {line["value"] for line in lines} == {"Y29tbWl0dGVk"}  # "committed"
    assert sum(s.record_count for s in rig.client.iter_segments("sink-t")) == 80
    report = rig.verify("sink-t")
    assert report.returncode == 0 and "exactly once" in report.stdout and "SKIPPED" in report.stdout, \
        report.stdout + report.stderr

    def as_json() -> dict:
        return json.loads(subprocess.run(CLI + ["--server", rig.address, "--json", "verify", "sink-t", "--output",
                                                str(rig.output)], capture_output=True, text=True).stdout)
    [partition] = as_json()["partitions"]
    assert (partition["expected"], partition["found"], partition["missing"], partition["skipped"]) == (80, 80, 0, 23)
    # A record lost from the destination is still missing beside the skipped offsets.
    victim = next(f for f in files if f.read_text().count("\n") > 1)
    victim.write_text("".join(victim.read_text().splitlines(keepends=True)[1:]))
    report = rig.verify("sink-t")
    assert report.returncode == 1 and "DIFFERENCES FOUND" in report.stdout, report.stdout
    [partition] = as_json()["partitions"]
    assert (partition["expected"], partition["found"], partition["missing"], partition["skipped"]) == (80, 79, 1, 23)


def test_recovery_leaves_alone_a_segment_this_process_is_still_committing(tmp_path):
    """Leases are fenced by worker id: when a worker leases a task again while its earlier run of it still
    has a commit in flight, that commit can be accepted, so the new run must not discard the staged file
    (it did, in an end-to-end run with the broker restarted; the published segment then had no file)."""
    from streamvisor.client.tasks import TaskClient
    from streamvisor.worker.runner import Worker
    sink = FileSink(tmp_path)
    worker = Worker("127.0.0.1:1", sink, "w", client=TaskClient("127.0.0.1:1", retry_for_s=0, timeout=1))
    worker.in_flight("seg-1", True)
    sink.stage(info(), RECORDS)
    [staged] = sink.staged("t1")
    assert worker.resolve_staged(staged, "sup", may_discard=True) == "in flight"  # no call to the server made
    assert len(staged_files(tmp_path)) == 1
    worker.client.close()
