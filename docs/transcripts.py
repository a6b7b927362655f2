#!/usr/bin/env python
"""Records the grpcurl samples of docs/api.md against a real server, and writes them into the page.

    python docs/transcripts.py            # run every sample, rewrite the marked blocks of docs/api.md
    python docs/transcripts.py --check    # run them, change nothing; exit 1 naming the blocks that differ
    python docs/transcripts.py --check --only get-supervisor-not-found,reset-supervisor

It starts a streamvisor server in-process on a fresh SQLite database (port 0, scheduler off, as
tests/conftest.py's start_server does), creates uniquely named topics on the Kafka broker at
$KAFKA_BOOTSTRAP, and runs one story: the supervisors, commits and resets the samples need, in order.
Each documented call is run with the real grpcurl (tools/bin/grpcurl, ~/go/bin/grpcurl or PATH), and its
output is normalised before it is written between `<!-- transcript: NAME -->` and `<!-- /transcript -->`:

- the server's address is shown as 127.0.0.1:50051, the broker as 127.0.0.1:19092, and each topic by its
  documented name (docs-clicks, docs-gone) instead of its unique one;
- timestamps become 2026-01-01T12:00:00Z plus one second per distinct timestamp, in time order;
- backfill suffixes, otherwise random, come from a fixed sequence (the service's `new_suffix` hook).

Etags, generations, event ids and page tokens are not normalised: on a fresh database they are the same
every run. With the scheduler off, checkpoints exist only where the story puts them (through the service,
as a worker's CommitCheckpoint would), so every sample shows exactly the state the story set up.

Needs: PYTHONPATH=server (or the package installed), grpcurl (scripts/install-toolchains.sh), jq, and a
broker (scripts/kafka.sh). It only creates topics of its own and deletes them at the end.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "api.md"
DOC_ADDRESS = "127.0.0.1:50051"
DOC_BOOTSTRAP = "127.0.0.1:19092"
SUFFIXES = ["12f12e40", "93f05d09", "1652bfd1", "5d2c7a18"]
MARKER = re.compile(r"<!-- transcript: ([a-z0-9-]+) -->\n(.*?)<!-- /transcript -->", re.S)
TIMESTAMP = re.compile(r"(?!1970-01-01T00:00:00Z)\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z")  # not a zero value
SVC = "streamvisor.v1.SupervisorService"
TASKS = "streamvisor.v1.TaskService"

if str(ROOT / "server") not in sys.path:
    sys.path.insert(0, str(ROOT / "server"))


def grpcurl_binary() -> str:
    for candidate in (ROOT / "tools" / "bin" / "grpcurl", Path.home() / "go" / "bin" / "grpcurl"):
        if candidate.exists():
            return str(candidate)
    found = shutil.which("grpcurl")
    if not found:
        sys.exit("grpcurl is not installed: run `bash scripts/install-toolchains.sh`")
    return found


class Kafka:
    """Uniquely named topics on the real broker; shown in the docs under their documented names."""

    def __init__(self, bootstrap: str):
        from confluent_kafka import Producer
        from confluent_kafka.admin import AdminClient

        self.bootstrap = bootstrap
        self.admin = AdminClient({"bootstrap.servers": bootstrap, "allow.auto.create.topics": False})
        self.producer = Producer({"bootstrap.servers": bootstrap, "allow.auto.create.topics": False})
        self.created: list[str] = []

    def create(self, doc_name: str, partitions: int) -> str:
        from confluent_kafka import KafkaException, TopicCollection, TopicPartition
        from confluent_kafka.admin import NewTopic, OffsetSpec

        name = f"{doc_name}-{uuid.uuid4().hex[:10]}"
        self.admin.create_topics([NewTopic(name, num_partitions=partitions, replication_factor=1)])[name].result(60)
        self.created.append(name)
        deadline = time.monotonic() + 60
        while True:  # until every partition's leader answers ListOffsets
            try:
                for f in self.admin.list_offsets({TopicPartition(name, p): OffsetSpec.latest()
                                                  for p in range(partitions)}, request_timeout=10).values():
                    f.result(15)
                return name
            except KafkaException:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
                # The admin client may cache "no leader" for minutes: ask for fresh metadata (describe_topics,
                # not list_topics(name), which would ask the broker to auto-create a deleted topic).
                self.admin.describe_topics(TopicCollection([name]), request_timeout=10)[name].exception(15)

    def produce(self, topic: str, partitions: int, per_partition: int) -> None:
        for p in range(partitions):
            for i in range(per_partition):
                self.producer.produce(topic, key=f"k{i}".encode(), value=f"click-{p}-{i}".encode(), partition=p)
        assert self.producer.flush(60) == 0, "records were not acknowledged"

    def delete_records(self, topic: str, partition: int, before: int) -> None:
        from confluent_kafka import TopicPartition

        for f in self.admin.delete_records([TopicPartition(topic, partition, before)]).values():
            f.result(60)

    def delete(self, *topics: str) -> None:
        if topics:
            for f in self.admin.delete_topics(list(topics), operation_timeout=30).values():
                try:
                    f.result(60)
                except Exception:
                    pass
            self.created = [t for t in self.created if t not in topics]


class Recorder:
    """Runs doc-form grpcurl commands against the real server and keeps each block's normalised text."""

    def __init__(self, address: str, bootstrap: str):
        self.grpcurl = grpcurl_binary()
        self.blocks: dict[str, list[str]] = {}
        self.to_doc = {address: DOC_ADDRESS, bootstrap: DOC_BOOTSTRAP}

    def name(self, doc: str, real: str) -> None:
        self.to_doc[real] = doc

    def _swap(self, text: str, mapping: dict[str, str]) -> str:
        if not mapping:
            return text
        pattern = re.compile("|".join(re.escape(k) for k in sorted(mapping, key=len, reverse=True)))
        return pattern.sub(lambda m: mapping[m.group(0)], text)

    def normalise(self, text: str) -> str:
        """Real names -> documented ones. Timestamps are replaced in rendered(), once all are known."""
        # A deadline reached by grpcurl's own timer reads "context deadline exceeded"; reached first by the
        # server (grpc-timeout header) it reads "Deadline Exceeded". Which one wins is a race, not a change.
        text = text.replace("Message: Deadline Exceeded", "Message: context deadline exceeded")
        return self._swap(text, self.to_doc)

    def run(self, block: str | None, command: str) -> tuple[int, str]:
        """Runs `command` (as the docs show it: grpcurl ..., address 127.0.0.1:50051); records it in `block`
        unless that is None. Returns grpcurl's exit status and its raw stdout."""
        assert command.startswith("grpcurl "), command
        real = self._swap(command, {v: k for k, v in self.to_doc.items()})
        real = self.grpcurl + real[len("grpcurl"):]
        result = subprocess.run(["bash", "-c", f"set -o pipefail; {{ {real} ; }} 2>&1"],
                                capture_output=True, text=True, timeout=60)
        if block is not None:
            self.blocks.setdefault(block, []).append((f"$ {command}\n", f"{self.normalise(result.stdout)}[exit {result.returncode}]"))
        return result.returncode, result.stdout

    def note(self, block: str, text: str) -> None:
        self.blocks.setdefault(block, []).append(("", self.normalise(text)))

    def rendered(self) -> dict[str, str]:
        """Each block's text; timestamps numbered in time order (not the order the page shows them)."""
        seen = {m for parts in self.blocks.values() for _, out in parts for m in TIMESTAMP.findall(out)}
        def parse(ts: str) -> dt.datetime:
            return dt.datetime.fromisoformat(ts.replace("Z", "+00:00"))
        base = dt.datetime(2026, 1, 1, 12, 0, 0, tzinfo=dt.timezone.utc)
        shown = {ts: (base + dt.timedelta(seconds=i)).strftime("%Y-%m-%dT%H:%M:%SZ")
                 for i, ts in enumerate(sorted(seen, key=parse))}
        return {name: "```\n" + "\n\n".join(cmd + TIMESTAMP.sub(lambda m: shown[m.group(0)], out) for cmd, out in parts)
                      + "\n```\n" for name, parts in self.blocks.items()}


