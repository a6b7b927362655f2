"""CommitCheckpoint throughput on PostgreSQL with 16 concurrent committers, beside a bare single-row
UPDATE loop on the same PostgreSQL, and the same commit called in-process without gRPC.

    python bench/bench_commit.py [--committers 16] [--duration 8] [--max-workers 16,32]
                                 [--layouts supervisors,groups] [--client-processes 2] [--no-go-committer]
                                 [--profile]

Every server gets its own PostgreSQL database (created for the run, dropped WITH (FORCE) after it), a
fresh in-process server on port 0 with the scheduler off (one Scheduler.run_once() by hand resolves the
start offsets and creates the tasks, so no scheduler pass competes with the commits), and 16 tasks
leased through AcquireTask by 16 worker ids ("committer-00".."committer-15", lease 600 s). Each
committer then publishes consecutive ranges [n, n+100) of its one partition with a fresh location, so
every commit is accepted: the full CAS (task row lock, supervisor row lock, replay lookup, checkpoint
read, checkpoint upsert, segment + segment_range inserts, lease renewal) in one transaction.

Layouts (--layouts), i.e. what the 16 committers share:

  supervisors  16 supervisors (task_count 1) on a 1-partition topic: one task each. 16 independent
               pipelines, as 16 streaming supervisors (or a supervisor and its backfills) produce. Commits
               lock 16 different supervisor rows, so none waits for another in the database. This is
               the layout the target is about.
  groups       1 supervisor with task_count 16 on a 16-partition topic: one single-partition task each.
               Every commit takes the same supervisor row lock (SELECT ... FOR UPDATE), so commits are
               serialised in PostgreSQL: shows what one wide supervisor can take.

Phases, each counted over --duration seconds after --warmup seconds, committers started together:

  grpc        TaskClient.commit over a real channel (one TaskClient, i.e. one channel, per committer
              thread, as 16 workers would have), threads in this process.
  grpc-procs  the same 16 committers spread over --client-processes processes (0 turns it off), so the
              clients do not share the server's GIL: what the server takes from 16 external workers.
  grpc-go     the same 16 committers as goroutines of one Go process (bench/gocommitter, the generated Go
              stubs of clients/go; one grpc.ClientConn each), so the clients' own gRPC/protobuf CPU is a
              fraction of Python's and takes less of the cores the server and PostgreSQL share. Built with
              `go build` into bench/gocommitter/bin at the start of the run (--no-go-committer skips it).
              The Go process's own CPU per call (its rusage over the counted window) is printed too.
  app         server.tasks.commit (TaskService.commit) called in-process by 16 threads: the same
              transaction without gRPC and protobuf.
  sql-auto    Baseline: 16 threads, each its own psycopg connection in autocommit mode, UPDATE of its
              own row of a scratch table: one statement, one round trip, one transaction per call.
  sql-tx      Baseline: the same UPDATE in an explicit transaction through SQLAlchemy Core
              (create_store_engine, pool 16: BEGIN, UPDATE, COMMIT), the way the server runs statements.

A refused call (RESOURCE_EXHAUSTED: the server's call limiter admits max_workers - reserved_workers
calls at once) is counted, not as a commit, and retried after 1-4 ms. The server's DB pool is
config.max_workers (pool_size, plus as much overflow); --max-workers lists the values to run.

Then, single-threaded: the anatomy of one commit (statements per commit, time inside cursor.execute,
the rest) and, with --profile, a cProfile of --profile-commits app-layer commits.

Targets (issue 13): >= 1,000 commits/s with 16 concurrent committers, and >= 0.25 of the same run's sql-tx
rate; the verdict lines check both.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import json
import logging
import multiprocessing as mp
import pstats
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import grpc
import psycopg
from sqlalchemy import BigInteger, Column, Integer, MetaData, Table, bindparam, insert, update

from _common import (
    DEFAULT_BOOTSTRAP, DEFAULT_PG_URL, PostgresDatabase, Topic, code_version, configure_logging, environment_line,
    kafka_spec, load_average, percentile, start_server,
)
from streamvisor.app.scheduler import Scheduler
from streamvisor.client import StreamvisorClient, StreamvisorError
from streamvisor.client.tasks import TaskClient
from streamvisor.domain.model import OffsetRange
from streamvisor.store.engine import create_store_engine
from streamvisor.v1 import supervisor_pb2 as pb

TARGET = 1000.0
TARGET_SQL_TX = 0.25  # of the same run's sql-tx rate
RECORDS = 100  # per commit; only a figure in the segment row
GO_COMMITTER = Path(__file__).resolve().parent / "gocommitter"  # the grpc-go phase's program (main.go)


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--bootstrap", default=DEFAULT_BOOTSTRAP, help="Kafka bootstrap servers (env KAFKA_BOOTSTRAP)")
    p.add_argument("--pg-url", default=DEFAULT_PG_URL,
                   help="any database of the PostgreSQL server (env STREAMVISOR_TEST_PG_URL); the benchmark "
                        "creates and drops its own databases next to it")
    p.add_argument("--committers", type=int, default=16)
    p.add_argument("--duration", type=float, default=8.0, help="counted seconds per phase")
    p.add_argument("--warmup", type=float, default=1.0, help="uncounted seconds at the start of each phase")
    p.add_argument("--max-workers", default="16,32",
                   help="comma-separated ServerConfig.max_workers values (gRPC threads and DB pool size); "
                        "one server and database each")
    p.add_argument("--layouts", default="supervisors,groups", help="comma-separated: supervisors, groups")
    p.add_argument("--group-commits", default="on,off",
                   help="comma-separated on/off: the server groups concurrent commits in one transaction "
                        "(ServerConfig.group_commits), or not; one server each, alternated in the same run")
    p.add_argument("--client-processes", type=int, default=2,
                   help="processes for the grpc-procs phase (0: skip it)")
    p.add_argument("--go-committer", action=argparse.BooleanOptionalAction, default=True,
                   help="run the grpc-go phase (16 committers in a Go process; needs Go to build "
                        "bench/gocommitter)")
    p.add_argument("--anatomy-commits", type=int, default=300, help="single-threaded commits per anatomy figure")
    p.add_argument("--profile", action="store_true", help="also cProfile single-threaded app-layer commits")
    p.add_argument("--profile-commits", type=int, default=1000)
    p.add_argument("--profile-top", type=int, default=30)
    p.add_argument("--log-level", default="WARNING", help="server log level (the server itself runs at INFO)")
    return p.parse_args()


# Committers --------------------------------------------------------------------------------------------
@dataclass
class Lease:
    """One leased single-partition task and where its next commit starts."""
    task_id: str
    worker_id: str
    supervisor_id: str
    partition: int
    position: int
    sequence: int = 0

    def next_location(self) -> str:
        self.sequence += 1
        return f"file:///bench/{self.supervisor_id}/{self.task_id}-{self.sequence:08d}.jsonl"


class GrpcCommitter:
    """CommitCheckpoint over gRPC; False when the server refused the call as busy."""

    def __init__(self, address: str, lease: Lease):
        self.lease = lease
        self.client = TaskClient(address, retry_for_s=0)

    def __call__(self) -> bool:
        lease = self.lease
        end = lease.position + RECORDS
        try:
            self.client.commit(lease.task_id, lease.worker_id,
                               [pb.OffsetRange(partition=lease.partition, start_offset=lease.position, end_offset=end)],
                               lease.next_location(), RECORDS)
        except StreamvisorError as e:
            if e.code == grpc.StatusCode.RESOURCE_EXHAUSTED:
                return False
            raise
        lease.position = end
        return True

    def close(self) -> None:
        self.client.close()


class AppCommitter:
    """TaskService.commit in-process: the use case and its transaction, no gRPC, no protobuf."""

    def __init__(self, server, lease: Lease):
        self.tasks = server.tasks
        self.lease = lease

    def __call__(self) -> bool:
        lease = self.lease
        end = lease.position + RECORDS
        self.tasks.commit(lease.task_id, lease.worker_id, [OffsetRange(lease.partition, lease.position, end)],
                          lease.next_location(), RECORDS)
        lease.position = end
        return True

    def close(self) -> None:
        pass


class SqlAutocommit:
    """The floor: one UPDATE of one row, its own transaction (psycopg autocommit), one round trip."""

    def __init__(self, url: str, row: int):
        import psycopg
        self.connection = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True)
        self.row = row

    def __call__(self) -> bool:
        self.connection.execute("UPDATE bench_commit_rows SET next_offset = next_offset + 100 WHERE id = %s",
                                (self.row,))
        return True

    def close(self) -> None:
        self.connection.close()


class SqlTransaction:
    """The same UPDATE in BEGIN ... COMMIT through SQLAlchemy Core, as the server's store runs statements."""

    def __init__(self, engine, table: Table, row: int):
        self.engine, self.row = engine, row
        self.statement = update(table).where(table.c.id == bindparam("r")).values(
            next_offset=table.c.next_offset + 100)

    def __call__(self) -> bool:
        with self.engine.begin() as c:
            c.execute(self.statement, {"r": self.row})
        return True

    def close(self) -> None:
        pass


