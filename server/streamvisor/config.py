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
    # Every broker call is bounded by this; past it the call fails UNAVAILABLE.
    broker_timeout_s: float = 5.0
    # SIGTERM: stop accepting calls, let in-flight ones finish for this long.
    shutdown_grace_s: float = 10.0

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
        return config
