"""Property-based fuzzing of every RPC the server exposes, over a real channel to an in-process server (real
SQLite, the real Kafka at KAFKA_BOOTSTRAP, supervisors and tasks made beforehand so that ids sometimes hit).

Requests are built from the message descriptors alone (tests do not list methods or fields): strings with
odd unicode, huge and empty ones, and the ids, names and settings known to exist; ints at the int32/int64
edges; enums with unknown values; repeated fields and maps of hundreds of entries; Timestamps at and beyond
protobuf's range. Raw bodies that do not parse are sent too: random bytes, truncations, invalid UTF-8
planted in a (nested) string field, huge length prefixes.

What must hold for every call:
- never INTERNAL or UNKNOWN (nor DEADLINE_EXCEEDED: nothing hangs);
- every error carries an ErrorInfo, domain "streamvisor", reason a value of the generated ErrorReason enum;
  a body that does not parse is INVALID_ARGUMENT / MALFORMED_REQUEST;
- the trailers weigh less than gRPC's default 8 KiB metadata limit, and the client (default options) sees
  the server's code, not RESOURCE_EXHAUSTED;
- a rejected mutating call changed nothing: every supervisor and its history (tests/helpers.snapshot), and
  every row of the metadata store.

Deterministic (derandomize=True) and bounded (max_examples per method), so CI runs the same examples each
time in about 40 s.
"""
from __future__ import annotations

import collections
import os

import grpc
import pytest
from google.protobuf import message_factory
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import DecodeError
from grpc_health.v1 import health_pb2
from grpc_reflection.v1alpha import reflection_pb2
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, select, text

from conftest import Topics, start_server
from helpers import kafka_spec, snapshot
from streamvisor.api.auth import _is_read_only
from streamvisor.app.scheduler import Scheduler
from streamvisor.client import StreamvisorClient, StreamvisorError
from streamvisor.store import schema
from streamvisor.v1 import error_reason_pb2, supervisor_pb2, supervisor_service_pb2, task_service_pb2
from wire import DEFAULT_MAX_METADATA_BYTES, path_of, trailer_bytes

pytestmark = pytest.mark.kafka

# Every method of every service, from the file descriptors the server registers.
APPLICATION_SERVICES = [f.DESCRIPTOR.services_by_name[name] for f, name in (
    (supervisor_service_pb2, "SupervisorService"), (task_service_pb2, "TaskService"))]
PROTOCOL_SERVICES = [health_pb2.DESCRIPTOR.services_by_name["Health"],
                     reflection_pb2.DESCRIPTOR.services_by_name["ServerReflection"]]
APPLICATION_METHODS = [m for s in APPLICATION_SERVICES for m in s.methods]
ALL_METHODS = APPLICATION_METHODS + [m for s in PROTOCOL_SERVICES for m in s.methods]
REASONS = {name.removeprefix("ERROR_REASON_") for name in error_reason_pb2.ErrorReason.keys()} - {"UNSPECIFIED"}

FUZZ = settings(derandomize=True, deadline=None, database=None, max_examples=45,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                       HealthCheck.data_too_large, HealthCheck.filter_too_much])

# Names the fuzzer may invent for new supervisors (and, through `stream`, topics: the broker auto-creates
# a topic a metadata request names, so the ones it made are deleted afterwards).
FRESH_PREFIX = "fz-new-"
INT32 = (-2 ** 31, 2 ** 31 - 1)
INT64 = (-2 ** 63, 2 ** 63 - 1)
UINT32, UINT64 = (0, 2 ** 32 - 1), (0, 2 ** 64 - 1)
TIMESTAMP_SECONDS = (-62_135_596_800, 253_402_300_799)
DURATION_SECONDS = 315_576_000_000


class World:
    """What exists on the server, for the strategies to draw from so that calls get past validation: its
    strings (ids, names, etags, settings), and real messages of each type (the supervisors' specs as the
    server returns them) for the fuzzer to mutate a few fields of."""

    def __init__(self):
        self.strings: list[str] = []
        self.messages: dict[str, list] = {}


