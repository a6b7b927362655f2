"""SupervisorService servicer: thin. Converts, delegates to the application service, converts back."""
from __future__ import annotations

import grpc

from streamvisor.api import convert
from streamvisor.api.errors import handle_errors
from streamvisor.api.identity import actor_of
from streamvisor.app.supervisors import ResetTarget, SupervisorService
from streamvisor.app.results import ResetResult
from streamvisor.domain.errors import DomainError, Violations
from streamvisor.domain.ports import NumberedPartitions, SegmentFilter
from streamvisor.v1 import supervisor_pb2 as pb
from streamvisor.v1 import supervisor_service_pb2 as svc
from streamvisor.v1 import supervisor_service_pb2_grpc as svc_grpc


def _actor(context: grpc.ServicerContext) -> str:
    # The authenticated caller the interceptor established (token actor or certificate CN).
    return actor_of(context)


def _reset_fields(result: ResetResult, names: convert.PartitionNames) -> dict:
    return {"changes": [convert.change_to_pb(c, names) for c in result.changes], "generation": result.generation,
            "dry_run": result.dry_run, "plan_token": result.plan_token}


class SupervisorServicer(svc_grpc.SupervisorServiceServicer):
    def __init__(self, service: SupervisorService):
        self.service = service
        self._messages = convert.SupervisorMessages()

    def _names(self, supervisor) -> convert.PartitionNames:
        """The partition names of a supervisor's stream kind (Kafka, RabbitMQ: decimal numbers)."""
        streams, stream_type = self.service.streams, supervisor.spec.stream_type
        return streams.kind(stream_type) if streams.supports(stream_type) else convert.NUMBERED

    def _names_of(self, supervisor_id: str) -> convert.PartitionNames:
        """As _names, for a response that does not carry the supervisor: one read, and only for a kind whose
        partitions are not numbered (every registered kind's are, until Kinesis)."""
        kinds = getattr(self.service.streams, "kinds", None)
        if kinds is not None and all(isinstance(k, NumberedPartitions) for k in kinds()):
            return convert.NUMBERED
        try:
            return self._names(self.service.get(supervisor_id))
        except DomainError:
            return convert.NUMBERED  # the use case raises the same error with its own reason

    def _spec(self, spec):
        """A request's spec; its bounded ranges' partition_ids are names of its stream kind's."""
        stream_type = convert.stream_type_from_pb(spec.stream_type)
        streams = self.service.streams
        names = streams.kind(stream_type) if stream_type is not None and streams.supports(stream_type) \
            else convert.NUMBERED
        return convert.spec_from_pb(spec, names=names)

    def _supervisor(self, supervisor) -> pb.Supervisor:
        return convert.supervisor_to_pb(supervisor, self._names(supervisor))

    @handle_errors
    def CreateSupervisor(self, request, context):
        supervisor = self.service.create(request.supervisor_id, self._spec(request.spec),
                                         request.validate_only, _actor(context))
        return svc.CreateSupervisorResponse(supervisor=self._supervisor(supervisor))

    @handle_errors
    def GetSupervisor(self, request, context):
        supervisor = self.service.get(request.supervisor_id)
        return self._messages.response(supervisor, self._names(supervisor))

    @handle_errors
    def ListSupervisors(self, request, context):
        v = Violations()
        states = convert.states_from_pb(request.states, "states", v)
        types = convert.stream_types_from_pb(request.stream_types, "stream_types", v)
        v.raise_if_any()
        page, token = self.service.list(request.page_size, request.page_token, states, types)
        return svc.ListSupervisorsResponse(supervisors=[self._supervisor(s) for s in page],
                                           next_page_token=token)

    @handle_errors
    def UpdateSupervisor(self, request, context):
        supervisor = self.service.update(request.supervisor_id, self._spec(request.spec), request.etag,
                                         _actor(context))
        return svc.UpdateSupervisorResponse(supervisor=self._supervisor(supervisor))

    @handle_errors
    def SuspendSupervisor(self, request, context):
        s = self.service.suspend(request.supervisor_id, request.etag, _actor(context))
        return svc.SuspendSupervisorResponse(supervisor=self._supervisor(s))

    @handle_errors
    def ResumeSupervisor(self, request, context):
        s = self.service.resume(request.supervisor_id, request.etag, _actor(context))
        return svc.ResumeSupervisorResponse(supervisor=self._supervisor(s))

    @handle_errors
    def TerminateSupervisor(self, request, context):
        s = self.service.terminate(request.supervisor_id, request.etag, _actor(context))
        return svc.TerminateSupervisorResponse(supervisor=self._supervisor(s))

    @handle_errors
    def ListSupervisorHistory(self, request, context):
        events, token = self.service.history(request.supervisor_id, request.page_size, request.page_token)
        names = self._names_of(request.supervisor_id)
        return svc.ListSupervisorHistoryResponse(events=[convert.audit_event_to_pb(e, names) for e in events],
                                                 next_page_token=token)

    @handle_errors
    def GetOffsets(self, request, context):
        supervisor, view, read_time = self.service.get_offsets(request.supervisor_id, _actor(context))
        fit, names = convert.fitting, self._names(supervisor)
        response = svc.GetOffsetsResponse(
            supervisor_id=supervisor.id, total_lag=fit(view.total_lag), bounded_done=fit(view.bounded_done),
            bounded_total=fit(view.bounded_total), read_time=convert.timestamp(read_time),
            total_lag_decimal=str(view.total_lag), bounded_done_decimal=str(view.bounded_done),
            bounded_total_decimal=str(view.bounded_total))
        # Rows added in place: building each message apart and passing the list copied all 1,000 again. Only
        # what is set is passed (each keyword costs, defaults included): half the time at 1,000 partitions.
        # A kind whose offsets are int64 (Kafka, RabbitMQ: its max_offset) needs no fitting of its values.
        add, name = response.partitions.add, names.partition_name
        int64 = getattr(names, "max_offset", None) is not None and names.max_offset <= convert.INT64_MAX
        for r in view.partitions:
            earliest, latest, lag = r.earliest, r.latest, r.lag
            row = add(partition=r.partition, earliest=earliest if int64 else fit(earliest),
                      latest=latest if int64 else fit(latest), lag=lag if int64 else fit(lag),
                      partition_id=name(r.partition), earliest_decimal=str(earliest), latest_decimal=str(latest),
                      lag_decimal=str(lag))
            if r.checkpoint is not None:
                row.checkpoint = r.checkpoint if int64 else fit(r.checkpoint)
                row.checkpoint_decimal = str(r.checkpoint)
            if r.beyond_latest:
                row.checkpoint_beyond_latest = True
            if r.closed:
                row.closed = True
            if r.expired:
                row.expired = True
            if r.behind:
                row.behind = r.behind
            if r.parents:
                row.parent_partition_ids.extend(name(p) for p in r.parents)
            if r.bound is not None:
                row.bounded_range.CopyFrom(convert.range_to_pb(r.bound, names))
        return response

    @handle_errors
    def ResetSupervisor(self, request, context):
        result = self.service.reset(request.supervisor_id, request.request_id, request.dry_run, _actor(context),
                                    plan_token=request.plan_token)
        return svc.ResetSupervisorResponse(**_reset_fields(result, self._names_of(request.supervisor_id)))

    @handle_errors
    def ResetOffsets(self, request, context):
        v = convert.RequestViolations()  # conversion problems, reported together with the service's own checks
        names = self._names_of(request.supervisor_id)
        targets = []
        for i, t in enumerate(request.targets):
            which, field = t.WhichOneof("target"), f"targets[{i}]"
            timestamp_ms = convert.timestamp_ms_from_pb(t.timestamp, f"{field}.timestamp", v) \
                if which == "timestamp" else None
            offset = t.offset if which == "offset" else None
            if which == "offset_decimal":
                offset = convert.parse_decimal(t.offset_decimal, f"{field}.offset_decimal", v)
            partition = convert.wide_partition(t.partition, t.partition != 0, t.partition_id, bool(t.partition_id),
                                               f"{field}.partition", f"{field}.partition_id", names, v)
            targets.append(ResetTarget(
                partition=partition or 0,
                offset=offset,
                timestamp_ms=timestamp_ms,
                field=field,
                invalid=(which == "timestamp" and timestamp_ms is None)
                or (which == "offset_decimal" and offset is None)))
        result = self.service.reset_offsets(request.supervisor_id, targets, request.request_id, request.dry_run,
                                            _actor(context), violations=v, plan_token=request.plan_token)
        return svc.ResetOffsetsResponse(**_reset_fields(result, names))

    @handle_errors
    def ResetToLatestAndBackfill(self, request, context):
        count = request.backfill_task_count if request.HasField("backfill_task_count") else None
        result = self.service.reset_to_latest_and_backfill(request.supervisor_id, count, request.request_id,
                                                           request.dry_run, _actor(context),
                                                           plan_token=request.plan_token)
        names = self._names_of(request.supervisor_id)
        return svc.ResetToLatestAndBackfillResponse(
            supervisor_id=result.supervisor_id, backfill_supervisor_id=result.backfill_supervisor_id,
            backfill_ranges=convert.ranges_to_pb(result.backfill_ranges, names),
            unrecoverable_ranges=convert.ranges_to_pb(result.unrecoverable_ranges, names),
            previewed_backfill_ranges=convert.ranges_to_pb(result.previewed_backfill_ranges, names),
            **_reset_fields(result, names))

    @handle_errors
    def GetCoverage(self, request, context):
        ids, partitions, lost = self.service.coverage(request.supervisor_id)
        names, fit = self._names_of(request.supervisor_id), convert.fitting
        rows = [svc.PartitionCoverage(
            partition=c.partition, partition_id=names.partition_name(c.partition),
            published=convert.ranges_to_pb(c.published, names), gaps=convert.ranges_to_pb(c.gaps, names),
            overlaps=[svc.CoverageOverlap(range=convert.range_to_pb(o.range, names), supervisor_ids=o.supervisor_ids)
                      for o in c.overlaps],
            published_offsets=fit(c.published_offsets), published_offsets_decimal=str(c.published_offsets))
            for c in partitions]
        gaps = sum(g.size for c in partitions for g in c.gaps)
        overlaps = sum(o.range.size for c in partitions for o in c.overlaps)
        return svc.GetCoverageResponse(
            supervisor_id=request.supervisor_id, supervisor_ids=ids, partitions=rows,
            total_gaps=fit(gaps), total_overlaps=fit(overlaps), total_gaps_decimal=str(gaps),
            total_overlaps_decimal=str(overlaps), unrecoverable_ranges=convert.ranges_to_pb(lost, names))

    @handle_errors
    def GetSupervisorHealth(self, request, context):
        h = self.service.health(request.supervisor_id)
        return svc.GetSupervisorHealthResponse(supervisor_id=h.supervisor_id, healthy=h.healthy,
                                               state=convert.state_to_pb(h.state), state_detail=h.state_detail,
                                               health_service=h.health_service)

    def _bulk(self, action: str, request, context, response_type):
        v = Violations()
        selection = convert.filter_from_pb(request.filter, "filter", v)
        v.raise_if_any()
        outcomes = self.service.bulk_action(action, selection, request.dry_run, _actor(context))
        return response_type(outcomes=[convert.bulk_outcome_to_pb(o) for o in outcomes],
                             changed_count=sum(1 for o in outcomes if o.changed), dry_run=request.dry_run)

    @handle_errors
    def BatchSuspendSupervisors(self, request, context):
        return self._bulk("SUSPEND", request, context, svc.BatchSuspendSupervisorsResponse)

    @handle_errors
    def BatchResumeSupervisors(self, request, context):
        return self._bulk("RESUME", request, context, svc.BatchResumeSupervisorsResponse)

    @handle_errors
    def BatchTerminateSupervisors(self, request, context):
        return self._bulk("TERMINATE", request, context, svc.BatchTerminateSupervisorsResponse)

    @handle_errors
    def GetSupervisorStats(self, request, context):
        supervisor, rows, totals, averages = self.service.stats(request.supervisor_id)
        return svc.GetSupervisorStatsResponse(
            supervisor_id=supervisor.id, generation=supervisor.generation,
            tasks=[convert.task_status_to_pb(task, stats) for task, stats in rows],
            totals=convert.counters_to_pb(totals), moving_averages=convert.averages_to_pb(averages))

    @handle_errors
    def HandoffTaskGroups(self, request, context):
        outcome = self.service.handoff(request.supervisor_id, list(request.task_groups), _actor(context))
        return svc.HandoffTaskGroupsResponse(handoffs=[
            svc.TaskGroupHandoff(task_group=group, task_id=task_id, requested=requested)
            for group, task_id, requested in outcome])

    @handle_errors
    def ListSegments(self, request, context):
        v = convert.RequestViolations()
        names = self._names_of(request.supervisor_id)
        has = request.HasField
        filters = SegmentFilter(
            partition=convert.wide_partition(request.partition, has("partition"), request.partition_id,
                                             has("partition_id"), "partition", "partition_id", names, v),
            start=convert.wide_offset(request.start_offset, has("start_offset"), request.start_offset_decimal,
                                      has("start_offset_decimal"), "start_offset", "start_offset_decimal", v),
            end=convert.wide_offset(request.end_offset, has("end_offset"), request.end_offset_decimal,
                                    has("end_offset_decimal"), "end_offset", "end_offset_decimal", v),
            location=request.location)
        v.raise_if_any()
        page, token = self.service.list_segments(request.supervisor_id, request.include_backfills,
                                                 request.page_size, request.page_token, filters)
        return svc.ListSegmentsResponse(segments=[convert.segment_to_pb(s, names) for s in page],
                                        next_page_token=token)
