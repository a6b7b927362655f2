"""Kafka's pure settings: spec rules, which properties reach which client, connection keys. No broker."""
import logging

from streamvisor.domain.errors import Violations
from streamvisor.domain.model import StreamType, SupervisorSpec
from streamvisor.streams.kafka import settings
from streamvisor.streams.kafka.kind import KafkaKind

PROPS = {"bootstrap.servers": "b:9092", "security.protocol": "SASL_SSL", "sasl.mechanism": "PLAIN",
         "group.id": "theirs", "auto.offset.reset": "earliest", "fetch.min.bytes": "1",
         "isolation.level": "read_uncommitted",
         "metadata.max.age.ms": "1000", "queued.min.messages": "10"}


def spec(**props) -> SupervisorSpec:
    return SupervisorSpec(StreamType.KAFKA, "clicks", props)


def problems(s: SupervisorSpec) -> list[str]:
    v = Violations()
    settings.validate_spec(s, v)
    return [f"{x.field}: {x.description}" for x in v.items]


def test_bootstrap_servers_must_be_set_and_not_blank():
    assert problems(spec(**{"bootstrap.servers": "b:9092"})) == []
    for bad in (spec(), spec(**{"bootstrap.servers": "  "})):
        assert problems(bad) == ["spec.consumer_properties: 'bootstrap.servers' must be set (in the spec or as a "
                                 "server default)"]


def test_every_server_default_applies_to_kafka():
    assert settings.applicable_defaults({"bootstrap.servers": "d:1", "rabbitmq.url": "x"}) == {
        "bootstrap.servers": "d:1", "rabbitmq.url": "x"}


def test_the_admin_client_gets_only_connection_settings_bounded_by_the_timeout():
    config = settings.admin_config(PROPS, 2.5)
    logger = config.pop("logger")
    assert isinstance(logger, logging.Logger) and logger.name == "streamvisor.librdkafka"
    assert config == {"bootstrap.servers": "b:9092", "security.protocol": "SASL_SSL", "sasl.mechanism": "PLAIN",
                      "metadata.max.age.ms": "1000", "socket.timeout.ms": "2500",
                      "socket.connection.setup.timeout.ms": "2500", "reconnect.backoff.max.ms": "1000",
                      "topic.metadata.refresh.interval.ms": "10000", "allow.auto.create.topics": "false"}


def test_a_spec_cannot_turn_topic_auto_creation_back_on_but_may_tune_timeouts():
    config = settings.admin_config({"bootstrap.servers": "b", "allow.auto.create.topics": "true",
                                    "socket.timeout.ms": "700"}, 5)
    assert config["allow.auto.create.topics"] == "false" and config["socket.timeout.ms"] == "700"


def test_the_workers_consumer_never_commits_and_never_takes_the_specs_group_settings():
    config = settings.consumer_config(PROPS, "sup-1")
    config.pop("logger")
    assert config == {"bootstrap.servers": "b:9092", "security.protocol": "SASL_SSL", "sasl.mechanism": "PLAIN",
                      "fetch.min.bytes": "1", "isolation.level": "read_uncommitted", "queued.min.messages": "10",
                      **settings.CONSUMER_OVERRIDES, "group.id": "streamvisor-sup-1"}
    assert settings.CONSUMER_OVERRIDES["enable.auto.commit"] is False
    assert settings.CONSUMER_OVERRIDES["auto.offset.reset"] == "error"


def test_the_offsets_reader_is_the_admin_client_at_the_reported_isolation_level_and_never_commits():
    config = settings.offsets_reader_config(PROPS, 2.5)
    admin = settings.admin_config(PROPS, 2.5)
    assert config.pop("logger") is admin.pop("logger")
    # The spec's own group.id and auto.offset.reset stay with the worker: this handle never joins a group.
    assert config == {**admin, "group.id": "streamvisor-control-plane", "enable.auto.commit": False,
                      "enable.auto.offset.store": False, "isolation.level": "read_uncommitted"}
    assert settings.offsets_reader_config({"bootstrap.servers": "b"}, 1)["isolation.level"] == "read_committed"
    assert settings.offsets_reader_config({"bootstrap.servers": "b", "allow.auto.create.topics": "true"},
                                          1)["allow.auto.create.topics"] == "false"


def test_overrides_win_over_the_spec():
    config = settings.consumer_config({"bootstrap.servers": "b", "enable.auto.commit.x": "1",
                                       "auto.offset.reset": "latest"}, "s")
    assert config["auto.offset.reset"] == "error" and "enable.auto.commit.x" not in config


def test_isolation_level_follows_the_consumer_default():
    assert not settings.reads_uncommitted({})
    assert not settings.reads_uncommitted({"isolation.level": "read_committed"})
    assert settings.reads_uncommitted({"isolation.level": " READ_UNCOMMITTED "})


def test_the_connection_key_ignores_consumer_only_properties():
    key = settings.connection_key(PROPS)
    assert key == settings.connection_key({**PROPS, "group.id": "other", "fetch.min.bytes": "9"})
    assert key != settings.connection_key({**PROPS, "bootstrap.servers": "c:9092"})
    assert key != settings.connection_key({**PROPS, "isolation.level": "read_committed"})
    hash(key)


def test_task_groups_are_partition_modulo_task_count():
    kind = KafkaKind()
    assert [kind.task_group(p, 3) for p in range(7)] == [0, 1, 2, 0, 1, 2, 0]


class _Watermarks:
    def __init__(self, earliest: int, latest: int):
        self.marks = (earliest, latest)

    def get_watermark_offsets(self, tp, timeout, cached):
        return self.marks


def _out_of_range(earliest: int, latest: int) -> Exception:
    from confluent_kafka import KafkaError

    from streamvisor.streams.kafka.reader import KafkaReader
    reader = object.__new__(KafkaReader)  # no consumer of librdkafka's: the decision alone
    reader.stream, reader.consumer = "clicks", _Watermarks(earliest, latest)
    return reader._out_of_range(0, 10, KafkaError(KafkaError._AUTO_OFFSET_RESET))


def test_an_out_of_range_position_the_topic_holds_again_is_reported_for_the_server_to_check():
    """At the fetch the log ended below the position; by the look it is past it again: a topic recreated (or
    truncated) and refilled under the task. The token makes the server check the checkpoints and the topic
    id (app/tasks.py fail) instead of the worker reading on from the old checkpoint."""
    from streamvisor.domain.ports import CheckpointOutOfRange
    regrown = _out_of_range(0, 30)
    assert isinstance(regrown, CheckpointOutOfRange)
    assert regrown.reason.startswith("CHECKPOINT_BEYOND_LATEST partition=0 checkpoint=10 latest=unknown")
    assert _out_of_range(0, 3).reason.startswith("CHECKPOINT_BEYOND_LATEST partition=0 checkpoint=10 latest=3")
    assert _out_of_range(15, 30).reason.startswith("CHECKPOINT_BELOW_EARLIEST")
