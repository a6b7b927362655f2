"""The file sink: JSON Lines segments, exactly once for whoever reads the published directory.

Layout under the output root (what a reader may rely on is in README.md, "Reading the output"):

    <root>/<family-id>/<name>.jsonl                          published segments, and nothing else
    <root>/.streamvisor-staging/<task-id>/<name>.jsonl       staged, not (yet) known to be published
    <root>/.streamvisor-staging/<task-id>/task.json          the task's family, supervisor and generation

A family is a supervisor and its backfills: a backfill writes into its source's directory, so one
directory holds one pipeline. Staging is on the same file system as the published directories, so
publishing is a hard link (atomic, never replaces a file a reader may have open, fails harmlessly when
another worker published first) followed by an fsync of the directory.
"""
from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Iterator, Sequence
from urllib.parse import unquote, urlparse

from streamvisor.worker.sinks import Partition, Record, SegmentInfo, StagedSegment

STAGING = ".streamvisor-staging"
SUFFIX = ".jsonl"
# One per task (a task belongs to one supervisor, one family, one generation), written durably before its
# first staged segment: what a next holder needs to publish a staged file, at one fsync per task rather
# than one per segment.
TASK_FILE = "task.json"


def output_dir(url: str) -> Path:
    """`file:///abs/dir` or a plain path."""
    parsed = urlparse(url)
    if parsed.scheme in ("", "file") or len(parsed.scheme) == 1:
        path = Path(unquote(parsed.path) if parsed.scheme == "file" else url).expanduser().resolve()
        path.mkdir(parents=True, exist_ok=True)
        return path
    raise ValueError(f"unsupported output {url!r}: use a directory path or file:///dir")


# The largest integer every JSON reader holds exactly (an IEEE double's 53-bit mantissa).
MAX_EXACT_JSON_NUMBER = 2 ** 53 - 1


def _b64(data: bytes | None) -> str | None:
    return None if data is None else base64.b64encode(data).decode()


def record_line(record: Record) -> str:
    """One JSON Lines record: partition, offset, timestamp (ms), key, value and headers ([name, value]
    pairs), bytes in base64 (null when absent). An offset above 2**53 - 1 (Kinesis sequence numbers: up to
    129 digits) is written as a decimal string: JavaScript's and many other JSON readers parse numbers as
    doubles and would silently lose its last digits. Kafka's and RabbitMQ's offsets stay numbers."""
    return json.dumps({
        "partition": record.partition,
        "offset": record.offset if record.offset <= MAX_EXACT_JSON_NUMBER else str(record.offset),
        "timestamp": record.timestamp_ms,
        "key": _b64(record.key),
        "value": _b64(record.value),
        "headers": [[name, _b64(value)] for name, value in record.headers],
    }, separators=(",", ":"))


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_durably(path: Path, text: str) -> None:
    """Under a temporary name, fsync, rename into place: `path` is whole or absent, never half written."""
    temporary = path.with_name(f".{path.name}.partial")
    with open(temporary, "w") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(temporary, path)


def _task_json(info: SegmentInfo) -> str:
    return json.dumps({"family_id": info.family_id, "supervisor_id": info.supervisor_id, "task_id": info.task_id,
                       "generation": info.generation})


def _task_from_json(text: str) -> tuple[str, str, str, int] | None:
    try:
        d = json.loads(text)
        return str(d["family_id"]), str(d["supervisor_id"]), str(d["task_id"]), int(d["generation"])
    except (ValueError, KeyError, TypeError):
        return None


