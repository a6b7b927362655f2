"""The web console in a real browser: Debian's chromium headless shell (scripts/install-browser.sh) driven
by playwright, against a live server with authentication, the real Kafka broker and reference workers.

One story, as an operator lives it: log in, find the lagging supervisor, review a reset-to-latest-and-
backfill, have it refused because the supervisor changed after the review (a stale plan token), review
again and execute, watch the backfill complete, and see full coverage. A viewer sees no controls, and
the server refuses the mutating call the viewer makes anyway. The screenshots in docs/img/ (shown in the
README) are written by this test.
"""
from __future__ import annotations

import dataclasses
import os
import shutil
import threading
import time
import uuid
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import sync_playwright

from conftest import start_server
from streamvisor.api.auth import hash_token
from streamvisor.bootstrap import start_embedded_workers
from streamvisor.client import StreamvisorClient
from streamvisor.domain.model import OffsetRange
from streamvisor.v1 import supervisor_pb2 as pb

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "docs" / "img"
OPERATOR, VIEWER, WORKER = (f"{role}-{uuid.uuid4().hex}" for role in ("operator", "viewer", "worker"))
PER_PARTITION = 150


def chromium_path() -> str:
    path = os.environ.get("STREAMVISOR_CHROMIUM") or shutil.which("chromium-headless-shell") or shutil.which("chromium")
    if not path:
        pytest.fail("no chromium: run `bash scripts/install-browser.sh` (scripts/test.sh does)", pytrace=False)
    return path


@pytest.fixture
def console(tmp_path, sqlite_url, kafka_bootstrap):
    tokens = tmp_path / "tokens.yaml"
    tokens.write_text(yaml.safe_dump({"tokens": [
        {"actor": "olga", "role": "operator", "sha256": hash_token(OPERATOR)},
        {"actor": "vera", "role": "viewer", "sha256": hash_token(VIEWER)},
        {"actor": "ingest", "role": "worker", "sha256": hash_token(WORKER)},
    ]}))
    server = start_server(sqlite_url, kafka_bootstrap, tokens_file=str(tokens), console_listen="127.0.0.1:0",
                          scheduler=True, worker_token=WORKER, output=str(tmp_path / "segments"))
    stop_workers = threading.Event()
    workers: list[threading.Thread] = []

    def start_workers() -> None:
        workers.extend(start_embedded_workers(dataclasses.replace(server.config, embedded_workers=1),
                                              server.port, stop_workers))
    try:
        yield server, start_workers
    finally:
        stop_workers.set()
        for w in workers:
            w.join(timeout=10)
        server.stop(0)


@pytest.fixture
def browser():
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path())
        yield b
        b.close()


def wait_until(predicate, timeout_s: float = 60, what: str = "condition"):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}")


def log_in(browser, url: str, token: str):
    page = browser.new_page(viewport={"width": 1200, "height": 800})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    page.fill("#token", token)
    page.click("#login")
    page.wait_for_selector("#supervisors table, #supervisors p")
    return page, errors


