"""GetSupervisor calls/s over gRPC beside a bare grpcio echo server, in the same run, at 1 and 8 client threads.

    python bench/bench_unary.py [--threads 1,8] [--duration 4] [--rounds 2] [--database postgresql|sqlite]
                                [--layouts in-process,processes] [--client-processes 2]

Two servers, each with a ThreadPoolExecutor of 16 threads on port 0:

  server  the streamvisor server (StreamvisorServer with its interceptor: log context, metrics, auth, call
          limit), metadata on PostgreSQL (a database of its own, dropped after) or SQLite; one supervisor.
  echo    Baseline: a bare grpcio server with one generic unary handler for the same method path that parses
          the GetSupervisorRequest and answers a GetSupervisorResponse serialized once, in advance, from the
          real server's answer: the same bytes on the wire, none of the work.

Two layouts (--layouts), each run in full:

  in-process  both servers and the N client threads in this one process: one GIL for everything, so the
              clients' own gRPC and protobuf work (the same for both servers) dilutes the difference.
  processes   both servers in one spawned process of their own, the clients in --client-processes spawned
              processes (1 for 1 thread): how the server is deployed, and what the target is judged on.
              CPU ms/call is then the server process's CPU alone (from /proc), per call.

Clients: each thread has its own channel and stub (protobuf on both sides, as any SDK), closed loop for
--duration seconds after 0.5 s of warm-up; phases alternate echo/server for --rounds rounds.

Target (from the issue): server >= 0.5 x echo calls/s at 1 and at 8 client threads.
"""
from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import sys
import tempfile
import threading
import time
from concurrent import futures

import grpc

from _common import DEFAULT_BOOTSTRAP, DEFAULT_PG_URL, PostgresDatabase, Topic, code_version, configure_logging, \
    environment_line, kafka_spec, load_average, percentile, start_server
from streamvisor.client import StreamvisorClient
from streamvisor.v1 import supervisor_service_pb2 as svc
from streamvisor.v1 import supervisor_service_pb2_grpc as svc_grpc

TARGET = 0.5
SUPERVISOR_ID = "unary-bench"
WARMUP_S = 0.5


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--bootstrap", default=DEFAULT_BOOTSTRAP)
    p.add_argument("--pg-url", default=DEFAULT_PG_URL)
    p.add_argument("--database", default="postgresql", choices=["postgresql", "sqlite"])
    p.add_argument("--threads", default="1,8")
    p.add_argument("--duration", type=float, default=4.0)
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--layouts", default="in-process,processes")
    p.add_argument("--client-processes", type=int, default=2,
                   help="client processes of the `processes` layout (threads spread over them; 1 for 1 thread)")
    p.add_argument("--log-level", default="WARNING")
    return p.parse_args()


def echo_server(response: bytes) -> tuple[grpc.Server, int]:
    def handler(request: svc.GetSupervisorRequest, context) -> bytes:
        return response

    generic = grpc.method_handlers_generic_handler("streamvisor.v1.SupervisorService", {
        "GetSupervisor": grpc.unary_unary_rpc_method_handler(
            handler, request_deserializer=svc.GetSupervisorRequest.FromString,
            response_serializer=lambda b: b)})
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=16))
    server.add_generic_rpc_handlers((generic,))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    return server, port


def serve_both(url: str, bootstrap: str) -> tuple[object, grpc.Server, int]:
    """The streamvisor server with its supervisor, and the echo server answering that supervisor's bytes."""
    server = start_server(url, bootstrap, scheduler=False)
    with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
        real = svc_grpc.SupervisorServiceStub(channel).GetSupervisor(
            svc.GetSupervisorRequest(supervisor_id=SUPERVISOR_ID), timeout=10)
    echo, echo_port = echo_server(real.SerializeToString())
    return server, echo, echo_port