# Running a phase -------------------------------------------------------------------------------------
@dataclass
class Outcome:
    completions: list[float] = field(default_factory=list)  # perf_counter at each accepted call's return
    latencies: list[float] = field(default_factory=list)
    busy: int = 0
    error: str = ""


def _loop(call: Callable[[], bool], outcome: Outcome, start: float, stop_at: float) -> None:
    while time.perf_counter() < start:
        time.sleep(0.0005)
    try:
        while True:
            t0 = time.perf_counter()
            if t0 >= stop_at:
                return
            accepted = call()
            t1 = time.perf_counter()
            if accepted:
                outcome.completions.append(t1)
                outcome.latencies.append(t1 - t0)
            else:
                outcome.busy += 1
                time.sleep(random.uniform(0.001, 0.004))
    except Exception as e:  # reported with the phase; a failed phase must not hang the run
        outcome.error = f"{type(e).__name__}: {e}"


def _cpu_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


@dataclass
class PhaseResult:
    name: str
    rate: float
    commits: int
    busy: int
    latencies: list[float]
    process_cpu_per_call_ms: float
    process_cores: float  # CPU seconds of this process per second: 1.0 = one core, the GIL's ceiling
    machine_busy: float  # 0..1 of all cores
    errors: list[str]
    client_cpu_s: float | None = None  # grpc-go: the Go committers' own CPU seconds over the counted window