WORLD = World()


def _fuzz_database(request, tmp_path_factory) -> str:
    """A fresh database for the module: SQLite, or a copy of the migrated PostgreSQL template - the
    production database, whose text type refuses what SQLite's accepts (U+0000)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('fuzz')}/fuzz.db"
    template = request.getfixturevalue("pg_template")
    base = os.environ["STREAMVISOR_TEST_PG_URL"]
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    name = f"sv_fuzz_{os.getpid()}"
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        c.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    admin.dispose()
    return base.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def fuzz_server(request, tmp_path_factory, kafka_admin, kafka_bootstrap):
    topics = Topics(kafka_admin, kafka_bootstrap)
    before_topics = set(kafka_admin.list_topics(timeout=10).topics)
    # A short broker timeout: fuzzed consumer properties name brokers that do not exist.
    server = start_server(_fuzz_database(request, tmp_path_factory), kafka_bootstrap, broker_timeout_s=1.0)
    try:
        live, small = topics.create(3, "fz"), topics.create(1, "fz")
        topics.produce(live, {0: 30, 1: 20, 2: 5})
        topics.produce(small, {0: 10})
        with StreamvisorClient(f"127.0.0.1:{server.port}", retries=0) as c:
            c.create_supervisor("fz-live", kafka_spec(live))
            c.create_supervisor("fz-locked", kafka_spec(live, task_count=1, context={"taskLockType": "APPEND"}))
            c.create_supervisor("fz-nolocks", kafka_spec(small, context={}))
            c.create_supervisor("fz-bounded", kafka_spec(live, bounded_ranges=[
                supervisor_pb2.OffsetRange(partition=0, start_offset=0, end_offset=25),
                supervisor_pb2.OffsetRange(partition=2, start_offset=1, end_offset=5)]))
            c.suspend_supervisor(c.create_supervisor("fz-paused", kafka_spec(small)).id)
            c.terminate_supervisor(c.create_supervisor("fz-gone", kafka_spec(small)).id)
        # One scheduling pass (the scheduler thread stays off: nothing may change between snapshots but
        # the fuzzer's own calls): checkpoints resolved, tasks created; one task leased to a known worker.
        Scheduler(server.store, server.streams, server.service).run_once()
        leased = server.tasks.acquire("fz-worker", 600)
        with server.store.read() as tx:
            task_ids = [t.id for t in sorted(tx.list_tasks(), key=lambda t: (t.supervisor_id, t.task_group))]
        with StreamvisorClient(f"127.0.0.1:{server.port}", retries=0) as c:
            supervisors = list(c.iter_supervisors())
            etags = sorted({s.etag for s in supervisors})
            WORLD.messages["streamvisor.v1.SupervisorSpec"] = [s.spec for s in supervisors]
            WORLD.messages["streamvisor.v1.OffsetRange"] = [r for s in supervisors for r in s.spec.bounded_ranges]
            WORLD.messages["streamvisor.v1.PartitionResetTarget"] = [
                supervisor_service_pb2.PartitionResetTarget(partition=p, offset=o) for p, o in ((0, 3), (1, 0), (2, 5))]
            page_token = c.list_supervisors(page_size=1).next_page_token
        # A fixed order, the values that differ from run to run (topic names, task ids) in fixed places:
        # the derandomized examples then pick the same kind of string at the same place in every run.
        WORLD.strings = list(dict.fromkeys([
            "fz-live", "fz-locked", "fz-nolocks", "fz-bounded", "fz-paused", "fz-gone", "fz-missing",
            f"{FRESH_PREFIX}1", f"{FRESH_PREFIX}2", live, small, *etags, "v0", "v999", page_token,
            *task_ids, "fz-worker", "fz-other-worker", leased[0].id if leased else "",
            "segments/0001.jsonl", "req-1", "req-2", "bootstrap.servers", kafka_bootstrap, "127.0.0.1:1",
            "isolation.level", "read_uncommitted", "security.protocol", "SASL_SSL", "socket.timeout.ms", "-1",
            "rabbitmq.url", "rabbitmq-stream://guest:guest@127.0.0.1:15552/%2f", "rabbitmq.super_stream",
            "useConcurrentLocks", "taskLockType", "true", "false", "APPEND", "append", "REPLACE",
            "streamvisor.v1.SupervisorService", "grpc.health.v1.Health", "", "0"]))
        yield server
    finally:
        server.stop(0)
        topics.cleanup()
        made = [t for t in set(kafka_admin.list_topics(timeout=10).topics) - before_topics
                if t.startswith((FRESH_PREFIX, "fz-missing"))]
        if made:
            for f in kafka_admin.delete_topics(made, operation_timeout=30).values():
                try:
                    f.result(timeout=60)
                except Exception:
                    pass


# Strategies from descriptors ---------------------------------------------------------------------------

def _strings() -> st.SearchStrategy[str]:
    odd = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=24)
    known = st.sampled_from(WORLD.strings)
    return st.one_of(
        known, known, known, known,  # mostly values that mean something here, so calls get past validation
        # Free text always carries one character no id or topic name may hold, so the fuzzer never names
        # (and the broker never auto-creates) a topic outside FRESH_PREFIX.
        st.tuples(odd, st.sampled_from(["\u202e", "\x00", " ", "/", "\U0001F600", "\ufeff", "é"]), odd)
        .map("".join),
        st.sampled_from(["", " ", "x" * 256, "a" * 20_000, "é" * 5_000, "\U0001F600" * 1_000, "-" * 300]),
    )


_EDGES = (0, 1, -1, 2, 600, 601, 1024, 1025, 2 ** 31 - 1, -2 ** 31, 2 ** 31, 2 ** 32, 2 ** 53, -2 ** 53)


def _ints(bounds: tuple[int, int]) -> st.SearchStrategy[int]:
    low, high = bounds
    edges = sorted({low, high, low + 1, high - 1, *(v for v in _EDGES if low <= v <= high)})
    small = st.integers(max(low, -3), min(high, 40))
    return st.one_of(small, small, st.sampled_from(edges), st.integers(low, high))


def _scalar(field: FieldDescriptor) -> st.SearchStrategy:
    t = field.type
    if t == FieldDescriptor.TYPE_STRING:
        return _strings()
    if t == FieldDescriptor.TYPE_BYTES:
        return st.binary(max_size=64)
    if t == FieldDescriptor.TYPE_BOOL:
        return st.booleans()
    if t == FieldDescriptor.TYPE_ENUM:
        known = [v.number for v in field.enum_type.values]
        return st.one_of(st.sampled_from(known), _ints(INT32))  # proto3 enums are open: unknown values parse
    if t in (FieldDescriptor.TYPE_INT32, FieldDescriptor.TYPE_SINT32, FieldDescriptor.TYPE_SFIXED32):
        return _ints(INT32)
    if t in (FieldDescriptor.TYPE_INT64, FieldDescriptor.TYPE_SINT64, FieldDescriptor.TYPE_SFIXED64):
        return _ints(INT64)
    if t in (FieldDescriptor.TYPE_UINT32, FieldDescriptor.TYPE_FIXED32):
        return _ints(UINT32)
    if t in (FieldDescriptor.TYPE_UINT64, FieldDescriptor.TYPE_FIXED64):
        return _ints(UINT64)
    if t in (FieldDescriptor.TYPE_DOUBLE, FieldDescriptor.TYPE_FLOAT):
        return st.floats(allow_nan=True, allow_infinity=True, width=32 if t == FieldDescriptor.TYPE_FLOAT else 64)
    raise AssertionError(f"no strategy for field type {t} ({field.full_name})")


def _well_known(descriptor) -> st.SearchStrategy | None:
    cls = message_factory.GetMessageClass(descriptor)
    if descriptor.full_name == "google.protobuf.Timestamp":
        low, high = TIMESTAMP_SECONDS
        seconds = st.one_of(st.sampled_from([low, high, low - 1, high + 1, 0, -1, 1_790_000_000, *INT64]),
                            st.integers(0, 2_000_000_000), _ints(INT64))
        nanos = st.one_of(st.sampled_from([0, 999_999_999, 1_000_000_000, -1, *INT32]), _ints(INT32))
        return st.builds(lambda s, n: cls(seconds=s, nanos=n), seconds, nanos)
    if descriptor.full_name == "google.protobuf.Duration":
        seconds = st.one_of(st.sampled_from([-DURATION_SECONDS, DURATION_SECONDS, DURATION_SECONDS + 1, 0]),
                            _ints(INT64))
        return st.builds(lambda s, n: cls(seconds=s, nanos=n), seconds, _ints(INT32))
    return None


def _many(element: st.SearchStrategy, amplified) -> st.SearchStrategy:
    """A few elements usually; sometimes hundreds (one short list repeated)."""
    few = st.lists(element, max_size=3)
    return st.one_of(few, st.tuples(st.lists(element, min_size=1, max_size=2), st.sampled_from([50, 120]))
                     .map(amplified))


_MESSAGES: dict[str, st.SearchStrategy] = {}


def messages(descriptor, depth: int = 0) -> st.SearchStrategy:
    """Instances of the message `descriptor`, each field absent or drawn from its type's strategy."""
    special = _well_known(descriptor)
    if special is not None:
        return special
    if descriptor.full_name in _MESSAGES:
        return _MESSAGES[descriptor.full_name]
    cls = message_factory.GetMessageClass(descriptor)
    fields = {}
    for field in descriptor.fields:
        if field.message_type is not None and field.message_type.GetOptions().map_entry:
            entry = field.message_type.fields_by_name
            key_field, value_field = entry["key"], entry["value"]
            value = messages(value_field.message_type, depth + 1) if value_field.message_type else _scalar(value_field)
            few = st.dictionaries(_scalar(key_field), value, max_size=4)
            many = st.tuples(value, st.sampled_from([50, 120])).map(lambda vn: {f"k{i}": vn[0] for i in range(vn[1])})
            strategy = st.one_of(few, many)
        elif field.message_type is not None:
            element = messages(field.message_type, depth + 1) if depth < 4 else st.just(
                message_factory.GetMessageClass(field.message_type)())
            strategy = _many(element, lambda ln: ln[0] * ln[1]) if field.is_repeated else element
        else:
            strategy = _many(_scalar(field), lambda ln: ln[0] * ln[1]) if field.is_repeated else _scalar(field)
        fields[field.name] = st.one_of(st.none(), strategy)  # None: leave the field unset

    def build(values: dict):
        message = cls()
        for name, value in values.items():
            if value is None:
                continue
            field = descriptor.fields_by_name[name]
            if field.message_type is not None and field.message_type.GetOptions().map_entry:
                target = getattr(message, name)
                for k, v in value.items():
                    if field.message_type.fields_by_name["value"].message_type:
                        target[k].CopyFrom(v)
                    else:
                        target[k] = v
            elif field.is_repeated:
                getattr(message, name).extend(value)
            elif field.message_type is not None:
                getattr(message, name).CopyFrom(value)
            else:
                setattr(message, name, value)  # a oneof member set later replaces an earlier one: fine
        return message

    strategy = st.fixed_dictionaries(fields).map(build)
    known = WORLD.messages.get(descriptor.full_name)
    if known:
        # A real message with some fields replaced: gets past validation far more often than all-random.
        keep = object()
        changes = st.fixed_dictionaries({name: st.one_of(st.just(keep), st.just(keep), st.just(keep), f)
                                         for name, f in fields.items()})

        def mutate(base_and_changes):
            base, new = base_and_changes
            message = cls()
            message.CopyFrom(base)
            replaced = build({k: v for k, v in new.items() if v is not keep and v is not None})
            for name, value in new.items():
                if value is None:
                    message.ClearField(name)
                elif value is not keep:
                    message.ClearField(name)
                    field = descriptor.fields_by_name[name]
                    if field.is_repeated or field.message_type is not None:
                        getattr(message, name).MergeFrom(getattr(replaced, name))
                    else:
                        setattr(message, name, getattr(replaced, name))
            return message

        strategy = st.one_of(st.tuples(st.sampled_from(known), changes).map(mutate), strategy)
    _MESSAGES[descriptor.full_name] = strategy
    return strategy


