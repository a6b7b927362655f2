"""Offsets and health: what GetOffsets shows, and the RUNNING <-> UNHEALTHY changes the server makes
when it finds a supervisor's stream unreachable, a checkpoint beyond the stream, or the stream recreated."""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Any, Callable, NamedTuple, Sequence

from streamvisor import logs
from streamvisor.app.core import ACTIVE_STATES, ANONYMOUS, Core
from streamvisor.domain.lineage import lineage_offsets_view
from streamvisor.domain.model import Supervisor, SupervisorState, require_valid_id
from streamvisor.domain.errors import DomainError
from streamvisor.domain.offsets import (
    CHECKPOINT_BEYOND_LATEST, STREAM_RECREATED, CheckpointFault, OffsetsView, checkpoint_faults,
    fault_detail, faulted_for_checkpoints, faulted_for_stream, has_latched_fault, offsets_view, stream_recreated_detail,
)
from streamvisor.domain.ports import Watermarks

log = logging.getLogger("streamvisor.supervisors")


class Positions(NamedTuple):
    """A supervisor, its checkpoints, and then its stream's watermarks (and, for a stream with lineage,
    every listed shard with its extent: Kinesis' GetOffsets shows them all)."""
    supervisor: Supervisor
    checkpoints: dict[int, int]
    marks: Watermarks
    lineage: Any = None

    def view(self) -> OffsetsView:
        if self.lineage is not None:
            spec = self.supervisor.spec
            bounds = {r.partition: r for r in spec.bounded_ranges} if spec.is_bounded else None
            return lineage_offsets_view(bounds, spec.use_earliest_offset, self.checkpoints, self.lineage.shards,
                                        self.lineage.extents)
        return offsets_view(self.supervisor, self.checkpoints, self.marks.earliest, self.marks.latest)


