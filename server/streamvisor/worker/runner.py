"""The reference ingestion worker: leases tasks over TaskService, reads the stream through its stream
kind's reader (streams/<kind>/reader.py, opened by the registry: Kafka with assign(), never subscribe,
never a consumer-group commit; RabbitMQ Streams - the control plane owns the offsets), writes JSON Lines
segments through a sink (worker/sinks: stage, commit, publish) and publishes each with CommitCheckpoint. A
rejected commit's segment is discarded; one with no verdict is resolved by the task's next holder."""
from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Callable

import grpc

from streamvisor import logs
from streamvisor.client import StreamvisorError, exact, offset_range
from streamvisor.client.tasks import TaskClient
from streamvisor.domain.formatting import offsets_text, ranges_text
from streamvisor.domain.model import StreamType
from streamvisor.domain.ports import CheckpointOutOfRange, StreamKinds, TaskReader
from streamvisor.streams.registry import StreamAdapterRegistry
from streamvisor.v1 import supervisor_pb2 as pb
from streamvisor.v1 import task_service_pb2 as tasks
from streamvisor.worker.sinks import Record, SegmentInfo, Sink, StagedSegment

log = logging.getLogger("streamvisor.worker")


def stream_type_to_pb(stream_type: StreamType) -> int:
    return pb.StreamType.Value(f"STREAM_TYPE_{stream_type.value}")


def stream_type_from_pb(value: int) -> StreamType | None:
    """The task's stream type; a task without one (from a server before RabbitMQ) is Kafka's."""
    if value == pb.STREAM_TYPE_UNSPECIFIED:
        return StreamType.KAFKA
    name = pb.StreamType.Name(value).removeprefix("STREAM_TYPE_") if value in pb.StreamType.values() else ""
    return StreamType.__members__.get(name)


MAX_HOLDER_LENGTH = 255  # the server's limit on worker_id


class TaskStopped(Exception):
    """The control plane told us to stop (fenced, suspended, lease lost): discard unpublished output."""


@dataclass
class WorkerSettings:
    commit_records: int = 1000
    commit_seconds: float = 1.0
    lease_seconds: int = 15
    idle_seconds: float = 0.5
    # Concurrent leases per worker process. Unbounded tasks never end, so a worker with one slot that
    # holds a live supervisor's task could never pick up that supervisor's backfill.
    max_tasks: int = 4
    # After a task fails (its reader cannot open, say), wait this long before leasing again, doubling per
    # failure in a row up to failure_backoff_max_s: otherwise the worker takes the same task straight back
    # and fails it again, dozens of times a second, for as long as the cause lasts.
    failure_backoff_s: float = 0.5
    failure_backoff_max_s: float = 15.0
    # Every so often the worker publishes staged segments the server accepted whose publisher died: a
    # bounded task that finished is never leased again, so no next holder would do it.
    staging_sweep_seconds: float = 10.0


# A deterministic crash point for tests of the two windows of the protocol: the worker process exits
# (os._exit, no cleanup, like a SIGKILL) right after staging a segment ("after-stage") or right after
# the server accepted its commit ("after-commit"), once the segment counter reaches the given number.
# Stop reasons after which the task is never leased again (a fenced task stays fenced), so its staging
# directory, if nothing is staged in it, can go even though this run no longer holds the lease.
ENDED_FOR_GOOD = frozenset({"FENCED", "TERMINATED", "COMPLETED"})

# Commit retries stop this long before the lease could have ended (clock rate differences, the call's own time).
LEASE_MARGIN_S = 1.0

CRASH_POINT = os.environ.get("STREAMVISOR_WORKER_CRASH_POINT", "")
CRASH_AT_SEGMENT = int(os.environ.get("STREAMVISOR_WORKER_CRASH_AT_SEGMENT", "1") or "1")


def _crash_point(where: str, sequence: int) -> None:
    if CRASH_POINT == where and sequence >= CRASH_AT_SEGMENT:
        log.warning("crash point reached where=%s segment=%d: exiting without cleanup", where, sequence)
        logging.shutdown()
        os._exit(70)


