"""Data-plane commands: the reference worker, coverage, and watching backfills."""
from __future__ import annotations

import functools
import signal
import sys
import threading
import time

import click
from tabulate import tabulate

from streamvisor.cli.main import _client, _emit, _run, main, resolve_config, setting_options
from streamvisor.client import exact, partition_name
from streamvisor.domain.formatting import ranges_text, spans_text
from streamvisor.v1 import supervisor_pb2 as pb
from streamvisor.v1 import supervisor_service_pb2 as svc


@main.command()
@click.option("--output", required=True, help="Directory (or file:///dir) for JSON Lines segments.")
@click.option("--worker-id", default=None, help="Stable worker id (default: host-pid-random).")
@click.option("--commit-records", default=1000, show_default=True, help="Publish a segment every N records...")
@click.option("--commit-seconds", default=1.0, show_default=True, help="...or every T seconds.")
@click.option("--lease-seconds", default=15, show_default=True, help="Lease length; heartbeats renew it.")
@click.option("--max-tasks", default=4, show_default=True, help="Tasks this worker runs at once.")
@setting_options("log_level", "log_format")  # the server's: same flags, env vars and defaults
@click.pass_context
def worker(ctx, output, worker_id, commit_records, commit_seconds, lease_seconds, max_tasks, log_level,
           log_format) -> None:
    """Run the reference ingestion worker against --server until SIGTERM."""
    from streamvisor import logs
    from streamvisor.worker.runner import Worker, WorkerSettings
    from streamvisor.worker.sinks import open_sink

    config = resolve_config({"log_level": log_level, "log_format": log_format}, only=("log_level", "log_format"))
    logs.configure(config.log_level, config.log_format)
    sink = open_sink(output)
    settings = WorkerSettings(commit_records=commit_records, commit_seconds=commit_seconds,
                              lease_seconds=lease_seconds, max_tasks=max_tasks)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    from streamvisor.client.tasks import TaskClient

    o = ctx.obj
    client = TaskClient(o["server"], token=o.get("token"), tls=o.get("tls", False), tls_ca=o.get("tls_ca"),
                        tls_cert=o.get("tls_cert"), tls_key=o.get("tls_key"))
    Worker(o["server"], sink, worker_id, settings, client).run(stop)


@main.command()
@click.argument("supervisor_id")
@click.pass_context
def coverage(ctx, supervisor_id: str) -> None:
    """What a supervisor and its backfills published, per partition, with gaps and overlaps."""
    with _client(ctx) as client:
        r = _run(ctx, lambda: client.get_coverage(supervisor_id))
    rows = [[partition_name(c), spans_text(c.published), spans_text(c.gaps),
             " ".join(f"{spans_text([o.range])} by {'+'.join(o.supervisor_ids)}" for o in c.overlaps) or "-",
             exact(c, "published_offsets")] for c in r.partitions]
    gaps, overlaps = exact(r, "total_gaps"), exact(r, "total_overlaps")
    verdict = "nothing lost, nothing twice" if not gaps and not overlaps else \
        f"{gaps} offsets missing, {overlaps} published twice"
    text = f"supervisors: {', '.join(r.supervisor_ids)}\n{verdict}"
    if r.unrecoverable_ranges:
        text += "\nunrecoverable (deleted by retention before the backfill): " + ranges_text(r.unrecoverable_ranges)
    _emit(ctx, r, (["PARTITION", "PUBLISHED", "GAPS", "OVERLAPS", "OFFSETS"], rows), text)


@main.group()
def backfill() -> None:
    """Follow backfill supervisors."""


def _bar(done: int, total: int, width: int = 30) -> str:
    filled = width if total == 0 else width * done // total
    percent = 100 if total == 0 else 100 * done // total
    return f"[{'#' * filled}{'.' * (width - filled)}] {percent:3d}% {done}/{total}"


@backfill.command("watch")
@click.argument("supervisor_id")
@click.option("--interval", default=1.0, show_default=True, help="Seconds between refreshes.")
@click.option("--timeout", "limit", default=0.0, help="Give up after this many seconds (0: never).")
@click.pass_context
def watch(ctx, supervisor_id: str, interval: float, limit: float) -> None:
    """Progress bars for SUPERVISOR_ID's backfills (or SUPERVISOR_ID itself if it is one) until COMPLETED."""
    started = time.monotonic()
    interactive = sys.stdout.isatty()
    with _client(ctx) as client:
        while True:
            target = _run(ctx, lambda: client.get_supervisor(supervisor_id))
            backfills = [target] if target.backfill_of else [
                s for s in _run(ctx, lambda: list(client.iter_supervisors())) if s.backfill_of == supervisor_id]
            if not backfills:
                click.echo(f"{supervisor_id} has no backfills")
                return
            lines = []
            for b in backfills:
                o = _run(ctx, functools.partial(client.get_offsets, b.id))
                state = pb.SupervisorState.Name(b.state).removeprefix("SUPERVISOR_STATE_")
                lines.append(f"{b.id}  {_bar(o.bounded_done, o.bounded_total)}  {state}")
            if interactive:
                click.echo("\x1b[2J\x1b[H" + "\n".join(lines))
            else:
                click.echo("\n".join(lines))
            if all(b.state == pb.SUPERVISOR_STATE_COMPLETED for b in backfills):
                click.echo("all backfills COMPLETED")
                return
            if limit and time.monotonic() - started > limit:
                click.echo("timed out before every backfill completed", err=True)
                ctx.exit(3)
            time.sleep(interval)


__all__ = ["worker", "coverage", "backfill", "svc"]


