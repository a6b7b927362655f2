"""Amazon Kinesis' connection settings and spec rules. Pure: no boto3, no I/O
(tests/unit/test_kinesis_kind.py).

A supervisor's connection is its consumer properties `kinesis.*`:

    kinesis.region             required, e.g. us-east-1 (Kinesis is regional; boto3 needs it to sign)
    kinesis.endpoint           optional http(s)://host[:port] - a local emulator or a VPC endpoint;
                               without it, AWS's endpoint for the region
    kinesis.access_key_id      optional, with kinesis.secret_access_key: static credentials; without
    kinesis.secret_access_key  them, boto3's default chain (environment, profile, instance role)
    kinesis.session_token      optional, only with the two above
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping
from urllib.parse import urlsplit

from streamvisor.domain.errors import Violations
from streamvisor.domain.model import SupervisorSpec

REGION = "kinesis.region"
ENDPOINT = "kinesis.endpoint"
ACCESS_KEY_ID = "kinesis.access_key_id"
SECRET_ACCESS_KEY = "kinesis.secret_access_key"
SESSION_TOKEN = "kinesis.session_token"
PROPERTY_PREFIX = "kinesis."
KNOWN_PROPERTIES = (REGION, ENDPOINT, ACCESS_KEY_ID, SECRET_ACCESS_KEY, SESSION_TOKEN)
# AWS region names: us-east-1, eu-central-2, us-gov-west-1, cn-north-1, ...
REGION_PATTERN = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")
# Kinesis' own limits on stream names (CreateStream): 1-128 of [a-zA-Z0-9_.-].
MAX_STREAM_NAME_LENGTH = 128
EXAMPLE_ENDPOINT = "http://127.0.0.1:14568"


@dataclass(frozen=True)
class Connection:
    """Where Kinesis is and as whom to call it. `secret_access_key` and `session_token` never appear in
    messages or logs (see `redacted`)."""

    region: str
    endpoint: str | None
    access_key_id: str | None
    secret_access_key: str | None
    session_token: str | None

    @classmethod
    def of(cls, properties: Mapping[str, str]) -> "Connection":
        """The connection a spec's consumer properties name (ValueError with the first problem if none)."""
        problems = property_problems(properties)
        if problems:
            raise ValueError(problems[0])
        return cls(properties[REGION].strip(), _optional(properties, ENDPOINT), _optional(properties, ACCESS_KEY_ID),
                   _optional(properties, SECRET_ACCESS_KEY), _optional(properties, SESSION_TOKEN))

    @property
    def redacted(self) -> str:
        """Where, for messages and error metadata: the endpoint (or the region's AWS endpoint) and region."""
        return f"{self.endpoint or 'aws'} ({self.region})"


def _optional(properties: Mapping[str, str], key: str) -> str | None:
    value = properties.get(key, "").strip()
    return value or None


def property_problems(properties: Mapping[str, str]) -> list[str]:
    """What is wrong with a KINESIS spec's connection properties (empty if nothing)."""
    problems = []
    region = properties.get(REGION, "").strip()
    if not region:
        problems.append(f"'{REGION}' must be set, e.g. us-east-1")
    elif not REGION_PATTERN.match(region):
        problems.append(f"'{REGION}' must be an AWS region name such as us-east-1, got {region!r}")
    endpoint = _optional(properties, ENDPOINT)
    if endpoint is not None:
        parts = urlsplit(endpoint)
        try:
            parts.port  # noqa: B018 - raises ValueError for a port that is not a number
            valid_port = True
        except ValueError:
            valid_port = False
        if parts.scheme not in ("http", "https") or not parts.hostname or not valid_port or parts.path not in ("", "/"):
            problems.append(f"'{ENDPOINT}' must be an http(s)://host[:port] URL, e.g. {EXAMPLE_ENDPOINT}")
    key, secret = _optional(properties, ACCESS_KEY_ID), _optional(properties, SECRET_ACCESS_KEY)
    if (key is None) != (secret is None):
        problems.append(f"'{ACCESS_KEY_ID}' and '{SECRET_ACCESS_KEY}' must be set together (or neither, for "
                        "the default credential chain)")
    if _optional(properties, SESSION_TOKEN) is not None and key is None:
        problems.append(f"'{SESSION_TOKEN}' needs '{ACCESS_KEY_ID}' and '{SECRET_ACCESS_KEY}'")
    unknown = sorted(k for k in properties if k.startswith(PROPERTY_PREFIX) and k not in KNOWN_PROPERTIES)
    if unknown:
        # A misspelt kinesis.* property would otherwise be ignored, and the supervisor would connect with
        # defaults the operator did not mean.
        problems.append(f"unknown Kinesis properties {', '.join(unknown)}; known: {', '.join(KNOWN_PROPERTIES)}")
    return problems


def stream_problems(stream: str) -> list[str]:
    if len(stream) > MAX_STREAM_NAME_LENGTH:
        return [f"a Kinesis stream name is at most {MAX_STREAM_NAME_LENGTH} characters, got {len(stream)}"]
    return []


def validate_spec(spec: SupervisorSpec, violations: Violations, field_prefix: str = "spec") -> None:
    for problem in stream_problems(spec.stream):
        violations.add(f"{field_prefix}.stream", problem)
    for problem in property_problems(spec.consumer_properties):
        violations.add(f"{field_prefix}.consumer_properties", problem)
    if spec.autoscaler.enabled:
        # The autoscaler scales on lag, and a Kinesis lag counts no records: sequence numbers are sparse, so
        # a distance between them means nothing (GetOffsets shows `behind` instead, lag 0).
        violations.add(f"{field_prefix}.autoscaler.enabled", "the lag-based autoscaler is not available for Kinesis "
                       "supervisors: sequence numbers are sparse, so Kinesis has no lag to scale on; set task_count")


def applicable_defaults(server_defaults: Mapping[str, str]) -> dict[str, str]:
    """The server's defaults are Kafka client properties: a Kinesis spec takes only `kinesis.*` ones."""
    return {k: v for k, v in server_defaults.items() if k.startswith(PROPERTY_PREFIX)}


def connection_key(properties: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((k, v.strip()) for k, v in properties.items() if k.startswith(PROPERTY_PREFIX)))
