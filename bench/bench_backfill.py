"""Time for a backfill of 1,000,000 records with 1, 2 and 4 tasks.

    python bench/bench_backfill.py [--records 1000000] [--partitions 8] [--value-bytes 100]
                                   [--task-counts 1,2,4] [--modes thread,process] [--database postgresql]

Setup: one 8-partition topic with --records records of --value-bytes random bytes, produced once and
read by every run. An in-process server (scheduler on, interval 0.2 s) on a fresh PostgreSQL database
(or SQLite), kept for all runs.

A backfill is a bounded supervisor over [0, latest) of every partition: ResetToLatestAndBackfill creates
exactly that (SupervisorSpec.bounded_copy of the live spec, RUNNING, checkpoints at the range starts,
backfill_task_count tasks). Each run creates one through CreateSupervisor with task_count 1, 2 or 4
(tasks own partitions p with p % task_count == group, so 8, 4 or 2 partitions each) and is timed from
just before that RPC to the supervisor's update_time written by the commit that completed it.

Workers (--modes), started before the clock and idle until offered tasks:

  thread   one reference Worker (max_tasks 4) in a thread of this process, beside the server: every task
           is a thread of the same interpreter, so all of them and the server share one GIL.
  process  4 `streamvisor worker --max-tasks 1` processes (the real CLI): one task per process, each
           with its own interpreter; the server stays in this process.

Also timed (--no-bare skips it): the bare baseline of bench_worker.py, one consumer over all partitions
writing the same JSON Lines segments (bench/_common.py bare_ingest), i.e. the floor of one task.

Every run's segment files are counted (every record exactly once in all) and deleted.
The issue sets no target; the machine has 2 cores, which caps any speed-up from more tasks.
"""
from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import subprocess
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

PROCESS_WORKERS = 4


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--bootstrap", default=DEFAULT_BOOTSTRAP, help="Kafka bootstrap servers (env KAFKA_BOOTSTRAP)")
    p.add_argument("--pg-url", default=DEFAULT_PG_URL,
                   help="any database of the PostgreSQL server (env STREAMVISOR_TEST_PG_URL); the benchmark "
                        "creates and drops its own database next to it")
    p.add_argument("--database", default="postgresql", choices=("sqlite", "postgresql"))
    p.add_argument("--records", type=int, default=1_000_000, help="records produced in all (split evenly)")
    p.add_argument("--partitions", type=int, default=8)
    p.add_argument("--value-bytes", type=int, default=100)
    p.add_argument("--task-counts", default="1,2,4", help="comma-separated backfill task counts")
    p.add_argument("--modes", default="thread,process", help="comma-separated: thread, process")
    p.add_argument("--no-bare", action="store_true", help="skip the single-consumer baseline")
    p.add_argument("--commit-records", type=int, default=1000, help="segment size (the worker's default)")
    p.add_argument("--commit-seconds", type=float, default=1.0, help="segment age limit (the worker's default)")
    p.add_argument("--output-dir", default=None, help="where segments go (default: the system temp dir)")
    p.add_argument("--timeout", type=float, default=600, help="seconds a run may take before it fails")
    p.add_argument("--log-level", default="WARNING", help="server and worker log level")
    return p.parse_args()


class ThreadWorkers:
    def __init__(self, address: str, out: Path, args, n: int):
        settings = WorkerSettings(commit_records=args.commit_records, commit_seconds=args.commit_seconds,
                                  max_tasks=4)
        self.worker = Worker(address, FileSink(out), f"bench-backfill-{n}", settings)
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self.worker.run, args=(self.stop_event,), daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.stop_event.set()
        self.thread.join(timeout=60)


class ProcessWorkers:
    """The real `streamvisor worker` CLI, PROCESS_WORKERS processes with one task slot each."""

    def __init__(self, address: str, out: Path, args, n: int, logs: Path):
        self.processes = []
        env = {**os.environ, "STREAMVISOR_LOG_LEVEL": args.log_level.upper()}
        for i in range(PROCESS_WORKERS):
            log = open(logs / f"run{n}-worker{i}.log", "w")
            self.processes.append(subprocess.Popen(
                [sys.executable, "-m", "streamvisor", "--server", address, "worker", "--output", str(out),
                 "--worker-id", f"bench-backfill-{n}-{i}", "--max-tasks", "1",
                 "--commit-records", str(args.commit_records), "--commit-seconds", str(args.commit_seconds)],
                stdout=log, stderr=subprocess.STDOUT, env=env))
            log.close()
        time.sleep(3.0)  # interpreters started and polling AcquireTask before the clock starts
        dead = [p.returncode for p in self.processes if p.poll() is not None]
        if dead:
            self.stop()
            tail = (logs / f"run{n}-worker0.log").read_text()[-1500:]
            raise RuntimeError(f"worker processes exited at start with {dead}; worker 0 said:\n{tail}")

    def stop(self) -> None:
        for p in self.processes:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in self.processes:
            try:
                p.wait(timeout=60)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


