"""The Kafka adapter's offset lookups (Consumer.offsets_for_times, streams/kafka/adapter.py) on the real
broker, with Kafka's default configuration: the same answers list_offsets gave, at the configured isolation
level, and the same refusals."""
import time
import uuid

import pytest
from confluent_kafka import Producer
from confluent_kafka.admin import NewPartitions

from streamvisor.domain.errors import FailedPrecondition, Unavailable
from streamvisor.streams.kafka.adapter import KafkaStreamAdapter


@pytest.fixture
def adapter(kafka_bootstrap):
    made = KafkaStreamAdapter({"bootstrap.servers": kafka_bootstrap}, timeout_s=5)
    yield made
    made.close()


def test_earliest_and_latest_follow_the_records_and_deletions(adapter, topics):
    name = topics.create(3)
    topics.produce(name, {0: 5, 1: 2})
    topics.delete_up_to(name, {0: 3})
    marks = adapter.watermarks(name, [0, 1, 2])
    assert marks.earliest == {0: 3, 1: 0, 2: 0} and marks.latest == {0: 5, 1: 2, 2: 0}


def test_latest_is_the_last_stable_offset_unless_the_spec_reads_uncommitted(kafka_bootstrap, topics):
    name = topics.create(1)
    producer = Producer({"bootstrap.servers": kafka_bootstrap, "transactional.id": f"lookups-{uuid.uuid4().hex}",
                         "allow.auto.create.topics": False})
    producer.init_transactions(30)
    producer.begin_transaction()
    for _ in range(4):
        producer.produce(name, b"open", partition=0)
    assert producer.flush(30) == 0
    committed = KafkaStreamAdapter({"bootstrap.servers": kafka_bootstrap})
    uncommitted = KafkaStreamAdapter({"bootstrap.servers": kafka_bootstrap, "isolation.level": "read_uncommitted"})
    try:
        assert committed.watermarks(name, [0]).latest == {0: 0}  # the open transaction is not readable yet
        assert uncommitted.watermarks(name, [0]).latest == {0: 4}
        producer.commit_transaction(30)
        deadline = time.monotonic() + 20
        while committed.watermarks(name, [0]).latest != {0: 5} and time.monotonic() < deadline:
            time.sleep(0.1)  # the commit marker lands a moment after commit_transaction returns
        assert committed.watermarks(name, [0]).latest == {0: 5}  # 4 records and the marker
    finally:
        committed.close()
        uncommitted.close()


def test_partitions_added_after_a_lookup_are_answered_not_called_missing(adapter, topics, kafka_admin):
    name = topics.create(2)
    assert adapter.watermarks(name, [0, 1]).latest == {0: 0, 1: 0}  # the handle now has the topic cached
    kafka_admin.create_partitions([NewPartitions(name, 4)])[name].result(timeout=30)
    topics.wait_ready(name, 4)
    assert adapter.watermarks(name, [0, 1, 2, 3]).latest == {0: 0, 1: 0, 2: 0, 3: 0}


def test_a_partition_the_topic_does_not_have_and_a_missing_topic_are_stream_not_found(adapter, topics, kafka_admin):
    name = topics.create(2)
    for stream, partitions in ((name, [0, 7]), (f"{name}-absent", [0])):
        with pytest.raises(FailedPrecondition) as caught:
            adapter.watermarks(stream, partitions)
        assert caught.value.reason == "STREAM_NOT_FOUND"
    with pytest.raises(FailedPrecondition):
        adapter.offsets_for_times(f"{name}-absent", {0: 0})
    # Asking created nothing, on a broker that auto-creates topics on request.
    assert f"{name}-absent" not in kafka_admin.list_topics(timeout=10).topics


def test_times_without_a_record_after_them_answer_latest(adapter, topics):
    name = topics.create(2)
    topics.produce(name, {0: 3, 1: 3})
    future_ms = int(time.time() * 1000) + 3_600_000
    assert adapter.offsets_for_times(name, {0: 0, 1: future_ms}) == {0: 0, 1: 3}


def test_an_unreachable_broker_and_a_closed_adapter_are_unavailable(topics):
    name = topics.create(1)
    down = KafkaStreamAdapter({"bootstrap.servers": "127.0.0.1:1"}, timeout_s=1)
    try:
        started = time.monotonic()
        with pytest.raises(Unavailable) as caught:
            down.watermarks(name, [0])
        assert caught.value.reason == "STREAM_UNREACHABLE" and time.monotonic() - started < 10
    finally:
        down.close()
    with pytest.raises(Unavailable):
        down.watermarks(name, [0])