# Raw bodies that must not parse ----------------------------------------------------------------------

def _varint(n: int) -> bytes:
    out = bytearray()
    n &= (1 << 64) - 1
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _string_paths(descriptor, depth: int = 0) -> list[list[int]]:
    """Field-number paths from `descriptor` to every (possibly nested) string field."""
    paths = []
    for field in descriptor.fields:
        if field.type == FieldDescriptor.TYPE_STRING:
            paths.append([field.number])
        elif field.message_type is not None and depth < 3:
            paths += [[field.number] + p for p in _string_paths(field.message_type, depth + 1)]
    return paths


def _nested(path: list[int], payload: bytes) -> bytes:
    """`payload` as the value of the length-delimited field at `path`."""
    for number in reversed(path):
        payload = _varint(number << 3 | 2) + _varint(len(payload)) + payload
    return payload


def garbage_bodies(method) -> st.SearchStrategy[bytes]:
    request = messages(method.input_type).map(lambda m: m.SerializeToString())
    invalid_utf8 = st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"ok\x80ok", b"\xc0\xaf"])
    kinds = [
        st.binary(min_size=1, max_size=64),
        # A valid request cut short (inside a varint, a length or a value, or exactly at a field boundary).
        request.flatmap(lambda raw: st.integers(0, max(0, len(raw) - 1)).map(lambda n: raw[:n]) if raw
                        else st.just(b"\x08")),
        st.tuples(request, st.sampled_from([b"\x08\x80", b"\x10\xff\xff\xff", b"\x08" + b"\xff" * 10 + b"\x01"]))
        .map(lambda rb: rb[0] + rb[1]),  # truncated / overlong varints
        st.tuples(request, st.integers(1, 30), st.sampled_from([2 ** 31 - 1, 2 ** 32, 2 ** 62, 2 ** 64 - 1, 1000]))
        .map(lambda r: r[0] + _varint(r[1] << 3 | 2) + _varint(r[2]) + b"abc"),  # huge length prefixes
    ]
    paths = _string_paths(method.input_type)
    if paths:
        kinds.append(st.tuples(request, st.sampled_from(paths), invalid_utf8).map(lambda r: r[0] + _plant(r[1], r[2])))
    return st.one_of(kinds)