class Offsets:
    def __init__(self, core: Core):
        self.core = core

    def positions(self, supervisor_id: str,
                  wanted: Callable[[Supervisor], bool] | None = None) -> Positions | None:
        """The supervisor and its checkpoints (one read), and its stream's watermarks, such that a checkpoint
        is beyond latest only if it really is (see CheckpointFault). Without `wanted` a missing supervisor
        is NOT_FOUND; with it, a missing one or one `wanted` refuses is None, and the stream is not asked.

        The order that makes this true is "checkpoints, then watermarks": a commit landing in between can
        only make latest larger. An adapter with `start_watermarks` (Kafka) has its requests sent as soon
        as the supervisor row says which stream, and the checkpoints are read while they are in flight
        (the read and the round trip overlap instead of adding up). A commit can then land after the broker
        answered and before the checkpoints were read, so every partition whose checkpoint came back above
        that latest is asked again, after the read: the second answer is in the order above. At rest no
        checkpoint is beyond latest, and nothing is asked twice."""
        core = self.core
        with core.store.read() as tx:
            if wanted is None:
                supervisor = core.require(tx, supervisor_id)
            else:
                supervisor = tx.get_supervisor(supervisor_id)
                if supervisor is None or not wanted(supervisor):
                    return None
            adapter = core.streams.for_spec(supervisor.spec)
            stream = supervisor.spec.stream
            start = getattr(adapter, "start_watermarks", None)  # optional: the other adapters ask afterwards
            collect = start(stream, supervisor.partitions) if start is not None else None
            checkpoints = tx.get_checkpoints(supervisor_id)
        if core.streams.has_lineage(supervisor.spec.stream_type):
            # One read of every listed shard; the watermarks of the supervisor's partitions come from it.
            lineage = adapter.lineage(stream)
            extents = lineage.extents
            marks = Watermarks({p: extents[p].earliest for p in supervisor.partitions if p in extents},
                               {p: extents[p].end for p in supervisor.partitions if p in extents})
            return Positions(supervisor, checkpoints, marks, lineage)
        if collect is None:
            return Positions(supervisor, checkpoints, adapter.watermarks(stream, supervisor.partitions))
        marks = collect()
        early = [p for p, offset in checkpoints.items() if p in marks.latest and offset > marks.latest[p]]
        if early:
            again = adapter.watermarks(stream, early)
            marks = Watermarks({**marks.earliest, **again.earliest}, {**marks.latest, **again.latest})
        return Positions(supervisor, checkpoints, marks)

    def get_offsets(self, supervisor_id: str, actor: str = ANONYMOUS) -> tuple[Supervisor, OffsetsView, datetime]:
        require_valid_id(supervisor_id)
        positions = self.positions(supervisor_id)
        supervisor = positions.supervisor
        read_time = self.core.clock()
        view = positions.view()
        if view.faults:
            self.confirm_stream_exists(supervisor)
            if supervisor.state in ACTIVE_STATES:
                self.report_faults(supervisor, view.faults, actor)
        return supervisor, view, read_time

    def confirm_stream_exists(self, supervisor: Supervisor) -> None:
        """Raises STREAM_NOT_FOUND if the stream is gone. Right after a topic is deleted its partitions may
        still answer earliest = latest = 0 for a moment: that is a missing stream, not a checkpoint beyond
        a recreated one. Asked only when a fault was seen, so it costs nothing otherwise."""
        self.core.streams.for_spec(supervisor.spec).partitions(supervisor.spec.stream)

    def set_health(self, supervisor_id: str, healthy: bool, detail: str, actor: str = "scheduler",
                   clears: str = "", recorded: str | None = None) -> Supervisor | None:
        """RUNNING <-> UNHEALTHY(detail), with an audit event, for a supervisor that is still active.
        `clears`: change only an UNHEALTHY whose detail starts with it (the caller read an older state). The
        faults that need a look at the stream to clear (LATCHED_FAULTS) change only by naming them there -
        reaching the stream again does not mend them - except that a checkpoint fault's own detail may be
        renewed. `recorded`: change only while the recorded stream identity is still this one (the verdict
        was drawn from it, and a reset may have recorded another since). Returns the supervisor after the
        change, or None when there was nothing to change."""
        core = self.core
        with core.store.transaction() as tx:
            current = tx.get_supervisor(supervisor_id, lock=True)
            if current is None or current.state not in ACTIVE_STATES:
                return None
            unhealthy = current.state is SupervisorState.UNHEALTHY
            if clears and not (unhealthy and current.state_detail.startswith(clears)):
                return None
            latched = has_latched_fault(current)
            renewed = not healthy and detail.startswith(CHECKPOINT_BEYOND_LATEST) and \
                current.state_detail.startswith(CHECKPOINT_BEYOND_LATEST)
            if latched and not clears and not renewed:
                return None
            if recorded is not None and tx.get_stream_identities([supervisor_id]).get(supervisor_id) != recorded:
                return None
            wanted = SupervisorState.RUNNING if healthy else SupervisorState.UNHEALTHY
            if current.state is wanted and current.state_detail == detail:
                return None
            after = current.changed(core.clock(), state=wanted, state_detail=detail)
            tx.update_supervisor(after)
            core.audit(tx, current, after, "HEALTH", actor, details={"detail": detail})
        logs.warning(log, "supervisor health changed", supervisor_id=supervisor_id,
                     state=f"{current.state.value}->{wanted.value}", detail=detail or "-")
        return after

    def report_faults(self, supervisor: Supervisor, faults: list[CheckpointFault], actor: str) -> None:
        """A checkpoint beyond the stream makes an active supervisor UNHEALTHY (its tasks stop being
        leased, so nothing is skipped); once no partition is beyond, that detail is cleared again - unless
        the stream is another one by now (recreated, and grown past the checkpoints, or some of them reset
        alone): then the fault becomes STREAM_RECREATED, which only a reset of every partition clears."""
        if faults:
            logs.warning(log, "checkpoint beyond the stream's latest offset", supervisor_id=supervisor.id,
                         stream=supervisor.spec.stream,
                         faults=",".join(f"{f.partition}:{f.checkpoint}>{f.latest}" for f in faults))
            self.set_health(supervisor.id, healthy=False, detail=fault_detail(faults), actor=actor)
        elif faulted_for_checkpoints(supervisor):
            if self.check_identities_quietly([supervisor], actor, clears=CHECKPOINT_BEYOND_LATEST):
                return
            self.set_health(supervisor.id, healthy=True, detail="", actor=actor, clears=CHECKPOINT_BEYOND_LATEST)

    def check_checkpoints(self, supervisor_id: str, actor: str = "scheduler") -> list[CheckpointFault]:
        """Compares the checkpoints with the stream's latest offsets and updates the supervisor's health.
        Checkpoints are read first: a commit landing in between can then only make latest larger."""
        supervisor, checkpoints, marks, _ = self.positions(supervisor_id)
        faults = checkpoint_faults(supervisor.partitions, checkpoints, marks.latest)
        if faults:
            self.confirm_stream_exists(supervisor)
        elif not faulted_for_checkpoints(supervisor) and self.check_identities_quietly([supervisor], actor):
            return faults  # recreated and already grown past the checkpoints: not beyond, still not ours
        self.report_faults(supervisor, faults, actor)
        return faults

    # Stream identity --------------------------------------------------------------------------------
    def check_identities(self, supervisors: Sequence[Supervisor], actor: str = "scheduler",
                         clears: str = "") -> dict[str, tuple[str, str]]:
        """Compares each supervisor's stream identity (StreamAdapter.identities: Kafka's topic id) with the
        one recorded for it. Records it where none is (a supervisor created before identities were kept, or
        whose reset could not read it) - not while a checkpoint is beyond the stream, the likeliest sign of
        a recreation; makes one whose stream was created again UNHEALTHY (STREAM_RECREATED: only a reset of
        every partition clears it; `clears` names a latched fault it may replace); heals a STREAM_RECREATED
        only where the identity was just recorded, never because the old one is answered again (a broker's
        stale metadata). One call per connection, all sent before any is waited for; a stream missing now
        is left alone (STREAM_NOT_FOUND is for the other checks). Returns, per recreated supervisor,
        (identity now, recorded identity). Raises Unavailable when a broker does not answer."""
        core = self.core
        groups: dict[int, tuple[Any, list[Supervisor]]] = {}
        for s in supervisors:
            adapter = core.streams.for_spec(s.spec)
            groups.setdefault(id(adapter), (adapter, []))[1].append(s)
        pending = [(_start_identities(adapter, sorted({s.spec.stream for s in group})), group)
                   for adapter, group in groups.values()]
        found: dict[str, str] = {}
        for collect, group in pending:
            identities = collect()
            found.update({s.id: identities[s.spec.stream] for s in group if s.spec.stream in identities})
        if not found:
            return {}
        with core.store.read() as tx:
            recorded = tx.get_stream_identities(sorted(found))
        learned = {s.id: found[s.id] for s in supervisors
                   if s.id in found and s.id not in recorded and not faulted_for_checkpoints(s)}
        if learned:
            now = core.clock()
            with core.store.transaction() as tx:
                for sid, identity in learned.items():
                    tx.set_stream_identity(sid, identity, now, only_if_absent=True)
            for s in supervisors:
                if s.id in learned:
                    logs.info(log, "stream identity recorded", supervisor_id=s.id, stream=s.spec.stream,
                              identity=learned[s.id])
        recreated = {}
        for s in supervisors:
            identity, was = found.get(s.id), recorded.get(s.id)
            if identity is None:
                continue
            if was is not None and was != identity:
                recreated[s.id] = (identity, was)
                detail = stream_recreated_detail(s.spec.stream, identity, was)
                if self.set_health(s.id, healthy=False, detail=detail, actor=actor, clears=clears,
                                   recorded=was) is not None:
                    logs.warning(log, "stream recreated under the supervisor: no task is leased until a reset",
                                 supervisor_id=s.id, stream=s.spec.stream, identity=identity, recorded=was)
            elif s.id in learned and faulted_for_stream(s):
                self.set_health(s.id, healthy=True, detail="", actor=actor, clears=STREAM_RECREATED)
        return recreated

    def check_identities_quietly(self, supervisors: Sequence[Supervisor], actor: str,
                                 clears: str = "") -> dict[str, tuple[str, str]]:
        """check_identities where a broker that does not answer the identity call leaves the decision to the
        other checks (they need the broker too) or to the next look."""
        try:
            return self.check_identities(supervisors, actor, clears)
        except DomainError as e:
            logs.info(log, "stream identity check did not run", supervisor_id=",".join(s.id for s in supervisors),
                      reason=e.reason)
            return {}


def _start_identities(adapter, streams: list[str]) -> Callable[[], dict[str, str]]:
    """The adapter's identity call, sent now and answered by the returned call (Kafka sends its request at
    once: one slow cluster then costs one timeout, not one per cluster)."""
    start = getattr(adapter, "start_identities", None)
    if start is not None:
        return start(streams)
    return lambda: adapter.identities(streams)
