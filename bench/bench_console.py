"""What the console's Connect bridge costs: GetOffsets over HTTP (Connect, JSON) beside the same call over
gRPC (the SDK), against one server, interleaved in the same run.

    python bench/bench_console.py [--partitions 8] [--iterations 300] [--warmup 30]

One in-process server (SQLite in a temp dir, console on port 0), one topic on the real broker with
--partitions partitions and a supervisor on it. Each iteration makes both calls, alternating which goes
first:

  console  POST /streamvisor.v1.SupervisorService/GetOffsets, JSON, over one kept-alive HTTP connection
           (http.client): uvicorn -> Starlette -> JSON->protobuf -> gRPC over loopback -> the same server
           -> protobuf->JSON
  grpc     Baseline: GetOffsets through the Python SDK over a gRPC channel, as any client calls it.

Both answers are checked to carry --partitions rows before timing. The ratio console/grpc is the bridge's
overhead (what a browser pays beyond a gRPC client); nothing is asserted.
"""
from __future__ import annotations

import argparse
import http.client
import json
import sys
import tempfile
import time

from _common import DEFAULT_BOOTSTRAP, Topic, configure_logging, environment_line, kafka_spec, percentile, \
    start_server
from streamvisor.client import StreamvisorClient


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--bootstrap", default=DEFAULT_BOOTSTRAP)
    p.add_argument("--partitions", type=int, default=8)
    p.add_argument("--iterations", type=int, default=300)
    p.add_argument("--warmup", type=int, default=30)
    p.add_argument("--log-level", default="WARNING")
    args = p.parse_args()
    configure_logging(args.log_level)
    print(environment_line())
    topic = Topic(args.bootstrap, args.partitions, "bench-console")
    topic.create()
    topic.produce(4)
    with tempfile.TemporaryDirectory() as tmp:
        server = start_server(f"sqlite:///{tmp}/bench.db", args.bootstrap, console_listen="127.0.0.1:0",
                              scheduler=False)
        try:
            client = StreamvisorClient(f"127.0.0.1:{server.port}", timeout=30)
            client.create_supervisor("bench-console", kafka_spec(topic.name, task_count=1))
            http_conn = http.client.HTTPConnection("127.0.0.1", server.console.port, timeout=30)
            body = json.dumps({"supervisorId": "bench-console"})

            def console() -> int:
                http_conn.request("POST", "/streamvisor.v1.SupervisorService/GetOffsets", body,
                                  {"content-type": "application/json"})
                response = http_conn.getresponse()
                data = response.read()
                assert response.status == 200, data
                return len(json.loads(data)["partitions"])

            def grpc_call() -> int:
                return len(client.get_offsets("bench-console").partitions)

            calls = {"console": console, "grpc": grpc_call}
            assert all(call() == args.partitions for call in calls.values())
            samples: dict[str, list[float]] = {name: [] for name in calls}
            for i in range(args.warmup + args.iterations):
                order = list(calls) if i % 2 == 0 else list(reversed(calls))
                for name in order:
                    start = time.perf_counter()
                    calls[name]()
                    if i >= args.warmup:
                        samples[name].append(time.perf_counter() - start)
            print(f"GetOffsets, {args.partitions} partitions, {args.iterations} iterations (after {args.warmup})")
            print(f"{'':8} {'p50 ms':>8} {'p99 ms':>8}")
            for name, values in samples.items():
                print(f"{name:8} {percentile(values, 50) * 1000:8.2f} {percentile(values, 99) * 1000:8.2f}")
            for q in (50, 99):
                ratio = percentile(samples["console"], q) / percentile(samples["grpc"], q)
                print(f"console/grpc p{q}: {ratio:.2f}")
            http_conn.close()
            client.close()
        finally:
            server.stop(0)
            topic.delete()
    return 0


if __name__ == "__main__":
    sys.exit(main())
