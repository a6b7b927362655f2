"""Offsets and health: what GetOffsets shows, and the RUNNING <-> UNHEALTHY changes the server makes
when it finds a supervisor's stream unreachable or a checkpoint beyond the stream."""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Any, Callable, NamedTuple

from streamvisor import logs
from streamvisor.app.core import ACTIVE_STATES, ANONYMOUS, Core
from streamvisor.domain.lineage import lineage_offsets_view
from streamvisor.domain.model import Supervisor, SupervisorState, require_valid_id
from streamvisor.domain.offsets import (
    CheckpointFault, OffsetsView, checkpoint_faults, fault_detail, faulted_for_checkpoints, offsets_view,
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

    def set_health(self, supervisor_id: str, healthy: bool, detail: str, actor: str = "scheduler") -> Supervisor | None:
        """RUNNING <-> UNHEALTHY(detail), with an audit event, for a supervisor that is still active.
        Returns the supervisor after the change, or None when there was nothing to change."""
        core = self.core
        with core.store.transaction() as tx:
            current = tx.get_supervisor(supervisor_id, lock=True)
            if current is None or current.state not in ACTIVE_STATES:
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
        leased, so nothing is skipped); once no partition is beyond, that detail is cleared again."""
        if faults:
            logs.warning(log, "checkpoint beyond the stream's latest offset", supervisor_id=supervisor.id,
                         stream=supervisor.spec.stream,
                         faults=",".join(f"{f.partition}:{f.checkpoint}>{f.latest}" for f in faults))
            self.set_health(supervisor.id, healthy=False, detail=fault_detail(faults), actor=actor)
        elif faulted_for_checkpoints(supervisor):
            self.set_health(supervisor.id, healthy=True, detail="", actor=actor)

    def check_checkpoints(self, supervisor_id: str, actor: str = "scheduler") -> list[CheckpointFault]:
        """Compares the checkpoints with the stream's latest offsets and updates the supervisor's health.
        Checkpoints are read first: a commit landing in between can then only make latest larger."""
        supervisor, checkpoints, marks, _ = self.positions(supervisor_id)
        faults = checkpoint_faults(supervisor.partitions, checkpoints, marks.latest)
        if faults:
            self.confirm_stream_exists(supervisor)
        self.report_faults(supervisor, faults, actor)
        return faults
