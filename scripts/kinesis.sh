#!/usr/bin/env bash
# A local Amazon Kinesis endpoint for tests and local runs: the kinesis-mock emulator, as the npm package
# `kinesis-local` (kinesis-mock compiled to one JavaScript file, no dependencies), run with node.
#
# Usage: scripts/kinesis.sh start | stop | status | env
#
#   eval "$(scripts/kinesis.sh start)"   # exports KINESIS_ENDPOINT=http://127.0.0.1:<port>,
#                                          # AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY
#
# In a `set -e` script prefer  out="$(scripts/kinesis.sh start)"; eval "$out"
# (the assignment fails the script; eval of an empty string would succeed).
#
# Only the `export ...` lines go to stdout; all other output goes to stderr.
#
# The emulator is installed from npm at the version pinned in tools/kinesis/package-lock.json into
# tools/kinesis/node_modules (ignored by git), once: later starts skip npm when that version is there.
#
# Why this emulator (docs/kinesis.md): it behaves like Kinesis through splits and merges - real 56-digit
# sequence numbers, new writes go to the children, a closed parent's reads end with no next iterator
# and its ChildShards, ListShards' shard filters, AT_TIMESTAMP. One known gap: a closed shard's
# EndingSequenceNumber is reported as 9223372036854775807 (below its starting sequence number); the
# adapter does not rely on it.
#
# It serves HTTPS (self-signed, server.json in the package) and plain HTTP; we hand out the plain HTTP
# port, on loopback. boto3's Kinesis client speaks JSON (botocore's model lists only the json protocol),
# which the emulator answers, so no AWS_CBOR_DISABLE is needed (the Java SDK would need it). Any
# credentials are accepted; a 12-digit access key id would select another account, so ours is not one.
#
# Environment:
#   KINESIS_PORT             plain HTTP port on 127.0.0.1          (default 14568)
#   KINESIS_TLS_PORT         HTTPS port on 127.0.0.1 (unused here, but the emulator always opens it)
#                                                                   (default 14567)
#   KINESIS_SHARD_LIMIT      shards per account the emulator allows (default 1000; AWS's default is 500 or
#                            200 by region, the emulator's own default 50 is too few for the 100-shard bench)
#   STREAMVISOR_KINESIS_DIR  pid file and log                       (default /tmp/streamvisor-kinesis-$KINESIS_PORT)
#   KINESIS_START_TIMEOUT    seconds to wait for it to answer       (default 60)
#   NODE                     node binary                            (default node)
set -euo pipefail

SCRIPT_DIR="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd -- "$SCRIPT_DIR/.." && pwd)"
TOOLS_DIR="$REPO_ROOT/tools/kinesis"
PACKAGE_DIR="$TOOLS_DIR/node_modules/kinesis-local"

HOST=127.0.0.1
PORT="${KINESIS_PORT:-14568}"
TLS_PORT="${KINESIS_TLS_PORT:-14567}"
SHARD_LIMIT="${KINESIS_SHARD_LIMIT:-1000}"
STATE_DIR="${STREAMVISOR_KINESIS_DIR:-/tmp/streamvisor-kinesis-$PORT}"
START_TIMEOUT="${KINESIS_START_TIMEOUT:-60}"
NODE="${NODE:-node}"
REGION=us-east-1
PID_FILE="$STATE_DIR/kinesis.pid"
OUT_FILE="$STATE_DIR/kinesis.out"

