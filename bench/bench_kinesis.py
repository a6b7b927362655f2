"""Kinesis: the adapter's GetOffsets-equivalent call (shard lineage + every shard's extent) across 100 shards,
against the bare ListShards + reads it needs, interleaved in the same run.

    python bench/bench_kinesis.py [--shards 60] [--splits 20] [--records 20] [--iterations 10] [--warmup 2]

Needs the emulator of scripts/kinesis.sh (`--endpoint` defaults to $KINESIS_ENDPOINT).

Setup. A stream of --shards shards, --splits of them split once (60 + 20 splits = 100 listed shards: 20
closed parents, 80 open), --records records in every shard (parents before the split, children after).

Each iteration runs, in rotated order:

  adapter        KinesisStreamAdapter.lineage(stream): ListShards (paged) and DescribeStreamSummary, then per
                 shard its tail - closed shards' cached after the first call, open shards' read from
                 AFTER_SEQUENCE_NUMBER of the last record the previous call saw - what GetOffsets will call.
  adapter-cold   The same on an adapter whose caches are emptied before each call: every shard's tail is
                 looked for in AT_TIMESTAMP windows back from now (then TRIM_HORIZON), read to the tip.
  get-offsets    The GetOffsets use case itself (SupervisorService.get_offsets on a Kinesis supervisor of this
                 stream, SQLite metadata store, the registry's adapter): the supervisor and its checkpoints
                 read, then adapter.lineage, then the per-shard view with parents/closed/expired/behind.
  rpc            The real GetOffsets RPC: a server in this process (SQLite, scheduler off) and the Python SDK
                 over loopback gRPC - the use case plus the response's conversion and serialization.
  bare           The baseline: the fewest calls that give the same ends, with nothing around them, on the
                 same boto3 client settings and the same 16 threads: ListShards (paged), then per shard
                 GetShardIterator TRIM_HORIZON and GetRecords until an empty page (for shards of a few
                 records this is the cheapest exact read; no windows, no cache, no domain code).

Before timing, the script checks that all three find the same ends.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone

import boto3
from botocore.config import Config

from _common import code_version, environment_line, print_table, summary
from streamvisor.api.server import StreamvisorServer
from streamvisor.app.supervisors import SupervisorService
from streamvisor.client import StreamvisorClient, exact
from streamvisor.config import ServerConfig
from streamvisor.domain.model import StreamType, SupervisorSpec
from streamvisor.store.engine import create_store_engine, migrate
from streamvisor.store.sql import SqlMetadataStore
from streamvisor.streams.kinesis.adapter import CONCURRENCY, KinesisStreamAdapter
from streamvisor.streams.kinesis.shards import shard_number
from streamvisor.streams.registry import StreamAdapterRegistry
from streamvisor.v1 import supervisor_pb2 as pb

REGION = "us-east-1"


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--endpoint", default=os.environ.get("KINESIS_ENDPOINT", "http://127.0.0.1:14568"))
    p.add_argument("--shards", type=int, default=60)
    p.add_argument("--splits", type=int, default=20)
    p.add_argument("--records", type=int, default=20, help="records per shard")
    p.add_argument("--iterations", type=int, default=10)
    p.add_argument("--warmup", type=int, default=2)
    return p.parse_args()


def client(endpoint: str):
    return boto3.client("kinesis", endpoint_url=endpoint, region_name=REGION, aws_access_key_id="bench",
                        aws_secret_access_key="bench",
                        config=Config(max_pool_connections=CONCURRENCY * 2, retries={"max_attempts": 3,
                                                                                     "mode": "standard"}))


def wait_active(c, name: str) -> None:
    deadline = time.monotonic() + 60
    while c.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamStatus"] != "ACTIVE":
        if time.monotonic() > deadline:
            raise SystemExit(f"stream {name} not ACTIVE within 60 s")
        time.sleep(0.1)


def fill(c, name: str, per_shard: int) -> None:
    """`per_shard` records into every open shard, each addressed by a hash key inside the shard's range."""
    shards = [s for s in list_all(c, name) if "EndingSequenceNumber" not in s["SequenceNumberRange"]]
    entries = []
    for s in shards:
        key = int(s["HashKeyRange"]["StartingHashKey"])
        entries += [{"Data": b"x" * 100, "PartitionKey": "k", "ExplicitHashKey": str(key)}] * per_shard
    for i in range(0, len(entries), 500):
        r = c.put_records(StreamName=name, Records=entries[i:i + 500])
        assert r.get("FailedRecordCount", 0) == 0, r


def list_all(c, name: str) -> list[dict]:
    shards, request = [], {"StreamName": name}
    while True:
        r = c.list_shards(**request)
        shards += r["Shards"]
        if not r.get("NextToken"):
            return shards
        request = {"NextToken": r["NextToken"]}


