"""grpcurl-level debugging: the README's exact grpcurl commands, run against a live server.

The commands are read from README.md (every plaintext `grpcurl` line of its ```sh blocks), with the
README's address 127.0.0.1:50051 replaced by the test server's. Each must have a check below, so the
README and this test cannot drift apart. (The TLS + token example of the README's security section needs
that section's certificates and tokens; it is not run here.) grpcurl comes from
scripts/install-toolchains.sh.
"""
from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
from google.protobuf import json_format

from conftest import start_server
from helpers import kafka_spec
from streamvisor.client import StreamvisorClient
from streamvisor.domain.model import OffsetRange
from streamvisor.v1 import supervisor_service_pb2 as svc

ROOT = Path(__file__).resolve().parents[1]
README_ADDRESS = "127.0.0.1:50051"
RECORDS = {0: 30, 1: 20}
CHECKPOINTS = {0: 10, 1: 5}


def readme_grpcurl_commands() -> list[str]:
    """The grpcurl command lines of README.md's ```sh blocks, continuation lines joined."""
    commands = []
    for block in re.findall(r"^```sh\n(.*?)^```", (ROOT / "README.md").read_text(), re.M | re.S):
        for line in block.replace("\\\n", " ").splitlines():
            if line.startswith("grpcurl ") and "-plaintext" in line.split():
                commands.append(line)
    return commands


def grpcurl_binary() -> str:
    local = ROOT / "tools" / "bin" / "grpcurl"
    found = str(local) if local.exists() else shutil.which("grpcurl")
    if not found:
        pytest.fail("grpcurl is not installed: run `bash scripts/install-toolchains.sh`", pytrace=False)
    return found


@pytest.fixture
def clicks(sqlite_url, kafka_bootstrap, topics):
    """A live server with the README's supervisor "clicks", whose checkpoints lag behind its topic."""
    server = start_server(sqlite_url, kafka_bootstrap)
    try:
        topic = topics.create(len(RECORDS), prefix="grpcurl")
        topics.produce(topic, RECORDS)
        with StreamvisorClient(f"127.0.0.1:{server.port}", timeout=30, retries=0) as client:
            client.create_supervisor("clicks", kafka_spec(topic))
            generation = client.get_supervisor("clicks").generation
            for partition, end in CHECKPOINTS.items():
                server.service.commit_checkpoint("clicks", "task-test", generation, [OffsetRange(partition, 0, end)],
                                                 "mem://test", end, task_starts={partition: 0})
            yield server, client
    finally:
        server.stop(0)


def test_readme_shows_listing_describing_and_calling_through_reflection():
    commands = readme_grpcurl_commands()
    assert any(c.endswith(f"{README_ADDRESS} list") for c in commands), commands
    assert any(c.endswith("describe streamvisor.v1.SupervisorService") for c in commands), commands
    assert any(c.endswith("streamvisor.v1.SupervisorService/GetOffsets") for c in commands), commands


@pytest.mark.parametrize("command", readme_grpcurl_commands(), ids=lambda c: shlex.split(c, comments=True)[-1])
def test_readme_grpcurl_command(command, clicks):
    server, client = clicks
    args = shlex.split(command, comments=True)
    assert README_ADDRESS in args, f"the README's grpcurl commands use {README_ADDRESS}: {command}"
    args = [grpcurl_binary()] + [f"127.0.0.1:{server.port}" if a == README_ADDRESS else a for a in args[1:]]
    result = subprocess.run(args, capture_output=True, text=True, timeout=60)
    out, err = result.stdout, result.stderr
    target = args[-1] if "/" in args[-1] else " ".join(args[-2:]) if args[-2] == "describe" else args[-1]

    if target == "list":
        assert result.returncode == 0, err
        services = set(out.split())
        assert {"grpc.health.v1.Health", "streamvisor.v1.SupervisorService", "streamvisor.v1.TaskService"} <= services
        assert any(s.startswith("grpc.reflection.") for s in services), services
    elif target == "describe streamvisor.v1.SupervisorService":
        assert result.returncode == 0, err
        assert out.startswith("streamvisor.v1.SupervisorService is a service:"), out
        for method in svc.DESCRIPTOR.services_by_name["SupervisorService"].methods:  # every RPC, as in the proto
            assert (f"rpc {method.name} ( .{method.input_type.full_name} ) "
                    f"returns ( .{method.output_type.full_name} );") in out, (method.name, out)
    elif target == "streamvisor.v1.SupervisorService/GetOffsets":
        assert result.returncode == 0, err
        shown = json_format.Parse(out, svc.GetOffsetsResponse())
        assert shown.supervisor_id == "clicks" and shown.total_lag == 35
        assert [(p.partition, p.checkpoint, p.latest, p.lag) for p in shown.partitions] == [
            (0, 10, 30, 20), (1, 5, 20, 15)]
        expected = client.get_offsets("clicks")
        shown.ClearField("read_time"), expected.ClearField("read_time")
        assert shown == expected
    elif target == "streamvisor.v1.SupervisorService/ResetToLatestAndBackfill":
        assert result.returncode == 0, err
        before = client.get_supervisor("clicks")
        shown = json_format.Parse(out, svc.ResetToLatestAndBackfillResponse())
        assert shown.dry_run and shown.supervisor_id == "clicks" and shown.generation == before.generation
        assert [(r.partition, r.start_offset, r.end_offset) for r in shown.backfill_ranges] == [(0, 10, 30), (1, 5, 20)]
        assert [(c.partition, c.before, c.after) for c in shown.changes] == [(0, 10, 30), (1, 5, 20)]
        assert [s.id for s in client.iter_supervisors()] == ["clicks"]  # a dry run creates nothing
    elif target == "grpc.health.v1.Health/Check":
        assert result.returncode == 0, err
        assert json.loads(out) == {"status": "SERVING"}
    elif target == "streamvisor.v1.SupervisorService/GetSupervisor":
        # A failed call: grpcurl exits non-zero and prints the code and the ErrorInfo detail.
        assert result.returncode != 0 and out == "", (out, err)
        assert "Code: NotFound" in err and '"@type": "type.googleapis.com/google.rpc.ErrorInfo"' in err, err
        assert '"reason": "SUPERVISOR_NOT_FOUND"' in err and '"domain": "streamvisor"' in err, err
    else:
        pytest.fail(f"README.md shows a grpcurl command that this test does not check yet: {command}")
