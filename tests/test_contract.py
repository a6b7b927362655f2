"""The contract: buf lint passes, the committed stubs of every language are exactly what the generator
makes, and the contract stays compatible (buf breaking, FILE) with every earlier version of it."""
from __future__ import annotations

import filecmp
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BUF = ROOT / "tools" / "node_modules" / ".bin" / "buf"
# Every directory that scripts/gen.sh writes; hand-written code (SDKs, tests, build files) lives beside them.
GENERATED = ["clients/python/gen", "clients/go/streamvisor", "clients/java/gen", "clients/ts/gen"]


def test_buf_lint_passes():
    result = subprocess.run([str(BUF), "lint"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def _build_outputs(directory: str, names: list[str]) -> list[str]:
    """Skips the clients' build outputs when copying: not inputs of the generator (node_modules is, as
    protoc-gen-es is installed there)."""
    outputs = {ROOT / "clients" / "java" / "target", ROOT / "clients" / "ts" / "dist"}
    return [n for n in names if Path(directory, n) in outputs]


def test_generated_stubs_are_fresh(tmp_path):
    work = tmp_path / "repo"
    for part in ("protos", "tools", "scripts", "clients"):
        shutil.copytree(ROOT / part, work / part, symlinks=True, ignore=_build_outputs)
    for part in ("buf.yaml", "buf.gen.yaml"):
        shutil.copy(ROOT / part, work / part)
    result = subprocess.run(["bash", "scripts/gen.sh"], cwd=work, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr

    def differences(a: Path, b: Path) -> list[str]:
        cmp = filecmp.dircmp(a, b)
        found = [str(Path(a, n)) for n in cmp.left_only + cmp.right_only]
        found += [str(Path(a, n)) for n in cmp.common_files if (Path(a, n).read_bytes() != Path(b, n).read_bytes())]
        for sub in cmp.common_dirs:
            found += differences(Path(a, sub), Path(b, sub))
        return found

    stale = [path for gen in GENERATED for path in differences(ROOT / gen, work / gen)]
    assert stale == [], f"stale generated code, run `bash scripts/gen.sh`: {stale}"


# buf breaking (FILE rules, see buf.yaml) against every earlier version of the contract on this branch:
# each commit that changed protos/ or buf.yaml, newest first. In CI - a fresh clone of the submitted main,
# so a clean tree - that includes the previous main however many commits the submission has; in a
# working tree it also covers uncommitted changes. A deliberate, reviewed break is acknowledged with
# buf.yaml's `breaking: ignore_only`, never by rewriting history. Capped: old versions add little.
CONTRACT_PATHS = ["protos", "buf.yaml"]
MAX_VERSIONS = 20


def contract_versions(repo: Path) -> list[str]:
    result = subprocess.run(["git", "rev-list", f"--max-count={MAX_VERSIONS}", "HEAD", "--", *CONTRACT_PATHS],
                            cwd=repo, capture_output=True, text=True)
    return result.stdout.split() if result.returncode == 0 else []


def breaking_changes(repo: Path) -> dict[str, str]:
    """buf breaking's findings against each earlier version, by commit; empty when compatible with all."""
    found = {}
    for commit in contract_versions(repo):
        result = subprocess.run([str(BUF), "breaking", "--against", f".git#ref={commit}"], cwd=repo,
                                capture_output=True, text=True)
        if result.returncode != 0:
            found[commit] = result.stdout + result.stderr
    return found


def test_buf_breaking_against_every_earlier_version():
    if not contract_versions(ROOT):
        pytest.skip("not a git checkout with history of protos/ (e.g. an exported tarball)")
    assert breaking_changes(ROOT) == {}


def test_buf_breaking_catches_a_renamed_field(tmp_path):
    """The check above, on a copy of the contract in a scratch repository: it passes, then fails on a
    breaking change, both uncommitted and committed (the case CI sees)."""
    repo = tmp_path / "repo"
    shutil.copytree(ROOT / "protos", repo / "protos")
    shutil.copy(ROOT / "buf.yaml", repo / "buf.yaml")

    def git(*args: str) -> None:
        identity = ["-c", "user.name=test", "-c", "user.email=test@invalid", "-c", "commit.gpgsign=false"]
        subprocess.run(["git", *identity, *args], cwd=repo, check=True, capture_output=True)

    git("init", "-q")
    git("add", ".")
    git("commit", "-q", "-m", "the contract")
    assert breaking_changes(repo) == {}

    proto = repo / "protos" / "streamvisor" / "v1" / "supervisor.proto"
    text = proto.read_text()
    assert "  string stream = 2;\n" in text
    proto.write_text(text.replace("  string stream = 2;\n", "  string stream_name = 2;\n"))
    renamed = 'Field "2" on message "SupervisorSpec" changed name from "stream" to "stream_name"'
    uncommitted = breaking_changes(repo)
    assert len(uncommitted) == 1 and renamed in next(iter(uncommitted.values())), uncommitted

    git("commit", "-q", "-am", "rename a field")
    committed = breaking_changes(repo)
    assert len(committed) == 1 and renamed in next(iter(committed.values())), committed
