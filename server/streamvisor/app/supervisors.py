"""The operators' application, assembled from its use-case families over one shared Core:

- lifecycle.Lifecycle   create, get, list, update, suspend, resume, terminate, history
- offsets.Offsets       GetOffsets, and the health changes the server makes itself
- resets.Resets         ResetSupervisor, ResetOffsets, ResetToLatestAndBackfill
- coverage.Coverage     GetCoverage
- bulk.BulkActions      suspend, resume, terminate every supervisor a filter selects
- health.Health         one supervisor's health, for probes
- stats.Stats           GetSupervisorStats: tasks and what their workers reported
- handoff.Handoffs      HandoffTaskGroups: early publishing
- segments.Segments     ListSegments
- tasks.Commits         the commit compare-and-swap (TaskService and the scheduler live in tasks / scheduler)

SupervisorService only wires them and forwards: the servicer (and tests) have one object to call, and each
family stays a module of its own that reaches nothing private of another.
"""
from __future__ import annotations

import secrets
from datetime import datetime
from typing import Callable, Mapping

from streamvisor.app.core import ACTIVE_STATES, ANONYMOUS, Core, Observer, utcnow
from streamvisor.app.bulk import BulkActions
from streamvisor.app.coverage import Coverage
from streamvisor.app.handoff import Handoffs
from streamvisor.app.health import Health
from streamvisor.app.lifecycle import Lifecycle
from streamvisor.app.offsets import Offsets
from streamvisor.app.resets import Resets
from streamvisor.app.stats import Stats
from streamvisor.app.segments import Segments
from streamvisor.app.tasks import Commits
from streamvisor.domain.offsets import ResetTarget
from streamvisor.domain.ports import MetadataStore, StreamKinds

__all__ = ["ACTIVE_STATES", "ANONYMOUS", "Observer", "ResetTarget", "SupervisorService", "utcnow"]


class SupervisorService:
    def __init__(
        self,
        store: MetadataStore,
        streams: StreamKinds,
        default_consumer_properties: Mapping[str, str] | None = None,
        clock: Callable[[], datetime] = utcnow,
        new_suffix: Callable[[], str] = lambda: secrets.token_hex(4),
        observer: Observer | None = None,
    ):
        self.core = Core(store, streams, default_consumer_properties, clock, new_suffix, observer)
        self.lifecycle = Lifecycle(self.core)
        self.offsets = Offsets(self.core)
        self.resets = Resets(self.core, self.offsets)
        self.coverages = Coverage(self.core)
        self.segments = Segments(self.core)
        self.commits = Commits(self.core)
        self.bulk = BulkActions(self.core, self.lifecycle)
        self.healths = Health(self.core)
        self.statistics = Stats(self.core)
        self.handoffs = Handoffs(self.core)
        # Forwarded as they are: one name per RPC for the servicer.
        self.create = self.lifecycle.create
        self.get = self.lifecycle.get
        self.list = self.lifecycle.list
        self.update = self.lifecycle.update
        self.suspend = self.lifecycle.suspend
        self.resume = self.lifecycle.resume
        self.terminate = self.lifecycle.terminate
        self.history = self.lifecycle.history
        self.get_offsets = self.offsets.get_offsets
        self.check_checkpoints = self.offsets.check_checkpoints
        self.set_health = self.offsets.set_health
        self.reset = self.resets.reset
        self.reset_offsets = self.resets.reset_offsets
        self.reset_to_latest_and_backfill = self.resets.reset_to_latest_and_backfill
        self.coverage = self.coverages.coverage
        self.list_segments = self.segments.list
        self.commit_checkpoint = self.commits.commit_checkpoint
        self.bulk_action = self.bulk.apply
        self.health = self.healths.health
        self.stats = self.statistics.stats
        self.handoff = self.handoffs.handoff

    @property
    def store(self) -> MetadataStore:
        return self.core.store

    @property
    def streams(self) -> StreamKinds:
        return self.core.streams

    @property
    def observer(self) -> Observer:
        return self.core.observer

    @property
    def clock(self) -> Callable[[], datetime]:
        return self.core.clock
