"""Real RabbitMQ for the tests: the node of scripts/rabbitmq.sh (scripts/test.sh starts it), streams and
super streams created with unique names, and publishing that waits for every publisher confirm."""
from __future__ import annotations

import asyncio
import os
import socket
import threading
import uuid
from urllib.parse import urlsplit

import pika
import pytest
from rstream import Producer

from streamvisor.streams.rabbitmq.client import EventLoopThread
from streamvisor.streams.rabbitmq.settings import Endpoint
from streamvisor.v1 import supervisor_pb2 as pb

CONCURRENT = {"useConcurrentLocks": "true"}


def _required(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        pytest.fail(f'{name} is not set: start RabbitMQ with eval "$(bash scripts/rabbitmq.sh start)" '
                    "(bash scripts/test.sh does this for you)", pytrace=False)
    return value


@pytest.fixture(scope="session")
def rabbitmq_url() -> str:
    return _required("RABBITMQ_STREAM_URL")


@pytest.fixture(scope="session")
def rabbitmq_amqp_url() -> str:
    return _required("RABBITMQ_AMQP_URL")


def rabbitmq_spec(stream: str, url: str, task_count: int = 2, context: dict | None = None,
                  properties: dict | None = None, **fields) -> pb.SupervisorSpec:
    return pb.SupervisorSpec(stream_type=pb.STREAM_TYPE_RABBITMQ_STREAM, stream=stream, task_count=task_count,
                             consumer_properties={"rabbitmq.url": url, **(properties or {})},
                             context=CONCURRENT if context is None else context, **fields)


class RabbitStreams:
    """Creates uniquely named streams and super streams on the real node, publishes with confirms, and
    deletes everything it created."""

    def __init__(self, url: str, amqp_url: str):
        self.endpoint = Endpoint.parse(url)
        self.amqp_url = amqp_url
        self.loop = EventLoopThread("test-rabbitmq")
        self.producer: Producer | None = None
        self.streams: list[str] = []
        self.exchanges: list[str] = []
        self._lock = threading.Lock()

    def run(self, coroutine, timeout: float = 60):
        return self.loop.run(coroutine, timeout)

    async def _producer(self) -> Producer:
        if self.producer is None:
            e = self.endpoint
            self.producer = Producer(e.host, e.port, vhost=e.vhost, username=e.username, password=e.password)
            await self.producer.start()
        return self.producer

    def name(self, prefix: str) -> str:
        return f"{prefix}-{uuid.uuid4().hex[:10]}"

    def create(self, prefix: str = "s", arguments: dict | None = None) -> str:
        name = self.name(prefix)

        async def create():
            await (await self._producer()).create_stream(name, arguments)
        self.run(create())
        self.streams.append(name)
        return name

    def _amqp(self):
        return pika.BlockingConnection(pika.URLParameters(self.amqp_url))

    def create_super_stream(self, partitions: int, prefix: str = "ss", order: list[int] | None = None) -> str:
        """A super stream as RabbitMQ 3.10 knows one: a direct exchange (x-super-stream) bound to stream
        queues `<name>-<i>` with routing key i and binding argument x-stream-partition-order. `order` gives
        each partition's position (default: i), to show that partitions follow routing order, not names."""
        name = self.name(prefix)
        connection = self._amqp()
        try:
            channel = connection.channel()
            channel.exchange_declare(name, "direct", durable=True, arguments={"x-super-stream": True})
            self.exchanges.append(name)
            for i in range(partitions):
                queue = f"{name}-{i}"
                channel.queue_declare(queue, durable=True, arguments={"x-queue-type": "stream"})
                self.streams.append(queue)
                channel.queue_bind(queue, name, routing_key=str(i),
                                   arguments={"x-stream-partition-order": (order or list(range(partitions)))[i]})
        finally:
            connection.close()
        return name

    def publish(self, stream: str, values: list[bytes], batch: int = 500) -> None:
        """Appends `values` in order and returns once the node confirmed every one of them."""
        self.publish_many({stream: values}, batch)

    def publish_many(self, per_stream: dict[str, list[bytes]], batch: int = 500) -> None:
        """Appends each stream's values in order (streams concurrently); returns once all are confirmed."""
        per_stream = {s: v for s, v in per_stream.items() if v}

        async def publish():
            producer = await self._producer()
            done = asyncio.get_running_loop().create_future()
            pending = sum(len(v) for v in per_stream.values())
            failed = []

            def confirmed(status):
                nonlocal pending
                if not status.is_confirmed:
                    failed.append(status)
                pending -= 1
                if pending == 0 and not done.done():
                    done.set_result(None)
            for stream, values in per_stream.items():
                for i in range(0, len(values), batch):
                    await producer.send_batch(stream, values[i:i + batch], on_publish_confirm=confirmed)
            await done
            assert not failed, f"{len(failed)} messages were not confirmed"
        if per_stream:
            self.run(publish())

    def store_offset(self, stream: str, reference: str, offset: int) -> None:
        """A consumer's StoreOffset: writes an offset-tracking entry (it takes an offset, but is no message)."""
        async def store():
            client = await (await self._producer()).default_client
            await client.store_offset(stream, reference, offset)
            await client.query_offset(stream, reference)  # answered once the entry is written
        self.run(store())

    def delete(self, stream: str) -> None:
        async def delete():
            await (await self._producer()).delete_stream(stream, missing_ok=True)
        self.run(delete())

    def cleanup(self) -> None:
        for stream in self.streams:
            try:
                self.delete(stream)
            except Exception:
                pass
        if self.exchanges:
            try:
                connection = self._amqp()
                channel = connection.channel()
                for exchange in self.exchanges:
                    channel.exchange_delete(exchange)
                connection.close()
            except Exception:
                pass
        if self.producer is not None:
            try:
                self.run(self.producer.close(), 10)
            except Exception:
                pass
        self.loop.stop()


@pytest.fixture
def rabbit(rabbitmq_url, rabbitmq_amqp_url):
    streams = RabbitStreams(rabbitmq_url, rabbitmq_amqp_url)
    yield streams
    streams.cleanup()


class SilentServer:
    """A TCP port that accepts connections and never answers: a node that is up but hung."""

    def __init__(self):
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(16)
        self.port = self.socket.getsockname()[1]
        self.accepted: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.socket.accept()
            except OSError:
                return
            self.accepted.append(conn)

    def close(self) -> None:
        self.socket.close()
        for conn in self.accepted:
            conn.close()


def closed_port() -> int:
    """A local port nothing listens on (connections are refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def url_with_port(url: str, port: int) -> str:
    parts = urlsplit(url)
    return parts._replace(netloc=f"{parts.username}:{parts.password}@127.0.0.1:{port}").geturl()
