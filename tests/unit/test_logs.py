"""The filter that keeps librdkafka's reconnect attempts from flooding the logs during a broker outage."""
import logging

from streamvisor.logs import RepeatFilter


def _record(message: str, level: int = logging.ERROR) -> logging.LogRecord:
    return logging.LogRecord("streamvisor.librdkafka", level, __file__, 1, message, None, None)


def test_one_line_per_window_with_the_count_of_the_lines_like_it():
    now = [0.0]
    f = RepeatFilter(window_s=30, clock=lambda: now[0])
    refused = "FAIL [rdkafka#consumer-1] 127.0.0.1:{}/bootstrap: Connect failed: Connection refused (after {}ms)"
    assert f.filter(_record(refused.format(19092, 0)))
    passed = []
    for i in range(600):  # every 50 ms for 30 s, with varying numbers in the text
        now[0] += 0.05
        r = _record(refused.format(19092, i % 3))
        if f.filter(r):
            passed.append(r.getMessage())
    assert len(passed) == 1 and passed[0].endswith("(599 similar lines not shown)")
    assert f.filter(_record("FAIL something else entirely"))  # a different message is not held back