def test_operator_reviews_and_executes_a_backfill_and_a_viewer_cannot_act(console, browser, topics, kafka_bootstrap):
    server, start_workers = console
    url = f"http://127.0.0.1:{server.console.port}/"
    topic = topics.create(2, prefix="console")
    sid = f"console-{uuid.uuid4().hex[:8]}"
    with StreamvisorClient(f"127.0.0.1:{server.port}", token=OPERATOR, timeout=30) as client:
        client.create_supervisor(sid, pb.SupervisorSpec(
            stream_type=pb.STREAM_TYPE_KAFKA, stream=topic, task_count=1,
            consumer_properties={"bootstrap.servers": kafka_bootstrap}, context={"useConcurrentLocks": "true"}))
        # The scheduler starts it at the (empty) topic's latest offsets; no worker runs yet, so what is
        # produced now is lag.
        wait_until(lambda: all(p.HasField("checkpoint") for p in client.get_offsets(sid).partitions),
                   what="start offsets")
        topics.produce(topic, {0: PER_PARTITION, 1: PER_PARTITION})
        wait_until(lambda: client.get_offsets(sid).total_lag == 2 * PER_PARTITION, what="lag")

        # A wrong token is refused with a banner naming the reason.
        bad = browser.new_page()
        bad.goto(url)
        bad.fill("#token", "not-a-token")
        bad.click("#login")
        assert "UNAUTHENTICATED" in bad.locator(".banner").inner_text()
        bad.close()

        page, errors = log_in(browser, url, OPERATOR)
        row = page.locator(f'tr[data-id="{sid}"]')
        row.locator("td.lag", has_text=str(2 * PER_PARTITION)).wait_for()
        assert "RUNNING" in row.inner_text()
        page.screenshot(path=str(SHOTS / "console-supervisors.png"))

        row.locator("a").first.click()
        page.locator("#total-lag", has_text=str(2 * PER_PARTITION)).wait_for()
        page.wait_for_selector("#lag-chart")
        assert page.locator("#offsets tbody tr").count() == 2

        # Review, then someone suspends and resumes the supervisor: executing the reviewed plan is refused.
        page.click("#action-ResetToLatestAndBackfill")
        page.click("#review")
        page.wait_for_selector("#plan")
        plan = page.locator("#plan").inner_text()
        assert f"[0, {PER_PARTITION})" in plan
        etag = client.get_supervisor(sid).etag
        client.suspend_supervisor(sid, etag)
        client.resume_supervisor(sid)
        page.click("#execute")
        stale = page.locator('.banner[data-reason="PLAN_STALE"]')
        stale.wait_for()
        assert "FAILED_PRECONDITION" in stale.inner_text()
        assert "changed since the plan was reviewed (etag v1 -> v3)" in stale.inner_text()
        page.screenshot(path=str(SHOTS / "console-plan-stale.png"))
        assert client.get_supervisor(sid).generation == 1  # nothing was changed
        assert not [s for s in client.list_supervisors().supervisors if s.backfill_of == sid]

        # Review again and execute: the plan carries the fresh token.
        page.click("#dialog-close")
        page.click(".banner button")  # dismissed
        page.click("#action-ResetToLatestAndBackfill")
        page.click("#review")
        page.wait_for_selector("#plan")
        page.screenshot(path=str(SHOTS / "console-review.png"))
        page.click("#execute")
        page.wait_for_selector("#executed")
        assert page.locator("#no-drift").count() == 1  # nothing moved between review and execution
        backfills = [s for s in client.list_supervisors().supervisors if s.backfill_of == sid]
        assert len(backfills) == 1 and client.get_supervisor(sid).generation == 2
        backfill_id = backfills[0].id
        page.click("#dialog-close")

        # Workers start; the backfill runs to completion on the page, and the live supervisor reads on
        # from where the backfill ends.
        start_workers()
        topics.produce(topic, {0: 25, 1: 25})
        done = f'.progress[data-backfill="{backfill_id}"][data-done="{2 * PER_PARTITION}"]'
        page.locator(done).wait_for(timeout=90_000)
        page.locator("#backfills", has_text="COMPLETED").wait_for(timeout=30_000)
        page.locator("#history", has_text="RESET_TO_LATEST_AND_BACKFILL").wait_for()
        page.screenshot(path=str(SHOTS / "console-supervisor.png"), full_page=True)

        page.click("#coverage-link")
        page.locator("#coverage tbody tr", has_text=f"[0, {PER_PARTITION + 25})").nth(1).wait_for(timeout=60_000)
        page.locator('#coverage-summary[data-full="true"]').wait_for(timeout=30_000)
        assert page.locator('#coverage rect[data-kind="gap"]').count() == 0
        assert page.locator('#coverage rect[data-kind="published"]').count() >= 2
        assert page.locator(f'#coverage rect[data-kind="share of {backfill_id}"]').count() == 2  # one per partition
        page.screenshot(path=str(SHOTS / "console-coverage.png"))
        coverage = client.get_coverage(sid)
        assert coverage.total_gaps == 0 and coverage.total_overlaps == 0
        assert errors == []

        # A viewer: no controls, and a mutating call made anyway is refused by the server.
        viewer, viewer_errors = log_in(browser, url, VIEWER)
        viewer.goto(f"{url}#/s/{sid}")
        viewer.locator("#total-lag").wait_for()
        assert viewer.locator("#actions button").count() == 0
        assert "vera (viewer)" in viewer.locator("#who").inner_text()
        before = client.get_supervisor(sid)
        answer = viewer.evaluate("""async (sid) => {
            const r = await fetch("/streamvisor.v1.SupervisorService/SuspendSupervisor", {method: "POST",
              headers: {"content-type": "application/json",
                        authorization: "Bearer " + sessionStorage.getItem("streamvisor.token")},
              body: JSON.stringify({supervisorId: sid})});
            return {status: r.status, body: await r.json()};
        }""", sid)
        assert answer["status"] == 403 and answer["body"]["code"] == "permission_denied"
        assert answer["body"]["details"][0]["debug"]["reason"] == "PERMISSION_DENIED"
        assert client.get_supervisor(sid) == before
        assert viewer_errors == []


