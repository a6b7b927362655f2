#!/usr/bin/env bash
# Single-node Apache Kafka (KRaft, combined broker+controller) for tests.
#
# Usage: scripts/kafka.sh start | stop [--wipe] | status | env | libs
#   (libs: fetch the jars if needed and print their directory; scripts/kafka-cluster.sh uses it)
#
#   eval "$(scripts/kafka.sh start)"   # exports KAFKA_BOOTSTRAP=127.0.0.1:<port>
#
# In a `set -e` script prefer  out="$(scripts/kafka.sh start)"; eval "$out"
# (the assignment fails the script; eval of an empty string would succeed).
#
# Only the `export ...` line goes to stdout; all other output goes to stderr.
#
# The broker jars come from Maven Central (scripts/kafka/pom.xml), are cached
# per Kafka version and reused on later runs. Needs: java (17+), mvn, python3
# with confluent-kafka (the readiness check uses the same client as the tests).
#
# Note for tests/benchmarks: CreateTopics returns (and metadata shows leaders)
# before the broker has created the partitions' logs; a 1000-partition topic
# takes ~7 s more on disk (~3 s with STREAMVISOR_RUN_DIR on tmpfs, e.g.
# /dev/shm/...) before ListOffsets/produce stop failing with NOT_LEADER.
#
# Environment:
#   KAFKA_PORT              broker port              (default 19092)
#   KAFKA_CONTROLLER_PORT   KRaft controller port    (default 19093)
#   STREAMVISOR_RUN_DIR     state root; Kafka uses <root>/kafka
#                           (default ~/.local/state/streamvisor: per machine user, not per checkout,
#                           because the ports are per machine - every checkout shares one broker)
#   STREAMVISOR_CACHE       jar cache root           (default ~/.cache/streamvisor)
#   KAFKA_HEAP_OPTS         JVM heap flags           (default -Xmx768m)
#   KAFKA_START_TIMEOUT     seconds to wait for the broker to answer (default 90)
#   PYTHON                  interpreter with confluent_kafka (default python3)
set -euo pipefail

SCRIPT_DIR="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd -- "$SCRIPT_DIR/.." && pwd)"
POM="$SCRIPT_DIR/kafka/pom.xml"
LOG4J_CONF="$SCRIPT_DIR/kafka/log4j2.properties"

HOST=127.0.0.1
PORT="${KAFKA_PORT:-19092}"
CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-19093}"
BOOTSTRAP="$HOST:$PORT"
PYTHON="${PYTHON:-python3}"
START_TIMEOUT="${KAFKA_START_TIMEOUT:-90}"
STOP_TIMEOUT=60
HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xmx768m}"

STATE_DIR="${STREAMVISOR_RUN_DIR:-${XDG_STATE_HOME:-$HOME/.local/state}/streamvisor}/kafka"
DATA_DIR="$STATE_DIR/data"
CONFIG="$STATE_DIR/server.properties"
PID_FILE="$STATE_DIR/kafka.pid"
OUT_FILE="$STATE_DIR/kafka.out"      # JVM stdout/stderr (WARN+ log lines, crashes)
LOG_FILE="$STATE_DIR/server.log"     # log4j INFO log, see kafka/log4j2.properties

if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then
  JAVA="$JAVA_HOME/bin/java"
else
  JAVA=java
fi

