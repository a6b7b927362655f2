import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from streamvisor.v1 import supervisor_pb2 as _supervisor_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class TaskDirective(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TASK_DIRECTIVE_UNSPECIFIED: _ClassVar[TaskDirective]
    TASK_DIRECTIVE_CONTINUE: _ClassVar[TaskDirective]
    TASK_DIRECTIVE_STOP: _ClassVar[TaskDirective]
TASK_DIRECTIVE_UNSPECIFIED: TaskDirective
TASK_DIRECTIVE_CONTINUE: TaskDirective
TASK_DIRECTIVE_STOP: TaskDirective

class TaskPartition(_message.Message):
    __slots__ = ("partition", "start_offset", "end_offset", "partition_id", "start_offset_decimal", "end_offset_decimal")
    PARTITION_FIELD_NUMBER: _ClassVar[int]
    START_OFFSET_FIELD_NUMBER: _ClassVar[int]
    END_OFFSET_FIELD_NUMBER: _ClassVar[int]
    PARTITION_ID_FIELD_NUMBER: _ClassVar[int]
    START_OFFSET_DECIMAL_FIELD_NUMBER: _ClassVar[int]
    END_OFFSET_DECIMAL_FIELD_NUMBER: _ClassVar[int]
    partition: int
    start_offset: int
    end_offset: int
    partition_id: str
    start_offset_decimal: str
    end_offset_decimal: str
    def __init__(self, partition: _Optional[int] = ..., start_offset: _Optional[int] = ..., end_offset: _Optional[int] = ..., partition_id: _Optional[str] = ..., start_offset_decimal: _Optional[str] = ..., end_offset_decimal: _Optional[str] = ...) -> None: ...

class Task(_message.Message):
    __slots__ = ("id", "supervisor_id", "task_group", "generation", "stream_type", "stream", "consumer_properties", "partitions", "lease_expire_time", "family_id", "stream_identity")
    class ConsumerPropertiesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    SUPERVISOR_ID_FIELD_NUMBER: _ClassVar[int]
    TASK_GROUP_FIELD_NUMBER: _ClassVar[int]
    GENERATION_FIELD_NUMBER: _ClassVar[int]
    STREAM_TYPE_FIELD_NUMBER: _ClassVar[int]
    STREAM_FIELD_NUMBER: _ClassVar[int]
    CONSUMER_PROPERTIES_FIELD_NUMBER: _ClassVar[int]
    PARTITIONS_FIELD_NUMBER: _ClassVar[int]
    LEASE_EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    FAMILY_ID_FIELD_NUMBER: _ClassVar[int]
    STREAM_IDENTITY_FIELD_NUMBER: _ClassVar[int]
    id: str
    supervisor_id: str
    task_group: int
    generation: int
    stream_type: _supervisor_pb2.StreamType
    stream: str
    consumer_properties: _containers.ScalarMap[str, str]
    partitions: _containers.RepeatedCompositeFieldContainer[TaskPartition]
    lease_expire_time: _timestamp_pb2.Timestamp
    family_id: str
    stream_identity: str
    def __init__(self, id: _Optional[str] = ..., supervisor_id: _Optional[str] = ..., task_group: _Optional[int] = ..., generation: _Optional[int] = ..., stream_type: _Optional[_Union[_supervisor_pb2.StreamType, str]] = ..., stream: _Optional[str] = ..., consumer_properties: _Optional[_Mapping[str, str]] = ..., partitions: _Optional[_Iterable[_Union[TaskPartition, _Mapping]]] = ..., lease_expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., family_id: _Optional[str] = ..., stream_identity: _Optional[str] = ...) -> None: ...

class AcquireTaskRequest(_message.Message):
    __slots__ = ("worker_id", "lease_seconds", "stream_types")
    WORKER_ID_FIELD_NUMBER: _ClassVar[int]
    LEASE_SECONDS_FIELD_NUMBER: _ClassVar[int]
    STREAM_TYPES_FIELD_NUMBER: _ClassVar[int]
    worker_id: str
    lease_seconds: int
    stream_types: _containers.RepeatedScalarFieldContainer[_supervisor_pb2.StreamType]
    def __init__(self, worker_id: _Optional[str] = ..., lease_seconds: _Optional[int] = ..., stream_types: _Optional[_Iterable[_Union[_supervisor_pb2.StreamType, str]]] = ...) -> None: ...

class AcquireTaskResponse(_message.Message):
    __slots__ = ("task",)
    TASK_FIELD_NUMBER: _ClassVar[int]
    task: Task
    def __init__(self, task: _Optional[_Union[Task, _Mapping]] = ...) -> None: ...

class HeartbeatRequest(_message.Message):
    __slots__ = ("task_id", "worker_id", "lease_seconds", "report")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    WORKER_ID_FIELD_NUMBER: _ClassVar[int]
    LEASE_SECONDS_FIELD_NUMBER: _ClassVar[int]
    REPORT_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    worker_id: str
    lease_seconds: int
    report: TaskReport
    def __init__(self, task_id: _Optional[str] = ..., worker_id: _Optional[str] = ..., lease_seconds: _Optional[int] = ..., report: _Optional[_Union[TaskReport, _Mapping]] = ...) -> None: ...

class TaskReport(_message.Message):
    __slots__ = ("counters", "phase")
    COUNTERS_FIELD_NUMBER: _ClassVar[int]
    PHASE_FIELD_NUMBER: _ClassVar[int]
    counters: _supervisor_pb2.IngestionCounters
    phase: _supervisor_pb2.TaskPhase
    def __init__(self, counters: _Optional[_Union[_supervisor_pb2.IngestionCounters, _Mapping]] = ..., phase: _Optional[_Union[_supervisor_pb2.TaskPhase, str]] = ...) -> None: ...

class HeartbeatResponse(_message.Message):
    __slots__ = ("directive", "stop_reason", "lease_expire_time", "publish_now")
    DIRECTIVE_FIELD_NUMBER: _ClassVar[int]
    STOP_REASON_FIELD_NUMBER: _ClassVar[int]
    LEASE_EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    PUBLISH_NOW_FIELD_NUMBER: _ClassVar[int]
    directive: TaskDirective
    stop_reason: str
    lease_expire_time: _timestamp_pb2.Timestamp
    publish_now: bool
    def __init__(self, directive: _Optional[_Union[TaskDirective, str]] = ..., stop_reason: _Optional[str] = ..., lease_expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., publish_now: _Optional[bool] = ...) -> None: ...

class CommitCheckpointRequest(_message.Message):
    __slots__ = ("task_id", "worker_id", "ranges", "location", "record_count")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    WORKER_ID_FIELD_NUMBER: _ClassVar[int]
    RANGES_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    RECORD_COUNT_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    worker_id: str
    ranges: _containers.RepeatedCompositeFieldContainer[_supervisor_pb2.OffsetRange]
    location: str
    record_count: int
    def __init__(self, task_id: _Optional[str] = ..., worker_id: _Optional[str] = ..., ranges: _Optional[_Iterable[_Union[_supervisor_pb2.OffsetRange, _Mapping]]] = ..., location: _Optional[str] = ..., record_count: _Optional[int] = ...) -> None: ...

class CommitCheckpointResponse(_message.Message):
    __slots__ = ("segment_id", "task_done")
    SEGMENT_ID_FIELD_NUMBER: _ClassVar[int]
    TASK_DONE_FIELD_NUMBER: _ClassVar[int]
    segment_id: int
    task_done: bool
    def __init__(self, segment_id: _Optional[int] = ..., task_done: _Optional[bool] = ...) -> None: ...

class CompleteTaskRequest(_message.Message):
    __slots__ = ("task_id", "worker_id")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    WORKER_ID_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    worker_id: str
    def __init__(self, task_id: _Optional[str] = ..., worker_id: _Optional[str] = ...) -> None: ...

class CompleteTaskResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class FailTaskRequest(_message.Message):
    __slots__ = ("task_id", "worker_id", "reason")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    WORKER_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    worker_id: str
    reason: str
    def __init__(self, task_id: _Optional[str] = ..., worker_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class FailTaskResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...