class Worker:
    def __init__(self, server: str, sink: Sink, worker_id: str | None = None,
                 settings: WorkerSettings | None = None, client: TaskClient | None = None,
                 kinds: StreamKinds | None = None):
        self.worker_id = worker_id or f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self._leases = 0
        self.client = client or TaskClient(server)
        self.sink = sink
        self.settings = settings or WorkerSettings()
        self.records_published = 0  # across task threads; only a progress figure, races are harmless
        self.kinds = kinds or StreamAdapterRegistry()  # only readers: it opens no adapters here
        self.stream_types = [stream_type_to_pb(t) for t in self.kinds.readable_stream_types()]  # for AcquireTask
        self.failures_in_a_row = 0
        self._backoff_until = 0.0
        self._next_sweep = 0.0
        # Names of segments this process is staging, committing or publishing. The server fences leases by
        # worker id, so when this worker leases a task again while its earlier run of that task still has a
        # commit in flight (the lease expired under it), that commit can still be accepted: recovery must
        # leave such a segment to the thread that owns it.
        self._in_flight: set[str] = set()
        self._in_flight_lock = threading.Lock()

    def run(self, stop: threading.Event) -> None:
        """Leases and runs up to max_tasks tasks at once until `stop` is set (SIGTERM)."""
        logs.info(log, "worker started", worker_id=self.worker_id, max_tasks=self.settings.max_tasks)
        slots = threading.BoundedSemaphore(self.settings.max_tasks)
        running: list[threading.Thread] = []
        while not stop.is_set():
            if time.monotonic() >= self._next_sweep:
                self._next_sweep = time.monotonic() + self.settings.staging_sweep_seconds
                self.sweep_staging()
            pause = self._backoff_until - time.monotonic()
            if pause > 0:
                stop.wait(pause)
                continue
            if not slots.acquire(timeout=self.settings.idle_seconds):
                continue
            holder = self._new_holder()
            try:
                task = self.client.acquire(holder, self.settings.lease_seconds, stream_types=self.stream_types)
            except StreamvisorError as e:
                slots.release()
                logs.warning(log, "acquire failed", worker_id=self.worker_id, error=e)
                stop.wait(self.settings.idle_seconds * 4)
                continue
            if task is None:
                slots.release()
                stop.wait(self.settings.idle_seconds)
                continue
            thread = threading.Thread(target=self._run_task, args=(task, holder, stop, slots),
                                      name=f"task-{task.id[:8]}", daemon=True)
            thread.start()
            running = [t for t in running if t.is_alive()] + [thread]
        for thread in running:
            thread.join(timeout=30)
        logs.info(log, "worker stopped", worker_id=self.worker_id, records_published=self.records_published)
        self.client.close()
        self.sink.close()

    # Staged segments left behind ---------------------------------------------------------------------
    def in_flight(self, name: str, busy: bool) -> None:
        with self._in_flight_lock:
            (self._in_flight.add if busy else self._in_flight.discard)(name)

    def resolve_staged(self, staged: StagedSegment, supervisor_id: str, may_discard: bool) -> str:
        """Asks the server whether a staged segment was published (ListSegments by location): published ->
        publish it (idempotent; another worker may be doing the same), else discard it if `may_discard` (the
        caller knows no one can commit it any more). A segment a thread of this process is still committing
        is left to that thread. Returns what was done."""
        info = staged.info
        with self._in_flight_lock:
            if info is not None and info.name in self._in_flight:
                return "in flight"
        supervisor_id = info.supervisor_id if info is not None else supervisor_id
        segment_id = self.client.find_segment(supervisor_id, staged.location)
        if segment_id is not None and info is not None:
            self.sink.publish(staged.location, segment_id, info)
            logs.info(log, "staged segment published", supervisor_id=supervisor_id, segment_id=segment_id,
                      task_id=info.task_id, location=staged.location, ranges=_info_ranges(info))
            return "published"
        if segment_id is None and may_discard:
            self.sink.discard(staged.location)
            logs.info(log, "staged segment discarded", supervisor_id=supervisor_id,
                      task_id=info.task_id if info else "-", location=staged.location,
                      ranges=_info_ranges(info) if info else "-")
            return "discarded"
        return "kept"

    def _in_commit_order(self, staged: list[StagedSegment], supervisor_id: str) -> list[StagedSegment]:
        """A task's accepted segments are made visible in the order they were accepted (segment id): the
        Iceberg sink's "already in the table?" check is a per-task watermark of the last published id, so a
        later segment published first would hide an earlier one. Unpublished ones come last."""
        if len(staged) < 2:
            return staged
        ids = {s.location: self.client.find_segment(s.info.supervisor_id if s.info else supervisor_id, s.location)
               for s in staged}
        return sorted(staged, key=lambda s: (ids[s.location] is None, ids[s.location] or 0))

    def recover(self, task: tasks.Task) -> None:
        """Run by the lease holder before it reads: every staged segment of this task (left by an earlier
        holder, or by this worker before a restart) is published or discarded. Its earlier holders can no
        longer commit (a commit needs the lease we now hold), so an unpublished one is never going to be.
        The same holds for staged segments of this supervisor's tasks of older generations (fenced)."""
        for staged in self._in_commit_order(self.sink.staged(task.id), task.supervisor_id):
            self.resolve_staged(staged, task.supervisor_id, may_discard=True)
        forget = getattr(self.sink, "forget_task", None)
        for task_id in self._other_staged_tasks(task.id):
            leftovers = self.sink.staged(task_id)
            for staged in self._in_commit_order(leftovers, task.supervisor_id):
                info = staged.info
                if info is not None and info.supervisor_id == task.supervisor_id and info.generation < task.generation:
                    self.resolve_staged(staged, task.supervisor_id, may_discard=True)
            if forget is not None and leftovers and not self.sink.staged(task_id):
                forget(task_id)

    def sweep_staging(self) -> None:
        """Publishes every staged segment the server accepted (a publisher died after its commit). Never
        discards: an unpublished one may be a live task's commit in flight; its next holder decides."""
        try:
            for task_id in self._other_staged_tasks(None):
                known = [staged for staged in self.sink.staged(task_id) if staged.info is not None]
                for staged in self._in_commit_order(known, ""):
                    if staged.info is not None:
                        self.resolve_staged(staged, staged.info.supervisor_id, may_discard=False)
        except (StreamvisorError, OSError) as e:
            logs.warning(log, "staging sweep failed", worker_id=self.worker_id, error=e)

    def _other_staged_tasks(self, own: str | None) -> list[str]:
        listing = getattr(self.sink, "staged_task_ids", None)  # optional: a sink may only know per task
        return [] if listing is None else [t for t in listing() if t != own]

    def _back_off(self) -> float:
        """After a failed task, wait before leasing again: 0.5 s, doubling per failure in a row, at most
        failure_backoff_max_s - or a task that fails at once would be leased back ~50 times a second."""
        self.failures_in_a_row += 1
        delay = min(self.settings.failure_backoff_max_s,
                    self.settings.failure_backoff_s * 2 ** (self.failures_in_a_row - 1))
        self._backoff_until = time.monotonic() + delay
        return delay

    def _new_holder(self) -> str:
        """The id this worker acquires its next lease under: its own id and a lease number. The server fences
        by holder id, so a commit this process sent under an earlier lease of a task (a retry still in
        flight, or one the server sees late) can never be accepted under a later lease of the same task -
        whose recovery may already have discarded that segment's staged file."""
        self._leases += 1
        suffix = f"#{self._leases}"
        return self.worker_id[:MAX_HOLDER_LENGTH - len(suffix)] + suffix

    def _run_task(self, task: tasks.Task, holder: str, stop: threading.Event,
                  slots: threading.BoundedSemaphore) -> None:
        try:
            TaskRun(self, task, stop, holder).run()
            self.failures_in_a_row = 0
        except CheckpointOutOfRange as e:
            # Expected, not a crash: the reason (its first word a token) goes to the control plane, which
            # checks the stream itself and stops offering the task; backing off covers the meantime.
            reason = e.reason[:1024]
            delay = self._back_off()
            logs.warning(log, "task failed", task_id=task.id, supervisor_id=task.supervisor_id,
                         worker_id=self.worker_id, reason=reason, next_lease_in_s=round(delay, 1))
            self._try(lambda: self.client.fail(task.id, holder, reason))
        except Exception:
            delay = self._back_off()
            logs.exception(log, "task failed", task_id=task.id, supervisor_id=task.supervisor_id,
                           worker_id=self.worker_id, failures_in_a_row=self.failures_in_a_row,
                           next_lease_in_s=round(delay, 1))
            self._try(lambda: self.client.fail(task.id, holder, "worker error"))
        finally:
            slots.release()

    def _try(self, call) -> None:
        try:
            call()
        except StreamvisorError as e:
            logs.info(log, "ignored error", worker_id=self.worker_id, error=e)


