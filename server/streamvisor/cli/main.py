"""`streamvisor`: run the server, and operate supervisors over gRPC (through streamvisor.client)."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import click
import yaml
from google.protobuf import json_format
from google.protobuf.timestamp_pb2 import Timestamp
from tabulate import tabulate

from streamvisor.client import StreamvisorClient, StreamvisorError, exact, partition_name, reset_target
from streamvisor.config import SETTINGS, SETTINGS_BY_NAME, ServerConfig, Setting
from streamvisor.domain.formatting import changes_text, offset_text, ranges_text, spans_text
from streamvisor.v1 import supervisor_pb2 as pb
from streamvisor.v1 import supervisor_service_pb2 as svc

STATE_NAMES = {v: k.removeprefix("SUPERVISOR_STATE_") for k, v in pb.SupervisorState.items()}
TYPE_NAMES = {v: k.removeprefix("STREAM_TYPE_") for k, v in pb.StreamType.items()}


def _client(ctx: click.Context) -> StreamvisorClient:
    o = ctx.obj
    return StreamvisorClient(o["server"], timeout=o["timeout"], token=o.get("token"), tls=o.get("tls", False),
                             tls_ca=o.get("tls_ca"), tls_cert=o.get("tls_cert"), tls_key=o.get("tls_key"))


def _emit(ctx: click.Context, message, table: tuple[list[str], list[list]] | None = None, text: str = "") -> None:
    if ctx.obj["json"]:
        # Zero values (partition 0, lag 0) matter to operators: print every field.
        click.echo(json_format.MessageToJson(message, preserving_proto_field_name=True, indent=2,
                                             always_print_fields_with_no_presence=True))
        return
    if table is not None:
        headers, rows = table
        click.echo(tabulate(rows, headers=headers, tablefmt="plain") if rows else "(none)")
    if text:
        click.echo(text)


def _run(ctx: click.Context, call):
    try:
        return call()
    except StreamvisorError as e:
        click.echo(f"error: {e}", err=True)
        if e.metadata:
            click.echo("  " + " ".join(f"{k}={v}" for k, v in sorted(e.metadata.items())), err=True)
        ctx.exit(1)


def _supervisor_rows(supervisors) -> tuple[list[str], list[list]]:
    rows = [[s.id, STATE_NAMES.get(s.state, s.state), TYPE_NAMES.get(s.spec.stream_type, "?"), s.spec.stream,
             s.spec.task_count, len(s.partitions), s.generation, s.backfill_of or "-"] for s in supervisors]
    return ["ID", "STATE", "TYPE", "STREAM", "TASKS", "PARTITIONS", "GENERATION", "BACKFILL OF"], rows


def _normalise_spec(data: dict) -> dict:
    """Friendlier spec files: `stream_type: KAFKA`, and booleans/numbers in string maps."""
    spec = dict(data)
    for key in ("stream_type", "streamType"):
        if isinstance(spec.get(key), str) and not spec[key].startswith("STREAM_TYPE_"):
            spec[key] = "STREAM_TYPE_" + spec[key].upper()
    for key in ("consumer_properties", "consumerProperties", "context"):
        if isinstance(spec.get(key), dict):
            spec[key] = {k: (str(v).lower() if isinstance(v, bool) else str(v)) for k, v in spec[key].items()}
    return spec


def load_spec_file(path: Path) -> tuple[str, pb.SupervisorSpec]:
    text = path.read_text()
    data = yaml.safe_load(text) if path.suffix in (".yaml", ".yml") else json.loads(text)
    if not isinstance(data, dict) or "spec" not in data:
        raise click.BadParameter("the file must hold an object with 'id' and 'spec'", param_hint="-f")
    supervisor_id = str(data.get("id") or data.get("supervisor_id") or "")
    try:
        spec = json_format.ParseDict(_normalise_spec(data["spec"]), pb.SupervisorSpec())
    except json_format.ParseError as e:
        raise click.BadParameter(f"invalid spec: {e}", param_hint="-f") from None
    return supervisor_id, spec


@click.group()
@click.option("--server", envvar="STREAMVISOR_SERVER", default="127.0.0.1:50051", show_default=True,
              help="host:port of a streamvisor server, or several comma-separated (replicas: calls spread "
                   "round-robin, skipping any that is down) (env STREAMVISOR_SERVER).")
@click.option("--json", "as_json", is_flag=True, help="Print responses as JSON.")
@click.option("--timeout", default=30.0, show_default=True, help="Per-call deadline in seconds.")
@click.option("--token", envvar="STREAMVISOR_TOKEN", help="Bearer token sent with every call (env STREAMVISOR_TOKEN).")
@click.option("--tls", is_flag=True, help="Use TLS, verifying the server against the system's CAs.")
@click.option("--tls-ca", envvar="STREAMVISOR_CLIENT_TLS_CA", type=click.Path(exists=True, dir_okay=False),
              help="CA bundle (PEM) that signed the server's certificate; implies TLS (env STREAMVISOR_CLIENT_TLS_CA).")
@click.option("--tls-cert", envvar="STREAMVISOR_CLIENT_TLS_CERT", type=click.Path(exists=True, dir_okay=False),
              help="Client certificate (PEM) for mutual TLS; implies TLS (env STREAMVISOR_CLIENT_TLS_CERT).")
@click.option("--tls-key", envvar="STREAMVISOR_CLIENT_TLS_KEY", type=click.Path(exists=True, dir_okay=False),
              help="The client certificate's private key (PEM) (env STREAMVISOR_CLIENT_TLS_KEY).")
@click.pass_context
def main(ctx: click.Context, server: str, as_json: bool, timeout: float, token: str | None, tls: bool,
         tls_ca: str | None, tls_cert: str | None, tls_key: str | None) -> None:
    """streamvisor: a control plane for streaming-ingestion supervisors."""
    ctx.ensure_object(dict)
    if bool(tls_cert) != bool(tls_key):
        raise click.UsageError("--tls-cert and --tls-key go together")
    ctx.obj.update(server=server, json=as_json, timeout=timeout, token=token or None, tls=tls, tls_ca=tls_ca,
                   tls_cert=tls_cert, tls_key=tls_key)


def _setting_option(setting: Setting):
    """The click option of a setting of config.SETTINGS: its flag, env var, type and help from there; no
    click default (None), so ServerConfig.resolve applies flag > env > default in one place."""
    if setting.choices:
        kind = click.Choice(list(setting.choices))
    elif setting.existing_file:
        kind = click.Path(exists=True, dir_okay=False)
    else:
        kind = setting.type
    # click reads the env var too (so it checks files and choices from the environment as from flags);
    # a repeatable flag's env var is `k=v,k=v`, which only ServerConfig.resolve reads.
    return click.option(setting.flag, setting.name, envvar=None if setting.repeatable else setting.env,
                        multiple=setting.repeatable, type=kind, default=None,
                        show_default=str(setting.default) if setting.default not in (None, "") else False,
                        show_envvar=not setting.repeatable, metavar="KEY=VALUE" if setting.repeatable else None,
                        help=setting.help + (f"  [env var: {setting.env}, as k=v,k=v; the flags add to it]"
                                             if setting.repeatable else ""))


def setting_options(*names: str):
    """Decorator: the click options of these settings (every setting that has a flag, when none is named)."""
    chosen = [SETTINGS_BY_NAME[n] for n in names] if names else [s for s in SETTINGS if s.flag]

    def decorate(command):
        for setting in reversed(chosen):  # the first declared is the first in --help
            command = _setting_option(setting)(command)
        return command

    return decorate


def resolve_config(flags: dict, only: tuple[str, ...] | None = None) -> ServerConfig:
    try:
        return ServerConfig.resolve(flags, only=only)
    except ValueError as e:  # an environment variable that does not parse
        raise click.UsageError(str(e)) from None


@main.command()
@setting_options()
def serve(**flags) -> None:
    """Run the gRPC server until SIGTERM/SIGINT."""
    from streamvisor import logs
    from streamvisor.api.server import serve as run

    config = resolve_config(flags)
    if bool(config.tls_cert_file) != bool(config.tls_key_file):
        raise click.UsageError("--tls-cert and --tls-key go together")
    if config.tls_client_ca_file and not config.tls_cert_file:
        raise click.UsageError("--tls-client-ca (mutual TLS) needs --tls-cert and --tls-key")
    if config.scheduler_lease_ttl_s <= config.scheduler_interval_s:
        raise click.UsageError(f"STREAMVISOR_SCHEDULER_LEASE_TTL_S ({config.scheduler_lease_ttl_s:g}) must be longer "
                               f"than STREAMVISOR_SCHEDULER_INTERVAL_S ({config.scheduler_interval_s:g}): the leader "
                               "renews its lease once per pass")
    from streamvisor.api.processes import ProcessesError, check_processes

    try:
        check_processes(config)
    except ProcessesError as e:
        raise click.UsageError(str(e)) from None
    logs.configure(config.log_level, config.log_format)
    run(config)


@main.command("new-token")
@click.option("--actor", required=True, help="Who holds the token: recorded in the audit trail.")
@click.option("--role", required=True, type=click.Choice(["viewer", "operator", "worker", "admin"]))
def new_token(actor: str, role: str) -> None:
    """Make a random bearer token; print it, and the entry for the tokens file (which stores only its hash)."""
    import hashlib
    import secrets

    token = secrets.token_urlsafe(32)
    entry = yaml.safe_dump([{"actor": actor, "role": role, "sha256": hashlib.sha256(token.encode()).hexdigest()}],
                           sort_keys=False)
    click.echo(f"# token for {actor} (shown only now; the file stores its sha256): {token}\n"
               f"# add under `tokens:` in the tokens file:\n{entry.rstrip()}")


@main.group()
def supervisors() -> None:
    """Create, inspect and change supervisors."""


@supervisors.command("create")
@click.option("-f", "--file", "path", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A JSON or YAML file: {id: ..., spec: {stream_type: KAFKA, stream: ..., task_count: ...}}.")
@click.option("--validate-only", is_flag=True, help="Check everything, create nothing.")
@click.pass_context
def create(ctx, path: Path, validate_only: bool) -> None:
    """Create a supervisor from a spec file."""
    supervisor_id, spec = load_spec_file(path)
    with _client(ctx) as client:
        s = _run(ctx, lambda: client.create_supervisor(supervisor_id, spec, validate_only))
    _emit(ctx, s, _supervisor_rows([s]), "(validated only; nothing created)" if validate_only else "")


@supervisors.command("update")
@click.argument("supervisor_id")
@click.option("-f", "--file", "path", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--etag", required=True, help="The etag from `supervisors get` (guards against lost updates).")
@click.pass_context
def update(ctx, supervisor_id: str, path: Path, etag: str) -> None:
    """Replace a supervisor's spec."""
    _, spec = load_spec_file(path)
    with _client(ctx) as client:
        s = _run(ctx, lambda: client.update_supervisor(supervisor_id, spec, etag))
    _emit(ctx, s, _supervisor_rows([s]))


