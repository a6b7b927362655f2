"""The operator CLI against a live server (SQLite): tables, --json, and errors."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from streamvisor.cli.main import main


@pytest.fixture
def database_url(sqlite_url):
    return sqlite_url


@pytest.fixture
def cli(server):
    runner = CliRunner()

    def run(*args, code: int = 0):
        result = runner.invoke(main, ["--server", f"127.0.0.1:{server.port}", *args])
        assert result.exit_code == code, result.output
        return result

    return run


def test_operator_workflow(cli, server, topics, tmp_path):
    topic = topics.create(2)
    topics.produce(topic, {0: 20, 1: 5})
    spec = tmp_path / "clicks.yaml"
    spec.write_text(f"id: clicks\nspec:\n  stream_type: KAFKA\n  stream: {topic}\n  task_count: 2\n"
                    "  context:\n    useConcurrentLocks: true\n")
    out = cli("supervisors", "create", "-f", str(spec)).stdout
    assert "clicks" in out and "RUNNING" in out and topic in out
    listed = json.loads(cli("--json", "supervisors", "list").stdout)
    assert [s["id"] for s in listed["supervisors"]] == ["clicks"]
    assert "etag: v1" in cli("supervisors", "get", "clicks").stdout

    from streamvisor.domain.model import OffsetRange
    server.service.commit_checkpoint("clicks", "t", 1, [OffsetRange(0, 0, 8)], "mem://", 8, task_starts={0: 0})
    offsets = cli("offsets", "clicks").stdout
    assert "total lag: 12" in offsets

    dry = cli("reset-to-latest-and-backfill", "clicks", "--dry-run").stdout
    assert "[8,20)" in dry and "dry run" in dry
    done = json.loads(cli("--json", "reset-to-latest-and-backfill", "clicks", "--backfill-task-count", "1").stdout)
    assert done["backfill_ranges"] == [{"partition": 0, "start_offset": "8", "end_offset": "20", "partition_id": "0",
                                        "start_offset_decimal": "8", "end_offset_decimal": "20"}]
    assert done["backfill_supervisor_id"].startswith("clicks_backfill_")
    assert "bounded progress: 0/12" in cli("offsets", done["backfill_supervisor_id"]).stdout
    assert "bounded: 0:[8,20)" in cli("supervisors", "get", done["backfill_supervisor_id"]).stdout
    coverage = cli("coverage", "clicks").stdout
    assert "  0  [0,8)        -       -  " in coverage  # partition 0: [0,8) published, no gaps, no overlaps

    table = cli("reset-offsets", "clicks", "0=3", "1=5", "--dry-run").stdout
    assert "20" in table and "3" in table and "(dry run)" in table
    assert "generation: 3" in cli("reset", "clicks").stdout  # 1, the backfill reset made it 2, this one 3
    assert "SUSPENDED" in cli("supervisors", "suspend", "clicks").stdout
    assert "RUNNING" in cli("supervisors", "resume", "clicks").stdout
    history = cli("supervisors", "history", "clicks").stdout
    for action in ("CREATE", "RESET_TO_LATEST_AND_BACKFILL", "RESET", "SUSPEND", "RESUME"):
        assert action in history
    assert "0:8->20 1:-->5" in history  # partition:before->after, '-' for no checkpoint
    assert "TERMINATED" in cli("supervisors", "terminate", "clicks").stdout


def test_errors_exit_non_zero_with_the_reason(cli, tmp_path):
    result = cli("supervisors", "get", "ghost", code=1)
    assert "NOT_FOUND SUPERVISOR_NOT_FOUND" in result.stderr and "supervisor_id=ghost" in result.stderr
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"id": "x", "spec": {"stream_type": "KAFKA", "stream": "t", "task_count": 0}}))
    result = cli("supervisors", "create", "-f", str(bad), code=1)
    assert "INVALID_ARGUMENT" in result.stderr and "spec.task_count" in result.stderr
    assert "PARTITION=OFFSET" in cli("reset-offsets", "x", "zero", code=2).output


def test_unreachable_server_is_a_clear_error(tmp_path):
    result = CliRunner().invoke(main, ["--server", "127.0.0.1:1", "--timeout", "2", "supervisors", "list"])
    assert result.exit_code == 1 and "UNAVAILABLE" in result.stderr


def test_plan_tokens_from_the_cli_execute_the_review_or_are_refused(cli, server, topics, tmp_path):
    topic = topics.create(2)
    topics.produce(topic, {0: 20, 1: 5})
    spec = tmp_path / "plan.yaml"
    spec.write_text(f"id: plan\nspec:\n  stream_type: KAFKA\n  stream: {topic}\n  task_count: 1\n"
                    "  context:\n    useConcurrentLocks: true\n")
    cli("supervisors", "create", "-f", str(spec))
    from streamvisor.domain.model import OffsetRange
    server.service.commit_checkpoint("plan", "t", 1, [OffsetRange(0, 0, 8)], "mem://", 8, task_starts={0: 0})

    def token_of(output: str) -> str:
        return output.split("plan token: ", 1)[1].split()[0]
    review = token_of(cli("reset-to-latest-and-backfill", "plan", "--dry-run").stdout)
    # Ingestion goes on after the review: more records, a later checkpoint. The plan still holds.
    topics.produce(topic, {0: 10})
    server.service.commit_checkpoint("plan", "t", 1, [OffsetRange(0, 8, 12)], "mem://2", 4, task_starts={0: 8})
    done = cli("reset-to-latest-and-backfill", "plan", "--plan-token", review).stdout
    assert "backfill ranges since the review (ingestion went on): 0: reviewed [8,20) ran [12,30)" in done
    # The same review again: the reset moved the generation, so it is refused and changes nothing.
    stale = cli("reset-to-latest-and-backfill", "plan", "--plan-token", review, code=1).output
    assert "FAILED_PRECONDITION" in stale and "PLAN_STALE" in stale and "changed=generation,etag" in stale
    hard = token_of(cli("reset", "plan", "--dry-run").stdout)
    cli("supervisors", "suspend", "plan")
    assert "PLAN_STALE" in cli("reset", "plan", "--plan-token", hard, code=1).output
    offsets_review = token_of(cli("reset-offsets", "plan", "0=3", "--dry-run").stdout)
    assert "INVALID_PLAN_TOKEN" in cli("reset-offsets", "plan", "0=4", "--plan-token", offsets_review, code=1).output
    assert "generation: 3" in cli("reset-offsets", "plan", "0=3", "--plan-token", offsets_review).stdout


def test_segments_table_json_and_errors(cli, server, topics, tmp_path):
    from streamvisor.domain.model import OffsetRange
    name = topics.create(1)
    topics.produce(name, {0: 10})
    spec = tmp_path / "seg.yaml"
    spec.write_text(f"id: seg-cli\nspec:\n  stream_type: KAFKA\n  stream: {name}\n  task_count: 1\n")
    cli("supervisors", "create", "-f", str(spec))
    generation = server.service.get("seg-cli").generation
    for n, (a, b) in enumerate([(0, 4), (4, 10)]):
        server.service.commit_checkpoint("seg-cli", "task-cli", generation, [OffsetRange(0, a, b)],
                                         f"file:///out/seg-cli/s{n}.jsonl", b - a, task_starts={0: a})
    table = cli("segments", "seg-cli").stdout
    assert "LOCATION" in table and "0:[0,4)" in table and "file:///out/seg-cli/s1.jsonl" in table
    paged = cli("segments", "seg-cli", "--page-size", "1").stdout
    assert "s0.jsonl" in paged and "s1.jsonl" not in paged and "next page: --page-token" in paged
    assert "s1.jsonl" in cli("segments", "seg-cli", "--page-size", "1", "--all").stdout
    as_json = json.loads(cli("--json", "segments", "seg-cli", "--partition", "0", "--from", "5", "--to", "6").stdout)
    assert [s["location"] for s in as_json["segments"]] == ["file:///out/seg-cli/s1.jsonl"]
    error = cli("segments", "seg-cli", "--from", "6", "--to", "5", code=1).stderr
    assert "INVALID_ARGUMENT" in error and "end_offset" in error
    assert "SUPERVISOR_NOT_FOUND" in cli("segments", "nope", code=1).stderr


def test_druid_style_commands_health_stats_bulk_and_handoff(cli, server, topics, tmp_path):
    name = topics.create(2)
    for sid in ("bulk-a", "bulk-b"):
        spec = tmp_path / f"{sid}.yaml"
        spec.write_text(f"id: {sid}\nspec:\n  stream_type: KAFKA\n  stream: {name}\n  task_count: 2\n")
        cli("supervisors", "create", "-f", str(spec))
    health = cli("supervisors", "health", "bulk-a").stdout
    assert "yes" in health and "streamvisor.supervisor/bulk-a" in health
    preview = cli("supervisors", "suspend-all", "--prefix", "bulk-", "--dry-run").stdout
    assert "2 of 2 selected would change" in preview
    assert cli("supervisors", "get", "bulk-a").stdout.count("RUNNING") >= 1
    assert "FILTER_REQUIRED" in cli("supervisors", "terminate-all", code=1).output
    assert "2 of 2 selected changed" in cli("supervisors", "terminate-all", "--id", "bulk-a", "--id", "bulk-b").stdout
    assert "no" in cli("supervisors", "health", "bulk-a", code=1).stdout  # terminated: a probe's exit 1
    stats = cli("supervisors", "stats", "bulk-a").stdout
    assert "generation 1: 0 records processed" in stats  # no scheduler here: no tasks yet
    assert "INVALID_STATE" in cli("supervisors", "handoff", "bulk-a", "0", code=1).output
