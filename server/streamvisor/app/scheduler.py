"""The scheduler: keeps one task per partition group of every RUNNING supervisor at its generation.

Only one server replica schedules at a time: the holder of the "scheduler" lease row. Even so, every
write it makes is safe to repeat - tasks are unique per (supervisor, generation, group) in the database,
and start offsets are written only where none exist - so a lost lease can never double-schedule.
"""
from __future__ import annotations

import dataclasses
import logging
import os
import socket
import threading
import uuid
from datetime import datetime, timedelta
from typing import Callable

from streamvisor import logs
from streamvisor.domain.formatting import offsets_text
from streamvisor.app.core import ACTIVE_STATES, utcnow
from streamvisor.app.supervisors import SupervisorService
from streamvisor.app.tasks import new_task_id
from streamvisor.domain.errors import DomainError
from streamvisor.domain.model import Supervisor, SupervisorState
from streamvisor.domain.offsets import faulted_for_checkpoints
from streamvisor.domain.ports import MetadataStore, StreamAdapters
from streamvisor.domain.tasks import TaskRecord, TaskState, task_groups

log = logging.getLogger("streamvisor.scheduler")

LEASE_NAME = "scheduler"
ACTIVE = ACTIVE_STATES


class Scheduler:
    def __init__(self, store: MetadataStore, streams: StreamAdapters, supervisors: SupervisorService,
                 interval_s: float = 1.0, lease_ttl_s: float = 10.0, clock: Callable[[], datetime] = utcnow):
        self.store = store
        self.streams = streams
        self.supervisors = supervisors
        self.interval_s = interval_s
        self.lease_ttl = timedelta(seconds=lease_ttl_s)
        self.clock = clock
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.is_leader = False
        self.passes = 0
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
            self._stop.wait(self.interval_s)

    # One pass --------------------------------------------------------------------------------------
    def run_once(self) -> bool:
        """One scheduling pass if this replica holds (or takes) the lease; returns whether it did."""
        now = self.clock()
        with self.store.transaction() as tx:
            leader = tx.hold_lease(LEASE_NAME, self.holder, now, now + self.lease_ttl)
        if leader != self.is_leader:
            logs.info(log, f"scheduler leadership {'taken' if leader else 'lost'}", holder=self.holder)
            self.is_leader = leader
        if not leader:
            return False
        for supervisor in self._active_supervisors():
            if faulted_for_checkpoints(supervisor):
                supervisor = self._recheck_checkpoints(supervisor)
                if supervisor is None:
                    continue
            self._resolve_start_offsets(supervisor)
        self._reconcile_tasks()
        self.passes += 1
        return True

    def _active_supervisors(self) -> list[Supervisor]:
        found, after = [], None
        while True:
            with self.store.read() as tx:
                page = tx.list_supervisors(after, 500, ACTIVE, frozenset())
            found += page
            if len(page) < 500:
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
        if faulted_for_checkpoints(supervisor) and healthy:
            return  # only _recheck_checkpoints may clear that fault: reaching the stream does not mend it
        self.supervisors.set_health(supervisor.id, healthy, detail)

    def _reconcile_tasks(self) -> None:
        """Fences tasks of older generations or finished supervisors, frees leases of supervisors that are
        not RUNNING, and returns expired leases to the pool."""
        now = self.clock()
        with self.store.transaction() as tx:
            tasks = tx.list_tasks(states=frozenset({TaskState.PENDING, TaskState.LEASED}))
            owners: dict[str, Supervisor | None] = {}
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
                    logs.info(log, "lease expired", task_id=task.id, supervisor_id=task.supervisor_id,
                              worker_id=task.worker_id)
                    self.supervisors.observer.lease_expired(task.supervisor_id, task.id)
                    change = dataclasses.replace(task, state=TaskState.PENDING, worker_id=None, lease_expires_at=None)
                if change is not None:
                    tx.update_task(dataclasses.replace(change, update_time=now))
                    if change.state is not task.state:
                        logs.info(log, f"task {change.state.value.lower()}", task_id=task.id,
                                  supervisor_id=task.supervisor_id, generation=task.generation)