@supervisors.command("list")
@click.option("--state", "states", multiple=True, type=click.Choice(
    [n for n in STATE_NAMES.values() if n != "UNSPECIFIED"], case_sensitive=False))
@click.option("--type", "types", multiple=True,
              type=click.Choice(["KAFKA", "RABBITMQ_STREAM", "KINESIS"], case_sensitive=False))
@click.option("--page-size", default=0, help="Page size (0: server default).")
@click.option("--page-token", default="", help="Continue from a previous page.")
@click.option("--all", "all_pages", is_flag=True, help="Follow every page.")
@click.pass_context
def list_(ctx, states, types, page_size, page_token, all_pages) -> None:
    """List supervisors."""
    state_values = [pb.SupervisorState.Value("SUPERVISOR_STATE_" + s.upper()) for s in states]
    type_values = [pb.StreamType.Value("STREAM_TYPE_" + t.upper()) for t in types]
    with _client(ctx) as client:
        if all_pages:
            items = _run(ctx, lambda: list(client.iter_supervisors(state_values, type_values, page_size)))
            response = svc.ListSupervisorsResponse(supervisors=items)
        else:
            response = _run(ctx, lambda: client.list_supervisors(page_size, page_token, state_values, type_values))
    _emit(ctx, response, _supervisor_rows(response.supervisors),
          f"next page: --page-token {response.next_page_token}" if response.next_page_token else "")


