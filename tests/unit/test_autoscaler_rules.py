"""The lag-based autoscaler's pure rules: validation and decisions."""
from __future__ import annotations

import math

import pytest

from streamvisor.domain.autoscaler import AutoscalerConfig, LagSample, decide
from streamvisor.domain.errors import Violations

CONFIG = AutoscalerConfig(enabled=True, task_count_min=1, task_count_max=6, scale_out_lag=1000, scale_in_lag=100,
                          scale_out_fraction=0.5, scale_in_fraction=0.75, sample_interval_s=10, window_s=40,
                          scale_out_step=2, scale_in_step=1, cooldown_s=60)


def samples(*lags: int, start: float = 0.0, every: float = 10.0) -> list[LagSample]:
    return [LagSample(start + i * every, lag) for i, lag in enumerate(lags)]


def test_nothing_before_the_window_is_full_or_within_the_cool_down():
    assert CONFIG.samples_in_window == 4
    assert decide(CONFIG, 2, samples(5000, 5000, 5000), now_s=100, last_change_s=0) is None
    assert decide(CONFIG, 2, samples(5000, 5000, 5000, 5000), now_s=59, last_change_s=0) is None
    d = decide(CONFIG, 2, samples(5000, 5000, 5000, 5000), now_s=60, last_change_s=0)
    assert d is not None and (d.task_count_before, d.task_count_after, d.direction) == (2, 4, "OUT")


def test_scale_out_needs_the_fraction_above_the_threshold_and_is_capped():
    assert decide(CONFIG, 2, samples(0, 0, 1001, 5000), 100, None).task_count_after == 4  # 2 of 4 = 0.5
    assert decide(CONFIG, 2, samples(0, 0, 1000, 5000), 100, None) is None  # 1000 is not above 1000
    assert decide(CONFIG, 5, samples(9e9, 9e9, 9e9, 9e9), 100, None).task_count_after == 6
    assert decide(CONFIG, 6, samples(9e9, 9e9, 9e9, 9e9), 100, None) is None  # already at max


def test_scale_in_by_its_step_down_to_min_and_out_wins_over_in():
    d = decide(CONFIG, 3, samples(0, 10, 99, 5000), 100, None)
    assert (d.direction, d.task_count_after) == ("IN", 2)
    assert (d.samples, d.samples_past_threshold, d.threshold, d.latest_lag, d.max_lag) == (4, 3, 100, 5000, 5000)
    assert decide(CONFIG, 1, samples(0, 0, 0, 0), 100, None) is None  # already at min
    both = AutoscalerConfig(**{**CONFIG.__dict__, "scale_out_fraction": 0.25, "scale_in_fraction": 0.75})
    assert decide(both, 3, samples(0, 0, 0, 5000), 100, None).direction == "OUT"


def test_only_the_last_window_counts():
    old_burst = samples(9e9, 9e9, 9e9, 9e9, 0, 0, 0, 0)
    assert decide(CONFIG, 3, old_burst, 200, None).direction == "IN"


def test_disabled_decides_nothing_and_default_scale_in_lag_never_scales_in():
    off = AutoscalerConfig()
    assert decide(off, 2, samples(9e9, 9e9, 9e9, 9e9), 100, None) is None
    no_in = AutoscalerConfig(enabled=True, task_count_min=1, task_count_max=4, scale_out_lag=10, window_s=30,
                             sample_interval_s=10)
    assert decide(no_in, 3, samples(0, 0, 0), 100, None) is None


def errors(config: AutoscalerConfig, task_count: int = 2) -> dict[str, str]:
    v = Violations()
    config.validate(task_count, 1024, v, "spec.autoscaler")
    return {f.field: f.description for f in v.items}


def test_a_valid_config_and_a_disabled_one_pass():
    assert errors(CONFIG) == {}
    assert errors(AutoscalerConfig(task_count_min=-5)) == {}  # off: not looked at


@pytest.mark.parametrize("change, field", [
    ({"task_count_min": 0}, "spec.autoscaler.task_count_min"),
    ({"task_count_max": 1025}, "spec.autoscaler.task_count_max"),
    ({"task_count_min": 3, "task_count_max": 2}, "spec.autoscaler.task_count_max"),
    ({"task_count_min": 3, "task_count_max": 4}, "spec.autoscaler.task_count_min"),  # task_count 2 outside
    ({"scale_in_lag": -1}, "spec.autoscaler.scale_in_lag"),
    ({"scale_out_lag": 100}, "spec.autoscaler.scale_out_lag"),  # not above scale_in_lag
    ({"scale_out_fraction": 0.0}, "spec.autoscaler.scale_out_fraction"),
    ({"scale_in_fraction": 1.5}, "spec.autoscaler.scale_in_fraction"),
    ({"scale_in_fraction": math.nan}, "spec.autoscaler.scale_in_fraction"),
    ({"scale_out_fraction": math.inf}, "spec.autoscaler.scale_out_fraction"),
    ({"sample_interval_s": 0}, "spec.autoscaler.sample_interval_seconds"),
    ({"window_s": 5}, "spec.autoscaler.window_seconds"),
    ({"scale_out_step": 0}, "spec.autoscaler.scale_out_step"),
    ({"scale_in_step": 2000}, "spec.autoscaler.scale_in_step"),
    ({"cooldown_s": -1}, "spec.autoscaler.cooldown_seconds"),
])
def test_each_bad_field_is_named(change, field):
    bad = AutoscalerConfig(**{**CONFIG.__dict__, **change})
    assert field in errors(bad), errors(bad)
