"""CPU per CommitCheckpoint, single-threaded: the least noisy figure on a shared machine.

    python bench/bench_commit_cpu.py [--calls 1000] [--rounds 3] [--echo]

One supervisor (task_count 1, 1-partition topic), its task leased; then, alternated for --rounds rounds:
`app`, TaskService.commit called in-process --calls times in a row; `grpc`, CommitCheckpoint over a real
channel from this process (the CPU is the server's and the client's together). Each figure is
time.process_time() over the calls divided by the calls, so time spent waiting on PostgreSQL does not count
but the work of any other thread of this process does (the server is idle otherwise: scheduler off).

--echo adds the raw-baseline pair of issue 13's question 4 ("what would grpc.aio give?"): a bare echo
server (one generic unary handler, the request bytes answered as they came, no protobuf parsing) on
grpcio's sync server (a ThreadPoolExecutor of 16) and on grpc.aio (one event loop in a thread), each called
--calls times by sync clients in this process - one client thread, then 16 (a channel each, the calls
shared) - alternated; CPU per call of the whole process (the clients' share is the same on both sides).
"""
from __future__ import annotations

import argparse
import asyncio
import sys
import threading
import time
from concurrent import futures

import grpc

from _common import (
    DEFAULT_BOOTSTRAP, DEFAULT_PG_URL, PostgresDatabase, Topic, code_version, configure_logging, environment_line,
    load_average, start_server,
)
from bench_commit import AppCommitter, GrpcCommitter, lease_tasks
from streamvisor.client import StreamvisorClient

METHOD = "/bench.Echo/Echo"


def cpu_per_call(call, calls: int) -> float:
    """ms of process CPU per call, over `calls` calls after 20 untimed ones."""
    for _ in range(20):
        call()
    cpu0 = time.process_time()
    for _ in range(calls):
        call()
    return (time.process_time() - cpu0) / calls * 1000


def cpu_per_call_threads(make_call, calls: int, threads: int) -> float:
    """As cpu_per_call, with `threads` client threads (a channel each) sharing the calls."""
    per = calls // threads
    callers = [make_call() for _ in range(threads)]
    for c in callers:
        for _ in range(5):
            c()
    def run(c):
        for _ in range(per):
            c()
    workers = [threading.Thread(target=run, args=(c,)) for c in callers]
    cpu0 = time.process_time()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return (time.process_time() - cpu0) / (per * threads) * 1000


def _echo(request: bytes, _context) -> bytes:
    return request


def _handler() -> grpc.GenericRpcHandler:
    return grpc.method_handlers_generic_handler("bench.Echo", {"Echo": grpc.unary_unary_rpc_method_handler(_echo)})


def sync_echo() -> tuple[int, callable]:
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=16))
    server.add_generic_rpc_handlers((_handler(),))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    return port, lambda: server.stop(0)


def aio_echo() -> tuple[int, callable]:
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    state = {}

    async def _echo_async(request: bytes, _context) -> bytes:
        return request

    async def serve():
        server = grpc.aio.server()
        server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(
            "bench.Echo", {"Echo": grpc.unary_unary_rpc_method_handler(_echo_async)}),))
        state["port"] = server.add_insecure_port("127.0.0.1:0")
        await server.start()
        state["stop"] = stop_event = asyncio.Event()
        ready.set()
        await stop_event.wait()
        await server.stop(0)

    thread = threading.Thread(target=lambda: loop.run_until_complete(serve()), daemon=True)
    thread.start()
    ready.wait(10)

    def stop():
        loop.call_soon_threadsafe(state["stop"].set)
        thread.join(10)

    return state["port"], stop


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--bootstrap", default=DEFAULT_BOOTSTRAP)
    p.add_argument("--pg-url", default=DEFAULT_PG_URL)
    p.add_argument("--calls", type=int, default=1000)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--echo", action="store_true", help="also the bare sync vs aio echo pair")
    p.add_argument("--no-commit", action="store_true", help="only the echo pair")
    args = p.parse_args()
    configure_logging("WARNING")
    print(f"bench_commit_cpu: {args.calls} calls x {args.rounds} rounds; {environment_line()}; {code_version()}")
    if not args.no_commit:
        topic = Topic(args.bootstrap, 1, "bench-commitcpu")
        db = PostgresDatabase(args.pg_url, "bench_commit_cpu")
        topic.create()
        server = start_server(db.url, args.bootstrap, scheduler=False)
        try:
            with StreamvisorClient(f"127.0.0.1:{server.port}", timeout=60, retries=0) as client:
                lease = lease_tasks(server, client, "supervisors", {"one": topic}, 1)[0]
            app, rpc = AppCommitter(server, lease), GrpcCommitter(f"127.0.0.1:{server.port}", lease)
            for n in range(args.rounds):
                a, g = cpu_per_call(app, args.calls), cpu_per_call(rpc, args.calls)
                print(f"  round {n + 1}: CPU ms per commit  app {a:.3f}  grpc (server + client) {g:.3f}; "
                      f"{load_average()}")
            rpc.close()
        finally:
            server.stop(0)
            topic.delete()
            db.drop()
    if args.echo or args.no_commit:
        payload = b"x" * 120  # about a CommitCheckpointRequest's size
        for n in range(args.rounds):
            for threads in (1, 16):
                figures = []
                for start in (sync_echo, aio_echo):
                    port, stop = start()
                    channels = []

                    def make_call(port=port, channels=channels):
                        channels.append(grpc.insecure_channel(f"127.0.0.1:{port}"))
                        call = channels[-1].unary_unary(METHOD)
                        return lambda: call(payload, timeout=10)

                    if threads == 1:
                        figures.append(cpu_per_call(make_call(), args.calls))
                    else:
                        figures.append(cpu_per_call_threads(make_call, args.calls, threads))
                    for c in channels:
                        c.close()
                    stop()
                s, a = figures
                print(f"  round {n + 1}, {threads:2d} client thread(s): CPU ms per echo call (server + sync "
                      f"clients)  sync server {s:.3f}  aio server {a:.3f}  aio/sync {a / s:.2f}; {load_average()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
