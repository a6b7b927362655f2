"""Server configuration: flags override environment variables, which override defaults."""
from __future__ import annotations

import os
from dataclasses import dataclass, field

DEFAULT_LISTEN = "127.0.0.1:50051"
DEFAULT_DATABASE_URL = "sqlite:///data/streamvisor.db"


def parse_properties(text: str) -> dict[str, str]:
    """`k=v,k2=v2` -> dict (the format of STREAMVISOR_KAFKA_PROPERTIES and --kafka-property)."""
    out = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"expected key=value, got {item!r}")
        out[key.strip()] = value.strip()
    return out


@dataclass
class ServerConfig:
    listen: str = DEFAULT_LISTEN
    database_url: str = DEFAULT_DATABASE_URL
    # Filled into every new spec that lacks them (e.g. bootstrap.servers of the local broker).
    default_consumer_properties: dict[str, str] = field(default_factory=dict)
    log_level: str = "INFO"
    log_format: str = "text"
    # gRPC's own default is 4 MiB; a spec is tiny, so anything larger is a mistake or an attack.
    max_message_bytes: int = 4 * 1024 * 1024
    # Bounded thread pool: a flood of calls queues instead of exhausting the process.
    max_workers: int = 16
    # Threads of that pool kept for health checks: application calls may use at most
    # max_workers - reserved_workers at once; beyond that they fail RESOURCE_EXHAUSTED immediately.
    reserved_workers: int = 2
    # Operating safely (README, "Security and observability"). A tokens file turns authentication on.
    tokens_file: str = ""
    tls_cert_file: str = ""
    tls_key_file: str = ""
    # With a client CA, clients must present a certificate it signed (mutual TLS).
    tls_client_ca_file: str = ""
    # host:port of the Prometheus /metrics endpoint; empty: no endpoint.
    metrics_listen: str = ""
    # Every broker call is bounded by this; past it the call fails UNAVAILABLE.
    broker_timeout_s: float = 5.0
    # SIGTERM: stop accepting calls, let in-flight ones finish for this long.
    shutdown_grace_s: float = 10.0
    # The scheduler runs in every replica; one at a time holds its lease and schedules.
    scheduler: bool = True
    scheduler_interval_s: float = 1.0
    scheduler_lease_ttl_s: float = 10.0
    # Reference workers run inside the server process (0: none; run `streamvisor worker` elsewhere).
    embedded_workers: int = 0
    output: str = "data/segments"

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> "ServerConfig":
        env = dict(os.environ if env is None else env)
        config = cls()
        config.listen = env.get("STREAMVISOR_LISTEN", config.listen)
        config.database_url = env.get("STREAMVISOR_DATABASE_URL", config.database_url)
        props = parse_properties(env.get("STREAMVISOR_KAFKA_PROPERTIES", ""))
        if env.get("STREAMVISOR_KAFKA_BOOTSTRAP"):
            props["bootstrap.servers"] = env["STREAMVISOR_KAFKA_BOOTSTRAP"]
        config.default_consumer_properties = props
        config.log_level = env.get("STREAMVISOR_LOG_LEVEL", config.log_level).upper()
        config.log_format = env.get("STREAMVISOR_LOG_FORMAT", config.log_format)
        config.max_message_bytes = int(env.get("STREAMVISOR_MAX_MESSAGE_BYTES", config.max_message_bytes))
        config.max_workers = int(env.get("STREAMVISOR_MAX_WORKERS", config.max_workers))
        config.broker_timeout_s = float(env.get("STREAMVISOR_BROKER_TIMEOUT_S", config.broker_timeout_s))
        config.reserved_workers = int(env.get("STREAMVISOR_RESERVED_WORKERS", config.reserved_workers))
        config.tokens_file = env.get("STREAMVISOR_TOKENS_FILE", config.tokens_file)
        config.tls_cert_file = env.get("STREAMVISOR_TLS_CERT", config.tls_cert_file)
        config.tls_key_file = env.get("STREAMVISOR_TLS_KEY", config.tls_key_file)
        config.tls_client_ca_file = env.get("STREAMVISOR_TLS_CLIENT_CA", config.tls_client_ca_file)
        config.metrics_listen = env.get("STREAMVISOR_METRICS_LISTEN", config.metrics_listen)
        config.scheduler_interval_s = float(env.get("STREAMVISOR_SCHEDULER_INTERVAL_S", config.scheduler_interval_s))
        return config
