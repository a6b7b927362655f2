"""The generated Go, Java and TypeScript stubs, each proven against a live server.

Each language's own test (clients/go/client_test.go, clients/java/src/test/java/...LiveServerTest.java,
clients/ts/test/client.test.ts) starts nothing: this module starts the real server (SQLite, real Kafka),
prepares a topic holding records and a supervisor with checkpoints, runs the language's test runner
with their names in the environment, then checks from Python what that test did to the server.

The toolchains come from `bash scripts/install-toolchains.sh` (scripts/test.sh runs it).
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import start_server
from helpers import kafka_spec
from streamvisor.client import StreamvisorClient
from streamvisor.domain.model import OffsetRange

ROOT = Path(__file__).resolve().parents[1]
PREPARED = "prepared"
RECORDS = {0: 30, 1: 20}      # records per partition
CHECKPOINTS = {0: 10, 1: 5}   # the prepared supervisor's checkpoints: both partitions lag

# language -> (command, directory, a check on the runner's output that its three tests ran and passed)
LANGUAGES = {
    "go": (["go", "test", "-count=1", "-v", "."], "clients/go",
           lambda out: len(re.findall(r"^--- PASS: Test", out, re.M)) == 3 and "--- FAIL" not in out),
    "java": (["mvn", "-B", "--no-transfer-progress", "test"], "clients/java",
             lambda out: "Tests run: 3, Failures: 0, Errors: 0, Skipped: 0" in out),
    "ts": (["npm", "test", "--silent"], "clients/ts",
           lambda out: bool(re.search(r"^# pass 3$", out, re.M) and re.search(r"^# fail 0$", out, re.M))),
}


@pytest.fixture
def live(sqlite_url, kafka_bootstrap, topics):
    """A server, a topic holding records, and a supervisor whose checkpoints lag behind the latest offsets."""
    server = start_server(sqlite_url, kafka_bootstrap)
    try:
        topic = topics.create(len(RECORDS), prefix="clients")
        topics.produce(topic, RECORDS)
        with StreamvisorClient(f"127.0.0.1:{server.port}", timeout=30, retries=0) as client:
            client.create_supervisor(PREPARED, kafka_spec(topic))
            generation = client.get_supervisor(PREPARED).generation
            for partition, end in CHECKPOINTS.items():  # what a worker's first commit does
                server.service.commit_checkpoint(PREPARED, "task-test", generation, [OffsetRange(partition, 0, end)],
                                                 "mem://test", end, task_starts={partition: 0})
            yield server, topic, client
    finally:
        server.stop(0)


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_generated_client_against_live_server(language, live):
    server, topic, client = live
    command, directory, passed = LANGUAGES[language]
    if shutil.which(command[0]) is None:
        pytest.fail(f"{command[0]} is not installed (see README, Set up)", pytrace=False)
    if language == "ts" and not (ROOT / directory / "node_modules").is_dir():
        pytest.fail("clients/ts has no node_modules: run `bash scripts/install-toolchains.sh`", pytrace=False)

    env = dict(os.environ, STREAMVISOR_SERVER=f"127.0.0.1:{server.port}", STREAMVISOR_TEST_TOPIC=topic,
               STREAMVISOR_TEST_SUPERVISOR=PREPARED)
    result = subprocess.run(command, cwd=ROOT / directory, env=env, capture_output=True, text=True, timeout=240)
    output = result.stdout + result.stderr
    assert result.returncode == 0 and passed(output), f"{' '.join(command)} failed:\n{output[-6000:]}"

    # What the language's test did, seen from here: its own supervisor, and the backfill over exactly
    # [checkpoint, latest) of the prepared one, which now sits at the latest offsets.
    supervisors = {s.id: s for s in client.iter_supervisors()}
    assert any(i.startswith(f"{language}-client-") for i in supervisors), sorted(supervisors)
    backfills = [s for s in supervisors.values() if s.backfill_of == PREPARED]
    assert len(backfills) == 1, sorted(supervisors)
    assert [(r.partition, r.start_offset, r.end_offset) for r in backfills[0].spec.bounded_ranges] == [
        (p, CHECKPOINTS[p], RECORDS[p]) for p in sorted(RECORDS)]
    offsets = client.get_offsets(PREPARED)
    assert [(p.partition, p.checkpoint) for p in offsets.partitions] == sorted(RECORDS.items())
