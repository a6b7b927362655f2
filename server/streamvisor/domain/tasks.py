"""Tasks: leases of a partition group at one generation. Pure rules; the store keeps the rows."""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Mapping

from streamvisor.domain.model import Supervisor, SupervisorState

DEFAULT_LEASE_SECONDS = 30
MAX_LEASE_SECONDS = 600


class TaskState(enum.Enum):
    PENDING = "PENDING"  # waiting for a worker
    LEASED = "LEASED"  # a worker holds it until lease_expires_at
    DONE = "DONE"  # bounded: every partition reached its end
    FENCED = "FENCED"  # superseded by a newer generation; never leased again


@dataclass(frozen=True)
class TaskRecord:
    id: str
    supervisor_id: str
    task_group: int
    generation: int
    state: TaskState
    create_time: datetime
    update_time: datetime
    worker_id: str | None = None
    lease_expires_at: datetime | None = None
    start_offsets: Mapping[int, int] = field(default_factory=dict)
    end_offsets: Mapping[int, int] | None = None

    def held_by(self, worker_id: str) -> bool:
        return self.state is TaskState.LEASED and self.worker_id == worker_id

    def leasable(self, now: datetime) -> bool:
        return self.state is TaskState.PENDING or (
            self.state is TaskState.LEASED and self.lease_expires_at is not None and self.lease_expires_at <= now)


def range_finished(end_offsets: Mapping[int, int] | None, checkpoints: Mapping[int, int]) -> bool:
    """A bounded task is finished when every partition's checkpoint reached its end; an unbounded task
    (no end offsets) never is."""
    return end_offsets is not None and all(checkpoints.get(p, 0) >= end for p, end in end_offsets.items())


def group_partitions(supervisor: Supervisor, group: int) -> list[int]:
    """The partitions of one task group: partition % task_count == group."""
    return [p for p in supervisor.partitions if p % supervisor.spec.task_count == group]


def task_groups(supervisor: Supervisor) -> list[int]:
    """Groups that have at least one partition (a task with nothing to read is not created)."""
    return sorted({p % supervisor.spec.task_count for p in supervisor.partitions})


@dataclass(frozen=True)
class LeasePlan:
    start_offsets: dict[int, int]
    end_offsets: dict[int, int] | None

    @property
    def empty(self) -> bool:
        return not self.start_offsets


def plan_lease(supervisor: Supervisor, group: int, checkpoints: Mapping[int, int]) -> LeasePlan | None:
    """Where a new lease of `group` starts (and ends, when bounded).

    None while some partition of the group has no checkpoint yet (the scheduler resolves it from the
    stream first), so that a lease's start is always a stored checkpoint and commits can CAS against it.
    Bounded partitions that already reached their end are left out; an empty plan means the group is done.
    """
    starts: dict[int, int] = {}
    ends: dict[int, int] = {}
    for p in group_partitions(supervisor, group):
        cp = checkpoints.get(p)
        if cp is None:
            return None
        bound = supervisor.spec.bound_of(p)
        if bound is not None:
            if cp >= bound.end:
                continue
            ends[p] = bound.end
        starts[p] = cp
    return LeasePlan(starts, ends if supervisor.spec.is_bounded else None)


def stop_reason(task: TaskRecord, supervisor: Supervisor | None, worker_id: str, now: datetime) -> str:
    """Why a worker must stop its task, or "" to continue (the Heartbeat decision)."""
    # The cause comes before LEASE_LOST: the scheduler releases the holder of a fenced or suspended task
    # within a pass, and the worker should still learn why.
    if supervisor is None or supervisor.state is SupervisorState.TERMINATED:
        return "TERMINATED"
    if task.state is TaskState.FENCED or task.generation != supervisor.generation:
        return "FENCED"
    if task.state is TaskState.DONE or supervisor.state is SupervisorState.COMPLETED:
        return "COMPLETED"
    if supervisor.state is not SupervisorState.RUNNING:
        return supervisor.state.value  # SUSPENDED, UNHEALTHY, PENDING
    if task.worker_id != worker_id or task.state is TaskState.PENDING:
        return "LEASE_LOST"
    if task.lease_expires_at is not None and task.lease_expires_at <= now:
        return "LEASE_LOST"
    return ""
