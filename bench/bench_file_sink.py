"""The file sink's per-segment cost (stage, then publish) against a bare durable write of the same
segments, interleaved in the same run.

    python bench/bench_file_sink.py [--segments 200] [--records 1000] [--value-bytes 1024] [--rounds 4]

No broker, no server: the same pre-built record batches (the worker's Record tuples, 1 KB random values)
go, one pass of --segments segments per kind and round, alternated round by round, into a fresh temp dir:

  sink    streamvisor.worker.sinks.files.FileSink: stage() (the segment under a temporary name, fsync,
          rename, fsync the staging directory; the task's task.json once per task), then publish() (hard
          link into the family directory, fsync it, unlink the staged file) - what the reference worker
          does per segment around its CommitCheckpoint.
  bare    Baseline (bench/_common.py BareFileWriter.write): the same JSON Lines text to a temporary name,
          fsync, rename - the sink before it staged segments.

Both serialise the records with the same record_line(). Reported: segments/s per kind (median over the
rounds) and their ratio. The commit between the two steps is not in either figure: bench_worker.py times
the whole worker. What a worker adds per acquire (listing its task's staging directory; one ListSegments
per staged file left behind, none when nothing is) is not per segment.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from _common import BareFileWriter, code_version, environment_line, load_average
from streamvisor.worker.sinks import Record, SegmentInfo
from streamvisor.worker.sinks.files import FileSink, record_line


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--segments", type=int, default=200)
    p.add_argument("--records", type=int, default=1000, help="records per segment")
    p.add_argument("--value-bytes", type=int, default=1024)
    p.add_argument("--rounds", type=int, default=4, help="passes of each kind, alternated")
    p.add_argument("--output-dir", default=None, help="where the temp dirs go (default: the system temp dir)")
    return p.parse_args()


def batches(args) -> list[list[Record]]:
    out = []
    for s in range(args.segments):
        base = s * args.records
        out.append([Record(0, base + i, 1_767_268_800_000, b"key-%d" % i, os.urandom(args.value_bytes))
                    for i in range(args.records)])
    return out


def run_sink(root: Path, data: list[list[Record]]) -> float:
    sink = FileSink(root)
    started = time.perf_counter()
    for n, records in enumerate(data):
        info = SegmentInfo("fam", "sup", "task-1", 1, f"sup-task-1-g1-{n:06d}",
                           ((0, records[0].offset, records[-1].offset + 1),))
        location = sink.stage(info, records)
        sink.publish(location, n + 1, info)
    return time.perf_counter() - started


def run_bare(root: Path, data: list[list[Record]]) -> float:
    writer = BareFileWriter(root)
    started = time.perf_counter()
    for n, records in enumerate(data):
        writer.write("fam", f"bare-g1-{n:06d}", [record_line(r) for r in records])
    return time.perf_counter() - started


def check(root: Path, data: list[list[Record]]) -> None:
    files = sorted((root / "fam").iterdir())
    assert len(files) == len(data), f"{len(files)} files for {len(data)} segments"
    staging = root / ".streamvisor-staging"
    assert not staging.exists() or not any(staging.rglob("*.jsonl")), "staged segments left"


def main() -> None:
    args = parse_args()
    print(environment_line())
    print(f"code {code_version()}; {load_average()}")
    data = batches(args)
    size = sum(len(record_line(r)) + 1 for r in data[0])
    print(f"{args.segments} segments x {args.records} records x {args.value_bytes} B values "
          f"({size / 1e6:.2f} MB per segment), {args.rounds} rounds per kind, alternated")
    times: dict[str, list[float]] = {"sink": [], "bare": []}
    for round_ in range(args.rounds):
        for kind in (("bare", "sink") if round_ % 2 == 0 else ("sink", "bare")):
            root = Path(tempfile.mkdtemp(prefix=f"bench-sink-{kind}-", dir=args.output_dir))
            try:
                seconds = (run_sink if kind == "sink" else run_bare)(root, data)
                check(root, data)
            finally:
                shutil.rmtree(root)
            times[kind].append(seconds)
            print(f"  round {round_ + 1} {kind}: {args.segments / seconds:8.1f} segments/s "
                  f"({seconds * 1000 / args.segments:.2f} ms per segment)")
    rate = {k: args.segments / statistics.median(v) for k, v in times.items()}
    per = {k: statistics.median(v) * 1000 / args.segments for k, v in times.items()}
    print(f"median: sink {rate['sink']:.1f} segments/s ({per['sink']:.2f} ms), bare {rate['bare']:.1f} "
          f"segments/s ({per['bare']:.2f} ms); sink/bare throughput {rate['sink'] / rate['bare']:.2f}, "
          f"+{per['sink'] - per['bare']:.2f} ms per segment")
    print(load_average())


if __name__ == "__main__":
    main()
