"""The checkpoint compare-and-swap under contention: many committers and resets on one supervisor.

After the storm, per partition and per generation, the accepted commits must form one gap-free,
overlap-free run from the point the generation started at - and nothing from an older generation
may have been accepted after a reset.
"""
from __future__ import annotations

import random
import threading
import time
from collections import defaultdict

from helpers import kafka_spec
from streamvisor.domain.errors import DomainError
from streamvisor.domain.model import OffsetRange

PARTITIONS = 4
RECORDS = 5_000
TASK_START = 0  # what a first commit after a hard reset must start at (the task's leased start)


def test_concurrent_commits_and_resets_stay_gap_and_overlap_free(client, server, topics):
    topic = topics.create(PARTITIONS)
    topics.produce(topic, {p: RECORDS for p in range(PARTITIONS)})
    client.create_supervisor("race", kafka_spec(topic, task_count=PARTITIONS))
    service = server.service
    stop = threading.Event()
    accepted, rejected, errors = [0], [0], []
    counter_lock = threading.Lock()

    def committer(partition: int, seed: int) -> None:
        rng = random.Random(seed)
        while not stop.is_set():
            with service.store.read() as tx:
                generation = tx.get_supervisor("race").generation
                start = tx.get_checkpoints("race").get(partition, TASK_START)
            end = min(RECORDS, start + rng.randint(1, 25))
            # Sometimes read "stale" data on purpose: a worker that read before a competitor committed.
            if rng.random() < 0.2:
                start = max(0, start - rng.randint(1, 5))
            try:
                service.commit_checkpoint("race", f"t{partition}-{seed}", generation,
                                          [OffsetRange(partition, start, max(start, end))], "mem://race",
                                          max(0, end - start), task_starts={partition: TASK_START})
                with counter_lock:
                    accepted[0] += 1
            except DomainError:
                with counter_lock:
                    rejected[0] += 1
            except Exception as e:  # a database error would be a bug: record it
                errors.append(repr(e))

    def resetter() -> None:
        rng = random.Random(99)
        for i in range(12):
            time.sleep(0.15)
            if i % 3 == 2:
                service.reset("race")
            else:
                targets = {p: rng.randint(0, RECORDS // 2) for p in rng.sample(range(PARTITIONS), 2)}
                from streamvisor.app.supervisors import ResetTarget

                service.reset_offsets("race", [ResetTarget(p, offset=o) for p, o in targets.items()])

    threads = [threading.Thread(target=committer, args=(p, p * 10 + k)) for p in range(PARTITIONS) for k in range(2)]
    reset_thread = threading.Thread(target=resetter)
    for t in threads + [reset_thread]:
        t.start()
    reset_thread.join(timeout=120)
    time.sleep(0.3)
    stop.set()
    for t in threads:
        t.join(timeout=60)

    assert errors == []
    assert accepted[0] > 50 and rejected[0] > 0, (accepted, rejected)

    with service.store.read() as tx:
        segments = tx.list_segments(["race"])
        final = tx.get_supervisor("race")
        checkpoints = tx.get_checkpoints("race")
    history = list(reversed(list(client.iter_history("race"))))  # oldest first
    resets = [e for e in history if e.action in ("RESET", "RESET_OFFSETS")]
    assert len(resets) == 12 and final.generation == 13

    # Where each generation started, per partition: the checkpoint its reset left (absent = leased start).
    starts: dict[int, dict[int, int]] = {1: {p: TASK_START for p in range(PARTITIONS)}}
    for e in resets:
        prev = dict(starts[e.generation_before])
        # A generation's start is what the checkpoints were when it began: the end of the previous
        # generation's run, then overwritten by this reset's changes.
        for p in range(PARTITIONS):
            runs = [r for s in segments if s.generation == e.generation_before for r in s.ranges if r.partition == p]
            if runs:
                prev[p] = runs[-1].end
        for c in e.offset_changes:
            prev[c.partition] = c.after if c.HasField("after") else TASK_START
        starts[e.generation_after] = prev

    by_generation: dict[tuple[int, int], list[OffsetRange]] = defaultdict(list)
    for s in sorted(segments, key=lambda s: s.id):
        assert 1 <= s.generation <= final.generation
        for r in s.ranges:
            by_generation[(s.generation, r.partition)].append(r)
    for (generation, partition), runs in by_generation.items():
        position = starts[generation][partition]
        for r in runs:
            assert r.start == position, f"gap or overlap in generation {generation} partition {partition}"
            position = r.end
    for p in range(PARTITIONS):
        runs = by_generation.get((final.generation, p))
        expected = runs[-1].end if runs else starts[final.generation][p]
        assert checkpoints.get(p, TASK_START) == expected
