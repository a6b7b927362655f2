"""Task stats' pure rules: deltas per lease holder, moving averages, recent errors, sums, JSON round trip."""
from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone

from streamvisor.domain.errors import Violations
from streamvisor.domain.stats import Counters, advance, combined, from_json, to_json, validate_counters, with_error

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_first_report_counts_in_full_and_sets_no_rate():
    s = advance(None, "w1", Counters(processed=10), "READING", at(0))
    assert s.totals == Counters(processed=10) and s.averages["1m"]["processed"] == 0.0


def test_averages_move_like_a_load_average():
    s = advance(None, "w1", Counters(), "READING", at(0))
    s = advance(s, "w1", Counters(processed=600), "READING", at(60))  # 10 records/s for a minute
    assert math.isclose(s.averages["1m"]["processed"], 10 * (1 - math.exp(-1)))
    assert math.isclose(s.averages["15m"]["processed"], 10 * (1 - math.exp(-60 / 900)))
    steady = s
    for i in range(2, 40):  # ... and stays at 10/s: the 1-minute average converges to it
        steady = advance(steady, "w1", Counters(processed=600 * i), "READING", at(60 * i))
    assert math.isclose(steady.averages["1m"]["processed"], 10.0, rel_tol=1e-6)
    assert steady.averages["15m"]["processed"] < steady.averages["5m"]["processed"] <= 10.0 + 1e-9


def test_a_new_holder_or_a_counter_going_backwards_counts_in_full():
    s = advance(None, "w1", Counters(processed=500), "READING", at(0))
    s = advance(s, "w2", Counters(processed=40), "READING", at(1))
    assert s.totals.processed == 540
    s = advance(s, "w2", Counters(processed=10), "READING", at(2))  # went backwards: w2 restarted
    assert s.totals.processed == 550
    s = advance(s, "w2", Counters(processed=15), "PUBLISHING", at(3))
    assert s.totals.processed == 555 and s.phase == "PUBLISHING"


def test_same_instant_reports_do_not_divide_by_zero():
    s = advance(None, "w1", Counters(processed=1), "READING", at(0))
    s = advance(s, "w1", Counters(processed=5), "READING", at(0))
    assert s.totals.processed == 5 and s.averages["1m"]["processed"] == 0.0


def test_recent_errors_keep_the_last_five_and_sums_add_up():
    s = None
    for i in range(8):
        s = with_error(s, f"e{i}", at(i))
    assert [m for _, m in s.recent_errors] == ["e3", "e4", "e5", "e6", "e7"]
    a = advance(None, "w1", Counters(processed=3, unparseable=1), "READING", at(0))
    b = advance(None, "w2", Counters(processed=4, thrown_away=2), "READING", at(0))
    totals, averages = combined([a, b])
    assert totals == Counters(processed=7, unparseable=1, thrown_away=2) and set(averages) == {"1m", "5m", "15m"}
    assert from_json(to_json(s)) == s and from_json(to_json(a)) == a


def test_negative_counters_are_violations():
    v = Violations()
    validate_counters(Counters(processed=-1, thrown_away=-2), "report.counters", v)
    assert [f.field for f in v.items] == ["report.counters.processed", "report.counters.thrown_away"]