@supervisors.command("get")
@click.argument("supervisor_id")
@click.pass_context
def get(ctx, supervisor_id: str) -> None:
    """Show one supervisor."""
    with _client(ctx) as client:
        s = _run(ctx, lambda: client.get_supervisor(supervisor_id))
    detail = [
        f"etag: {s.etag}",
        f"state detail: {s.state_detail or '-'}",
        f"partitions: {','.join(map(str, s.partitions))}",
        f"use_earliest_offset: {s.spec.use_earliest_offset}",
        f"context: {dict(s.spec.context)}",
        f"consumer_properties: {dict(s.spec.consumer_properties)}",
    ]
    if s.spec.bounded_ranges:
        detail.append("bounded: " + ranges_text(s.spec.bounded_ranges))
    _emit(ctx, s, _supervisor_rows([s]), "\n".join(detail))


def _transition(name: str, method: str, help_text: str):
    @supervisors.command(name, help=help_text)
    @click.argument("supervisor_id")
    @click.option("--etag", default="", help="Only if the supervisor is still at this etag.")
    @click.pass_context
    def command(ctx, supervisor_id: str, etag: str) -> None:
        with _client(ctx) as client:
            s = _run(ctx, lambda: getattr(client, method)(supervisor_id, etag))
        _emit(ctx, s, _supervisor_rows([s]))

    return command


