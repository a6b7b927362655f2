"""Reference-worker throughput (records/s, 1 KB values) against a bare confluent-kafka consumer writing
the same JSON Lines, on the same pre-produced topic, in the same run.

    python bench/bench_worker.py [--records 200000] [--partitions 4] [--value-bytes 1024] [--rounds 2]
                                 [--database sqlite|postgresql] [--task-count 1]

Setup: one topic (default 4 partitions) with --records records of --value-bytes random bytes, produced
once and read by every pass. An in-process server (scheduler on, interval 0.2 s) on a fresh SQLite file
or PostgreSQL database, and one reference Worker (streamvisor.worker.runner.Worker) in a thread of this
process, started before any timing and idle until it is offered a task.

Timed, one pass each per round, the order alternated round by round:

  worker  CreateSupervisor of a bounded supervisor over exactly the produced range [0, latest) of every
          partition (what ResetToLatestAndBackfill creates), then wait for COMPLETED. Measured from just
          before the CreateSupervisor RPC to the supervisor's update_time written by the commit that
          published its last range. Includes everything the control plane adds: the CreateSupervisor call
          (two broker calls), the scheduler pass that resolves and creates the task (<= 0.2 s), the
          worker's idle poll (<= 0.5 s), AcquireTask, heartbeats, one CommitCheckpoint per segment.
  bare    The baseline (bench/_common.py bare_ingest): one Consumer built like the worker's (same
          overrides, assign at offset 0, no group commits), the same consume(500, 0.2) loop, the same
          record line per record, and a segment through BareFileWriter.write (tmp name, fsync,
          rename) every --commit-records records or --commit-seconds seconds. Measured from consumer
          creation to the last segment renamed. No lease, heartbeat, commit, server.

Both write into a fresh temp dir that is checked (segment files, lines) and deleted after every pass.
Target (from the issue): worker/bare throughput >= 0.7.
"""
from __future__ import annotations

import argparse
import contextlib
import shutil
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

from _common import (
    BareFileWriter, DEFAULT_BOOTSTRAP, DEFAULT_PG_URL, CallTimer, Topic, bare_ingest, bounded_spec, code_version,
    configure_logging,
    environment_line, load_average, metadata_database, segment_stats, start_server, wait_completed,
)
from streamvisor.client import StreamvisorClient
from streamvisor.worker.runner import Worker, WorkerSettings
from streamvisor.worker.sinks.files import FileSink

TARGET_RATIO = 0.7


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--bootstrap", default=DEFAULT_BOOTSTRAP, help="Kafka bootstrap servers (env KAFKA_BOOTSTRAP)")
    p.add_argument("--pg-url", default=DEFAULT_PG_URL,
                   help="any database of the PostgreSQL server (env STREAMVISOR_TEST_PG_URL); with "
                        "--database postgresql the benchmark creates and drops its own database next to it")
    p.add_argument("--database", default="sqlite", choices=("sqlite", "postgresql"),
                   help="the server's metadata store (default sqlite, the server's embedded default)")
    p.add_argument("--records", type=int, default=200_000, help="records produced in all (split evenly)")
    p.add_argument("--partitions", type=int, default=4)
    p.add_argument("--value-bytes", type=int, default=1024)
    p.add_argument("--rounds", type=int, default=2, help="passes of each kind (worker, bare), alternated")
    p.add_argument("--task-count", type=int, default=1,
                   help="task_count of the bounded supervisor; 1 = one task, one consumer for all partitions, "
                        "exactly like the bare consumer")
    p.add_argument("--max-tasks", type=int, default=4, help="WorkerSettings.max_tasks")
    p.add_argument("--commit-records", type=int, default=1000, help="segment size, worker and bare alike")
    p.add_argument("--commit-seconds", type=float, default=1.0, help="segment age limit, worker and bare alike")
    p.add_argument("--output-dir", default=None,
                   help="where segments go (a temp dir under it per pass; default: the system temp dir)")
    p.add_argument("--timeout", type=float, default=300, help="seconds a pass may take before it fails")
    p.add_argument("--log-level", default="WARNING", help="server and worker log level")
    return p.parse_args()


def run_bare(args, topic: Topic, ends: dict[int, int], out: Path) -> dict:
    sink = BareFileWriter(out)
    seconds, records, segments = bare_ingest(args.bootstrap, topic.name, {p: 0 for p in ends}, ends, sink,
                                             args.commit_records, args.commit_seconds, "bare")
    return {"seconds": seconds, "records": records, "segments": segments}


def run_worker(args, server, client: StreamvisorClient, topic: Topic, ends: dict[int, int], out: Path,
               n: int) -> dict:
    settings = WorkerSettings(commit_records=args.commit_records, commit_seconds=args.commit_seconds,
                              max_tasks=args.max_tasks)
    worker = Worker(f"127.0.0.1:{server.port}", FileSink(out), f"bench-worker-{n}", settings)
    calls = CallTimer(worker.client)
    stop = threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop,), name="bench-worker", daemon=True)
    thread.start()
    try:
        time.sleep(1.0)  # the worker is polling AcquireTask (idle) before the clock starts, as in production
        supervisor_id = f"bench-worker-{n}"
        started_wall = datetime.now(timezone.utc)
        started = time.perf_counter()
        calls.reset(started)
        client.create_supervisor(supervisor_id, bounded_spec(topic.name, ends, args.task_count))
        completed_at = wait_completed(server, supervisor_id, args.timeout)
        seconds = (completed_at - started_wall).total_seconds()
        polled = time.perf_counter() - started
        segments = _segment_count(server, supervisor_id)
    finally:
        stop.set()
        thread.join(timeout=60)
    return {"seconds": seconds, "records": worker.records_published, "segments": segments, "polled": polled,
            "first_lease": calls.first_lease, "commit_s": calls.seconds["commit"],
            "commits": calls.count["commit"], "commit_max": calls.longest["commit"]}


