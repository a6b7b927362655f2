import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from streamvisor.v1 import supervisor_pb2 as _supervisor_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CreateSupervisorRequest(_message.Message):
    __slots__ = ("supervisor_id", "spec", "validate_only")
    SUPERVISOR_ID_FIELD_NUMBER: _ClassVar[int]
    SPEC_FIELD_NUMBER: _ClassVar[int]
    VALIDATE_ONLY_FIELD_NUMBER: _ClassVar[int]
    supervisor_id: str
    spec: _supervisor_pb2.SupervisorSpec
    validate_only: bool
    def __init__(self, supervisor_id: _Optional[str] = ..., spec: _Optional[_Union[_supervisor_pb2.SupervisorSpec, _Mapping]] = ..., validate_only: _Optional[bool] = ...) -> None: ...

class CreateSupervisorResponse(_message.Message):
    __slots__ = ("supervisor",)
    SUPERVISOR_FIELD_NUMBER: _ClassVar[int]
    supervisor: _supervisor_pb2.Supervisor
    def __init__(self, supervisor: _Optional[_Union[_supervisor_pb2.Supervisor, _Mapping]] = ...) -> None: ...

class GetSupervisorRequest(_message.Message):
    __slots__ = ("supervisor_id",)
    SUPERVISOR_ID_FIELD_NUMBER: _ClassVar[int]
    supervisor_id: str
    def __init__(self, supervisor_id: _Optional[str] = ...) -> None: ...

class GetSupervisorResponse(_message.Message):
    __slots__ = ("supervisor",)
    SUPERVISOR_FIELD_NUMBER: _ClassVar[int]
    supervisor: _supervisor_pb2.Supervisor
    def __init__(self, supervisor: _Optional[_Union[_supervisor_pb2.Supervisor, _Mapping]] = ...) -> None: ...

class ListSupervisorsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "states", "stream_types")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    STATES_FIELD_NUMBER: _ClassVar[int]
    STREAM_TYPES_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    states: _containers.RepeatedScalarFieldContainer[_supervisor_pb2.SupervisorState]
    stream_types: _containers.RepeatedScalarFieldContainer[_supervisor_pb2.StreamType]
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., states: _Optional[_Iterable[_Union[_supervisor_pb2.SupervisorState, str]]] = ..., stream_types: _Optional[_Iterable[_Union[_supervisor_pb2.StreamType, str]]] = ...) -> None: ...

