"""Results of the reset family: JSON-able, so a request_id repeat can return the first response."""
from __future__ import annotations

from dataclasses import dataclass, field

from streamvisor.domain.model import OffsetRange
from streamvisor.domain.offsets import OffsetChange


@dataclass(frozen=True)
class ResetResult:
    supervisor_id: str
    changes: list[OffsetChange]
    generation: int
    dry_run: bool
    backfill_supervisor_id: str = ""
    backfill_ranges: list[OffsetRange] = field(default_factory=list)
    unrecoverable_ranges: list[OffsetRange] = field(default_factory=list)
    # A dry run's plan token (domain.plans); empty on an executed reset.
    plan_token: str = ""
    # An executed ResetToLatestAndBackfill with a plan token: the backfill ranges its dry run showed.
    previewed_backfill_ranges: list[OffsetRange] = field(default_factory=list)

    def to_json(self) -> dict:
        return {
            "supervisor_id": self.supervisor_id,
            "changes": [[c.partition, c.before, c.after] for c in self.changes],
            "generation": self.generation,
            "dry_run": self.dry_run,
            "backfill_supervisor_id": self.backfill_supervisor_id,
            "backfill_ranges": ranges_json(self.backfill_ranges),
            "unrecoverable_ranges": ranges_json(self.unrecoverable_ranges),
            "plan_token": self.plan_token,
            "previewed_backfill_ranges": ranges_json(self.previewed_backfill_ranges),
        }

    @classmethod
    def from_json(cls, data: dict) -> "ResetResult":
        return cls(
            supervisor_id=data["supervisor_id"],
            changes=[OffsetChange(p, b, a) for p, b, a in data["changes"]],
            generation=data["generation"],
            dry_run=data["dry_run"],
            backfill_supervisor_id=data["backfill_supervisor_id"],
            backfill_ranges=[OffsetRange(*r) for r in data["backfill_ranges"]],
            unrecoverable_ranges=[OffsetRange(*r) for r in data["unrecoverable_ranges"]],
            # Responses stored before plan tokens existed have neither field.
            plan_token=data.get("plan_token", ""),
            previewed_backfill_ranges=[OffsetRange(*r) for r in data.get("previewed_backfill_ranges", [])],
        )


def ranges_json(ranges: list[OffsetRange]) -> list[list[int]]:
    return [[r.partition, r.start, r.end] for r in ranges]