def bare_ends(c, pool: ThreadPoolExecutor, name: str) -> dict[str, int]:
    shards = list_all(c, name)

    def end(s: dict) -> int:
        iterator = c.get_shard_iterator(StreamName=name, ShardId=s["ShardId"],
                                        ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        last = None
        while iterator:
            r = c.get_records(ShardIterator=iterator, Limit=10_000)
            if r["Records"]:
                last = r["Records"][-1]["SequenceNumber"]
            iterator = r.get("NextShardIterator")
            if not r["Records"] and r.get("MillisBehindLatest", 0) == 0:
                break
        return int(last) + 1 if last else int(s["SequenceNumberRange"]["StartingSequenceNumber"])

    return dict(zip([s["ShardId"] for s in shards], pool.map(end, shards)))


def main() -> int:
    args = parse_args()
    c = client(args.endpoint)
    name = f"bench-kin-{uuid.uuid4().hex[:8]}"
    print(f"bench_kinesis: {environment_line()}, {code_version()}, endpoint {args.endpoint}, "
          f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC")
    c.create_stream(StreamName=name, ShardCount=args.shards)
    props = {"kinesis.endpoint": args.endpoint, "kinesis.region": REGION,
             "kinesis.access_key_id": "bench", "kinesis.secret_access_key": "bench"}
    adapter = KinesisStreamAdapter(props, timeout_s=10)
    cold = KinesisStreamAdapter(props, timeout_s=10)
    pool = ThreadPoolExecutor(CONCURRENCY)
    scratch = tempfile.TemporaryDirectory(prefix="bench-kinesis-")
    engine = create_store_engine(f"sqlite:///{scratch.name}/meta.db")
    migrate(engine)
    registry = StreamAdapterRegistry(timeout_s=10)
    service = SupervisorService(SqlMetadataStore(engine), registry)
    server = StreamvisorServer(ServerConfig(listen="127.0.0.1:0", database_url=f"sqlite:///{scratch.name}/rpc.db",
                                            broker_timeout_s=10, shutdown_grace_s=0, scheduler=False))
    server.start()
    rpc = StreamvisorClient(f"127.0.0.1:{server.port}", timeout=60, retries=0)
    try:
        t0 = time.perf_counter()
        wait_active(c, name)
        fill(c, name, args.records)
        for shard in list_all(c, name)[:args.splits]:
            lo, hi = int(shard["HashKeyRange"]["StartingHashKey"]), int(shard["HashKeyRange"]["EndingHashKey"])
            c.split_shard(StreamName=name, ShardToSplit=shard["ShardId"], NewStartingHashKey=str((lo + hi) // 2))
            time.sleep(0.1)
            wait_active(c, name)
        # The children get records too (the parents' were written before the split).
        children = [s for s in list_all(c, name) if s.get("ParentShardId")]
        entries = [{"Data": b"x" * 100, "PartitionKey": "k", "ExplicitHashKey": s["HashKeyRange"]["StartingHashKey"]}
                   for s in children for _ in range(args.records)]
        for i in range(0, len(entries), 500):
            assert c.put_records(StreamName=name, Records=entries[i:i + 500]).get("FailedRecordCount", 0) == 0
        listed = list_all(c, name)
        closed = sum("EndingSequenceNumber" in s["SequenceNumberRange"] for s in listed)
        print(f"setup: {len(listed)} shards listed ({closed} closed, {len(listed) - closed} open), "
              f"{args.records} records each, in {time.perf_counter() - t0:.1f} s")

        expected = bare_ends(c, pool, name)
        for which, a in (("adapter", adapter), ("adapter-cold", cold)):
            got = {s: e.end for s, e in a.lineage(name).extents.items()}
            if got != expected:
                raise SystemExit(f"{which} and bare disagree on {sorted(s for s in got if got[s] != expected.get(s))}")
        service.create("bench-kin", SupervisorSpec(StreamType.KINESIS, name, props, task_count=4,
                                                   context={"useConcurrentLocks": "true"}))
        view = service.get_offsets("bench-kin")[1]
        if {r.partition: r.latest for r in view.partitions} != {shard_number(s): e for s, e in expected.items()}:
            raise SystemExit("get-offsets and bare disagree")
        rpc.create_supervisor("bench-kin", pb.SupervisorSpec(
            stream_type=pb.STREAM_TYPE_KINESIS, stream=name, consumer_properties=props, task_count=4,
            context={"useConcurrentLocks": "true"}))
        rows = rpc.get_offsets("bench-kin").partitions
        if {r.partition_id: exact(r, "latest") for r in rows} != expected:
            raise SystemExit("rpc and bare disagree")
        print("check: adapter, adapter-cold, get-offsets, rpc and bare find the same end for every shard")

        def run_adapter():
            adapter.lineage(name)

        def run_cold():
            cold._closed_tails.clear()
            cold._open_tails.clear()
            cold.lineage(name)

        def run_get_offsets():
            service.get_offsets("bench-kin")

        def run_rpc():
            rpc.get_offsets("bench-kin")

        def run_bare():
            bare_ends(c, pool, name)

        calls = [("adapter", run_adapter), ("adapter-cold", run_cold), ("get-offsets", run_get_offsets),
                 ("rpc", run_rpc), ("bare", run_bare)]
        samples: dict[str, list[float]] = {n: [] for n, _ in calls}
        for i in range(args.warmup + args.iterations):
            rotated = calls[i % len(calls):] + calls[:i % len(calls)]
            for label, call in rotated:
                start = time.perf_counter()
                call()
                elapsed = time.perf_counter() - start
                if i >= args.warmup:
                    samples[label].append(elapsed)
        print_table(f"lineage + extents of {len(listed)} shards ({args.iterations} iterations, rotated)",
                    samples.items())
        bare = summary(samples["bare"])
        for label in ("adapter", "adapter-cold", "get-offsets", "rpc"):
            s = summary(samples[label])
            print(f"  {label}/bare: p50 {s['p50'] / bare['p50']:.2f}, p99 {s['p99'] / bare['p99']:.2f}")
        print(f"after: {environment_line()}")
    finally:
        adapter.close()
        cold.close()
        rpc.close()
        server.stop(0)
        registry.close()
        engine.dispose()
        scratch.cleanup()
        pool.shutdown()
        c.delete_stream(StreamName=name, EnforceConsumerDeletion=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
