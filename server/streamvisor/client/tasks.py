"""The workers' side of the SDK: TaskService calls with deadlines, retrying only when the server could
not be reached (a restart, a network blip) - every TaskService call is safe to repeat."""
from __future__ import annotations

import random
import time
from typing import Sequence

import grpc

from streamvisor.client import GrpcClient, StreamvisorError
from streamvisor.v1 import supervisor_pb2 as pb
from streamvisor.v1 import supervisor_service_pb2 as svc
from streamvisor.v1 import supervisor_service_pb2_grpc as svc_grpc
from streamvisor.v1 import task_service_pb2 as tasks
from streamvisor.v1 import task_service_pb2_grpc as tasks_grpc


class TaskClient(GrpcClient):
    def __init__(self, target: str, *, timeout: float = 10.0, retry_for_s: float = 60.0,
                 channel: grpc.Channel | None = None, token: str | None = None, tls_ca=None, tls_cert=None,
                 tls_key=None, tls: bool = False):
        """Credentials as for StreamvisorClient: a bearer token (role `worker`), TLS and mutual TLS."""
        super().__init__(target, channel, token, tls, tls_ca, tls_cert, tls_key)
        self.stub = tasks_grpc.TaskServiceStub(self.channel)
        # ListSegments only (a worker's role may call it): was a staged segment published?
        self.segments_stub = svc_grpc.SupervisorServiceStub(self.channel)
        self.timeout = timeout
        self.retry_for_s = retry_for_s

    def _call(self, method: str, request, stub=None, retry_for_s: float | None = None):
        deadline = time.monotonic() + (self.retry_for_s if retry_for_s is None else retry_for_s)
        attempt = 0
        while True:
            try:
                return getattr(stub or self.stub, method)(request, timeout=self.timeout, metadata=self.metadata)
            except grpc.RpcError as e:
                error = StreamvisorError.from_rpc_error(e)
                # Unreachable, refused as busy before doing anything, or the metadata store did not take the
                # transaction: all safe to repeat (commits are recognised by location). Giving up on
                # SERVER_BUSY would idle the task for a whole lease.
                transient = (error.code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)
                             and not error.reason) or error.reason in ("SERVER_BUSY", "METADATA_STORE_UNAVAILABLE")
                if not transient or time.monotonic() >= deadline:
                    raise error from None
                attempt += 1
                time.sleep(min(2.0, 0.05 * 2 ** attempt) * (0.5 + random.random() / 2))

    def acquire(self, worker_id: str, lease_seconds: int = 0,
                stream_types: Sequence[int] = (pb.STREAM_TYPE_KAFKA,)) -> tasks.Task | None:
        """Leases a task of one of `stream_types` (StreamType values: the ones this worker can read)."""
        response = self._call("AcquireTask", tasks.AcquireTaskRequest(
            worker_id=worker_id, lease_seconds=lease_seconds, stream_types=list(stream_types)))
        return response.task if response.HasField("task") else None

    def heartbeat(self, task_id: str, worker_id: str, lease_seconds: int = 0,
                  report: tasks.TaskReport | None = None) -> tasks.HeartbeatResponse:
        return self._call("Heartbeat", tasks.HeartbeatRequest(task_id=task_id, worker_id=worker_id,
                                                              lease_seconds=lease_seconds, report=report))

    def commit(self, task_id: str, worker_id: str, ranges: list[pb.OffsetRange], location: str,
               record_count: int, retry_for_s: float | None = None) -> tasks.CommitCheckpointResponse:
        """`retry_for_s` bounds the retries of this call (default: the client's)."""
        return self._call("CommitCheckpoint", tasks.CommitCheckpointRequest(
            task_id=task_id, worker_id=worker_id, ranges=ranges, location=location, record_count=record_count),
            retry_for_s=retry_for_s)

    def complete(self, task_id: str, worker_id: str) -> None:
        self._call("CompleteTask", tasks.CompleteTaskRequest(task_id=task_id, worker_id=worker_id))

    def fail(self, task_id: str, worker_id: str, reason: str = "") -> None:
        self._call("FailTask", tasks.FailTaskRequest(task_id=task_id, worker_id=worker_id, reason=reason))

    def find_segment(self, supervisor_id: str, location: str) -> int | None:
        """The id of the segment `supervisor_id` published at `location`, or None: the server's answer to
        "was this staged segment accepted?" (a staged segment is committed under its final location)."""
        response = self._call("ListSegments", svc.ListSegmentsRequest(
            supervisor_id=supervisor_id, location=location, page_size=1), stub=self.segments_stub)
        return response.segments[0].segment_id if response.segments else None
