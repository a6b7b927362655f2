#!/usr/bin/env bash
# Installs streamvisor and runs it with the embedded defaults: metadata in SQLite under ./data, two
# embedded reference workers writing segments to ./data/segments, and a local single-node Kafka
# (started from Maven Central jars) unless STREAMVISOR_KAFKA_BOOTSTRAP names one.
# Extra arguments go to `streamvisor serve`, e.g. `bash scripts/serve.sh --listen 0.0.0.0:50051`.
set -euo pipefail
cd "$(dirname "$0")/.."
export PIP_DISABLE_PIP_VERSION_CHECK=1

echo "== installing streamvisor" >&2
python3 -m pip install -q -e . >&2
if [ -z "${STREAMVISOR_KAFKA_BOOTSTRAP:-}" ]; then
  echo "== no STREAMVISOR_KAFKA_BOOTSTRAP: starting a local Kafka (scripts/kafka.sh; stop it with 'bash scripts/kafka.sh stop')" >&2
  out="$(bash scripts/kafka.sh start)"
  eval "$out"
  export STREAMVISOR_KAFKA_BOOTSTRAP="$KAFKA_BOOTSTRAP"
fi
listen="${STREAMVISOR_LISTEN:-127.0.0.1:50051}"
# The web console, on loopback; STREAMVISOR_CONSOLE_LISTEN= (empty) turns it off.
console="${STREAMVISOR_CONSOLE_LISTEN-127.0.0.1:8080}"
cat >&2 <<MSG
== streamvisor on $listen (Kafka $STREAMVISOR_KAFKA_BOOTSTRAP, metadata ${STREAMVISOR_DATABASE_URL:-sqlite:///data/streamvisor.db})
   console: ${console:+http://$console/}${console:-off}
   demo: streamvisor --server $listen demo --bootstrap $STREAMVISOR_KAFKA_BOOTSTRAP   (README, "The web console")
   try:  streamvisor --server $listen supervisors list
         grpcurl -plaintext $listen list
   stop: Ctrl-C (or SIGTERM)
MSG
# Two reference workers run inside the server, so this one command is a complete working system;
# segments land in ./data/segments. Pass --embedded-workers 0 to run workers elsewhere.
exec streamvisor serve --listen "$listen" --console-listen "$console" \
  --embedded-workers "${STREAMVISOR_EMBEDDED_WORKERS:-2}" "$@"
