"""Replicas on one host: CommitCheckpoint/s and GetSupervisor/s at 1, 2 and 4 `serve` processes on one port
(`streamvisor serve --processes N`, SO_REUSEPORT), each beside same-run bare baselines.

    python bench/bench_replicas.py [--processes 1,2,4] [--duration 5] [--clients 16] [--client-processes 2]
                                   [--no-go-committer]

Per N: a fresh PostgreSQL database and `streamvisor serve --processes N` as a subprocess (scheduler on, its
defaults); 16 supervisors (task_count 1) on a 1-partition topic, their 16 tasks leased over gRPC (the
server's own scheduler creates them); then, each over --duration seconds after --warmup, with --clients
client threads spread over --client-processes spawned processes (one channel, so one connection, per
thread: the kernel spreads connections over the N processes):

  commit      CommitCheckpoint of consecutive [n, n+100) ranges, every one accepted (bench_commit.py's
              GrpcCommitter; the client processes start together once all have imported and connected).
  commit-go   The same commits from one Go process (bench_commit.py's grpc-go phase: bench/gocommitter, a
              goroutine and a connection per task), run first: the Python client processes take ~0.5 ms of
              CPU per call on the cores the servers need, Go a fraction of that, so this is nearer what the
              servers take from external workers.
  get         GetSupervisor of one of the 16 supervisors, round-robin.
  echo        Baseline: a bare grpcio unary echo (200-byte payload, generic handler, no protobuf) run as N
              processes on one port with SO_REUSEPORT, like the servers: what Python gRPC alone can do.
  sql-tx      Baseline: bench_commit.py's SqlTransaction - BEGIN, UPDATE one row, COMMIT through SQLAlchemy
              Core - from 16 threads of this process, on the same PostgreSQL: the bare transaction rate.

Machine busy is of all cores, every process (servers, clients, PostgreSQL). On a 2-core machine the clients
and PostgreSQL share the cores with the servers, so 4 processes cannot show more than 2 cores' worth.
"""
from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import subprocess
import sys
import threading
import time

import grpc
from sqlalchemy import BigInteger, Column, Integer, MetaData, Table, insert

from _common import DEFAULT_BOOTSTRAP, DEFAULT_PG_URL, PostgresDatabase, Topic, code_version, environment_line, \
    kafka_spec, load_average, percentile
from bench_commit import GrpcCommitter, Lease, Outcome, SqlTransaction, _cpu_ticks, _loop, build_go_committer, \
    run_go, run_threads, summarise
from streamvisor.api.processes import _hold_port
from streamvisor.client import StreamvisorClient, StreamvisorError
from streamvisor.client.tasks import TaskClient
from streamvisor.store.engine import create_store_engine

ECHO_METHOD = "/bench.Echo/Echo"
PAYLOAD = b"x" * 200


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--bootstrap", default=DEFAULT_BOOTSTRAP)
    p.add_argument("--pg-url", default=DEFAULT_PG_URL)
    p.add_argument("--processes", default="1,2,4")
    p.add_argument("--clients", type=int, default=16)
    p.add_argument("--client-processes", type=int, default=2)
    p.add_argument("--duration", type=float, default=5.0)
    p.add_argument("--warmup", type=float, default=1.0)
    p.add_argument("--go-committer", action=argparse.BooleanOptionalAction, default=True,
                   help="also commit from one Go process (needs Go to build bench/gocommitter)")
    return p.parse_args()


# The bare echo server ------------------------------------------------------------------------------------
def _echo_server(listen: str, ready) -> None:
    from concurrent import futures
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=16), options=[("grpc.so_reuseport", 1)])
    handler = grpc.method_handlers_generic_handler("bench.Echo", {"Echo": grpc.unary_unary_rpc_method_handler(
        lambda request, _context: request)})
    server.add_generic_rpc_handlers((handler,))
    server.add_insecure_port(listen)
    server.start()
    ready.put(os.getpid())
    server.wait_for_termination()


# Clients in other processes ------------------------------------------------------------------------------
class EchoCall:
    def __init__(self, address: str):
        self.channel = grpc.insecure_channel(address)
        self.call = self.channel.unary_unary(ECHO_METHOD)

    def __call__(self) -> bool:
        self.call(PAYLOAD, timeout=10)
        return True

    def close(self) -> None:
        self.channel.close()


