"""The console's Connect bridge over HTTP, against a live server with tokens and the real Kafka broker:
the contract's answers in Connect form (JSON and binary), and every bad request a clear Connect error
with an ErrorInfo reason - never a 500 - that changes nothing. And `streamvisor demo` on the real broker."""
from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
import uuid

import pytest
import yaml
from click.testing import CliRunner
from google.rpc import error_details_pb2

from conftest import start_server
from streamvisor.api.auth import hash_token
from streamvisor.cli.main import main as cli
from streamvisor.client import StreamvisorClient
from streamvisor.v1 import supervisor_pb2 as pb
from streamvisor.v1 import supervisor_service_pb2 as svc

OPERATOR, VIEWER = f"op-{uuid.uuid4().hex}", f"view-{uuid.uuid4().hex}"
SVC = "/streamvisor.v1.SupervisorService/"


@pytest.fixture
def server(tmp_path, sqlite_url, kafka_bootstrap):
    tokens = tmp_path / "tokens.yaml"
    tokens.write_text(yaml.safe_dump({"tokens": [
        {"actor": "olga", "role": "operator", "sha256": hash_token(OPERATOR)},
        {"actor": "vera", "role": "viewer", "sha256": hash_token(VIEWER)}]}))
    s = start_server(sqlite_url, kafka_bootstrap, tokens_file=str(tokens), console_listen="127.0.0.1:0")
    yield s
    s.stop(0)