def closed_loop(port: int, threads: int, connected=None, schedule=None) -> tuple[list[float], list[str]]:
    """`threads` client threads calling GetSupervisor. Each connects and makes one call; then `connected()`
    runs once all have, and `schedule()` returns (start, lo, hi) in perf_counter time (CLOCK_MONOTONIC, the
    same in every process). The threads call from `start` until `hi`; the latencies are those of the calls
    that started in [lo, hi)."""
    latencies: list[list[float]] = [[] for _ in range(threads)]
    errors: list[str] = []
    ready = threading.Barrier(threads + 1)
    times: list[float] = []

    def loop(i: int) -> None:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = svc_grpc.SupervisorServiceStub(channel)
            request = svc.GetSupervisorRequest(supervisor_id=SUPERVISOR_ID)
            stub.GetSupervisor(request, timeout=10)  # connected before the clock starts
            mine = latencies[i]
            ready.wait()
            ready.wait()  # the schedule is set
            start, lo, hi = times
            time.sleep(max(0.0, start - time.perf_counter()))
            while True:
                t0 = time.perf_counter()
                if t0 >= hi:
                    return
                try:
                    stub.GetSupervisor(request, timeout=10)
                except grpc.RpcError as e:
                    errors.append(e.code().name)
                    continue
                if t0 >= lo:
                    mine.append(time.perf_counter() - t0)

    workers = [threading.Thread(target=loop, args=(i,), daemon=True) for i in range(threads)]
    for w in workers:
        w.start()
    ready.wait(timeout=60)
    if connected is not None:
        connected()
    times.extend(schedule())
    ready.wait(timeout=60)
    for w in workers:
        w.join(timeout=times[2] - time.perf_counter() + 30)
    return [x for xs in latencies for x in xs], errors


def _schedule(duration: float, delay: float = 0.1) -> tuple[float, float, float]:
    start = time.perf_counter() + delay
    return start, start + WARMUP_S, start + WARMUP_S + duration


def phase_result(latencies: list[float], errors: list[str], wall: float, cpu: float) -> dict:
    calls = len(latencies)
    return {"rate": calls / wall, "p50": percentile(latencies, 50) * 1000 if latencies else float("nan"),
            "p99": percentile(latencies, 99) * 1000 if latencies else float("nan"),
            "cpu_ms": cpu / calls * 1000 if calls else float("nan"), "errors": sorted(set(errors))}


# in-process --------------------------------------------------------------------------------------------
def run_in_process(port: int, threads: int, duration: float) -> dict:
    times = _schedule(duration)
    scheduled = threading.Event()
    box: dict = {}

    def schedule():
        scheduled.set()
        return times

    runner = threading.Thread(target=lambda: box.update(result=closed_loop(port, threads, schedule=schedule)))
    runner.start()
    scheduled.wait(timeout=60)
    _, lo, hi = times
    time.sleep(max(0.0, lo - time.perf_counter()))
    cpu0 = time.process_time()
    time.sleep(max(0.0, hi - time.perf_counter()))
    cpu = time.process_time() - cpu0
    runner.join()
    latencies, errors = box["result"]
    return phase_result(latencies, errors, hi - lo, cpu)


