"""Prometheus metrics, served over HTTP on their own port (`--metrics-listen` / STREAMVISOR_METRICS_LISTEN).

- Per RPC (the interceptor): grpc_server_started_total, grpc_server_handled_total{grpc_code} (errors by
  code), grpc_server_handling_seconds (latency histogram), streamvisor_rpc_in_flight,
  streamvisor_rpc_refused_total{reason} (calls refused at the call limit, SERVER_BUSY). The names and
  labels are those of go-grpc-prometheus, so the usual gRPC dashboards work unchanged.
- Application events (the Observer hooks the application calls): commits accepted, commits rejected by
  reason, lease expiries - per supervisor.
- At scrape time (SupervisorCollector): supervisors by state; per non-terminal supervisor its lag and,
  for bounded (backfill) supervisors, progress. Lag needs the stream's latest offsets: those are read
  with one bounded broker call per (connection, stream), all in parallel within a total budget, and the
  result is cached for a few seconds, so a scrape never hammers the brokers and never hangs.

Every Metrics object has its own CollectorRegistry (several servers can live in one process, as in tests).
"""
from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Iterable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector
from prometheus_client.registry import Collector

from streamvisor import logs
from streamvisor.app.core import Observer
from streamvisor.domain.model import Supervisor, SupervisorState
from streamvisor.domain.offsets import bounded_progress, offsets_view
from streamvisor.domain.ports import MetadataStore, StreamAdapters

log = logging.getLogger("streamvisor.metrics")

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
# States in which lag means something (the supervisor still ingests, or will again).
_LIVE_STATES = frozenset({SupervisorState.PENDING, SupervisorState.RUNNING, SupervisorState.SUSPENDED,
                          SupervisorState.UNHEALTHY, SupervisorState.IDLE})


def split_method(method: str) -> tuple[str, str]:
    """"/streamvisor.v1.SupervisorService/GetOffsets" -> ("streamvisor.v1.SupervisorService", "GetOffsets")."""
    service, _, name = method.lstrip("/").partition("/")
    return service, name



# A gauge is a float: an offset count of any size (Kinesis' 129-digit sequence numbers) converts, rounded to
# 53 bits, which is what a dashboard needs; one past a float's range (never an offset of <= 130 digits, but
# the conversion would raise OverflowError and fail the whole scrape) is clamped to this.
MAX_GAUGE = 2.0 ** 1023


def gauge_value(value: int) -> float:
    return MAX_GAUGE if value >= 2 ** 1023 else float(value)

