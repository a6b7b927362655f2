"""Real Iceberg catalogs for the tests: a SQLite catalog file, or a PostgreSQL catalog in a database of its
own on the server of scripts/postgres.sh, each with a local warehouse directory; and the segments and
the child processes the sink tests publish from."""
from __future__ import annotations

import itertools
import os
import uuid

import pytest
from sqlalchemy import create_engine, text

from streamvisor.worker.sinks import Record, SegmentInfo
from streamvisor.worker.sinks.iceberg import open_iceberg_sink

_databases = itertools.count()


def sqlite_iceberg_url(directory) -> str:
    return f"iceberg+sqlite:///{directory}/catalog.db?warehouse=file://{directory}/warehouse"


@pytest.fixture
def pg_iceberg_url(tmp_path):
    """A catalog database of its own (`ice_<pid>_<n>`), dropped afterwards; the warehouse in tmp_path."""
    base = os.environ.get("STREAMVISOR_TEST_PG_URL")
    if not base:
        pytest.fail('STREAMVISOR_TEST_PG_URL is not set: start it with eval "$(bash scripts/postgres.sh start)"',
                    pytrace=False)
    name = f"ice_{os.getpid()}_{next(_databases)}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    server = base.split("://", 1)[1].rsplit("/", 1)[0]        # user@host:port
    yield f"iceberg+postgresql://{server}/{name}?warehouse=file://{tmp_path}/warehouse"
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def iceberg_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return sqlite_iceberg_url(tmp_path)
    return request.getfixturevalue("pg_iceberg_url")


def segment(family_id: str, task_id: str, sequence: int, ranges, *, supervisor_id: str | None = None,
            generation: int = 1) -> tuple[SegmentInfo, list[Record]]:
    """A segment over `ranges` [(partition, start, end)], one record per offset, with every column set
    (and some None) so a round trip checks them all."""
    info = SegmentInfo(family_id=family_id, supervisor_id=supervisor_id or family_id, task_id=task_id,
                       generation=generation, name=f"{task_id}-g{generation}-{sequence:06d}-{uuid.uuid4().hex[:8]}",
                       ranges=tuple(ranges))
    records = []
    for partition, start, end in ranges:
        for offset in range(start, end):
            records.append(Record(
                partition=partition, offset=offset,
                timestamp_ms=None if offset % 7 == 3 else 1_764_633_600_000 + offset,
                key=None if offset % 5 == 1 else f"k{offset}".encode(),
                value=None if offset % 11 == 4 else bytes([offset % 256]) * (offset % 13),
                headers=() if offset % 3 else (("trace", f"t{offset}".encode()), ("empty", None))))
    return info, records


def publish_in_child(url: str, location: str, segment_id: int, info: SegmentInfo, barrier) -> None:
    """A separate process publishing one segment, released with the others by `barrier`."""
    sink = open_iceberg_sink(url)
    barrier.wait(timeout=60)
    sink.publish(location, segment_id, info)
    sink.close()


def stage_then_die(url: str, info: SegmentInfo, records, die_in_publish_at: str | None, segment_id: int,
                   queue) -> None:
    """A worker killed mid-flight: after stage() (die_in_publish_at None), or inside publish() once the
    Iceberg commit landed but before the staging marker is removed ("after_commit")."""
    sink = open_iceberg_sink(url)
    location = sink.stage(info, records)
    queue.put(location)
    queue.close()
    queue.join_thread()   # flushed before the process dies without cleaning up
    if die_in_publish_at == "after_commit":
        def die(_path):
            os._exit(9)
        sink._remove = die
        sink.publish(location, segment_id, info)
    os._exit(9)
