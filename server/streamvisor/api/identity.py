"""Who is calling: the identity the auth interceptor established for the current RPC.

The interceptor (streamvisor.api.interceptors) authenticates every call before the servicer runs and
binds an Identity to a context variable for the duration of the call; servicers pass `actor_of(context)`
to the application layer, which writes it into audit events. Servicers of every service use this one
function, so the actor in the audit trail always means the same thing:

    from streamvisor.api.identity import actor_of
    self.service.suspend(request.supervisor_id, request.etag, actor_of(context))
"""
from __future__ import annotations

import contextvars
from dataclasses import dataclass

import grpc

ANONYMOUS = "anonymous"  # the same string as streamvisor.app.supervisors.ANONYMOUS

# Roles, from least to most privileged for operators; `worker` is the data plane's own role.
VIEWER, OPERATOR, WORKER, ADMIN = "viewer", "operator", "worker", "admin"
ROLES = (VIEWER, OPERATOR, WORKER, ADMIN)


@dataclass(frozen=True)
class Identity:
    """An authenticated caller: `actor` goes into audit events and logs; `role` decides what it may call.

    `via` says how it was established: "token" (bearer token), "certificate" (mTLS client certificate
    subject CN), or "none" (authentication is off, or the method is open).
    """

    actor: str
    role: str
    via: str = "none"


ANONYMOUS_ADMIN = Identity(ANONYMOUS, ADMIN, "none")

_current: contextvars.ContextVar[Identity | None] = contextvars.ContextVar("streamvisor_identity", default=None)


def current() -> Identity | None:
    """The identity of the RPC running on this thread, if an interceptor bound one."""
    return _current.get()


def bind(identity: Identity) -> contextvars.Token:
    return _current.set(identity)


def unbind(token: contextvars.Token) -> None:
    _current.reset(token)


def certificate_common_name(context: grpc.ServicerContext) -> str | None:
    """The CN of the verified client certificate (mTLS), or None on plaintext / server-only TLS."""
    try:
        auth = context.auth_context() or {}
    except Exception:  # pragma: no cover - a context without transport security information
        return None
    names = auth.get("x509_common_name") or []
    return names[0].decode("utf-8", "replace") if names else None


def actor_of(context: grpc.ServicerContext | None = None) -> str:
    """The actor to record for the current call: the bound identity's actor; without an interceptor (a
    servicer called directly), the client certificate's CN if there is one, else "anonymous"."""
    identity = _current.get()
    if identity is not None:
        return identity.actor
    if context is not None:
        return certificate_common_name(context) or ANONYMOUS
    return ANONYMOUS