# processes ---------------------------------------------------------------------------------------------
def _process_cpu_s(pid: int) -> float:
    """utime + stime of a process (all its threads), from /proc/<pid>/stat."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _server_main(url: str, bootstrap: str, log_level: str, ports, stop) -> None:
    configure_logging(log_level)
    server, echo, echo_port = serve_both(url, bootstrap)
    ports.put((server.port, echo_port))
    stop.wait()
    echo.stop(0)
    server.stop(0)


def _client_main(commands, results) -> None:
    results.put("imported")
    while True:
        command = commands.get()
        if command is None:
            return
        port, threads = command
        results.put(closed_loop(port, threads, connected=lambda: results.put("connected"), schedule=commands.get))


class ProcessLayout:
    """The servers in a spawned process, clients in spawned processes kept for every phase."""

    def __init__(self, url: str, args):
        ctx = mp.get_context("spawn")
        ports, self.stop = ctx.Queue(), ctx.Event()
        self.server = ctx.Process(target=_server_main, args=(url, args.bootstrap, args.log_level, ports, self.stop),
                                  daemon=True)
        self.server.start()
        self.server_port, self.echo_port = ports.get(timeout=120)
        print(f"  processes: servers in pid {self.server.pid} (for py-spy)", flush=True)
        self.clients = []
        for _ in range(max(1, args.client_processes)):
            commands, results = ctx.Queue(), ctx.Queue()
            process = ctx.Process(target=_client_main, args=(commands, results), daemon=True)
            process.start()
            self.clients.append((process, commands, results))
        for _, _, results in self.clients:
            results.get(timeout=120)  # grpc imported: a phase's start is not spent importing

    def run(self, port: int, threads: int, duration: float) -> dict:
        shares = [threads // len(self.clients) + (1 if i < threads % len(self.clients) else 0)
                  for i in range(len(self.clients))]
        used = [(c, n) for c, n in zip(self.clients, shares) if n]
        for (_, commands, _), n in used:
            commands.put((port, n))
        for (_, _, results), _n in used:
            results.get(timeout=60)  # every client thread connected
        times = _schedule(duration)
        for (_, commands, _), _n in used:
            commands.put(times)
        _, lo, hi = times
        time.sleep(max(0.0, lo - time.perf_counter()))
        cpu0 = _process_cpu_s(self.server.pid)
        time.sleep(max(0.0, hi - time.perf_counter()))
        cpu = _process_cpu_s(self.server.pid) - cpu0
        latencies, errors = [], []
        for (_, _, results), _n in used:
            got, failed = results.get(timeout=duration + 120)
            latencies += got
            errors += failed
        return phase_result(latencies, errors, hi - lo, cpu)

    def close(self) -> None:
        for process, commands, _ in self.clients:
            commands.put(None)
            process.join(timeout=10)
        self.stop.set()
        self.server.join(timeout=30)
        if self.server.is_alive():
            self.server.terminate()


def measure(layout: str, run, server_port: int, echo_port: int, threads: list[int], args) -> list[tuple]:
    rows = []
    for n in threads:
        for r in range(args.rounds):
            order = [("echo", echo_port), ("server", server_port)]
            if r % 2:
                order.reverse()
            for name, port in order:
                rows.append((layout, n, r, name, run(port, n, args.duration)))
        print(f"  {layout}: {n} threads done; {load_average()}", flush=True)
    return rows


def main() -> int:
    args = parse_args()
    configure_logging(args.log_level)
    threads = [int(x) for x in args.threads.split(",") if x.strip()]
    layouts = [x.strip() for x in args.layouts.split(",") if x.strip()]
    print(f"bench_unary: GetSupervisor vs bare echo, {args.database}, threads {threads}, {args.duration:g}s x "
          f"{args.rounds} rounds, layouts {layouts}; {environment_line()}; {code_version()}", flush=True)
    topic = Topic(args.bootstrap, 1, "bench-unary")
    db = None
    tmp = tempfile.TemporaryDirectory()
    server = echo = None
    rows = []
    try:
        topic.create()
        if args.database == "postgresql":
            db = PostgresDatabase(args.pg_url, "bench_unary")
            url = db.url
        else:
            url = f"sqlite:///{tmp.name}/meta.db"
        server = start_server(url, args.bootstrap, scheduler=False)
        with StreamvisorClient(f"127.0.0.1:{server.port}", timeout=30, retries=0) as client:
            client.create_supervisor(SUPERVISOR_ID, kafka_spec(topic.name))
        server.stop(0)
        server = None
        for layout in layouts:
            if layout == "in-process":
                server, echo, echo_port = serve_both(url, args.bootstrap)
                try:
                    rows += measure(layout, run_in_process, server.port, echo_port, threads, args)
                finally:
                    echo.stop(0)
                    server.stop(0)
                    server = echo = None
            elif layout == "processes":
                processes = ProcessLayout(url, args)
                try:
                    rows += measure(layout, processes.run, processes.server_port, processes.echo_port, threads,
                                    args)
                finally:
                    processes.close()
            else:
                raise SystemExit(f"unknown layout {layout!r}: in-process or processes")
    finally:
        if echo is not None:
            echo.stop(0)
        if server is not None:
            server.stop(0)
        topic.delete()
        if db is not None:
            db.drop()
        tmp.cleanup()

    print(f"\n  {'layout':<10} {'threads':>7} {'round':>5} {'name':<7} {'calls/s':>8} {'p50 ms':>7} {'p99 ms':>7} "
          f"{'CPU ms/call':>11}")
    for layout, n, r, name, x in rows:
        print(f"  {layout:<10} {n:7d} {r:5d} {name:<7} {x['rate']:8.0f} {x['p50']:7.2f} {x['p99']:7.2f} "
              f"{x['cpu_ms']:11.3f}" + (f"  errors {x['errors']}" if x["errors"] else ""))
    print("  (CPU ms/call: in-process, the whole process's; processes, the server process's alone)")
    print(f"\nratios (server / echo calls/s, same round; target >= {TARGET})")
    for layout in layouts:
        for n in threads:
            ratios = []
            for r in range(args.rounds):
                got = {name: x["rate"] for lay, m, rr, name, x in rows if lay == layout and m == n and rr == r}
                ratios.append(got["server"] / got["echo"])
            verdict = "meets" if min(ratios) >= TARGET else "MISSES"
            print(f"  {layout:<10} {n} threads: " + ", ".join(f"{x:.2f}" for x in ratios) + f"  {verdict} target")
    print(f"\n{load_average()} at the end")
    return 0 if all(not x["errors"] for *_, x in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