def _segment_count(server, supervisor_id: str) -> int:
    with server.store.read() as tx:
        return len(tx.list_segments([supervisor_id]))


def main() -> int:
    args = parse_args()
    configure_logging(args.log_level)
    per_partition = args.records // args.partitions
    total = per_partition * args.partitions
    print(f"bench_worker: {total} records of {args.value_bytes} B over {args.partitions} partitions, "
          f"{args.rounds} round(s), metadata on {args.database}, task_count {args.task_count}, "
          f"segments of {args.commit_records} records / {args.commit_seconds:g} s; broker {args.bootstrap}; "
          f"{environment_line()}; {code_version()}")

    topic = Topic(args.bootstrap, args.partitions, "bench-worker")
    results: dict[str, list[dict]] = {"worker": [], "bare": []}
    scratch = Path(tempfile.mkdtemp(prefix="bench-worker-", dir=args.output_dir))
    try:
        topic.create()
        took = topic.produce_bulk(per_partition, args.value_bytes)
        earliest, ends = topic.watermarks()
        assert all(earliest[p] == 0 and ends[p] == per_partition for p in ends), (earliest, ends)
        print(f"topic {topic.name}: produced {total} records ({total * args.value_bytes / 1e6:.0f} MB of values) "
              f"in {took:.1f}s")

        # The stack (server, client) closes before the database is dropped: the scheduler writes on its way out.
        with metadata_database(args.database, args.pg_url, "bench-worker") as url, contextlib.ExitStack() as stack:
            server = start_server(url, args.bootstrap, scheduler=True, scheduler_interval_s=0.2)
            stack.callback(server.stop, 0)
            client = StreamvisorClient(f"127.0.0.1:{server.port}", timeout=60, retries=0)
            stack.callback(client.close)
            n = 0
            for round_ in range(args.rounds):
                order = ("bare", "worker") if round_ % 2 == 0 else ("worker", "bare")
                for kind in order:
                    n += 1
                    out = scratch / f"{n:02d}-{kind}"
                    out.mkdir()
                    if kind == "bare":
                        r = run_bare(args, topic, ends, out)
                    else:
                        r = run_worker(args, server, client, topic, ends, out, n)
                    files, lines, size = segment_stats(out)
                    # Nothing lost, nothing twice, no half-written segment: the files hold every record once.
                    if lines != total or r["records"] != total or files != r["segments"]:
                        raise AssertionError(f"{kind} pass wrote {lines} lines in {files} files, reported "
                                             f"{r['records']} records in {r['segments']} segments; expected {total}")
                    r.update(rate=total / r["seconds"], mb=size / 1e6)
                    results[kind].append(r)
                    extra = "" if kind == "bare" else (
                        f"; first lease after {r['first_lease']:.2f}s, {r['commits']} CommitCheckpoint calls "
                        f"took {r['commit_s']:.2f}s ({r['commit_s'] / max(1, r['commits']) * 1000:.1f} ms mean, "
                        f"{r['commit_max'] * 1000:.0f} ms max)")
                    print(f"  round {round_ + 1} {kind:<6} {r['seconds']:7.2f}s {r['rate']:9.0f} records/s "
                          f"{r['segments']:5d} segments {r['mb']:6.0f} MB written{extra}; {load_average()}")
                    shutil.rmtree(out)
    finally:
        topic.delete()
        shutil.rmtree(scratch, ignore_errors=True)

    print(f"\nthroughput, records/s (target worker/bare >= {TARGET_RATIO})")
    print(f"  {'round':<6} {'worker':>10} {'bare':>10} {'worker/bare':>12}   {'from lease':>10} {'ratio':>6}")
    ratios = []
    for i, (w, b) in enumerate(zip(results["worker"], results["bare"])):
        ratios.append(w["rate"] / b["rate"])
        # Without the start-up (CreateSupervisor, scheduler pass, the worker's idle poll): from the first lease.
        steady = total / (w["seconds"] - w["first_lease"])
        print(f"  {i + 1:<6} {w['rate']:10.0f} {b['rate']:10.0f} {ratios[-1]:12.2f}   {steady:10.0f} "
              f"{steady / b['rate']:6.2f}")
    w_best = max(r["rate"] for r in results["worker"])
    b_best = max(r["rate"] for r in results["bare"])
    w_mean = sum(r["rate"] for r in results["worker"]) / len(results["worker"])
    b_mean = sum(r["rate"] for r in results["bare"]) / len(results["bare"])
    print(f"  {'mean':<6} {w_mean:10.0f} {b_mean:10.0f} {w_mean / b_mean:12.2f}")
    print(f"  {'best':<6} {w_best:10.0f} {b_best:10.0f} {w_best / b_best:12.2f}")
    verdict = "meets target" if min(ratios) >= TARGET_RATIO else \
        ("meets target on the mean only" if w_mean / b_mean >= TARGET_RATIO else "MISSES target")
    print(f"  worker/bare: {verdict} (worst round {min(ratios):.2f})")
    print(f"\n{load_average()} at the end (2 cores: anything above ~1 means the figures shared the CPUs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