_transition("suspend", "suspend_supervisor", "Suspend: stop leasing tasks; keep checkpoints.")
_transition("resume", "resume_supervisor", "Resume a suspended supervisor from its checkpoints.")
_transition("terminate", "terminate_supervisor", "Terminate for good (history and checkpoints are kept).")


def _batch(name: str, action: str, help_text: str):
    @supervisors.command(name, help=help_text)
    @click.option("--state", "states", multiple=True, type=click.Choice(
        [n for n in STATE_NAMES.values() if n != "UNSPECIFIED"], case_sensitive=False), help="Only in these states.")
    @click.option("--type", "types", multiple=True, type=click.Choice(["KAFKA", "RABBITMQ_STREAM", "KINESIS"],
                                                                      case_sensitive=False), help="Only these types.")
    @click.option("--id", "ids", multiple=True, help="Only these supervisors (repeatable).")
    @click.option("--prefix", default="", help="Only ids starting with this.")
    @click.option("--all", "match_all", is_flag=True, help="No filter: every supervisor (must be said).")
    @click.option("--dry-run", is_flag=True, help="Show what would change; change nothing.")
    @click.pass_context
    def command(ctx, states, types, ids, prefix, match_all, dry_run) -> None:
        selection = svc.SupervisorFilter(
            states=[pb.SupervisorState.Value("SUPERVISOR_STATE_" + s.upper()) for s in states],
            stream_types=[pb.StreamType.Value("STREAM_TYPE_" + t.upper()) for t in types],
            supervisor_ids=list(ids), id_prefix=prefix, match_all=match_all)
        with _client(ctx) as client:
            response = _run(ctx, lambda: client.batch_change_state(action, selection, dry_run))
        rows = [[o.supervisor_id, STATE_NAMES.get(o.state_before), STATE_NAMES.get(o.state_after),
                 ("would change" if dry_run else "changed") if o.changed else f"skipped: {o.skip_reason}"]
                for o in response.outcomes]
        verb = "would change" if dry_run else "changed"
        _emit(ctx, response, (["SUPERVISOR", "BEFORE", "AFTER", "OUTCOME"], rows),
              f"{response.changed_count} of {len(response.outcomes)} selected {verb}")

    return command


