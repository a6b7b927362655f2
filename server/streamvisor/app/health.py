"""Per-supervisor health for probes (Druid's GET /supervisor/{id}/health): a yes/no an orchestrator or a
load balancer can act on, from the supervisor's state. Also served as the grpc.health.v1 service
`streamvisor.supervisor/<id>` (api/server.py), so a standard probe can watch one supervisor."""
from __future__ import annotations

from dataclasses import dataclass

from streamvisor.app.core import Core
from streamvisor.domain.model import SupervisorState, require_valid_id

HEALTH_SERVICE_PREFIX = "streamvisor.supervisor/"


@dataclass(frozen=True)
class SupervisorHealth:
    supervisor_id: str
    healthy: bool
    state: SupervisorState
    state_detail: str

    @property
    def health_service(self) -> str:
        return HEALTH_SERVICE_PREFIX + self.supervisor_id


class Health:
    def __init__(self, core: Core):
        self.core = core

    def health(self, supervisor_id: str) -> SupervisorHealth:
        require_valid_id(supervisor_id)
        with self.core.store.read() as tx:
            supervisor = self.core.require(tx, supervisor_id)
        return SupervisorHealth(supervisor.id, supervisor.state.is_healthy, supervisor.state,
                                supervisor.state_detail)