class Metrics(Observer):
    """The server's metrics. Also the application's Observer (commits, lease expiries)."""

    def __init__(self, store: MetadataStore | None = None, streams: StreamAdapters | None = None, *,
                 cache_s: float = 5.0, scrape_budget_s: float = 2.0):
        self.registry = CollectorRegistry()
        r = self.registry
        rpc_labels = ["grpc_service", "grpc_method", "grpc_type"]
        self.rpc_started = Counter("grpc_server_started", "RPCs started on the server.", rpc_labels, registry=r)
        self.rpc_handled = Counter("grpc_server_handled", "RPCs completed on the server, by status code.",
                                   rpc_labels + ["grpc_code"], registry=r)
        self.rpc_latency = Histogram("grpc_server_handling_seconds",
                                     "Time from the start of an RPC to its end, in seconds.", rpc_labels,
                                     buckets=LATENCY_BUCKETS, registry=r)
        self.refused = Counter("streamvisor_rpc_refused",
                               "RPCs refused before the servicer ran because the server was at its call limit.",
                               rpc_labels[:2] + ["reason"], registry=r)
        self.in_flight = Gauge("streamvisor_rpc_in_flight", "RPCs running right now.", registry=r)
        self.commits_accepted = Counter("streamvisor_commits_accepted",
                                        "CommitCheckpoint calls that published a segment.", ["supervisor_id"],
                                        registry=r)
        self.commits_rejected = Counter("streamvisor_commits_rejected",
                                        "CommitCheckpoint calls rejected whole, by ErrorInfo reason.",
                                        ["supervisor_id", "reason"], registry=r)
        self.lease_expiries = Counter("streamvisor_lease_expiries",
                                      "Task leases that ran out without a heartbeat.", ["supervisor_id"], registry=r)
        # What workers report in their heartbeats (GetSupervisorStats keeps the moving averages; Prometheus
        # computes rates from these with rate()). Counted by the replica that took the heartbeat: sum them.
        self.ingested = {c: Counter(f"streamvisor_records_{c}", f"Records {c.replace('_', ' ')}, as workers report "
                                    "them in heartbeats.", ["supervisor_id"], registry=r)
                         for c in ("processed", "unparseable", "thrown_away")}
        self.ingested["processed_bytes"] = Counter("streamvisor_processed_bytes",
                                                   "Bytes processed, as workers report them in heartbeats.",
                                                   ["supervisor_id"], registry=r)
        ProcessCollector(registry=r)
        PlatformCollector(registry=r)
        self.supervisors: SupervisorCollector | None = None
        if store is not None and streams is not None:
            self.supervisors = SupervisorCollector(store, streams, cache_s=cache_s, budget_s=scrape_budget_s)
            r.register(self.supervisors)
        self._http = None
        self.port = 0
        self._rpc_children: dict[tuple[str, str], tuple] = {}
        self._handled_children: dict[tuple[str, str, str], object] = {}
        self._accepted_children: dict[str, object] = {}
        self._refused_children: dict[tuple[str, str], object] = {}

    # The interceptor's hooks -----------------------------------------------------------------------
    # Label children are looked up once per (method, kind[, code]) and kept: prometheus_client's labels()
    # validates and joins the values and takes a lock on every call, three times per RPC.
    def _children(self, method: str, kind: str) -> tuple:
        key = (method, kind)
        children = self._rpc_children.get(key)
        if children is None:
            service, name = split_method(method)
            children = self._rpc_children[key] = (self.rpc_started.labels(service, name, kind),
                                                  self.rpc_latency.labels(service, name, kind))
        return children

    def rpc_start(self, method: str, kind: str) -> None:
        self._children(method, kind)[0].inc()
        self.in_flight.inc()

    def rpc_refused(self, method: str, reason: str) -> None:
        key = (method, reason)
        refused = self._refused_children.get(key)
        if refused is None:
            service, name = split_method(method)
            refused = self._refused_children[key] = self.refused.labels(service, name, reason)
        refused.inc()

    def rpc_end(self, method: str, kind: str, code: str, seconds: float) -> None:
        key = (method, kind, code)
        handled = self._handled_children.get(key)
        if handled is None:
            service, name = split_method(method)
            handled = self._handled_children[key] = self.rpc_handled.labels(service, name, kind, code)
        handled.inc()
        self._children(method, kind)[1].observe(seconds)
        self.in_flight.dec()

    # Observer (called by the application layer) ----------------------------------------------------
    def commit_accepted(self, supervisor_id: str, *_args, **_kwargs) -> None:
        child = self._accepted_children.get(supervisor_id)
        if child is None:
            child = self._accepted_children[supervisor_id] = self.commits_accepted.labels(supervisor_id)
        child.inc()

    def commit_rejected(self, supervisor_id: str, reason: str, *_args, **_kwargs) -> None:
        self.commits_rejected.labels(supervisor_id, reason or "UNKNOWN").inc()

    def lease_expired(self, supervisor_id: str, *_args, **_kwargs) -> None:
        self.lease_expiries.labels(supervisor_id).inc()

    def task_reported(self, supervisor_id: str, delta, *_args, **_kwargs) -> None:
        for name, counter in self.ingested.items():
            amount = getattr(delta, name)
            if amount:
                counter.labels(supervisor_id).inc(amount)

    # The HTTP endpoint -----------------------------------------------------------------------------
    def start_http(self, listen: str) -> int:
        """Serves /metrics on `listen` ("host:port"; an empty host means every interface; port 0 picks one)."""
        host, _, port = listen.rpartition(":")
        host = host.strip("[]") or "0.0.0.0"
        self._http, _thread = start_http_server(int(port or 0), addr=host, registry=self.registry)
        self.port = self._http.server_port
        return self.port

    def stop(self) -> None:
        if self._http is not None:
            self._http.shutdown()
            self._http.server_close()
            self._http = None
        if self.supervisors is not None:
            self.supervisors.close()