def _plant(path: list[int], bad: bytes) -> bytes:
    """A string field at `path` holding the bytes `bad` (the enclosing messages around it)."""
    *outer, last = path
    return _nested(outer, _varint(last << 3 | 2) + _varint(len(bad)) + bad)


# The checks ------------------------------------------------------------------------------------------

def state_of(server, client: StreamvisorClient) -> tuple:
    """Everything a call could change: what operators see, and every row of the metadata store."""
    rows = []
    with server.engine.connect() as connection:
        for table in schema.metadata.sorted_tables:
            if table.name != "leases":
                rows.append((table.name, sorted(map(repr, connection.execute(select(table)).all()))))
    return snapshot(client), rows


# (method name, code, reason) of every call: the last test checks the fuzzer reached past validation.
OUTCOMES: collections.Counter = collections.Counter()


def check(server, client, channel, method, body: bytes, *, mutating: bool, parses: bool) -> None:
    before = state_of(server, client) if mutating else None
    path = path_of(method)
    try:
        if method.client_streaming:
            for _ in channel.stream_stream(path)(iter([body]), timeout=30):
                pass
        elif method.server_streaming:
            call = channel.unary_stream(path)(body, timeout=30)
            try:
                next(call, None)
            finally:
                call.cancel()
        else:
            channel.unary_unary(path)(body, timeout=30)
        OUTCOMES[(method.name, "OK", "")] += 1
        return
    except grpc.RpcError as rpc_error:
        error = rpc_error
    code = error.code()
    OUTCOMES[(method.name, code.name, StreamvisorError.from_rpc_error(error).reason)] += 1
    name = f"{method.containing_service.full_name}/{method.name}"
    assert code not in (grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN, grpc.StatusCode.DEADLINE_EXCEEDED), \
        f"{name}: {code.name} {error.details()!r} for body {body[:200]!r}"
    if code is grpc.StatusCode.CANCELLED and method.server_streaming:
        return  # our own cancel of a health Watch
    size = trailer_bytes(error)
    assert size < DEFAULT_MAX_METADATA_BYTES, f"{name}: {size} bytes of trailers"
    e = StreamvisorError.from_rpc_error(error)
    if not parses:
        assert (code, e.reason, e.domain, e.metadata.get("method")) == (
            grpc.StatusCode.INVALID_ARGUMENT, "MALFORMED_REQUEST", "streamvisor", name), f"{name}: {e}"
    if method.containing_service in APPLICATION_SERVICES or not parses:
        assert e.domain == "streamvisor" and e.reason in REASONS, f"{name}: no ErrorInfo with a known reason: {e}"
        assert code is not grpc.StatusCode.RESOURCE_EXHAUSTED or e.reason == "SERVER_BUSY", f"{name}: {e}"
    if mutating:
        assert state_of(server, client) == before, f"{name} was rejected ({e}) but changed state"


