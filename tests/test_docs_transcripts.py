"""docs/api.md's recorded samples are what docs/transcripts.py produces today.

Runs the script in --check mode: it starts a real server on SQLite, creates its own topics on the real
broker ($KAFKA_BOOTSTRAP), runs every marked sample's grpcurl commands and compares the normalised output
with the page. All the marked samples are checked (the whole story takes about 12 s); a failure names the
samples that differ and shows the diff. Regenerate with `python docs/transcripts.py`."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.kafka


def test_the_recorded_samples_are_current(kafka_bootstrap):
    env = {**os.environ, "KAFKA_BOOTSTRAP": kafka_bootstrap,
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "server"), os.environ.get("PYTHONPATH")]))}
    result = subprocess.run([sys.executable, str(ROOT / "docs" / "transcripts.py"), "--check"], env=env,
                            capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr[-8000:]
    assert " 0 differ" in result.stderr, result.stderr[-2000:]