class ListSupervisorsResponse(_message.Message):
    __slots__ = ("supervisors", "next_page_token")
    SUPERVISORS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    supervisors: _containers.RepeatedCompositeFieldContainer[_supervisor_pb2.Supervisor]
    next_page_token: str
    def __init__(self, supervisors: _Optional[_Iterable[_Union[_supervisor_pb2.Supervisor, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateSupervisorRequest(_message.Message):
    __slots__ = ("supervisor_id", "spec", "etag")
    SUPERVISOR_ID_FIELD_NUMBER: _ClassVar[int]
    SPEC_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    supervisor_id: str
    spec: _supervisor_pb2.SupervisorSpec
    etag: str
    def __init__(self, supervisor_id: _Optional[str] = ..., spec: _Optional[_Union[_supervisor_pb2.SupervisorSpec, _Mapping]] = ..., etag: _Optional[str] = ...) -> None: ...

class UpdateSupervisorResponse(_message.Message):
    __slots__ = ("supervisor",)
    SUPERVISOR_FIELD_NUMBER: _ClassVar[int]
    supervisor: _supervisor_pb2.Supervisor
    def __init__(self, supervisor: _Optional[_Union[_supervisor_pb2.Supervisor, _Mapping]] = ...) -> None: ...

class SuspendSupervisorRequest(_message.Message):
    __slots__ = ("supervisor_id", "etag")
    SUPERVISOR_ID_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    supervisor_id: str
    etag: str
    def __init__(self, supervisor_id: _Optional[str] = ..., etag: _Optional[str] = ...) -> None: ...

class SuspendSupervisorResponse(_message.Message):
    __slots__ = ("supervisor",)
    SUPERVISOR_FIELD_NUMBER: _ClassVar[int]
    supervisor: _supervisor_pb2.Supervisor
    def __init__(self, supervisor: _Optional[_Union[_supervisor_pb2.Supervisor, _Mapping]] = ...) -> None: ...

class ResumeSupervisorRequest(_message.Message):
    __slots__ = ("supervisor_id", "etag")
    SUPERVISOR_ID_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    supervisor_id: str
    etag: str
    def __init__(self, supervisor_id: _Optional[str] = ..., etag: _Optional[str] = ...) -> None: ...

class ResumeSupervisorResponse(_message.Message):
    __slots__ = ("supervisor",)
    SUPERVISOR_FIELD_NUMBER: _ClassVar[int]
    supervisor: _supervisor_pb2.Supervisor
    def __init__(self, supervisor: _Optional[_Union[_supervisor_pb2.Supervisor, _Mapping]] = ...) -> None: ...

class TerminateSupervisorRequest(_message.Message):
    __slots__ = ("supervisor_id", "etag")
    SUPERVISOR_ID_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    supervisor_id: str
    etag: str
    def __init__(self, supervisor_id: _Optional[str] = ..., etag: _Optional[str] = ...) -> None: ...

class TerminateSupervisorResponse(_message.Message):
    __slots__ = ("supervisor",)
    SUPERVISOR_FIELD_NUMBER: _ClassVar[int]
    supervisor: _supervisor_pb2.Supervisor
    def __init__(self, supervisor: _Optional[_Union[_supervisor_pb2.Supervisor, _Mapping]] = ...) -> None: ...

class ListSupervisorHistoryRequest(_message.Message):
    __slots__ = ("supervisor_id", "page_size", "page_token")
    SUPERVISOR_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    supervisor_id: str
    page_size: int
    page_token: str
    def __init__(self, supervisor_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListSupervisorHistoryResponse(_message.Message):
    __slots__ = ("events", "next_page_token")
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[_supervisor_pb2.AuditEvent]
    next_page_token: str
    def __init__(self, events: _Optional[_Iterable[_Union[_supervisor_pb2.AuditEvent, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetOffsetsRequest(_message.Message):
    __slots__ = ("supervisor_id",)
    SUPERVISOR_ID_FIELD_NUMBER: _ClassVar[int]
    supervisor_id: str
    def __init__(self, supervisor_id: _Optional[str] = ...) -> None: ...

class PartitionOffsets(_message.Message):
    __slots__ = ("partition", "checkpoint", "earliest", "latest", "lag", "bounded_range", "checkpoint_beyond_latest", "partition_id", "checkpoint_decimal", "earliest_decimal", "latest_decimal", "lag_decimal", "parent_partition_ids", "closed", "expired", "behind")
    PARTITION_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINT_FIELD_NUMBER: _ClassVar[int]
    EARLIEST_FIELD_NUMBER: _ClassVar[int]
    LATEST_FIELD_NUMBER: _ClassVar[int]
    LAG_FIELD_NUMBER: _ClassVar[int]
    BOUNDED_RANGE_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINT_BEYOND_LATEST_FIELD_NUMBER: _ClassVar[int]
    PARTITION_ID_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINT_DECIMAL_FIELD_NUMBER: _ClassVar[int]
    EARLIEST_DECIMAL_FIELD_NUMBER: _ClassVar[int]
    LATEST_DECIMAL_FIELD_NUMBER: _ClassVar[int]
    LAG_DECIMAL_FIELD_NUMBER: _ClassVar[int]
    PARENT_PARTITION_IDS_FIELD_NUMBER: _ClassVar[int]
    CLOSED_FIELD_NUMBER: _ClassVar[int]
    EXPIRED_FIELD_NUMBER: _ClassVar[int]
    BEHIND_FIELD_NUMBER: _ClassVar[int]
    partition: int
    checkpoint: int
    earliest: int
    latest: int
    lag: int
    bounded_range: _supervisor_pb2.OffsetRange
    checkpoint_beyond_latest: bool
    partition_id: str
    checkpoint_decimal: str
    earliest_decimal: str
    latest_decimal: str
    lag_decimal: str
    parent_partition_ids: _containers.RepeatedScalarFieldContainer[str]
    closed: bool
    expired: bool
    behind: bool
    def __init__(self, partition: _Optional[int] = ..., checkpoint: _Optional[int] = ..., earliest: _Optional[int] = ..., latest: _Optional[int] = ..., lag: _Optional[int] = ..., bounded_range: _Optional[_Union[_supervisor_pb2.OffsetRange, _Mapping]] = ..., checkpoint_beyond_latest: _Optional[bool] = ..., partition_id: _Optional[str] = ..., checkpoint_decimal: _Optional[str] = ..., earliest_decimal: _Optional[str] = ..., latest_decimal: _Optional[str] = ..., lag_decimal: _Optional[str] = ..., parent_partition_ids: _Optional[_Iterable[str]] = ..., closed: _Optional[bool] = ..., expired: _Optional[bool] = ..., behind: _Optional[bool] = ...) -> None: ...

class GetOffsetsResponse(_message.Message):
    __slots__ = ("supervisor_id", "partitions", "total_lag", "bounded_done", "bounded_total", "read_time", "total_lag_decimal", "bounded_done_decimal", "bounded_total_decimal")
    SUPERVISOR_ID_FIELD_NUMBER: _ClassVar[int]
    PARTITIONS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_LAG_FIELD_NUMBER: _ClassVar[int]
    BOUNDED_DONE_FIELD_NUMBER: _ClassVar[int]
    BOUNDED_TOTAL_FIELD_NUMBER: _ClassVar[int]
    READ_TIME_FIELD_NUMBER: _ClassVar[int]
    TOTAL_LAG_DECIMAL_FIELD_NUMBER: _ClassVar[int]
    BOUNDED_DONE_DECIMAL_FIELD_NUMBER: _ClassVar[int]
    BOUNDED_TOTAL_DECIMAL_FIELD_NUMBER: _ClassVar[int]
    supervisor_id: str
    partitions: _containers.RepeatedCompositeFieldContainer[PartitionOffsets]
    total_lag: int
    bounded_done: int
    bounded_total: int
    read_time: _timestamp_pb2.Timestamp
    total_lag_decimal: str
    bounded_done_decimal: str
    bounded_total_decimal: str
    def __init__(self, supervisor_id: _Optional[str] = ..., partitions: _Optional[_Iterable[_Union[PartitionOffsets, _Mapping]]] = ..., total_lag: _Optional[int] = ..., bounded_done: _Optional[int] = ..., bounded_total: _Optional[int] = ..., read_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., total_lag_decimal: _Optional[str] = ..., bounded_done_decimal: _Optional[str] = ..., bounded_total_decimal: _Optional[str] = ...) -> None: ...

class ResetSupervisorRequest(_message.Message):
    __slots__ = ("supervisor_id", "request_id", "dry_run", "plan_token")
    SUPERVISOR_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    PLAN_TOKEN_FIELD_NUMBER: _ClassVar[int]
    supervisor_id: str
    request_id: str
    dry_run: bool
    plan_token: str
    def __init__(self, supervisor_id: _Optional[str] = ..., request_id: _Optional[str] = ..., dry_run: _Optional[bool] = ..., plan_token: _Optional[str] = ...) -> None: ...

class ResetSupervisorResponse(_message.Message):
    __slots__ = ("changes", "generation", "dry_run", "plan_token")
    CHANGES_FIELD_NUMBER: _ClassVar[int]
    GENERATION_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    PLAN_TOKEN_FIELD_NUMBER: _ClassVar[int]
    changes: _containers.RepeatedCompositeFieldContainer[_supervisor_pb2.OffsetChange]
    generation: int
    dry_run: bool
    plan_token: str
    def __init__(self, changes: _Optional[_Iterable[_Union[_supervisor_pb2.OffsetChange, _Mapping]]] = ..., generation: _Optional[int] = ..., dry_run: _Optional[bool] = ..., plan_token: _Optional[str] = ...) -> None: ...

class PartitionResetTarget(_message.Message):
    __slots__ = ("partition", "offset", "timestamp", "offset_decimal", "partition_id")
    PARTITION_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    OFFSET_DECIMAL_FIELD_NUMBER: _ClassVar[int]
    PARTITION_ID_FIELD_NUMBER: _ClassVar[int]
    partition: int
    offset: int
    timestamp: _timestamp_pb2.Timestamp
    offset_decimal: str
    partition_id: str
    def __init__(self, partition: _Optional[int] = ..., offset: _Optional[int] = ..., timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., offset_decimal: _Optional[str] = ..., partition_id: _Optional[str] = ...) -> None: ...

class ResetOffsetsRequest(_message.Message):
    __slots__ = ("supervisor_id", "targets", "request_id", "dry_run", "plan_token")
    SUPERVISOR_ID_FIELD_NUMBER: _ClassVar[int]
    TARGETS_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    PLAN_TOKEN_FIELD_NUMBER: _ClassVar[int]
    supervisor_id: str
    targets: _containers.RepeatedCompositeFieldContainer[PartitionResetTarget]
    request_id: str
    dry_run: bool
    plan_token: str
    def __init__(self, supervisor_id: _Optional[str] = ..., targets: _Optional[_Iterable[_Union[PartitionResetTarget, _Mapping]]] = ..., request_id: _Optional[str] = ..., dry_run: _Optional[bool] = ..., plan_token: _Optional[str] = ...) -> None: ...

class ResetOffsetsResponse(_message.Message):
    __slots__ = ("changes", "generation", "dry_run", "plan_token")
    CHANGES_FIELD_NUMBER: _ClassVar[int]
    GENERATION_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    PLAN_TOKEN_FIELD_NUMBER: _ClassVar[int]
    changes: _containers.RepeatedCompositeFieldContainer[_supervisor_pb2.OffsetChange]
    generation: int
    dry_run: bool
    plan_token: str
    def __init__(self, changes: _Optional[_Iterable[_Union[_supervisor_pb2.OffsetChange, _Mapping]]] = ..., generation: _Optional[int] = ..., dry_run: _Optional[bool] = ..., plan_token: _Optional[str] = ...) -> None: ...

class ResetToLatestAndBackfillRequest(_message.Message):
    __slots__ = ("supervisor_id", "backfill_task_count", "request_id", "dry_run", "plan_token")
    SUPERVISOR_ID_FIELD_NUMBER: _ClassVar[int]
    BACKFILL_TASK_COUNT_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    PLAN_TOKEN_FIELD_NUMBER: _ClassVar[int]
    supervisor_id: str
    backfill_task_count: int
    request_id: str
    dry_run: bool
    plan_token: str
    def __init__(self, supervisor_id: _Optional[str] = ..., backfill_task_count: _Optional[int] = ..., request_id: _Optional[str] = ..., dry_run: _Optional[bool] = ..., plan_token: _Optional[str] = ...) -> None: ...

class ResetToLatestAndBackfillResponse(_message.Message):
    __slots__ = ("supervisor_id", "backfill_supervisor_id", "backfill_ranges", "changes", "unrecoverable_ranges", "generation", "dry_run", "plan_token", "previewed_backfill_ranges")
    SUPERVISOR_ID_FIELD_NUMBER: _ClassVar[int]
    BACKFILL_SUPERVISOR_ID_FIELD_NUMBER: _ClassVar[int]
    BACKFILL_RANGES_FIELD_NUMBER: _ClassVar[int]
    CHANGES_FIELD_NUMBER: _ClassVar[int]
    UNRECOVERABLE_RANGES_FIELD_NUMBER: _ClassVar[int]
    GENERATION_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    PLAN_TOKEN_FIELD_NUMBER: _ClassVar[int]
    PREVIEWED_BACKFILL_RANGES_FIELD_NUMBER: _ClassVar[int]
    supervisor_id: str
    backfill_supervisor_id: str
    backfill_ranges: _containers.RepeatedCompositeFieldContainer[_supervisor_pb2.OffsetRange]
    changes: _containers.RepeatedCompositeFieldContainer[_supervisor_pb2.OffsetChange]
    unrecoverable_ranges: _containers.RepeatedCompositeFieldContainer[_supervisor_pb2.OffsetRange]
    generation: int
    dry_run: bool
    plan_token: str
    previewed_backfill_ranges: _containers.RepeatedCompositeFieldContainer[_supervisor_pb2.OffsetRange]
    def __init__(self, supervisor_id: _Optional[str] = ..., backfill_supervisor_id: _Optional[str] = ..., backfill_ranges: _Optional[_Iterable[_Union[_supervisor_pb2.OffsetRange, _Mapping]]] = ..., changes: _Optional[_Iterable[_Union[_supervisor_pb2.OffsetChange, _Mapping]]] = ..., unrecoverable_ranges: _Optional[_Iterable[_Union[_supervisor_pb2.OffsetRange, _Mapping]]] = ..., generation: _Optional[int] = ..., dry_run: _Optional[bool] = ..., plan_token: _Optional[str] = ..., previewed_backfill_ranges: _Optional[_Iterable[_Union[_supervisor_pb2.OffsetRange, _Mapping]]] = ...) -> None: ...

class GetCoverageRequest(_message.Message):
    __slots__ = ("supervisor_id",)
    SUPERVISOR_ID_FIELD_NUMBER: _ClassVar[int]
    supervisor_id: str
    def __init__(self, supervisor_id: _Optional[str] = ...) -> None: ...

class CoverageOverlap(_message.Message):
    __slots__ = ("range", "supervisor_ids")
    RANGE_FIELD_NUMBER: _ClassVar[int]
    SUPERVISOR_IDS_FIELD_NUMBER: _ClassVar[int]
    range: _supervisor_pb2.OffsetRange
    supervisor_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, range: _Optional[_Union[_supervisor_pb2.OffsetRange, _Mapping]] = ..., supervisor_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class PartitionCoverage(_message.Message):
    __slots__ = ("partition", "published", "gaps", "overlaps", "published_offsets", "partition_id", "published_offsets_decimal")
    PARTITION_FIELD_NUMBER: _ClassVar[int]
    PUBLISHED_FIELD_NUMBER: _ClassVar[int]
    GAPS_FIELD_NUMBER: _ClassVar[int]
    OVERLAPS_FIELD_NUMBER: _ClassVar[int]
    PUBLISHED_OFFSETS_FIELD_NUMBER: _ClassVar[int]
    PARTITION_ID_FIELD_NUMBER: _ClassVar[int]
    PUBLISHED_OFFSETS_DECIMAL_FIELD_NUMBER: _ClassVar[int]
    partition: int
    published: _containers.RepeatedCompositeFieldContainer[_supervisor_pb2.OffsetRange]
    gaps: _containers.RepeatedCompositeFieldContainer[_supervisor_pb2.OffsetRange]
    overlaps: _containers.RepeatedCompositeFieldContainer[CoverageOverlap]
    published_offsets: int
    partition_id: str
    published_offsets_decimal: str
    def __init__(self, partition: _Optional[int] = ..., published: _Optional[_Iterable[_Union[_supervisor_pb2.OffsetRange, _Mapping]]] = ..., gaps: _Optional[_Iterable[_Union[_supervisor_pb2.OffsetRange, _Mapping]]] = ..., overlaps: _Optional[_Iterable[_Union[CoverageOverlap, _Mapping]]] = ..., published_offsets: _Optional[int] = ..., partition_id: _Optional[str] = ..., published_offsets_decimal: _Optional[str] = ...) -> None: ...

class GetCoverageResponse(_message.Message):
    __slots__ = ("supervisor_id", "supervisor_ids", "partitions", "total_gaps", "total_overlaps", "unrecoverable_ranges", "total_gaps_decimal", "total_overlaps_decimal")
    SUPERVISOR_ID_FIELD_NUMBER: _ClassVar[int]
    SUPERVISOR_IDS_FIELD_NUMBER: _ClassVar[int]
    PARTITIONS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_GAPS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_OVERLAPS_FIELD_NUMBER: _ClassVar[int]
    UNRECOVERABLE_RANGES_FIELD_NUMBER: _ClassVar[int]
    TOTAL_GAPS_DECIMAL_FIELD_NUMBER: _ClassVar[int]
    TOTAL_OVERLAPS_DECIMAL_FIELD_NUMBER: _ClassVar[int]
    supervisor_id: str
    supervisor_ids: _containers.RepeatedScalarFieldContainer[str]
    partitions: _containers.RepeatedCompositeFieldContainer[PartitionCoverage]
    total_gaps: int
    total_overlaps: int
    unrecoverable_ranges: _containers.RepeatedCompositeFieldContainer[_supervisor_pb2.OffsetRange]
    total_gaps_decimal: str
    total_overlaps_decimal: str
    def __init__(self, supervisor_id: _Optional[str] = ..., supervisor_ids: _Optional[_Iterable[str]] = ..., partitions: _Optional[_Iterable[_Union[PartitionCoverage, _Mapping]]] = ..., total_gaps: _Optional[int] = ..., total_overlaps: _Optional[int] = ..., unrecoverable_ranges: _Optional[_Iterable[_Union[_supervisor_pb2.OffsetRange, _Mapping]]] = ..., total_gaps_decimal: _Optional[str] = ..., total_overlaps_decimal: _Optional[str] = ...) -> None: ...

class GetSupervisorHealthRequest(_message.Message):
    __slots__ = ("supervisor_id",)
    SUPERVISOR_ID_FIELD_NUMBER: _ClassVar[int]
    supervisor_id: str
    def __init__(self, supervisor_id: _Optional[str] = ...) -> None: ...

class GetSupervisorHealthResponse(_message.Message):
    __slots__ = ("supervisor_id", "healthy", "state", "state_detail", "health_service")
    SUPERVISOR_ID_FIELD_NUMBER: _ClassVar[int]
    HEALTHY_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    STATE_DETAIL_FIELD_NUMBER: _ClassVar[int]
    HEALTH_SERVICE_FIELD_NUMBER: _ClassVar[int]
    supervisor_id: str
    healthy: bool
    state: _supervisor_pb2.SupervisorState
    state_detail: str
    health_service: str
    def __init__(self, supervisor_id: _Optional[str] = ..., healthy: _Optional[bool] = ..., state: _Optional[_Union[_supervisor_pb2.SupervisorState, str]] = ..., state_detail: _Optional[str] = ..., health_service: _Optional[str] = ...) -> None: ...

class SupervisorFilter(_message.Message):
    __slots__ = ("states", "stream_types", "supervisor_ids", "id_prefix", "match_all")
    STATES_FIELD_NUMBER: _ClassVar[int]
    STREAM_TYPES_FIELD_NUMBER: _ClassVar[int]
    SUPERVISOR_IDS_FIELD_NUMBER: _ClassVar[int]
    ID_PREFIX_FIELD_NUMBER: _ClassVar[int]
    MATCH_ALL_FIELD_NUMBER: _ClassVar[int]
    states: _containers.RepeatedScalarFieldContainer[_supervisor_pb2.SupervisorState]
    stream_types: _containers.RepeatedScalarFieldContainer[_supervisor_pb2.StreamType]
    supervisor_ids: _containers.RepeatedScalarFieldContainer[str]
    id_prefix: str
    match_all: bool
    def __init__(self, states: _Optional[_Iterable[_Union[_supervisor_pb2.SupervisorState, str]]] = ..., stream_types: _Optional[_Iterable[_Union[_supervisor_pb2.StreamType, str]]] = ..., supervisor_ids: _Optional[_Iterable[str]] = ..., id_prefix: _Optional[str] = ..., match_all: _Optional[bool] = ...) -> None: ...

class BatchSupervisorOutcome(_message.Message):
    __slots__ = ("supervisor_id", "state_before", "state_after", "changed", "skip_reason", "message")
    SUPERVISOR_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_BEFORE_FIELD_NUMBER: _ClassVar[int]
    STATE_AFTER_FIELD_NUMBER: _ClassVar[int]
    CHANGED_FIELD_NUMBER: _ClassVar[int]
    SKIP_REASON_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    supervisor_id: str
    state_before: _supervisor_pb2.SupervisorState
    state_after: _supervisor_pb2.SupervisorState
    changed: bool
    skip_reason: str
    message: str
    def __init__(self, supervisor_id: _Optional[str] = ..., state_before: _Optional[_Union[_supervisor_pb2.SupervisorState, str]] = ..., state_after: _Optional[_Union[_supervisor_pb2.SupervisorState, str]] = ..., changed: _Optional[bool] = ..., skip_reason: _Optional[str] = ..., message: _Optional[str] = ...) -> None: ...

class BatchSuspendSupervisorsRequest(_message.Message):
    __slots__ = ("filter", "dry_run")
    FILTER_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    filter: SupervisorFilter
    dry_run: bool
    def __init__(self, filter: _Optional[_Union[SupervisorFilter, _Mapping]] = ..., dry_run: _Optional[bool] = ...) -> None: ...

class BatchSuspendSupervisorsResponse(_message.Message):
    __slots__ = ("outcomes", "changed_count", "dry_run")
    OUTCOMES_FIELD_NUMBER: _ClassVar[int]
    CHANGED_COUNT_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    outcomes: _containers.RepeatedCompositeFieldContainer[BatchSupervisorOutcome]
    changed_count: int
    dry_run: bool
    def __init__(self, outcomes: _Optional[_Iterable[_Union[BatchSupervisorOutcome, _Mapping]]] = ..., changed_count: _Optional[int] = ..., dry_run: _Optional[bool] = ...) -> None: ...

class BatchResumeSupervisorsRequest(_message.Message):
    __slots__ = ("filter", "dry_run")
    FILTER_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    filter: SupervisorFilter
    dry_run: bool
    def __init__(self, filter: _Optional[_Union[SupervisorFilter, _Mapping]] = ..., dry_run: _Optional[bool] = ...) -> None: ...

class BatchResumeSupervisorsResponse(_message.Message):
    __slots__ = ("outcomes", "changed_count", "dry_run")
    OUTCOMES_FIELD_NUMBER: _ClassVar[int]
    CHANGED_COUNT_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    outcomes: _containers.RepeatedCompositeFieldContainer[BatchSupervisorOutcome]
    changed_count: int
    dry_run: bool
    def __init__(self, outcomes: _Optional[_Iterable[_Union[BatchSupervisorOutcome, _Mapping]]] = ..., changed_count: _Optional[int] = ..., dry_run: _Optional[bool] = ...) -> None: ...

class BatchTerminateSupervisorsRequest(_message.Message):
    __slots__ = ("filter", "dry_run")
    FILTER_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    filter: SupervisorFilter
    dry_run: bool
    def __init__(self, filter: _Optional[_Union[SupervisorFilter, _Mapping]] = ..., dry_run: _Optional[bool] = ...) -> None: ...

class BatchTerminateSupervisorsResponse(_message.Message):
    __slots__ = ("outcomes", "changed_count", "dry_run")
    OUTCOMES_FIELD_NUMBER: _ClassVar[int]
    CHANGED_COUNT_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    outcomes: _containers.RepeatedCompositeFieldContainer[BatchSupervisorOutcome]
    changed_count: int
    dry_run: bool
    def __init__(self, outcomes: _Optional[_Iterable[_Union[BatchSupervisorOutcome, _Mapping]]] = ..., changed_count: _Optional[int] = ..., dry_run: _Optional[bool] = ...) -> None: ...

class GetSupervisorStatsRequest(_message.Message):
    __slots__ = ("supervisor_id",)
    SUPERVISOR_ID_FIELD_NUMBER: _ClassVar[int]
    supervisor_id: str
    def __init__(self, supervisor_id: _Optional[str] = ...) -> None: ...

class TaskError(_message.Message):
    __slots__ = ("time", "message")
    TIME_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    time: _timestamp_pb2.Timestamp
    message: str
    def __init__(self, time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., message: _Optional[str] = ...) -> None: ...

class TaskStatus(_message.Message):
    __slots__ = ("task_id", "task_group", "generation", "state", "worker_id", "lease_expire_time", "phase", "totals", "moving_averages", "last_report_time", "recent_errors")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    TASK_GROUP_FIELD_NUMBER: _ClassVar[int]
    GENERATION_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    WORKER_ID_FIELD_NUMBER: _ClassVar[int]
    LEASE_EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    PHASE_FIELD_NUMBER: _ClassVar[int]
    TOTALS_FIELD_NUMBER: _ClassVar[int]
    MOVING_AVERAGES_FIELD_NUMBER: _ClassVar[int]
    LAST_REPORT_TIME_FIELD_NUMBER: _ClassVar[int]
    RECENT_ERRORS_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    task_group: int
    generation: int
    state: str
    worker_id: str
    lease_expire_time: _timestamp_pb2.Timestamp
    phase: _supervisor_pb2.TaskPhase
    totals: _supervisor_pb2.IngestionCounters
    moving_averages: _supervisor_pb2.MovingAverages
    last_report_time: _timestamp_pb2.Timestamp
    recent_errors: _containers.RepeatedCompositeFieldContainer[TaskError]
    def __init__(self, task_id: _Optional[str] = ..., task_group: _Optional[int] = ..., generation: _Optional[int] = ..., state: _Optional[str] = ..., worker_id: _Optional[str] = ..., lease_expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., phase: _Optional[_Union[_supervisor_pb2.TaskPhase, str]] = ..., totals: _Optional[_Union[_supervisor_pb2.IngestionCounters, _Mapping]] = ..., moving_averages: _Optional[_Union[_supervisor_pb2.MovingAverages, _Mapping]] = ..., last_report_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., recent_errors: _Optional[_Iterable[_Union[TaskError, _Mapping]]] = ...) -> None: ...

class GetSupervisorStatsResponse(_message.Message):
    __slots__ = ("supervisor_id", "generation", "tasks", "totals", "moving_averages")
    SUPERVISOR_ID_FIELD_NUMBER: _ClassVar[int]
    GENERATION_FIELD_NUMBER: _ClassVar[int]
    TASKS_FIELD_NUMBER: _ClassVar[int]
    TOTALS_FIELD_NUMBER: _ClassVar[int]
    MOVING_AVERAGES_FIELD_NUMBER: _ClassVar[int]
    supervisor_id: str
    generation: int
    tasks: _containers.RepeatedCompositeFieldContainer[TaskStatus]
    totals: _supervisor_pb2.IngestionCounters
    moving_averages: _supervisor_pb2.MovingAverages
    def __init__(self, supervisor_id: _Optional[str] = ..., generation: _Optional[int] = ..., tasks: _Optional[_Iterable[_Union[TaskStatus, _Mapping]]] = ..., totals: _Optional[_Union[_supervisor_pb2.IngestionCounters, _Mapping]] = ..., moving_averages: _Optional[_Union[_supervisor_pb2.MovingAverages, _Mapping]] = ...) -> None: ...

class HandoffTaskGroupsRequest(_message.Message):
    __slots__ = ("supervisor_id", "task_groups")
    SUPERVISOR_ID_FIELD_NUMBER: _ClassVar[int]
    TASK_GROUPS_FIELD_NUMBER: _ClassVar[int]
    supervisor_id: str
    task_groups: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, supervisor_id: _Optional[str] = ..., task_groups: _Optional[_Iterable[int]] = ...) -> None: ...

class TaskGroupHandoff(_message.Message):
    __slots__ = ("task_group", "task_id", "requested")
    TASK_GROUP_FIELD_NUMBER: _ClassVar[int]
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_FIELD_NUMBER: _ClassVar[int]
    task_group: int
    task_id: str
    requested: bool
    def __init__(self, task_group: _Optional[int] = ..., task_id: _Optional[str] = ..., requested: _Optional[bool] = ...) -> None: ...

class HandoffTaskGroupsResponse(_message.Message):
    __slots__ = ("handoffs",)
    HANDOFFS_FIELD_NUMBER: _ClassVar[int]
    handoffs: _containers.RepeatedCompositeFieldContainer[TaskGroupHandoff]
    def __init__(self, handoffs: _Optional[_Iterable[_Union[TaskGroupHandoff, _Mapping]]] = ...) -> None: ...

class ListSegmentsRequest(_message.Message):
    __slots__ = ("supervisor_id", "include_backfills", "page_size", "page_token", "partition", "start_offset", "end_offset", "location", "partition_id", "start_offset_decimal", "end_offset_decimal")
    SUPERVISOR_ID_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_BACKFILLS_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    PARTITION_FIELD_NUMBER: _ClassVar[int]
    START_OFFSET_FIELD_NUMBER: _ClassVar[int]
    END_OFFSET_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    PARTITION_ID_FIELD_NUMBER: _ClassVar[int]
    START_OFFSET_DECIMAL_FIELD_NUMBER: _ClassVar[int]
    END_OFFSET_DECIMAL_FIELD_NUMBER: _ClassVar[int]
    supervisor_id: str
    include_backfills: bool
    page_size: int
    page_token: str
    partition: int
    start_offset: int
    end_offset: int
    location: str
    partition_id: str
    start_offset_decimal: str
    end_offset_decimal: str
    def __init__(self, supervisor_id: _Optional[str] = ..., include_backfills: _Optional[bool] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., partition: _Optional[int] = ..., start_offset: _Optional[int] = ..., end_offset: _Optional[int] = ..., location: _Optional[str] = ..., partition_id: _Optional[str] = ..., start_offset_decimal: _Optional[str] = ..., end_offset_decimal: _Optional[str] = ...) -> None: ...

class Segment(_message.Message):
    __slots__ = ("segment_id", "supervisor_id", "task_id", "generation", "location", "ranges", "record_count", "publish_time")
    SEGMENT_ID_FIELD_NUMBER: _ClassVar[int]
    SUPERVISOR_ID_FIELD_NUMBER: _ClassVar[int]
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    GENERATION_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    RANGES_FIELD_NUMBER: _ClassVar[int]
    RECORD_COUNT_FIELD_NUMBER: _ClassVar[int]
    PUBLISH_TIME_FIELD_NUMBER: _ClassVar[int]
    segment_id: int
    supervisor_id: str
    task_id: str
    generation: int
    location: str
    ranges: _containers.RepeatedCompositeFieldContainer[_supervisor_pb2.OffsetRange]
    record_count: int
    publish_time: _timestamp_pb2.Timestamp
    def __init__(self, segment_id: _Optional[int] = ..., supervisor_id: _Optional[str] = ..., task_id: _Optional[str] = ..., generation: _Optional[int] = ..., location: _Optional[str] = ..., ranges: _Optional[_Iterable[_Union[_supervisor_pb2.OffsetRange, _Mapping]]] = ..., record_count: _Optional[int] = ..., publish_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListSegmentsResponse(_message.Message):
    __slots__ = ("segments", "next_page_token")
    SEGMENTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    segments: _containers.RepeatedCompositeFieldContainer[Segment]
    next_page_token: str
    def __init__(self, segments: _Optional[_Iterable[_Union[Segment, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...
