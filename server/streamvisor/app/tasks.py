"""Use cases of the workers' API: lease, heartbeat, commit (the compare-and-swap that publishes a
segment), complete, fail."""
from __future__ import annotations

import dataclasses
import logging
import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Callable, Mapping, Sequence

from streamvisor import logs
from streamvisor.app.core import Core, utcnow
from streamvisor.app.grouping import GroupQueue, Pending
from streamvisor.app.offsets import Offsets
from streamvisor.domain.formatting import offsets_text, ranges_text
from streamvisor.domain.errors import (
    Conflict, DomainError, FailedPrecondition, FieldViolation, InvalidArgument, NotFound, Violations,
)
from streamvisor.domain.model import OffsetRange, StreamType, Supervisor, SupervisorState
from streamvisor.domain.offsets import (
    CHECKPOINT_BEYOND_LATEST, STREAM_RECREATED, range_shape_violations, validate_commit,
)
from streamvisor.domain.ports import (
    CommitReads, MetadataStore, NarrowTransactionExceeded, Segment, Transaction, TaskTransaction,
)
from streamvisor.domain.stats import Counters, advance, validate_counters, with_error
from streamvisor.domain.tasks import (
    DEFAULT_LEASE_SECONDS, MAX_LEASE_SECONDS, TaskRecord, TaskState, plan_lease, range_finished, stop_reason,
)

if TYPE_CHECKING:
    from streamvisor.app.supervisors import SupervisorService

log = logging.getLogger("streamvisor.tasks")

MAX_WORKER_ID_LENGTH = 255
# In UTF-8 bytes: a location is a key of the (supervisor_id, location) index, and PostgreSQL's B-tree
# refuses entries past about 2,700 bytes (a third of a page) - a longer one failed the commit INTERNAL.
MAX_LOCATION_BYTES = 2048


def new_task_id() -> str:
    return uuid.uuid4().hex


def lease_length(seconds: int, violations: Violations, field: str = "lease_seconds") -> timedelta:
    if seconds == 0:
        return timedelta(seconds=DEFAULT_LEASE_SECONDS)
    if not 1 <= seconds <= MAX_LEASE_SECONDS:
        violations.add(field, f"must be between 1 and {MAX_LEASE_SECONDS} (or 0 for the default), got {seconds}")
    return timedelta(seconds=seconds)


def _check_worker(worker_id: str, violations: Violations) -> None:
    if not worker_id:
        violations.add("worker_id", "must not be empty")
    elif len(worker_id) > MAX_WORKER_ID_LENGTH:
        violations.add("worker_id", f"must be at most {MAX_WORKER_ID_LENGTH} characters")


def _check_task_id(task_id: str, violations: Violations) -> None:
    if not task_id:
        violations.add("task_id", "must not be empty")
    elif len(task_id) > 64:
        violations.add("task_id", "must be at most 64 characters")