def _parses(method, body: bytes) -> bool:
    try:
        message_factory.GetMessageClass(method.input_type).FromString(body)
        return True
    except DecodeError:
        return False


@pytest.fixture(scope="module")
def connections(fuzz_server):
    # Default channel options: the client's 8 KiB metadata limit is the one real clients have.
    with grpc.insecure_channel(f"127.0.0.1:{fuzz_server.port}") as channel, \
            StreamvisorClient(f"127.0.0.1:{fuzz_server.port}", retries=0) as client:
        yield fuzz_server, client, channel


def _method_id(method) -> str:
    return f"{method.containing_service.name}.{method.name}"


@pytest.mark.parametrize("method", APPLICATION_METHODS, ids=_method_id)
def test_fuzzed_requests(connections, method):
    server, client, channel = connections
    mutating = not _is_read_only(method.name)

    @FUZZ
    @given(request=messages(method.input_type))
    def run(request):
        # Past STREAMVISOR_MAX_MESSAGE_BYTES gRPC itself answers RESOURCE_EXHAUSTED before any of our code runs.
        assume(request.ByteSize() < server.config.max_message_bytes)
        check(server, client, channel, method, request.SerializeToString(), mutating=mutating, parses=True)

    run()


@pytest.mark.parametrize("method", ALL_METHODS, ids=_method_id)
def test_garbage_bodies(connections, method):
    server, client, channel = connections
    mutating = method.containing_service in APPLICATION_SERVICES and not _is_read_only(method.name)

    @settings(FUZZ, max_examples=15)
    @given(body=garbage_bodies(method))
    def run(body):
        check(server, client, channel, method, body, mutating=mutating, parses=_parses(method, body))

    run()


def test_the_fuzzer_reached_past_validation():
    """Not only rejections: calls succeeded, and the state-dependent answers came up too."""
    print("\n".join(f"{n:5d} {m} {c} {r}" for (m, c, r), n in sorted(OUTCOMES.items())))
    ok = {m for (m, c, _), n in OUTCOMES.items() if c == "OK"}
    reasons = {r for (_, _, r) in OUTCOMES}
    assert len(ok) >= 6, ok
    assert {"SUPERVISOR_NOT_FOUND", "INVALID_ARGUMENT", "MALFORMED_REQUEST", "TASK_NOT_FOUND"} <= reasons, reasons