class FileSink:
    def __init__(self, root: Path):
        self.root = Path(root)
        self.staging_root = self.root / STAGING

    # Paths ------------------------------------------------------------------------------------------
    def published_path(self, family_id: str, name: str) -> Path:
        return self.root / family_id / f"{name}{SUFFIX}"

    def staging_dir(self, task_id: str) -> Path:
        return self.staging_root / task_id

    @staticmethod
    def path_of(location: str) -> Path:
        return Path(unquote(urlparse(location).path))

    def _staged_path(self, location: str, task_id: str | None = None) -> Path | None:
        name = self.path_of(location).name
        if task_id is not None:
            return self.staging_dir(task_id) / name
        # Staged files are few (each is published or discarded within a commit), so a look is cheap.
        return next(iter(sorted(self.staging_root.glob(f"*/{name}"))), None) if self.staging_root.exists() else None

    # The protocol ----------------------------------------------------------------------------------
    def stage(self, info: SegmentInfo, records: Sequence[Record]) -> str:
        """Writes the segment under staging, durably (file and directory entry); returns its published
        location. The first segment of a task also writes the task's file."""
        directory = self.staging_dir(info.task_id)
        # Checked every time (one stat): a holder that finished the task may have removed the directory.
        if not (directory / TASK_FILE).exists():
            if not directory.exists():
                self.staging_root.mkdir(parents=True, exist_ok=True)
                directory.mkdir(exist_ok=True)
                _fsync_dir(self.staging_root)
            _write_durably(directory / TASK_FILE, _task_json(info))
        _write_durably(directory / f"{info.name}{SUFFIX}", "".join(record_line(r) + "\n" for r in records))
        _fsync_dir(directory)  # the rename is durable before the commit names the segment
        return self.published_path(info.family_id, info.name).as_uri()

    def publish(self, location: str, segment_id: int, info: SegmentInfo) -> None:
        """Links the staged file into the family's directory. Idempotent: a file already in place (this
        worker's retry, or another worker that published it first) is left as it is."""
        final = self.path_of(location)
        staged = self._staged_path(location, info.task_id)
        if not final.parent.exists():
            final.parent.mkdir(parents=True, exist_ok=True)
            _fsync_dir(final.parent.parent)
        try:
            os.link(staged, final)
            _fsync_dir(final.parent)
        except FileExistsError:
            pass  # published already (by us before a crash, or by a concurrent publisher)
        except FileNotFoundError:
            if not final.exists():
                raise FileNotFoundError(
                    f"segment {segment_id} was accepted at {location} but neither its staged file {staged} nor "
                    "the published one exists") from None
        self._remove_staged(staged)

    def discard(self, location: str) -> None:
        """Removes a staged segment whose commit was rejected: it was never ingested. A published file is
        never touched."""
        staged = self._staged_path(location)
        if staged is not None:
            self._remove_staged(staged)

    def staged(self, task_id: str) -> list[StagedSegment]:
        """The task's staged segments. Their ranges are not kept here (the server has them): info.ranges is
        empty. Files of a staging directory without a task file are not listed: stage() writes it first,
        so they were never returned, never committed."""
        directory = self.staging_dir(task_id)
        try:
            task = _task_from_json((directory / TASK_FILE).read_text())
        except (FileNotFoundError, NotADirectoryError):
            return []
        if task is None:
            return []
        family_id, supervisor_id, _, generation = task
        found = []
        for path in sorted(directory.glob(f"*{SUFFIX}")):
            if path.name.startswith("."):
                continue
            name = path.name[:-len(SUFFIX)]
            info = SegmentInfo(family_id, supervisor_id, task_id, generation, name, ())
            found.append(StagedSegment(self.published_path(family_id, name).as_uri(), info))
        return found

    def staged_task_ids(self) -> list[str]:
        """Task ids with a staging directory (for a worker's sweep of what earlier holders left)."""
        if not self.staging_root.is_dir():
            return []
        return sorted(p.name for p in self.staging_root.iterdir() if p.is_dir())

    def forget_task(self, task_id: str) -> None:
        """Removes a task's staging directory when nothing is left in it but leftovers of interrupted writes
        (never committed: stage() had not returned)."""
        directory = self.staging_dir(task_id)
        try:
            for path in directory.iterdir():
                if path.name.endswith(SUFFIX) and not path.name.startswith("."):
                    return  # a staged segment: resolve it first
            for path in directory.iterdir():
                path.unlink(missing_ok=True)
            directory.rmdir()
        except (FileNotFoundError, OSError):
            pass  # another holder is writing there, or it is gone already

    def read_offsets(self, family_id: str) -> Iterator[tuple[Partition, int, str]]:
        """Every record of every file under the family's directory (hidden ones too: a reader sees them),
        as (partition, offset, file URL). A line that is not a record is ("?", -1, file URL)."""
        directory = self.root / family_id
        if not directory.is_dir():
            return
        for path in sorted(p for p in directory.rglob("*") if p.is_file()):
            where = path.as_uri()
            with open(path, "rb") as f:
                for line in f:
                    try:
                        d = json.loads(line)
                        yield d["partition"], int(d["offset"]), where
                    except (ValueError, KeyError, TypeError):
                        yield "?", -1, where

    def close(self) -> None:
        pass

    @staticmethod
    def _remove_staged(staged: Path) -> None:
        staged.unlink(missing_ok=True)