def d(obj) -> str:
    """A request body as the samples write it: one-line JSON in single quotes."""
    import json
    return "'" + json.dumps(obj) + "'"


# --- the story ------------------------------------------------------------------------------------------

def story(t: Recorder, kafka: Kafka, server) -> None:
    from streamvisor.domain.errors import DomainError
    from streamvisor.domain.model import OffsetRange

    suffixes = iter(SUFFIXES)
    server.service.core.new_suffix = lambda: next(suffixes)
    A = DOC_ADDRESS
    def call(block, body, method, flags=""):
        return t.run(block, f"grpcurl -plaintext {flags}-d {body} {A} {method}")

    def commit(supervisor_id: str, task: str, *ranges: tuple[int, int, int]):
        generation = server.service.get(supervisor_id).generation
        rs = [OffsetRange(*r) for r in ranges]
        return server.service.commit_checkpoint(supervisor_id, task, generation, rs, f"file:///data/seg-{supervisor_id}-{task}",
                                                sum(r.end - r.start for r in rs), task_starts={r.partition: r.start for r in rs})

    clicks = kafka.create("docs-clicks", 3)
    t.name("docs-clicks", clicks)
    kafka.produce(clicks, 3, 100)

    # Connecting, and the error model
    t.run("connecting-list", f"grpcurl -plaintext {A} list")
    call("error-model-not-found", d({"supervisor_id": "nope"}), f"{SVC}/GetSupervisor")
    call("error-model-format-error", d({"supervisor_id": "-bad id", "spec": {"stream": "no such topic!", "task_count": 0}}),
         f"{SVC}/CreateSupervisor", "-format-error ")

    # CreateSupervisor
    t.run("create-supervisor", f"""grpcurl -plaintext -d '{{
  "supervisor_id": "clicks",
  "spec": {{
    "stream_type": "STREAM_TYPE_KAFKA",
    "stream": "docs-clicks",
    "task_count": 2,
    "context": {{"useConcurrentLocks": "true"}}
  }}
}}' {A} {SVC}/CreateSupervisor""")
    call("create-supervisor-bounded", d({"supervisor_id": "clicks-replay", "spec": {
        "stream_type": "STREAM_TYPE_KAFKA", "stream": "docs-clicks", "task_count": 1, "bounded_ranges": [
            {"partition": 0, "start_offset": 0, "end_offset": 50}, {"partition": 1, "start_offset": 20, "end_offset": 40}]}}),
         f"{SVC}/CreateSupervisor")
    def kafka_spec(stream, **kw):
        return {"stream_type": "STREAM_TYPE_KAFKA", "stream": stream, **kw}
    call("create-supervisor-errors", d({"supervisor_id": "clicks", "spec": kafka_spec("docs-clicks", task_count=2)}),
         f"{SVC}/CreateSupervisor")
    call("create-supervisor-errors", d({"supervisor_id": "orders", "spec": kafka_spec("docs-orders", task_count=1)}),
         f"{SVC}/CreateSupervisor")
    call("create-supervisor-errors", d({"supervisor_id": "orders", "spec": kafka_spec(
        "docs-clicks", task_count=1, consumer_properties={"bootstrap.servers": "127.0.0.1:1"})}), f"{SVC}/CreateSupervisor")
    call("create-supervisor-errors", d({"supervisor_id": "clicks-replay", "spec": kafka_spec(
        "docs-clicks", task_count=1, bounded_ranges=[{"partition": 0, "start_offset": 0, "end_offset": 50},
                                                     {"partition": 7, "start_offset": 0, "end_offset": 10}])}),
         f"{SVC}/CreateSupervisor")
    call(None, d({"supervisor_id": "clicks-earliest", "spec": kafka_spec(
        "docs-clicks", task_count=1, use_earliest_offset=True, context={"taskLockType": "APPEND"})}), f"{SVC}/CreateSupervisor")
    call(None, d({"supervisor_id": "clicks-nolocks", "spec": kafka_spec("docs-clicks", task_count=1)}), f"{SVC}/CreateSupervisor")

    # GetSupervisor, ListSupervisors
    call("get-supervisor-errors", "'{}'", f"{SVC}/GetSupervisor")
    call("list-supervisors", d({"page_size": 1, "states": ["SUPERVISOR_STATE_RUNNING"], "stream_types": ["STREAM_TYPE_KAFKA"]}),
         f"{SVC}/ListSupervisors")
    jq = " | jq '{ids: [.supervisors[].id], nextPageToken}'"
    _, out = t.run(None, f"grpcurl -plaintext -d {d({'page_size': 2})} {A} {SVC}/ListSupervisors")
    import json
    token = json.loads(out)["nextPageToken"]
    t.run("list-supervisors-paging", f"grpcurl -plaintext -d {d({'page_size': 2})} {A} {SVC}/ListSupervisors{jq}")
    t.run("list-supervisors-paging", f"grpcurl -plaintext -d {d({'page_size': 2, 'page_token': token})} {A} {SVC}/ListSupervisors{jq}")
    call("list-supervisors-token-mismatch", d({"page_size": 2, "page_token": token, "states": ["SUPERVISOR_STATE_SUSPENDED"]}),
         f"{SVC}/ListSupervisors")
    call("list-supervisors-errors", d({"page_size": -1}), f"{SVC}/ListSupervisors")

    # UpdateSupervisor
    t.run("update-supervisor", f"""grpcurl -plaintext -d '{{
  "supervisor_id": "clicks-nolocks",
  "etag": "v1",
  "spec": {{
    "stream_type": "STREAM_TYPE_KAFKA",
    "stream": "docs-clicks",
    "task_count": 3,
    "context": {{"useConcurrentLocks": "true"}}
  }}
}}' {A} {SVC}/UpdateSupervisor""")
    call("update-supervisor-errors", d({"supervisor_id": "clicks-nolocks", "etag": "v1", "spec": kafka_spec("docs-clicks", task_count=1)}),
         f"{SVC}/UpdateSupervisor")
    call("update-supervisor-errors", d({"supervisor_id": "clicks-nolocks", "spec": kafka_spec("docs-clicks", task_count=1)}),
         f"{SVC}/UpdateSupervisor")
    call("update-supervisor-errors", d({"supervisor_id": "clicks-nolocks", "etag": "v2", "spec": kafka_spec("other-topic", task_count=1)}),
         f"{SVC}/UpdateSupervisor")
    # A second update (generation 3), back to one task and no locks context.
    call(None, d({"supervisor_id": "clicks-nolocks", "etag": "v2", "spec": kafka_spec("docs-clicks", task_count=1)}),
         f"{SVC}/UpdateSupervisor")

    # Suspend, Resume, Terminate
    call(None, d({"supervisor_id": "clicks-archive", "spec": kafka_spec("docs-clicks", task_count=1)}), f"{SVC}/CreateSupervisor")
    call("suspend-supervisor", d({"supervisor_id": "clicks-archive", "etag": "v1"}), f"{SVC}/SuspendSupervisor")
    call("suspend-supervisor-errors", d({"supervisor_id": "clicks-archive"}), f"{SVC}/SuspendSupervisor")
    call("resume-supervisor", d({"supervisor_id": "clicks-archive", "etag": "v1"}), f"{SVC}/ResumeSupervisor")
    call("resume-supervisor", d({"supervisor_id": "clicks-archive"}), f"{SVC}/ResumeSupervisor")
    call("terminate-supervisor", d({"supervisor_id": "clicks-archive", "etag": "v3"}), f"{SVC}/TerminateSupervisor")
    call("terminate-supervisor-errors", d({"supervisor_id": "clicks-archive"}), f"{SVC}/TerminateSupervisor")
    call("resume-supervisor-errors", d({"supervisor_id": "clicks-archive"}), f"{SVC}/ResumeSupervisor")
    call("update-supervisor-errors", d({"supervisor_id": "clicks-archive", "etag": "v4", "spec": kafka_spec("docs-clicks", task_count=2)}),
         f"{SVC}/UpdateSupervisor")

    # Checkpoints, as workers' commits would leave them
    commit("clicks", "task-0", (0, 0, 40))
    commit("clicks", "task-1", (1, 0, 25))
    commit("clicks-replay", "task-0", (1, 20, 30))
    commit("clicks-nolocks", "task-0", (0, 0, 70))
    commit("clicks-nolocks", "task-0", (1, 0, 70), (2, 0, 70))

    # GetOffsets
    call("get-offsets", d({"supervisor_id": "clicks"}), f"{SVC}/GetOffsets", "-emit-defaults ")
    call("get-offsets-bounded", d({"supervisor_id": "clicks-replay"}), f"{SVC}/GetOffsets", "-emit-defaults ")
    gone = kafka.create("docs-gone", 1)
    t.name("docs-gone", gone)
    call(None, d({"supervisor_id": "gone", "spec": kafka_spec("docs-gone", task_count=1)}), f"{SVC}/CreateSupervisor")
    kafka.delete(gone)
    deadline = time.monotonic() + 60  # the broker may answer for a deleted topic for a few seconds (note 3)
    while call(None, d({"supervisor_id": "gone"}), f"{SVC}/GetOffsets")[0] != 73 and time.monotonic() < deadline:
        time.sleep(0.5)
    call("get-offsets-errors", d({"supervisor_id": "gone"}), f"{SVC}/GetOffsets")

    # ResetOffsets
    t.run("reset-offsets-dry-run", f"""grpcurl -plaintext -emit-defaults -d '{{
  "supervisor_id": "clicks-nolocks",
  "targets": [
    {{"partition": 0, "offset": 10}},
    {{"partition": 1, "timestamp": "2020-01-01T00:00:00Z"}},
    {{"partition": 2, "timestamp": "2030-01-01T00:00:00Z"}}
  ],
  "dry_run": true
}}' {A} {SVC}/ResetOffsets""")
    def reset(offset) -> str:
        return f"""'{{
  "supervisor_id": "clicks-nolocks",
  "targets": [{{"partition": 0, "offset": {offset}}}],
  "request_id": "8d5a3c1e-0b7f-4c55-9a57-2f3e1d6c0a11"
}}'"""
    call("reset-offsets-replay", reset(10), f"{SVC}/ResetOffsets", "-emit-defaults ")
    call("reset-offsets-replay", reset(10), f"{SVC}/ResetOffsets", "-emit-defaults ")
    call("reset-offsets-reused", reset(20), f"{SVC}/ResetOffsets")
    for targets in ('[{"partition": 0, "offset": 500}, {"partition": 9, "offset": 1}]',
                    '[{"partition": 0, "offset": 500}, {"partition": 1, "offset": 101}]',
                    '[{"partition": 0}, {"partition": 0, "offset": -5}]'):
        call("reset-offsets-errors", f"""'{{
  "supervisor_id": "clicks-nolocks",
  "targets": {targets}
}}'""", f"{SVC}/ResetOffsets")

    # ResetSupervisor
    call("reset-supervisor", d({"supervisor_id": "clicks-nolocks", "dry_run": True}), f"{SVC}/ResetSupervisor", "-emit-defaults ")
    call("reset-supervisor", d({"supervisor_id": "clicks-nolocks", "request_id": "3f0c9a4e-hard-reset-1"}), f"{SVC}/ResetSupervisor", "-emit-defaults ")
    call("reset-supervisor", d({"supervisor_id": "clicks-nolocks", "request_id": "3f0c9a4e-hard-reset-1"}), f"{SVC}/ResetSupervisor", "-emit-defaults ")
    call("reset-supervisor-bounded", d({"supervisor_id": "clicks-replay", "dry_run": True}), f"{SVC}/ResetSupervisor", "-emit-defaults ")
    call("reset-supervisor-errors", d({"supervisor_id": "clicks-archive"}), f"{SVC}/ResetSupervisor")

    # ResetToLatestAndBackfill: the guardrails
    rtlb = f"{SVC}/ResetToLatestAndBackfill"
    call(None, d({"supervisor_id": "clicks-paused", "spec": kafka_spec("docs-clicks", task_count=1, context={"useConcurrentLocks": "true"})}),
         f"{SVC}/CreateSupervisor")
    call(None, d({"supervisor_id": "clicks-paused"}), f"{SVC}/SuspendSupervisor")
    for sid in ("clicks-replay", "clicks-earliest", "clicks-nolocks", "clicks-paused"):
        call("rtlb-guardrails", d({"supervisor_id": sid}), rtlb)
    call(None, d({"supervisor_id": "clicks-paused"}), f"{SVC}/ResumeSupervisor")
    call("rtlb-guardrails-running", d({"supervisor_id": "clicks-paused"}), rtlb)
    call("rtlb-guardrails-running", d({"supervisor_id": "clicks", "backfill_task_count": 0, "request_id": ""}), rtlb)

    # Retention deletes the head of partition 1; then the reset
    kafka.delete_records(clicks, 1, 60)
    _, out = call("rtlb-dry-run", d({"supervisor_id": "clicks", "backfill_task_count": 1, "dry_run": True}), rtlb,
                  "-emit-defaults ")
    plan_token = json.loads(out)["planToken"]
    t.run("rtlb", f"""grpcurl -plaintext -emit-defaults -d '{{
  "supervisor_id": "clicks",
  "backfill_task_count": 1,
  "request_id": "b7e2f0d4-6a1c-4e8e-9d3b-5c0a7f1e2d90",
  "plan_token": "{plan_token}"
}}' {A} {rtlb}""")
    # The same reviewed plan once more: the reset above moved the generation, so the token is stale.
    call("rtlb-plan-stale", d({"supervisor_id": "clicks", "backfill_task_count": 1, "plan_token": plan_token}), rtlb)
    backfill = f"clicks_backfill_{SUFFIXES[0]}"
    call("rtlb-backfill-offsets", d({"supervisor_id": backfill}), f"{SVC}/GetOffsets", "-emit-defaults ")
    call("get-supervisor", d({"supervisor_id": backfill}), f"{SVC}/GetSupervisor")

    # Fencing: what the commits of an in-flight task and of the backfill get after the reset
    def attempt(label, sid, generation, *ranges):
        try:
            seg = server.service.commit_checkpoint(sid, "task-x", generation, [OffsetRange(*r) for r in ranges],
                                                   f"file:///data/seg-fence-{label.split(',')[0].replace(' ', '-')}", 1)
            return f"{label}: accepted, segment {seg}"
        except DomainError as e:
            return f"{label}: {type(e).__name__} {e.reason} {e.metadata}"
    lines = [attempt("in-flight main task, gen 1, p0 [40,70)", "clicks", 1, (0, 40, 70)),
             attempt("backfill p0 [40,70)", backfill, 1, (0, 40, 70)),
             attempt("backfill p0 [40,70) again", backfill, 1, (0, 40, 70)),
             attempt("backfill p0 [70,120)", backfill, 1, (0, 70, 120))]
    t.note("rtlb-fencing", "# docs/transcripts.py: commits through the service, as CommitCheckpoint makes them\n"
           + "\n".join(lines) + "\n")

    # ListSupervisorHistory
    history = f"{SVC}/ListSupervisorHistory"
    _, out = call("history", d({"supervisor_id": "clicks", "page_size": 1}), history)
    token = json.loads(out)["nextPageToken"]
    t.run("history", f"grpcurl -plaintext -d {d({'supervisor_id': 'clicks', 'page_size': 5, 'page_token': token})} {A} {history}"
                     " | jq -c '.events[] | {id, action, generationBefore, generationAfter}'")
    call("history-backfill", d({"supervisor_id": backfill}), history)
    t.run("history-archive", f"grpcurl -plaintext -d {d({'supervisor_id': 'clicks-archive'})} {A} {history}"
                             " | jq -c '.events[] | {id, action, stateBefore, stateAfter}'")
    call("history-errors", d({"supervisor_id": "clicks-archive", "page_token": token}), history)

    # The repeated reset: nothing to backfill, but the generation still moves
    call("rtlb-repeat", d({"supervisor_id": "clicks"}), rtlb, "-emit-defaults ")

    # ListSegments: the family of clicks (its segments and its backfill's), a filtered page, the errors
    segments = f"{SVC}/ListSegments"
    _, out = call("list-segments", d({"supervisor_id": "clicks", "include_backfills": True, "page_size": 2}),
                  segments)
    token = json.loads(out).get("nextPageToken", "")
    if token:
        t.run("list-segments", f"grpcurl -plaintext -d {d({'supervisor_id': 'clicks', 'include_backfills': True, 'page_size': 2, 'page_token': token})} {A} {segments}"
                               " | jq -c '.segments[] | {segmentId, supervisorId, location, ranges}'")
    call("list-segments-filtered", d({"supervisor_id": "clicks", "include_backfills": True, "partition": 0,
                                      "start_offset": 60, "end_offset": 80}), segments)
    call("list-segments-filtered", d({"supervisor_id": "clicks", "include_backfills": True,
                                      "location": "file:///data/seg-fence-backfill-p0-[40"}), segments)
    call("list-segments-filtered", d({"supervisor_id": "clicks", "location": "file:///data/seg-fence-backfill-p0-[40"}),
         segments)
    call("list-segments-errors", d({"supervisor_id": "nope"}), segments)
    call("list-segments-errors", d({"supervisor_id": "clicks", "partition": -1, "start_offset": 80, "end_offset": 60,
                                    "page_size": -1}), segments)
    call("list-segments-errors", d({"supervisor_id": "clicks", "page_token": token or "x"}), segments)

    # GetCoverage errors; TaskService calls that need no task
    call("coverage-errors", d({"supervisor_id": "nope"}), f"{SVC}/GetCoverage")
    call("coverage-errors", d({"supervisor_id": "bad id"}), f"{SVC}/GetCoverage")
    call("acquire-task-errors", d({"lease_seconds": 601, "stream_types": ["STREAM_TYPE_UNSPECIFIED"]}), f"{TASKS}/AcquireTask")
    call("acquire-task-errors", d({"lease_seconds": 601}), f"{TASKS}/AcquireTask")
    call("heartbeat-errors", d({"task_id": "0000000000000000000000000000dead", "worker_id": "worker-a"}), f"{TASKS}/Heartbeat")
    call("heartbeat-errors", d({"task_id": "", "worker_id": "worker-a", "lease_seconds": -1}), f"{TASKS}/Heartbeat")

    # Supervisor health; batch actions (on supervisors of their own, so nothing above changes)
    call("supervisor-health", d({"supervisor_id": "clicks"}), f"{SVC}/GetSupervisorHealth")
    call("supervisor-health", d({"supervisor_id": "clicks-archive"}), f"{SVC}/GetSupervisorHealth")
    t.run("supervisor-health", f"grpcurl -plaintext -d {d({'service': 'streamvisor.supervisor/clicks'})} {A} "
                               "grpc.health.v1.Health/Check")
    for name in ("orders-eu", "orders-us", "orders-apac"):
        call(None, d({"supervisor_id": name, "spec": kafka_spec("docs-clicks", task_count=1)}), f"{SVC}/CreateSupervisor")
    call(None, d({"supervisor_id": "orders-apac"}), f"{SVC}/SuspendSupervisor")
    batch = f"{SVC}/BatchSuspendSupervisors"
    call("batch-suspend", d({"filter": {"id_prefix": "orders-"}, "dry_run": True}), batch)
    call("batch-suspend", d({"filter": {"id_prefix": "orders-"}}), batch)
    call("batch-suspend-errors", d({"filter": {}}), batch)

    # Health and reflection
    health = "grpc.health.v1.Health"
    t.run("health", f"grpcurl -plaintext {A} {health}/Check")
    call("health", d({"service": SVC}), f"{health}/Check")
    call("health", d({"service": TASKS}), f"{health}/Check")
    call("health", d({"service": "no.such.Service"}), f"{health}/Check")
    call("health-watch", d({"service": ""}), f"{health}/Watch", "-max-time 2 ")
    t.run("reflection-describe", f"grpcurl -plaintext {A} describe {SVC}")
    t.run("reflection-describe", f"grpcurl -plaintext {A} describe {TASKS}")
    t.run("reflection-describe", f"grpcurl -plaintext {A} describe streamvisor.v1.ResetToLatestAndBackfillRequest")
    t.run("reflection-template", f"grpcurl -plaintext -msg-template {A} describe streamvisor.v1.ResetOffsetsRequest")
    t.run("reflection-template-commit", f"grpcurl -plaintext -msg-template {A} describe streamvisor.v1.CommitCheckpointRequest")


