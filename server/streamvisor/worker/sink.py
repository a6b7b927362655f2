"""Where segments go: JSON Lines files, written under a temporary name and renamed into place, so a
reader never sees half a segment and a crash leaves at most an unreferenced temporary file."""
from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from urllib.parse import urlparse


def output_dir(url: str) -> Path:
    """`file:///abs/dir` or a plain path; other schemes are not supported by the reference worker."""
    parsed = urlparse(url)
    if parsed.scheme in ("", "file"):
        path = Path(parsed.path if parsed.scheme else url).expanduser().resolve()
        path.mkdir(parents=True, exist_ok=True)
        return path
    raise ValueError(f"unsupported output {url!r}: use a directory path or file:///dir")


def record_line(partition: int, offset: int, timestamp_ms: int | None, key: bytes | None,
                value: bytes | None) -> str:
    return json.dumps({
        "partition": partition,
        "offset": offset,
        "timestamp": timestamp_ms,
        "key": None if key is None else base64.b64encode(key).decode(),
        "value": None if value is None else base64.b64encode(value).decode(),
    }, separators=(",", ":"))


class FileSink:
    def __init__(self, root: Path):
        self.root = root

    def write(self, supervisor_id: str, name: str, lines: list[str]) -> str:
        """Writes the segment durably and returns its location (a file:// URL)."""
        directory = self.root / supervisor_id
        directory.mkdir(parents=True, exist_ok=True)
        final = directory / f"{name}.jsonl"
        temporary = directory / f".{name}.jsonl.tmp"
        with open(temporary, "w") as f:
            f.write("\n".join(lines))
            if lines:
                f.write("\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, final)
        return final.as_uri()

    @staticmethod
    def discard(location: str) -> None:
        """Removes a segment whose commit was rejected: it was never ingested."""
        try:
            Path(urlparse(location).path).unlink()
        except FileNotFoundError:
            pass
