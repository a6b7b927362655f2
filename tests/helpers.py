"""Small helpers shared by the integration tests."""
from __future__ import annotations

import grpc
import pytest

from streamvisor.client import StreamvisorClient, StreamvisorError
from streamvisor.v1 import supervisor_pb2 as pb

CONCURRENT = {"useConcurrentLocks": "true"}


def pb_range(partition: int, start: int, end: int) -> pb.OffsetRange:
    return pb.OffsetRange(partition=partition, start_offset=start, end_offset=end)


def kafka_spec(topic: str, task_count: int = 2, context: dict | None = None, **fields) -> pb.SupervisorSpec:
    return pb.SupervisorSpec(stream_type=pb.STREAM_TYPE_KAFKA, stream=topic, task_count=task_count,
                             context=CONCURRENT if context is None else context, **fields)


def expect_error(call, code: grpc.StatusCode, reason: str) -> StreamvisorError:
    with pytest.raises(StreamvisorError) as info:
        call()
    error = info.value
    assert (error.code, error.reason) == (code, reason), str(error)
    assert error.domain == "streamvisor"
    return error


def snapshot(client: StreamvisorClient) -> list:
    """Everything an operator can see: every supervisor (with its etag) and its whole history."""
    state = []
    for s in client.iter_supervisors():
        state.append((s.SerializeToString(deterministic=True),
                      [e.SerializeToString(deterministic=True) for e in client.iter_history(s.id)]))
    return state


def wait_until(predicate, timeout: float, what: str, interval: float = 0.1):
    """Polls `predicate` until it returns something truthy (returned), or fails naming `what`."""
    import time
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")
