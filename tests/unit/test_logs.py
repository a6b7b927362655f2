"""Log lines: structured events (fields on the record, written as key=value in text and as keys in JSON),
and the filter that keeps librdkafka's reconnect attempts from flooding the logs during a broker outage."""
import json
import logging

import pytest

from streamvisor import logs
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


# Structured lines: fields travel on the record; text writes key=value, JSON writes keys --------------


class _Capture(logging.Handler):
    def __init__(self, formatter: logging.Formatter):
        super().__init__(logging.DEBUG)
        self.setFormatter(formatter)
        self.addFilter(logs.ContextFilter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def capture():
    logger = logging.getLogger("streamvisor.test-structured")
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    handlers = []

    def attach(formatter: logging.Formatter) -> _Capture:
        handler = _Capture(formatter)
        logger.addHandler(handler)
        handlers.append(handler)
        return handler

    yield logger, attach
    for handler in handlers:
        logger.removeHandler(handler)


def test_text_writes_the_fields_as_key_value_after_the_event(capture):
    logger, attach = capture
    out = attach(logs.TextFormatter())
    logs.info(logger, "supervisor reset", supervisor_id="a", offsets="0:1->2 1:3->4", generation=3, note=None)
    line = out.lines[-1]
    assert line.endswith(" INFO streamvisor.test-structured supervisor reset supervisor_id=a offsets=0:1->2 1:3->4 "
                         "generation=3 note=-")


def test_json_writes_the_fields_as_keys_without_parsing_the_message(capture):
    logger, attach = capture
    out = attach(logs.JsonFormatter())
    # A value with spaces and `=` in it would not survive the key=value regex; it survives here.
    logs.warning(logger, "security", authentication="off (every caller is admin)", url="http://h:1/m?a=b c=d",
                 count=2, ratio=0.5, flag=True, missing=None)
    entry = json.loads(out.lines[-1])
    assert entry["event"] == entry["message"] == "security" and entry["level"] == "WARNING"
    assert entry["authentication"] == "off (every caller is admin)" and entry["url"] == "http://h:1/m?a=b c=d"
    assert (entry["count"], entry["ratio"], entry["flag"], entry["missing"]) == (2, 0.5, True, None)


def test_event_takes_the_level_and_fields_may_be_called_name_or_level(capture):
    logger, attach = capture
    out = attach(logs.JsonFormatter())
    logs.event(logger, logging.DEBUG, "rpc finished", code="OK", name="x", level="y", logger="z")
    entry = json.loads(out.lines[-1])
    assert (entry["event"], entry["level"], entry["code"], entry["name"]) == ("rpc finished", "DEBUG", "OK", "x")
    assert entry["logger"] == "streamvisor.test-structured"  # the record's own keys win over fields


def test_rpc_context_is_added_and_a_field_of_the_same_name_is_not_repeated(capture):
    logger, attach = capture
    text, as_json = attach(logs.TextFormatter()), attach(logs.JsonFormatter())
    token = logs.bind_context(request_id="req-1", actor="alice", method="/svc/Create")
    try:
        logs.info(logger, "rpc rejected", method="Create", reason="NOPE")
    finally:
        logs.reset_context(token)
    assert text.lines[-1].endswith("rpc rejected method=Create reason=NOPE request_id=req-1 actor=alice")
    entry = json.loads(as_json.lines[-1])
    assert (entry["request_id"], entry["actor"], entry["method"]) == ("req-1", "alice", "/svc/Create")


def test_exception_keeps_the_traceback_below_the_line(capture):
    logger, attach = capture
    text, as_json = attach(logs.TextFormatter()), attach(logs.JsonFormatter())
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        logs.exception(logger, "task failed", task_id="t1")
    first, _, rest = text.lines[-1].partition("\n")
    assert " ERROR " in first and first.endswith("task failed task_id=t1")
    assert rest.startswith("Traceback") and "RuntimeError: boom" in rest
    entry = json.loads(as_json.lines[-1])
    assert (entry["event"], entry["task_id"]) == ("task failed", "t1") and "RuntimeError: boom" in entry["exception"]


def test_disabled_levels_cost_nothing_and_the_caller_is_the_source(capture):
    logger, attach = capture
    out = attach(logging.Formatter("%(filename)s:%(funcName)s %(message)s"))
    logger.setLevel(logging.INFO)
    logs.debug(logger, "not written", x=1)
    logs.info(logger, "written")
    assert out.lines == [f"{__file__.rsplit('/', 1)[1]}:test_disabled_levels_cost_nothing_and_the_caller_is_the_source"
                         " written"]


def test_metadata_never_replaces_a_field():
    assert logs.with_metadata({"reason": "A", "method": "M"}, {"method": "other", "supervisor_id": "s"}) == {
        "reason": "A", "method": "M", "supervisor_id": "s"}


def test_a_plain_line_is_its_message_alone_no_parsing(capture):
    """Fields come from the record only: a library's line that happens to contain key=value is not parsed."""
    logger, attach = capture
    out = attach(logs.JsonFormatter())
    logger.info("connected host=%s", "b:9092")
    entry = json.loads(out.lines[-1])
    assert (entry["event"], entry["message"]) == ("connected host=b:9092", "connected host=b:9092")
    assert "host" not in entry


def test_call_limiter_counts_every_refusal_and_reports_once_per_window():
    from streamvisor.api.interceptors import CallLimiter

    now = [100.0]
    limiter = CallLimiter(1, log_window_s=10.0, clock=lambda: now[0])
    assert limiter.note_refusal() == 1  # the first refusal is reported at once
    assert [limiter.note_refusal() for _ in range(5)] == [0] * 5  # then counted, not reported
    now[0] += 10.0
    assert limiter.note_refusal() == 6  # the next line carries the 5 held back and this one
    assert limiter.refused == 7
