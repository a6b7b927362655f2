"""Druid parity, part one: bulk suspend / resume / terminate with a filter, and per-supervisor health (an RPC
and a grpc.health.v1 service per supervisor), over a real channel, on real Kafka, SQLite and PostgreSQL."""
from __future__ import annotations

import queue
import threading

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from helpers import expect_error, kafka_spec, snapshot
from streamvisor.v1 import supervisor_pb2 as pb
from streamvisor.v1 import supervisor_service_pb2 as svc

RUNNING, SUSPENDED = pb.SUPERVISOR_STATE_RUNNING, pb.SUPERVISOR_STATE_SUSPENDED
TERMINATED, UNHEALTHY = pb.SUPERVISOR_STATE_TERMINATED, pb.SUPERVISOR_STATE_UNHEALTHY
SERVING, NOT_SERVING = health_pb2.HealthCheckResponse.SERVING, health_pb2.HealthCheckResponse.NOT_SERVING
INVALID = grpc.StatusCode.INVALID_ARGUMENT


@pytest.fixture
def fleet(client, topics):
    """Five supervisors: orders-a, orders-b, orders-c (RUNNING), clicks-a (SUSPENDED), clicks-b (TERMINATED)."""
    topic = topics.create(2)
    for name in ("orders-a", "orders-b", "orders-c", "clicks-a", "clicks-b"):
        client.create_supervisor(name, kafka_spec(topic))
    client.suspend_supervisor("clicks-a")
    client.terminate_supervisor("clicks-b")
    return topic


def watch(channel, service: str, seen: queue.Queue):
    """Starts a Watch of `service`; every status it streams lands in `seen`. Returns the call (to cancel)."""
    stream = health_pb2_grpc.HealthStub(channel).Watch(health_pb2.HealthCheckRequest(service=service), timeout=60)

    def pump():
        try:
            for response in stream:
                seen.put(response.status)
        except grpc.RpcError:  # cancelled at the end of the test
            pass

    threading.Thread(target=pump, daemon=True).start()
    return stream


def states(client) -> dict[str, int]:
    return {s.id: s.state for s in client.iter_supervisors()}


def test_suspend_all_by_prefix_changes_each_with_its_own_audit_event(client, fleet):
    response = client.batch_change_state("suspend", svc.SupervisorFilter(id_prefix="orders-"))
    assert [(o.supervisor_id, o.state_before, o.state_after, o.changed) for o in response.outcomes] == [
        ("orders-a", RUNNING, SUSPENDED, True), ("orders-b", RUNNING, SUSPENDED, True),
        ("orders-c", RUNNING, SUSPENDED, True)]
    assert response.changed_count == 3 and not response.dry_run
    assert states(client) == {"orders-a": SUSPENDED, "orders-b": SUSPENDED, "orders-c": SUSPENDED,
                              "clicks-a": SUSPENDED, "clicks-b": TERMINATED}
    for name in ("orders-a", "orders-b", "orders-c"):
        latest = next(client.iter_history(name))
        assert (latest.action, latest.state_before, latest.state_after) == ("SUSPEND", RUNNING, SUSPENDED)
        assert '"bulk": true' in latest.details_json
    # Repeating it is harmless: nothing applies any more, and each is listed as skipped with the reason.
    again = client.batch_change_state("suspend", svc.SupervisorFilter(id_prefix="orders-"))
    assert again.changed_count == 0
    assert {o.skip_reason for o in again.outcomes} == {"INVALID_STATE"}


def test_dry_run_reports_exactly_what_the_real_call_then_does_and_changes_nothing(client, fleet):
    selection = svc.SupervisorFilter(match_all=True)
    before = snapshot(client)
    preview = client.batch_change_state("terminate", selection, dry_run=True)
    assert snapshot(client) == before
    assert preview.dry_run and preview.changed_count == 4
    skipped = [o for o in preview.outcomes if not o.changed]
    assert [(o.supervisor_id, o.skip_reason) for o in skipped] == [("clicks-b", "INVALID_STATE")]
    done = client.batch_change_state("terminate", selection)
    strip = [(o.supervisor_id, o.state_before, o.state_after, o.changed, o.skip_reason) for o in preview.outcomes]
    assert [(o.supervisor_id, o.state_before, o.state_after, o.changed, o.skip_reason) for o in done.outcomes] == strip
    assert set(states(client).values()) == {TERMINATED}


def test_filters_combine_and_resume_all_only_resumes_suspended(client, fleet):
    client.suspend_supervisor("orders-b")
    response = client.batch_change_state("resume", svc.SupervisorFilter(states=[SUSPENDED], id_prefix="orders-"))
    assert [(o.supervisor_id, o.changed) for o in response.outcomes] == [("orders-b", True)]
    assert states(client)["clicks-a"] == SUSPENDED
    by_ids = client.batch_change_state("resume", svc.SupervisorFilter(supervisor_ids=["clicks-a", "nobody"]))
    assert [(o.supervisor_id, o.state_after) for o in by_ids.outcomes] == [("clicks-a", RUNNING)]
    none = client.batch_change_state("suspend", svc.SupervisorFilter(
        stream_types=[pb.STREAM_TYPE_RABBITMQ_STREAM]))
    assert list(none.outcomes) == [] and none.changed_count == 0


