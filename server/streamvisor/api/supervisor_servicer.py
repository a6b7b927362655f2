"""SupervisorService servicer: thin. Converts, delegates to the application service, converts back."""
from __future__ import annotations

import grpc

from streamvisor.api import convert
from streamvisor.api.errors import handle_errors
from streamvisor.api.identity import actor_of
from streamvisor.app.supervisors import ResetTarget, SupervisorService
from streamvisor.app.results import ResetResult
from streamvisor.domain.errors import Violations
from streamvisor.domain.ports import SegmentFilter
from streamvisor.v1 import supervisor_service_pb2 as svc
from streamvisor.v1 import supervisor_service_pb2_grpc as svc_grpc


def _actor(context: grpc.ServicerContext) -> str:
    # The authenticated caller the interceptor established (token actor or certificate CN).
    return actor_of(context)


def _reset_fields(result: ResetResult) -> dict:
    return {"changes": [convert.change_to_pb(c) for c in result.changes], "generation": result.generation,
            "dry_run": result.dry_run, "plan_token": result.plan_token}


class SupervisorServicer(svc_grpc.SupervisorServiceServicer):
    def __init__(self, service: SupervisorService):
        self.service = service

    @handle_errors
    def CreateSupervisor(self, request, context):
        supervisor = self.service.create(request.supervisor_id, convert.spec_from_pb(request.spec),
                                         request.validate_only, _actor(context))
        return svc.CreateSupervisorResponse(supervisor=convert.supervisor_to_pb(supervisor))

    @handle_errors
    def GetSupervisor(self, request, context):
        return svc.GetSupervisorResponse(supervisor=convert.supervisor_to_pb(self.service.get(request.supervisor_id)))

    @handle_errors
    def ListSupervisors(self, request, context):
        v = Violations()
        states = convert.states_from_pb(request.states, "states", v)
        types = convert.stream_types_from_pb(request.stream_types, "stream_types", v)
        v.raise_if_any()
        page, token = self.service.list(request.page_size, request.page_token, states, types)
        return svc.ListSupervisorsResponse(supervisors=[convert.supervisor_to_pb(s) for s in page],
                                           next_page_token=token)

    @handle_errors
    def UpdateSupervisor(self, request, context):
        supervisor = self.service.update(request.supervisor_id, convert.spec_from_pb(request.spec), request.etag,
                                         _actor(context))
        return svc.UpdateSupervisorResponse(supervisor=convert.supervisor_to_pb(supervisor))

    @handle_errors
    def SuspendSupervisor(self, request, context):
        s = self.service.suspend(request.supervisor_id, request.etag, _actor(context))
        return svc.SuspendSupervisorResponse(supervisor=convert.supervisor_to_pb(s))

    @handle_errors
    def ResumeSupervisor(self, request, context):
        s = self.service.resume(request.supervisor_id, request.etag, _actor(context))
        return svc.ResumeSupervisorResponse(supervisor=convert.supervisor_to_pb(s))

    @handle_errors
    def TerminateSupervisor(self, request, context):
        s = self.service.terminate(request.supervisor_id, request.etag, _actor(context))
        return svc.TerminateSupervisorResponse(supervisor=convert.supervisor_to_pb(s))

    @handle_errors
    def ListSupervisorHistory(self, request, context):
        events, token = self.service.history(request.supervisor_id, request.page_size, request.page_token)
        return svc.ListSupervisorHistoryResponse(events=[convert.audit_event_to_pb(e) for e in events],
                                                 next_page_token=token)

    @handle_errors
    def GetOffsets(self, request, context):
        supervisor, view, read_time = self.service.get_offsets(request.supervisor_id, _actor(context))
        response = svc.GetOffsetsResponse(supervisor_id=supervisor.id, total_lag=view.total_lag,
                                          bounded_done=view.bounded_done, bounded_total=view.bounded_total,
                                          read_time=convert.timestamp(read_time))
        # Rows added in place: building each message apart and passing the list copied all 1,000 again.
        add = response.partitions.add
        name = self.service.partition_namer(supervisor.spec.stream_type)
        for r in view.partitions:
            row = add(partition=r.partition, earliest=r.earliest, latest=r.latest, lag=r.lag,
                      checkpoint_beyond_latest=r.beyond_latest, closed=r.closed, expired=r.expired,
                      behind=r.behind, parent_partition_ids=[name(p) for p in r.parents])
            if r.checkpoint is not None:
                row.checkpoint = r.checkpoint
            if r.bound is not None:
                row.bounded_range.CopyFrom(convert.ranges_to_pb([r.bound])[0])
        return response

    @handle_errors
    def ResetSupervisor(self, request, context):
        result = self.service.reset(request.supervisor_id, request.request_id, request.dry_run, _actor(context),
                                    plan_token=request.plan_token)
        return svc.ResetSupervisorResponse(**_reset_fields(result))

    @handle_errors
    def ResetOffsets(self, request, context):
        v = Violations()  # conversion problems, reported together with the service's own checks
        targets = []
        for i, t in enumerate(request.targets):
            which, field = t.WhichOneof("target"), f"targets[{i}]"
            timestamp_ms = convert.timestamp_ms_from_pb(t.timestamp, f"{field}.timestamp", v) \
                if which == "timestamp" else None
            targets.append(ResetTarget(
                partition=t.partition,
                offset=t.offset if which == "offset" else None,
                timestamp_ms=timestamp_ms,
                field=field,
                invalid=which == "timestamp" and timestamp_ms is None))
        result = self.service.reset_offsets(request.supervisor_id, targets, request.request_id, request.dry_run,
                                            _actor(context), violations=v, plan_token=request.plan_token)
        return svc.ResetOffsetsResponse(**_reset_fields(result))

    @handle_errors
    def ResetToLatestAndBackfill(self, request, context):
        count = request.backfill_task_count if request.HasField("backfill_task_count") else None
        result = self.service.reset_to_latest_and_backfill(request.supervisor_id, count, request.request_id,
                                                           request.dry_run, _actor(context),
                                                           plan_token=request.plan_token)
        return svc.ResetToLatestAndBackfillResponse(
            supervisor_id=result.supervisor_id, backfill_supervisor_id=result.backfill_supervisor_id,
            backfill_ranges=convert.ranges_to_pb(result.backfill_ranges),
            unrecoverable_ranges=convert.ranges_to_pb(result.unrecoverable_ranges),
            previewed_backfill_ranges=convert.ranges_to_pb(result.previewed_backfill_ranges),
            **_reset_fields(result))

    @handle_errors
    def GetCoverage(self, request, context):
        ids, partitions, lost = self.service.coverage(request.supervisor_id)
        rows = [svc.PartitionCoverage(
            partition=c.partition, published=convert.ranges_to_pb(c.published), gaps=convert.ranges_to_pb(c.gaps),
            overlaps=[svc.CoverageOverlap(range=convert.ranges_to_pb([o.range])[0], supervisor_ids=o.supervisor_ids)
                      for o in c.overlaps],
            published_offsets=c.published_offsets) for c in partitions]
        return svc.GetCoverageResponse(
            supervisor_id=request.supervisor_id, supervisor_ids=ids, partitions=rows,
            total_gaps=sum(g.size for c in partitions for g in c.gaps),
            total_overlaps=sum(o.range.size for c in partitions for o in c.overlaps),
            unrecoverable_ranges=convert.ranges_to_pb(lost))

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
        filters = SegmentFilter(
            partition=request.partition if request.HasField("partition") else None,
            start=request.start_offset if request.HasField("start_offset") else None,
            end=request.end_offset if request.HasField("end_offset") else None,
            location=request.location)
        page, token = self.service.list_segments(request.supervisor_id, request.include_backfills,
                                                 request.page_size, request.page_token, filters)
        return svc.ListSegmentsResponse(segments=[convert.segment_to_pb(s) for s in page], next_page_token=token)
