"""Shard ids <-> partition numbers, Kinesis' own way: shard "shardId-000000000004" is partition 4.

Kinesis numbers shards in the order it creates them and writes the number, zero-padded to 12 digits, into
the id. The control plane keeps partitions as ints (its store, its task groups `partition % task_count`,
its coverage), so the mapping must be exact both ways: an id of any other form is refused
(UNSUPPORTED_SHARD_ID), never hashed or renumbered - a guessed number could collide with a real one, and
two shards would then share one checkpoint. Pure: no boto3."""
from __future__ import annotations

import re

from streamvisor.domain.errors import FailedPrecondition

SHARD_ID_PATTERN = re.compile(r"^shardId-(\d{1,18})$")
SHARD_ID_DIGITS = 12


def shard_number(shard_id: str, stream: str = "") -> int:
    match = SHARD_ID_PATTERN.match(shard_id)
    if match is None:
        raise FailedPrecondition(
            "UNSUPPORTED_SHARD_ID",
            f"Kinesis stream {stream!r} lists shard {shard_id[:200]!r}, which is not of the form shardId-<digits>: "
            "it cannot be mapped to a partition number without guessing",
            {"stream": stream, "shard_id": shard_id[:200]})
    return int(match.group(1))


def shard_id(number: int) -> str:
    if number < 0:
        raise ValueError(f"a shard number is >= 0, got {number}")
    return f"shardId-{number:0{SHARD_ID_DIGITS}d}"