# --- running it -----------------------------------------------------------------------------------------

@contextmanager
def live_server(bootstrap: str):
    from streamvisor.api.server import StreamvisorServer
    from streamvisor.config import ServerConfig

    with tempfile.TemporaryDirectory(prefix="sv-docs-") as tmp:
        server = StreamvisorServer(ServerConfig(
            listen="127.0.0.1:0", database_url=f"sqlite:///{tmp}/streamvisor.db", log_level="WARNING",
            default_consumer_properties={"bootstrap.servers": bootstrap}, scheduler=False, shutdown_grace_s=0))
        server.start()
        try:
            yield server
        finally:
            server.stop(0)


def record() -> dict[str, str]:
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP")
    if not bootstrap:
        sys.exit('KAFKA_BOOTSTRAP is not set: start a broker with eval "$(bash scripts/kafka.sh start)"')
    kafka = Kafka(bootstrap)
    try:
        with live_server(bootstrap) as server:
            recorder = Recorder(f"127.0.0.1:{server.port}", bootstrap)
            story(recorder, kafka, server)
            return recorder.rendered()
    finally:
        kafka.delete(*kafka.created)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if a block differs")
    parser.add_argument("--only", default="", help="comma-separated block names: compare only these")
    args = parser.parse_args(argv)

    text = DOCS.read_text()
    in_doc = {m.group(1): m.group(2) for m in MARKER.finditer(text)}
    produced = record()
    only = set(filter(None, args.only.split(","))) or set(in_doc) | set(produced)
    problems = [f"{name}: marked in docs/api.md, but the script does not produce it" for name in sorted(in_doc.keys() - produced.keys())]
    problems += [f"{name}: produced, but docs/api.md has no marker for it" for name in sorted(produced.keys() - in_doc.keys())]
    differ = sorted(n for n in only & produced.keys() & in_doc.keys() if in_doc[n] != produced[n])

    if args.check:
        for name in differ:
            import difflib
            diff = difflib.unified_diff(in_doc[name].splitlines(), produced[name].splitlines(), "docs/api.md", "now", lineterm="", n=1)
            problems.append(f"{name}: differs\n" + "\n".join(list(diff)[:40]))
        for p in problems:
            print(p, file=sys.stderr)
        print(f"{len(produced)} transcripts, {len(differ)} differ", file=sys.stderr)
        return 1 if problems else 0

    new = MARKER.sub(lambda m: f"<!-- transcript: {m.group(1)} -->\n{produced.get(m.group(1), m.group(2))}<!-- /transcript -->", text)
    DOCS.write_text(new)
    for p in problems:
        print(p, file=sys.stderr)
    print(f"{len(produced)} transcripts, {len(differ)} rewritten", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
