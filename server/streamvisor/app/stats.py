"""GetSupervisorStats: a supervisor's tasks at its current generation with what their workers reported
(domain/stats.py) - Druid's /supervisor/{id}/stats and the task detail of its /status."""
from __future__ import annotations

from streamvisor.app.core import Core
from streamvisor.domain.model import Supervisor, require_valid_id
from streamvisor.domain.stats import Counters, Rates, TaskStats, combined
from streamvisor.domain.tasks import TaskRecord


class Stats:
    def __init__(self, core: Core):
        self.core = core

    def stats(self, supervisor_id: str) -> tuple[Supervisor, list[tuple[TaskRecord, TaskStats | None]],
                                                 Counters, dict[str, Rates]]:
        require_valid_id(supervisor_id)
        with self.core.store.read() as tx:
            supervisor = self.core.require(tx, supervisor_id)
            tasks = [t for t in tx.list_tasks(supervisor_id) if t.generation == supervisor.generation]
            stats = tx.list_task_stats([t.id for t in tasks])
        rows = [(t, stats.get(t.id)) for t in sorted(tasks, key=lambda t: t.task_group)]
        totals, averages = combined([s for _, s in rows if s is not None])
        return supervisor, rows, totals, averages
