"""The lag-based autoscaler at work (rules: domain/autoscaler.py). The scheduler's leader runs it after each
pass: it samples the total lag of every RUNNING supervisor whose spec enables the autoscaler, and applies
what domain.autoscaler.decide calls for as a new generation with the new task count - the same change an
UpdateSupervisor of task_count makes, so the scheduler re-plans the tasks and in-flight output of the old
plan is fenced: nothing lost, nothing published twice.

Samples live in the leader's memory, keyed by generation: a new leader, or any new generation (a reset, an
update, a change of its own), starts an empty window and a fresh cool-down. Cost: one listing of RUNNING
supervisors every `refresh_s` to find the autoscaled ones, then per autoscaled supervisor one store read
and one broker call per sample interval - nothing for supervisors without an autoscaler.
"""
from __future__ import annotations

import dataclasses
import logging
import time
from typing import Callable

from streamvisor import logs
from streamvisor.app.offsets import Offsets
from streamvisor.domain.autoscaler import LagSample, ScaleDecision, decide
from streamvisor.domain.model import Supervisor, SupervisorState

log = logging.getLogger("streamvisor.autoscaler")

ACTOR = "autoscaler"


@dataclasses.dataclass
class _History:
    generation: int
    since_s: float  # when this generation was first seen: the cool-down runs from here
    samples: list[LagSample] = dataclasses.field(default_factory=list)
    next_sample_s: float = 0.0


class Autoscaling:
    def __init__(self, offsets: Offsets, refresh_s: float = 30.0, clock_s: Callable[[], float] = time.monotonic):
        self.offsets = offsets
        self.core = offsets.core
        self.refresh_s = refresh_s
        self.clock_s = clock_s
        self._history: dict[str, _History] = {}
        self._autoscaled: list[str] = []
        self._next_refresh_s = 0.0

    def forget(self) -> None:
        """Leadership lost: another replica samples now, and this one's history would be stale."""
        self._history.clear()
        self._autoscaled = []
        self._next_refresh_s = 0.0

    def history(self, supervisor_id: str) -> list[LagSample]:
        h = self._history.get(supervisor_id)
        return list(h.samples) if h else []

    def run_once(self) -> list[ScaleDecision]:
        now = self.clock_s()
        if now >= self._next_refresh_s:
            self._autoscaled = self._find_autoscaled()
            self._next_refresh_s = now + self.refresh_s
            for gone in set(self._history) - set(self._autoscaled):
                del self._history[gone]
        decisions = []
        for supervisor_id in self._autoscaled:
            h = self._history.get(supervisor_id)
            if h is not None and now < h.next_sample_s:
                continue
            try:
                decision = self._sample_and_decide(supervisor_id, now)
            except Exception as e:  # the stream or the store is away: skip this sample, keep the window
                logs.warning(log, "lag not sampled", supervisor_id=supervisor_id, error=type(e).__name__,
                             detail=str(e)[:200])
                continue
            if decision is not None:
                decisions.append(decision)
        return decisions

    def _find_autoscaled(self) -> list[str]:
        running = self.core.supervisors_in(frozenset({SupervisorState.RUNNING}))
        return [s.id for s in running if s.spec.autoscaler.enabled]

    def _sample_and_decide(self, supervisor_id: str, now: float) -> ScaleDecision | None:
        positions = self.offsets.positions(
            supervisor_id, lambda s: s.state is SupervisorState.RUNNING and s.spec.autoscaler.enabled)
        if positions is None:
            self._history.pop(supervisor_id, None)
            return None
        supervisor = positions.supervisor
        config = supervisor.spec.autoscaler
        lag = positions.view().total_lag
        h = self._history.get(supervisor_id)
        if h is None or h.generation != supervisor.generation:
            # A new generation (or a new leader): what was sampled before says nothing about this plan.
            h = self._history[supervisor_id] = _History(supervisor.generation, since_s=now)
        h.samples.append(LagSample(now, lag))
        del h.samples[:-config.samples_in_window]
        h.next_sample_s = now + config.sample_interval_s
        decision = decide(config, supervisor.spec.task_count, h.samples, now, h.since_s)
        if decision is not None and self._apply(supervisor, decision):
            return decision
        return None

    def _apply(self, sampled: Supervisor, decision: ScaleDecision) -> bool:
        """The new task count as a new generation, if the supervisor is still what was sampled."""
        core = self.core
        with core.store.transaction() as tx:
            before = tx.get_supervisor(sampled.id, lock=True)
            unchanged = (before is not None and before.generation == sampled.generation
                         and before.state is SupervisorState.RUNNING
                         and before.spec.task_count == decision.task_count_before)
            if not unchanged:
                return False  # changed meanwhile: its next samples belong to the new generation
            spec = dataclasses.replace(before.spec, task_count=decision.task_count_after)
            after = before.with_spec(spec, core.clock())
            tx.update_supervisor(after)
            core.audit(tx, before, after, "AUTOSCALE", ACTOR, details=decision.details())
        logs.info(log, "supervisor autoscaled", supervisor_id=sampled.id, direction=decision.direction,
                  task_count=f"{decision.task_count_before}->{decision.task_count_after}",
                  generation=f"{before.generation}->{after.generation}", latest_lag=decision.latest_lag,
                  max_lag=decision.max_lag,
                  samples=f"{decision.samples_past_threshold}/{decision.samples} past {decision.threshold}")
        return True