log() { printf 'kafka.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

print_env() { printf 'export KAFKA_BOOTSTRAP=%s\n' "$BOOTSTRAP"; }

# The version is read from the POM so the cache directory follows it.
kafka_version() {
  sed -n 's:.*<kafka\.version>\(.*\)</kafka\.version>.*:\1:p' "$POM" | head -n1
}

# ---------------------------------------------------------------- jars ----

# Fetch the broker's runtime classpath into the cache (once). A stamp file
# holding the POM's checksum marks a complete fetch: an interrupted mvn run, or
# a POM edit that keeps the Kafka version (say a logging bump), re-fetches.
ensure_libs() {
  local version cache_root dir stamp want
  version="$(kafka_version)"
  [[ -n "$version" ]] || die "cannot read <kafka.version> from $POM"
  cache_root="${STREAMVISOR_CACHE:-$HOME/.cache/streamvisor}"
  dir="$cache_root/kafka-$version"
  LIBS="$dir/libs"
  stamp="$dir/.complete"
  want="$(sha256sum "$POM" | cut -d' ' -f1)"

  if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    return 0
  fi

  command -v mvn >/dev/null || die "mvn not found (needed once to fetch the Kafka jars)"
  mkdir -p "$dir"
  # Two concurrent first runs must not both write into libs/.
  exec 8>"$dir/.lock"
  flock -w 600 8 || die "timed out waiting for another fetch into $dir"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    exec 8>&-
    return 0
  fi

  log "fetching Kafka $version jars from Maven Central into $LIBS (first run only) ..."
  local t0=$SECONDS
  rm -rf "$LIBS" "$LIBS.tmp"
  # stdout of mvn goes to stderr: stdout is reserved for the export line.
  # Maven's output is kept in a file (shown on failure): stdout is reserved
  # for the export line, and -q still leaves ANSI noise behind.
  if ! mvn -B -q -f "$POM" dependency:copy-dependencies \
      -DoutputDirectory="$LIBS.tmp" -DincludeScope=runtime >"$dir/mvn.log" 2>&1; then
    tail -n 40 "$dir/mvn.log" >&2
    die "mvn dependency:copy-dependencies failed (full log: $dir/mvn.log)"
  fi
  ls "$LIBS.tmp"/kafka_2.13-*.jar >/dev/null 2>&1 || die "no kafka_2.13 jar after mvn fetch"
  mv "$LIBS.tmp" "$LIBS"
  printf '%s\n' "$want" >"$stamp"
  exec 8>&-
  log "fetched $(ls "$LIBS" | wc -l) jars ($(du -sh "$LIBS" | cut -f1)) in $((SECONDS - t0))s"
}

# ------------------------------------------------------------- process ----

# Print the broker's pid if it is running. The pid file is trusted only if that
# pid is still a java process running *our* server.properties (pids get reused).
running_pid() {
  local pid
  [[ -f "$PID_FILE" ]] || return 1
  pid="$(cat "$PID_FILE" 2>/dev/null)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "kafka.Kafka $CONFIG" || return 1
  echo "$pid"
}

port_in_use() {
  # bash's /dev/tcp: succeeds if something accepts connections on the port.
  (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null
}

# SIGTERM = controlled shutdown (flushes logs, writes clean-shutdown markers
# so the next start skips log recovery), sent to the broker's process group.
# SIGKILL if it has not exited after STOP_TIMEOUT seconds.
stop_pid() {
  local pid="$1" deadline=$((SECONDS + STOP_TIMEOUT))
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null && (( SECONDS < deadline )); do
    sleep 0.5
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "pid $pid still running after ${STOP_TIMEOUT}s, sending SIGKILL"
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.2; done
  fi
}

show_logs() {
  local f
  for f in "$OUT_FILE" "$LOG_FILE"; do
    [[ -s "$f" ]] || continue
    log "---- last lines of $f ----"
    tail -n 40 "$f" >&2
  done
}

# Poll the broker with the same client library the tests use until it serves
# metadata with itself registered *and* answers ListOffsets for every existing
# partition, the JVM dies, or time runs out. The second part matters after a
# restart: metadata is served a few seconds before all partitions are loaded
# (ListOffsets meanwhile fails with NOT_LEADER / UNKNOWN_LEADER_EPOCH).
wait_ready() {
  local pid="$1"
  KAFKA_BOOTSTRAP="$BOOTSTRAP" "$PYTHON" - "$pid" "$START_TIMEOUT" <<'PY'
import logging, os, sys, time
from confluent_kafka import TopicPartition
from confluent_kafka.admin import AdminClient, OffsetSpec

pid, timeout = int(sys.argv[1]), float(sys.argv[2])
quiet = logging.getLogger("kafka.sh.readiness")
quiet.addHandler(logging.NullHandler())
quiet.propagate = False
# librdkafka would print "Connection refused" lines while the broker boots.
admin = AdminClient({"bootstrap.servers": os.environ["KAFKA_BOOTSTRAP"]}, logger=quiet)
deadline = time.monotonic() + timeout
last = "no answer"
while True:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        sys.exit("kafka.sh: broker process %d exited during startup" % pid)
    try:
        md = admin.list_topics(timeout=2)
        if not md.brokers:
            last = "metadata lists no broker yet"
        else:
            tps = [TopicPartition(t, p) for t, tm in md.topics.items() for p in tm.partitions]
            if not tps:
                sys.exit(0)
            res = admin.list_offsets({tp: OffsetSpec.latest() for tp in tps}, request_timeout=10)
            errs = [(tp, f.exception()) for tp, f in res.items() if f.exception() is not None]
            if not errs:
                sys.exit(0)
            last = "%d of %d partitions not served yet, e.g. %s[%d]: %s" % (
                len(errs), len(tps), errs[0][0].topic, errs[0][0].partition, errs[0][1])
    except Exception as e:
        last = repr(e)
    if time.monotonic() > deadline:
        sys.exit("kafka.sh: broker not ready within %gs: %s" % (timeout, last))
    time.sleep(0.5)
PY
}

write_config() {
  mkdir -p "$DATA_DIR"
  # Rewritten on every start, so port overrides always apply.
  cat >"$CONFIG" <<EOF
# Generated by scripts/kafka.sh -- edits are overwritten on the next start.
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=$HOST:$CONTROLLER_PORT
listeners=PLAINTEXT://$HOST:$PORT,CONTROLLER://$HOST:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$HOST:$PORT,CONTROLLER://$HOST:$CONTROLLER_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$DATA_DIR

# One node: every internal topic must make do with one replica.
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
# Internal topics default to 50 partitions each; one is plenty here and makes
# the first consumer group / transaction / share group start much faster.
offsets.topic.num.partitions=1
transaction.state.log.num.partitions=1
share.coordinator.state.topic.num.partitions=1

# Everything else is Kafka's default, as users run it - topic auto-creation included
# (auto.create.topics.enable=true, num.partitions=1, delete.topic.enable=true): streamvisor must
# never create a topic, and on a broker that auto-creates a careless metadata lookup would.
# tests/test_broker_untouched.py checks that this broker really auto-creates.
# The one test-only change: no join delay for the first consumer group.
group.initial.rebalance.delay.ms=0

# Keep a 1000-partition topic cheap. Every partition has an open .log file
# and two index files that are preallocated (sparse) to log.index.size.max.bytes
# and mmap'ed (default 10 MiB each). 1 MiB indexes still cover a whole 64 MiB
# segment at the default 4 KiB index interval.
log.segment.bytes=67108864
log.index.size.max.bytes=1048576
log.preallocate=false
# The cleaner (needed for compacted __consumer_offsets) allocates its dedupe
# buffer on the heap up front: 128 MiB by default.
log.cleaner.dedupe.buffer.size=16777216
# Two cores: recover/load the logs of all partitions with both on restart.
num.recovery.threads.per.data.dir=2
EOF
}

# ------------------------------------------------------------ commands ----

cmd_start() {
  local pid
  mkdir -p "$STATE_DIR"
  # Serialise concurrent start/stop calls on the same state dir.
  exec 9>"$STATE_DIR/.lock"
  flock -w 300 9 || die "timed out waiting for another kafka.sh on $STATE_DIR"

  if pid="$(running_pid)"; then
    log "already running (pid $pid) at $BOOTSTRAP"
    wait_ready "$pid" || { show_logs; die "broker (pid $pid) is running but not answering"; }
    print_env
    return 0
  fi

  command -v "$JAVA" >/dev/null || die "java not found (Java 17+ required)"
  "$PYTHON" -c 'import confluent_kafka' 2>/dev/null \
    || die "$PYTHON cannot import confluent_kafka (needed for the readiness check)"
  local p
  for p in "$PORT" "$CONTROLLER_PORT"; do
    if port_in_use "$p"; then
      die "port $HOST:$p is already in use by another process"
    fi
  done

  ensure_libs
  local cp="$LIBS/*"

  # A KRaft log dir keeps the controller's address in its voter set, so it
  # cannot simply be reused with a different controller port.
  local port_stamp="$STATE_DIR/controller.port"
  if [[ -f "$DATA_DIR/meta.properties" && -f "$port_stamp" \
        && "$(cat "$port_stamp")" != "$CONTROLLER_PORT" ]]; then
    die "$DATA_DIR was formatted for controller port $(cat "$port_stamp"), not $CONTROLLER_PORT; run '$0 stop --wipe' first"
  fi

  write_config

  # More open files than the usual 1024 are needed for topics with many
  # partitions (one open .log per partition segment, plus sockets).
  # (A 1000-partition topic alone keeps ~1100 descriptors open.)
  ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
  local nofile
  nofile="$(ulimit -n)"
  if [[ "$nofile" != unlimited ]] && (( nofile < 4096 )); then
    log "warning: open-file limit is $nofile; topics with ~1000 partitions may fail"
  fi

  if [[ ! -f "$DATA_DIR/meta.properties" ]]; then
    local cluster_id
    cluster_id="$("$JAVA" -cp "$cp" kafka.tools.StorageTool random-uuid)"
    log "formatting $DATA_DIR (cluster id $cluster_id)"
    # --standalone: this node is the sole voter of a dynamic KRaft quorum
    # (goes with controller.quorum.bootstrap.servers).
    # (No log4j config here: it would dump the config into server.log.)
    if ! "$JAVA" -cp "$cp" kafka.tools.StorageTool format -t "$cluster_id" -c "$CONFIG" --standalone \
        >"$STATE_DIR/format.log" 2>&1; then
      cat "$STATE_DIR/format.log" >&2
      die "StorageTool format failed"
    fi
    printf '%s\n' "$CONTROLLER_PORT" >"$port_stamp"
  fi

  log "starting Kafka $(kafka_version) on $BOOTSTRAP (state in $STATE_DIR)"
  local t0=$SECONDS
  # Keep the previous run's logs one generation back; the tails printed on a
  # failed start must come from this run.
  [[ -f "$LOG_FILE" ]] && mv -f "$LOG_FILE" "$LOG_FILE.prev"
  [[ -f "$OUT_FILE" ]] && mv -f "$OUT_FILE" "$OUT_FILE.prev"
  # setsid: own session and process group, so the broker outlives this shell
  # and `stop` can signal the whole group. In a non-interactive shell `&` does
  # not create a process group, so setsid does not fork and $! is the JVM.
  # The lock fd (9) is closed for the JVM so it doesn't hold the lock forever.
  # shellcheck disable=SC2086  # HEAP_OPTS is a list of JVM flags
  setsid nohup "$JAVA" $HEAP_OPTS \
    -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$LOG4J_CONF" -Dkafka.logs.dir="$STATE_DIR" \
    -cp "$cp" kafka.Kafka "$CONFIG" \
    >"$OUT_FILE" 2>&1 </dev/null 9>&- &
  pid=$!
  echo "$pid" >"$PID_FILE"

  if ! wait_ready "$pid"; then
    show_logs
    stop_pid "$pid"
    rm -f "$PID_FILE"
    die "Kafka failed to start (state in $STATE_DIR)"
  fi
  log "ready after $((SECONDS - t0))s (pid $pid)"
  print_env
}

cmd_stop() {
  local wipe=0 pid
  case "${1:-}" in
    "") ;;
    --wipe) wipe=1 ;;
    *) die "unknown option for stop: $1" ;;
  esac
  if [[ -d "$STATE_DIR" ]]; then
    exec 9>"$STATE_DIR/.lock"
    flock -w 300 9 || die "timed out waiting for another kafka.sh on $STATE_DIR"
  fi

  if pid="$(running_pid)"; then
    log "stopping broker (pid $pid)"
    stop_pid "$pid"
    log "stopped"
  else
    log "not running"
  fi
  rm -f "$PID_FILE"

  if (( wipe )); then
    log "removing $STATE_DIR"
    rm -rf "$STATE_DIR"
  fi
}

cmd_status() {
  local pid
  if pid="$(running_pid)"; then
    if port_in_use "$PORT"; then
      log "running (pid $pid) at $BOOTSTRAP, state in $STATE_DIR"
    else
      log "process $pid is up but $BOOTSTRAP is not accepting connections (yet)"
    fi
    print_env
    return 0
  fi
  log "not running (state dir $STATE_DIR)"
  return 3
}

usage() {
  echo "usage: $0 start | stop [--wipe] | status | env | libs" >&2
  exit 2
}

case "${1:-}" in
  start)  shift; cmd_start "$@" ;;
  stop)   shift; cmd_stop "$@" ;;
  status) shift; cmd_status "$@" ;;
  env)    print_env ;;
  libs)   ensure_libs; printf '%s\n' "$LIBS" ;;
  *)      usage ;;
esac
