"""Kafka's connection settings and spec rules. Pure: no client library, no I/O (tests/unit/test_kafka_kind.py).

One place says which of a spec's consumer properties reach which librdkafka client. Only connection and
security settings reach the control plane's AdminClient: consumer-only keys in a spec (group.id,
auto.offset.reset, ...) would make librdkafka warn on every client we create. The worker's consumer
takes those and its fetch settings.
"""
from __future__ import annotations

import logging
from typing import Mapping

from streamvisor.domain.errors import Violations
from streamvisor.domain.model import SupervisorSpec

BOOTSTRAP_SERVERS = "bootstrap.servers"
ISOLATION_LEVEL = "isolation.level"
# Where the brokers are and how to talk to them: every client needs these.
CONNECTION_KEY_PREFIXES = ("bootstrap.servers", "security.protocol", "sasl.", "ssl.", "client.id", "socket.",
                           "broker.address.")
ADMIN_KEY_PREFIXES = CONNECTION_KEY_PREFIXES + ("client.dns.", "metadata.", "reconnect.", "retry.")
CONSUMER_KEY_PREFIXES = CONNECTION_KEY_PREFIXES + (ISOLATION_LEVEL, "fetch.", "max.partition.fetch.bytes",
                                                   "queued.")
# librdkafka consumer settings that only make sense for the control plane's own offset tracking.
CONSUMER_OVERRIDES = {
    "enable.auto.commit": False,
    "enable.auto.offset.store": False,
    "enable.partition.eof": False,
    # Offsets come from the lease; an out-of-range start is an error to report, not a silent jump.
    "auto.offset.reset": "error",
    # Never create the topic: librdkafka's consumer default is false today, but on a broker with Kafka's
    # default auto.create.topics.enable=true a true here would bring a deleted topic back, empty.
    "allow.auto.create.topics": False,
}
LIBRDKAFKA_LOGGER = "streamvisor.librdkafka"


def validate_spec(spec: SupervisorSpec, violations: Violations, field_prefix: str = "spec") -> None:
    if not spec.consumer_properties.get(BOOTSTRAP_SERVERS, "").strip():
        violations.add(f"{field_prefix}.consumer_properties",
                       f"'{BOOTSTRAP_SERVERS}' must be set (in the spec or as a server default)")


def applicable_defaults(server_defaults: Mapping[str, str]) -> dict[str, str]:
    """The server's default consumer properties are Kafka client properties: all of them apply."""
    return dict(server_defaults)


def connection_key(properties: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    """The properties that make one AdminClient differ from another (what admin_config keeps, and the
    isolation level the adapter reports offsets at)."""
    return tuple(sorted((k, v) for k, v in properties.items()
                        if k.startswith(ADMIN_KEY_PREFIXES) or k == ISOLATION_LEVEL))


def admin_config(properties: Mapping[str, str], timeout_s: float) -> dict:
    config: dict = {k: v for k, v in properties.items() if k.startswith(ADMIN_KEY_PREFIXES)}
    timeout_ms = int(timeout_s * 1000)
    # Bound every wait: an unreachable broker must surface as UNAVAILABLE, never as a hang.
    config.setdefault("socket.timeout.ms", str(timeout_ms))
    config.setdefault("socket.connection.setup.timeout.ms", str(timeout_ms))
    config.setdefault("reconnect.backoff.max.ms", "1000")
    # An admin client does not fast-refresh leaderless partitions the way consumers do, so a topic seen
    # before its leaders were elected could stay "leaderless" in the cache for the default 5 minutes.
    config.setdefault("topic.metadata.refresh.interval.ms", "10000")
    # streamvisor never creates a topic. On a broker with Kafka's default auto.create.topics.enable=true,
    # any metadata request naming a topic with auto-creation allowed creates it - and an AdminClient
    # allows it by default (it is a producer-type handle). Measured on librdkafka 2.16: list_topics(topic)
    # creates the topic, and so does the periodic refresh (the interval above) of every topic it ever
    # looked up, which brought deleted topics back within 10 s with nobody calling. The adapter itself
    # uses describe_topics, which never asks for creation; this setting covers whatever else asks.
    config["allow.auto.create.topics"] = "false"
    config["logger"] = logging.getLogger(LIBRDKAFKA_LOGGER)
    return config


# The group id of the control plane's offset reader: librdkafka's consumer requires one, and this one is
# never joined (no subscribe) nor committed to (no offsets are stored); it only names the client.
OFFSETS_READER_GROUP = "streamvisor-control-plane"


def offsets_reader_config(properties: Mapping[str, str], timeout_s: float) -> dict:
    """The control plane's consumer handle that answers offset lookups (offsets_for_times: earliest,
    latest, by time): the AdminClient's connection settings, at the isolation level the offsets are
    reported at. It never subscribes, fetches or commits."""
    return {**admin_config(properties, timeout_s), "group.id": OFFSETS_READER_GROUP,
            "enable.auto.commit": False, "enable.auto.offset.store": False,
            ISOLATION_LEVEL: "read_uncommitted" if reads_uncommitted(properties) else "read_committed"}


def consumer_config(properties: Mapping[str, str], supervisor_id: str) -> dict:
    """The worker's consumer: assign() only, never a group commit (the group id only names it)."""
    kept = {k: v for k, v in properties.items() if k.startswith(CONSUMER_KEY_PREFIXES)}
    return {**kept, **CONSUMER_OVERRIDES, "group.id": f"streamvisor-{supervisor_id}",
            "logger": logging.getLogger(LIBRDKAFKA_LOGGER)}


def reads_uncommitted(properties: Mapping[str, str]) -> bool:
    """librdkafka consumers default to read_committed; the offsets we report follow the same setting,
    so "latest" is the last stable offset, the one a consumer can actually read up to."""
    return properties.get(ISOLATION_LEVEL, "read_committed").strip().lower() == "read_uncommitted"
