"""When a supervisor goes IDLE and when it wakes (Druid's idleConfig). Pure.

Activity is the stream's latest offsets moving, or lag above zero. A RUNNING supervisor with idle enabled
goes IDLE once its lag is 0 and its latest offsets have not moved for `inactive_after_s`; an IDLE one wakes
as soon as its latest offsets are beyond its checkpoints (lag > 0). Wake-up is not a guess about the future:
every record that arrived while it was IDLE is still ahead of the checkpoint, so it is ingested once the
tasks run again - nothing is skipped by idling.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from streamvisor.domain.model import IdleConfig, SupervisorState


@dataclass(frozen=True)
class Activity:
    latest: Mapping[int, int]
    since_s: float  # when `latest` was first seen (monotonic seconds)


def observe(previous: Activity | None, latest: Mapping[int, int], lag: int, now_s: float) -> Activity:
    """The activity record after seeing `latest` (and `lag`) at `now_s`."""
    if previous is None or dict(previous.latest) != dict(latest) or lag > 0:
        return Activity(dict(latest), now_s)
    return previous


def idle_action(state: SupervisorState, config: IdleConfig, lag: int, activity: Activity, now_s: float) -> str | None:
    """"IDLE", "WAKE" or None."""
    if not config.enabled:
        return "WAKE" if state is SupervisorState.IDLE else None  # idling switched off: back to work
    if state is SupervisorState.IDLE:
        return "WAKE" if lag > 0 else None
    if state is SupervisorState.RUNNING and lag == 0 and now_s - activity.since_s >= config.inactive_after_s:
        return "IDLE"
    return None