def run_backfill(server, client: StreamvisorClient, topic: Topic, ends: dict[int, int], task_count: int,
                 mode: str, out: Path, args, n: int, logs: Path) -> dict:
    address = f"127.0.0.1:{server.port}"
    workers = ThreadWorkers(address, out, args, n) if mode == "thread" else ProcessWorkers(address, out, args, n, logs)
    # In-process workers only: how long task threads waited for CommitCheckpoint answers (summed over threads).
    calls = CallTimer(workers.worker.client) if mode == "thread" else None
    try:
        if mode == "thread":
            time.sleep(1.0)  # polling AcquireTask (idle) before the clock starts
        supervisor_id = f"bench-backfill-{n}"
        started_wall = datetime.now(timezone.utc)
        if calls is not None:
            calls.reset(time.perf_counter())
        client.create_supervisor(supervisor_id, bounded_spec(topic.name, ends, task_count))
        completed_at = wait_completed(server, supervisor_id, args.timeout)
        seconds = (completed_at - started_wall).total_seconds()
    finally:
        workers.stop()
    with server.store.read() as tx:
        segments = tx.list_segments([supervisor_id])
        tasks = tx.list_tasks(supervisor_id)
    return {"seconds": seconds, "segments": len(segments), "records": sum(s.record_count for s in segments),
            "tasks": len(tasks), "commit_s": calls.seconds["commit"] if calls else None,
            "commit_mean_ms": calls.seconds["commit"] / max(1, calls.count["commit"]) * 1000 if calls else None}


def main() -> int:
    args = parse_args()
    configure_logging(args.log_level)
    task_counts = [int(x) for x in args.task_counts.split(",") if x.strip()]
    modes = [x.strip() for x in args.modes.split(",") if x.strip()]
    if set(modes) - {"thread", "process"}:
        print(f"unknown mode(s) in {args.modes!r}: thread, process", file=sys.stderr)
        return 2
    per_partition = args.records // args.partitions
    total = per_partition * args.partitions
    print(f"bench_backfill: {total} records of {args.value_bytes} B over {args.partitions} partitions, task counts "
          f"{','.join(map(str, task_counts))}, modes {','.join(modes)}, metadata on {args.database}, segments of "
          f"{args.commit_records} records / {args.commit_seconds:g} s; broker {args.bootstrap}; {environment_line()}; "
          f"{code_version()}")

    topic = Topic(args.bootstrap, args.partitions, "bench-backfill")
    rows: list[tuple[str, int, dict]] = []
    scratch = Path(tempfile.mkdtemp(prefix="bench-backfill-", dir=args.output_dir))
    logs = scratch / "logs"
    logs.mkdir()
    try:
        topic.create()
        took = topic.produce_bulk(per_partition, args.value_bytes)
        earliest, ends = topic.watermarks()
        assert all(earliest[p] == 0 and ends[p] == per_partition for p in ends), (earliest, ends)
        print(f"topic {topic.name}: produced {total} records in {took:.1f}s ({total / took:.0f} records/s)")

        # The stack (server, client) closes before the database is dropped: the scheduler writes on its way out.
        with metadata_database(args.database, args.pg_url, "bench-backfill") as url, contextlib.ExitStack() as stack:
            server = start_server(url, args.bootstrap, scheduler=True, scheduler_interval_s=0.2)
            stack.callback(server.stop, 0)
            client = StreamvisorClient(f"127.0.0.1:{server.port}", timeout=60, retries=0)
            stack.callback(client.close)
            n = 0
            plan = ([] if args.no_bare else [("bare", 1)]) + [(m, tc) for m in modes for tc in task_counts]
            for mode, task_count in plan:
                n += 1
                out = scratch / f"run{n:02d}"
                out.mkdir()
                if mode == "bare":
                    seconds, records, segments = bare_ingest(args.bootstrap, topic.name, {p: 0 for p in ends}, ends,
                                                             BareFileWriter(out), args.commit_records,
                                                             args.commit_seconds, "bare")
                    r = {"seconds": seconds, "segments": segments, "records": records, "tasks": 1, "commit_s": None}
                else:
                    r = run_backfill(server, client, topic, ends, task_count, mode, out, args, n, logs)
                files, lines, size = segment_stats(out)
                if lines != total or r["records"] != total or files != r["segments"]:
                    raise AssertionError(f"run {n} ({mode}, {task_count} tasks) wrote {lines} lines in {files} "
                                         f"files, recorded {r['records']} records in {r['segments']} segments; "
                                         f"expected {total}")
                r["rate"] = total / r["seconds"]
                r["load"] = load_average()
                rows.append((mode, task_count, r))
                waits = "" if r["commit_s"] is None else (
                    f", task threads waited {r['commit_s']:.2f}s for CommitCheckpoint "
                    f"({r['commit_mean_ms']:.1f} ms mean)")
                print(f"  {mode:<7} {task_count} task(s): {r['seconds']:7.2f}s {r['rate']:9.0f} records/s "
                      f"{r['segments']:5d} segments ({size / 1e6:.0f} MB){waits}; {r['load']}")
                shutil.rmtree(out)
    finally:
        topic.delete()
        shutil.rmtree(scratch, ignore_errors=True)

    print(f"\nbackfill of {total:,} records ({args.value_bytes} B values, {args.partitions} partitions)")
    print(f"  {'workers':<8} {'tasks':>5} {'seconds':>8} {'records/s':>10} {'vs 1 task':>10} {'vs bare':>8}")
    bare = next((r for m, _, r in rows if m == "bare"), None)
    for mode, task_count, r in rows:
        one = next((x for m, tc, x in rows if m == mode and tc == 1), None) if mode != "bare" else None
        speedup = f"{one['seconds'] / r['seconds']:9.2f}x" if one else f"{'-':>10}"
        vs_bare = f"{r['rate'] / bare['rate']:8.2f}" if bare else f"{'-':>8}"
        print(f"  {mode:<8} {task_count:>5} {r['seconds']:8.2f} {r['rate']:10.0f} {speedup} {vs_bare}")
    print(f"\n{load_average()} at the end (2 cores: anything above ~1 means the figures shared the CPUs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
