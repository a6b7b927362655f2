"""Kafka brokers of a test's own, to restart and kill without touching the shared broker other tests use.

`DedicatedKafka` runs scripts/kafka.sh with its own ports and state dir; `KafkaCluster` runs
scripts/kafka-cluster.sh (three brokers). Both log one line per action, with how long it took.
"""
from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
log = logging.getLogger("tests.kafka")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A SIGKILLed child of setsid is reaped by init; until then it is a zombie, which is as good as dead.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0] != "Z"
    except (FileNotFoundError, IndexError):
        return False


def hard_kill(pid: int, what: str) -> None:
    """SIGKILL: no controlled shutdown, no flushed logs, no clean-shutdown marker."""
    t0 = time.monotonic()
    os.kill(pid, signal.SIGKILL)
    while _pid_alive(pid):
        time.sleep(0.05)
    print(f"kafka: SIGKILLed {what} pid={pid} in {time.monotonic() - t0:.1f}s", flush=True)


class DedicatedKafka:
    """A single-node broker started by scripts/kafka.sh on free ports, state under `run_dir`.

    kafka.sh formats the data dir only when it has no meta.properties, so stop/kill + start keeps every
    record and the cluster id: a restart, not a new broker."""

    def __init__(self, run_dir: Path, heap: str = "-Xmx512m"):
        self.run_dir = run_dir
        self.port, self.controller_port = free_port(), free_port()
        self.bootstrap = f"127.0.0.1:{self.port}"
        self.env = {**os.environ, "KAFKA_PORT": str(self.port), "KAFKA_CONTROLLER_PORT": str(self.controller_port),
                    "STREAMVISOR_RUN_DIR": str(run_dir), "KAFKA_HEAP_OPTS": heap}

    def _script(self, *args: str) -> str:
        t0 = time.monotonic()
        done = subprocess.run(["bash", str(REPO / "scripts" / "kafka.sh"), *args], env=self.env,
                              capture_output=True, text=True, timeout=180)
        if done.returncode != 0:
            raise RuntimeError(f"kafka.sh {' '.join(args)} failed ({done.returncode}):\n{done.stderr[-4000:]}")
        print(f"kafka: kafka.sh {' '.join(args)} bootstrap={self.bootstrap} took {time.monotonic() - t0:.1f}s",
              flush=True)
        return done.stdout

    @property
    def pid(self) -> int:
        return int((self.run_dir / "kafka" / "kafka.pid").read_text())

    @property
    def cluster_id(self) -> str:
        for line in (self.run_dir / "kafka" / "data" / "meta.properties").read_text().splitlines():
            if line.startswith("cluster.id="):
                return line.split("=", 1)[1]
        raise AssertionError("no cluster.id in meta.properties")

    def start(self) -> None:
        self._script("start")

    def stop(self) -> None:
        """SIGTERM: Kafka's controlled shutdown."""
        self._script("stop")

    def kill(self) -> None:
        hard_kill(self.pid, f"broker {self.bootstrap}")

    def wipe(self) -> None:
        self._script("stop", "--wipe")


class KafkaCluster:
    """Three KRaft nodes (each broker+controller) started by scripts/kafka-cluster.sh."""

    NODES = (1, 2, 3)

    def __init__(self, run_dir: Path, heap: str = "-Xmx512m"):
        self.run_dir = run_dir
        self.ports = {n: free_port() for n in self.NODES}
        self.controller_ports = {n: free_port() for n in self.NODES}
        self.bootstrap = ",".join(f"127.0.0.1:{self.ports[n]}" for n in self.NODES)
        self.env = {**os.environ, "STREAMVISOR_RUN_DIR": str(run_dir), "KAFKA_HEAP_OPTS": heap,
                    "KAFKA_CLUSTER_PORTS": ",".join(str(self.ports[n]) for n in self.NODES),
                    "KAFKA_CLUSTER_CONTROLLER_PORTS": ",".join(str(self.controller_ports[n]) for n in self.NODES)}

    def _script(self, *args: str) -> str:
        t0 = time.monotonic()
        done = subprocess.run(["bash", str(REPO / "scripts" / "kafka-cluster.sh"), *args], env=self.env,
                              capture_output=True, text=True, timeout=300)
        if done.returncode != 0:
            raise RuntimeError(f"kafka-cluster.sh {' '.join(args)} failed ({done.returncode}):\n{done.stderr[-4000:]}")
        print(f"kafka: kafka-cluster.sh {' '.join(args)} bootstrap={self.bootstrap} took "
              f"{time.monotonic() - t0:.1f}s", flush=True)
        return done.stdout

    def pid(self, node: int) -> int:
        return int((self.run_dir / "kafka-cluster" / f"node{node}" / "kafka.pid").read_text())

    def start(self, node: int | None = None) -> None:
        self._script("start", *([str(node)] if node else []))

    def kill(self, node: int) -> None:
        hard_kill(self.pid(node), f"node {node} (127.0.0.1:{self.ports[node]})")

    def wipe(self) -> None:
        self._script("stop", "--wipe")
