"""`streamvisor demo`: a first run with something to look at - a topic, a steady stream, a supervisor.

The one place the project creates a topic, and only on a broker named explicitly with --bootstrap (the
local one scripts/serve.sh started): everywhere else a missing topic is the operator's to create.
"""
from __future__ import annotations

import json
import signal
import threading
import time

import click
import grpc

from streamvisor.cli.main import _client, main
from streamvisor.client import StreamvisorError
from streamvisor.v1 import supervisor_pb2 as pb


def create_topic(bootstrap: str, topic: str, partitions: int) -> bool:
    """Creates `topic`; False when it already exists. Never by a metadata lookup (auto-creation)."""
    from confluent_kafka import KafkaError, KafkaException
    from confluent_kafka.admin import AdminClient, NewTopic

    admin = AdminClient({"bootstrap.servers": bootstrap, "allow.auto.create.topics": False})
    future = admin.create_topics([NewTopic(topic, num_partitions=partitions, replication_factor=1)])[topic]
    try:
        future.result(timeout=30)
        return True
    except KafkaException as e:
        if e.args and e.args[0].code() == KafkaError.TOPIC_ALREADY_EXISTS:
            return False
        raise click.ClickException(f"could not create topic {topic!r} on {bootstrap}: {e}") from None


def produce(bootstrap: str, topic: str, rate: float, stop: threading.Event, duration_s: float = 0.0) -> int:
    """`rate` records a second (JSON click events) until `stop` or `duration_s`; returns how many."""
    from confluent_kafka import Producer

    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 20})
    sent, started = 0, time.monotonic()
    while not stop.is_set() and (not duration_s or time.monotonic() - started < duration_s):
        due = int((time.monotonic() - started) * rate) - sent
        for _ in range(max(0, due)):
            producer.produce(topic, key=f"user-{sent % 97}".encode(),
                             value=json.dumps({"click": sent, "page": f"/p/{sent % 13}"}).encode())
            sent += 1
        producer.poll(0)
        stop.wait(0.05)
    producer.flush(10)
    return sent


@main.command()
@click.option("--bootstrap", required=True,
              help="The Kafka broker to create the demo topic on (e.g. the local one scripts/serve.sh started).")
@click.option("--topic", default="demo-clicks", show_default=True)
@click.option("--partitions", default=3, show_default=True)
@click.option("--supervisor", "supervisor_id", default="demo-clicks", show_default=True)
@click.option("--rate", default=20.0, show_default=True, help="Records per second to produce.")
@click.option("--duration", default=0.0, help="Stop producing after this many seconds (0: until Ctrl-C).")
@click.pass_context
def demo(ctx, bootstrap: str, topic: str, partitions: int, supervisor_id: str, rate: float, duration: float) -> None:
    """Create a demo topic and supervisor, then produce a steady stream (Ctrl-C stops producing only)."""
    if not 1 <= partitions <= 64 or rate <= 0:
        raise click.BadParameter("--partitions must be 1..64 and --rate positive")
    created = create_topic(bootstrap, topic, partitions)
    click.echo(f"topic {topic!r} on {bootstrap}: {'created' if created else 'already there'}")
    spec = pb.SupervisorSpec(stream_type=pb.STREAM_TYPE_KAFKA, stream=topic, task_count=1,
                             consumer_properties={"bootstrap.servers": bootstrap},
                             context={"useConcurrentLocks": "true"})
    with _client(ctx) as client:
        try:
            client.create_supervisor(supervisor_id, spec)
            click.echo(f"supervisor {supervisor_id!r} created")
        except StreamvisorError as e:
            if e.code != grpc.StatusCode.ALREADY_EXISTS:
                click.echo(f"error: {e}", err=True)
                ctx.exit(1)
            click.echo(f"supervisor {supervisor_id!r}: already there")
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    click.echo(f"producing {rate:g} records/s to {topic!r} (Ctrl-C to stop)")
    sent = produce(bootstrap, topic, rate, stop, duration)
    click.echo(f"produced {sent} records")
