"""Leasing after parents: for a stream whose partitions split and merge (Kinesis), the partitions a
supervisor's tasks contain are only the *leasable* shards - those whose parents are finished
(domain.lineage.reading_set, the rule of the KCL and of Flink's Kinesis source).

A supervisor's `partitions` is that set. When a parent finishes (its checkpoint reached its end), the set
grows: `replan` writes the new set and a new generation in one transaction under the row lock, so the old
tasks are fenced and the next leases carry the children - a child is never read before its parents' last
records are checkpointed. New children that descend from what the supervisor read start at their own start,
written in the same transaction (never at the latest: that would skip what they got since the close).

When it runs (DESIGN.md, "Cost": nothing at rest). The scheduler settles a supervisor when it is marked:
every supervisor write marks it, and so does every accepted commit of a supervisor of such a kind (a
commit is what can finish a closed shard: Commits.publish). Plus the periodic sweep, for every active
supervisor of such a kind. A settle costs one ListShards; the ends of closed shards are read once and
cached by the adapter (they never change). Nothing runs per pass per partition."""
from __future__ import annotations

import logging
from typing import Any, Mapping

from streamvisor import logs
from streamvisor.app.core import ACTIVE_STATES, Core
from streamvisor.domain.formatting import offsets_text
from streamvisor.domain.lineage import ReadingSet, reading_set
from streamvisor.domain.model import Supervisor, SupervisorSpec

log = logging.getLogger("streamvisor.scheduler")


def bounds_of(spec: SupervisorSpec) -> dict[int, int] | None:
    return {r.partition: r.end for r in spec.bounded_ranges} if spec.is_bounded else None


def reading_set_of(adapter: Any, spec: SupervisorSpec, checkpoints: Mapping[int, int]) -> ReadingSet:
    """The pure rule over what the stream lists now. The closed shards' ends are read only for the closed
    shards the supervisor checkpointed (cached by the adapter after the first read)."""
    shards = adapter.shards(spec.stream)
    bounds = bounds_of(spec)
    closed = [s for s in checkpoints if s in shards and shards[s].closed]
    ends = {}
    if bounds is None and closed:
        ends = {s: e.end for s, e in adapter.lineage(spec.stream, closed).extents.items()}
    return reading_set(shards, ends, checkpoints, spec.use_earliest_offset, bounds)


class Leasing:
    def __init__(self, core: Core):
        self.core = core

    def applies(self, supervisor: Supervisor) -> bool:
        return self.core.streams.has_lineage(supervisor.spec.stream_type)

    def replan(self, supervisor: Supervisor) -> Supervisor:
        """The supervisor with its leasable set up to date (written, with a new generation, if it grew)."""
        if not self.applies(supervisor) or supervisor.state not in ACTIVE_STATES:
            return supervisor
        core = self.core
        with core.store.read() as tx:
            checkpoints = tx.get_checkpoints(supervisor.id)
        found = reading_set_of(core.streams.for_spec(supervisor.spec), supervisor.spec, checkpoints)
        if found.expired_parents:
            logs.warning(log, "parent shards expired before they were read to their ends",
                         supervisor_id=supervisor.id, stream=supervisor.spec.stream,
                         partitions=",".join(map(str, found.expired_parents)),
                         checkpoints=offsets_text({p: checkpoints[p] for p in found.expired_parents}))
        new = [p for p in found.partitions if p not in supervisor.partitions]
        if not new or not found.partitions:
            return supervisor  # nothing joined: finished shards may stay listed until something does
        with core.store.transaction() as tx:
            current = tx.get_supervisor(supervisor.id, lock=True)
            if current is None or current.version != supervisor.version:
                return current or supervisor  # changed meanwhile: the mark of that write re-plans it
            # Commits that landed since the read only advanced checkpoints, which can only finish more shards:
            # the set computed above is still leasable (never a child of an unfinished parent). Writing it
            # anyway keeps a busy supervisor from never being re-planned; the commits' marks re-plan again.
            stored = tx.get_checkpoints(supervisor.id)
            starts = {p: o for p, o in found.starts.items() if p not in stored}
            if starts:
                tx.set_checkpoints(supervisor.id, starts)
            after = current.changed(core.clock(), partitions=tuple(found.partitions),
                                    generation=current.generation + 1)
            tx.update_supervisor(after)
            core.audit(tx, current, after, "LEASE_CHILD_SHARDS", "scheduler",
                       details={"partitions_before": list(current.partitions), "partitions": list(after.partitions),
                                "starts": {str(p): o for p, o in starts.items()}})
        logs.info(log, "child shards leasable", supervisor_id=supervisor.id, stream=supervisor.spec.stream,
                  generation=f"{current.generation}->{after.generation}",
                  partitions=",".join(map(str, after.partitions)), joined=",".join(map(str, new)),
                  starts=offsets_text(starts) if starts else "-")
        return after
