"""The small core every use-case family shares: the ports, the clock, the observer, and the three steps
every change takes - find the supervisor (under its row lock), write the audit event, and remember an
idempotent response. The families (lifecycle, offsets, resets, coverage, tasks, scheduling) each take one
Core and reach nothing private of one another."""
from __future__ import annotations

import hashlib
import json
import logging
import secrets
from datetime import datetime, timezone
from typing import Callable, Iterator, Mapping

from streamvisor import logs
from streamvisor.app.results import ResetResult
from streamvisor.domain.errors import FieldViolation, InvalidArgument, NotFound
from streamvisor.domain.model import Supervisor, SupervisorState
from streamvisor.domain.ports import AuditEvent, MetadataStore, StoredRequest, StreamKinds, Transaction

log = logging.getLogger("streamvisor.supervisors")

ANONYMOUS = "anonymous"
# States whose health the server watches (and may flip between them).
ACTIVE_STATES = frozenset({SupervisorState.RUNNING, SupervisorState.UNHEALTHY})


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Observer:
    """Hooks for counters (metrics) on events the application sees; the default does nothing.

    The metrics adapter subclasses it; the application never imports a metrics library.
    """

    def commit_accepted(self, supervisor_id: str) -> None: ...

    def commit_rejected(self, supervisor_id: str, reason: str) -> None: ...

    def lease_expired(self, supervisor_id: str, task_id: str) -> None: ...

    def task_reported(self, supervisor_id: str, delta) -> None:
        """A heartbeat's report added `delta` (domain.stats.Counters) to the task's totals."""


def fingerprint(method: str, args: Mapping[str, object]) -> str:
    """What a request_id is bound to: the method and its (canonical) arguments."""
    return hashlib.sha256(json.dumps({"m": method, "a": args}, sort_keys=True).encode()).hexdigest()


class Core:
    def __init__(
        self,
        store: MetadataStore,
        streams: StreamKinds,
        default_consumer_properties: Mapping[str, str] | None = None,
        clock: Callable[[], datetime] = utcnow,
        new_suffix: Callable[[], str] = lambda: secrets.token_hex(4),
        observer: Observer | None = None,
    ):
        self.store = store
        self.streams = streams
        self.defaults = dict(default_consumer_properties or {})
        self.clock = clock
        self.new_suffix = new_suffix
        self.observer = observer or Observer()

    @staticmethod
    def require(tx: Transaction, supervisor_id: str, lock: bool = False) -> Supervisor:
        """The supervisor, or NOT_FOUND. With lock=True its row lock is held until the transaction ends."""
        supervisor = tx.get_supervisor(supervisor_id, lock=lock)
        if supervisor is None:
            raise NotFound("SUPERVISOR_NOT_FOUND", f"supervisor {supervisor_id!r} not found",
                           {"supervisor_id": supervisor_id})
        return supervisor

    @staticmethod
    def family(tx: Transaction, supervisor_id: str) -> list[str]:
        """The supervisor and its backfills, recursively (a backfill of a backfill included), parents first."""
        ids, frontier = [supervisor_id], [supervisor_id]
        while frontier:
            children = [b.id for parent in frontier for b in tx.list_backfills(parent)]
            ids += children
            frontier = children
        return ids

    @staticmethod
    def family_root(tx: Transaction, supervisor: Supervisor) -> str:
        """The supervisor a backfill (recursively) was made from, or the supervisor itself: where a sink
        writes the family's output, so that a reader reads one place per pipeline."""
        seen = {supervisor.id}
        while supervisor.backfill_of:
            parent = tx.get_supervisor(supervisor.backfill_of)
            if parent is None or parent.id in seen:  # never deleted today; a cycle cannot be made: be safe
                break
            seen.add(parent.id)
            supervisor = parent
        return supervisor.id

    def supervisors_in(self, states: frozenset[SupervisorState], page: int = 500) -> Iterator[Supervisor]:
        """Every supervisor in `states` (empty: all), by id, a page per read transaction (never one long one)."""
        after = None
        while True:
            with self.store.read() as tx:
                rows = tx.list_supervisors(after, page, states, frozenset())
            yield from rows
            if len(rows) < page:
                return
            after = rows[-1].id

    def audit(self, tx: Transaction, before: Supervisor | None, after: Supervisor, action: str, actor: str,
              request_id: str = "", changes=(), details: Mapping[str, object] | None = None) -> None:
        tx.add_audit_event(AuditEvent(
            supervisor_id=after.id, action=action, actor=actor, create_time=self.clock(),
            request_id=request_id,
            state_before=before.state if before else None, state_after=after.state,
            generation_before=before.generation if before else 0, generation_after=after.generation,
            offset_changes=tuple(changes), details=details or {},
        ))

    @staticmethod
    def replay(tx: Transaction, request_id: str, method: str, request_fingerprint: str) -> ResetResult | None:
        """The first response to `request_id`, or None if it is new. Reuse for another body is rejected."""
        if not request_id:
            return None
        stored = tx.get_request(request_id)
        if stored is None:
            return None
        if stored.method != method or stored.fingerprint != request_fingerprint:
            raise InvalidArgument(
                [FieldViolation("request_id", "was already used for a different request")],
                reason="REQUEST_ID_REUSED", metadata={"request_id": request_id})
        logs.info(log, "request replayed", request_id=request_id, method=method)
        return ResetResult.from_json(dict(stored.response))

    def remember(self, tx: Transaction, request_id: str, method: str, request_fingerprint: str,
                 result: ResetResult) -> None:
        """Stores the response in the same transaction as the change, so a repeat can never act twice."""
        if request_id:
            tx.save_request(StoredRequest(request_id, method, request_fingerprint, result.to_json()), self.clock())
