"""Ingestion stats (Druid's `GET /supervisor/{id}/stats`): what workers report in their heartbeats, kept per
task as totals and 1-, 5- and 15-minute moving averages, plus a task's recent errors. Pure.

A worker reports cumulative counters for its lease of a task. The server turns each report into a delta
against the previous one *of the same worker* - a new lease holder starts from zero, so a report from
another worker, or one that went backwards, counts in full - adds it to the task's totals, and moves the
averages the way a load average moves: an exponentially weighted rate, alpha = 1 - exp(-dt / window).
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from datetime import datetime

COUNTERS = ("processed", "processed_bytes", "unparseable", "thrown_away")
WINDOWS = (("1m", 60.0), ("5m", 300.0), ("15m", 900.0))
PHASES = ("READING", "PUBLISHING")
RECENT_ERRORS = 5
MAX_COUNTER = 2**63 - 1


@dataclass(frozen=True)
class Counters:
    processed: int = 0
    processed_bytes: int = 0
    unparseable: int = 0
    thrown_away: int = 0

    def __add__(self, other: "Counters") -> "Counters":
        return Counters(*(min(MAX_COUNTER, getattr(self, c) + getattr(other, c)) for c in COUNTERS))

    def since(self, earlier: "Counters") -> "Counters":
        """What was added since `earlier`; a counter that went backwards started over, so counts in full."""
        return Counters(*(getattr(self, c) - getattr(earlier, c) if getattr(self, c) >= getattr(earlier, c)
                          else getattr(self, c) for c in COUNTERS))


Rates = dict[str, float]  # counter -> per second


@dataclass(frozen=True)
class TaskStats:
    worker_id: str = ""
    reported: Counters = Counters()  # the last report of worker_id, cumulative over its lease
    totals: Counters = Counters()  # everything reported for the task, by every holder
    averages: dict[str, Rates] = dataclasses.field(default_factory=dict)  # window -> rates
    phase: str = ""
    report_time: datetime | None = None
    recent_errors: tuple[tuple[datetime, str], ...] = ()


def _zero_rates() -> dict[str, Rates]:
    return {w: {c: 0.0 for c in COUNTERS} for w, _ in WINDOWS}


def advance(previous: TaskStats | None, worker_id: str, reported: Counters, phase: str, now: datetime) -> TaskStats:
    """The task's stats after `worker_id` reported `reported` (cumulative) at `now`."""
    previous = previous or TaskStats()
    baseline = previous.reported if previous.worker_id == worker_id else Counters()
    delta = reported.since(baseline)
    averages = previous.averages or _zero_rates()
    dt = (now - previous.report_time).total_seconds() if previous.report_time else 0.0
    if dt > 0:
        averages = {
            w: {c: averages[w][c] + (1 - math.exp(-dt / span)) * (getattr(delta, c) / dt - averages[w][c])
                for c in COUNTERS}
            for w, span in WINDOWS}
    return dataclasses.replace(previous, worker_id=worker_id, reported=reported, totals=previous.totals + delta,
                               averages=averages, phase=phase, report_time=now)


def with_error(previous: TaskStats | None, message: str, now: datetime) -> TaskStats:
    previous = previous or TaskStats()
    return dataclasses.replace(previous, recent_errors=(*previous.recent_errors, (now, message))[-RECENT_ERRORS:])


def combined(stats: list[TaskStats]) -> tuple[Counters, dict[str, Rates]]:
    """A supervisor's totals and moving averages: the sums over its tasks."""
    totals = Counters()
    averages = _zero_rates()
    for s in stats:
        totals = totals + s.totals
        for w, rates in (s.averages or {}).items():
            for c, value in rates.items():
                averages[w][c] += value
    return totals, averages


def validate_counters(c: Counters, field: str, violations) -> None:
    for name in COUNTERS:
        if getattr(c, name) < 0:
            violations.add(f"{field}.{name}", f"must be >= 0, got {getattr(c, name)}")


# Stored as JSON (store/sql.py): plain values only.
def to_json(s: TaskStats) -> dict:
    return {"worker_id": s.worker_id, "reported": dataclasses.asdict(s.reported),
            "totals": dataclasses.asdict(s.totals), "averages": s.averages, "phase": s.phase,
            "report_time": s.report_time.isoformat() if s.report_time else None,
            "recent_errors": [[t.isoformat(), m] for t, m in s.recent_errors]}


def from_json(data: dict) -> TaskStats:
    return TaskStats(worker_id=data.get("worker_id", ""), reported=Counters(**data.get("reported", {})),
                     totals=Counters(**data.get("totals", {})), averages=data.get("averages") or {},
                     phase=data.get("phase", ""),
                     report_time=datetime.fromisoformat(data["report_time"]) if data.get("report_time") else None,
                     recent_errors=tuple((datetime.fromisoformat(t), m) for t, m in data.get("recent_errors", [])))