def post(server, path: str, body: bytes, content_type: str = "application/json", token: str | None = OPERATOR,
         method: str = "POST", headers: dict | None = None) -> tuple[int, str, bytes]:
    request = urllib.request.Request(f"http://127.0.0.1:{server.console.port}{path}", data=body, method=method,
                                     headers={"content-type": content_type, **(headers or {})})
    if token:
        request.add_header("authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            return r.status, r.headers.get("content-type", ""), r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("content-type", ""), e.read()


def error_of(status: int, body: bytes) -> tuple[int, str, str, dict]:
    """(HTTP status, Connect code, ErrorInfo reason, metadata), with the binary detail and its JSON agreeing."""
    data = json.loads(body)
    infos = [d for d in data["details"] if d["type"] == "google.rpc.ErrorInfo"]
    assert infos, data
    info = error_details_pb2.ErrorInfo.FromString(base64.b64decode(infos[0]["value"] + "=="))
    assert info.reason == infos[0]["debug"]["reason"] and info.domain == "streamvisor"
    return status, data["code"], info.reason, dict(info.metadata)


@pytest.fixture
def supervisor(server, topics, kafka_bootstrap) -> str:
    topic = topics.create(2, prefix="bridge")
    sid = f"bridge-{uuid.uuid4().hex[:8]}"
    with StreamvisorClient(f"127.0.0.1:{server.port}", token=OPERATOR) as c:
        c.create_supervisor(sid, pb.SupervisorSpec(stream_type=pb.STREAM_TYPE_KAFKA, stream=topic, task_count=1,
                                                   context={"useConcurrentLocks": "true"}))
    return sid


def test_json_and_binary_calls_answer_the_contracts_messages(server, supervisor):
    status, content_type, body = post(server, SVC + "GetSupervisor", json.dumps({"supervisorId": supervisor}).encode())
    assert status == 200 and content_type.startswith("application/json")
    answer = json.loads(body)["supervisor"]
    assert answer["id"] == supervisor and answer["generation"] == "1" and answer["state"] == "SUPERVISOR_STATE_RUNNING"
    status, content_type, body = post(server, SVC + "GetSupervisor",
                                      svc.GetSupervisorRequest(supervisor_id=supervisor).SerializeToString(),
                                      "application/proto")
    assert status == 200 and content_type == "application/proto"
    assert svc.GetSupervisorResponse.FromString(body).supervisor.id == supervisor


def test_a_reset_through_the_bridge_carries_its_plan_token(server, supervisor):
    request = {"supervisorId": supervisor, "dryRun": True}
    status, _, body = post(server, SVC + "ResetSupervisor", json.dumps(request).encode())
    assert status == 200
    token = json.loads(body)["planToken"]
    assert token
    def execute(plan_token: str):
        return post(server, SVC + "ResetSupervisor",
                    json.dumps({"supervisorId": supervisor, "planToken": plan_token}).encode())
    status, _, body = execute(token)
    assert status == 200 and json.loads(body)["generation"] == "2"
    # The same reviewed plan again: the reset just made it stale.
    status, _, body = execute(token)
    assert error_of(status, body)[:3] == (400, "failed_precondition", "PLAN_STALE")
    status, _, body = execute("%%")
    assert error_of(status, body)[:3] == (400, "invalid_argument", "INVALID_PLAN_TOKEN")


@pytest.mark.parametrize("body,content_type", [
    (b'{"supervisorId":', "application/json"),                  # truncated JSON
    (b'{"noSuchField": 1}', "application/json"),                # not a field of the request
    (b'{"supervisorId": 5}', "application/json"),               # wrong type
    (b'[1, 2]', "application/json"),                            # not an object
    (b"\xff\xfe\x00", "application/json"),                      # not UTF-8
    (b"\x0a\x05ab", "application/proto"),                       # truncated protobuf
    (b"\x0a\x02\xff\xfe", "application/proto"),                 # a string field that is not UTF-8
])
def test_a_body_that_does_not_parse_is_malformed_request(server, body, content_type):
    status, _, answer = post(server, SVC + "GetSupervisor", body, content_type)
    assert error_of(status, answer) == (400, "invalid_argument", "MALFORMED_REQUEST",
                                        {"method": "streamvisor.v1.SupervisorService/GetSupervisor"})


def test_deep_nesting_is_malformed_not_a_crash(server):
    status, _, answer = post(server, SVC + "ListSupervisors", b'{"states": ' + b"[" * 10000 + b"]" * 10000 + b"}")
    assert error_of(status, answer)[:3] == (400, "invalid_argument", "MALFORMED_REQUEST")


def test_the_servers_validation_and_auth_answer_as_over_grpc(server, supervisor):
    status, _, body = post(server, SVC + "GetSupervisor", b'{"supervisorId": "Not Valid!"}')
    assert error_of(status, body)[:3] == (400, "invalid_argument", "INVALID_ARGUMENT")
    assert json.loads(body)["details"][1]["debug"]["fieldViolations"][0]["field"] == "supervisor_id"
    status, _, body = post(server, SVC + "GetSupervisor", b'{"supervisorId": "nope"}')
    assert error_of(status, body)[:3] == (404, "not_found", "SUPERVISOR_NOT_FOUND")
    status, _, body = post(server, SVC + "GetSupervisor", b"{}", token=None)
    assert error_of(status, body)[:3] == (401, "unauthenticated", "UNAUTHENTICATED")
    status, _, body = post(server, SVC + "GetSupervisor", b"{}", token="wrong")
    assert error_of(status, body)[:3] == (401, "unauthenticated", "UNAUTHENTICATED")
    status, _, body = post(server, SVC + "SuspendSupervisor", json.dumps({"supervisorId": supervisor}).encode(),
                           token=VIEWER)
    assert error_of(status, body) == (403, "permission_denied", "PERMISSION_DENIED", {
        "method": "streamvisor.v1.SupervisorService/SuspendSupervisor", "role": "viewer"})
    with StreamvisorClient(f"127.0.0.1:{server.port}", token=OPERATOR) as c:
        assert c.get_supervisor(supervisor).state == pb.SUPERVISOR_STATE_RUNNING  # the viewer changed nothing


@pytest.mark.parametrize("path,method,content_type,code,http", [
    (SVC + "NoSuchMethod", "POST", "application/json", "unimplemented", 404),
    (SVC + "GetSupervisor", "GET", "application/json", "unimplemented", 405),
    (SVC + "GetSupervisor", "POST", "text/plain", "unimplemented", 415),
    ("/streamvisor.v1.TaskService/AcquireTask", "POST", "application/json", None, 404),  # not bridged
    (SVC + "SuspendSupervisor", "OPTIONS", "application/json", None, 405),  # no CORS preflight is granted
])
def test_requests_the_bridge_does_not_serve_are_refused_plainly(server, path, method, content_type, code, http):
    status, _, body = post(server, path, b"{}" if method == "POST" else None, content_type, method=method)
    assert status == http
    if code:
        assert json.loads(body)["code"] == code


def test_an_oversized_body_is_refused(server):
    status, _, body = post(server, SVC + "GetSupervisor", b'{"supervisorId": "' + b"a" * (5 * 1024 * 1024) + b'"}')
    assert status == 429 and json.loads(body)["code"] == "resource_exhausted"


@pytest.mark.parametrize("timeout", ["abc", "-5", "99999999999999", "0"])
def test_a_nonsense_timeout_header_falls_back_to_the_default(server, supervisor, timeout):
    status, _, body = post(server, SVC + "GetSupervisor", json.dumps({"supervisorId": supervisor}).encode(),
                           headers={"connect-timeout-ms": timeout})
    assert status == 200


def test_the_session_probe_names_the_tokens_role(server):
    status, _, body = post(server, "/console/session", None, method="GET", token=VIEWER)
    assert status == 200 and json.loads(body) == {"actor": "vera", "role": "viewer", "authentication": True}
    status, _, body = post(server, "/console/session", None, method="GET", token="wrong")
    assert error_of(status, body)[:3] == (401, "unauthenticated", "UNAUTHENTICATED")


def test_the_pages_are_served(server):
    status, content_type, body = post(server, "/", None, method="GET")
    assert status == 200 and b'src="/static/app.js"' in body and content_type.startswith("text/html")
    for asset in ("app.js", "api.js", "style.css"):
        assert post(server, f"/static/{asset}", None, method="GET")[0] == 200


def test_demo_creates_its_topic_and_supervisor_and_produces(server, topics, kafka_bootstrap):
    topic, sid = f"demo-{uuid.uuid4().hex[:8]}", f"demo-{uuid.uuid4().hex[:8]}"
    topics.created.append(topic)  # deleted at the end like the fixture's own
    args = ["--server", f"127.0.0.1:{server.port}", "--token", OPERATOR, "demo", "--bootstrap", kafka_bootstrap,
            "--topic", topic, "--supervisor", sid, "--partitions", "2", "--rate", "50", "--duration", "2"]
    first = CliRunner().invoke(cli, args)
    assert first.exit_code == 0, first.output
    assert f"topic {topic!r} on {kafka_bootstrap}: created" in first.output
    assert f"supervisor {sid!r} created" in first.output
    produced = int(first.output.strip().rsplit("produced ", 1)[1].split()[0])
    assert produced >= 50
    with StreamvisorClient(f"127.0.0.1:{server.port}", token=OPERATOR) as c:
        offsets = c.get_offsets(sid)
        assert len(offsets.partitions) == 2 and sum(p.latest for p in offsets.partitions) == produced
    again = CliRunner().invoke(cli, args[:-2] + ["--duration", "0.5"])
    assert again.exit_code == 0 and "already there" in again.output


def test_demo_refuses_nonsense_before_creating_anything(server, kafka_bootstrap):
    bad = CliRunner().invoke(cli, ["--server", f"127.0.0.1:{server.port}", "--token", OPERATOR, "demo",
                                   "--bootstrap", kafka_bootstrap, "--partitions", "0"])
    assert bad.exit_code == 2 and "--partitions" in bad.output


def test_a_console_port_that_is_taken_stops_the_server_with_a_clear_error(sqlite_url, kafka_bootstrap):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(RuntimeError, match="the console cannot listen on 127.0.0.1:[0-9]+: Address already in use"):
            start_server(sqlite_url, kafka_bootstrap, console_listen=f"127.0.0.1:{port}")