_batch("suspend-all", "suspend", "Suspend every supervisor the filter selects (each audited on its own).")
_batch("resume-all", "resume", "Resume every suspended supervisor the filter selects.")
_batch("terminate-all", "terminate", "Terminate every supervisor the filter selects. Try --dry-run first.")


@supervisors.command("health")
@click.argument("supervisor_id")
@click.pass_context
def health(ctx, supervisor_id: str) -> None:
    """Whether one supervisor is healthy; exits 1 when it is not (for scripts and probes)."""
    with _client(ctx) as client:
        h = _run(ctx, lambda: client.get_supervisor_health(supervisor_id))
    _emit(ctx, h, (["SUPERVISOR", "HEALTHY", "STATE", "DETAIL"],
                   [[h.supervisor_id, "yes" if h.healthy else "no", STATE_NAMES.get(h.state), h.state_detail or "-"]]),
          f"grpc.health.v1 service: {h.health_service}")
    if not h.healthy:
        ctx.exit(1)


@supervisors.command("stats")
@click.argument("supervisor_id")
@click.pass_context
def stats(ctx, supervisor_id: str) -> None:
    """Per task: state, worker, phase, records processed (total and per second over 1/5/15 minutes), errors."""
    with _client(ctx) as client:
        r = _run(ctx, lambda: client.get_supervisor_stats(supervisor_id))
    phases = {0: "-", 1: "READING", 2: "PUBLISHING"}

    def rates(m) -> str:
        return f"{m.one_minute.processed:.1f}/{m.five_minutes.processed:.1f}/{m.fifteen_minutes.processed:.1f}"

    rows = [[t.task_id[:12], t.task_group, t.state, t.worker_id or "-", phases.get(t.phase, "?"), t.totals.processed,
             rates(t.moving_averages), t.totals.unparseable, t.totals.thrown_away,
             t.recent_errors[-1].message[:60] if t.recent_errors else ""] for t in r.tasks]
    _emit(ctx, r, (["TASK", "GROUP", "STATE", "WORKER", "PHASE", "PROCESSED", "PER SECOND 1m/5m/15m",
                    "UNPARSEABLE", "THROWN AWAY", "LAST ERROR"], rows),
          f"generation {r.generation}: {r.totals.processed} records processed, "
          f"{rates(r.moving_averages)} per second (1m/5m/15m)")


@supervisors.command("handoff")
@click.argument("supervisor_id")
@click.argument("task_groups", nargs=-1, required=True, type=int)
@click.pass_context
def handoff(ctx, supervisor_id: str, task_groups) -> None:
    """Early handoff: the workers of TASK_GROUPS publish what they hold now and hand their tasks back."""
    with _client(ctx) as client:
        r = _run(ctx, lambda: client.handoff_task_groups(supervisor_id, list(task_groups)))
    _emit(ctx, r, (["GROUP", "TASK", "OUTCOME"],
                   [[h.task_group, h.task_id or "-", "told at its next heartbeat" if h.requested
                     else "not leased: nothing to hand off"] for h in r.handoffs]))


@supervisors.command("history")
@click.argument("supervisor_id")
@click.option("--page-size", default=0)
@click.pass_context
def history(ctx, supervisor_id: str, page_size: int) -> None:
    """A supervisor's audit trail, newest first."""
    with _client(ctx) as client:
        events = _run(ctx, lambda: list(client.iter_history(supervisor_id, page_size)))
    rows = [[e.id, e.create_time.ToDatetime(timezone.utc).isoformat(timespec="seconds"), e.action, e.actor,
             f"{STATE_NAMES.get(e.state_before)}->{STATE_NAMES.get(e.state_after)}",
             f"{e.generation_before}->{e.generation_after}",
             changes_text(e.offset_changes),
             e.details_json if e.details_json != "{}" else ""] for e in events]
    _emit(ctx, svc.ListSupervisorHistoryResponse(events=events),
          (["ID", "TIME", "ACTION", "ACTOR", "STATE", "GENERATION", "OFFSETS", "DETAILS"], rows))