log() { printf 'kinesis.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

print_env() {
  printf 'export KINESIS_ENDPOINT=http://%s:%s\n' "$HOST" "$PORT"
  printf 'export AWS_REGION=%s AWS_DEFAULT_REGION=%s\n' "$REGION" "$REGION"
  # The emulator accepts any signature; boto3 refuses to sign without some credentials.
  printf 'export AWS_ACCESS_KEY_ID=streamvisor-local AWS_SECRET_ACCESS_KEY=streamvisor-local\n'
}

# ------------------------------------------------------------- install ----

pinned_version() {
  sed -n '/"node_modules\/kinesis-local"/,/}/s/.*"version": *"\([^"]*\)".*/\1/p' "$TOOLS_DIR/package-lock.json" | head -n1
}

installed_version() {
  [[ -f "$PACKAGE_DIR/package.json" && -f "$PACKAGE_DIR/main.js" ]] || return 1
  sed -n 's/.*"version" *: *"\([^"]*\)".*/\1/p' "$PACKAGE_DIR/package.json" | head -n1
}

ensure_installed() {
  command -v "$NODE" >/dev/null || die "no $NODE on PATH (the emulator is a node program)"
  local want have
  want="$(pinned_version)"
  [[ -n "$want" ]] || die "cannot read kinesis-local's version from $TOOLS_DIR/package-lock.json"
  have="$(installed_version || true)"
  if [[ "$have" != "$want" ]]; then
    log "installing kinesis-local $want from npm into $TOOLS_DIR/node_modules"
    npm ci --prefix "$TOOLS_DIR" --no-audit --no-fund --loglevel=error >&2 || die "npm ci in $TOOLS_DIR failed"
    have="$(installed_version || true)"
    [[ "$have" == "$want" ]] || die "npm installed kinesis-local '$have', expected $want"
  fi
}

# ------------------------------------------------------------- running ----

# The pid file is trusted only if that process is node running our package's main.js (pids get reused).
running_pid() {
  local pid
  [[ -f "$PID_FILE" ]] || return 1
  pid="$(cat "$PID_FILE" 2>/dev/null)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | grep -qxF -- "KINESIS_MOCK_PLAIN_PORT=$PORT" || return 1
  echo "$pid"
}

port_in_use() {
  (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null
}

# The emulator answers GET /healthcheck with 200 once its HTTP server is up. Uses python3's standard
# library, not curl, so the script needs nothing the machine may lack.
answers() {
  python3 - "$HOST" "$PORT" <<'EOF' 2>/dev/null
import sys, urllib.request
with urllib.request.urlopen(f"http://{sys.argv[1]}:{sys.argv[2]}/healthcheck", timeout=2) as response:
    sys.exit(0 if response.status == 200 else 1)
EOF
}

wait_ready() {
  local pid="$1" deadline=$((SECONDS + START_TIMEOUT))
  while :; do
    kill -0 "$pid" 2>/dev/null || { log "emulator process $pid exited during startup"; return 1; }
    (( SECONDS < deadline )) || { log "emulator not answering within ${START_TIMEOUT}s"; return 1; }
    answers && return 0
    sleep 0.3
  done
}

show_logs() {
  [[ -s "$OUT_FILE" ]] || return 0
  log "---- last lines of $OUT_FILE ----"
  tail -n 40 "$OUT_FILE" >&2
}

stop_pid() {
  local pid="$1" deadline=$((SECONDS + 20))
  kill -TERM "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null && (( SECONDS < deadline )); do sleep 0.2; done
  if kill -0 "$pid" 2>/dev/null; then
    log "pid $pid still running after 20s, sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.2; done
  fi
}

# ------------------------------------------------------------ commands ----

cmd_start() {
  local pid p
  ensure_installed
  if pid="$(running_pid)"; then
    wait_ready "$pid" || { show_logs; die "emulator (pid $pid) is running but not answering"; }
    log "already running (pid $pid) at http://$HOST:$PORT"
    print_env
    return 0
  fi
  for p in "$PORT" "$TLS_PORT"; do
    if port_in_use "$p"; then
      die "port $HOST:$p is already in use by another process"
    fi
  done
  mkdir -p "$STATE_DIR"
  [[ -f "$OUT_FILE" ]] && mv -f "$OUT_FILE" "$OUT_FILE.prev"
  log "starting kinesis-local $(installed_version) at http://$HOST:$PORT (log in $OUT_FILE)"
  local t0=$SECONDS
  # setsid: own session, so it outlives this shell; `exec` in the child makes $! node itself. The
  # emulator reads its TLS certificate from server.json relative to its working directory: run it there.
  # Data lives in memory only (SHOULD_PERSIST_DATA=false): a restart starts with no streams.
  # The lock fd (9) is closed for node so it does not hold the lock forever.
  (cd "$PACKAGE_DIR" && exec env \
      KINESIS_MOCK_PLAIN_PORT="$PORT" KINESIS_MOCK_TLS_PORT="$TLS_PORT" \
      KINESIS_MOCK_CERT_PATH="$PACKAGE_DIR/server.json" \
      SHARD_LIMIT="$SHARD_LIMIT" AWS_REGION="$REGION" SHOULD_PERSIST_DATA=false \
      LOG_LEVEL=WARN ROOT_LOG_LEVEL=ERROR \
      setsid "$NODE" main.js >"$OUT_FILE" 2>&1 </dev/null 9>&-) &
  pid=$!
  echo "$pid" >"$PID_FILE"
  if ! wait_ready "$pid"; then
    show_logs
    stop_pid "$pid"
    rm -f "$PID_FILE"
    die "the Kinesis emulator failed to start"
  fi
  log "ready after $((SECONDS - t0))s (pid $pid)"
  print_env
}

cmd_stop() {
  local pid
  if pid="$(running_pid)"; then
    log "stopping emulator (pid $pid)"
    stop_pid "$pid"
    log "stopped"
  else
    log "not running"
  fi
  rm -f "$PID_FILE"
}

cmd_status() {
  local pid
  if pid="$(running_pid)"; then
    if answers; then
      log "running (pid $pid) at http://$HOST:$PORT"
    else
      log "process $pid is up but http://$HOST:$PORT is not answering (yet)"
    fi
    print_env
    return 0
  fi
  log "not running"
  return 3
}

usage() {
  echo "usage: $0 start | stop | status | env" >&2
  exit 2
}

# Serialise concurrent invocations (two test runs starting at once): lock this script file itself.
exec 9<"${BASH_SOURCE[0]}"
flock -w 300 9 || die "timed out waiting for another kinesis.sh"

case "${1:-}" in
  start)  shift; cmd_start "$@" ;;
  stop)   shift; cmd_stop "$@" ;;
  status) shift; cmd_status "$@" ;;
  env)    print_env ;;
  *)      usage ;;
esac