class SupervisorCollector(Collector):
    """Supervisors by state, lag and bounded progress, computed at scrape time and cached for `cache_s`."""

    def __init__(self, store: MetadataStore, streams: StreamAdapters, *, cache_s: float = 5.0,
                 budget_s: float = 2.0, broker_threads: int = 4):
        self.store, self.streams = store, streams
        self.cache_s, self.budget_s = cache_s, budget_s
        self._pool = ThreadPoolExecutor(max_workers=broker_threads, thread_name_prefix="metrics-offsets")
        # (adapter, stream) -> the broker call still running from an earlier scrape: never start a second one.
        self._pending: dict[tuple[int, str], Future] = {}
        self._lock = threading.Lock()
        self._cached: list = []
        self._cached_at = float("-inf")

    def describe(self) -> Iterable:
        return []  # do not query the store when the collector is registered

    def collect(self) -> Iterable:
        with self._lock:
            if time.monotonic() - self._cached_at >= self.cache_s:
                try:
                    self._cached = self._compute()
                except Exception:
                    logs.exception(log, "metrics: reading supervisors failed; serving the previous values")
                self._cached_at = time.monotonic()
            return list(self._cached)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _all_supervisors(self) -> tuple[list[Supervisor], dict[str, dict[int, int]]]:
        supervisors: list[Supervisor] = []
        checkpoints: dict[str, dict[int, int]] = {}
        with self.store.read() as tx:
            after = None
            while True:
                page = tx.list_supervisors(after, 500, frozenset(), frozenset())
                supervisors.extend(page)
                if len(page) < 500:
                    break
                after = page[-1].id
            for s in supervisors:
                if s.state in _LIVE_STATES:
                    checkpoints[s.id] = tx.get_checkpoints(s.id)
        return supervisors, checkpoints

    def _latest_offsets(self, live: list[Supervisor]) -> dict[tuple[int, str], object]:
        """Watermarks per (adapter, stream) for the unbounded live supervisors, within the budget."""
        wanted: dict[tuple[int, str], tuple[object, set[int]]] = {}
        for s in live:
            try:
                adapter = self.streams.for_spec(s.spec)
            except Exception:
                continue
            key = (id(adapter), s.spec.stream)
            wanted.setdefault(key, (adapter, set()))[1].update(s.partitions)
        futures = {}
        for key, (adapter, partitions) in wanted.items():
            future = self._pending.get(key)
            if future is None or future.done():
                future = self._pool.submit(adapter.watermarks, key[1], sorted(partitions))
                self._pending[key] = future
            futures[key] = future
        wait(list(futures.values()), timeout=self.budget_s)
        marks = {}
        for key, future in futures.items():
            if future.done():
                self._pending.pop(key, None)
                if future.exception() is None:
                    marks[key] = future.result()
        return marks

    def _compute(self) -> list:
        started = time.monotonic()
        supervisors, checkpoints = self._all_supervisors()
        by_state = GaugeMetricFamily("streamvisor_supervisors", "Supervisors by state.", labels=["state"])
        counts = {state: 0 for state in SupervisorState}
        for s in supervisors:
            counts[s.state] += 1
        for state, n in counts.items():
            by_state.add_metric([state.value], n)

        lag = GaugeMetricFamily("streamvisor_supervisor_lag",
                                "Records not yet ingested (latest - checkpoint, summed over partitions; for a "
                                "bounded supervisor, end - checkpoint).", labels=["supervisor_id"])
        up = GaugeMetricFamily("streamvisor_supervisor_offsets_up",
                               "1 when the stream's offsets were read for this scrape, else 0 (lag missing).",
                               labels=["supervisor_id"])
        done = GaugeMetricFamily("streamvisor_backfill_done_offsets",
                                 "Live bounded (backfill) supervisors: offsets of the range ingested.",
                                 labels=["supervisor_id", "backfill_of"])
        total = GaugeMetricFamily("streamvisor_backfill_total_offsets",
                                  "Bounded (backfill) supervisors: size of the range.",
                                  labels=["supervisor_id", "backfill_of"])
        ratio = GaugeMetricFamily("streamvisor_backfill_progress_ratio",
                                  "Live bounded (backfill) supervisors: done / total.",
                                  labels=["supervisor_id", "backfill_of"])
        beyond = GaugeMetricFamily("streamvisor_checkpoint_beyond_latest_partitions",
                                   "Live unbounded supervisors: partitions whose checkpoint is beyond the stream's "
                                   "latest offset (topic recreated or truncated) - a fault, not lag; alert on > 0.",
                                   labels=["supervisor_id"])
        live = [s for s in supervisors if s.state in _LIVE_STATES]
        marks = self._latest_offsets([s for s in live if not s.spec.is_bounded])
        for s in live:
            if not s.spec.is_bounded:
                continue
            d, t = bounded_progress(s.spec, checkpoints.get(s.id, {}))
            labels = [s.id, s.backfill_of or ""]
            done.add_metric(labels, gauge_value(d))
            total.add_metric(labels, gauge_value(t))
            ratio.add_metric(labels, 1.0 if t == 0 else d / t)
            lag.add_metric([s.id], gauge_value(t - d))  # no broker call needed: the range is known
            up.add_metric([s.id], 1)
        for s in live:
            if s.spec.is_bounded:
                continue
            try:
                m = marks.get((id(self.streams.for_spec(s.spec)), s.spec.stream))
            except Exception:
                m = None
            view = None
            if m is not None:
                try:
                    view = offsets_view(s, checkpoints.get(s.id, {}), m.earliest, m.latest)
                except KeyError:  # a partition the broker did not report
                    view = None
            up.add_metric([s.id], 0 if view is None else 1)
            if view is not None:
                lag.add_metric([s.id], gauge_value(view.total_lag))
                beyond.add_metric([s.id], len(view.faults))
        took = GaugeMetricFamily("streamvisor_metrics_refresh_seconds",
                                 "How long the last refresh of the supervisor metrics took.")
        took.add_metric([], time.monotonic() - started)
        return [by_state, lag, up, beyond, done, total, ratio, took]