@main.command()
@click.argument("supervisor_id")
@click.pass_context
def offsets(ctx, supervisor_id: str) -> None:
    """Per partition: checkpoint, earliest, latest, lag."""
    with _client(ctx) as client:
        r = _run(ctx, lambda: client.get_offsets(supervisor_id))
    rows = [[partition_name(p), offset_text(exact(p, "checkpoint")), exact(p, "earliest"), exact(p, "latest"),
             exact(p, "lag"),
             spans_text([p.bounded_range]) if p.HasField("bounded_range") else "-",
             "CHECKPOINT_BEYOND_LATEST" if p.checkpoint_beyond_latest else "-"]
            for p in r.partitions]
    summary = f"total lag: {exact(r, 'total_lag')}"
    done, total = exact(r, "bounded_done"), exact(r, "bounded_total")
    if total:
        percent = 100 * done // total
        summary += f"  bounded progress: {done}/{total} ({percent}%)"
    beyond = [partition_name(p) for p in r.partitions if p.checkpoint_beyond_latest]
    if beyond:
        summary += (f"\nFAULT: the checkpoint of partition(s) {','.join(beyond)} is beyond the stream's latest offset "
                    "(topic recreated or truncated); see docs/api.md, 'Checkpoint beyond the stream'")
    _emit(ctx, r, (["PARTITION", "CHECKPOINT", "EARLIEST", "LATEST", "LAG", "BOUND", "FAULT"], rows), summary)


def _changes_table(changes) -> tuple[list[str], list[list]]:
    return ["PARTITION", "BEFORE", "AFTER"], [[partition_name(c), offset_text(exact(c, "before")),
                                               offset_text(exact(c, "after"))] for c in changes]


@main.command()
@click.argument("supervisor_id")
@click.option("--dry-run", is_flag=True, help="Show what would change; change nothing.")
@click.option("--request-id", default="", help="Idempotency key: a repeat does nothing again.")
@click.option("--plan-token", default="", help="The plan_token of a dry run: refuse if the supervisor changed since.")
@click.pass_context
def reset(ctx, supervisor_id: str, dry_run: bool, request_id: str, plan_token: str) -> None:
    """Hard reset: clear every checkpoint (restart from earliest/latest) and fence running tasks."""
    with _client(ctx) as client:
        r = _run(ctx, lambda: client.reset_supervisor(supervisor_id, request_id, dry_run, plan_token))
    _emit(ctx, r, _changes_table(r.changes), _reset_footer(r))


def _reset_footer(r) -> str:
    if r.dry_run:
        return (f"generation: {r.generation}  (dry run)\n"
                f"plan token: {r.plan_token}  (execute this plan with --plan-token)")
    return f"generation: {r.generation}"


def _plan_drift(previewed, executed) -> list[str]:
    """Per partition whose backfill range differs from the reviewed one: `P: reviewed [a, b) ran [c, d)`."""
    before = {partition_name(r): (exact(r, "start_offset"), exact(r, "end_offset")) for r in previewed}
    after = {partition_name(r): (exact(r, "start_offset"), exact(r, "end_offset")) for r in executed}
    def text(span):
        return f"[{span[0]},{span[1]})" if span else "-"
    return [f"{p}: reviewed {text(before.get(p))} ran {text(after.get(p))}"
            for p in sorted(set(before) | set(after), key=lambda n: (len(n), n)) if before.get(p) != after.get(p)]


def _parse_target(text: str) -> svc.PartitionResetTarget:
    """`P=OFFSET` or `P@TIMESTAMP` (ISO 8601, or milliseconds since the epoch). P is a partition number or
    name (e.g. a Kinesis shard id); OFFSET is of any size (sent as offset_decimal past int64)."""
    if "=" in text:
        partition, _, offset = text.partition("=")
        if not (offset.isascii() and offset.isdigit()):
            raise ValueError(text)
        return reset_target(_partition_arg(partition), offset=int(offset))
    if "@" in text:
        partition, _, when = text.partition("@")
        if when.isdigit():
            target = reset_target(_partition_arg(partition), timestamp=Timestamp())
            target.timestamp.FromMilliseconds(int(when))
        else:
            moment = datetime.fromisoformat(when.replace("Z", "+00:00"))
            target = reset_target(_partition_arg(partition),
                                  timestamp=moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc))
        return target
    raise ValueError(text)


