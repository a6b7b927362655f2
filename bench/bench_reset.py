"""ResetToLatestAndBackfill latency at 1,000 partitions, on SQLite and on PostgreSQL.

    python bench/bench_reset.py [--partitions 1000] [--iterations 20] [--databases sqlite,postgresql]

For each database a fresh in-process server (SQLite in a temp dir; PostgreSQL in a database created for
the run and dropped after it) gets a streaming supervisor on a 1,000-partition topic with
useConcurrentLocks=true and use_earliest_offset=false. Every partition gets a checkpoint below the
latest offset, so each reset has a skipped range on every partition: it captures the latest offsets,
creates a backfill supervisor with 1,000 bounded ranges (and 1,000 checkpoint rows), moves the 1,000
checkpoints of the live supervisor to latest, bumps the generation and writes two audit events - all in
one transaction under the supervisor's row lock.

Between resets (untimed) the lag is rebuilt the way it arises in production: 2 more records land on
every partition and a task of the new generation commits 1 of them, so the checkpoint trails latest by 1.

Timed per iteration, in rotated order:

  reset  the ResetToLatestAndBackfill RPC over a real gRPC channel, with a fresh request_id each time
         (so the idempotency record is written too; --no-request-id leaves it out).
  sql    the database floor: one bare transaction that UPDATEs 1,000 checkpoint-shaped rows of a scratch
         table (SQLAlchemy Core executemany) on the same database, through an engine configured exactly as
         the server's (for SQLite: WAL, synchronous=NORMAL, BEGIN IMMEDIATE).
  kafka  the broker floor: the two concurrent list_offsets (earliest, latest) the reset issues first.

Target (from the issue): a reset under 1 s at 1,000 partitions.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid

from sqlalchemy import BigInteger, Column, Integer, MetaData, String, Table, bindparam, insert, update

from _common import (
    DEFAULT_BOOTSTRAP, DEFAULT_PG_URL, BareWatermarks, PostgresDatabase, Topic, configure_logging,
    environment_line, kafka_spec, load_average, print_table, start_server, summary,
)
from streamvisor.client import StreamvisorClient
from streamvisor.domain.model import OffsetRange
from streamvisor.store.engine import WRITE_OPTION, create_store_engine

TARGET_S = 1.0
SUPERVISOR_ID = "bench-reset"


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--bootstrap", default=DEFAULT_BOOTSTRAP, help="Kafka bootstrap servers (env KAFKA_BOOTSTRAP)")
    p.add_argument("--pg-url", default=DEFAULT_PG_URL,
                   help="any database of the PostgreSQL server (env STREAMVISOR_TEST_PG_URL); the benchmark "
                        "creates and drops its own database next to it")
    p.add_argument("--databases", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql")
    p.add_argument("--partitions", type=int, default=1000)
    p.add_argument("--iterations", type=int, default=20, help="timed resets per database")
    p.add_argument("--warmup", type=int, default=2, help="untimed resets per database first")
    p.add_argument("--no-request-id", action="store_true",
                   help="send resets without an idempotency key (by default each carries a fresh request_id, "
                        "so the server also stores the response: the heavier, recommended path)")
    p.add_argument("--log-level", default="WARNING", help="server log level (the server itself runs at INFO)")
    return p.parse_args()


class SqlFloor:
    """A scratch table shaped like `checkpoints`, and one transaction that updates all of its rows."""

    def __init__(self, database_url: str, partitions: int):
        self.engine = create_store_engine(database_url, pool_size=1)
        # The server writes through this option: on SQLite it makes the transaction BEGIN IMMEDIATE.
        self.writer = self.engine.execution_options(**{WRITE_OPTION: True})
        self.table = Table("bench_scratch_checkpoints", MetaData(),
                           Column("supervisor_id", String(320), primary_key=True),
                           Column("partition", Integer, primary_key=True),
                           Column("next_offset", BigInteger, nullable=False))
        self.partitions = partitions
        self.table.create(self.engine)
        with self.writer.begin() as c:
            c.execute(insert(self.table), [{"supervisor_id": SUPERVISOR_ID, "partition": p, "next_offset": 0}
                                           for p in range(partitions)])
        self.statement = (update(self.table)
                          .where(self.table.c.supervisor_id == bindparam("sid"),
                                 self.table.c.partition == bindparam("p"))
                          .values(next_offset=bindparam("o")))
        self.round = 0

    def __call__(self) -> None:
        self.round += 1
        rows = [{"sid": SUPERVISOR_ID, "p": p, "o": self.round} for p in range(self.partitions)]
        with self.writer.begin() as c:
            c.execute(self.statement, rows)

    def close(self) -> None:
        self.table.drop(self.engine, checkfirst=True)
        self.engine.dispose()


def run_database(kind: str, url: str, topic: Topic, args: argparse.Namespace) -> dict[str, list[float]]:
    server = start_server(url, args.bootstrap)
    floor = None
    try:
        client = StreamvisorClient(f"127.0.0.1:{server.port}", timeout=60, retries=0)
        client.create_supervisor(SUPERVISOR_ID, kafka_spec(topic.name))
        n = args.partitions

        # First checkpoints: the task was leased at offset 0 and published all but the last record.
        _, latest = topic.watermarks()
        server.service.commit_checkpoint(
            SUPERVISOR_ID, task_id="bench", generation=1,
            ranges=[OffsetRange(p, 0, latest[p] - 1) for p in range(n)], location="bench",
            record_count=sum(latest[p] - 1 for p in range(n)), task_starts={p: 0 for p in range(n)})

        floor = SqlFloor(url, n)
        bare = BareWatermarks(args.bootstrap, topic.name, n)

        def reset() -> None:
            request_id = "" if args.no_request_id else f"bench-{uuid.uuid4().hex}"
            response = client.reset_to_latest_and_backfill(SUPERVISOR_ID, request_id=request_id)
            # Every partition must have had a skipped range, or the reset did less work than claimed.
            if len(response.backfill_ranges) != n or len(response.changes) != n:
                raise AssertionError(f"reset backfilled {len(response.backfill_ranges)} of {n} partitions")
            reset.last = response

        kinds = {"reset": reset, "sql": floor, "kafka": bare}
        names = list(kinds)
        samples: dict[str, list[float]] = {k: [] for k in kinds}
        prep: list[float] = []
        for i in range(args.warmup + args.iterations):
            if i > 0:
                # Rebuild the lag (untimed): 2 new records per partition; the task of the new generation
                # commits the first one, so the checkpoint sits 1 below latest again.
                t0 = time.perf_counter()
                topic.produce(2)
                generation = client.get_supervisor(SUPERVISOR_ID).generation
                after = {c.partition: c.after for c in reset.last.changes}
                server.service.commit_checkpoint(
                    SUPERVISOR_ID, task_id=f"bench-{i}", generation=generation,
                    ranges=[OffsetRange(p, after[p], after[p] + 1) for p in range(n)],
                    location="bench", record_count=n)
                prep.append(time.perf_counter() - t0)
            # The reset must come after the lag is rebuilt; the two floors don't touch its state, so the
            # order of the three is rotated to spread drift over all of them.
            shift = i % len(names)
            for name in names[shift:] + names[:shift]:
                t0 = time.perf_counter()
                kinds[name]()
                elapsed = time.perf_counter() - t0
                if i >= args.warmup:
                    samples[name].append(elapsed)
        client.close()
        print(f"  [{kind}] {args.warmup + args.iterations} resets done; final generation "
              f"{reset.last.generation}; lag rebuild took {sum(prep) / max(1, len(prep)) * 1000:.0f} ms "
              f"per round (untimed)")
        return samples
    finally:
        if floor is not None:
            floor.close()
        server.stop(0)


def main() -> int:
    args = parse_args()
    configure_logging(args.log_level)
    databases = [d.strip() for d in args.databases.split(",") if d.strip()]
    unknown = set(databases) - {"sqlite", "postgresql"}
    if unknown:
        print(f"unknown database(s): {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    print(f"bench_reset: {args.partitions} partitions, {args.iterations} resets (+{args.warmup} warm-up) per "
          f"database, broker {args.bootstrap}; {environment_line()}")

    topic = Topic(args.bootstrap, args.partitions, "bench-reset")
    results: dict[str, dict[str, list[float]]] = {}
    try:
        ready = topic.create()
        print(f"topic {topic.name} created; every partition answered list_offsets after {ready:.1f}s")
        topic.produce(2)
        for kind in databases:
            if kind == "sqlite":
                with tempfile.TemporaryDirectory(prefix="bench-reset-") as tmp:
                    results[kind] = run_database(kind, f"sqlite:///{tmp}/streamvisor.db", topic, args)
            else:
                pg = PostgresDatabase(args.pg_url)
                try:
                    results[kind] = run_database(kind, pg.url, topic, args)
                finally:
                    pg.drop()
    finally:
        topic.delete()

    for kind, samples in results.items():
        print_table(f"ResetToLatestAndBackfill at {args.partitions} partitions on {kind}", [
            ("reset: RPC (gRPC)", samples["reset"]),
            (f"sql: UPDATE {args.partitions} rows, 1 tx", samples["sql"]),
            ("kafka: 2x AdminClient.list_offsets", samples["kafka"]),
        ])
    print(f"\nsummary (target: reset < {TARGET_S:g} s)")
    print(f"  {'database':<11} {'reset p50':>10} {'reset p99':>10} {'reset/sql p50':>14} {'reset/sql p99':>14} "
          f"{'reset/(sql+kafka) p50':>22}  verdict")
    for kind, samples in results.items():
        r, s, k = (summary(samples[x]) for x in ("reset", "sql", "kafka"))
        verdict = "meets target" if r["p99"] < TARGET_S else "MISSES target (p99)"
        print(f"  {kind:<11} {r['p50'] * 1000:8.1f}ms {r['p99'] * 1000:8.1f}ms {r['p50'] / s['p50']:14.1f} "
              f"{r['p99'] / s['p99']:14.1f} {r['p50'] / (s['p50'] + k['p50']):22.1f}  {verdict}")
    print(f"\n{load_average()} at the end (2 cores: anything above ~1 means the figures shared the CPUs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
