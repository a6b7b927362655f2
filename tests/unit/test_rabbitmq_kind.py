"""RabbitMQ Streams' pure settings: the URL parsed once, its redaction, spec rules, defaults, connection
keys. No node, and no rstream: these modules must not need it."""
import pytest

from streamvisor.domain.errors import Violations
from streamvisor.domain.model import StreamType, SupervisorSpec
from streamvisor.streams.rabbitmq import settings
from streamvisor.streams.rabbitmq.settings import Endpoint

URL = "rabbitmq-stream://user:p%40ss@node-1:5553/my%2Fvhost"


def problems(**props) -> list[str]:
    v = Violations()
    settings.validate_spec(SupervisorSpec(StreamType.RABBITMQ_STREAM, "s", props), v, "spec")
    assert all(x.field == "spec.consumer_properties" for x in v.items)
    return [x.description for x in v.items]


def test_a_url_is_parsed_into_its_parts():
    assert Endpoint.parse(URL) == Endpoint("node-1", 5553, "my/vhost", "user", "p@ss")


def test_defaults_fill_what_the_url_leaves_out():
    assert Endpoint.parse("  rabbitmq-stream://h  ") == Endpoint("h", 5552, "/", "guest", "guest")
    assert Endpoint.parse("rabbitmq-stream://h/%2f").vhost == "/"
    assert Endpoint.of({"rabbitmq.url": "rabbitmq-stream://h:1"}).port == 1


@pytest.mark.parametrize("url", ["", "amqp://h:5672", "rabbitmq-stream://h:x/", "rabbitmq-stream:///vhost",
                                 "rabbitmq-stream://:5552"])
def test_bad_urls_are_refused(url):
    with pytest.raises(ValueError):
        Endpoint.parse(url)


def test_the_redacted_url_has_no_password():
    e = Endpoint.parse(URL)
    assert e.redacted == "rabbitmq-stream://user@node-1:5553/my/vhost" and "p@ss" not in e.redacted
    assert Endpoint.parse("rabbitmq-stream://h").redacted == "rabbitmq-stream://guest@h:5552/%2f"


def test_spec_rules_use_the_same_parse():
    assert problems(**{"rabbitmq.url": URL}) == []
    assert problems(**{"rabbitmq.url": URL, "rabbitmq.super_stream": " TRUE "}) == []
    assert problems() == ["'rabbitmq.url' must be set, e.g. rabbitmq-stream://guest:guest@127.0.0.1:5552/%2f"]
    for bad in ("amqp://h:5672", "rabbitmq-stream://h:x/", "rabbitmq-stream:///v"):
        (problem,) = problems(**{"rabbitmq.url": bad})
        assert problem.startswith("'rabbitmq.url' must be a rabbitmq-stream://[user:password@]host[:port][/vhost] URL")


def test_the_super_stream_mode_is_one_of_three():
    assert settings.super_stream_mode({}) == "auto"
    assert settings.super_stream_mode({"rabbitmq.super_stream": " False"}) == "false"
    assert problems(**{"rabbitmq.url": URL, "rabbitmq.super_stream": "maybe"}) == [
        "'rabbitmq.super_stream' must be one of auto, true, false, got 'maybe'"]
    # Both properties are checked at once: one response names every problem.
    assert len(problems(**{"rabbitmq.super_stream": "maybe"})) == 2


def test_only_rabbitmq_defaults_apply():
    assert settings.applicable_defaults({"bootstrap.servers": "k:9092", "rabbitmq.url": URL}) == {"rabbitmq.url": URL}


def test_the_connection_key_is_the_rabbitmq_properties():
    key = settings.connection_key({"rabbitmq.url": URL, "bootstrap.servers": "x"})
    assert key == (("rabbitmq.url", URL),)
    assert key != settings.connection_key({"rabbitmq.url": URL, "rabbitmq.super_stream": "true"})