def summarise(name: str, outcomes: list[Outcome], window: tuple[float, float], cpu_s: float,
              machine: tuple[int, int]) -> PhaseResult:
    lo, hi = window
    counted = sum(1 for o in outcomes for t in o.completions if lo <= t < hi)
    latencies = [lat for o in outcomes for t, lat in zip(o.completions, o.latencies) if lo <= t < hi]
    busy = sum(o.busy for o in outcomes)
    seconds = hi - lo
    return PhaseResult(name, counted / seconds, counted, busy, latencies,
                       cpu_s / max(1, counted) * 1000, cpu_s / seconds, machine[0] / max(1, machine[1]),
                       [o.error for o in outcomes if o.error])


def run_threads(name: str, calls: list[Callable[[], bool]], args) -> PhaseResult:
    outcomes = [Outcome() for _ in calls]
    start = time.perf_counter() + 0.2
    lo, hi = start + args.warmup, start + args.warmup + args.duration
    threads = [threading.Thread(target=_loop, args=(c, o, start, hi), daemon=True) for c, o in zip(calls, outcomes)]
    for t in threads:
        t.start()
    time.sleep(max(0.0, lo - time.perf_counter()))
    cpu0, (busy0, total0) = time.process_time(), _cpu_ticks()
    time.sleep(max(0.0, hi - time.perf_counter()))
    cpu1, (busy1, total1) = time.process_time(), _cpu_ticks()
    for t in threads:
        t.join(timeout=60)
    return summarise(name, outcomes, (lo, hi), cpu1 - cpu0, (busy1 - busy0, total1 - total0))


