"""TaskService servicer: thin. Converts, delegates to the task use cases, converts back."""
from __future__ import annotations

from streamvisor.api import convert
from streamvisor.api.errors import handle_errors
from streamvisor.app.tasks import TaskService
from streamvisor.domain.errors import FieldViolation, InvalidArgument, Violations
from streamvisor.domain.stats import Counters
from streamvisor.v1 import task_service_pb2 as tasks
from streamvisor.v1 import task_service_pb2_grpc as tasks_grpc


def task_to_pb(task, supervisor, family_id: str = "", names: convert.PartitionNames = convert.NUMBERED,
               stream_identity: str = "") -> tasks.Task:
    message = tasks.Task(family_id=family_id or supervisor.id, stream_identity=stream_identity,
        id=task.id, supervisor_id=task.supervisor_id, task_group=task.task_group, generation=task.generation,
        stream_type=convert.spec_to_pb(supervisor.spec).stream_type, stream=supervisor.spec.stream,
        consumer_properties=dict(supervisor.spec.consumer_properties),
        lease_expire_time=convert.timestamp(task.lease_expires_at))
    for p, start in sorted(task.start_offsets.items()):
        part = message.partitions.add(partition=p, start_offset=convert.fitting(start),
                                      partition_id=names.partition_name(p), start_offset_decimal=str(start))
        if task.end_offsets is not None:
            end = task.end_offsets[p]
            part.end_offset = convert.fitting(end)
            part.end_offset_decimal = str(end)
    return message


class TaskServicer(tasks_grpc.TaskServiceServicer):
    def __init__(self, service: TaskService):
        self.service = service

    @handle_errors
    def AcquireTask(self, request, context):
        v = Violations()
        types = convert.stream_types_from_pb(request.stream_types, "stream_types", v)
        v.raise_if_any()
        leased = self.service.acquire(request.worker_id, request.lease_seconds, types)
        if leased is None:
            return tasks.AcquireTaskResponse()
        task, supervisor, family_id, identity = leased
        return tasks.AcquireTaskResponse(task=task_to_pb(task, supervisor, family_id, self._names(supervisor),
                                                         identity))

    def _names(self, supervisor) -> convert.PartitionNames:
        streams, stream_type = self.service.core.streams, supervisor.spec.stream_type
        return streams.kind(stream_type) if streams.supports(stream_type) else convert.NUMBERED

    def _names_of_task(self, task_id: str) -> convert.PartitionNames:
        """The partition names of a task's stream kind, for a commit that names its partitions: one read."""
        with self.service.store.read() as tx:
            task = tx.get_task(task_id, lock=False) if task_id else None
            supervisor = tx.get_supervisor(task.supervisor_id) if task is not None else None
        return self._names(supervisor) if supervisor is not None else convert.NUMBERED

    @handle_errors
    def Heartbeat(self, request, context):
        report = None
        if request.HasField("report"):
            c = request.report.counters
            phase = convert.phase_from_pb(request.report.phase)
            if phase is None:
                raise InvalidArgument([FieldViolation("report.phase", f"unknown phase {request.report.phase}")])
            report = (Counters(c.processed, c.processed_bytes, c.unparseable, c.thrown_away), phase)
        reason, lease_end, publish_now = self.service.heartbeat(request.task_id, request.worker_id,
                                                                request.lease_seconds, report)
        if reason:
            return tasks.HeartbeatResponse(directive=tasks.TASK_DIRECTIVE_STOP, stop_reason=reason)
        return tasks.HeartbeatResponse(directive=tasks.TASK_DIRECTIVE_CONTINUE,
                                       lease_expire_time=convert.timestamp(lease_end), publish_now=publish_now)

    @handle_errors
    def CommitCheckpoint(self, request, context):
        v = convert.RequestViolations()
        names = self._names_of_task(request.task_id) if any(r.partition_id for r in request.ranges) \
            else convert.NUMBERED
        ranges = [convert.range_from_pb(r, f"ranges[{i}]", v, names) for i, r in enumerate(request.ranges)]
        v.raise_if_any()
        segment_id, done = self.service.commit(request.task_id, request.worker_id, ranges, request.location,
                                               request.record_count)
        return tasks.CommitCheckpointResponse(segment_id=segment_id, task_done=done)

    @handle_errors
    def CompleteTask(self, request, context):
        self.service.complete(request.task_id, request.worker_id)
        return tasks.CompleteTaskResponse()

    @handle_errors
    def FailTask(self, request, context):
        self.service.fail(request.task_id, request.worker_id, request.reason)
        return tasks.FailTaskResponse()