class Commits:
    """The exactly-once protocol's compare-and-swap: one segment published and the checkpoints advanced,
    atomically, or nothing. Used by TaskService.CommitCheckpoint and by tests and benchmarks directly."""

    def __init__(self, core: Core):
        self.core = core

    def commit_checkpoint(self, supervisor_id: str, task_id: str, generation: int, ranges: Sequence[OffsetRange],
                          location: str, record_count: int,
                          task_starts: Mapping[int, int] | None = None) -> int:
        core = self.core
        with core.store.transaction() as tx:
            supervisor = core.require(tx, supervisor_id, lock=True)
            segment_id, _ = self.publish(tx, supervisor, task_id, generation, ranges, location, record_count,
                                         task_starts)
        self.accepted(supervisor_id, task_id, generation, segment_id, ranges, location, record_count)
        return segment_id

    def publish(self, tx: Transaction, supervisor: Supervisor, task_id: str, generation: int,
                ranges: Sequence[OffsetRange], location: str, record_count: int,
                task_starts: Mapping[int, int] | None = None,
                checkpoints: dict[int, int] | None = None,
                renew_task: tuple[str, datetime, datetime] | None = None) -> tuple[int, dict[int, int]]:
        """The CAS inside the caller's transaction, which must hold `supervisor`'s row lock, as the last
        thing the transaction does (its writes are sent with the COMMIT: see Transaction.write_commit).
        `checkpoints`: the supervisor's, if the caller read them under that lock already (it may be changed).
        `renew_task`: (task id, lease end, update time) to renew the task's lease with the same writes.

        Returns the segment id and the checkpoints after it. A bounded supervisor whose every range is
        now published becomes COMPLETED in the same transaction. Accepted commits are counted by the caller
        once its transaction committed.
        """
        core = self.core
        if checkpoints is None:
            checkpoints = tx.get_checkpoints(supervisor.id)
        try:
            new = validate_commit(supervisor, generation, list(ranges), checkpoints, task_starts)
        except (Conflict, InvalidArgument, FailedPrecondition) as rejected:
            logs.info(log, "commit rejected", supervisor_id=supervisor.id, task_id=task_id, generation=generation,
                      reason=rejected.reason, ranges=ranges_text(list(ranges)))
            core.observer.commit_rejected(supervisor.id, rejected.reason)
            raise
        checkpoints.update(new)
        completed = supervisor.spec.is_complete(checkpoints)
        if completed:  # before the commit's writes, which end the transaction
            after = supervisor.changed(core.clock(), state=SupervisorState.COMPLETED, state_detail="")
            tx.update_supervisor(after)
            core.audit(tx, supervisor, after, "COMPLETE", "system")
        if core.streams.has_lineage(supervisor.spec.stream_type):
            # A commit is what can read a closed shard to its end: the scheduler re-plans which shards are
            # leasable (app/leasing.py) - one ListShards per committing supervisor and pass, none at rest.
            # Before write_commit, which ends the transaction.
            tx.mark_for_scheduling(supervisor.id, core.clock())
        # Checkpoints, segment, coverage rows (maintained in the same transaction), lease renewal.
        segment_id = tx.write_commit(Segment(supervisor.id, task_id, generation, tuple(ranges), location,
                                             record_count, core.clock()), new, renew_task)
        if completed:
            logs.info(log, "bounded supervisor completed", supervisor_id=supervisor.id,
                      ranges=ranges_text(list(supervisor.spec.bounded_ranges)))
        return segment_id, checkpoints

    def accepted(self, supervisor_id: str, task_id: str, generation: int, segment_id: int,
                 ranges: Sequence[OffsetRange], location: str, record_count: int) -> None:
        """Logs and counts a commit whose transaction committed (not before: a commit group's transaction
        may still fail, and its commits run again on their own)."""
        logs.info(log, "commit accepted", supervisor_id=supervisor_id, task_id=task_id, generation=generation,
                  segment_id=segment_id, ranges=ranges_text(list(ranges)), records=record_count, location=location)
        self.core.observer.commit_accepted(supervisor_id)


