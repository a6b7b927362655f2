"""The lag-based autoscaler's rules (Druid's `autoScalerConfig` with `autoScalerStrategy: lagBased`): its
configuration, and what it decides from the lag samples of one supervisor. Pure.

How it decides, as Druid's lag-based autoscaler does: every `sample_interval_s` the scheduler samples the
supervisor's total lag; over the last `window_s` of samples, if at least `scale_out_fraction` of them are
above `scale_out_lag`, the task count grows by `scale_out_step` (up to `task_count_max`); else if at least
`scale_in_fraction` are below `scale_in_lag`, it shrinks by `scale_in_step` (down to `task_count_min`).
Scaling out wins when both hold. Nothing is decided before the window is full, nor within `cooldown_s` of the
last change.

Samples belong to one generation. A change of task count is applied as a new generation (the tasks are
re-planned, in-flight output is fenced, nothing is lost or published twice), and so is every reset: the
history that led to the old plan says nothing about the new one, so it is dropped. That is also how
ResetToLatestAndBackfill "resets the autoscaler" (the seed's own code ends with "Reset autoscaler if
present"): its new generation starts an empty window and a fresh cool-down.
"""
from __future__ import annotations

from dataclasses import dataclass

from streamvisor.domain.errors import Violations


@dataclass(frozen=True)
class AutoscalerConfig:
    enabled: bool = False
    task_count_min: int = 1
    task_count_max: int = 1
    scale_out_lag: int = 0
    scale_in_lag: int = 0
    scale_out_fraction: float = 0.3
    scale_in_fraction: float = 0.9
    sample_interval_s: int = 30
    window_s: int = 600
    scale_out_step: int = 2
    scale_in_step: int = 1
    cooldown_s: int = 600

    def validate(self, task_count: int, max_task_count: int, v: Violations, p: str) -> None:
        """Rules for an autoscaler in a spec with `task_count`; violations under field prefix `p`."""
        MAX_TASK_COUNT = max_task_count  # noqa: N806 - the spec's limit, read as a constant below
        if not self.enabled:
            return
        if not 1 <= self.task_count_min <= MAX_TASK_COUNT:
            v.add(f"{p}.task_count_min", f"must be between 1 and {MAX_TASK_COUNT}, got {self.task_count_min}")
        if not 1 <= self.task_count_max <= MAX_TASK_COUNT:
            v.add(f"{p}.task_count_max", f"must be between 1 and {MAX_TASK_COUNT}, got {self.task_count_max}")
        elif self.task_count_max < self.task_count_min:
            v.add(f"{p}.task_count_max",
                  f"must be >= task_count_min ({self.task_count_min}), got {self.task_count_max}")
        elif not self.task_count_min <= task_count <= self.task_count_max:
            v.add(f"{p}.task_count_min", f"the spec's task_count ({task_count}) must be within "
                                         f"[{self.task_count_min}, {self.task_count_max}]")
        if self.scale_in_lag < 0:
            v.add(f"{p}.scale_in_lag", f"must be >= 0, got {self.scale_in_lag}")
        if self.scale_out_lag <= self.scale_in_lag:
            v.add(f"{p}.scale_out_lag", f"must be > scale_in_lag ({self.scale_in_lag}), got {self.scale_out_lag}")
        for name in ("scale_out_fraction", "scale_in_fraction"):
            value = getattr(self, name)
            if not 0.0 < value <= 1.0:
                v.add(f"{p}.{name}", f"must be in (0, 1], got {value}")
        if not 1 <= self.sample_interval_s <= 3600:
            v.add(f"{p}.sample_interval_seconds", f"must be between 1 and 3600, got {self.sample_interval_s}")
        elif not self.sample_interval_s <= self.window_s <= 86400:
            v.add(f"{p}.window_seconds", f"must be between sample_interval_seconds ({self.sample_interval_s}) "
                                         f"and 86400, got {self.window_s}")
        for name in ("scale_out_step", "scale_in_step"):
            value = getattr(self, name)
            if not 1 <= value <= MAX_TASK_COUNT:
                v.add(f"{p}.{name}", f"must be between 1 and {MAX_TASK_COUNT}, got {value}")
        if not 0 <= self.cooldown_s <= 86400:
            v.add(f"{p}.cooldown_seconds", f"must be between 0 and 86400, got {self.cooldown_s}")

    @property
    def samples_in_window(self) -> int:
        return max(1, self.window_s // self.sample_interval_s)


@dataclass(frozen=True)
class LagSample:
    at_s: float  # monotonic seconds
    total_lag: int


@dataclass(frozen=True)
class ScaleDecision:
    """A change of task count, with what the autoscaler saw: for the audit event and the log."""
    task_count_before: int
    task_count_after: int
    direction: str  # "OUT" or "IN"
    samples: int
    samples_past_threshold: int
    threshold: int
    latest_lag: int
    max_lag: int

    def details(self) -> dict:
        return {"task_count_before": self.task_count_before, "task_count_after": self.task_count_after,
                "direction": self.direction, "samples": self.samples,
                "samples_past_threshold": self.samples_past_threshold, "threshold": self.threshold,
                "latest_lag": self.latest_lag, "max_lag": self.max_lag}


def decide(config: AutoscalerConfig, task_count: int, samples: list[LagSample], now_s: float,
           last_change_s: float | None) -> ScaleDecision | None:
    """The change the window of `samples` (oldest first, one generation) calls for, or None."""
    if not config.enabled or len(samples) < config.samples_in_window:
        return None
    if last_change_s is not None and now_s - last_change_s < config.cooldown_s:
        return None
    window = samples[-config.samples_in_window:]
    lags = [s.total_lag for s in window]
    above = sum(1 for lag in lags if lag > config.scale_out_lag)
    below = sum(1 for lag in lags if lag < config.scale_in_lag)

    def decision(after: int, direction: str, past: int, threshold: int) -> ScaleDecision | None:
        if after == task_count:
            return None  # already at the bound
        return ScaleDecision(task_count, after, direction, len(window), past, threshold, lags[-1], max(lags))

    if above >= config.scale_out_fraction * len(window):
        return decision(min(config.task_count_max, task_count + config.scale_out_step), "OUT", above,
                        config.scale_out_lag)
    if below >= config.scale_in_fraction * len(window):
        return decision(max(config.task_count_min, task_count - config.scale_in_step), "IN", below,
                        config.scale_in_lag)
    return None
