"""The console answers only to its own names and its own pages (console/app.py, SameOriginGuard).

With authentication off - the quick-start setup - anything that can make a browser send a request to the
console's port could otherwise drive it: a page whose DNS name was rebound to 127.0.0.1 (its requests
carry `Host: evil.example`), or a foreign page posting across sites (its requests carry its `Origin`).
Both are refused with 403 and a Connect error carrying ErrorInfo PERMISSION_DENIED, and change nothing.
Real server, real HTTP (http.client sets any Host header, as a rebound browser would).
"""
from __future__ import annotations

import http.client
import json

import pytest

from conftest import start_server
from streamvisor.console.app import _host_name, default_allowed_hosts, parse_allowed_hosts

CREATE = "/streamvisor.v1.SupervisorService/CreateSupervisor"
LIST = "/streamvisor.v1.SupervisorService/ListSupervisors"


@pytest.fixture
def console_port(sqlite_url):
    server = start_server(sqlite_url, "127.0.0.1:1", console_listen="127.0.0.1:0")
    yield server.console.port
    server.stop(0)


def call(port: int, method: str, path: str, host: str, body: dict | None = None, origin: str | None = None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Host": host, "Content-Type": "application/json"}
    if origin is not None:
        headers["Origin"] = origin
    connection.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
    response = connection.getresponse()
    payload = json.loads(response.read() or b"{}")
    connection.close()
    return response.status, payload


def supervisor_ids(port: int) -> list[str]:
    status, payload = call(port, "POST", LIST, f"127.0.0.1:{port}", {})
    assert status == 200, payload
    return [s["id"] for s in payload.get("supervisors", [])]


def assert_refused(status: int, payload: dict, **metadata: str) -> None:
    assert status == 403, payload
    assert payload["code"] == "permission_denied"
    [detail] = payload["details"]
    assert detail["debug"]["reason"] == "PERMISSION_DENIED"
    for key, value in metadata.items():
        assert detail["debug"]["metadata"][key] == value


def test_its_own_names_and_pages_are_answered(console_port):
    for host in (f"127.0.0.1:{console_port}", f"localhost:{console_port}"):
        status, payload = call(console_port, "GET", "/console/session", host)
        assert status == 200 and payload["authentication"] is False, payload
    status, payload = call(console_port, "POST", LIST, f"127.0.0.1:{console_port}", {},
                           origin=f"http://127.0.0.1:{console_port}")
    assert status == 200, payload


def test_a_rebound_host_name_is_refused_and_changes_nothing(console_port):
    before = supervisor_ids(console_port)
    host = f"evil.example:{console_port}"
    status, payload = call(console_port, "POST", CREATE, host, {"supervisor": {"id": "rebound"}},
                           origin=f"http://{host}")
    assert_refused(status, payload, host=host)
    status, payload = call(console_port, "GET", "/", host)
    assert_refused(status, payload, host=host)
    assert supervisor_ids(console_port) == before


def test_a_cross_site_request_is_refused_and_changes_nothing(console_port):
    before = supervisor_ids(console_port)
    host = f"127.0.0.1:{console_port}"
    for origin in ("http://evil.example", "null", f"https://127.0.0.1:{console_port + 1}"):
        status, payload = call(console_port, "POST", CREATE, host, {"supervisor": {"id": "cross-site"}}, origin=origin)
        assert_refused(status, payload, origin=origin, host=host)
    assert supervisor_ids(console_port) == before


def test_allowed_hosts_parsing():
    assert parse_allowed_hosts("", "127.0.0.1") == default_allowed_hosts("127.0.0.1")
    assert {"localhost", "127.0.0.1", "::1"} <= default_allowed_hosts("127.0.0.1")
    assert "console.internal" in default_allowed_hosts("console.internal")
    assert parse_allowed_hosts(" Console.Example , [::1] ", "0.0.0.0") == frozenset({"console.example", "::1"})
    assert parse_allowed_hosts("a.example,*", "127.0.0.1") is None
    assert _host_name("Example.COM:8080") == "example.com"
    assert _host_name("[::1]:8080") == "::1"
    assert _host_name("::1") == "::1"
    assert _host_name("example.com") == "example.com"
