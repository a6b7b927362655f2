"""The scheduler: keeps one task per partition group of every RUNNING supervisor at its generation.

Only one server replica schedules at a time: the holder of the "scheduler" lease row. Even so, every
write it makes is safe to repeat - tasks are unique per (supervisor, generation, group) in the database,
and start offsets are written only where none exist - so a lost lease can never double-schedule.

A pass costs work proportional to what changed, not to what exists (DESIGN.md, "Cost"):

- Supervisors that changed. Every write of a supervisor row (create, update, suspend, resume, reset,
  health, completion, terminate) upserts a scheduling mark in the same transaction (store, port
  `list_scheduling_marks`). A pass settles each marked supervisor - start offsets, its tasks at the new
  generation, fencing and releasing its old tasks - and then deletes the mark if its token is unchanged,
  so a write landing meanwhile is settled by the next pass. The marks live in the database: whichever
  replica leads sees every replica's changes.
- Expired leases: one index-backed select (state LEASED, lease_expires_at <= now) every pass.
- UNHEALTHY supervisors: re-checked against the stream (one index-backed select, then a broker call each)
  at most every `recheck_interval_s`; they wait on the outside world, not on a write.
- A full sweep - the old pass over every active supervisor and every open task - when this replica
  becomes leader and then every `sweep_interval_s` (60 s in the server) as a safety net for a change made
  outside the store's supervisor writes.
"""
from __future__ import annotations

import dataclasses
import logging
import os
import socket
import threading
import time
import uuid
from datetime import datetime, timedelta
from typing import Callable, Iterable

from streamvisor import logs
from streamvisor.domain.formatting import offsets_text
from streamvisor.app.autoscaler import Autoscaling
from streamvisor.app.core import ACTIVE_STATES, utcnow
from streamvisor.app.idle import Idleness
from streamvisor.app.leasing import Leasing
from streamvisor.app.supervisors import SupervisorService
from streamvisor.app.tasks import new_task_id
from streamvisor.domain.errors import DomainError
from streamvisor.domain.model import Supervisor, SupervisorState
from streamvisor.domain.offsets import faulted_for_checkpoints, faulted_for_stream, has_latched_fault
from streamvisor.domain.ports import MetadataStore, StreamAdapters, TaskTransaction
from streamvisor.domain.tasks import TaskRecord, TaskState, task_groups

log = logging.getLogger("streamvisor.scheduler")

LEASE_NAME = "scheduler"
ACTIVE = ACTIVE_STATES
OPEN = frozenset({TaskState.PENDING, TaskState.LEASED})
# Marks (changed supervisors) and expired leases settled per pass; more wait for the next, run at once.
BATCH = 500


