"""Idling's pure rules: when a supervisor goes IDLE, when it wakes."""
from __future__ import annotations

import pytest

from streamvisor.domain.errors import Violations
from streamvisor.domain.idle import idle_action, observe
from streamvisor.domain.model import IdleConfig, SupervisorState

RUNNING, IDLE = SupervisorState.RUNNING, SupervisorState.IDLE
ON = IdleConfig(enabled=True, inactive_after_s=60)


def test_idle_after_the_quiet_time_with_no_lag():
    a = observe(None, {0: 10, 1: 5}, lag=0, now_s=0)
    a = observe(a, {0: 10, 1: 5}, lag=0, now_s=59)
    assert idle_action(RUNNING, ON, 0, a, 59) is None
    assert idle_action(RUNNING, ON, 0, a, 60) == "IDLE"


def test_new_data_or_lag_restarts_the_quiet_time():
    a = observe(None, {0: 10}, 0, 0)
    a = observe(a, {0: 11}, 0, 50)  # the stream moved
    assert a.since_s == 50 and idle_action(RUNNING, ON, 0, a, 100) is None
    a = observe(a, {0: 11}, 3, 120)  # lag: not idle, whatever the clock says
    assert a.since_s == 120 and idle_action(RUNNING, ON, 3, a, 500) is None


def test_an_idle_supervisor_wakes_on_lag_and_when_idling_is_switched_off():
    a = observe(None, {0: 10}, 0, 0)
    assert idle_action(IDLE, ON, 0, a, 1000) is None
    assert idle_action(IDLE, ON, 1, a, 1000) == "WAKE"
    assert idle_action(IDLE, IdleConfig(), 0, a, 1000) == "WAKE"
    assert idle_action(RUNNING, IdleConfig(), 0, a, 10**6) is None


@pytest.mark.parametrize("config, bounded, field", [
    (IdleConfig(enabled=True, inactive_after_s=0), False, "spec.idle.inactive_after_seconds"),
    (IdleConfig(enabled=True, inactive_after_s=604801), False, "spec.idle.inactive_after_seconds"),
    (IdleConfig(enabled=True), True, "spec.idle.enabled"),
])
def test_bad_idle_configs(config, bounded, field):
    v = Violations()
    config.validate(bounded, v, "spec.idle")
    assert [f.field for f in v.items] == [field]
    ok = Violations()
    IdleConfig(inactive_after_s=0).validate(bounded, ok, "spec.idle")  # off: not looked at
    assert not ok.items
