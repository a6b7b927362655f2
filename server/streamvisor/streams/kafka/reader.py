"""The reference worker's TaskReader for Kafka: assign() at the task's start offsets, never subscribe(),
never a consumer-group commit - the control plane owns the offsets."""
from __future__ import annotations

from typing import Mapping

from confluent_kafka import OFFSET_INVALID, Consumer, KafkaError, TopicPartition

from streamvisor.domain.ports import CheckpointOutOfRange, ReaderTask, Record, TaskReader
from streamvisor.streams.kafka.settings import consumer_config


class KafkaReader(TaskReader):
    """Kafka with assign() (never subscribe(), never a consumer-group commit)."""

    def __init__(self, task: ReaderTask, start: Mapping[int, int]):
        self.stream = task.stream
        self.consumer = Consumer(consumer_config(task.consumer_properties, task.supervisor_id))
        if start:
            self.consumer.assign([TopicPartition(task.stream, p, o) for p, o in start.items()])

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
                # In range by now (records arrived since the fetch): still fail, the lease starts over.
                or RuntimeError(f"consume failed: {error} (partition {partition} offset {offset}, now in "
                                f"[{earliest}, {latest}))"))

    def positions(self, partitions: list[int]) -> dict[int, int]:
        # Past transaction markers no record is delivered, but the consumer's position moves on.
        return {tp.partition: tp.offset
                for tp in self.consumer.position([TopicPartition(self.stream, p) for p in partitions])
                if tp.offset != OFFSET_INVALID}

    def close(self) -> None:
        self.consumer.close()
