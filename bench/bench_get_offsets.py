"""GetOffsets latency at 1,000 partitions: the server's RPC against the bare broker round trip.

    python bench/bench_get_offsets.py [--partitions 1000] [--iterations 200] [--warmup 20]
                                      [--states running,suspended]

What is timed, per iteration, in the same process and against the same topic:

  server   GetOffsets over a real gRPC channel to an in-process server (SQLite metadata in a temp dir):
           SDK call -> servicer -> SupervisorService.get_offsets (one read transaction for the supervisor
           and its checkpoints) -> KafkaStreamAdapter.watermarks -> lag arithmetic -> protobuf response.
  service  SupervisorService.get_offsets called directly (no gRPC, no protobuf): splits the server's
           overhead into "transport + conversion" and "store + adapter + arithmetic".
  bare     The baseline the issue names: AdminClient.list_offsets for the same partitions, OffsetSpec.earliest() and
           OffsetSpec.latest() in flight at once (as the adapter does), read_committed, waiting for every
           future. The adapter made this call until it moved to the consumer's offsets_for_times, which
           sends the same ListOffsets request without a Future per partition.
  lookups  The second baseline, the call the adapter makes now: Consumer.offsets_for_times with the earliest
           and latest "timestamps" (-2, -1), both in flight at once on two threads, read_committed. This is
           the floor: the broker work no implementation of GetOffsets can avoid, on the cheapest call.

The three are interleaved, with the order rotated every iteration, so broker or machine drift hits all
of them alike. One series per --states entry: the supervisor RUNNING (the server's scheduler, on with its
defaults, also reads its offsets) and SUSPENDED. Target (issue 13): server/bare <= 1.2 at p50 and p99,
either way; server/lookups is printed beside it (what the server adds to its own broker call).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time

from _common import (
    DEFAULT_BOOTSTRAP, BareLookups, BareWatermarks, Topic, configure_logging, environment_line, kafka_spec,
    load_average, print_table, start_server, summary,
)
from streamvisor.client import StreamvisorClient
from streamvisor.domain.model import OffsetRange
from streamvisor.v1 import supervisor_pb2 as pb

TARGET_RATIO = 1.2  # issue 13 (issue 1 asked for 1.5)


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--bootstrap", default=DEFAULT_BOOTSTRAP, help="Kafka bootstrap servers (env KAFKA_BOOTSTRAP)")
    p.add_argument("--partitions", type=int, default=1000)
    p.add_argument("--iterations", type=int, default=200, help="timed calls of each kind")
    p.add_argument("--warmup", type=int, default=20, help="untimed calls of each kind first")
    p.add_argument("--records", type=int, default=4, help="records produced to every partition")
    p.add_argument("--no-checkpoints", action="store_true",
                   help="leave the supervisor without checkpoints (by default every partition gets one, "
                        "so GetOffsets also reads 1,000 checkpoint rows, as it would in production)")
    p.add_argument("--states", default="running,suspended",
                   help="supervisor states to time, one series each in this order (issue 13: either way)")
    p.add_argument("--log-level", default="WARNING", help="server log level (the server itself runs at INFO)")
    return p.parse_args()


def main() -> int:
    args = parse_args()
    configure_logging(args.log_level)
    print(f"bench_get_offsets: {args.partitions} partitions, {args.iterations} iterations "
          f"(+{args.warmup} warm-up), broker {args.bootstrap}; {environment_line()}")

    topic = Topic(args.bootstrap, args.partitions, "bench-offsets")
    server = None
    tmp = tempfile.TemporaryDirectory(prefix="bench-offsets-")
    try:
        ready = topic.create()
        print(f"topic {topic.name} created; every partition answered list_offsets after {ready:.1f}s")
        topic.produce(args.records)
        _, latest = topic.watermarks()
        print(f"produced {args.records} records to each partition ({sum(latest.values())} in all)")

        server = start_server(f"sqlite:///{tmp.name}/streamvisor.db", args.bootstrap)
        client = StreamvisorClient(f"127.0.0.1:{server.port}", timeout=30, retries=0)
        supervisor_id = "bench-offsets"
        client.create_supervisor(supervisor_id, kafka_spec(topic.name))
        if not args.no_checkpoints and args.records > 0:
            # Half-way checkpoints, so every partition has a checkpoint row and a non-zero lag.
            ranges = [OffsetRange(p, 0, latest[p] // 2) for p in range(args.partitions)]
            server.service.commit_checkpoint(supervisor_id, task_id="bench", generation=1, ranges=ranges,
                                             location="bench", record_count=sum(r.size for r in ranges),
                                             task_starts={p: 0 for p in range(args.partitions)})

        # Sanity check before timing: the RPC answers for every partition with the broker's offsets.
        response = client.get_offsets(supervisor_id)
        assert len(response.partitions) == args.partitions, len(response.partitions)
        assert all(r.latest == latest[r.partition] for r in response.partitions), "latest offsets differ"
        print(f"supervisor {supervisor_id} created; GetOffsets total_lag={response.total_lag}, "
              f"response {response.ByteSize()} bytes")

        bare = BareWatermarks(args.bootstrap, topic.name, args.partitions)
        lookups = BareLookups(args.bootstrap, topic.name, args.partitions)
        states = [x.strip() for x in args.states.split(",") if x.strip()]
        for state in states:
            if state == "suspended":
                client.suspend_supervisor(supervisor_id)
            elif state == "running":
                if client.get_supervisor(supervisor_id).state == pb.SUPERVISOR_STATE_SUSPENDED:
                    client.resume_supervisor(supervisor_id)
            else:
                raise SystemExit(f"unknown state {state!r} (running, suspended)")
            time_series(args, state, client, server, supervisor_id, bare, lookups)
        client.close()
        lookups.close()
        print(f"\n{load_average()} at the end (2 cores: anything above ~1 means the figures shared the CPUs)")
        return 0
    finally:
        if server is not None:
            server.stop(0)
        topic.delete()
        tmp.cleanup()


def time_series(args, state: str, client: StreamvisorClient, server, supervisor_id: str, bare, lookups) -> None:
    """The four calls interleaved, --iterations times after --warmup, and their ratios."""
    kinds = {
        "server": lambda: client.get_offsets(supervisor_id),
        "service": lambda: server.service.get_offsets(supervisor_id),
        "bare": bare,
        "lookups": lookups,
    }
    samples: dict[str, list[float]] = {k: [] for k in kinds}
    names = list(kinds)
    started = time.perf_counter()
    for i in range(args.warmup + args.iterations):
        # Rotate the order so none of the four always runs right after another.
        shift = i % len(names)
        for name in names[shift:] + names[:shift]:
            t0 = time.perf_counter()
            kinds[name]()
            elapsed = time.perf_counter() - t0
            if i >= args.warmup:
                samples[name].append(elapsed)
    wall = time.perf_counter() - started
    print_table(f"GetOffsets at {args.partitions} partitions, supervisor {state.upper()} ({wall:.1f}s of timed + "
                f"warm-up calls)", [
        ("server: GetOffsets RPC (gRPC)", samples["server"]),
        ("service: get_offsets in-process", samples["service"]),
        ("bare: 2x AdminClient.list_offsets", samples["bare"]),
        ("lookups: 2x offsets_for_times", samples["lookups"]),
    ])
    s, v, b, lk = (summary(samples[k]) for k in ("server", "service", "bare", "lookups"))
    print(f"\nratios, supervisor {state.upper()} (target server/bare <= {TARGET_RATIO})")
    for q in ("p50", "p99", "mean"):
        ratio = s[q] / b[q]
        verdict = ("meets target" if ratio <= TARGET_RATIO else "MISSES target") if q != "mean" else ""
        print(f"  server/bare  {q:<4} {ratio:5.2f}  {verdict}")
    for q in ("p50", "p99"):
        print(f"  service/bare {q:<4} {v[q] / b[q]:5.2f}")
    for q in ("p50", "p99"):
        print(f"  server/lookups {q:<4} {s[q] / lk[q]:5.2f}   service/lookups {q:<4} {v[q] / lk[q]:5.2f}")
    print(f"  lookups/bare p50 {lk['p50'] / b['p50']:5.2f}  (the adapter's broker call now, against the old one)")
    print(f"  server p50 - service p50 (gRPC + protobuf): {(s['p50'] - v['p50']) * 1000:.2f} ms")


if __name__ == "__main__":
    sys.exit(main())