def _process_main(address: str, leases: list[Lease], start: float, stop_at: float, results) -> None:
    """A client process: its share of the committers as threads; sends back outcomes and positions."""
    committers = [GrpcCommitter(address, lease) for lease in leases]
    outcomes = [Outcome() for _ in committers]
    threads = [threading.Thread(target=_loop, args=(c, o, start, stop_at)) for c, o in zip(committers, outcomes)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for c in committers:
        c.close()
    results.put((outcomes, leases))


def run_processes(name: str, address: str, leases: list[Lease], processes: int, args) -> PhaseResult:
    ctx = mp.get_context("spawn")  # never fork a process that runs a gRPC server
    results = ctx.Queue()
    shares = [leases[i::processes] for i in range(processes)]
    # Spawned interpreters take ~1-2 s to import grpc and the SDK: start well after that.
    start = time.perf_counter() + 4.0
    lo, hi = start + args.warmup, start + args.warmup + args.duration
    children = [ctx.Process(target=_process_main, args=(address, share, start, hi, results), daemon=True)
                for share in shares if share]
    for c in children:
        c.start()
    time.sleep(max(0.0, lo - time.perf_counter()))
    cpu0, (busy0, total0) = time.process_time(), _cpu_ticks()
    time.sleep(max(0.0, hi - time.perf_counter()))
    cpu1, (busy1, total1) = time.process_time(), _cpu_ticks()
    outcomes: list[Outcome] = []
    by_task = {lease.task_id: lease for lease in leases}
    for _ in children:
        got, moved = results.get(timeout=120)
        outcomes += got
        for lease in moved:  # carry the positions on, for any later phase on the same leases
            by_task[lease.task_id].position, by_task[lease.task_id].sequence = lease.position, lease.sequence
    for c in children:
        c.join(timeout=30)
    # process CPU here is the server alone (the clients are elsewhere)
    return summarise(name, outcomes, (lo, hi), cpu1 - cpu0, (busy1 - busy0, total1 - total0))


def build_go_committer() -> Path:
    """`go build` of bench/gocommitter into its bin/ (ignored by git); Go's build cache makes a rebuild
    of unchanged sources a matter of a second. A clear error without Go."""
    go = shutil.which("go")
    if go is None:
        raise RuntimeError("the grpc-go phase needs Go (1.26+) on PATH to build bench/gocommitter; install it "
                           "or run with --no-go-committer")
    binary = GO_COMMITTER / "bin" / "gocommitter"
    built = subprocess.run([go, "build", "-o", str(binary), "."], cwd=GO_COMMITTER, capture_output=True, text=True)
    if built.returncode != 0:
        raise RuntimeError(f"go build in {GO_COMMITTER} failed:\n{built.stderr.strip()}")
    return binary


def run_go(name: str, binary: Path, address: str, leases: list[Lease], args) -> PhaseResult:
    """The committers in one Go process (one goroutine and grpc.ClientConn per lease): JSON in, JSON out.
    Times on both sides are CLOCK_MONOTONIC (time.perf_counter() on Linux; checked below)."""
    spawned = time.perf_counter()
    # A Go process is up in a few ms; the second lets the 16 connections open before the start.
    start = spawned + 1.0
    lo, hi = start + args.warmup, start + args.warmup + args.duration
    request = {"address": address, "records": RECORDS, "timeout_s": 10.0, "start": start, "count_from": lo,
               "stop": hi, "leases": [vars(lease) for lease in leases]}
    with tempfile.TemporaryFile("w+") as stdin:
        json.dump(request, stdin)
        stdin.seek(0)
        child = subprocess.Popen([str(binary)], stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 text=True)
    time.sleep(max(0.0, lo - time.perf_counter()))
    cpu0, (busy0, total0) = time.process_time(), _cpu_ticks()
    time.sleep(max(0.0, hi - time.perf_counter()))
    cpu1, (busy1, total1) = time.process_time(), _cpu_ticks()
    try:
        stdout, stderr = child.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        child.kill()
        stdout, stderr = child.communicate()
    window = (lo, hi)
    if child.returncode != 0:
        error = f"gocommitter exited with {child.returncode}: {stderr.strip()[-500:]}"
        return summarise(name, [Outcome(error=error)], window, cpu1 - cpu0, (busy1 - busy0, total1 - total0))
    got = json.loads(stdout)
    if not spawned <= got["clock_at_start"] <= time.perf_counter():
        raise RuntimeError(f"the Go process's CLOCK_MONOTONIC ({got['clock_at_start']:.6f}) is not "
                           f"time.perf_counter()'s (spawned at {spawned:.6f}): its times cannot be compared")
    by_task = {lease.task_id: lease for lease in leases}
    outcomes = []
    for o in got["leases"]:
        outcomes.append(Outcome(o["completions"], o["latencies"], o["busy"], o["error"]))
        # carry the positions on, for any later phase on the same leases
        by_task[o["task_id"]].position, by_task[o["task_id"]].sequence = o["position"], o["sequence"]
    # process CPU here is the server alone (the clients are in the Go process)
    result = summarise(name, outcomes, window, cpu1 - cpu0, (busy1 - busy0, total1 - total0))
    result.client_cpu_s = got["window_cpu_s"]
    return result


# Set-up ----------------------------------------------------------------------------------------------
def lease_tasks(server, client: StreamvisorClient, layout: str, topics: dict[str, Topic], n: int) -> list[Lease]:
    """Creates the layout's supervisors, schedules them by hand and leases all n tasks over gRPC."""
    if layout == "supervisors":
        for i in range(n):
            client.create_supervisor(f"commit-sv-{i:02d}", kafka_spec(topics["one"].name, task_count=1))
    else:
        client.create_supervisor("commit-wide", kafka_spec(topics["wide"].name, task_count=n))
    # use_earliest_offset=False on an empty topic: every start offset resolves to 0.
    assert Scheduler(server.store, server.streams, server.service).run_once()
    task_client = TaskClient(f"127.0.0.1:{server.port}", retry_for_s=0)
    leases = []
    try:
        for i in range(n):
            worker_id = f"committer-{i:02d}"
            task = task_client.acquire(worker_id, lease_seconds=600)
            if task is None or len(task.partitions) != 1:
                raise RuntimeError(f"expected a single-partition task for {worker_id}, got {task}")
            part = task.partitions[0]
            leases.append(Lease(task.id, worker_id, task.supervisor_id, part.partition, part.start_offset))
    finally:
        task_client.close()
    if len({(x.supervisor_id, x.partition) for x in leases}) != n:
        raise RuntimeError("two committers got the same partition")
    return leases


def anatomy(server, lease: Lease, commits: int) -> dict[str, float]:
    """Single-threaded: one commit's statements, time inside cursor.execute (driver + round trip +
    PostgreSQL), and the rest (Python: SQLAlchemy, domain logic)."""
    state = {"statements": 0, "in_execute": 0.0}
    # Counted at psycopg's Cursor.execute, which both the SQLAlchemy statements and store/pg.py's raw ones
    # go through (SQLAlchemy's cursor events do not see the raw ones). BEGIN/COMMIT are not counted.
    plain_execute = psycopg.Cursor.execute

    def execute(cursor, *a, **k):
        t0 = time.perf_counter()
        try:
            return plain_execute(cursor, *a, **k)
        finally:
            state["statements"] += 1
            state["in_execute"] += time.perf_counter() - t0

    psycopg.Cursor.execute = execute
    committer = AppCommitter(server, lease)
    try:
        for _ in range(20):
            committer()
        state.update(statements=0, in_execute=0.0)
        samples = []
        for _ in range(commits):
            t0 = time.perf_counter()
            committer()
            samples.append(time.perf_counter() - t0)
    finally:
        psycopg.Cursor.execute = plain_execute
    return {"p50_ms": percentile(samples, 50) * 1000, "total_ms": sum(samples) / commits * 1000,
            "execute_ms": state["in_execute"] / commits * 1000, "statements": state["statements"] / commits}


def single_latency(call: Callable[[], bool], n: int) -> tuple[float, float]:
    """(p50, mean) in ms of `n` calls in a row, after 20 untimed ones."""
    for _ in range(20):
        call()
    samples = []
    for _ in range(n):
        t0 = time.perf_counter()
        call()
        samples.append(time.perf_counter() - t0)
    return percentile(samples, 50) * 1000, sum(samples) / n * 1000


def _package(filename: str, function: str) -> str:
    """Where a profiled function lives: an installed package, streamvisor, the stdlib or a builtin."""
    if "site-packages/" in filename:
        parts = filename.split("site-packages/", 1)[1].split("/")
        return "/".join(parts[:2]) if len(parts) > 2 else parts[0]
    if "/streamvisor/" in filename:
        return "streamvisor/" + filename.split("/streamvisor/", 1)[1]
    if filename == "~":
        return "builtins (isinstance, dict.get, ...)"
    return "stdlib"


def profile_commits(server, lease: Lease, commits: int, top: int) -> str:
    """cProfile with a CPU clock (time.process_time), so time blocked on PostgreSQL is not counted: what
    the server's Python spends per commit, grouped by package, then the top functions."""
    committer = AppCommitter(server, lease)
    for _ in range(20):
        committer()
    cpu0, t0 = time.process_time(), time.perf_counter()
    for _ in range(commits):
        committer()
    plain_cpu, plain_wall = time.process_time() - cpu0, time.perf_counter() - t0
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for _ in range(commits):
        committer()
    profiler.disable()
    stats = pstats.Stats(profiler)
    by_package: dict[str, float] = {}
    for (filename, _line, function), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():
        key = _package(filename, function)
        by_package[key] = by_package.get(key, 0.0) + tottime
    total = sum(by_package.values())
    out = io.StringIO()
    out.write(f"profile of {commits} single-threaded TaskService.commit calls: without the profiler "
              f"{plain_wall / commits * 1000:.2f} ms wall and {plain_cpu / commits * 1000:.2f} ms CPU each.\n"
              f"CPU by package (the profiler's own overhead inflates the total to {total / commits * 1000:.2f} ms "
              f"a commit, mostly in proportion to function calls; read the shares):\n")
    for key, seconds in sorted(by_package.items(), key=lambda kv: -kv[1])[:12]:
        out.write(f"  {seconds / total * 100:5.1f}%  {key}\n")
    stream = io.StringIO()
    stats.stream = stream
    stats.sort_stats("cumulative").print_stats(top)
    out.write(stream.getvalue())
    return out.getvalue()


# Main ------------------------------------------------------------------------------------------------
def main() -> int:
    args = parse_args()
    configure_logging(args.log_level)
    # The server logs refusals (SERVER_BUSY) once per 10 s with a count; the table counts every one.
    logging.getLogger("streamvisor.rpc").setLevel(logging.ERROR)
    layouts = [x.strip() for x in args.layouts.split(",") if x.strip()]
    if set(layouts) - {"supervisors", "groups"}:
        print(f"unknown layout(s) in {args.layouts!r}", file=sys.stderr)
        return 2
    max_workers = [int(x) for x in args.max_workers.split(",") if x.strip()]
    groupings = [{"on": True, "off": False}[x.strip()] for x in args.group_commits.split(",") if x.strip()]
    n = args.committers
    go_binary = None
    if args.go_committer:
        try:
            go_binary = build_go_committer()
        except RuntimeError as e:
            print(f"bench_commit: {e}", file=sys.stderr)
            return 2
    print(f"bench_commit: {n} committers, {args.duration:g}s counted (+{args.warmup:g}s warm-up) per phase, "
          f"PostgreSQL {args.pg_url.rsplit('@', 1)[-1]}, layouts {','.join(layouts)}, max_workers "
          f"{','.join(map(str, max_workers))}; {environment_line()}; {code_version()}")

    topics = {"one": Topic(args.bootstrap, 1, "bench-commit1"), "wide": Topic(args.bootstrap, n, "bench-commit")}
    results: list[tuple[str, PhaseResult]] = []
    extras: list[str] = []
    databases: list[PostgresDatabase] = []
    try:
        for t in topics.values():
            t.create()

        # The SQL floors, on a database of their own (same PostgreSQL server).
        pg = PostgresDatabase(args.pg_url, "bench_commit")
        databases.append(pg)
        engine = create_store_engine(pg.url, pool_size=n)
        table = Table("bench_commit_rows", MetaData(), Column("id", Integer, primary_key=True),
                      Column("next_offset", BigInteger, nullable=False))
        table.create(engine)
        with engine.begin() as c:
            c.execute(insert(table), [{"id": i, "next_offset": 0} for i in range(n)])
        floors = [SqlAutocommit(pg.url, i) for i in range(n)]
        results.append(("sql", run_threads("sql-auto", floors, args)))
        sql_auto_single = single_latency(floors[0], args.anatomy_commits)
        for f in floors:
            f.close()
        results.append(("sql", run_threads("sql-tx", [SqlTransaction(engine, table, i) for i in range(n)], args)))
        sql_tx_single = single_latency(SqlTransaction(engine, table, 0), args.anatomy_commits)
        engine.dispose()
        print(f"  floors done; {load_average()}")

        for layout, workers, grouped in [(x, w, g) for x in layouts for w in max_workers for g in groupings]:
            label = f"{layout}, max_workers={workers}" + ("" if len(groupings) == 1 else
                                                          (", grouped" if grouped else ", alone"))
            db = PostgresDatabase(args.pg_url, "bench_commit")
            databases.append(db)
            server = start_server(db.url, args.bootstrap, scheduler=False, max_workers=workers,
                                  group_commits=grouped)
            try:
                with StreamvisorClient(f"127.0.0.1:{server.port}", timeout=60, retries=0) as client:
                    leases = lease_tasks(server, client, layout, topics, n)
                address = f"127.0.0.1:{server.port}"
                committers = [GrpcCommitter(address, lease) for lease in leases]
                results.append((label, run_threads("grpc", committers, args)))
                for c in committers:
                    c.close()
                if args.client_processes > 0:
                    results.append((label, run_processes("grpc-procs", address, leases, args.client_processes,
                                                         args)))
                if go_binary is not None:
                    results.append((label, run_go("grpc-go", go_binary, address, leases, args)))
                results.append((label, run_threads("app", [AppCommitter(server, x) for x in leases], args)))
                queue = server.application.tasks.commit_queue
                if queue is not None:  # warm-ups and refused calls' retries included
                    extras.append(f"{label}: {queue.grouped:,} commits in {queue.groups:,} groups "
                                  f"({queue.grouped / max(1, queue.groups):.1f} a group on average)")
                if layout == layouts[0] and workers == max_workers[0] and grouped == groupings[0]:
                    a = anatomy(server, leases[0], args.anatomy_commits)
                    g = single_latency(GrpcCommitter(address, leases[0]), args.anatomy_commits)
                    extras.append(
                        f"one committer alone ({layout}, {args.anatomy_commits} calls each, p50 / mean):\n"
                        f"  sql-auto UPDATE                 {sql_auto_single[0]:6.2f} / "
                        f"{sql_auto_single[1]:6.2f} ms\n"
                        f"  sql-tx BEGIN/UPDATE/COMMIT      {sql_tx_single[0]:6.2f} / {sql_tx_single[1]:6.2f} ms\n"
                        f"  app TaskService.commit          {a['p50_ms']:6.2f} / {a['total_ms']:6.2f} ms: "
                        f"{a['statements']:.1f} statements, {a['execute_ms']:.2f} ms inside cursor.execute "
                        f"(driver + round trip + PostgreSQL), {a['total_ms'] - a['execute_ms']:.2f} ms of "
                        f"Python around them\n"
                        f"  grpc CommitCheckpoint           {g[0]:6.2f} / {g[1]:6.2f} ms")
                    if args.profile:
                        extras.append(profile_commits(server, leases[0], args.profile_commits, args.profile_top))
            finally:
                server.stop(0)
            print(f"  {label} done; {load_average()}")
    finally:
        for t in topics.values():
            t.delete()
        for db in databases:
            db.drop()

    print(f"\nCommitCheckpoint throughput, {n} concurrent committers (targets >= {TARGET:,.0f} commits/s, "
          f">= {TARGET_SQL_TX} x sql-tx)")
    print(f"  {'setup':<38} {'phase':<11} {'calls/s':>9} {'p50 ms':>7} {'p99 ms':>7} {'refused':>8} "
          f"{'CPU ms/call':>11} {'proc cores':>10} {'machine busy':>13}")
    floors = {r.name: r.rate for label, r in results if label == "sql"}
    for label, r in results:
        p50 = percentile(r.latencies, 50) * 1000 if r.latencies else float("nan")
        p99 = percentile(r.latencies, 99) * 1000 if r.latencies else float("nan")
        print(f"  {label:<38} {r.name:<11} {r.rate:9.0f} {p50:7.2f} {p99:7.2f} {r.busy:8d} "
              f"{r.process_cpu_per_call_ms:11.2f} {r.process_cores:10.2f} {r.machine_busy * 100:12.0f}%")
        for e in sorted(set(r.errors)):
            print(f"      error: {e}")
    print("  CPU ms/call and proc cores: CPU of this process (server and in-process clients; in grpc-procs and "
          "grpc-go the server alone) per accepted call and per second; machine busy: all cores, every process")
    go_rows = [(label, r) for label, r in results if r.client_cpu_s is not None]
    if go_rows:
        print("  grpc-go clients' own CPU (the Go process's rusage, user + system, over the counted window):")
        for label, r in go_rows:
            print(f"  {label:<38} {r.name:<11} {r.client_cpu_s / max(1, r.commits) * 1000:6.3f} ms/call, "
                  f"{r.client_cpu_s / args.duration:5.2f} cores")
    print("\nratios and verdicts")
    for label, r in results:
        if label == "sql":
            continue
        verdict = (f"{'meets' if r.rate >= TARGET else 'MISSES'} {TARGET:,.0f}/s, "
                   f"{'meets' if r.rate >= TARGET_SQL_TX * floors['sql-tx'] else 'MISSES'} "
                   f"{TARGET_SQL_TX} x sql-tx")
        print(f"  {label:<38} {r.name:<11} {r.rate:7.0f}/s  = {r.rate / floors['sql-auto']:5.3f} x sql-auto, "
              f"{r.rate / floors['sql-tx']:5.3f} x sql-tx  {verdict}")
    for text in extras:
        print("\n" + text)
    print(f"\n{load_average()} at the end (2 cores: anything above ~1 means the figures shared the CPUs)")
    if any(r.errors for _, r in results):
        print("some committers failed (see 'error:' above)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
