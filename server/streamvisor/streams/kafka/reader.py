"""The reference worker's TaskReader for Kafka: assign() at the task's start offsets, never subscribe(),
never a consumer-group commit - the control plane owns the offsets."""
from __future__ import annotations

from concurrent.futures import TimeoutError as FutureTimeout
from typing import Mapping

from confluent_kafka import OFFSET_INVALID, Consumer, KafkaError, KafkaException, TopicCollection, TopicPartition
from confluent_kafka.admin import AdminClient

from streamvisor.domain.offsets import CHECKPOINT_BEYOND_LATEST, STREAM_RECREATED
from streamvisor.domain.ports import CheckpointOutOfRange, ReaderTask, Record, TaskReader
from streamvisor.streams.kafka.adapter import topic_id_text
from streamvisor.streams.kafka.settings import admin_config, consumer_config

TOPIC_ID_TIMEOUT_S = 5.0


class KafkaReader(TaskReader):
    """Kafka with assign() (never subscribe(), never a consumer-group commit)."""

    def __init__(self, task: ReaderTask, start: Mapping[int, int]):
        self.stream = task.stream
        # The topic id the supervisor's checkpoints belong to, as the server recorded it (Task.stream_identity;
        # empty when it knows none): a topic created again under the name is refused at open and, while this
        # reader reads, before each segment is published (check_stream). librdkafka does not tell: measured
        # on 2.16, a consumer at offset 10 of a topic deleted and recreated with 30 records delivers the new
        # topic's offsets 10-29 without an error.
        self._admin = AdminClient(admin_config(task.consumer_properties, TOPIC_ID_TIMEOUT_S))
        self.expected_topic_id = getattr(task, "stream_identity", "") or None
        self.topic_id = self.expected_topic_id or self._topic_id()
        self.check_stream()
        self.consumer = Consumer(consumer_config(task.consumer_properties, task.supervisor_id))
        if start:
            self.consumer.assign([TopicPartition(task.stream, p, o) for p, o in start.items()])

    def _topic_id(self) -> str | None:
        """The topic's id now; None when it cannot be told (missing, a broker without ids, no answer)."""
        try:
            future = self._admin.describe_topics(TopicCollection([self.stream]),
                                                 request_timeout=TOPIC_ID_TIMEOUT_S)[self.stream]
            return topic_id_text(future.result(timeout=TOPIC_ID_TIMEOUT_S + 1).topic_id)
        except (KafkaException, FutureTimeout):
            return None

    def check_stream(self) -> None:
        """Raises unless the topic is still the one the checkpoints are of. Called before a segment is
        published: every record read before the call then came from that topic - an id never changes back.
        Where the server recorded an id, one that cannot be read now holds the segment back (the task fails
        and is read again): publishing it would be a guess."""
        now = self._topic_id()
        if self.topic_id is None:
            self.topic_id = now  # nothing recorded, nothing known at open: from here on
        elif now is not None and now != self.topic_id:
            raise CheckpointOutOfRange(f"{STREAM_RECREATED} stream={self.stream} topic_id={now} "
                                       f"read_from={self.topic_id} (deleted and created again under the task)")
        elif now is None and self.expected_topic_id is not None:
            raise RuntimeError(f"the id of topic {self.stream!r} could not be read: not publishing what was read")

    def poll(self, timeout_s: float) -> list[Record]:
        records = []
        for m in self.consumer.consume(num_messages=500, timeout=timeout_s):
            if m.error():
                if m.error().code() == KafkaError._PARTITION_EOF:
                    continue
                if m.error().code() == KafkaError._AUTO_OFFSET_RESET:
                    # auto.offset.reset=error: the broker said OFFSET_OUT_OF_RANGE for the offset in `m`.
                    raise self._out_of_range(m.partition(), m.offset(), m.error())
                raise RuntimeError(f"consume failed: {m.error()}")
            _, timestamp = m.timestamp()
            headers = m.headers()  # None or [(name, bytes or None)], the producer's order
            records.append(Record(m.partition(), m.offset(), timestamp, m.key(), m.value(),
                                  tuple(headers) if headers else ()))
        return records

    def _out_of_range(self, partition: int, offset: int, error: KafkaError) -> RuntimeError:
        # Only now (an error, so rare) one more broker round, to tell which side of the stream the offset
        # is on - the token in the reason depends on it.
        try:
            earliest, latest = self.consumer.get_watermark_offsets(TopicPartition(self.stream, partition),
                                                                   timeout=10, cached=False)
        except Exception as e:  # noqa: BLE001  (the task fails either way; say what we know)
            return RuntimeError(f"consume failed: {error}; watermarks unknown: {e}")
        return (CheckpointOutOfRange.check(self.stream, partition, offset, earliest, latest)
                # In range by now: at the fetch the log ended below the position (retention only moves the
                # start up), and records arrived since - a topic deleted and created again, or truncated,
                # under the task. Say so in the token the server checks (its checkpoints and the topic id):
                # a retry from the same checkpoint would read the new topic from the middle.
                or CheckpointOutOfRange(f"{CHECKPOINT_BEYOND_LATEST} partition={partition} checkpoint={offset} "
                                        f"latest=unknown stream={self.stream} (the broker answered {error}; "
                                        f"now [{earliest}, {latest}))"))

    def positions(self, partitions: list[int]) -> dict[int, int]:
        # Past transaction markers no record is delivered, but the consumer's position moves on.
        return {tp.partition: tp.offset
                for tp in self.consumer.position([TopicPartition(self.stream, p) for p in partitions])
                if tp.offset != OFFSET_INVALID}

    def close(self) -> None:
        self.consumer.close()
        self._admin = None  # AdminClient has no close(); dropping it tears it down
