#!/usr/bin/env bash
# Installs everything the test suite needs on a fresh machine and runs it:
# Python deps (pip), buf (npm), Apache Kafka from Maven Central jars, PostgreSQL and RabbitMQ (with its
# stream plugin) from Debian's packages, the Kinesis emulator (npm kinesis-local, run with node),
# and the Go/Java/TypeScript clients' plugins, grpcurl and test dependencies (install-toolchains.sh).
# Extra arguments go to pytest, e.g. `bash scripts/test.sh tests/unit -q`.
set -euo pipefail
cd "$(dirname "$0")/.."
export PIP_DISABLE_PIP_VERSION_CHECK=1

echo "== installing Python dependencies" >&2
python3 -m pip install -q -e ".[test]" >&2
echo "== ruff (lint, configured in pyproject.toml)" >&2
python3 -m ruff check --quiet .
echo "== installing buf (npm)" >&2
npm ci --prefix tools --no-audit --no-fund --loglevel=error >&2
echo "== installing the Go, Java and TypeScript toolchains (cached in ~/go, ~/.m2, ~/.npm)" >&2
bash scripts/install-toolchains.sh
echo "== installing the console tests' browser (Debian's chromium headless shell)" >&2
STREAMVISOR_CHROMIUM="$(bash scripts/install-browser.sh)"
export STREAMVISOR_CHROMIUM

# Start the real parts; stop on exit only what this run started.
started=()
cleanup() {
  for service in "${started[@]}"; do bash "scripts/$service.sh" stop >&2 || true; done
}
trap cleanup EXIT
for service in kafka postgres rabbitmq kinesis; do
  bash "scripts/$service.sh" status >/dev/null 2>&1 || started+=("$service")
  echo "== starting $service" >&2
  out="$(bash "scripts/$service.sh" start)"
  eval "$out"
done
export KAFKA_BOOTSTRAP STREAMVISOR_TEST_PG_URL RABBITMQ_STREAM_URL RABBITMQ_AMQP_URL KINESIS_ENDPOINT

echo "== running tests (Kafka $KAFKA_BOOTSTRAP, PostgreSQL $STREAMVISOR_TEST_PG_URL, RabbitMQ $RABBITMQ_STREAM_URL, Kinesis $KINESIS_ENDPOINT)" >&2
python3 -m pytest -q -p no:cacheprovider "$@"