class GetCall:
    def __init__(self, address: str, ids: list[str], first: int):
        self.client = StreamvisorClient(address, retries=0, timeout=10)
        self.ids, self.i = ids, first

    def __call__(self) -> bool:
        self.i += 1
        try:
            self.client.get_supervisor(self.ids[self.i % len(self.ids)])
        except StreamvisorError as e:
            if e.code == grpc.StatusCode.RESOURCE_EXHAUSTED:  # refused as busy: counted, retried (as commits)
                return False
            raise
        return True

    def close(self) -> None:
        self.client.close()


def _calls_main(kind: str, address: str, items: list, ids: list[str], ready, go, start_at, results) -> None:
    """A client process: its calls as threads, started together once every client process is ready (on a
    loaded machine a spawned interpreter may take seconds to import grpc: a fixed delay misses the window)."""
    if kind == "commit":
        calls = [GrpcCommitter(address, lease) for lease in items]
    else:
        calls = [EchoCall(address) if kind == "echo" else GetCall(address, ids, i) for i in items]
    ready.put(os.getpid())
    go.wait()
    start, stop_at = start_at[0], start_at[1]
    outcomes = [Outcome() for _ in calls]
    workers = [threading.Thread(target=_loop, args=(c, o, start, stop_at)) for c, o in zip(calls, outcomes)]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    for c in calls:
        c.close()
    results.put(outcomes)


def run_calls(kind: str, address: str, items: list, ids: list[str], args):
    """`items`: the leases (commit) or thread numbers (get, echo), spread over --client-processes."""
    ctx = mp.get_context("spawn")
    results, ready, go = ctx.Queue(), ctx.Queue(), ctx.Event()
    start_at = ctx.Array("d", 2)
    shares = [items[i::args.client_processes] for i in range(args.client_processes)]
    children = [ctx.Process(target=_calls_main, args=(kind, address, share, ids, ready, go, start_at, results),
                            daemon=True) for share in shares if share]
    for c in children:
        c.start()
    for _ in children:
        ready.get(timeout=120)
    start = time.perf_counter() + 0.3  # CLOCK_MONOTONIC: the same clock in every process
    lo, hi = start + args.warmup, start + args.warmup + args.duration
    start_at[0], start_at[1] = start, hi
    go.set()
    time.sleep(max(0.0, lo - time.perf_counter()))
    cpu0, (busy0, total0) = time.process_time(), _cpu_ticks()
    time.sleep(max(0.0, hi - time.perf_counter()))
    cpu1, (busy1, total1) = time.process_time(), _cpu_ticks()
    outcomes = []
    for _ in children:
        outcomes += results.get(timeout=120)
    for c in children:
        c.join(timeout=30)
    return summarise(kind, outcomes, (lo, hi), cpu1 - cpu0, (busy1 - busy0, total1 - total0))


# Set-up --------------------------------------------------------------------------------------------------
def start_serve(db_url: str, bootstrap: str, processes: int) -> tuple[subprocess.Popen, str]:
    holder, listen = _hold_port("127.0.0.1:0")  # a free port; serve holds its own
    holder.close()
    env = {**os.environ, "STREAMVISOR_LOG_LEVEL": "WARNING"}
    process = subprocess.Popen([sys.executable, "-m", "streamvisor", "serve", "--processes", str(processes),
                                "--listen", listen, "--database-url", db_url, "--kafka-bootstrap", bootstrap],
                               env=env, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while True:
        try:
            with StreamvisorClient(listen, retries=0, timeout=2) as c:
                list(c.iter_supervisors())
            port = listen.rsplit(":", 1)[1]
            while len(subprocess.run(["ss", "-Hltn", f"sport = :{port}"], capture_output=True,
                                     text=True).stdout.splitlines()) < processes:  # every process listens
                if time.monotonic() > deadline:
                    raise RuntimeError(f"fewer than {processes} processes listen on {listen}")
                time.sleep(0.2)
            return process, listen
        except Exception:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"serve --processes {processes} did not start") from None
            time.sleep(0.2)