class TaskService:
    def __init__(self, store: MetadataStore, supervisors: "SupervisorService",
                 clock: Callable[[], datetime] = utcnow, group_commits: bool = True):
        self.store = store
        self.core: Core = supervisors.core
        self.commits: Commits = supervisors.commits
        self.offsets: Offsets = supervisors.offsets
        self.clock = clock
        # Concurrent commits share one transaction where the store can (app/grouping.py says why).
        self.commit_queue: GroupQueue[CommitCall, tuple[int, bool]] | None = (
            GroupQueue(self.run_commit_group) if group_commits and getattr(store, "groups_commits", False) else None)

    @staticmethod
    def _require_task(tx: TaskTransaction, task_id: str) -> TaskRecord:
        task = tx.get_task(task_id, lock=True)
        if task is None:
            raise NotFound("TASK_NOT_FOUND", f"task {task_id!r} not found", {"task_id": task_id})
        return task

    @classmethod
    def _held_task(cls, tx: TaskTransaction, task_id: str, worker_id: str,
                   task: TaskRecord | None = None) -> TaskRecord:
        """The task (as read and locked already, or now), if `worker_id` holds its lease; the errors a stale
        or foreign worker gets otherwise."""
        task = task or cls._require_task(tx, task_id)
        if task.state in (TaskState.DONE, TaskState.FENCED):
            raise FailedPrecondition("TASK_ENDED", f"task {task_id!r} is {task.state.value}",
                                     {"task_id": task_id, "state": task.state.value})
        if not task.held_by(worker_id):
            raise Conflict("LEASE_LOST", f"worker {worker_id!r} does not hold task {task_id!r}",
                           {"task_id": task_id, "worker_id": worker_id, "holder": task.worker_id or "none"})
        return task

    def acquire(self, worker_id: str, lease_seconds: int = 0,
                stream_types: Sequence[StreamType] = ()) -> tuple[TaskRecord, Supervisor, str, str] | None:
        """The leased task, its supervisor, the supervisor's family root (where a sink writes) and the
        identity of the stream its checkpoints are of ("" when none is recorded). No broker call: the worker
        compares the identity with the stream's (a broker that does not answer must not hold this call)."""
        v = Violations()
        _check_worker(worker_id, v)
        lease = lease_length(lease_seconds, v)
        v.raise_if_any()
        now = self.clock()
        with self.store.transaction() as tx:
            for task in tx.leasable_tasks(now, frozenset(stream_types), limit=16):
                supervisor = tx.get_supervisor(task.supervisor_id, lock=True)
                if (supervisor is None or supervisor.state is not SupervisorState.RUNNING
                        or supervisor.generation != task.generation):
                    continue
                plan = plan_lease(supervisor, task.task_group, tx.get_checkpoints(supervisor.id))
                if plan is None:  # the scheduler has not resolved every start offset yet
                    continue
                if plan.empty:
                    tx.update_task(dataclasses.replace(task, state=TaskState.DONE, worker_id=None,
                                                       lease_expires_at=None, update_time=now))
                    continue
                if task.state is TaskState.LEASED:
                    logs.info(log, "lease expired", task_id=task.id, supervisor_id=task.supervisor_id,
                              worker_id=task.worker_id)
                    self.core.observer.lease_expired(task.supervisor_id, task.id)
                leased = dataclasses.replace(
                    task, state=TaskState.LEASED, worker_id=worker_id, lease_expires_at=now + lease,
                    start_offsets=plan.start_offsets, end_offsets=plan.end_offsets, update_time=now)
                tx.update_task(leased)
                logs.info(log, "task leased", task_id=task.id, supervisor_id=task.supervisor_id, group=task.task_group,
                          generation=task.generation, worker_id=worker_id, start=offsets_text(plan.start_offsets),
                          end=offsets_text(plan.end_offsets))
                # The stream the checkpoints are of: the worker refuses to publish what it reads from another.
                identity = tx.get_stream_identities([supervisor.id]).get(supervisor.id, "")
                return leased, supervisor, self.core.family_root(tx, supervisor), identity
        return None

    def heartbeat(self, task_id: str, worker_id: str, lease_seconds: int = 0,
                  report: tuple[Counters, str] | None = None) -> tuple[str, datetime | None, bool]:
        """("", new lease end, publish now?) to continue, or (stop reason, None, False). `report`: the
        worker's (cumulative counters, phase) for GetSupervisorStats, kept only while it holds the lease.
        "Publish now" is an operator's early handoff (HandoffTaskGroups)."""
        v = Violations()
        _check_task_id(task_id, v)
        _check_worker(worker_id, v)
        lease = lease_length(lease_seconds, v)
        if report is not None:
            validate_counters(report[0], "report.counters", v)
        v.raise_if_any()
        now = self.clock()
        delta = None
        with self.store.transaction() as tx:
            task = self._require_task(tx, task_id)
            # The lease holder's report counts even when it is told to stop (its task completed, say): the
            # records it published are real. Another worker's report is not kept.
            if report is not None and task.worker_id == worker_id:
                previous = tx.get_task_stats(task_id)
                stats = advance(previous, worker_id, report[0], report[1], now)
                tx.put_task_stats(task_id, task.supervisor_id, stats, now)
                delta = stats.totals.since(previous.totals if previous else Counters())
            reason = stop_reason(task, tx.get_supervisor(task.supervisor_id), worker_id, now)
            publish_now = False
            if not reason:
                renewed = dataclasses.replace(task, lease_expires_at=now + lease, update_time=now)
                tx.update_task(renewed)
                publish_now = tx.handoff_requested(task_id)
        if delta is not None:
            self.core.observer.task_reported(task.supervisor_id, delta)
        if reason:
            logs.info(log, "task told to stop", task_id=task_id, supervisor_id=task.supervisor_id,
                      worker_id=worker_id, reason=reason)
            return reason, None, False
        return "", renewed.lease_expires_at, publish_now

    def commit(self, task_id: str, worker_id: str, ranges: Sequence[OffsetRange], location: str,
               record_count: int) -> tuple[int, bool]:
        """Publishes a segment for a leased task; returns (segment id, whether the task's range is done)."""
        v = Violations()
        _check_task_id(task_id, v)
        _check_worker(worker_id, v)
        if not location:
            v.add("location", "must not be empty")
        elif len(location.encode()) > MAX_LOCATION_BYTES:
            v.add("location", f"must be at most {MAX_LOCATION_BYTES} bytes in UTF-8, got {len(location.encode())}")
        if record_count < 0:
            v.add("record_count", f"must be >= 0, got {record_count}")
        range_shape_violations(list(ranges), v)
        # Each record has an offset of its own, so a segment holds at most its ranges' size of them (fewer
        # past transaction markers, or for sparse Kinesis sequence numbers); `verify` relies on the bound.
        size = sum(r.end - r.start for r in ranges if r.end > r.start)
        if record_count > size:
            v.add("record_count", f"must be at most the ranges' size ({size}): each record has an offset of its "
                                  f"own, got {record_count}")
        v.raise_if_any()  # one response names every bad field
        call = CommitCall(task_id, worker_id, tuple(ranges), location, record_count)
        if self.commit_queue is not None:
            done = self.commit_queue.submit(call)
            if done.error is not None:
                raise done.error
            if not done.alone:
                return done.result
        try:
            # Most commits need only the commit path's statements: a narrow transaction is cheaper.
            return self._commit(call, narrow=True)
        except NarrowTransactionExceeded:
            # E.g. the commit completes a bounded supervisor (its state and audit rows), or the stream kind
            # has lineage (a scheduling mark): rolled back, nothing kept; the same checks run again in full.
            return self._commit(call, narrow=False)

    def _commit(self, call: "CommitCall", narrow: bool) -> tuple[int, bool]:
        now = self.clock()
        with self.store.transaction(narrow=narrow) as tx:
            outcome = self._commit_in(tx, call, now, tx.read_commit(call.task_id, call.location, call.ranges))
        if outcome.accepted:
            self.commits.accepted(outcome.supervisor_id, call.task_id, outcome.generation, outcome.segment_id,
                                  call.ranges, call.location, call.record_count)
        return outcome.segment_id, outcome.done

    def run_commit_group(self, group: Sequence[Pending["CommitCall", tuple[int, bool]]]) -> None:
        """One transaction for the group's commits (the store's CommitGroup). Members are independent by
        construction: a commit whose task, (supervisor, partition) or (supervisor, location) an earlier member
        holds runs on its own afterwards, so each member's reads are exactly what it would read alone after
        the members before it. The one thing a member reads of the others is the supervisor's checkpoints of
        other partitions (is the bounded supervisor complete?): laid over from the earlier members. A member
        that needs more than the commit path (completion, a missing task) runs on its own too; so does every
        member when the group's transaction fails (each then succeeds or fails for its own reasons)."""
        now = self.clock()
        accepted: list[tuple[Pending, _CommitOutcome]] = []
        try:
            with self.store.commit_group() as transaction:
                members = transaction.read_commits([(p.request.task_id, p.request.location, p.request.ranges)
                                                    for p in group])
                held: set = set()
                advanced: dict[str, dict[int, int]] = {}  # per supervisor, the checkpoints earlier members set
                for pending, member in zip(group, members):
                    call, reads = pending.request, member.reads
                    keys = {("task", call.task_id)}
                    if reads.supervisor is not None:
                        sid = reads.supervisor.id
                        keys |= {(sid, r.partition) for r in call.ranges} | {(sid, "location", call.location)}
                        reads.checkpoints.update(advanced.get(sid, {}))
                    if keys & held:
                        member.discard()
                        pending.alone = True
                        continue
                    try:
                        outcome = self._commit_in(member, call, now, reads)
                    except NarrowTransactionExceeded:
                        member.discard()
                        pending.alone = True
                        continue
                    except DomainError as e:  # rejected: nothing of it is written
                        member.discard()
                        pending.error = e
                        continue
                    pending.result = (outcome.segment_id, outcome.done)
                    held |= keys
                    if outcome.accepted:
                        advanced.setdefault(outcome.supervisor_id, {}).update((r.partition, r.end) for r in call.ranges)
                        accepted.append((pending, outcome))
                transaction.commit()
        except Exception as e:
            # The group's transaction failed (the store's Unavailable, a deadlock against another replica's
            # group, one member's write refused by a constraint): nothing of it was kept, and each commit runs
            # again on its own, where it succeeds or fails for its own reasons (a replay is answered as such).
            logs.warning(log, "commit group rolled back; its commits run one by one", commits=len(group),
                         error=type(e).__name__, reason=getattr(e, "reason", "-"))
            for pending in group:
                if pending.error is None:
                    pending.result, pending.alone = None, True
            return
        for pending, outcome in accepted:
            call = pending.request
            self.commits.accepted(outcome.supervisor_id, call.task_id, outcome.generation, outcome.segment_id,
                                  call.ranges, call.location, call.record_count)

    def _commit_in(self, tx: TaskTransaction, call: "CommitCall", now: datetime,
                   reads: CommitReads) -> "_CommitOutcome":
        """A commit's checks and writes in `tx`, from its reads under the task's and supervisor's row locks."""
        task_id, worker_id, ranges, location = call.task_id, call.worker_id, call.ranges, call.location
        task, supervisor, replayed, checkpoints = reads.task, reads.supervisor, reads.replayed, reads.checkpoints
        if task is None:
            self._require_task(tx, task_id)  # raises TASK_NOT_FOUND
        if supervisor is None:
            supervisor = self.core.require(tx, task.supervisor_id, lock=True)  # raises SUPERVISOR_NOT_FOUND
        # Replay first, before any lease or state check: a retry whose first attempt was published must
        # be acknowledged even if the task was fenced meanwhile, or the worker would delete a
        # published segment's file.
        if replayed is not None:
            if replayed.task_id != task_id or sorted(replayed.ranges) != sorted(ranges):
                raise InvalidArgument(
                    [FieldViolation("location", "already holds another published segment")],
                    metadata={"location": location[:200], "segment_id": replayed.id})
            logs.info(log, "commit replayed", task_id=task_id, supervisor_id=supervisor.id,
                      segment_id=replayed.id)
            return _CommitOutcome(replayed.id, range_finished(task.end_offsets, checkpoints), supervisor.id,
                                  task.generation, False)
        task = self._held_task(tx, task_id, worker_id, task)
        foreign = [FieldViolation(f"ranges[{i}].partition", f"partition {r.partition} is not in task {task_id}")
                   for i, r in enumerate(ranges) if r.partition not in task.start_offsets]
        if foreign:
            raise InvalidArgument(foreign, metadata={"task_id": task_id})
        streams = self.core.streams
        max_offset = streams.kind(supervisor.spec.stream_type).max_offset \
            if streams.supports(supervisor.spec.stream_type) else None
        beyond = [FieldViolation(f"ranges[{i}].end_offset", f"must be at most {max_offset} (this stream kind's "
                                 f"offsets are int64), got {r.end}")
                  for i, r in enumerate(ranges) if max_offset is not None and r.end > max_offset]
        if beyond:
            raise InvalidArgument(beyond, metadata={"task_id": task_id})
        # A commit is a sign of life: it renews the lease as a heartbeat would, with the same writes.
        remaining = (task.lease_expires_at - task.update_time) if task.lease_expires_at else timedelta(
            seconds=DEFAULT_LEASE_SECONDS)
        segment_id, after = self.commits.publish(
            tx, supervisor, task.id, task.generation, ranges, location, call.record_count, checkpoints=checkpoints,
            renew_task=(task.id, now + remaining, now))
        return _CommitOutcome(segment_id, range_finished(task.end_offsets, after), supervisor.id, task.generation,
                              True)

    def complete(self, task_id: str, worker_id: str) -> None:
        """Ends the lease: the task is DONE if its bounded range is fully published, otherwise it is offered
        again from the checkpoints. Completing a task that is already DONE is a no-op (the scheduler may
        have marked it when the supervisor completed)."""
        self._release(task_id, worker_id, "complete", "")

    def fail(self, task_id: str, worker_id: str, reason: str = "") -> None:
        if len(reason) > 1024:
            raise InvalidArgument([FieldViolation("reason", "must be at most 1024 characters")])
        task = self._release(task_id, worker_id, "fail", reason)
        if task is not None and reason.startswith((CHECKPOINT_BEYOND_LATEST, STREAM_RECREATED)):
            # The worker found its start beyond the stream (maybe only at the moment of a fetch: a topic being
            # recreated). Trust the stream, not the worker: check it - the checkpoints, and whether the topic is
            # the one they were read from - and if so the supervisor turns UNHEALTHY and its tasks are not
            # offered again (no loop).
            try:
                self.offsets.check_checkpoints(task.supervisor_id, actor=f"worker:{worker_id}")
            except DomainError as e:
                logs.warning(log, "checkpoint check after a failed task did not run",
                             supervisor_id=task.supervisor_id, reason=e.reason)

    def _release(self, task_id: str, worker_id: str, how: str, reason: str) -> TaskRecord | None:
        """Ends the lease: DONE when a bounded task read everything, else PENDING (offered again from the
        checkpoints)."""
        v = Violations()
        _check_task_id(task_id, v)
        _check_worker(worker_id, v)
        v.raise_if_any()
        now = self.clock()
        with self.store.transaction() as tx:
            task = self._require_task(tx, task_id)
            if how == "complete" and task.state is TaskState.DONE:
                return None  # the scheduler finished it first (checked under the row lock: no race)
            task = self._held_task(tx, task_id, worker_id, task)
            checkpoints = tx.get_checkpoints(task.supervisor_id)
            state = TaskState.DONE if range_finished(task.end_offsets, checkpoints) else TaskState.PENDING
            tx.update_task(dataclasses.replace(task, state=state, worker_id=None, lease_expires_at=None,
                                               update_time=now))
            tx.clear_handoff(task_id)  # an early handoff ends with the lease, however it ends
            if how == "fail":  # one of the task's recent errors, for GetSupervisorStats
                tx.put_task_stats(task_id, task.supervisor_id,
                                  with_error(tx.get_task_stats(task_id), reason or "(no reason given)", now), now)
        # The task row keeps no reason (task_stats keeps the last few): a failure's reason (e.g.
        # "CHECKPOINT_BEYOND_LATEST partition=0 ...") lives in this line, at WARNING so that it is seen.
        logs.event(log, logging.WARNING if how == "fail" else logging.INFO, "task released", task_id=task_id,
                   supervisor_id=task.supervisor_id, worker_id=worker_id, how=how, state=state.value,
                   checkpoints=offsets_text({p: checkpoints.get(p) for p in task.start_offsets}), reason=reason or "-")
        return task


@dataclasses.dataclass(frozen=True)
class CommitCall:
    """A CommitCheckpoint's arguments, checked for shape."""

    task_id: str
    worker_id: str
    ranges: tuple[OffsetRange, ...]
    location: str
    record_count: int


@dataclasses.dataclass(frozen=True)
class _CommitOutcome:
    segment_id: int
    done: bool  # the task's range is fully published
    supervisor_id: str
    generation: int
    accepted: bool  # published now (False: a replay of one published before); it set each range's end
