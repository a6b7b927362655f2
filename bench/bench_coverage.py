"""GetCoverage, GetOffsets, CommitCheckpoint and the commit's replay lookup after 1k, 100k and 1M published
segments (issue 13, "history does not slow anything"), each beside a bare baseline in the same run.

    python bench/bench_coverage.py [--databases postgresql,sqlite] [--levels 1000,100000,1000000]
                                   [--iterations 200] [--warmup 20] [--old-max 1000000]

One metadata database per --databases entry (PostgreSQL: created next to $STREAMVISOR_TEST_PG_URL, dropped
after; SQLite: a temp file), migrated to head. One supervisor "main" (4 partitions) with one backfill
"main_backfill_bench" (no segments): GetCoverage reads a two-member family. No broker: the use cases run
in-process, GetOffsets over a stub stream adapter that returns fixed watermarks (the broker round is the
same whatever the history; bench_get_offsets.py measures it).

Each call and its baseline run in turn (order swapped every iteration), so drift in the load of this
shared machine moves both alike; the ratio is the figure to compare across levels.

History is inserted with bulk SQL, not through commits (a million commits would take an hour here):
segment n (0-based) is one range [100*(n//4), 100*(n//4)+100) of partition n % 4, with its segment and
segment_range rows; the maintained published_ranges rows are then set to what those commits would have
left (one row per partition, [0, end)), and the checkpoints to the ends. Levels are cumulative: the
history grows from one level to the next.

Timed at each level (every call single-threaded, a fresh transaction each, as the server runs them):

  coverage        SupervisorService.coverage("main"): the GetCoverage use case (require, the family's
                  backfill chain, the maintained rows, unrecoverable ranges, the interval merge).
  coverage-bare   Baseline: one text() SELECT of the family's published_ranges rows + domain coverage().
  coverage-old    What GetCoverage did before issue 13: list_segments() of the family + coverage() over
                  every range. --iterations scaled down to 200,000 / level (at least 1); skipped above
                  --old-max segments.
  offsets         SupervisorService.get_offsets("main") over the stub adapter.
  offsets-bare    Baseline: one text() SELECT of main's checkpoint rows.
  commit          SupervisorService.commit_checkpoint: the CAS (row lock, checkpoints, segment insert, the
                  maintained rows), a fresh location, the next 100 offsets of a partition (round robin).
  commit-bare     Baseline: one single-row UPDATE of a scratch table in a store transaction (the same
                  BEGIN / BEGIN IMMEDIATE and COMMIT as the commit's).
  replay          TaskTransaction.find_segment of an old segment's location (the commit's replay lookup).
  replay-bare     Baseline: one text() SELECT of that segment's id by (supervisor_id, location).

Printed per level: p50, p99, mean (ms) and CPU per call (process time, ms; on PostgreSQL the database's
own CPU is in another process and not counted), and the ratio of each call's p50 to its baseline's.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import datetime, timezone
from typing import Callable

from sqlalchemy import text

from _common import DEFAULT_PG_URL, code_version, environment_line, load_average, metadata_database, percentile
from streamvisor.app.supervisors import SupervisorService
from streamvisor.domain.coverage import coverage as coverage_of
from streamvisor.domain.model import OffsetRange, StreamType, Supervisor, SupervisorSpec, SupervisorState
from streamvisor.domain.ports import Watermarks
from streamvisor.store.engine import create_store_engine, migrate
from streamvisor.store.sql import SqlMetadataStore

PARTITIONS = 4
SIZE = 100  # offsets per segment
NOW = datetime(2026, 12, 8, tzinfo=timezone.utc)
FAMILY = ["main", "main_backfill_bench"]


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--databases", default="postgresql,sqlite")
    p.add_argument("--levels", default="1000,100000,1000000", help="cumulative published segments")
    p.add_argument("--iterations", type=int, default=200)
    p.add_argument("--warmup", type=int, default=20)
    p.add_argument("--old-max", type=int, default=1_000_000, help="skip coverage-old above this many segments")
    p.add_argument("--pg-url", default=DEFAULT_PG_URL)
    return p.parse_args()


class StubStream:
    """Fixed watermarks: GetOffsets without a broker round."""

    def __init__(self, latest: dict[int, int]):
        self.latest = latest

    def watermarks(self, stream, partitions) -> Watermarks[int, int]:
        return Watermarks({p: 0 for p in partitions}, {p: self.latest.get(p, 0) for p in partitions})

    def partitions(self, stream):
        return list(range(PARTITIONS))

    def offsets_for_times(self, stream, timestamps_ms):
        return {p: self.latest.get(p, 0) for p in timestamps_ms}

    def identities(self, streams):
        return {}

    def close(self) -> None:
        pass


class StubStreams:
    def __init__(self, stream: StubStream):
        self.stream = stream

    def for_spec(self, spec) -> StubStream:
        return self.stream

    def has_lineage(self, stream_type) -> bool:
        return False  # Kafka: the commit path asks (app/leasing.py)


def _supervisor(sid: str, parent: str | None) -> Supervisor:
    spec = SupervisorSpec(stream_type=StreamType.KAFKA, stream="bench", consumer_properties={}, task_count=1)
    return Supervisor(id=sid, spec=spec, state=SupervisorState.RUNNING, generation=1, version=1,
                      partitions=tuple(range(PARTITIONS)), create_time=NOW, update_time=NOW, backfill_of=parent)


def add_history(engine, count: int) -> None:
    """`count` more segments of `main` by bulk SQL, continuing from its checkpoints (so the history stays
    one contiguous run per partition), then the maintained rows and checkpoints they imply."""
    postgres = engine.dialect.name == "postgresql"
    series = ("SELECT g AS n FROM generate_series(0, :count - 1) AS g" if postgres else
              "WITH RECURSIVE s(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM s WHERE n + 1 < :count) "
              "SELECT n FROM s")
    now = "now()" if postgres else "'2026-12-08 00:00:00.000000'"
    with engine.begin() as c:
        base = c.execute(text("SELECT coalesce(max(id), 0) FROM segments")).scalar_one()
        bounds = {"count": count, "base": base}
        c.execute(text(f"INSERT INTO segments (id, supervisor_id, task_id, generation, location, record_count, "
                       f"create_time) SELECT :base + n + 1, 'main', 'history', 1, "
                       f"'file:///history/' || (:base + n + 1), {SIZE}, {now} FROM ({series}) AS x"), bounds)
        start = f"coalesce(c.next_offset, 0) + (n / {PARTITIONS}) * {SIZE}"
        c.execute(text(f"INSERT INTO segment_ranges (segment_id, partition, start_offset, end_offset) "
                       f"SELECT :base + n + 1, n % {PARTITIONS}, {start}, {start} + {SIZE} FROM ({series}) AS x "
                       f"LEFT JOIN checkpoints c ON c.supervisor_id = 'main' AND c.partition = n % {PARTITIONS}"),
                  bounds)
        if postgres:
            c.execute(text("SELECT setval(pg_get_serial_sequence('segments', 'id'), (SELECT max(id) FROM segments))"))
        # What the commits would have left: main's rows are one contiguous run per partition.
        c.execute(text("DELETE FROM published_ranges WHERE supervisor_id = 'main'"))
        c.execute(text("INSERT INTO published_ranges (supervisor_id, partition, start_offset, end_offset) "
                       "SELECT 'main', partition, min(start_offset), max(end_offset) FROM segment_ranges "
                       "GROUP BY partition"))
        c.execute(text("DELETE FROM checkpoints WHERE supervisor_id = 'main'"))
        c.execute(text("INSERT INTO checkpoints (supervisor_id, partition, next_offset) "
                       "SELECT 'main', partition, max(end_offset) FROM segment_ranges GROUP BY partition"))
    with engine.connect() as c:
        c.exec_driver_sql("ANALYZE")
        c.commit()


def timed(fn: Callable[[], object], iterations: int, warmup: int) -> tuple[list[float], float]:
    """Wall seconds per call, and mean process CPU seconds per call."""
    for _ in range(warmup):
        fn()
    samples = []
    cpu0 = time.process_time()
    for _ in range(iterations):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    return samples, (time.process_time() - cpu0) / iterations


def timed_pair(fn: Callable[[], object], bare: Callable[[], object], iterations: int,
               warmup: int) -> tuple[tuple[list[float], float], tuple[list[float], float]]:
    """Both calls in turn, the order swapped every iteration, so that drift in the machine's load (2 shared
    cores) moves both alike: (wall samples, CPU per call) of each."""
    for _ in range(warmup):
        fn()
        bare()
    wall: dict[int, list[float]] = {0: [], 1: []}
    cpu = {0: 0.0, 1: 0.0}
    calls = (fn, bare)
    for i in range(iterations):
        for which in ((0, 1) if i % 2 == 0 else (1, 0)):
            c0, t0 = time.process_time(), time.perf_counter()
            calls[which]()
            wall[which].append(time.perf_counter() - t0)
            cpu[which] += time.process_time() - c0
    return (wall[0], cpu[0] / iterations), (wall[1], cpu[1] / iterations)


def run_database(kind: str, args: argparse.Namespace, levels: list[int]) -> list[tuple]:
    results: list[tuple] = []
    with metadata_database(kind, args.pg_url, "bench-coverage") as url:
        engine = create_store_engine(url)
        migrate(engine)
        store = SqlMetadataStore(engine)
        with store.transaction() as tx:
            tx.insert_supervisor(_supervisor("main", None))
            tx.insert_supervisor(_supervisor("main_backfill_bench", "main"))
        with engine.begin() as c:
            c.execute(text("CREATE TABLE bench_scratch (id INTEGER PRIMARY KEY, v BIGINT NOT NULL)"))
            c.execute(text("INSERT INTO bench_scratch (id, v) VALUES (1, 0)"))
        stream = StubStream({})
        service = SupervisorService(store, StubStreams(stream))
        try:
            for level in levels:
                with engine.connect() as c:
                    before = c.execute(text("SELECT count(*) FROM segments")).scalar_one()
                t0 = time.perf_counter()
                add_history(engine, level - before)  # the commits timed at the previous level count too
                insert_s = time.perf_counter() - t0
                print(f"\n[{kind}] {level:,} segments ({level - before:,} inserted in {insert_s:.1f} s), "
                      f"{load_average()}", flush=True)
                results += measure_level(kind, level, engine, store, service, stream, args)
        finally:
            engine.dispose()
    return results


def measure_level(kind, level, engine, store, service, stream, args) -> list[tuple]:
    with store.read() as tx:
        checkpoints = tx.get_checkpoints("main")
    stream.latest = {p: o + 1000 * SIZE for p, o in checkpoints.items()}
    sequence = [0]
    old_location = f"file:///history/{level // 2}"  # a segment id of the history

    def coverage_bare():
        with engine.connect() as c:
            rows = c.execute(text(
                "SELECT supervisor_id, partition, start_offset, end_offset FROM published_ranges "
                "WHERE supervisor_id IN ('main', 'main_backfill_bench') ORDER BY id")).all()
        return coverage_of([(OffsetRange(r[1], r[2], r[3]), r[0]) for r in rows])

    def coverage_old():
        with store.read() as tx:
            segments = tx.list_segments(FAMILY)
        return coverage_of([(r, s.supervisor_id) for s in segments for r in s.ranges])

    def offsets_bare():
        with engine.connect() as c:
            return c.execute(text("SELECT partition, next_offset FROM checkpoints WHERE supervisor_id = 'main'")).all()

    def commit():
        n = sequence[0] = sequence[0] + 1
        p = n % PARTITIONS
        start = checkpoints[p]
        checkpoints[p] = start + SIZE
        service.commit_checkpoint("main", "bench", 1, [OffsetRange(p, start, start + SIZE)],
                                  f"file:///bench/{level}/{n}", SIZE)

    def commit_bare():
        with store.transaction() as tx:
            tx.c.execute(text("UPDATE bench_scratch SET v = v + 1 WHERE id = 1"))

    def replay():
        with store.read() as tx:
            assert tx.find_segment("main", old_location) is not None

    def replay_bare():
        with engine.connect() as c:
            assert c.execute(text("SELECT id FROM segments WHERE supervisor_id = 'main' AND location = :l"),
                             {"l": old_location}).first() is not None

    # Checked before timing: one gap-free run per partition, and the old answer where it is computed.
    new = service.coverage("main")[1]
    assert len(new) == PARTITIONS and all(len(c.published) == 1 and not c.gaps for c in new), new
    if level <= args.old_max:
        assert [(c.partition, c.published, c.gaps, c.overlaps, c.published_offsets) for c in new] == [
            (c.partition, c.published, c.gaps, c.overlaps, c.published_offsets) for c in coverage_old()]

    results = []
    print(f"  {'call':<14} {'n':>4} {'p50 ms':>8} {'p99 ms':>8} {'mean ms':>8} {'cpu ms':>7} {'p50/bare':>8}")

    def line(label, xs, cpu, ratio=""):
        print(f"  {label:<14} {len(xs):>4} {percentile(xs, 50) * 1e3:8.3f} {percentile(xs, 99) * 1e3:8.3f} "
              f"{statistics.fmean(xs) * 1e3:8.3f} {cpu * 1e3:7.3f} {ratio:>8}", flush=True)

    for name, fn, bare_name, bare in (
            ("coverage", lambda: service.coverage("main"), "coverage-bare", coverage_bare),
            ("offsets", lambda: service.get_offsets("main"), "offsets-bare", offsets_bare),
            ("commit", commit, "commit-bare", commit_bare),
            ("replay", replay, "replay-bare", replay_bare)):
        (s, s_cpu), (b, b_cpu) = timed_pair(fn, bare, args.iterations, args.warmup)
        ratio = percentile(s, 50) / percentile(b, 50)
        line(name, s, s_cpu, f"{ratio:.2f}")
        line(bare_name, b, b_cpu)
        results.append((kind, level, name, percentile(s, 50), s_cpu, percentile(b, 50), ratio))
    if level <= args.old_max:
        n = max(1, min(args.iterations, 200_000 // level))
        s, s_cpu = timed(coverage_old, n, 1 if n > 1 else 0)
        ratio = percentile(s, 50) / percentile(timed(coverage_bare, 50, 5)[0], 50)
        line("coverage-old", s, s_cpu, f"{ratio:.2f}")
        results.append((kind, level, "coverage-old", percentile(s, 50), s_cpu, None, ratio))
    return results


def main() -> int:
    args = parse_args()
    levels = sorted(int(x) for x in args.levels.split(","))
    print(f"bench_coverage: {code_version()}; {environment_line()}; "
          f"{time.strftime('%Y-%m-%d %H:%M:%S %Z')}", flush=True)
    results = []
    for kind in args.databases.split(","):
        results += run_database(kind.strip(), args, levels)
    print("\nSummary (p50, CPU per call, p50 ratio to the bare baseline; growth: largest level / smallest):")
    for kind in dict.fromkeys(r[0] for r in results):
        for name in dict.fromkeys(r[2] for r in results if r[0] == kind):
            rows = [r for r in results if r[0] == kind and r[2] == name]
            growth = rows[-1][3] / rows[0][3]
            cpu_growth = rows[-1][4] / rows[0][4]
            print(f"  {kind:<10} {name:<13} " + "  ".join(
                f"{r[1]:>9,}: {r[3] * 1e3:8.3f} ms (cpu {r[4] * 1e3:.3f}) x{r[6]:.2f}" for r in rows)
                + f"   growth p50 {growth:.2f} cpu {cpu_growth:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
