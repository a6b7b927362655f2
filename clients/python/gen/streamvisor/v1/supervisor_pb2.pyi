import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class StreamType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    STREAM_TYPE_UNSPECIFIED: _ClassVar[StreamType]
    STREAM_TYPE_KAFKA: _ClassVar[StreamType]
    STREAM_TYPE_RABBITMQ_STREAM: _ClassVar[StreamType]
    STREAM_TYPE_KINESIS: _ClassVar[StreamType]

class SupervisorState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SUPERVISOR_STATE_UNSPECIFIED: _ClassVar[SupervisorState]
    SUPERVISOR_STATE_PENDING: _ClassVar[SupervisorState]
    SUPERVISOR_STATE_RUNNING: _ClassVar[SupervisorState]
    SUPERVISOR_STATE_SUSPENDED: _ClassVar[SupervisorState]
    SUPERVISOR_STATE_COMPLETED: _ClassVar[SupervisorState]
    SUPERVISOR_STATE_TERMINATED: _ClassVar[SupervisorState]
    SUPERVISOR_STATE_UNHEALTHY: _ClassVar[SupervisorState]
    SUPERVISOR_STATE_IDLE: _ClassVar[SupervisorState]

class TaskPhase(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TASK_PHASE_UNSPECIFIED: _ClassVar[TaskPhase]
    TASK_PHASE_READING: _ClassVar[TaskPhase]
    TASK_PHASE_PUBLISHING: _ClassVar[TaskPhase]
STREAM_TYPE_UNSPECIFIED: StreamType
STREAM_TYPE_KAFKA: StreamType
STREAM_TYPE_RABBITMQ_STREAM: StreamType
STREAM_TYPE_KINESIS: StreamType
SUPERVISOR_STATE_UNSPECIFIED: SupervisorState
SUPERVISOR_STATE_PENDING: SupervisorState
SUPERVISOR_STATE_RUNNING: SupervisorState
SUPERVISOR_STATE_SUSPENDED: SupervisorState
SUPERVISOR_STATE_COMPLETED: SupervisorState
SUPERVISOR_STATE_TERMINATED: SupervisorState
SUPERVISOR_STATE_UNHEALTHY: SupervisorState
SUPERVISOR_STATE_IDLE: SupervisorState
TASK_PHASE_UNSPECIFIED: TaskPhase
TASK_PHASE_READING: TaskPhase
TASK_PHASE_PUBLISHING: TaskPhase

class OffsetRange(_message.Message):
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

class SupervisorSpec(_message.Message):
    __slots__ = ("stream_type", "stream", "consumer_properties", "task_count", "use_earliest_offset", "context", "bounded_ranges", "autoscaler", "idle")
    class ConsumerPropertiesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    class ContextEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    STREAM_TYPE_FIELD_NUMBER: _ClassVar[int]
    STREAM_FIELD_NUMBER: _ClassVar[int]
    CONSUMER_PROPERTIES_FIELD_NUMBER: _ClassVar[int]
    TASK_COUNT_FIELD_NUMBER: _ClassVar[int]
    USE_EARLIEST_OFFSET_FIELD_NUMBER: _ClassVar[int]
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    BOUNDED_RANGES_FIELD_NUMBER: _ClassVar[int]
    AUTOSCALER_FIELD_NUMBER: _ClassVar[int]
    IDLE_FIELD_NUMBER: _ClassVar[int]
    stream_type: StreamType
    stream: str
    consumer_properties: _containers.ScalarMap[str, str]
    task_count: int
    use_earliest_offset: bool
    context: _containers.ScalarMap[str, str]
    bounded_ranges: _containers.RepeatedCompositeFieldContainer[OffsetRange]
    autoscaler: AutoscalerConfig
    idle: IdleConfig
    def __init__(self, stream_type: _Optional[_Union[StreamType, str]] = ..., stream: _Optional[str] = ..., consumer_properties: _Optional[_Mapping[str, str]] = ..., task_count: _Optional[int] = ..., use_earliest_offset: _Optional[bool] = ..., context: _Optional[_Mapping[str, str]] = ..., bounded_ranges: _Optional[_Iterable[_Union[OffsetRange, _Mapping]]] = ..., autoscaler: _Optional[_Union[AutoscalerConfig, _Mapping]] = ..., idle: _Optional[_Union[IdleConfig, _Mapping]] = ...) -> None: ...

class IdleConfig(_message.Message):
    __slots__ = ("enabled", "inactive_after_seconds")
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    INACTIVE_AFTER_SECONDS_FIELD_NUMBER: _ClassVar[int]
    enabled: bool
    inactive_after_seconds: int
    def __init__(self, enabled: _Optional[bool] = ..., inactive_after_seconds: _Optional[int] = ...) -> None: ...

class AutoscalerConfig(_message.Message):
    __slots__ = ("enabled", "task_count_min", "task_count_max", "scale_out_lag", "scale_in_lag", "scale_out_fraction", "scale_in_fraction", "sample_interval_seconds", "window_seconds", "scale_out_step", "scale_in_step", "cooldown_seconds")
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    TASK_COUNT_MIN_FIELD_NUMBER: _ClassVar[int]
    TASK_COUNT_MAX_FIELD_NUMBER: _ClassVar[int]
    SCALE_OUT_LAG_FIELD_NUMBER: _ClassVar[int]
    SCALE_IN_LAG_FIELD_NUMBER: _ClassVar[int]
    SCALE_OUT_FRACTION_FIELD_NUMBER: _ClassVar[int]
    SCALE_IN_FRACTION_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_INTERVAL_SECONDS_FIELD_NUMBER: _ClassVar[int]
    WINDOW_SECONDS_FIELD_NUMBER: _ClassVar[int]
    SCALE_OUT_STEP_FIELD_NUMBER: _ClassVar[int]
    SCALE_IN_STEP_FIELD_NUMBER: _ClassVar[int]
    COOLDOWN_SECONDS_FIELD_NUMBER: _ClassVar[int]
    enabled: bool
    task_count_min: int
    task_count_max: int
    scale_out_lag: int
    scale_in_lag: int
    scale_out_fraction: float
    scale_in_fraction: float
    sample_interval_seconds: int
    window_seconds: int
    scale_out_step: int
    scale_in_step: int
    cooldown_seconds: int
    def __init__(self, enabled: _Optional[bool] = ..., task_count_min: _Optional[int] = ..., task_count_max: _Optional[int] = ..., scale_out_lag: _Optional[int] = ..., scale_in_lag: _Optional[int] = ..., scale_out_fraction: _Optional[float] = ..., scale_in_fraction: _Optional[float] = ..., sample_interval_seconds: _Optional[int] = ..., window_seconds: _Optional[int] = ..., scale_out_step: _Optional[int] = ..., scale_in_step: _Optional[int] = ..., cooldown_seconds: _Optional[int] = ...) -> None: ...

class Supervisor(_message.Message):
    __slots__ = ("id", "spec", "state", "state_detail", "generation", "etag", "partitions", "create_time", "update_time", "backfill_of", "partition_ids")
    ID_FIELD_NUMBER: _ClassVar[int]
    SPEC_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    STATE_DETAIL_FIELD_NUMBER: _ClassVar[int]
    GENERATION_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    PARTITIONS_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    BACKFILL_OF_FIELD_NUMBER: _ClassVar[int]
    PARTITION_IDS_FIELD_NUMBER: _ClassVar[int]
    id: str
    spec: SupervisorSpec
    state: SupervisorState
    state_detail: str
    generation: int
    etag: str
    partitions: _containers.RepeatedScalarFieldContainer[int]
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    backfill_of: str
    partition_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, id: _Optional[str] = ..., spec: _Optional[_Union[SupervisorSpec, _Mapping]] = ..., state: _Optional[_Union[SupervisorState, str]] = ..., state_detail: _Optional[str] = ..., generation: _Optional[int] = ..., etag: _Optional[str] = ..., partitions: _Optional[_Iterable[int]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., backfill_of: _Optional[str] = ..., partition_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class OffsetChange(_message.Message):
    __slots__ = ("partition", "before", "after", "partition_id", "before_decimal", "after_decimal")
    PARTITION_FIELD_NUMBER: _ClassVar[int]
    BEFORE_FIELD_NUMBER: _ClassVar[int]
    AFTER_FIELD_NUMBER: _ClassVar[int]
    PARTITION_ID_FIELD_NUMBER: _ClassVar[int]
    BEFORE_DECIMAL_FIELD_NUMBER: _ClassVar[int]
    AFTER_DECIMAL_FIELD_NUMBER: _ClassVar[int]
    partition: int
    before: int
    after: int
    partition_id: str
    before_decimal: str
    after_decimal: str
    def __init__(self, partition: _Optional[int] = ..., before: _Optional[int] = ..., after: _Optional[int] = ..., partition_id: _Optional[str] = ..., before_decimal: _Optional[str] = ..., after_decimal: _Optional[str] = ...) -> None: ...

class AuditEvent(_message.Message):
    __slots__ = ("id", "supervisor_id", "action", "actor", "create_time", "request_id", "state_before", "state_after", "generation_before", "generation_after", "offset_changes", "details_json")
    ID_FIELD_NUMBER: _ClassVar[int]
    SUPERVISOR_ID_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_BEFORE_FIELD_NUMBER: _ClassVar[int]
    STATE_AFTER_FIELD_NUMBER: _ClassVar[int]
    GENERATION_BEFORE_FIELD_NUMBER: _ClassVar[int]
    GENERATION_AFTER_FIELD_NUMBER: _ClassVar[int]
    OFFSET_CHANGES_FIELD_NUMBER: _ClassVar[int]
    DETAILS_JSON_FIELD_NUMBER: _ClassVar[int]
    id: int
    supervisor_id: str
    action: str
    actor: str
    create_time: _timestamp_pb2.Timestamp
    request_id: str
    state_before: SupervisorState
    state_after: SupervisorState
    generation_before: int
    generation_after: int
    offset_changes: _containers.RepeatedCompositeFieldContainer[OffsetChange]
    details_json: str
    def __init__(self, id: _Optional[int] = ..., supervisor_id: _Optional[str] = ..., action: _Optional[str] = ..., actor: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., request_id: _Optional[str] = ..., state_before: _Optional[_Union[SupervisorState, str]] = ..., state_after: _Optional[_Union[SupervisorState, str]] = ..., generation_before: _Optional[int] = ..., generation_after: _Optional[int] = ..., offset_changes: _Optional[_Iterable[_Union[OffsetChange, _Mapping]]] = ..., details_json: _Optional[str] = ...) -> None: ...

class IngestionCounters(_message.Message):
    __slots__ = ("processed", "processed_bytes", "unparseable", "thrown_away")
    PROCESSED_FIELD_NUMBER: _ClassVar[int]
    PROCESSED_BYTES_FIELD_NUMBER: _ClassVar[int]
    UNPARSEABLE_FIELD_NUMBER: _ClassVar[int]
    THROWN_AWAY_FIELD_NUMBER: _ClassVar[int]
    processed: int
    processed_bytes: int
    unparseable: int
    thrown_away: int
    def __init__(self, processed: _Optional[int] = ..., processed_bytes: _Optional[int] = ..., unparseable: _Optional[int] = ..., thrown_away: _Optional[int] = ...) -> None: ...

class IngestionRates(_message.Message):
    __slots__ = ("processed", "processed_bytes", "unparseable", "thrown_away")
    PROCESSED_FIELD_NUMBER: _ClassVar[int]
    PROCESSED_BYTES_FIELD_NUMBER: _ClassVar[int]
    UNPARSEABLE_FIELD_NUMBER: _ClassVar[int]
    THROWN_AWAY_FIELD_NUMBER: _ClassVar[int]
    processed: float
    processed_bytes: float
    unparseable: float
    thrown_away: float
    def __init__(self, processed: _Optional[float] = ..., processed_bytes: _Optional[float] = ..., unparseable: _Optional[float] = ..., thrown_away: _Optional[float] = ...) -> None: ...

class MovingAverages(_message.Message):
    __slots__ = ("one_minute", "five_minutes", "fifteen_minutes")
    ONE_MINUTE_FIELD_NUMBER: _ClassVar[int]
    FIVE_MINUTES_FIELD_NUMBER: _ClassVar[int]
    FIFTEEN_MINUTES_FIELD_NUMBER: _ClassVar[int]
    one_minute: IngestionRates
    five_minutes: IngestionRates
    fifteen_minutes: IngestionRates
    def __init__(self, one_minute: _Optional[_Union[IngestionRates, _Mapping]] = ..., five_minutes: _Optional[_Union[IngestionRates, _Mapping]] = ..., fifteen_minutes: _Optional[_Union[IngestionRates, _Mapping]] = ...) -> None: ...
