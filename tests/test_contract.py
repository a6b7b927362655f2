"""The contract: buf lint passes and the committed stubs are exactly what the generator makes."""
from __future__ import annotations

import filecmp
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUF = ROOT / "tools" / "node_modules" / ".bin" / "buf"


def test_buf_lint_passes():
    result = subprocess.run([str(BUF), "lint"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_generated_stubs_are_fresh(tmp_path):
    work = tmp_path / "repo"
    for part in ("protos", "tools", "scripts", "clients"):
        shutil.copytree(ROOT / part, work / part, symlinks=True)
    for part in ("buf.yaml", "buf.gen.yaml"):
        shutil.copy(ROOT / part, work / part)
    subprocess.run(["bash", "scripts/gen.sh"], cwd=work, check=True, capture_output=True)

    def differences(a: Path, b: Path) -> list[str]:
        cmp = filecmp.dircmp(a, b)
        found = [str(Path(a, n)) for n in cmp.left_only + cmp.right_only]
        found += [str(Path(a, n)) for n in cmp.common_files if (Path(a, n).read_bytes() != Path(b, n).read_bytes())]
        for sub in cmp.common_dirs:
            found += differences(Path(a, sub), Path(b, sub))
        return found

    stale = differences(ROOT / "clients" / "python" / "gen", work / "clients" / "python" / "gen")
    assert stale == [], f"stale generated code, run `bash scripts/gen.sh`: {stale}"