def test_operator_actions_lifecycle_reset_offsets_drift_and_hard_reset(console, browser, topics, kafka_bootstrap):
    server, _ = console
    url = f"http://127.0.0.1:{server.console.port}/"
    topic = topics.create(2, prefix="console")
    topics.produce(topic, {0: 50, 1: 50})
    sid = f"console-{uuid.uuid4().hex[:8]}"
    with StreamvisorClient(f"127.0.0.1:{server.port}", token=OPERATOR, timeout=30) as client:
        client.create_supervisor(sid, pb.SupervisorSpec(
            stream_type=pb.STREAM_TYPE_KAFKA, stream=topic, task_count=1,
            consumer_properties={"bootstrap.servers": kafka_bootstrap}, context={"useConcurrentLocks": "true"}))
        wait_until(lambda: [p.checkpoint for p in client.get_offsets(sid).partitions] == [50, 50], what="start offsets")
        page, errors = log_in(browser, url, OPERATOR)
        page.goto(f"{url}#/s/{sid}")
        page.locator("#state", has_text="RUNNING").wait_for()

        # Suspend; a reset-to-latest-and-backfill of a suspended supervisor is refused, as a banner.
        page.click("#action-SuspendSupervisor")
        page.locator("#state", has_text="SUSPENDED").wait_for()
        page.click("#action-ResetToLatestAndBackfill")
        page.click("#review")
        refused = page.locator('.banner[data-reason="INVALID_STATE"]')
        refused.wait_for()
        assert "FAILED_PRECONDITION" in refused.inner_text()
        page.click("#dialog-close")
        page.click("#action-ResumeSupervisor")
        page.locator("#state", has_text="RUNNING").wait_for()

        # Reset offsets: partition 0 to its earliest (a button fills it), partition 1 by time.
        page.click("#action-ResetOffsets")
        page.locator('input[data-partition-value="0"]').wait_for()
        assert page.input_value('input[data-partition-value="0"]') == "50"  # pre-filled with the checkpoint
        page.locator("tr", has=page.locator('input[data-partition="0"]')).get_by_role("button", name="earliest").click()
        row1 = page.locator("tr", has=page.locator('input[data-partition="1"]'))
        row1.locator('input[data-partition="1"]').check()
        row1.locator("select").select_option("time")
        row1.locator('input[data-partition-value="1"]').fill("2020-01-01T00:00:00Z")
        page.click("#review")
        plan = page.locator("#plan")
        plan.wait_for()
        rows = [r.split("\t")[:3] for r in plan.locator("tbody tr").all_inner_texts()]
        assert rows == [["0", "50", "0"], ["1", "50", "0"]]  # partition, before, after
        page.click("#execute")
        page.wait_for_selector("#executed")
        assert [p.checkpoint for p in client.get_offsets(sid).partitions] == [0, 0]
        page.click("#dialog-close")

        # Review a backfill; ingestion goes on (new records, a commit); executing shows how the plan moved.
        page.click("#action-ResetToLatestAndBackfill")
        page.click("#review")
        page.wait_for_selector("#plan")
        topics.produce(topic, {0: 20})
        generation = client.get_supervisor(sid).generation
        server.service.commit_checkpoint(sid, "task", generation, [OffsetRange(0, 0, 10)], "mem://console", 10,
                                         task_starts={0: 0})
        page.click("#execute")
        drift = page.locator("#drift")
        drift.wait_for()
        assert drift.locator("tbody tr").all_inner_texts() == ["0\t[0, 50)\t[10, 70)"]
        page.screenshot(path=str(SHOTS / "console-drift.png"))
        page.click("#dialog-close")

        # Hard reset: every checkpoint cleared, a new generation.
        before = client.get_supervisor(sid).generation
        page.click("#action-ResetSupervisor")
        page.wait_for_selector("#plan")
        page.click("#execute")
        page.wait_for_selector("#executed")
        assert client.get_supervisor(sid).generation == before + 1
        assert errors == []


