"""The scheduler at rest and under new work: idle CPU by supervisor size and count, and a new supervisor's
first lease beside N running 1,000-partition supervisors (issue 13).

Idle CPU: for each shape a fresh metadata database is seeded directly through the store (no broker: a
RUNNING supervisor whose every partition has a checkpoint and whose every task exists and is LEASED, as
with busy workers, needs no broker call), then a fresh in-process server (scheduler on, its defaults) is
started, given a few seconds to settle, and the process CPU time (time.process_time(): every thread, the
gRPC server, librdkafka, the scheduler) is read over a window. Baseline: the same for zero supervisors.

First lease: one real 1,000-partition topic; N supervisors on it seeded as above (all tasks leased for an
hour); then, per sample, CreateSupervisor over gRPC (use_earliest_offset=false, 4 task groups) and a worker
polling AcquireTask every 20 ms until it holds a task of the new supervisor; the sample is the time from
the CreateSupervisor call to that lease. The supervisor is terminated afterwards. Baselines: N = 0 in the
same run, and the bare broker floor (the two list_offsets of 1,000 partitions every first lease needs).

    python bench/bench_scheduler.py                         # both databases, every shape
    python bench/bench_scheduler.py --databases sqlite --idle-seconds 10 --running 0,10 --samples 10
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import datetime, timedelta, timezone

import _common as c
from streamvisor.client import StreamvisorClient
from streamvisor.client.tasks import TaskClient
from streamvisor.domain.model import StreamType, Supervisor, SupervisorSpec, SupervisorState
from streamvisor.domain.tasks import TaskRecord, TaskState, task_groups


def seed(store, prefix: str, count: int, partitions: int, task_count: int, topic: str, bootstrap: str) -> None:
    """`count` RUNNING supervisors of `partitions` partitions on `topic`, every checkpoint stored and every
    task LEASED for an hour: what a busy deployment at rest looks like to the scheduler."""
    now = datetime.now(timezone.utc)
    spec = SupervisorSpec(StreamType.KAFKA, topic, {"bootstrap.servers": bootstrap}, task_count, False,
                          {"useConcurrentLocks": "true"})
    batch = 250
    for first in range(0, count, batch):
        with store.transaction() as tx:
            for i in range(first, min(count, first + batch)):
                s = Supervisor(f"{prefix}{i:05d}", spec, SupervisorState.RUNNING, 1, 1, tuple(range(partitions)),
                               now, now)
                tx.insert_supervisor(s)
                tx.set_checkpoints(s.id, {p: 0 for p in s.partitions})
                for g in task_groups(s):
                    task = TaskRecord(f"{s.id}-t{g}", s.id, g, 1, TaskState.PENDING, now, now)
                    tx.ensure_task(task)
                    tx.update_task(TaskRecord(task.id, s.id, g, 1, TaskState.LEASED, now, now, worker_id="busy",
                                              lease_expires_at=now + timedelta(hours=1),
                                              start_offsets={p: 0 for p in s.partitions if p % task_count == g}))


def idle_cpu(kind: str, args, label: str, count: int, partitions: int, task_count: int) -> dict:
    with c.metadata_database(kind, args.pg_url, "bench-sched") as url:
        if count:
            # The server migrates the database on start; seed through a store on the migrated schema.
            from streamvisor.store.engine import create_store_engine, migrate
            from streamvisor.store.sql import SqlMetadataStore
            engine = create_store_engine(url)
            migrate(engine)
            store = SqlMetadataStore(engine)
            seed(store, "idle-", count, partitions, task_count, "bench-sched-unused", args.bootstrap)
            store.dispose()
        server = c.start_server(url, args.bootstrap)
        try:
            time.sleep(args.settle_seconds)
            scheduler = server.scheduler
            passes0, cpu0, wall0 = scheduler.passes, time.process_time(), time.monotonic()
            time.sleep(args.idle_seconds)
            cpu, wall, passes = time.process_time() - cpu0, time.monotonic() - wall0, scheduler.passes - passes0
            sweep = getattr(scheduler, "last_sweep_cpu_s", None)
            if sweep is not None:
                # The first sweep also cleared the marks the seeding left; time a steady-state one too.
                sweeps, scheduler._next_sweep = scheduler.sweeps, 0.0
                deadline = time.monotonic() + 60
                while scheduler.sweeps == sweeps and time.monotonic() < deadline:
                    time.sleep(0.05)
                steady = scheduler.last_sweep_cpu_s
        finally:
            server.stop(0)
    row = {"label": label, "cores": cpu / wall, "cpu_s": cpu, "wall_s": wall, "passes": passes,
           "ms_per_pass": 1000 * cpu / passes if passes else float("nan"), "sweep_ms": None if sweep is None
           else 1000 * sweep, "steady_sweep_ms": None if sweep is None else 1000 * steady}
    print(f"  {kind:10} {label:28} {row['cores'] * 100:7.2f}% of a core  ({cpu:.2f} CPU s in {wall:.1f} s, "
          f"{passes} passes, {row['ms_per_pass']:.2f} CPU ms/pass"
          + (f"; full sweep thread CPU: first {row['sweep_ms']:.0f} ms, steady {row['steady_sweep_ms']:.0f} ms"
             if sweep is not None else "") + ")",
          flush=True)
    return row


def first_leases(kind: str, args, topic: c.Topic, running: int) -> list[float]:
    with c.metadata_database(kind, args.pg_url, "bench-sched") as url:
        from streamvisor.store.engine import create_store_engine, migrate
        from streamvisor.store.sql import SqlMetadataStore
        engine = create_store_engine(url)
        migrate(engine)
        store = SqlMetadataStore(engine)
        t0 = time.monotonic()
        seed(store, "run-", running, topic.partitions, 4, topic.name, args.bootstrap)
        seeded = time.monotonic() - t0
        store.dispose()
        server = c.start_server(url, args.bootstrap)
        samples: list[float] = []
        try:
            time.sleep(args.settle_seconds)
            with StreamvisorClient(f"127.0.0.1:{server.port}", timeout=60, retries=0) as client:
                worker = TaskClient(f"127.0.0.1:{server.port}", retry_for_s=0, timeout=60)
                try:
                    for i in range(args.samples):
                        sid = f"new-{i:03d}"
                        time.sleep(random.uniform(0, 0.5))  # do not phase-lock with the scheduler's interval
                        start = time.perf_counter()
                        client.create_supervisor(sid, c.kafka_spec(topic.name))
                        while True:
                            task = worker.acquire("bench-worker", lease_seconds=600)
                            if task is not None:
                                assert task.supervisor_id == sid, task.supervisor_id
                                break
                            if time.perf_counter() - start > 120:
                                raise RuntimeError(f"no lease of {sid} in 120 s")
                            time.sleep(0.02)
                        samples.append(time.perf_counter() - start)
                        client.terminate_supervisor(sid)
                finally:
                    worker.close()
        finally:
            server.stop(0)
    s = c.summary(samples)
    print(f"  {kind:10} beside {running:4} running x {topic.partitions}: first lease p50 {s['p50'] * 1000:8.1f} ms"
          f"  p99 {s['p99'] * 1000:8.1f} ms  max {s['max'] * 1000:8.1f} ms  ({len(samples)} samples; seeding "
          f"took {seeded:.1f} s)", flush=True)
    return samples


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bootstrap", default=c.DEFAULT_BOOTSTRAP)
    ap.add_argument("--pg-url", default=c.DEFAULT_PG_URL)
    ap.add_argument("--databases", default="sqlite,postgresql")
    ap.add_argument("--idle-seconds", type=float, default=30.0)
    ap.add_argument("--settle-seconds", type=float, default=3.0)
    ap.add_argument("--partitions", default="10,100,1000,4000", help="one supervisor of each size")
    ap.add_argument("--supervisors", default="50,500,5000", help="this many one-partition supervisors")
    ap.add_argument("--running", default="0,10,100", help="first lease beside this many 1,000-partition ones")
    ap.add_argument("--samples", type=int, default=20)
    ap.add_argument("--skip-idle", action="store_true")
    ap.add_argument("--skip-latency", action="store_true")
    ap.add_argument("--log-level", default="WARNING")
    args = ap.parse_args()
    c.configure_logging(args.log_level)
    print(c.environment_line(), "|", c.code_version(), flush=True)
    kinds = [k for k in args.databases.split(",") if k]
    results = {}
    for kind in kinds:
        if not args.skip_idle:
            print(f"idle CPU ({args.idle_seconds:.0f} s windows, {kind})", flush=True)
            rows = [idle_cpu(kind, args, "baseline: 0 supervisors", 0, 0, 1)]
            rows += [idle_cpu(kind, args, f"1 supervisor x {p} partitions", 1, p, min(8, p))
                     for p in map(int, args.partitions.split(","))]
            rows += [idle_cpu(kind, args, f"{n} supervisors x 1 partition", n, 1, 1)
                     for n in map(int, args.supervisors.split(","))]
            results[(kind, "idle")] = rows
    if not args.skip_latency:
        topic = c.Topic(args.bootstrap, 1000, "bench-sched")
        ready = topic.create()
        print(f"topic {topic.name}: 1000 partitions ready after {ready:.1f} s", flush=True)
        try:
            bare = c.BareWatermarks(args.bootstrap, topic.name, topic.partitions)
            floor = []
            for _ in range(20):
                start = time.perf_counter()
                bare()
                floor.append(time.perf_counter() - start)
            s = c.summary(floor)
            print(f"  broker floor (bare list_offsets earliest+latest, 1000 partitions): p50 {s['p50'] * 1000:.1f} ms "
                  f"p99 {s['p99'] * 1000:.1f} ms", flush=True)
            for kind in kinds:
                print(f"first lease ({kind})", flush=True)
                per_n = {n: first_leases(kind, args, topic, n) for n in map(int, args.running.split(","))}
                base = statistics.median(per_n[min(per_n)])
                for n, samples in per_n.items():
                    print(f"  {kind:10} ratio p50(N={n}) / p50(N={min(per_n)}) = "
                          f"{statistics.median(samples) / base:.2f}", flush=True)
        finally:
            topic.delete()
    print("load average at the end:", c.load_average())
    return 0


if __name__ == "__main__":
    sys.exit(main())
