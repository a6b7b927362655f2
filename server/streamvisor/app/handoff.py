"""HandoffTaskGroups (Druid's `POST /supervisor/{id}/taskGroups/handoff`): ask the workers of some task
groups to publish what they hold now and hand their tasks back. The request is a row per task
(handoff_requests); the task's next heartbeat answers `publish_now`, the worker commits its segment and
calls CompleteTask, and the task - released, not fenced - is offered again from the new checkpoint. Nothing
is fenced and no generation changes, so no output is lost: it is the ordinary commit path, only sooner."""
from __future__ import annotations

import logging

from streamvisor import logs
from streamvisor.app.core import ANONYMOUS, Core
from streamvisor.domain.errors import Violations
from streamvisor.domain.model import SupervisorState, require_valid_id
from streamvisor.domain.tasks import TaskState

log = logging.getLogger("streamvisor.tasks")


class Handoffs:
    def __init__(self, core: Core):
        self.core = core

    def handoff(self, supervisor_id: str, task_groups: list[int],
                actor: str = ANONYMOUS) -> list[tuple[int, str, bool]]:
        """Per requested group, in order: (group, its task id, whether its worker will be told)."""
        require_valid_id(supervisor_id)
        core = self.core
        with core.store.transaction() as tx:
            supervisor = core.require(tx, supervisor_id, lock=True)
            v = Violations()
            if not task_groups:
                v.add("task_groups", "must name at least one task group")
            if len(set(task_groups)) != len(task_groups):
                v.add("task_groups", "must not repeat a task group")
            for i, group in enumerate(task_groups):
                if not 0 <= group < supervisor.spec.task_count:
                    v.add(f"task_groups[{i}]", f"must be in [0, {supervisor.spec.task_count}), got {group}")
            v.raise_if_any()
            supervisor.require_state_for("HANDOFF", (SupervisorState.RUNNING,))
            tasks = {t.task_group: t for t in tx.list_tasks(supervisor_id) if t.generation == supervisor.generation}
            now = core.clock()
            outcome = []
            for group in task_groups:
                task = tasks.get(group)
                leased = task is not None and task.state is TaskState.LEASED
                if leased:
                    tx.request_handoff(task.id, supervisor_id, now)
                outcome.append((group, task.id if task else "", leased))
            core.audit(tx, supervisor, supervisor, "HANDOFF", actor,
                       details={"task_groups": list(task_groups),
                                "requested": [task_id for _, task_id, leased in outcome if leased]})
        logs.info(log, "early handoff requested", supervisor_id=supervisor_id, generation=supervisor.generation,
                  task_groups=",".join(map(str, task_groups)),
                  requested=",".join(task_id[:12] for _, task_id, leased in outcome if leased) or "-")
        return outcome