def lease_tasks(address: str, topic: str, n: int) -> tuple[list[Lease], list[str]]:
    ids = [f"replica-sv-{i:02d}" for i in range(n)]
    with StreamvisorClient(address, timeout=60, retries=3) as client:
        for sid in ids:
            client.create_supervisor(sid, kafka_spec(topic, task_count=1))
    leases = []
    task_client = TaskClient(address, retry_for_s=10)
    deadline = time.monotonic() + 60
    try:
        while len(leases) < n:  # the server's scheduler creates the tasks within a pass or two
            worker_id = f"committer-{len(leases):02d}"
            task = task_client.acquire(worker_id, lease_seconds=600)
            if task is None:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"only {len(leases)} of {n} tasks scheduled")
                time.sleep(0.2)
                continue
            part = task.partitions[0]
            leases.append(Lease(task.id, worker_id, task.supervisor_id, part.partition, part.start_offset))
    finally:
        task_client.close()
    return leases, ids


def sql_baseline(pg_url: str, n: int, args):
    db = PostgresDatabase(pg_url, "bench_replicas")
    try:
        engine = create_store_engine(db.url, pool_size=n)
        table = Table("bench_commit_rows", MetaData(), Column("id", Integer, primary_key=True),
                      Column("next_offset", BigInteger, nullable=False))
        table.create(engine)
        with engine.begin() as c:
            c.execute(insert(table), [{"id": i, "next_offset": 0} for i in range(n)])
        result = run_threads("sql-tx", [SqlTransaction(engine, table, i) for i in range(n)], args)
        engine.dispose()
        return result
    finally:
        db.drop()


def main() -> int:
    args = parse_args()
    counts = [int(x) for x in args.processes.split(",")]
    print(f"bench_replicas: processes {counts}, {args.clients} client threads over {args.client_processes} "
          f"processes, {args.duration:g}s counted (+{args.warmup:g}s); {environment_line()}; {code_version()}")
    go_binary = build_go_committer() if args.go_committer else None
    topic = Topic(args.bootstrap, 1, "bench-replicas")
    topic.create()
    rows = []
    try:
        for n in counts:
            row = {"sql-tx": sql_baseline(args.pg_url, args.clients, args)}
            db = PostgresDatabase(args.pg_url, "bench_replicas")
            server, address = start_serve(db.url, args.bootstrap, n)
            try:
                leases, ids = lease_tasks(address, topic.name, args.clients)
                if go_binary is not None:
                    # First: run_go carries each lease's position on, for the Python committers after it.
                    row["commit-go"] = run_go("commit-go", go_binary, address, leases, args)
                row["commit"] = run_calls("commit", address, leases, ids, args)
                row["get"] = run_calls("get", address, list(range(args.clients)), ids, args)
            finally:
                server.terminate()
                server.wait(timeout=60)
                db.drop()
            holder, listen = _hold_port("127.0.0.1:0")
            ctx = mp.get_context("spawn")
            ready = ctx.Queue()
            echoes = [ctx.Process(target=_echo_server, args=(listen, ready), daemon=True) for _ in range(n)]
            for e in echoes:
                e.start()
            for _ in echoes:
                ready.get(timeout=120)
            try:
                row["echo"] = run_calls("echo", listen, list(range(args.clients)), [], args)
            finally:
                for e in echoes:
                    e.terminate()
                    e.join(timeout=10)
                holder.close()
            rows.append((n, row))
            print(f"  {n} process(es) done; {load_average()}")
    finally:
        topic.delete()

    print(f"\n{'processes':>9} {'phase':<9} {'calls/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'refused':>8} "
          f"{'machine busy':>13}  vs baseline")
    for n, row in rows:
        for name in ("commit-go", "commit", "sql-tx", "get", "echo"):
            r = row.get(name)
            if r is None:
                continue
            p50 = percentile(r.latencies, 50) * 1000 if r.latencies else float("nan")
            p99 = percentile(r.latencies, 99) * 1000 if r.latencies else float("nan")
            base = {"commit": "sql-tx", "commit-go": "sql-tx", "get": "echo"}.get(name)
            ratio = f"{r.rate / row[base].rate:.3f} x {base}" if base and row[base].rate else ""
            print(f"{n:>9} {name:<9} {r.rate:8.0f} {p50:7.2f} {p99:7.2f} {r.busy:8d} {r.machine_busy * 100:12.0f}%  "
                  f"{ratio}")
            for e in sorted(set(r.errors)):
                print(f"          error: {e}")
    print(f"\n{load_average()} at the end (2 cores: the clients and PostgreSQL share them with the servers)")
    return 1 if any(r.errors for _, row in rows for r in row.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
