"""Fixtures on real parts: the Kafka broker and PostgreSQL started by scripts/kafka.sh and
scripts/postgres.sh (scripts/test.sh starts both), SQLite files, and an in-process server on port 0."""
from __future__ import annotations

import itertools
import os
import time
import uuid

import pytest
from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic
from sqlalchemy import create_engine, text

from streamvisor.api.server import StreamvisorServer
from streamvisor.client import StreamvisorClient
from streamvisor.config import ServerConfig
from streamvisor.store.engine import create_store_engine, migrate


def _required_env(name: str, script: str) -> str:
    value = os.environ.get(name)
    if not value:
        pytest.fail(f'{name} is not set: start it with eval "$(bash scripts/{script} start)" '
                    "(bash scripts/test.sh does this for you)", pytrace=False)
    return value


@pytest.fixture(scope="session")
def kafka_bootstrap() -> str:
    return _required_env("KAFKA_BOOTSTRAP", "kafka.sh")


@pytest.fixture(scope="session")
def kinesis_endpoint() -> str:
    return _required_env("KINESIS_ENDPOINT", "kinesis.sh")


@pytest.fixture(scope="session")
def kafka_admin(kafka_bootstrap: str) -> AdminClient:
    # Never creates a topic by looking it up (an AdminClient otherwise asks for auto-creation, and the
    # broker, configured as Kafka's defaults, would honour it): tests create their topics explicitly.
    return AdminClient({"bootstrap.servers": kafka_bootstrap, "allow.auto.create.topics": False})


class Topics:
    """Creates uniquely named topics on the real broker and produces keyed records into them."""

    def __init__(self, admin: AdminClient, bootstrap: str, replication_factor: int = 1):
        self.admin, self.bootstrap, self.replication_factor = admin, bootstrap, replication_factor
        self.created: list[str] = []
        # A producer asks for auto-creation by default too, also in its periodic metadata refresh of every
        # topic it wrote to: a topic a test deleted would come back.
        self.producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5, "allow.auto.create.topics": False})

    def create(self, partitions: int, prefix: str = "t") -> str:
        name = f"{prefix}-{uuid.uuid4().hex[:10]}"
        topic = NewTopic(name, num_partitions=partitions, replication_factor=self.replication_factor)
        futures = self.admin.create_topics([topic],
                                           operation_timeout=30)
        futures[name].result(timeout=60)
        self.created.append(name)
        self.wait_ready(name, partitions)
        return name

    def wait_ready(self, name: str, partitions: int, timeout_s: float = 120) -> None:
        """Waits until every partition answers offset requests: a topic is visible in metadata some
        time before its partition leaders serve ListOffsets (NOT_LEADER meanwhile)."""
        from confluent_kafka import KafkaException, TopicCollection, TopicPartition
        from confluent_kafka.admin import OffsetSpec

        deadline = time.monotonic() + timeout_s
        last = None
        while time.monotonic() < deadline:
            try:
                futures = self.admin.list_offsets(
                    {TopicPartition(name, p): OffsetSpec.latest() for p in range(partitions)}, request_timeout=10)
                for f in futures.values():
                    f.result(timeout=15)
                return
            except KafkaException as e:
                last = e
                time.sleep(0.2)
                # A long-lived admin client may cache "no leader" for minutes: ask for fresh metadata.
                # describe_topics, not list_topics(name): that one creates the topic on a broker with
                # Kafka's default auto.create.topics.enable=true had it been deleted meanwhile.
                self.admin.describe_topics(TopicCollection([name]), request_timeout=10)[name].exception(timeout=15)
        pytest.fail(f"topic {name} not ready after {timeout_s}s: {last}")

    def produce(self, topic: str, per_partition: dict[int, int], value_size: int = 16) -> None:
        """Appends `count` records to each partition and waits until every one is acknowledged."""
        for partition, count in per_partition.items():
            for i in range(count):
                self.producer.produce(topic, key=f"{partition}-{i}".encode(), value=b"v" * value_size,
                                      partition=partition)
                if i % 10_000 == 0:
                    self.producer.poll(0)
        assert self.producer.flush(60) == 0, "records were not acknowledged"

    def delete_up_to(self, topic: str, per_partition: dict[int, int]) -> None:
        """Moves the log start offset forward, exactly what retention does to old records."""
        from confluent_kafka import TopicPartition

        futures = self.admin.delete_records([TopicPartition(topic, p, o) for p, o in per_partition.items()],
                                            operation_timeout=30)
        for f in futures.values():
            f.result(timeout=60)

    def cleanup(self) -> None:
        if self.created:
            for f in self.admin.delete_topics(self.created, operation_timeout=30).values():
                try:
                    f.result(timeout=60)
                except Exception:
                    pass


@pytest.fixture
def topics(kafka_admin, kafka_bootstrap):
    t = Topics(kafka_admin, kafka_bootstrap)
    yield t
    t.cleanup()


_pg_counter = itertools.count()


@pytest.fixture(scope="session")
def pg_template() -> str:
    """A migrated template database; each test gets a fresh copy of it (fast, and fully isolated)."""
    base = _required_env("STREAMVISOR_TEST_PG_URL", "postgres.sh")
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    template = f"sv_template_{os.getpid()}"
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{template}"'))
        c.execute(text(f'CREATE DATABASE "{template}"'))
    engine = create_store_engine(base.rsplit("/", 1)[0] + f"/{template}")
    migrate(engine)
    engine.dispose()
    yield template
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def postgres_url(pg_template) -> str:
    base = os.environ["STREAMVISOR_TEST_PG_URL"]
    name = f"sv_test_{os.getpid()}_{next(_pg_counter)}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{pg_template}"'))
    yield base.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path}/streamvisor.db"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request) -> str:
    """Every store-backed test runs on both supported databases."""
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "postgres_url")


def start_server(database_url: str, kafka_bootstrap: str | None, **overrides) -> StreamvisorServer:
    config = ServerConfig(listen="127.0.0.1:0", database_url=database_url,
                          default_consumer_properties={"bootstrap.servers": kafka_bootstrap} if kafka_bootstrap else {},
                          broker_timeout_s=overrides.pop("broker_timeout_s", 5.0), shutdown_grace_s=0,
                          # Off unless a test wants the data plane: it would resolve start offsets under
                          # tests that assert what happens before any checkpoint exists.
                          scheduler=overrides.pop("scheduler", False), **overrides)
    server = StreamvisorServer(config)
    server.start()
    return server


@pytest.fixture
def server(database_url, kafka_bootstrap):
    s = start_server(database_url, kafka_bootstrap)
    yield s
    s.stop(0)


@pytest.fixture
def task_client(server):
    """A worker's view of the server (TaskService), without retries: each test sees every answer."""
    from streamvisor.client.tasks import TaskClient
    c = TaskClient(f"127.0.0.1:{server.port}", retry_for_s=0)
    yield c
    c.close()


@pytest.fixture
def client(server) -> StreamvisorClient:
    with StreamvisorClient(f"127.0.0.1:{server.port}", timeout=30, retries=0) as c:
        yield c
