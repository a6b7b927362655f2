"""Authentication (bearer tokens, mTLS client certificates) and authorization by role.

The tokens file (YAML or JSON; `--tokens-file` / STREAMVISOR_TOKENS_FILE) lists who may call:

    tokens:                      # bearer tokens, stored as the sha256 hex digest of the token
      - actor: alice             # recorded in the audit trail and in every log line of her calls
        role: operator
        sha256: 8d9f...          # printf %s "$TOKEN" | sha256sum   (or: streamvisor new-token)
    subjects:                    # mTLS: client certificate subject CN -> role
      - cn: ingest-worker-1
        role: worker
        actor: ingest-worker-1   # optional; defaults to the CN
    open_services:               # optional; callable without credentials (default: health, reflection)
      - grpc.health.v1.Health

With a tokens file every call needs credentials, except to the open services. Without one,
authentication is off: every caller is an admin, named by its client certificate's CN under mTLS and
"anonymous" otherwise.

Roles: `viewer` may call SupervisorService's Get*/List* methods (get, list, offsets, coverage,
history, segments); `operator` every SupervisorService method; `worker` TaskService and ListSegments (a
worker taking a task over asks whether the segments its predecessor staged were published); `admin`
everything.
The method -> role table is built from the services' descriptors, so a new RPC is covered the moment
its stubs are generated; a method of any other (unknown) service needs `admin`.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping

import yaml
from google.protobuf.descriptor import ServiceDescriptor

from streamvisor.api.identity import ADMIN, ANONYMOUS_ADMIN, OPERATOR, ROLES, VIEWER, WORKER, Identity
from streamvisor.domain.errors import PermissionDenied, Unauthenticated
from streamvisor.v1 import supervisor_service_pb2, task_service_pb2

HEALTH_SERVICE = "grpc.health.v1.Health"
REFLECTION_SERVICES = ("grpc.reflection.v1alpha.ServerReflection", "grpc.reflection.v1.ServerReflection")
DEFAULT_OPEN_SERVICES = (HEALTH_SERVICE,) + REFLECTION_SERVICES

SUPERVISOR_SERVICE: ServiceDescriptor = supervisor_service_pb2.DESCRIPTOR.services_by_name["SupervisorService"]
TASK_SERVICE: ServiceDescriptor = task_service_pb2.DESCRIPTOR.services_by_name["TaskService"]

_SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")


def hash_token(token: str) -> str:
    """What the tokens file stores for a token: its sha256, hex."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _is_read_only(method_name: str) -> bool:
    # AIP-131/132 standard methods: Get* and List* never change anything.
    return method_name.startswith(("Get", "List"))


# Read-only SupervisorService methods a worker needs too: ListSegments answers "was this staged segment
# published?" for the next holder of a task (worker/sinks), which must publish or discard it.
WORKER_READABLE = frozenset({f"/{SUPERVISOR_SERVICE.full_name}/ListSegments"})


def method_roles() -> dict[str, str]:
    """Full method path ("/streamvisor.v1.SupervisorService/GetOffsets") -> the least role that may call it."""
    table = {}
    for m in SUPERVISOR_SERVICE.methods:
        table[f"/{SUPERVISOR_SERVICE.full_name}/{m.name}"] = VIEWER if _is_read_only(m.name) else OPERATOR
    for m in TASK_SERVICE.methods:
        table[f"/{TASK_SERVICE.full_name}/{m.name}"] = WORKER
    return table


METHOD_ROLES = method_roles()

# Which required roles each caller role satisfies.
_GRANTS = {
    VIEWER: {VIEWER},
    OPERATOR: {VIEWER, OPERATOR},
    WORKER: {WORKER},
    ADMIN: {VIEWER, OPERATOR, WORKER, ADMIN},
}


def service_of(method: str) -> str:
    """"/pkg.Service/Method" -> "pkg.Service"."""
    return method.lstrip("/").split("/", 1)[0]


def required_role(method: str) -> str:
    return METHOD_ROLES.get(method, ADMIN)


def allowed(role: str, method: str) -> bool:
    return required_role(method) in _GRANTS.get(role, set()) or (role == WORKER and method in WORKER_READABLE)


class AuthConfigError(ValueError):
    """The tokens file is malformed; the server refuses to start rather than guess."""