def _family_root(client, supervisor_id: str) -> str:
    """The supervisor a backfill (recursively) was made from: the family's directory (or table)."""
    seen = set()
    supervisor = client.get_supervisor(supervisor_id)
    while supervisor.backfill_of and supervisor.backfill_of not in seen:
        seen.add(supervisor.id)
        supervisor = client.get_supervisor(supervisor.backfill_of)
    return supervisor.id


def published_segment(segment: svc.Segment):
    """A ListSegments row as `verify` checks it, with exact offsets: a Kinesis sequence number does not fit
    the int64 fields (0 then), only their `_decimal` siblings."""
    from streamvisor.domain.verification import PublishedSegment

    return PublishedSegment(segment.location, tuple((r.partition, exact(r, "start_offset"), exact(r, "end_offset"))
                                                    for r in segment.ranges), segment.record_count)


@main.command()
@click.argument("supervisor_id")
@click.option("--output", envvar="STREAMVISOR_OUTPUT", required=True,
              help="The workers' destination: a directory (or file:///dir), or another sink's URL.")
@click.option("--list", "list_limit", default=20, show_default=True,
              help="How many missing or unexpected places to name.")
@click.pass_context
def verify(ctx, supervisor_id: str, output: str, list_limit: int) -> None:
    """Read the destination itself and check it against the published segments of the supervisor's family:
    every published record present exactly once, nothing else. Offsets their writer published as holding no
    record (Kafka transaction markers, aborted records) are SKIPPED. Exits 1 on any difference."""
    import json

    from streamvisor.domain.verification import verify as check
    from streamvisor.worker.sinks import open_sink

    with _client(ctx) as client:
        family = _run(ctx, lambda: _family_root(client, supervisor_id))
        segments = _run(ctx, lambda: [
            published_segment(s) for s in client.iter_segments(family, include_backfills=True, page_size=1000)])
    try:
        sink = open_sink(output)
    except ValueError as e:
        click.echo(f"error: {e}", err=True)
        ctx.exit(2)
    try:
        result = check(segments, sink.read_offsets(family))
    finally:
        sink.close()
    if ctx.obj["json"]:
        click.echo(json.dumps({
            "family_id": family, "ok": result.ok, "segments": len(segments),
            "partitions": [vars(p) | {"ok": p.ok} for p in result.partitions],
            "missing_segments": result.missing_segments, "unexpected_places": result.unexpected_places}, indent=2))
    else:
        rows = [[p.partition, p.expected, p.found, p.missing, p.duplicated, p.unexpected, p.skipped,
                 "ok" if p.ok else "DIFF"] for p in result.partitions]
        click.echo(f"family: {family} ({len(segments)} published segments)")
        click.echo(tabulate(rows, headers=["PARTITION", "EXPECTED", "FOUND", "MISSING", "DUPLICATED", "UNEXPECTED",
                                           "SKIPPED", ""], tablefmt="plain") if rows else "(no records, no segments)")
        if any(p.skipped for p in result.partitions):
            click.echo("skipped: offsets that hold no record, as their segments' writers published them "
                       "(transaction markers, aborted transactions, compacted records, RabbitMQ offset-tracking "
                       "entries, the gaps between Kinesis sequence numbers)")
        for title, places in (("published segments not found", result.missing_segments),
                              ("not a published segment", result.unexpected_places)):
            if places:
                click.echo(f"{title}: {len(places)}")
                for place in places[:list_limit]:
                    click.echo(f"  {place}")
        click.echo("exactly once: every published record present once, nothing else" if result.ok else
                   "DIFFERENCES FOUND")
    if not result.ok:
        ctx.exit(1)


@main.command()
@click.argument("supervisor_id")
@click.option("--backfills/--no-backfills", default=True, show_default=True,
              help="Include the segments of its backfills (the family).")
@click.option("--partition", default=None, help="Only segments with a range of this partition (number or name).")
@click.option("--from", "start_offset", type=int, default=None,
              help="Only segments overlapping [FROM, TO) (offsets of any size).")
@click.option("--to", "end_offset", type=int, default=None, help="See --from.")
@click.option("--location", default="", help="Only the segment published at exactly this location.")
@click.option("--page-size", default=0, help="Page size (0: server default).")
@click.option("--page-token", default="", help="Continue from a previous page.")
@click.option("--all", "all_pages", is_flag=True, help="Follow every page.")
@click.pass_context
def segments(ctx, supervisor_id, backfills, partition, start_offset, end_offset, location, page_size, page_token,
             all_pages) -> None:
    """The published segments of a supervisor (and its backfills), in commit order."""
    if partition is not None and partition.isascii() and partition.isdigit():
        partition = int(partition)  # a number; anything else is a name the server resolves (partition_id)
    filters = {"include_backfills": backfills, "partition": partition, "start_offset": start_offset,
               "end_offset": end_offset, "location": location, "page_size": page_size}
    with _client(ctx) as client:
        if all_pages:
            items = _run(ctx, lambda: list(client.iter_segments(supervisor_id, **filters)))
            response = svc.ListSegmentsResponse(segments=items)
        else:
            response = _run(ctx, lambda: client.list_segments(supervisor_id, page_token=page_token, **filters))
    rows = [[s.segment_id, s.supervisor_id, s.generation, ranges_text(s.ranges), s.record_count,
             s.publish_time.ToDatetime().strftime("%Y-%m-%dT%H:%M:%SZ"), s.location] for s in response.segments]
    _emit(ctx, response, (["SEGMENT", "SUPERVISOR", "GEN", "RANGES", "RECORDS", "PUBLISHED", "LOCATION"], rows),
          f"next page: --page-token {response.next_page_token}" if response.next_page_token else "")
