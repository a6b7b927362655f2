"""GetSupervisor calls/s over gRPC beside a bare grpcio echo server, in the same run, at 1 and 8 client threads.

    python bench/bench_unary.py [--threads 1,8] [--duration 4] [--rounds 2] [--database postgresql|sqlite]

Two servers run in this process, each with a ThreadPoolExecutor of 16 threads on port 0:

  server  the streamvisor server (StreamvisorServer with its interceptor: log context, metrics, auth, call
          limit), metadata on PostgreSQL (a database of its own, dropped after) or SQLite; one supervisor.
  echo    Baseline: a bare grpcio server with one generic unary handler for the same method path that parses
          the GetSupervisorRequest and answers a GetSupervisorResponse serialized once, in advance, from the
          real server's answer: the same bytes on the wire, none of the work.

Clients: N threads of this process, each with its own channel and stub (protobuf on both sides, as any
SDK), closed loop for --duration seconds after 0.5 s of warm-up; phases alternate echo/server for --rounds
rounds. CPU ms/call is this process's CPU (servers and clients) per call.

Target (from the issue): server >= 0.5 x echo calls/s at 1 and at 8 client threads.
"""
from __future__ import annotations

import argparse
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
METHOD = "/streamvisor.v1.SupervisorService/GetSupervisor"


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--bootstrap", default=DEFAULT_BOOTSTRAP)
    p.add_argument("--pg-url", default=DEFAULT_PG_URL)
    p.add_argument("--database", default="postgresql", choices=["postgresql", "sqlite"])
    p.add_argument("--threads", default="1,8")
    p.add_argument("--duration", type=float, default=4.0)
    p.add_argument("--rounds", type=int, default=2)
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


def run_phase(port: int, threads: int, duration: float) -> dict:
    stop = threading.Event()
    counting = threading.Event()
    latencies: list[list[float]] = [[] for _ in range(threads)]
    errors: list[str] = []

    def loop(i: int) -> None:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = svc_grpc.SupervisorServiceStub(channel)
            request = svc.GetSupervisorRequest(supervisor_id="unary-bench")
            mine = latencies[i]
            while not stop.is_set():
                t0 = time.perf_counter()
                try:
                    stub.GetSupervisor(request, timeout=10)
                except grpc.RpcError as e:
                    errors.append(e.code().name)
                    continue
                if counting.is_set():
                    mine.append(time.perf_counter() - t0)

    workers = [threading.Thread(target=loop, args=(i,), daemon=True) for i in range(threads)]
    for w in workers:
        w.start()
    time.sleep(0.5)
    counting.set()
    cpu0, t0 = time.process_time(), time.perf_counter()
    time.sleep(duration)
    counting.clear()
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - t0
    stop.set()
    for w in workers:
        w.join(timeout=10)
    flat = [x for xs in latencies for x in xs]
    calls = len(flat)
    return {"rate": calls / wall, "p50": percentile(flat, 50) * 1000 if flat else float("nan"),
            "p99": percentile(flat, 99) * 1000 if flat else float("nan"),
            "cpu_ms": cpu / calls * 1000 if calls else float("nan"), "errors": sorted(set(errors))}


def main() -> int:
    args = parse_args()
    configure_logging(args.log_level)
    threads = [int(x) for x in args.threads.split(",") if x.strip()]
    print(f"bench_unary: GetSupervisor vs bare echo, {args.database}, threads {threads}, {args.duration:g}s x "
          f"{args.rounds} rounds; {environment_line()}; {code_version()}")
    topic = Topic(args.bootstrap, 1, "bench-unary")
    db = None
    tmp = tempfile.TemporaryDirectory()
    server = echo = None
    try:
        topic.create()
        if args.database == "postgresql":
            db = PostgresDatabase(args.pg_url, "bench_unary")
            url = db.url
        else:
            url = f"sqlite:///{tmp.name}/meta.db"
        server = start_server(url, args.bootstrap, scheduler=False)
        with StreamvisorClient(f"127.0.0.1:{server.port}", timeout=30, retries=0) as client:
            client.create_supervisor("unary-bench", kafka_spec(topic.name))
        with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
            real = svc_grpc.SupervisorServiceStub(channel).GetSupervisor(
                svc.GetSupervisorRequest(supervisor_id="unary-bench"), timeout=10)
        echo, echo_port = echo_server(real.SerializeToString())
        rows = []
        for n in threads:
            for r in range(args.rounds):
                order = [("echo", echo_port), ("server", server.port)]
                if r % 2:
                    order.reverse()
                for name, port in order:
                    rows.append((n, r, name, run_phase(port, n, args.duration)))
            print(f"  {n} threads done; {load_average()}")
    finally:
        if echo is not None:
            echo.stop(0)
        if server is not None:
            server.stop(0)
        topic.delete()
        if db is not None:
            db.drop()
        tmp.cleanup()

    print(f"\n  {'threads':>7} {'round':>5} {'name':<7} {'calls/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'CPU ms/call':>11}")
    for n, r, name, x in rows:
        print(f"  {n:7d} {r:5d} {name:<7} {x['rate']:8.0f} {x['p50']:7.2f} {x['p99']:7.2f} {x['cpu_ms']:11.3f}"
              + (f"  errors {x['errors']}" if x["errors"] else ""))
    print(f"\nratios (server / echo calls/s, same round; target >= {TARGET})")
    ok = True
    for n in threads:
        ratios = []
        for r in range(args.rounds):
            got = {name: x["rate"] for m, rr, name, x in rows if m == n and rr == r}
            ratios.append(got["server"] / got["echo"])
        verdict = "meets" if min(ratios) >= TARGET else "MISSES"
        ok &= min(ratios) >= TARGET
        print(f"  {n} threads: " + ", ".join(f"{x:.2f}" for x in ratios) + f"  {verdict} target")
    print(f"\n{load_average()} at the end")
    return 0 if all(not x["errors"] for *_, x in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
