"""IDLE supervisors (rules: domain/idle.py), run by the scheduler's leader after each pass like the
autoscaler: every `refresh_s` it lists the RUNNING and IDLE supervisors whose spec enables idling; each is
checked against its stream every `check_s` (one store read, one broker call); a change is a state change
with its audit event (IDLE / WAKE, actor "scheduler"), which the scheduler then settles - an IDLE
supervisor's tasks are released and its workers told STOP / IDLE, a woken one's tasks are offered again
from the checkpoints. What was seen lives in the leader's memory: a new leader watches for a full
`inactive_after_seconds` before idling anything.
"""
from __future__ import annotations

import logging
import time
from typing import Callable

from streamvisor import logs
from streamvisor.app.offsets import Offsets
from streamvisor.domain.formatting import offsets_text
from streamvisor.domain.idle import Activity, idle_action, observe
from streamvisor.domain.model import SupervisorState

log = logging.getLogger("streamvisor.scheduler")

ACTOR = "scheduler"
_WATCHED = frozenset({SupervisorState.RUNNING, SupervisorState.IDLE})


class Idleness:
    def __init__(self, offsets: Offsets, refresh_s: float = 30.0, check_s: float = 5.0,
                 clock_s: Callable[[], float] = time.monotonic):
        self.offsets = offsets
        self.core = offsets.core
        self.refresh_s = refresh_s
        self.check_s = check_s
        self.clock_s = clock_s
        self._activity: dict[str, Activity] = {}
        self._next_check: dict[str, float] = {}
        self._watched: list[str] = []
        self._next_refresh_s = 0.0

    def forget(self) -> None:
        self._activity.clear()
        self._next_check.clear()
        self._watched = []
        self._next_refresh_s = 0.0

    def run_once(self) -> list[tuple[str, str]]:
        now = self.clock_s()
        if now >= self._next_refresh_s:
            self._watched = self._find_watched()
            self._next_refresh_s = now + self.refresh_s
            for gone in set(self._activity) - set(self._watched):
                self._activity.pop(gone, None)
                self._next_check.pop(gone, None)
        changes = []
        for supervisor_id in self._watched:
            if now < self._next_check.get(supervisor_id, 0.0):
                continue
            self._next_check[supervisor_id] = now + self.check_s
            try:
                action = self._check(supervisor_id, now)
            except Exception as e:  # the stream or the store is away: look again next time
                logs.warning(log, "idleness not checked", supervisor_id=supervisor_id, error=type(e).__name__,
                             detail=str(e)[:200])
                continue
            if action:
                changes.append((supervisor_id, action))
        return changes

    def _find_watched(self) -> list[str]:
        return [s.id for s in self.core.supervisors_in(_WATCHED)
                if s.spec.idle.enabled or s.state is SupervisorState.IDLE]

    def _check(self, supervisor_id: str, now: float) -> str | None:
        core = self.core
        positions = self.offsets.positions(supervisor_id, lambda s: s.state in _WATCHED)
        if positions is None:
            return None
        supervisor, checkpoints, marks, _ = positions
        lag = positions.view().total_lag
        activity = self._activity[supervisor_id] = observe(self._activity.get(supervisor_id), marks.latest, lag, now)
        action = idle_action(supervisor.state, supervisor.spec.idle, lag, activity, now)
        if action is None:
            return None
        with core.store.transaction() as tx:
            before = tx.get_supervisor(supervisor_id, lock=True)
            if before is None or before.version != supervisor.version:
                return None  # changed meanwhile: decide again next time
            quiet_s = round(now - activity.since_s)
            after = (before.idled(core.clock(), f"no new data for {quiet_s} s") if action == "IDLE"
                     else before.woken(core.clock()))
            tx.update_supervisor(after)
            core.audit(tx, before, after, action, ACTOR, details={"lag": lag, "quiet_seconds": quiet_s})
        logs.info(log, "supervisor idle" if action == "IDLE" else "supervisor woken", supervisor_id=supervisor_id,
                  state=f"{before.state.value}->{after.state.value}", lag=lag, quiet_seconds=quiet_s,
                  latest=offsets_text(dict(marks.latest)), checkpoints=offsets_text(checkpoints))
        return action
