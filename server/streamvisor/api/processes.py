"""`streamvisor serve --processes N`: N server processes on one port (SO_REUSEPORT), each a full replica.

A Python gRPC server runs its handlers under one GIL, so one process uses about one core. As in grpc's
examples/python/multiprocessing, the parent forks the servers before any gRPC object exists (gRPC's
threads do not survive fork) and each child binds the same port with SO_REUSEPORT; the kernel spreads
incoming connections over them. The children share nothing but PostgreSQL, exactly like replicas on
several hosts: one of them holds the scheduler lease, any of them answers any call.

The parent migrates the schema once, holds the port (so `:0` means one port for all), forwards
SIGTERM/SIGINT, and replaces a child that dies after it was up for a while (one that dies within
STARTUP_S of its start - a bad URL, the port taken - stops the group: restarting it would only loop)."""
from __future__ import annotations

import dataclasses
import logging
import multiprocessing
import os
import signal
import socket
import threading
import time

from sqlalchemy.engine import make_url

from streamvisor import logs
from streamvisor.config import ServerConfig

log = logging.getLogger("streamvisor.server")

STARTUP_S = 10.0


class ProcessesError(ValueError):
    """The configuration cannot run as several processes (the CLI shows it as a usage error)."""


def check_processes(config: ServerConfig) -> None:
    if config.processes < 1:
        raise ProcessesError(f"--processes must be at least 1, got {config.processes}")
    if config.processes > 1 and make_url(config.database_url).get_backend_name() == "sqlite":
        raise ProcessesError(
            f"--processes {config.processes} needs PostgreSQL (--database-url postgresql+psycopg://...): "
            "SQLite is one file on one host with one writer at a time, so more processes would only queue "
            "on its lock (and time out under load); run one process on SQLite")


def _split_listen(listen: str) -> tuple[str, int]:
    host, _, port = listen.rpartition(":")
    return host.strip("[]") or "0.0.0.0", int(port)


def _hold_port(listen: str) -> tuple[socket.socket, str]:
    """Binds (without listening) the address with SO_REUSEPORT and returns the socket and the listen
    address with its port: a fixed port that someone else listens on fails here, clearly, and `:0`
    becomes one free port every child binds. A socket that does not listen receives no connections."""
    host, port = _split_listen(listen)
    if port:
        # SO_REUSEPORT would let a second group (same user) join a running one silently: refuse instead.
        probe_host = "127.0.0.1" if host in ("0.0.0.0", "") else "::1" if host == "::" else host
        try:
            with socket.create_connection((probe_host, port), timeout=0.5):
                raise ProcessesError(f"something already listens on {listen}")
        except OSError:
            pass
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host if host != "localhost" else "127.0.0.1", port))
    except OSError as e:
        sock.close()
        raise ProcessesError(f"cannot listen on {listen}: {e}") from None
    bound = sock.getsockname()[1]
    head = listen.rpartition(":")[0]
    return sock, f"{head}:{bound}"


def _child_config(config: ServerConfig, listen: str, index: int) -> ServerConfig:
    metrics = config.metrics_listen
    if metrics:
        # One HTTP port each: process i serves /metrics on the given port + i (or a free one for :0).
        host, _, port = metrics.rpartition(":")
        metrics = f"{host}:{int(port) + index if int(port) else 0}"
    # The console is one HTTP port: process 0 serves it (its bridge reaches the shared gRPC port).
    console = config.console_listen if index == 0 else ""
    return dataclasses.replace(config, listen=listen, processes=1, reuse_port=True, metrics_listen=metrics,
                               console_listen=console)


def _run_child(config: ServerConfig, index: int) -> None:
    from streamvisor.api.server import serve

    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    logs.info(log, "server process started", process=index, pid=os.getpid(), address=config.listen)
    serve(config)


def serve_processes(config: ServerConfig) -> int:
    """Runs config.processes server processes until SIGTERM/SIGINT; returns the exit code."""
    check_processes(config)
    from streamvisor.store.engine import create_store_engine, migrate

    # Once, here: the children then find the schema at head (migrate also locks, for several hosts).
    engine = create_store_engine(config.database_url, pool_size=1)
    try:
        migrate(engine)
    finally:
        engine.dispose()
    holder, listen = _hold_port(config.listen)
    context = multiprocessing.get_context("fork")
    stop = threading.Event()
    children: dict[int, tuple[multiprocessing.Process, float]] = {}

    def start(index: int) -> None:
        process = context.Process(target=_run_child, args=(_child_config(config, listen, index), index),
                                  name=f"streamvisor-serve-{index}")
        process.start()
        children[index] = (process, time.monotonic())

    def on_signal(signum, _frame):
        logs.info(log, "signal received", signal=signal.Signals(signum).name, processes=len(children))
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    for index in range(config.processes):
        start(index)
    logs.info(log, "serving with processes", address=listen, processes=config.processes,
              pids=",".join(str(p.pid) for p, _ in children.values()))
    code = 0
    try:
        while not stop.wait(0.5):
            for index, (process, started) in list(children.items()):
                if process.is_alive():
                    continue
                uptime = time.monotonic() - started
                if uptime < STARTUP_S:
                    logs.warning(log, "server process failed to start; stopping", process=index, pid=process.pid,
                                 exit_code=process.exitcode, uptime_s=round(uptime, 1))
                    code = 1
                    stop.set()
                    break
                logs.warning(log, "server process died; replacing it", process=index, pid=process.pid,
                             exit_code=process.exitcode, uptime_s=round(uptime, 1))
                start(index)
    finally:
        for process, _ in children.values():
            if process.is_alive():
                process.terminate()  # SIGTERM: each drains its calls as a single `serve` does
        deadline = time.monotonic() + config.shutdown_grace_s + 30
        for process, _ in children.values():
            process.join(max(0.1, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()
                process.join()
        holder.close()
        logs.info(log, "stopped", processes=len(children), exit_code=code)
    return code