class Scheduler:
    def __init__(self, store: MetadataStore, streams: StreamAdapters, supervisors: SupervisorService,
                 interval_s: float = 1.0, lease_ttl_s: float = 10.0, clock: Callable[[], datetime] = utcnow,
                 sweep_interval_s: float = 60.0, recheck_interval_s: float = 0.0,
                 autoscaler: Autoscaling | None = None, idleness: Idleness | None = None):
        self.store = store
        # The lag-based autoscaler and idling run where scheduling runs: on the leader, after each pass.
        self.autoscaler = autoscaler if autoscaler is not None else Autoscaling(supervisors.offsets)
        self.idleness = idleness if idleness is not None else Idleness(supervisors.offsets)
        self.streams = streams
        self.supervisors = supervisors
        self.leasing = Leasing(supervisors.core)
        self.interval_s = interval_s
        self.lease_ttl = timedelta(seconds=lease_ttl_s)
        self.clock = clock
        self.sweep_interval_s = sweep_interval_s
        # 0: every pass (what tests driving run_once by hand expect); the server passes its setting.
        self.recheck_interval_s = recheck_interval_s
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.is_leader = False
        self.passes = 0
        self.sweeps = 0
        self.last_sweep_cpu_s: float | None = None  # thread CPU seconds of the last full sweep
        self._renewed_at: datetime | None = None
        self._next_sweep: float | None = None  # time.monotonic(); None: sweep on the next pass
        self._next_recheck = 0.0
        self._more = False  # the last pass left marks or expired leases for the next one
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # Loop ------------------------------------------------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="scheduler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
        if self.is_leader:
            # Hand over at once instead of making the next leader wait for the TTL.
            now = self.clock()
            with self.store.transaction() as tx:
                if tx.hold_lease(LEASE_NAME, self.holder, now, now):
                    logs.info(log, "scheduler lease released", holder=self.holder)
            self.is_leader = False

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except Exception:
                log.exception("scheduler pass failed", extra={"fields": {"holder": self.holder}})
                self._more = False
            if not self._more:
                self._stop.wait(self.interval_s)

    # One pass --------------------------------------------------------------------------------------
    def run_once(self) -> bool:
        """One scheduling pass if this replica holds (or takes) the lease; returns whether it did."""
        leader = self._hold_lease()
        if leader != self.is_leader:
            logs.info(log, f"scheduler leadership {'taken' if leader else 'lost'}", holder=self.holder)
            self.is_leader = leader
            self._next_sweep = None  # a new leader trusts nothing it saw before: sweep first
            self.autoscaler.forget()
            self.idleness.forget()
        if not leader:
            return False
        if self._next_sweep is None or time.monotonic() >= self._next_sweep:
            self._sweep()
            self._next_sweep = time.monotonic() + self.sweep_interval_s
        else:
            self._settle_changes()
        for name, part in (("autoscaler", self.autoscaler), ("idleness", self.idleness)):
            try:
                part.run_once()
            except Exception:  # never let them stop scheduling
                logs.exception(log, f"{name} pass failed", holder=self.holder)
        self.passes += 1
        return True

    def _hold_lease(self) -> bool:
        """Takes or renews the leader lease. A leader renews once a third of the TTL has passed (not every
        pass: that would be a write transaction several times a second on an idle server)."""
        now = self.clock()
        if self.is_leader and self._renewed_at is not None and now < self._renewed_at + self.lease_ttl / 3:
            return True
        with self.store.transaction() as tx:
            leader = tx.hold_lease(LEASE_NAME, self.holder, now, now + self.lease_ttl)
        self._renewed_at = now if leader else None
        return leader

    def _settle_changes(self) -> None:
        """The cheap pass: marked supervisors, expired leases, and (when due) UNHEALTHY supervisors."""
        now = self.clock()
        with self.store.read() as tx:
            marks = tx.list_scheduling_marks(BATCH)
            expired = tx.expired_leases(now, BATCH)
        self._more = len(marks) == BATCH or len(expired) == BATCH
        self._check_identities_of([supervisor_id for supervisor_id, _ in marks])
        settled = []
        for supervisor_id, token in marks:
            try:
                self._settle(supervisor_id)
            except Exception:  # keep the mark: the next pass tries again
                logs.exception(log, "supervisor not settled", supervisor_id=supervisor_id)
                continue
            settled.append((supervisor_id, token))
        self._clear_marks(settled)
        if expired:
            self._reconcile_expired([t.id for t in expired])
        if time.monotonic() >= self._next_recheck:
            self._next_recheck = time.monotonic() + self.recheck_interval_s
            done = {supervisor_id for supervisor_id, _ in settled}
            for supervisor in self._supervisors(frozenset({SupervisorState.UNHEALTHY})):
                if supervisor.id not in done:
                    self._schedule(supervisor)

    def _settle(self, supervisor_id: str) -> None:
        """Brings one changed supervisor's tasks in line with its state and generation."""
        with self.store.read() as tx:
            supervisor = tx.get_supervisor(supervisor_id)
        if supervisor is not None and supervisor.state in ACTIVE:
            self._schedule(supervisor)
        self._reconcile_tasks(lambda tx: tx.list_tasks(supervisor_id, states=OPEN))

    def _sweep(self) -> None:
        """The safety net over every active supervisor and every open task: on taking the lead, then rarely.
        Set-based: one query finds the supervisors short of a checkpoint or a task at their generation (and
        the UNHEALTHY ones), one the open tasks that need a change; only those are settled. Marks read
        before it are settled by it."""
        cpu, wall = time.thread_time(), time.monotonic()
        now = self.clock()
        with self.store.read() as tx:
            marks = tx.list_scheduling_marks(10 * BATCH)
            summary = tx.scheduling_summary(ACTIVE)
            stale = tx.stale_tasks(now, 10 * BATCH)
        # Supervisors of a kind with lineage are re-planned at every sweep too: a parent may have finished
        # by a change no commit of theirs made (a parent expired out of the stream).
        # Every active supervisor's stream identity, one broker call per cluster: a topic recreated while
        # nothing changed in the store (and no worker hit it) is found here at the latest.
        recreated = self._check_identities([s for s, _, _ in summary if s.state is SupervisorState.RUNNING])
        unsettled = [s for s, checkpoints, tasks in summary if s.id not in recreated and (
                     s.state is not SupervisorState.RUNNING or checkpoints < len(s.partitions)
                     or tasks < len(task_groups(s)) or self.leasing.applies(s))]
        for supervisor in unsettled:
            self._schedule(supervisor)
        if stale:  # covers the marked supervisors' tasks too
            self._reconcile_expired([t.id for t in stale])
        self._clear_marks(marks)
        self._more = len(marks) == 10 * BATCH or len(stale) == 10 * BATCH
        self.sweeps += 1
        self.last_sweep_cpu_s = time.thread_time() - cpu
        logs.info(log, "scheduler sweep finished", holder=self.holder, supervisors=len(summary),
                  unsettled=len(unsettled), stale_tasks=len(stale), marks=len(marks),
                  cpu_ms=round(1000 * self.last_sweep_cpu_s, 1), wall_ms=round(1000 * (time.monotonic() - wall), 1))

    def _clear_marks(self, marks: list[tuple[str, str]]) -> None:
        if marks:
            with self.store.transaction() as tx:
                for supervisor_id, token in marks:
                    tx.clear_scheduling_mark(supervisor_id, token)

    def _schedule(self, supervisor: Supervisor) -> None:
        if faulted_for_checkpoints(supervisor):
            supervisor = self._recheck_checkpoints(supervisor)
            if supervisor is None:
                return
        if faulted_for_stream(supervisor):
            supervisor = self._recheck_identity(supervisor)
            if supervisor is None:
                return
        if self.leasing.applies(supervisor):
            try:
                supervisor = self.leasing.replan(supervisor)  # children whose parents finished join first
            except DomainError as e:
                self._set_health(supervisor, healthy=False, detail=e.reason)
                return
        self._resolve_start_offsets(supervisor)

    def _supervisors(self, states: frozenset[SupervisorState]) -> list[Supervisor]:
        found, after = [], None
        while True:
            with self.store.read() as tx:
                page = tx.list_supervisors(after, BATCH, states, frozenset())
            found += page
            if len(page) < BATCH:
                return found
            after = page[-1].id

    def _recheck_checkpoints(self, supervisor: Supervisor) -> Supervisor | None:
        """An UNHEALTHY supervisor whose checkpoint was beyond the stream stays so until an operator resets
        the partition (or the stream grows past it); then it is RUNNING again. Returns the supervisor to
        schedule, or None while it is still at fault. Only such supervisors cost a broker call per pass."""
        try:
            if self.supervisors.check_checkpoints(supervisor.id):
                return None
        except DomainError as e:
            logs.info(log, "checkpoint recheck failed", supervisor_id=supervisor.id, reason=e.reason)
            return None
        with self.store.read() as tx:
            return tx.get_supervisor(supervisor.id)

    def _check_identities(self, supervisors: list[Supervisor]) -> dict[str, tuple[str, str]]:
        """A broker that does not answer leaves them for the next look."""
        return self.supervisors.offsets.check_identities_quietly(supervisors, "scheduler") if supervisors else {}

    def _check_identities_of(self, supervisor_ids: list[str]) -> None:
        """The changed RUNNING supervisors' identities, before they are settled: a resumed supervisor whose
        topic was recreated while it was suspended must not get a lease first."""
        if supervisor_ids:
            with self.store.read() as tx:
                found = [tx.get_supervisor(supervisor_id) for supervisor_id in supervisor_ids]
            self._check_identities([s for s in found if s is not None and s.state is SupervisorState.RUNNING])

    def _recheck_identity(self, supervisor: Supervisor) -> Supervisor | None:
        """An UNHEALTHY supervisor whose stream was recreated stays so until a reset of every partition (which
        records the new identity and heals it; one that could not read the identity leaves none, and this
        look records it). Returns the supervisor to schedule, or None."""
        if self._check_identities([supervisor]).get(supervisor.id):
            return None
        with self.store.read() as tx:
            current = tx.get_supervisor(supervisor.id)
        return None if current is None or faulted_for_stream(current) else current

    def _resolve_start_offsets(self, supervisor: Supervisor) -> None:
        """Gives every partition without a checkpoint its start (earliest or latest), read from the stream,
        so a lease always starts at a stored checkpoint. Marks the supervisor UNHEALTHY while the stream
        cannot be reached, and RUNNING again when it can."""
        with self.store.read() as tx:
            # One read of the checkpoints, not one per partition (that was partitions² per pass).
            stored = tx.get_checkpoints(supervisor.id)
            missing = [p for p in supervisor.partitions if p not in stored]
            scheduled = {t.task_group for t in tx.list_tasks(supervisor.id) if t.generation == supervisor.generation}
        if not missing and scheduled >= set(task_groups(supervisor)):
            # Nothing to write: do not take the row lock every commit needs, once a second per supervisor.
            if supervisor.state is SupervisorState.UNHEALTHY:
                self._set_health(supervisor, healthy=True, detail="")
            return
        marks = None
        if missing:
            try:
                marks = self.streams.for_spec(supervisor.spec).watermarks(supervisor.spec.stream, missing)
            except DomainError as e:
                self._set_health(supervisor, healthy=False, detail=e.reason)
                return
        with self.store.transaction() as tx:
            current = tx.get_supervisor(supervisor.id, lock=True)
            if current is None or current.generation != supervisor.generation or current.state not in ACTIVE:
                return  # changed meanwhile (reset, suspend): the next pass sees the new state
            if marks is not None:
                stored = tx.get_checkpoints(supervisor.id)
                source = marks.earliest if current.spec.use_earliest_offset else marks.latest
                starts = {p: source[p] for p in missing if p not in stored}
                if starts:
                    tx.set_checkpoints(supervisor.id, starts)
                    logs.info(log, "start offsets resolved", supervisor_id=supervisor.id,
                              source="earliest" if current.spec.use_earliest_offset else "latest",
                              offsets=offsets_text(starts))
            now = self.clock()
            for group in task_groups(current):
                if tx.ensure_task(TaskRecord(new_task_id(), current.id, group, current.generation,
                                             TaskState.PENDING, now, now)):
                    logs.info(log, "task scheduled", supervisor_id=current.id, group=group,
                              generation=current.generation)
        if supervisor.state is SupervisorState.UNHEALTHY:
            self._set_health(supervisor, healthy=True, detail="")

    def _set_health(self, supervisor: Supervisor, healthy: bool, detail: str) -> None:
        if has_latched_fault(supervisor) and healthy:
            return  # only the rechecks may clear those faults: reaching the stream does not mend them
        self.supervisors.set_health(supervisor.id, healthy, detail)

    def _reconcile_tasks(self, load: Callable[[TaskTransaction], list[TaskRecord]]) -> None:
        """Fences tasks of older generations or finished supervisors, frees leases of supervisors that are
        not RUNNING, and returns expired leases to the pool - for the open tasks `load` reads. Looks in a
        read transaction first, so a supervisor with nothing to change costs no write lock."""
        now = self.clock()
        with self.store.read() as tx:
            if not any(change for _, change in self._changes(tx, load(tx), now)):
                return
        with self.store.transaction() as tx:
            self._apply(tx, self._changes(tx, load(tx), now), now)

    def _reconcile_expired(self, task_ids: Iterable[str]) -> None:
        now = self.clock()
        with self.store.transaction() as tx:
            # Re-read under the row lock: a heartbeat may have renewed the lease since the select.
            tasks = [task for task in (tx.get_task(i, lock=True) for i in task_ids) if task is not None]
            self._apply(tx, self._changes(tx, [t for t in tasks if t.state in OPEN], now), now)

    @staticmethod
    def _changes(tx: TaskTransaction, tasks: list[TaskRecord],
                 now: datetime) -> list[tuple[TaskRecord, TaskRecord | None]]:
        owners: dict[str, Supervisor | None] = {}
        out = []
        for task in tasks:
            if task.supervisor_id not in owners:
                owners[task.supervisor_id] = tx.get_supervisor(task.supervisor_id)
            owner = owners[task.supervisor_id]
            change = None
            if owner is None or owner.state.is_terminal or task.generation != owner.generation:
                final = TaskState.DONE if owner is not None and owner.state is SupervisorState.COMPLETED \
                    and task.generation == owner.generation else TaskState.FENCED
                change = dataclasses.replace(task, state=final, worker_id=None, lease_expires_at=None)
            elif task.state is TaskState.LEASED and owner.state is not SupervisorState.RUNNING:
                change = dataclasses.replace(task, state=TaskState.PENDING, worker_id=None, lease_expires_at=None)
            elif task.state is TaskState.LEASED and task.lease_expires_at and task.lease_expires_at <= now:
                change = dataclasses.replace(task, state=TaskState.PENDING, worker_id=None, lease_expires_at=None)
            out.append((task, change))
        return out

    def _apply(self, tx: TaskTransaction, changes: list[tuple[TaskRecord, TaskRecord | None]],
               now: datetime) -> None:
        for task, change in changes:
            if change is None:
                continue
            if (task.state is TaskState.LEASED and change.state is TaskState.PENDING and task.lease_expires_at
                    and task.lease_expires_at <= now):
                logs.info(log, "lease expired", task_id=task.id, supervisor_id=task.supervisor_id,
                          worker_id=task.worker_id)
                self.supervisors.observer.lease_expired(task.supervisor_id, task.id)
            tx.update_task(dataclasses.replace(change, update_time=now))
            if change.state is not task.state:
                logs.info(log, f"task {change.state.value.lower()}", task_id=task.id,
                          supervisor_id=task.supervisor_id, generation=task.generation)
