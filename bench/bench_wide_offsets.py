"""What offsets of any size (issue 17: `_decimal` and `partition_id` fields, NUMERIC / sortable-text offset
columns) cost, each figure beside a baseline measured in the same run, interleaved.

    python bench/bench_wide_offsets.py [--partitions 1000] [--calls 200] [--rounds 3]
                                       [--base-server DIR] [--commits 400] [--databases sqlite,postgresql]

1. GetOffsets' response at --partitions partitions, built by the servicer (SupervisorServicer.GetOffsets over
   a service that returns a fixed view: conversion only, no broker, no database) and serialized, against
   the int-only response as it was built before the decimal fields (the same loop without them, inline
   here): CPU µs per call (time.process_time) and bytes on the wire.
2. With --base-server DIR (a `server/` directory of the code before this change, e.g. extracted with
   `git archive <commit> server clients/python/gen | tar -x -C DIR`, its streamvisor/v1 linked to the
   generated stubs): the commit use case in-process (SupervisorService.commit_checkpoint, one partition,
   consecutive ranges) on a fresh SQLite file and PostgreSQL database, CPU ms per commit, run in a child
   process per code version, alternated before / after for --rounds rounds.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from _common import DEFAULT_PG_URL, environment_line, metadata_database

NOW = datetime(2026, 12, 2, tzinfo=timezone.utc)


def conversion(partitions: int, calls: int, rounds: int) -> None:
    from streamvisor.api.convert import timestamp
    from streamvisor.api.supervisor_servicer import SupervisorServicer
    from streamvisor.domain.model import StreamType, Supervisor, SupervisorSpec, SupervisorState
    from streamvisor.domain.offsets import OffsetsView, PartitionView
    from streamvisor.streams.registry import StreamAdapterRegistry
    from streamvisor.v1 import supervisor_service_pb2 as svc

    spec = SupervisorSpec(StreamType.KAFKA, "t", {"bootstrap.servers": "b"}, 4)
    supervisor = Supervisor("s", spec, SupervisorState.RUNNING, 1, 1, tuple(range(partitions)), NOW, NOW)
    rows = [PartitionView(p, 1_000_000 + p, 1000, 2_000_000 + p, 1_000_000, None, False) for p in range(partitions)]
    view = OffsetsView(rows, sum(r.lag for r in rows), 0, 0)

    class FixedService:
        streams = StreamAdapterRegistry()

        def get_offsets(self, supervisor_id, actor):
            return supervisor, view, NOW

    servicer = SupervisorServicer(FixedService())
    request = svc.GetOffsetsRequest(supervisor_id="s")

    def wide() -> bytes:
        return servicer.GetOffsets.__wrapped__(servicer, request, None).SerializeToString()

    def int_only() -> bytes:  # the servicer's loop before the decimal fields
        response = svc.GetOffsetsResponse(supervisor_id=supervisor.id, total_lag=view.total_lag,
                                          bounded_done=view.bounded_done, bounded_total=view.bounded_total,
                                          read_time=timestamp(NOW))
        add = response.partitions.add
        for r in view.partitions:
            row = add(partition=r.partition, earliest=r.earliest, latest=r.latest, lag=r.lag,
                      checkpoint_beyond_latest=r.beyond_latest)
            if r.checkpoint is not None:
                row.checkpoint = r.checkpoint
        return response.SerializeToString()

    print(f"1. GetOffsets response, {partitions} partitions, {calls} calls per figure, interleaved")
    for n in range(rounds):
        figures = {}
        for name, build in (("int-only", int_only), ("wide", wide), ("int-only ", int_only), ("wide ", wide)):
            started = time.process_time()
            for _ in range(calls):
                size = len(build())
            figures.setdefault(name.strip(), []).append(((time.process_time() - started) / calls * 1e6, size))
        base = sum(us for us, _ in figures["int-only"]) / 2
        after = sum(us for us, _ in figures["wide"]) / 2
        print(f"   round {n + 1}: int-only {base:.0f} µs ({figures['int-only'][0][1]} bytes), "
              f"wide {after:.0f} µs ({figures['wide'][0][1]} bytes): {after / base:.2f} x")


def commit_cpu(url: str, commits: int) -> dict:
    """The child: in-process commits on a fresh database at `url`, CPU ms per commit."""
    from streamvisor.app.supervisors import SupervisorService
    from streamvisor.domain.model import OffsetRange, StreamType, Supervisor, SupervisorSpec, SupervisorState
    from streamvisor.store.engine import create_store_engine, migrate
    from streamvisor.store.sql import SqlMetadataStore
    from streamvisor.streams.registry import StreamAdapterRegistry

    engine = create_store_engine(url)
    migrate(engine)
    store = SqlMetadataStore(engine)
    spec = SupervisorSpec(StreamType.KAFKA, "t", {"bootstrap.servers": "b"}, 1)
    with store.transaction() as tx:
        tx.insert_supervisor(Supervisor("b", spec, SupervisorState.RUNNING, 1, 1, (0,), NOW, NOW))
    service = SupervisorService(store, StreamAdapterRegistry())
    step = 100

    def commit(n: int) -> None:
        service.commit_checkpoint("b", "t", 1, [OffsetRange(0, n * step, (n + 1) * step)], f"mem://{n}", step,
                                  task_starts={0: 0})

    for n in range(20):  # warm-up: prepared statements, caches
        commit(n)
    started, wall = time.process_time(), time.perf_counter()
    for n in range(20, 20 + commits):
        commit(n)
    cpu, elapsed = time.process_time() - started, time.perf_counter() - wall
    store.dispose()
    return {"cpu_ms": cpu / commits * 1000, "wall_ms": elapsed / commits * 1000}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--partitions", type=int, default=1000)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--base-server", default="", help="server/ of the code before (see above)")
    parser.add_argument("--commits", type=int, default=400)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL)
    parser.add_argument("--child", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(commit_cpu(args.child, args.commits)))
        return 0
    print(environment_line())
    conversion(args.partitions, args.calls, args.rounds)
    if not args.base_server:
        return 0
    here = Path(__file__).resolve().parent.parent / "server"
    print(f"2. commit use case in-process, {args.commits} commits, CPU (wall) ms per commit, alternated")
    for kind in args.databases.split(","):
        for n in range(args.rounds):
            line = []
            for label, server in (("before", args.base_server), ("after", str(here))):
                with metadata_database(kind, args.pg_url, f"bench-wide-{label}") as url:
                    env = {**os.environ, "PYTHONPATH": server}
                    out = subprocess.run([sys.executable, __file__, "--child", url, "--commits", str(args.commits)],
                                         env=env, capture_output=True, text=True, timeout=600)
                    if out.returncode != 0:
                        print(out.stderr[-2000:])
                        return 1
                    figure = json.loads(out.stdout.strip().splitlines()[-1])
                    line.append(f"{label} {figure['cpu_ms']:.2f} ({figure['wall_ms']:.2f})")
            print(f"   {kind} round {n + 1}: " + ", ".join(line))
    print(environment_line())
    return 0


if __name__ == "__main__":
    sys.exit(main())
