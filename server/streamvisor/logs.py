"""Logging: one line per significant action; text for people, JSON lines for log pipelines."""
from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
import threading
import time
from collections.abc import Mapping
from types import MappingProxyType

# Per-RPC context (request id, actor, method), bound by the server's interceptor for the duration of a
# call and added to every record logged during it, whichever logger emits it.
_context: contextvars.ContextVar[Mapping[str, str]] = contextvars.ContextVar("streamvisor_log_context",
                                                                             default=MappingProxyType({}))
CONTEXT_KEYS = ("request_id", "actor", "method")


def event(logger: logging.Logger, level: int, name: str, /, *, exc_info: bool = False, **fields: object) -> None:
    """Logs one significant action: `name` says what happened, `fields` the values (supervisor_id,
    offsets, ...). The fields travel on the record, so the JSON formatter writes them as keys and the
    text formatter as `key=value` after the name - no parsing of the message back. (The first three
    parameters are positional-only, so a field may be called `name` or `level`.)

        logs.event(log, logging.INFO, "supervisor reset", supervisor_id=sid, offsets=changes_text(changes))

    Values are written as given: round floats at the call (`duration_ms=round(ms, 1)`); None and "" are
    written `-` in text. `exc_info=True` adds the traceback of the exception being handled.
    """
    if logger.isEnabledFor(level):
        logger.log(level, name, exc_info=exc_info, extra={"fields": fields}, stacklevel=2)


def debug(logger: logging.Logger, name: str, /, **fields: object) -> None:
    if logger.isEnabledFor(logging.DEBUG):
        logger.log(logging.DEBUG, name, extra={"fields": fields}, stacklevel=2)


def info(logger: logging.Logger, name: str, /, **fields: object) -> None:
    if logger.isEnabledFor(logging.INFO):
        logger.log(logging.INFO, name, extra={"fields": fields}, stacklevel=2)


def warning(logger: logging.Logger, name: str, /, **fields: object) -> None:
    if logger.isEnabledFor(logging.WARNING):
        logger.log(logging.WARNING, name, extra={"fields": fields}, stacklevel=2)


def exception(logger: logging.Logger, name: str, /, **fields: object) -> None:
    """ERROR with the traceback of the exception being handled (call it in an `except` block), like
    `Logger.exception`."""
    if logger.isEnabledFor(logging.ERROR):
        logger.log(logging.ERROR, name, exc_info=True, extra={"fields": fields}, stacklevel=2)


def with_metadata(fields: dict[str, object], metadata: dict[str, object]) -> dict[str, object]:
    """`fields`, then an error's metadata (its dynamic values) - a metadata key never replaces a field."""
    return {**fields, **{k: v for k, v in metadata.items() if k not in fields}}


def _fields_of(record: logging.LogRecord) -> dict[str, object] | None:
    return getattr(record, "fields", None)


def _text(value: object) -> str:
    return "-" if value is None or value == "" else str(value)


def bind_context(**fields: str) -> contextvars.Token:
    """Adds fields (empty ones are skipped) to the log context; `reset_context(token)` restores it."""
    current = _context.get()
    merged = dict(current) if current else {}  # every RPC binds one: skip the copy of an empty context
    for key, value in fields.items():
        if value:
            merged[key] = value if type(value) is str else str(value)
    return _context.set(merged)


def reset_context(token: contextvars.Token) -> None:
    _context.reset(token)


def current_context() -> dict[str, str]:
    return dict(_context.get())


def _context_of(record: logging.LogRecord) -> Mapping[str, str]:
    return getattr(record, "log_context", None) or _context.get()


class ContextFilter(logging.Filter):
    """Captures the RPC context on the record at emit time (put it on handlers, not loggers)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "log_context"):
            record.log_context = dict(_context.get())
        return True


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        fields = _fields_of(record)
        if fields:
            head, sep, tail = text.partition("\n")
            text = head + "".join(f" {k}={_text(v)}" for k, v in fields.items()) + sep + tail
        context = _context_of(record)
        extra = " ".join(f"{k}={context[k]}" for k in CONTEXT_KEYS if context.get(k) and f"{k}=" not in text)
        if not extra:
            return text
        head, sep, tail = text.partition("\n")  # keep a traceback below the line
        return f"{head} {extra}{sep}{tail}"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        # Fields ride on the record (logs.event); a plain line - a library's - is its message alone.
        structured = _fields_of(record) or {}
        fields = {k: v if isinstance(v, (int, float, bool)) or v is None else str(v) for k, v in structured.items()}
        entry["event"] = entry["message"]
        context = _context_of(record)
        for key in CONTEXT_KEYS:
            if context.get(key):
                entry[key] = context[key]
        for key, value in fields.items():
            entry.setdefault(key, value)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry)


class RepeatFilter(logging.Filter):
    """Lets a message through once per `window_s`, counting the lines like it (digits aside) in between.

    librdkafka logs every failed reconnect: while a broker is away, each consumer of a worker printed a
    "Connect to ... failed: Connection refused" line every ~50 ms (1,000+ lines per outage and worker in
    tests/test_end_to_end.py). One line per window, with a count, says the same."""

    _DIGITS = re.compile(r"\d+")

    def __init__(self, window_s: float = 30.0, clock=time.monotonic) -> None:
        super().__init__()
        self.window_s, self.clock = window_s, clock
        self._seen: dict[str, list] = {}  # shape -> [window start, suppressed since]
        self._lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        shape = f"{record.levelno}:{self._DIGITS.sub('N', record.getMessage())}"
        now = self.clock()
        with self._lock:
            seen = self._seen.get(shape)
            if seen is not None and now - seen[0] < self.window_s:
                seen[1] += 1
                return False
            suppressed = seen[1] if seen is not None else 0
            if len(self._seen) > 1000:  # many distinct messages: forget the old ones
                self._seen = {k: v for k, v in self._seen.items() if now - v[0] < self.window_s}
            self._seen[shape] = [now, 0]
        if suppressed:
            record.msg, record.args = f"{record.getMessage()} ({suppressed} similar lines not shown)", None
        return True


def configure(level: str = "INFO", fmt: str = "text") -> None:
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(TextFormatter())
    handler.addFilter(ContextFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # librdkafka reports every reconnect attempt; the adapters already turn failures into errors.
    librdkafka = logging.getLogger("streamvisor.librdkafka")
    librdkafka.setLevel(logging.ERROR)
    if not any(isinstance(f, RepeatFilter) for f in librdkafka.filters):
        librdkafka.addFilter(RepeatFilter())
    logging.getLogger("alembic").setLevel(logging.WARNING)
