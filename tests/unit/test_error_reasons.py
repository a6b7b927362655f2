"""Code, contract and docs name the same error reasons with the same codes.

Every reason the server can emit (read from the source: each DomainError it constructs) is a value of the
generated `streamvisor.v1.ErrorReason` enum; every enum value has a row in docs/api.md's ErrorReason
catalogue, and no row names a reason the enum lacks; and the catalogue's code column names the gRPC code
the server really sends for that reason (from the error class, mapped by streamvisor.api.errors)."""
from __future__ import annotations

import ast
import re
from pathlib import Path

from google.rpc import code_pb2

from streamvisor.api import errors as api_errors
from streamvisor.domain import errors as domain_errors
from streamvisor.v1 import error_reason_pb2

ROOT = Path(__file__).resolve().parents[2]
SERVER = ROOT / "server" / "streamvisor"
DOCS = ROOT / "docs" / "api.md"

ENUM = {name.removeprefix("ERROR_REASON_") for name in error_reason_pb2.ErrorReason.keys()} - {"UNSPECIFIED"}
ERROR_CLASSES = {name: cls for name, cls in vars(domain_errors).items()
                 if isinstance(cls, type) and issubclass(cls, domain_errors.DomainError)}
# InvalidArgument (and its subclass OutOfRange) take the violations first and the reason as a keyword.
VIOLATIONS_FIRST = {name for name, cls in ERROR_CLASSES.items() if issubclass(cls, domain_errors.InvalidArgument)}


def code_name(cls: type) -> str:
    code = next((c for k, c in api_errors._CODES if issubclass(cls, k)), code_pb2.INTERNAL)
    return code_pb2.Code.Name(code)


def _string_constants(tree: ast.Module) -> dict[str, str]:
    return {t.id: node.value.value for node in tree.body if isinstance(node, ast.Assign)
            for t in node.targets if isinstance(t, ast.Name)
            and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)}


def emitted() -> set[tuple[str, str | None]]:
    """(reason, gRPC code name or None when the class is not known statically) for every construction."""
    trees = {path: ast.parse(path.read_text()) for path in SERVER.rglob("*.py")}
    constants: dict[str, str] = {}
    for tree in trees.values():
        constants.update(_string_constants(tree))

    def literal(node) -> str | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "Reason":
            return node.attr  # Reason.SUPERVISOR_NOT_FOUND
        if isinstance(node, ast.Name) and node.id in constants:
            return constants[node.id]
        return None

    found: set[tuple[str, str | None]] = set()
    for tree in trees.values():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
            keyword = next((k.value for k in node.keywords if k.arg == "reason"), None)
            if name in ERROR_CLASSES:
                position = 1 if name in VIOLATIONS_FIRST else 0
                node_reason = keyword if keyword is not None else (
                    node.args[position] if len(node.args) > position else None)
                if node_reason is None and name in VIOLATIONS_FIRST:
                    found.add(("INVALID_ARGUMENT", code_name(ERROR_CLASSES[name])))
                    continue
                reason = literal(node_reason) if node_reason is not None else None
                if reason is not None:
                    found.add((reason, code_name(ERROR_CLASSES[name])))
            elif name == "raise_if_any":
                reason = literal(keyword) if keyword is not None else "INVALID_ARGUMENT"
                if reason is not None:
                    found.add((reason, "INVALID_ARGUMENT"))
            elif keyword is not None and re.fullmatch(r"[A-Z][A-Z_]+", literal(keyword) or ""):
                found.add((literal(keyword), None))  # e.g. ErrorInfo(reason=...), or a class chosen at run time
    return found


def catalogue() -> dict[str, str]:
    """Reason -> the code cell of its row in the docs' ErrorReason catalogue."""
    text = DOCS.read_text()
    section = text[text.index("## ErrorReason catalogue"):]
    section = section[:section.index("\n## ", 5)]
    rows = re.findall(r"^\| `([A-Z_]+)` \| ([^|]+) \|", section, re.M)
    assert rows, "the catalogue table was not found"
    return {reason: cell.strip() for reason, cell in rows}


def test_the_source_scan_sees_the_reasons_it_should():
    reasons = {r for r, _ in emitted()}
    # A scan that found nothing would pass everything below: anchor it on reasons known to exist.
    assert {"SUPERVISOR_NOT_FOUND", "OFFSET_OUT_OF_RANGE", "CHECKPOINT_BEYOND_LATEST", "SERVER_BUSY",
            "UNAUTHENTICATED", "INTERNAL"} <= reasons


def test_every_reason_the_server_emits_is_an_enum_value():
    unknown = sorted({r for r, _ in emitted()} - ENUM)
    assert not unknown, f"reasons emitted but missing from error_reason.proto: {unknown}"


def test_every_enum_value_is_in_the_docs_catalogue_and_nothing_else_is():
    rows = catalogue()
    assert sorted(ENUM - rows.keys()) == [], "enum values without a catalogue row"
    assert sorted(rows.keys() - ENUM) == [], "catalogue rows without an enum value"


def test_the_catalogue_names_the_code_each_reason_is_sent_with():
    rows = catalogue()
    wrong = sorted((reason, code, rows[reason]) for reason, code in emitted()
                   if code is not None and reason in rows and code not in rows[reason])
    assert not wrong, f"(reason, code sent, catalogue says): {wrong}"


def test_every_enum_value_is_emitted_somewhere():
    never = sorted(ENUM - {r for r, _ in emitted()})
    assert not never, f"enum values the server never sends (dead contract, or a scan gap): {never}"


def test_the_domain_reasons_mirror_the_generated_enum_exactly():
    from streamvisor.domain.reasons import Reason

    assert [r.value for r in Reason] == [n.removeprefix("ERROR_REASON_") for n in error_reason_pb2.ErrorReason.keys()
                                         if n != "ERROR_REASON_UNSPECIFIED"]
    assert all(r.name == r.value for r in Reason)


def test_a_reason_outside_the_enum_cannot_be_raised():
    import pytest

    with pytest.raises(ValueError):
        domain_errors.NotFound("SUPERVISOR_MISSING", "a misspelt reason")