class TaskRun:
    """One lease of one task: read from the start offsets, publish segments, stop at the end (bounded)."""

    def __init__(self, worker: Worker, task: tasks.Task, stop: threading.Event, holder: str | None = None):
        self.worker, self.task, self.stop = worker, task, stop
        self.holder = holder or worker.worker_id  # the lease's holder id (Worker._new_holder)
        self.client = worker.client
        self.settings = worker.settings
        self.told_to_stop = threading.Event()
        self.reader: TaskReader | None = None  # while _consume runs
        self.stop_reason = ""
        # Exact offsets of any size (the `_decimal` fields; the int64 ones are 0 past int64).
        self.position = {p.partition: exact(p, "start_offset") for p in task.partitions}
        self.ends = {p.partition: exact(p, "end_offset") for p in task.partitions if p.HasField("end_offset")}
        self.segment_start = dict(self.position)
        self.records: list[Record] = []
        self.sequence = 0
        self.family_id = task.family_id or task.supervisor_id  # a server before family ids: its own directory
        # When our lease ends unless renewed (monotonic; from just before the renewing call was sent).
        self.lease_until = time.monotonic() + self.settings.lease_seconds
        # What the heartbeat reports (GetSupervisorStats): cumulative for this lease.
        self.processed = self.processed_bytes = self.thrown_away = 0
        self.phase = pb.TASK_PHASE_READING
        self.handoff = threading.Event()  # an operator asked for an early handoff (HandoffTaskGroups)
        self._ended_published: set = set()  # Kinesis: shards read to their ends whose records are all published

    def run(self) -> None:
        t = self.task
        logs.info(log, "task started", task_id=t.id, supervisor_id=t.supervisor_id, generation=t.generation,
                  worker_id=self.holder, start=offsets_text(self.position), end=offsets_text(self.ends))
        heartbeat = threading.Thread(target=self._heartbeat, name=f"heartbeat-{t.id[:8]}", daemon=True)
        heartbeat.start()
        reader = None
        try:
            self.worker.recover(t)  # what earlier holders staged: publish or discard before reading on
            reader = self._reader()  # inside the try: a reader that cannot open must still stop the heartbeat
            self._consume(reader)
        except TaskStopped:
            logs.info(log, "task stopped", task_id=t.id, supervisor_id=t.supervisor_id, reason=self.stop_reason,
                      unpublished_records=len(self.records))
            if self.stop_reason in ENDED_FOR_GOOD or "TASK_ENDED" in self.stop_reason:
                self._forget_staging()  # the task is never leased again: no one else writes there
        finally:
            self.told_to_stop.set()
            if reader is not None:
                reader.close()
            heartbeat.join(timeout=5)

    def _reader(self) -> TaskReader:
        stream_type = stream_type_from_pb(self.task.stream_type)
        if stream_type is None:
            raise RuntimeError(f"this worker cannot read stream type {self.task.stream_type}")
        return self.worker.kinds.open_reader(stream_type, self.task,
                                             {p: o for p, o in self.position.items() if not self._done(p)})

    def _done(self, partition: int) -> bool:
        end = self.ends.get(partition)
        return end is not None and self.position[partition] >= end

    def _consume(self, reader: TaskReader) -> None:
        self.reader = reader
        last_flush = time.monotonic()
        bounded = bool(self.ends)
        while True:
            if self.told_to_stop.is_set():
                raise TaskStopped()
            if self.stop.is_set():  # worker shutdown: publish what we have, then hand the task back
                self._flush()
                self._end_lease(lambda: self.worker._try(
                    lambda: self.client.fail(self.task.id, self.holder, "worker shutdown")))
                return
            if self.handoff.is_set():  # publish what we hold, then hand the task back: it is offered again
                self._flush()
                self._end_lease(lambda: self.client.complete(self.task.id, self.holder))
                logs.info(log, "task handed off", task_id=self.task.id, supervisor_id=self.task.supervisor_id,
                          offsets=offsets_text(self.position))
                return
            records = reader.poll(0.2)
            for r in records:
                p, offset = r.partition, r.offset
                end = self.ends.get(p)
                if end is not None and offset >= end:
                    self.thrown_away += 1  # past the bounded range: not ours to ingest
                    continue
                self.records.append(Record(p, offset, r.timestamp_ms, r.key, r.value, r.headers))
                self.position[p] = offset + 1
            if not records:
                self._catch_up_positions(reader)
            finished = bounded and all(self._done(p) for p in self.position)
            # Progress, not records: past a transaction's final marker no record comes, and a checkpoint
            # left before it would show a lag of 1 for as long as the topic stays quiet.
            due = self._has_progress() and (len(self.records) >= self.settings.commit_records
                                            or time.monotonic() - last_flush >= self.settings.commit_seconds)
            if not due and self._shard_ended(reader):
                # A Kinesis shard was read to its end: publish at once, so its checkpoint reaches the end and
                # its children become leasable (app/leasing.py) without waiting for commit_seconds.
                due = True
            if due or (finished and self._has_progress()):
                self._flush()
                last_flush = time.monotonic()
            if finished and not self._has_progress():
                self._end_lease(lambda: self.client.complete(self.task.id, self.holder))
                logs.info(log, "task completed", task_id=self.task.id, supervisor_id=self.task.supervisor_id,
                          end=offsets_text(self.position))
                return

    def _shard_ended(self, reader: TaskReader) -> bool:
        """Whether a shard the reader reports finished (read to its end) has records not yet published."""
        finished = getattr(reader, "finished", None)  # only readers of streams with lineage have it
        if finished is None:
            return False
        ended = finished() - self._ended_published
        pending = {p for p in ended if self.position.get(p, 0) > self.segment_start.get(p, 0)}
        self._ended_published |= ended - pending  # nothing left to publish for those
        return bool(pending)

    def _end_lease(self, release: Callable[[], None]) -> None:
        """Ends the lease on purpose (shutdown, handoff, completion): while it is still ours, the task's
        empty staging goes and the final counts are reported; then `release` hands the task back."""
        self._forget_staging()
        self._report_last()
        release()

    def _forget_staging(self) -> None:
        """Removes the task's staging directory if nothing is staged in it - while this worker still holds
        the lease, so that no next holder is writing there yet."""
        forget = getattr(self.worker.sink, "forget_task", None)
        if forget is not None:
            forget(self.task.id)

    def _catch_up_positions(self, reader: TaskReader) -> None:
        """Past transaction markers (RabbitMQ: offset-tracking entries) no record is delivered, but the
        reader's position moves on: use it so a bounded range that ends on such an entry still completes,
        and a live checkpoint reaches the stream's end (lag 0) once the last transaction's marker is read."""
        for p, offset in reader.positions([p for p in self.position if not self._done(p)]).items():
            if offset > self.position[p]:
                end = self.ends.get(p)
                self.position[p] = offset if end is None else min(offset, end)

    def _has_progress(self) -> bool:
        return any(self.position[p] > self.segment_start[p] for p in self.position)

    def _flush(self) -> None:
        spans = [(p, self.segment_start[p], self.position[p])
                 for p in sorted(self.position) if self.position[p] > self.segment_start[p]]
        ranges = [offset_range(*span) for span in spans]
        if not ranges:
            return
        # Is the stream still the one these records came from (a Kafka topic recreated under the task)?
        # Raises CheckpointOutOfRange, so nothing read from the new one is published.
        check_stream = getattr(self.reader, "check_stream", None)
        if check_stream is not None:
            check_stream()
        self.sequence += 1
        t = self.task
        name = f"{t.supervisor_id}-{t.id}-g{t.generation}-{self.sequence:06d}-{uuid.uuid4().hex[:8]}"
        info = SegmentInfo(self.family_id, t.supervisor_id, t.id, t.generation, name,
                           tuple(spans))
        count = len(self.records)
        self.worker.in_flight(name, True)  # before the file exists: a recovery in this process must not take it
        self.phase = pb.TASK_PHASE_PUBLISHING
        try:
            location = self.worker.sink.stage(info, self.records)  # durable, where readers do not look
            self._commit_and_publish(location, info, ranges, count)
        finally:
            self.worker.in_flight(name, False)  # resolved, or left in staging for the next holder
            self.phase = pb.TASK_PHASE_READING

    def _commit_and_publish(self, location: str, info: SegmentInfo, ranges: list, count: int) -> None:
        t = self.task
        _crash_point("after-stage", self.sequence)
        # Retry the commit only while our lease surely lasts. The server fences by worker id: were this
        # worker to lease the task again later, a retry sent after the lease ended could be accepted after
        # the next holder had already discarded this staged segment. Past the lease, the outcome is unknown
        # and the staged file is left for the next holder to resolve.
        sent = time.monotonic()
        budget = max(0.0, min(self.client.retry_for_s, self.lease_until - sent - LEASE_MARGIN_S))
        try:
            response = self.client.commit(t.id, self.holder, ranges, location, count, retry_for_s=budget)
            self.lease_until = sent + self.settings.lease_seconds  # a commit renews the lease
        except StreamvisorError as e:
            if not _definitely_rejected(e):
                # No verdict (unreachable after retries, an internal error, busy, refused credentials): the
                # commit may or may not have been published. Keep the staged file and stop: whoever holds the
                # task next (maybe this worker) asks the server and publishes or discards it (recover()).
                self.stop_reason = f"commit outcome unknown: {e.code.name} {e.reason}".strip()
                logs.warning(log, "segment kept, outcome unknown", task_id=self.task.id,
                             supervisor_id=self.task.supervisor_id, location=location, ranges=ranges_text(ranges))
                raise TaskStopped() from None
            # Rejected by the server (fenced, lease lost, checkpoint moved): never ingested, so discard it.
            # (A retry of a published commit is always acknowledged, however the task changed since.)
            self.worker.sink.discard(location)
            self.stop_reason = f"commit rejected: {e.code.name} {e.reason}"
            logs.info(log, "segment discarded", task_id=self.task.id, supervisor_id=self.task.supervisor_id,
                      location=location, reason=e.reason, ranges=ranges_text(ranges))
            raise TaskStopped() from None
        _crash_point("after-commit", self.sequence)
        # Ingested now. If publishing fails (or this process dies first), the staged file stays: the next
        # holder of the task, or any worker's staging sweep, finds it published and publishes it.
        self.worker.sink.publish(location, response.segment_id, info)
        self.worker.records_published += count
        self.processed += count
        self.processed_bytes += sum(len(r.key or b"") + len(r.value or b"") for r in self.records)
        logs.info(log, "segment published", task_id=t.id, supervisor_id=t.supervisor_id,
                  segment_id=response.segment_id, records=count, ranges=ranges_text(ranges), location=location)
        self.records = []
        self.segment_start = dict(self.position)

    def _report(self) -> tasks.TaskReport:
        return tasks.TaskReport(phase=self.phase, counters=pb.IngestionCounters(
            processed=self.processed, processed_bytes=self.processed_bytes, thrown_away=self.thrown_away))

    def _report_last(self) -> None:
        """Before the lease ends on purpose (completion, handoff, shutdown): the heartbeat thread's next report
        would come too late, so send the final counts now."""
        self.worker._try(lambda: self.client.heartbeat(self.task.id, self.holder,
                                                       self.settings.lease_seconds, self._report()))

    def _heartbeat(self) -> None:
        interval = max(0.2, self.settings.lease_seconds / 3)
        while not self.told_to_stop.wait(interval):
            sent = time.monotonic()
            try:
                response = self.client.heartbeat(self.task.id, self.holder, self.settings.lease_seconds,
                                                 self._report())
            except StreamvisorError as e:
                if e.code == grpc.StatusCode.NOT_FOUND:
                    self.stop_reason = "TASK_NOT_FOUND"
                    self.told_to_stop.set()
                continue  # transient: the lease may still be ours; a commit will tell
            if response.directive == tasks.TASK_DIRECTIVE_STOP:
                self.stop_reason = response.stop_reason
                self.told_to_stop.set()
            else:
                self.lease_until = max(self.lease_until, sent + self.settings.lease_seconds)
                if response.publish_now and not self.handoff.is_set():
                    logs.info(log, "early handoff requested", task_id=self.task.id,
                              supervisor_id=self.task.supervisor_id)
                    self.handoff.set()


def _info_ranges(info: SegmentInfo) -> str:
    return " ".join(f"{p}:[{a},{b})" for p, a, b in info.ranges) or "-"


# Verdicts of the compare-and-swap on this very segment: it was not published, so its file can go.
_REJECTIONS = {grpc.StatusCode.ABORTED, grpc.StatusCode.FAILED_PRECONDITION, grpc.StatusCode.NOT_FOUND,
               grpc.StatusCode.INVALID_ARGUMENT}


def _definitely_rejected(error: StreamvisorError) -> bool:
    """True only when the server looked at this commit and refused it. A `location` complaint means the
    location already holds a published segment: never delete that file."""
    if error.code not in _REJECTIONS or not error.reason:
        return False
    return not any(field == "location" for field, _ in error.field_violations)
