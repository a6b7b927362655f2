"""What the reference worker's per-segment topic id check costs (KafkaReader.check_stream: one DescribeTopics,
docs/api.md "Stream recreated"), beside a bare broker round trip measured in the same run, interleaved: a
consumer's uncached watermark lookup of one partition. By topic size, since DescribeTopics answers every
partition of the topic.

    python bench/bench_stream_check.py [--iterations 400] [--partitions 1,16,256]
"""
from __future__ import annotations

import argparse
import statistics
import time
import uuid

from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

import _common as c
from streamvisor.streams.kafka.reader import KafkaReader


class _Task:
    def __init__(self, stream: str, bootstrap: str):
        self.stream, self.supervisor_id, self.stream_identity = stream, "bench", ""
        self.consumer_properties = {"bootstrap.servers": bootstrap}


def _ms(samples: list[float], q: float) -> float:
    return sorted(samples)[min(len(samples) - 1, int(len(samples) * q))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bootstrap", default=c.DEFAULT_BOOTSTRAP)
    parser.add_argument("--iterations", type=int, default=400)
    parser.add_argument("--partitions", default="1,16,256")
    args = parser.parse_args()
    admin = AdminClient({"bootstrap.servers": args.bootstrap, "allow.auto.create.topics": False})
    print(c.environment_line())
    print(f"{'partitions':>10} {'check p50 ms':>13} {'check p99 ms':>13} {'bare p50 ms':>12} {'bare p99 ms':>12} "
          f"{'ratio p50':>10}")
    for partitions in (int(p) for p in args.partitions.split(",")):
        name = f"bench-check-{uuid.uuid4().hex[:8]}"
        admin.create_topics([NewTopic(name, partitions, 1)])[name].result(60)
        time.sleep(2)
        reader = KafkaReader(_Task(name, args.bootstrap), {0: 0})
        bare = Consumer({"bootstrap.servers": args.bootstrap, "group.id": "bench-check",
                         "enable.auto.commit": False, "allow.auto.create.topics": False})
        tp = TopicPartition(name, 0)
        checks, lookups = [], []
        try:
            for i in range(args.iterations + 20):
                t = time.perf_counter()
                reader.check_stream()
                spent = time.perf_counter() - t
                t = time.perf_counter()
                bare.get_watermark_offsets(tp, timeout=5, cached=False)
                if i >= 20:  # warm-up
                    checks.append(spent)
                    lookups.append(time.perf_counter() - t)
        finally:
            reader.close()
            bare.close()
            admin.delete_topics([name])
        print(f"{partitions:>10} {_ms(checks, .5):>13.3f} {_ms(checks, .99):>13.3f} {_ms(lookups, .5):>12.3f} "
              f"{_ms(lookups, .99):>12.3f} {statistics.median(checks) / statistics.median(lookups):>10.2f}")


if __name__ == "__main__":
    main()