def test_retention_loss_is_shown_in_the_review_and_marked_on_the_coverage_bars(console, browser, topics,
                                                                                kafka_bootstrap):
    server, start_workers = console
    url = f"http://127.0.0.1:{server.console.port}/"
    topic = topics.create(1, prefix="console")
    sid = f"console-{uuid.uuid4().hex[:8]}"
    with StreamvisorClient(f"127.0.0.1:{server.port}", token=OPERATOR, timeout=30) as client:
        client.create_supervisor(sid, pb.SupervisorSpec(
            stream_type=pb.STREAM_TYPE_KAFKA, stream=topic, task_count=1,
            consumer_properties={"bootstrap.servers": kafka_bootstrap}, context={"useConcurrentLocks": "true"}))
        wait_until(lambda: client.get_offsets(sid).partitions[0].HasField("checkpoint"), what="start offsets")
        topics.produce(topic, {0: 100})
        # The live supervisor published [0, 10) before it fell behind; then retention deleted up to 30.
        server.service.commit_checkpoint(sid, "task", 1, [OffsetRange(0, 0, 10)], "mem://console-early", 10,
                                         task_starts={0: 0})
        topics.delete_up_to(topic, {0: 30})

        page, errors = log_in(browser, url, OPERATOR)
        page.goto(f"{url}#/s/{sid}")
        page.locator("#total-lag", has_text="90").wait_for()
        page.click("#action-ResetToLatestAndBackfill")
        page.click("#review")
        plan = page.locator("#plan tbody tr")
        plan.first.wait_for()
        assert plan.all_inner_texts() == ["0\t10\t100\t[30, 100)\t[10, 30)"]  # before, after, backfill, lost
        page.click("#execute")
        page.wait_for_selector("#executed")
        page.click("#dialog-close")
        start_workers()
        page.locator("#backfills", has_text="COMPLETED").wait_for(timeout=90_000)

        page.click("#coverage-link")
        summary = page.locator("#coverage-summary", has_text="20 offsets missing")
        summary.wait_for(timeout=30_000)
        assert summary.get_attribute("data-full") == "false"
        assert page.locator('#coverage rect[data-kind="gap"]').count() == 1
        assert page.locator('#coverage rect[data-kind="unrecoverable"]').count() == 1
        assert "partition 0 [10, 30)" in page.locator("main").inner_text()
        assert "deleted by retention" in summary.inner_text()
        page.screenshot(path=str(SHOTS / "console-coverage-loss.png"))
        assert errors == []
