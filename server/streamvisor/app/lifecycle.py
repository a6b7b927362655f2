"""Lifecycle use cases: create, read, list, update, suspend, resume, terminate, history."""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Callable, Sequence

from streamvisor import logs
from streamvisor.app.leasing import reading_set_of
from streamvisor.app.core import ANONYMOUS, Core
from streamvisor.app.results import ranges_json
from streamvisor.domain.formatting import ranges_text
from streamvisor.domain import pagination
from streamvisor.domain.errors import AlreadyExists, FieldViolation, InvalidArgument, Violations
from streamvisor.domain.model import (
    StreamType, Supervisor, SupervisorSpec, SupervisorState, check_etag, check_immutable,
    require_partitions_exist, require_valid_id, validate_supervisor_id,
)
from streamvisor.domain.offsets import check_bounded_start_retained
from streamvisor.domain.ports import AuditEvent

log = logging.getLogger("streamvisor.supervisors")


class Lifecycle:
    def __init__(self, core: Core):
        self.core = core

    def create(self, supervisor_id: str, spec: SupervisorSpec, validate_only: bool = False,
               actor: str = ANONYMOUS) -> Supervisor:
        core = self.core
        # The kind decides which server defaults apply and adds its own rules to the generic ones.
        spec = core.streams.with_defaults(spec, core.defaults)
        violations = core.streams.validate(spec)
        validate_supervisor_id(supervisor_id, "supervisor_id", violations)
        violations.raise_if_any()
        adapter = core.streams.for_spec(spec)
        partitions = tuple(adapter.partitions(spec.stream))
        violations = Violations()
        unknown = require_partitions_exist(spec.bounded_ranges, partitions, violations)
        violations.raise_if_any(reason="UNKNOWN_PARTITION", metadata={"partition": unknown[0]} if unknown else None)
        if spec.is_bounded:
            partitions = tuple(sorted(r.partition for r in spec.bounded_ranges))
            check_bounded_start_retained(spec, adapter.watermarks(spec.stream, partitions).earliest)
        now = core.clock()
        starts = {r.partition: r.start for r in spec.bounded_ranges}
        if core.streams.has_lineage(spec.stream_type):
            # Only the shards that may be read now: the roots (from the earliest) or the open shards (from the
            # latest), a bounded range's shards whose parents in the range are done (app/leasing.py).
            partitions = reading_set_of(adapter, spec, starts).partitions
        supervisor = Supervisor(
            id=supervisor_id, spec=spec,
            state=SupervisorState.COMPLETED if spec.is_complete(starts) else SupervisorState.RUNNING,
            generation=1, version=1, partitions=partitions, create_time=now, update_time=now)
        # What tells this stream from one created again under its name later (Kafka's topic id), if the kind
        # has it: the scheduler compares it with the stream's from then on.
        identity = None if validate_only else adapter.identities([spec.stream]).get(spec.stream)
        if validate_only:
            with core.store.read() as tx:
                if tx.get_supervisor(supervisor_id) is not None:
                    raise AlreadyExists("SUPERVISOR_ALREADY_EXISTS", f"supervisor {supervisor_id!r} already exists",
                                        {"supervisor_id": supervisor_id})
            return supervisor
        with core.store.transaction() as tx:
            tx.insert_supervisor(supervisor)
            if identity is not None:
                tx.set_stream_identity(supervisor_id, identity, now)
            if spec.is_bounded:
                tx.set_checkpoints(supervisor_id, starts)
            core.audit(tx, None, supervisor, "CREATE", actor,
                       details={"stream": spec.stream, "partitions": len(partitions),
                                "bounded_ranges": ranges_json(list(spec.bounded_ranges))})
        logs.info(log, "supervisor created", supervisor_id=supervisor_id, stream=spec.stream,
                  partitions=len(partitions), task_count=spec.task_count, state=supervisor.state.value,
                  bounded=ranges_text(list(spec.bounded_ranges)), identity=identity or "-")
        return supervisor

    def get(self, supervisor_id: str) -> Supervisor:
        require_valid_id(supervisor_id)
        with self.core.store.read() as tx:
            return self.core.require(tx, supervisor_id)

    def list(self, page_size: int, page_token: str, states: Sequence[SupervisorState],
             stream_types: Sequence[StreamType]) -> tuple[list[Supervisor], str]:
        size = pagination.page_size(page_size)
        query = {"states": sorted(s.value for s in states), "types": sorted(s.value for s in stream_types)}
        after = pagination.decode_token(page_token, query)
        if after is not None and not isinstance(after, str):
            raise InvalidArgument([FieldViolation("page_token", "is not a token this server issued")],
                                  reason="INVALID_PAGE_TOKEN", metadata={"page_token": page_token[:64]})
        with self.core.store.read() as tx:
            rows = tx.list_supervisors(after, size + 1, frozenset(states), frozenset(stream_types))
        page, more = rows[:size], len(rows) > size
        return page, pagination.encode_token(page[-1].id, query) if more else ""

    def update(self, supervisor_id: str, spec: SupervisorSpec, etag: str, actor: str = ANONYMOUS) -> Supervisor:
        core = self.core
        require_valid_id(supervisor_id)
        spec = core.streams.with_defaults(spec, core.defaults)
        core.streams.validate(spec).raise_if_any()
        with core.store.read() as tx:
            current = core.require(tx, supervisor_id)
        check_etag(current, etag, required=True)
        check_immutable(current.spec, spec)
        current.require_mutable("UPDATE")
        # A new connection config must reach the stream before it replaces a working one.
        core.streams.for_spec(spec).partitions(spec.stream)
        with core.store.transaction() as tx:
            before = core.require(tx, supervisor_id, lock=True)
            check_etag(before, etag, required=True)
            after = before.with_spec(spec, core.clock())
            tx.update_supervisor(after)
            core.audit(tx, before, after, "UPDATE", actor,
                       details={"task_count_before": before.spec.task_count, "task_count_after": spec.task_count})
        logs.info(log, "supervisor updated", supervisor_id=supervisor_id,
                  generation=f"{before.generation}->{after.generation}",
                  task_count=f"{before.spec.task_count}->{spec.task_count}")
        return after

    _APPLY: dict[str, Callable[[Supervisor, datetime], Supervisor]] = {
        "SUSPEND": Supervisor.suspended, "RESUME": Supervisor.resumed, "TERMINATE": Supervisor.terminated}

    def transition(self, supervisor_id: str, action: str, actor: str = ANONYMOUS, etag: str = "",
                   details: dict | None = None) -> Supervisor:
        """SUSPEND, RESUME or TERMINATE one supervisor in its own transaction, under its row lock, with
        its audit event (the bulk actions call this once per supervisor)."""
        core = self.core
        require_valid_id(supervisor_id)
        with core.store.transaction() as tx:
            before = core.require(tx, supervisor_id, lock=True)
            check_etag(before, etag, required=False)
            after = self._APPLY[action](before, core.clock())
            tx.update_supervisor(after)
            core.audit(tx, before, after, action, actor, details=details)
        logs.info(log, "supervisor state changed", supervisor_id=supervisor_id, action=action,
                  state=f"{before.state.value}->{after.state.value}", generation=after.generation,
                  **({"bulk": True} if details and details.get("bulk") else {}))
        return after

    def suspend(self, supervisor_id: str, etag: str = "", actor: str = ANONYMOUS) -> Supervisor:
        return self.transition(supervisor_id, "SUSPEND", actor, etag)

    def resume(self, supervisor_id: str, etag: str = "", actor: str = ANONYMOUS) -> Supervisor:
        return self.transition(supervisor_id, "RESUME", actor, etag)

    def terminate(self, supervisor_id: str, etag: str = "", actor: str = ANONYMOUS) -> Supervisor:
        return self.transition(supervisor_id, "TERMINATE", actor, etag)

    def history(self, supervisor_id: str, page_size: int, page_token: str) -> tuple[list[AuditEvent], str]:
        require_valid_id(supervisor_id)
        size = pagination.page_size(page_size)
        query = {"history": supervisor_id}
        before = pagination.decode_token(page_token, query)
        if before is not None and not isinstance(before, int):
            raise InvalidArgument([FieldViolation("page_token", "is not a token this server issued")],
                                  reason="INVALID_PAGE_TOKEN", metadata={"page_token": page_token[:64]})
        with self.core.store.read() as tx:
            self.core.require(tx, supervisor_id)
            events = tx.list_audit_events(supervisor_id, before, size + 1)
        page, more = events[:size], len(events) > size
        return page, pagination.encode_token(page[-1].id, query) if more else ""