@dataclass
class AuthPolicy:
    """Credentials -> identity, and identity + method -> allowed or not. Immutable once loaded."""

    # sha256 hex of the token -> identity
    tokens: dict[str, Identity] = field(default_factory=dict)
    # client certificate CN -> identity
    subjects: dict[str, Identity] = field(default_factory=dict)
    open_services: frozenset[str] = frozenset(DEFAULT_OPEN_SERVICES)
    enabled: bool = True

    @classmethod
    def disabled(cls) -> "AuthPolicy":
        return cls(enabled=False)

    @classmethod
    def from_file(cls, path: str | Path) -> "AuthPolicy":
        path = Path(path)
        try:
            text = path.read_text()
        except OSError as e:
            raise AuthConfigError(f"cannot read tokens file {path}: {e}") from None
        try:
            data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
        except (ValueError, yaml.YAMLError) as e:
            raise AuthConfigError(f"tokens file {path} is not valid {path.suffix.lstrip('.') or 'YAML'}: {e}") \
                from None
        return cls.from_mapping(data or {}, str(path))

    @classmethod
    def from_mapping(cls, data: Mapping, source: str = "tokens file") -> "AuthPolicy":
        if not isinstance(data, Mapping):
            raise AuthConfigError(f"{source}: expected a mapping with 'tokens' and/or 'subjects'")
        unknown = set(data) - {"tokens", "subjects", "open_services"}
        if unknown:
            raise AuthConfigError(f"{source}: unknown keys {sorted(unknown)}")
        policy = cls()
        for i, entry in enumerate(data.get("tokens") or []):
            where = f"{source}: tokens[{i}]"
            role, actor = _role_and_actor(entry, where, default_actor=None)
            digest = str(entry.get("sha256", "")).strip().lower()
            if not _SHA256_HEX.match(digest):
                raise AuthConfigError(f"{where}: sha256 must be the 64-hex-digit sha256 of the token "
                                      "(printf %s \"$TOKEN\" | sha256sum)")
            if digest in policy.tokens:
                raise AuthConfigError(f"{where}: the same token is listed twice")
            policy.tokens[digest] = Identity(actor, role, "token")
        for i, entry in enumerate(data.get("subjects") or []):
            where = f"{source}: subjects[{i}]"
            cn = str((entry or {}).get("cn", "")).strip() if isinstance(entry, Mapping) else ""
            if not cn:
                raise AuthConfigError(f"{where}: cn (the client certificate's subject common name) is required")
            role, actor = _role_and_actor(entry, where, default_actor=cn)
            policy.subjects[cn] = Identity(actor, role, "certificate")
        if "open_services" in data:
            services = data.get("open_services") or []
            if not isinstance(services, list) or not all(isinstance(s, str) for s in services):
                raise AuthConfigError(f"{source}: open_services must be a list of service names")
            policy.open_services = frozenset(services)
        return policy

    def is_open(self, method: str) -> bool:
        return not self.enabled or service_of(method) in self.open_services

    def authenticate(self, authorization: str | None, certificate_cn: str | None) -> Identity:
        """A bearer token wins over the certificate; with neither (or an unknown one) -> Unauthenticated."""
        if not self.enabled:
            return Identity(certificate_cn, ADMIN, "certificate") if certificate_cn else ANONYMOUS_ADMIN
        if authorization:
            scheme, _, token = authorization.strip().partition(" ")
            identity = self.tokens.get(hash_token(token.strip())) if scheme.lower() == "bearer" else None
            if identity is None:
                raise Unauthenticated("UNAUTHENTICATED", "invalid credentials: unknown bearer token")
            return identity
        if certificate_cn is not None:
            identity = self.subjects.get(certificate_cn)
            if identity is None:
                raise Unauthenticated("UNAUTHENTICATED",
                                      "invalid credentials: the client certificate's subject is not authorized")
            return identity
        raise Unauthenticated("UNAUTHENTICATED",
                              "credentials required: send 'authorization: Bearer <token>' or a client certificate")

    @staticmethod
    def authorize(identity: Identity, method: str) -> None:
        if not allowed(identity.role, method):
            name = method.lstrip("/")
            raise PermissionDenied(
                "PERMISSION_DENIED",
                f"role {identity.role!r} may not call {name} (requires {required_role(method)!r})",
                {"method": name, "role": identity.role})


def _role_and_actor(entry, where: str, default_actor: str | None) -> tuple[str, str]:
    if not isinstance(entry, Mapping):
        raise AuthConfigError(f"{where}: expected a mapping")
    role = str(entry.get("role", "")).strip()
    if role not in ROLES:
        raise AuthConfigError(f"{where}: role must be one of {', '.join(ROLES)}, got {role!r}")
    actor = str(entry.get("actor") or default_actor or "").strip()
    if not actor:
        raise AuthConfigError(f"{where}: actor (the name recorded in the audit trail) is required")
    return role, actor


def describe(roles: Iterable[str] = ROLES) -> dict[str, list[str]]:
    """role -> the methods it may call (for docs and tests)."""
    return {r: sorted(m for m in METHOD_ROLES if allowed(r, m)) for r in roles}
