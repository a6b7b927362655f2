"""docs/api.md's field tables say what the protos say.

Every RPC of SupervisorService and TaskService has a `## <Method>` section whose signature line names the
proto's request and response types. In that section, the table after `**Request fields**` and the one right
after `**Response**` list the message's fields, and nothing else (a response message without fields may say
"empty" instead of having a table). A table headed `| Field of `X` |` documents message X once for the
whole page; a field of such a type is one row, elsewhere it must be expanded.

How a row names fields, as the page writes them: the first cell's backticked names are paths; a nested
field is `spec.stream`, a field inside a repeated message `partitions[].lag`, and a repeated field may end
in `[]`. `partitions[].earliest` / `latest` is shorthand for two paths: a second name without a prefix of
its own takes the first one's. Expansion stops at scalars, enums, maps, google.protobuf types and
messages with a `Field of` table; any other message field must be expanded, all of its subfields (its own
row is optional).

The reason catalogue is checked by test_error_reasons.py, not here."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from google.protobuf.descriptor import Descriptor, FieldDescriptor

from streamvisor.v1 import supervisor_pb2, supervisor_service_pb2, task_service_pb2

DOCS = Path(__file__).resolve().parents[2] / "docs" / "api.md"
SERVICES = [supervisor_service_pb2.DESCRIPTOR.services_by_name["SupervisorService"],
            task_service_pb2.DESCRIPTOR.services_by_name["TaskService"]]
MESSAGES = {m.name: m for mod in (supervisor_pb2, supervisor_service_pb2, task_service_pb2)
            for m in mod.DESCRIPTOR.message_types_by_name.values()}


# --- the page -------------------------------------------------------------------------------------------

def sections(text: str) -> dict[str, str]:
    """`## Title` -> its text up to the next `## ` heading (code blocks skipped: `## ` may occur in them)."""
    out, title, lines, fence = {}, None, [], False
    for line in text.splitlines():
        fence ^= line.startswith("```")
        if not fence and line.startswith("## "):
            if title is not None:
                out[title] = "\n".join(lines)
            title, lines = line[3:].strip(), []
        else:
            lines.append(line)
    if title is not None:
        out[title] = "\n".join(lines)
    return out


def table_after(text: str, label: str) -> list[str] | None:
    """First-cell texts of the table that directly follows the paragraph starting with `label`, or None."""
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith(label)), None)
    if start is None:
        return None
    i = start + 1
    while i < len(lines) and lines[i].strip() and not lines[i].startswith("|"):
        i += 1  # the rest of the paragraph
    while i < len(lines) and not lines[i].strip():
        i += 1
    if i >= len(lines) or not lines[i].startswith("| Field |"):
        return None
    rows = []
    for line in lines[i + 2:]:
        if not line.startswith("|"):
            break
        rows.append(line.split("|")[1])
    return rows


def paths_of(rows: list[str]) -> set[str]:
    """The field paths that table rows name ("`a[].b` / `c`" -> a[].b, a[].c)."""
    out = set()
    for cell in rows:
        names = re.findall(r"`([^`]+)`", cell)
        assert names, f"a field table row names no field: {cell!r}"
        prefix = re.match(r"(.*(?:\.|\[\]\.))?", names[0]).group(0)
        out.add(names[0])
        out.update(n if ("." in n or "[" in n) else prefix + n for n in names[1:])
    return out


def message_tables(text: str) -> dict[str, set[str]]:
    """Message name -> the paths of its `| Field of `X` |` table."""
    out: dict[str, set[str]] = {}
    for match in re.finditer(r"^\| Field of `(\w+)` \|.*\n\|[-| ]+\|\n((?:\|.*\n?)*)", text, re.M):
        assert match.group(1) not in out, f"message {match.group(1)} has two tables"
        out[match.group(1)] = paths_of([row.split("|")[1] for row in match.group(2).splitlines()])
    return out


TEXT = DOCS.read_text()
SECTIONS = sections(TEXT)
DOCUMENTED_TYPES = message_tables(TEXT)


# --- the protos -----------------------------------------------------------------------------------------

def is_leaf(field: FieldDescriptor, documented: set[str]) -> bool:
    m = field.message_type
    return (m is None or m.GetOptions().map_entry or m.full_name.startswith("google.protobuf.")
            or m.name in documented)


def check(message: Descriptor, documented_paths: set[str], documented_types: set[str]) -> list[str]:
    """Problems with documenting `message` by `documented_paths` (empty when they match the proto)."""
    canonical = {p.replace("[]", "") for p in documented_paths}
    problems = []

    for path in sorted(documented_paths):  # every documented path names a real field, `[]` only on repeated
        m: Descriptor | None = message
        for part in path.split("."):
            name, brackets = part.removesuffix("[]"), part.endswith("[]")
            field = m.fields_by_name.get(name) if m else None
            if field is None:
                problems.append(f"{message.name}: `{path}` is not a field of the proto")
                break
            if brackets and not field.is_repeated:
                problems.append(f"{message.name}: `{path}` marks {name!r} repeated ([]), the proto does not")
            m = field.message_type

    def walk(m: Descriptor, prefix: str) -> None:  # every proto field is documented
        for field in m.fields:
            path = prefix + field.name
            if is_leaf(field, documented_types):
                if path not in canonical:
                    problems.append(f"{message.name}: field `{path}` is not documented")
                continue
            if any(p.startswith(path + ".") for p in canonical):
                walk(field.message_type, path + ".")
            else:
                problems.append(f"{message.name}: field `{path}` is not documented field by field "
                                f"(nor does {field.message_type.name} have a `Field of` table)")

    walk(message, "")
    return problems


# --- the tests ------------------------------------------------------------------------------------------

METHODS = [(service, method) for service in SERVICES for method in service.methods]


def test_the_page_has_the_tables_this_test_reads():
    # A parser that found nothing would pass everything below: anchor it on rows known to exist.
    assert {"supervisor_id", "spec", "validate_only"} <= paths_of(
        table_after(SECTIONS["CreateSupervisor"], "**Request fields**"))
    assert {"partitions[].lag", "partitions[].earliest", "partitions[].latest"} <= paths_of(
        table_after(SECTIONS["GetOffsets"], "**Response**"))
    assert {"Supervisor", "Task", "OffsetRange"} <= DOCUMENTED_TYPES.keys()


@pytest.mark.parametrize("service,method", METHODS, ids=[m.full_name for _, m in METHODS])
def test_every_rpc_has_a_section_with_its_signature(service, method):
    assert method.name in SECTIONS, f"docs/api.md has no `## {method.name}` section"
    signature = f"`rpc {method.name}({method.input_type.name}) returns ({method.output_type.name})`"
    assert signature in SECTIONS[method.name], f"the section of {method.name} lacks {signature}"


@pytest.mark.parametrize("service,method", METHODS, ids=[m.full_name for _, m in METHODS])
def test_request_and_response_tables_match_the_proto(service, method):
    section = SECTIONS[method.name]
    problems = []
    for label, message in (("**Request fields**", method.input_type), ("**Response**", method.output_type)):
        rows = table_after(section, label)
        if rows is None:
            if not message.fields and re.search(rf"^{re.escape(label)}.*\bempty\b", section, re.M):
                continue
            problems.append(f"{method.name}: no field table after {label}")
            continue
        problems += check(message, paths_of(rows), set(DOCUMENTED_TYPES) - {message.name})
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("name", sorted(DOCUMENTED_TYPES))
def test_message_tables_match_the_proto(name):
    assert name in MESSAGES, f"`Field of `{name}`` documents a message the protos do not have"
    assert not (problems := check(MESSAGES[name], DOCUMENTED_TYPES[name], set(DOCUMENTED_TYPES) - {name})), \
        "\n".join(problems)


def test_every_message_table_documents_a_message_an_rpc_uses():
    used = set()

    def walk(m: Descriptor):
        for f in m.fields:
            t = f.message_type
            if t is not None and not t.GetOptions().map_entry and t.name not in used:
                used.add(t.name)
                walk(t)

    for _, method in METHODS:
        walk(method.input_type), walk(method.output_type)
    assert sorted(set(DOCUMENTED_TYPES) - used) == [], "`Field of` tables of messages no RPC uses"


def test_every_sample_is_recorded_by_the_script_or_labelled_an_illustration():
    """A block showing a `$ ` command is either between transcript markers (docs/transcripts.py writes it,
    tests/test_docs_transcripts.py checks it) or directly follows an `<!-- illustration -->` label."""
    unlabelled, inside, lines = [], False, TEXT.splitlines()
    i = 0
    while i < len(lines):
        inside = inside or lines[i].startswith("<!-- transcript:")
        inside = inside and not lines[i].startswith("<!-- /transcript")
        if lines[i].startswith("```"):
            end = next(j for j in range(i + 1, len(lines)) if lines[j].startswith("```"))
            labelled = any(lines[k] == "<!-- illustration -->" for k in range(max(0, i - 3), i))
            if any(line.startswith("$ ") for line in lines[i + 1:end]) and not inside and not labelled:
                unlabelled.append(f"line {i + 1}: {lines[i + 1][:80]}")
            i = end
        i += 1
    assert not unlabelled, "samples neither recorded nor labelled:\n" + "\n".join(unlabelled)
