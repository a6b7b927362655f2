"""Plan tokens: a reset's dry run names what the operator reviewed, so executing it can refuse a plan
the supervisor has since outgrown.

A token binds, for every reset kind: the method, the supervisor id, its generation (any reset or spec
update bumps it) and its version (the etag: any state or spec change bumps it), plus the request's own
arguments (ResetOffsets: the targets; ResetToLatestAndBackfill: backfill_task_count) - so a token is
never valid for another supervisor, another kind of reset or other targets. It does NOT bind
checkpoints: workers advance them all the time, and every reset computes its plan from the checkpoints
of the moment it runs, inside its transaction. For ResetToLatestAndBackfill the token also carries the
previewed backfill ranges, so the response can show how the executed plan differs from the review.

The token is opaque to clients (base64url of a small versioned JSON document) and deliberately not
signed: it is a claim "I reviewed the supervisor at generation G, version V", checked against the stored
row, and never a permission. Every precondition of the reset is still checked as without a token, so a
forged token can do no more than omitting it - which is allowed. Signing would add a secret to share
between replicas for no gain.
"""
from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from typing import Mapping

from streamvisor.domain.errors import FailedPrecondition, FieldViolation, InvalidArgument
from streamvisor.domain.model import OffsetRange, Supervisor, format_etag

TOKEN_VERSION = 1
# Far more than any real token (the ranges of a few thousand partitions); a bound on what we parse.
MAX_TOKEN_LENGTH = 64 * 1024


@dataclass(frozen=True)
class PlanToken:
    method: str
    supervisor_id: str
    generation: int
    version: int
    # The request's arguments that the plan depends on, canonical (sorted lists, no None-vs-absent games).
    args: Mapping[str, object] = field(default_factory=dict)
    # ResetToLatestAndBackfill: the ranges the dry run would have backfilled.
    backfill_ranges: tuple[OffsetRange, ...] = ()


def issue_plan_token(method: str, supervisor: Supervisor, args: Mapping[str, object],
                     backfill_ranges: tuple[OffsetRange, ...] | list[OffsetRange] = ()) -> str:
    body = {"v": TOKEN_VERSION, "m": method, "s": supervisor.id, "g": supervisor.generation,
            "e": supervisor.version, "a": dict(args),
            "b": [[r.partition, r.start, r.end] for r in backfill_ranges]}
    raw = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _invalid(token: str, why: str) -> InvalidArgument:
    return InvalidArgument([FieldViolation("plan_token", why)], reason="INVALID_PLAN_TOKEN",
                           metadata={"plan_token": token[:64]})


def parse_plan_token(token: str) -> PlanToken:
    """The token's content, or INVALID_ARGUMENT / INVALID_PLAN_TOKEN when it is not one we issued."""
    if len(token) > MAX_TOKEN_LENGTH:
        raise _invalid(token, f"is longer than {MAX_TOKEN_LENGTH} characters")
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        body = json.loads(raw)
    except (binascii.Error, ValueError):
        raise _invalid(token, "is not a plan token this server issued (take it from a dry run)") from None
    try:
        if not isinstance(body, dict) or body.get("v") != TOKEN_VERSION:
            raise ValueError("version")
        method, sid, gen, ver, args, ranges = (body["m"], body["s"], body["g"], body["e"], body["a"], body["b"])
        if not (isinstance(method, str) and isinstance(sid, str) and isinstance(args, dict)
                and all(isinstance(x, int) and not isinstance(x, bool) for x in (gen, ver))
                and isinstance(ranges, list)):
            raise ValueError("types")
        backfill = tuple(OffsetRange(int(p), int(s), int(e)) for p, s, e in ranges)
    except (KeyError, TypeError, ValueError):
        raise _invalid(token, "is not a plan token this server issued (take it from a dry run)") from None
    return PlanToken(method, sid, gen, ver, args, backfill)


def check_plan_token(token: str, method: str, current: Supervisor, args: Mapping[str, object]) -> PlanToken | None:
    """None without a token. Otherwise the parsed token, if `current` is still the supervisor it was issued
    for; a token for another request is INVALID_ARGUMENT / INVALID_PLAN_TOKEN, and a supervisor that has
    changed since is FAILED_PRECONDITION / PLAN_STALE with what changed in the metadata."""
    if not token:
        return None
    plan = parse_plan_token(token)
    if plan.method != method or plan.supervisor_id != current.id:
        raise _invalid(token, f"was issued for {plan.method} of {plan.supervisor_id!r}, "
                              f"not {method} of {current.id!r}")
    if dict(plan.args) != json.loads(json.dumps(dict(args))):
        raise _invalid(token, "was issued for other arguments (targets or backfill_task_count); "
                              "review the plan again with a dry run of this request")
    changed, what = [], []
    if plan.generation != current.generation:
        changed.append("generation")
        what.append(f"generation {plan.generation} -> {current.generation}")
    if plan.version != current.version:
        changed.append("etag")
        what.append(f"etag {format_etag(plan.version)} -> {current.etag}")
    if changed:
        raise FailedPrecondition(
            "PLAN_STALE",
            f"supervisor {current.id!r} changed since the plan was reviewed ({', '.join(what)}); "
            "nothing was changed: review the plan again with a dry run",
            {"supervisor_id": current.id, "changed": ",".join(changed),
             "plan_generation": plan.generation, "generation": current.generation,
             "plan_etag": format_etag(plan.version), "etag": current.etag})
    return plan