@pytest.mark.parametrize("selection, field", [
    (svc.SupervisorFilter(), "filter.match_all"),
    (svc.SupervisorFilter(states=[99]), "filter.states[0]"),
    (svc.SupervisorFilter(states=[pb.SUPERVISOR_STATE_UNSPECIFIED]), "filter.states[0]"),
    (svc.SupervisorFilter(stream_types=[7]), "filter.stream_types[0]"),
    (svc.SupervisorFilter(supervisor_ids=["bad id"]), "filter.supervisor_ids"),
    (svc.SupervisorFilter(supervisor_ids=[f"s{i}" for i in range(1001)]), "filter.supervisor_ids"),
    (svc.SupervisorFilter(id_prefix="-x"), "filter.id_prefix"),
    (svc.SupervisorFilter(id_prefix="x" * 300), "filter.id_prefix"),
    (svc.SupervisorFilter(id_prefix="a\x00b"), "filter.id_prefix"),
])
@pytest.mark.parametrize("action", ["suspend", "resume", "terminate"])
def test_bad_filters_are_refused_and_change_nothing(client, fleet, selection, field, action):
    before = snapshot(client)
    reason = "FILTER_REQUIRED" if field == "filter.match_all" else "INVALID_ARGUMENT"
    error = expect_error(lambda: client.batch_change_state(action, selection), INVALID, reason)
    assert field in [f for f, _ in error.field_violations], error.field_violations
    expect_error(lambda: client.batch_change_state(action, selection, dry_run=True), INVALID, reason)
    assert snapshot(client) == before


def test_a_supervisor_changed_meanwhile_is_skipped_with_the_single_calls_reason(server, client, fleet):
    # Between the listing and its own transaction, orders-b is terminated by someone else: the bulk call's
    # per-supervisor transaction re-checks the state under the row lock, exactly like the single call.
    bulk = server.service.bulk
    real_transition = bulk.lifecycle.transition

    def racing(supervisor_id, action, actor, **kw):
        if supervisor_id == "orders-b":
            real_transition("orders-b", "TERMINATE", "someone-else")
        return real_transition(supervisor_id, action, actor, **kw)

    bulk.lifecycle.transition = racing
    try:
        response = client.batch_change_state("suspend", svc.SupervisorFilter(id_prefix="orders-"))
    finally:
        bulk.lifecycle.transition = real_transition
    outcome = {o.supervisor_id: o for o in response.outcomes}
    assert outcome["orders-b"].changed is False and outcome["orders-b"].skip_reason == "INVALID_STATE"
    assert outcome["orders-a"].changed and outcome["orders-c"].changed
    assert states(client)["orders-b"] == TERMINATED


# Health ------------------------------------------------------------------------------------------------

def test_health_rpc_follows_the_state(server, client, fleet):
    h = client.get_supervisor_health("orders-a")
    assert (h.supervisor_id, h.healthy, h.state, h.health_service) == (
        "orders-a", True, RUNNING, "streamvisor.supervisor/orders-a")
    assert client.get_supervisor_health("clicks-a").healthy  # suspended on purpose: nothing is wrong
    assert not client.get_supervisor_health("clicks-b").healthy  # terminated
    server.service.set_health("orders-a", False, "STREAM_UNREACHABLE: broker down")
    h = client.get_supervisor_health("orders-a")
    assert (h.healthy, h.state, h.state_detail) == (False, UNHEALTHY, "STREAM_UNREACHABLE: broker down")
    expect_error(lambda: client.get_supervisor_health("nobody"), grpc.StatusCode.NOT_FOUND, "SUPERVISOR_NOT_FOUND")
    expect_error(lambda: client.get_supervisor_health("bad id"), INVALID, "INVALID_ARGUMENT")


def test_grpc_health_check_per_supervisor(server, fleet):
    with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
        stub = health_pb2_grpc.HealthStub(channel)

        def check(name):
            return stub.Check(health_pb2.HealthCheckRequest(service=name), timeout=10).status

        assert check("streamvisor.supervisor/orders-a") == SERVING
        assert check("streamvisor.supervisor/clicks-b") == NOT_SERVING
        assert check("") == SERVING  # the server's own status is untouched
        for unknown in ("streamvisor.supervisor/nobody", "streamvisor.supervisor/bad id", "streamvisor.supervisor/"):
            with pytest.raises(grpc.RpcError) as info:
                check(unknown)
            assert info.value.code() == grpc.StatusCode.NOT_FOUND, unknown
        with pytest.raises(grpc.RpcError) as info:  # refused before any lookup, like every string with U+0000
            check("streamvisor.supervisor/a\x00")
        assert info.value.code() == INVALID
        listed = stub.List(health_pb2.HealthListRequest(), timeout=10).statuses
        assert not [name for name in listed if name.startswith("streamvisor.supervisor/")]


def test_grpc_health_watch_sees_a_supervisor_go_unhealthy_and_back(server, client, fleet):
    seen: queue.Queue = queue.Queue()
    with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
        stream = watch(channel, "streamvisor.supervisor/orders-c", seen)
        assert seen.get(timeout=10) == SERVING
        server.service.set_health("orders-c", False, "STREAM_UNREACHABLE: test")
        assert seen.get(timeout=10) == NOT_SERVING
        server.service.set_health("orders-c", True, "")
        assert seen.get(timeout=10) == SERVING
        client.terminate_supervisor("orders-c")
        assert seen.get(timeout=10) == NOT_SERVING
        # Only changes are sent: a second or two of polling brings nothing new.
        with pytest.raises(queue.Empty):
            seen.get(timeout=2.5)
        stream.cancel()


def test_grpc_health_watch_of_an_unknown_supervisor_says_so_then_sees_it_created(server, client, fleet):
    seen: queue.Queue = queue.Queue()
    with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
        stream = watch(channel, "streamvisor.supervisor/later", seen)
        assert seen.get(timeout=10) == health_pb2.HealthCheckResponse.SERVICE_UNKNOWN
        client.create_supervisor("later", kafka_spec(fleet))
        assert seen.get(timeout=10) == SERVING
        stream.cancel()