def _partition_arg(text: str) -> int | str:
    """A partition as typed: a number, or a name the server resolves (partition_id)."""
    return int(text) if text.isascii() and text.isdigit() else text


@main.command("reset-offsets")
@click.argument("supervisor_id")
@click.argument("targets", nargs=-1, required=True)
@click.option("--dry-run", is_flag=True, help="Show the before/after table; change nothing.")
@click.option("--request-id", default="")
@click.option("--plan-token", default="", help="The plan_token of a dry run: refuse if the supervisor changed since.")
@click.pass_context
def reset_offsets(ctx, supervisor_id: str, targets, dry_run: bool, request_id: str, plan_token: str) -> None:
    """Set partitions' checkpoints: TARGETS are P=OFFSET or P@TIMESTAMP (e.g. 0=120 3@2026-11-24T10:00:00Z)."""
    try:
        parsed = [_parse_target(t) for t in targets]
    except ValueError as e:
        raise click.BadParameter(f"{e}: expected PARTITION=OFFSET or PARTITION@TIMESTAMP",
                                 param_hint="TARGETS") from None
    with _client(ctx) as client:
        r = _run(ctx, lambda: client.reset_offsets(supervisor_id, parsed, request_id, dry_run, plan_token))
    _emit(ctx, r, _changes_table(r.changes), _reset_footer(r))


@main.command("reset-to-latest-and-backfill")
@click.argument("supervisor_id")
@click.option("--backfill-task-count", type=int, default=None, help="Tasks for the backfill (default: inherit).")
@click.option("--dry-run", is_flag=True, help="Show the plan; change nothing.")
@click.option("--request-id", default="")
@click.option("--plan-token", default="", help="The plan_token of a dry run: refuse if the supervisor changed since.")
@click.pass_context
def reset_to_latest_and_backfill(ctx, supervisor_id, backfill_task_count, dry_run, request_id, plan_token) -> None:
    """Jump to the latest offsets and start a bounded backfill over the skipped range."""
    with _client(ctx) as client:
        r = _run(ctx, lambda: client.reset_to_latest_and_backfill(supervisor_id, backfill_task_count, request_id,
                                                                  dry_run, plan_token))
    ranges = {b.partition: b for b in r.backfill_ranges}
    lost = {u.partition: u for u in r.unrecoverable_ranges}
    rows = [[partition_name(c), offset_text(exact(c, "before")), offset_text(exact(c, "after")),
             spans_text([ranges[c.partition]]) if c.partition in ranges else "-",
             spans_text([lost[c.partition]]) if c.partition in lost else "-"]
            for c in r.changes]
    text = (f"backfill supervisor: {r.backfill_supervisor_id or '(none: nothing was skipped)'}\n"
            f"generation: {r.generation}" + ("  (dry run: nothing changed)" if r.dry_run else ""))
    if r.dry_run:
        text += f"\nplan token: {r.plan_token}  (execute this plan with --plan-token)"
    elif r.previewed_backfill_ranges:
        drift = _plan_drift(r.previewed_backfill_ranges, r.backfill_ranges)
        if drift:
            text += "\nbackfill ranges since the review (ingestion went on): " + "; ".join(drift)
    _emit(ctx, r, (["PARTITION", "BEFORE", "AFTER", "BACKFILL", "UNRECOVERABLE"], rows), text)


# Data-plane commands live in their own module; importing it registers them on `main`.
# (Run the CLI as `streamvisor` or `python -m streamvisor`: under `python -m streamvisor.cli.main` this
# module would be __main__ and the registration would land on another copy of it.)
from streamvisor.cli import dataplane, demo  # noqa: E402,F401
