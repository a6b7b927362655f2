"""Bulk state changes: suspend, resume or terminate every supervisor a filter selects (Druid's
suspendAll / resumeAll / terminateAll, narrowed by a filter and previewable with dry_run).

Each supervisor changes in its own transaction with its own audit event, exactly as if its single call had
been made: a bulk action is a convenience, not a new way to change a supervisor. A supervisor the action
does not apply to (already suspended, finished) is reported as skipped, not an error, so a bulk call is
safe to repeat; one that changed state between the listing and its own transaction is skipped with the
reason the single call would have given."""
from __future__ import annotations

import logging

from streamvisor import logs
from streamvisor.app.core import ANONYMOUS, Core
from streamvisor.app.lifecycle import Lifecycle
from streamvisor.domain.bulk import BULK_ACTIONS, BulkOutcome, SupervisorFilter, planned_outcome, validate_filter
from streamvisor.domain.errors import DomainError
from streamvisor.domain.model import Supervisor

log = logging.getLogger("streamvisor.supervisors")



class BulkActions:
    def __init__(self, core: Core, lifecycle: Lifecycle):
        self.core = core
        self.lifecycle = lifecycle

    def selected(self, selection: SupervisorFilter) -> list[Supervisor]:
        """Every supervisor the filter selects, by id. The store filters states (none: all); the rest here."""
        return [s for s in self.core.supervisors_in(selection.states) if selection.matches(s)]

    def apply(self, action: str, selection: SupervisorFilter, dry_run: bool = False,
              actor: str = ANONYMOUS) -> list[BulkOutcome]:
        assert action in BULK_ACTIONS, action
        validate_filter(selection)
        outcomes: list[BulkOutcome] = []
        for supervisor in self.selected(selection):
            planned = planned_outcome(action, supervisor)
            if dry_run or not planned.changed:
                outcomes.append(planned)
                continue
            try:
                after = self.lifecycle.transition(supervisor.id, action, actor, details={"bulk": True})
            except DomainError as e:  # it changed (or went away) since the listing: what the single call says
                outcomes.append(BulkOutcome(supervisor.id, supervisor.state, supervisor.state, changed=False,
                                            skip_reason=e.reason, message=e.message))
                continue
            outcomes.append(BulkOutcome(supervisor.id, supervisor.state, after.state, changed=True))
        changed = sum(1 for o in outcomes if o.changed)
        logs.info(log, "bulk action", action=action, dry_run=dry_run, selected=len(outcomes), changed=changed,
                  skipped=len(outcomes) - changed, actor=actor)
        return outcomes
