#!/usr/bin/env bash
# Single-node RabbitMQ with the stream plugin, on loopback, for tests and local runs.
#
# Usage: scripts/rabbitmq.sh start | stop [--wipe] | status | env
#
#   eval "$(scripts/rabbitmq.sh start)"   # exports RABBITMQ_STREAM_URL=rabbitmq-stream://guest:guest@127.0.0.1:<port>/%2f
#                                           # and RABBITMQ_AMQP_URL=amqp://guest:guest@127.0.0.1:<port>/%2f
#
# In a `set -e` script prefer  out="$(scripts/rabbitmq.sh start)"; eval "$out"
# (the assignment fails the script; eval of an empty string would succeed).
#
# Only the `export ...` lines go to stdout; all other output goes to stderr.
# If RabbitMQ is not installed, `start` installs Debian's `rabbitmq-server`
# package (apt-get; sudo when not root) without letting the package start its
# own default node. There is no service manager here: the node runs as our own
# process group (as the `rabbitmq` OS user when we are root), with its own node
# name, data dir, config file and enabled-plugins file, so it never touches a
# node the machine may already run.
#
# Only what the stream tests need is on: the `rabbitmq_stream` plugin, with its
# listener and advertised host on 127.0.0.1 (clients connect to the advertised
# host; the default would be the machine's hostname). Management is off.
#
# Environment:
#   RABBITMQ_AMQP_PORT        AMQP 0-9-1 listener on 127.0.0.1   (default 15673)
#   RABBITMQ_STREAM_PORT      stream protocol listener           (default 15552)
#   RABBITMQ_DIST_PORT        Erlang distribution (CLI tools)    (default 25673)
#   STREAMVISOR_RABBITMQ_DIR  node state: data, logs, config     (default /tmp/streamvisor-rabbitmq-$RABBITMQ_STREAM_PORT;
#                             outside the work tree because, as root, the node runs as the rabbitmq user)
#   RABBITMQ_START_TIMEOUT    seconds to wait for the node       (default 90)
set -euo pipefail

HOST=127.0.0.1
AMQP_PORT="${RABBITMQ_AMQP_PORT:-15673}"
STREAM_PORT="${RABBITMQ_STREAM_PORT:-15552}"
DIST_PORT="${RABBITMQ_DIST_PORT:-25673}"
STATE_DIR="${STREAMVISOR_RABBITMQ_DIR:-/tmp/streamvisor-rabbitmq-$STREAM_PORT}"
START_TIMEOUT="${RABBITMQ_START_TIMEOUT:-90}"
STOP_TIMEOUT=60
NODENAME="streamvisor-$STREAM_PORT@localhost"
RMQ_BIN=/usr/lib/rabbitmq/bin

PID_FILE="$STATE_DIR/rabbitmq.pid"    # the pid of our process group's leader
OUT_FILE="$STATE_DIR/rabbitmq.out"    # the node's stdout/stderr (boot failures)
LOG_DIR="$STATE_DIR/log"
CONFIG="$STATE_DIR/rabbitmq.conf"
PLUGINS="$STATE_DIR/enabled_plugins"

log() { printf 'rabbitmq.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

print_env() {
  printf 'export RABBITMQ_STREAM_URL=rabbitmq-stream://guest:guest@%s:%s/%%2f\n' "$HOST" "$STREAM_PORT"
  # AMQP 0-9-1 too: on 3.10 it is the way to declare a super stream (an exchange and its bindings).
  printf 'export RABBITMQ_AMQP_URL=amqp://guest:guest@%s:%s/%%2f\n' "$HOST" "$AMQP_PORT"
}

# ------------------------------------------------------------ binaries ----

install_rabbitmq() {
  local sudo=()
  if (( EUID != 0 )); then
    command -v sudo >/dev/null || die "RabbitMQ is not installed and there is no sudo to install it"
    sudo=(sudo)
  fi
  log "no $RMQ_BIN/rabbitmq-server: installing Debian's rabbitmq-server package"
  # The package's postinst would start a default node (rabbit@<host> on 5672)
  # through invoke-rc.d; a policy-rc.d that answers 101 forbids that. Ours is
  # put in place only if the machine has none, and removed afterwards.
  local policy=/usr/sbin/policy-rc.d own_policy=0
  if [[ ! -e "$policy" ]]; then
    printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee "$policy" >/dev/null
    "${sudo[@]}" chmod 755 "$policy"
    own_policy=1
  fi
  local rc=0
  { "${sudo[@]}" apt-get update -q >&2 \
    && "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
         apt-get install -y -q --no-install-recommends rabbitmq-server >&2; } || rc=$?
  if (( own_policy )); then "${sudo[@]}" rm -f "$policy"; fi
  (( rc == 0 )) || die "apt-get install rabbitmq-server failed"
}

ensure_installed() {
  [[ -x "$RMQ_BIN/rabbitmq-server" ]] || install_rabbitmq
  [[ -x "$RMQ_BIN/rabbitmq-server" ]] || die "installed rabbitmq-server but found no $RMQ_BIN/rabbitmq-server"
}

# ------------------------------------------------------------- running ----

# The node's environment: everything that would otherwise come from /etc/rabbitmq
# or /var/lib/rabbitmq points into STATE_DIR. HOME holds the Erlang cookie the
# CLI tools share with the node. As root, node and CLI run as the rabbitmq OS
# user (who owns STATE_DIR); `setpriv` execs in place (no extra parent), so the
# pid we record is the node's own wrapper script.
NODE=(env -i -C / PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 LC_ALL=C.UTF-8
  HOME="$STATE_DIR"
  RABBITMQ_NODENAME="$NODENAME"
  RABBITMQ_NODE_IP_ADDRESS="$HOST"
  RABBITMQ_NODE_PORT="$AMQP_PORT"
  RABBITMQ_DIST_PORT="$DIST_PORT"
  RABBITMQ_CONFIG_FILE="$CONFIG"
  RABBITMQ_ADVANCED_CONFIG_FILE="$STATE_DIR/advanced.config"
  RABBITMQ_CONF_ENV_FILE="$STATE_DIR/rabbitmq-env.conf"
  RABBITMQ_ENABLED_PLUGINS_FILE="$PLUGINS"
  RABBITMQ_MNESIA_BASE="$STATE_DIR/mnesia"
  RABBITMQ_LOG_BASE="$LOG_DIR"
  RABBITMQ_PID_FILE="$STATE_DIR/node.pid")
if (( EUID == 0 )); then
  NODE+=(setpriv --reuid=rabbitmq --regid=rabbitmq --init-groups)
fi

# rabbitmqctl against our node, bounded by `timeout`.
ctl() {
  local limit="$1"
  shift
  timeout "$limit" "${NODE[@]}" "$RMQ_BIN/rabbitmqctl" -n "$NODENAME" "$@" 9>&-
}

# Print the node's pid if it is running. The pid file is trusted only if that
# process still carries our state dir in its environment (pids get reused).
running_pid() {
  local pid
  [[ -f "$PID_FILE" ]] || return 1
  pid="$(cat "$PID_FILE" 2>/dev/null)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | grep -qxF -- "RABBITMQ_MNESIA_BASE=$STATE_DIR/mnesia" || return 1
  echo "$pid"
}

port_in_use() {
  (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null
}

show_logs() {
  local f
  for f in "$OUT_FILE" "$LOG_DIR/$NODENAME.log"; do
    [[ -s "$f" ]] || continue
    log "---- last lines of $f ----"
    tail -n 40 "$f" >&2
  done
}

# Ready = the node has booted (all plugins started: `await_startup`) and the
# stream listener accepts connections. Bounded by START_TIMEOUT; fails early if
# the node process dies.
wait_ready() {
  local pid="$1" deadline=$((SECONDS + START_TIMEOUT)) left
  while :; do
    kill -0 "$pid" 2>/dev/null || { log "node process $pid exited during startup"; return 1; }
    left=$((deadline - SECONDS))
    (( left > 0 )) || { log "node not ready within ${START_TIMEOUT}s"; return 1; }
    if ctl "$((left + 10))" await_startup --timeout "$left" >/dev/null 2>&1 && port_in_use "$STREAM_PORT"; then
      return 0
    fi
    sleep 1
  done
}

write_config() {
  mkdir -p "$STATE_DIR" "$LOG_DIR" "$STATE_DIR/mnesia"
  # Rewritten on every start, so port overrides always apply.
  cat >"$CONFIG" <<EOF
# Generated by scripts/rabbitmq.sh -- edits are overwritten on the next start.
listeners.tcp.1 = $HOST:$AMQP_PORT
stream.listeners.tcp.1 = $HOST:$STREAM_PORT
# Clients connect to the host and port the node advertises (Metadata command),
# by default the machine's hostname: keep them on loopback.
stream.advertised_host = $HOST
stream.advertised_port = $STREAM_PORT
# guest may log in over loopback only (the default), which is all we listen on.
log.file.level = info
log.console = false
# A test node on a small disk must not block publishers with a disk alarm.
disk_free_limit.absolute = 50MB
EOF
  printf '[rabbitmq_stream].\n' >"$PLUGINS"
  : >"$STATE_DIR/rabbitmq-env.conf"   # read instead of /etc/rabbitmq/rabbitmq-env.conf
  if (( EUID == 0 )); then
    chown -R rabbitmq: "$STATE_DIR"
  fi
  chmod 700 "$STATE_DIR"
}

# ------------------------------------------------------------ commands ----

stop_pid() {
  local pid="$1" deadline=$((SECONDS + STOP_TIMEOUT))
  # `rabbitmqctl stop` is the orderly shutdown; SIGTERM to the group the same
  # for the wrapper script (it traps TERM and stops the node) if the CLI fails.
  ctl "$STOP_TIMEOUT" stop >/dev/null 2>&1 \
    || kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null && (( SECONDS < deadline )); do
    sleep 0.5
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "pid $pid still running after ${STOP_TIMEOUT}s, sending SIGKILL"
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.2; done
  fi
}

cmd_start() {
  local pid
  ensure_installed
  if pid="$(running_pid)"; then
    log "already running (pid $pid), stream port $HOST:$STREAM_PORT"
    wait_ready "$pid" || { show_logs; die "node (pid $pid) is running but not answering"; }
    print_env
    return 0
  fi
  local p
  for p in "$AMQP_PORT" "$STREAM_PORT" "$DIST_PORT"; do
    if port_in_use "$p"; then
      die "port $HOST:$p is already in use by another process"
    fi
  done
  write_config
  # Every stream reader holds a file open (and RabbitMQ 3.10 keeps one per subscription until the
  # client's connection closes): give the node the hard limit, not the usual 1024.
  ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
  log "starting RabbitMQ $(dpkg-query -W -f='${Version}' rabbitmq-server 2>/dev/null || echo '?') as $NODENAME" \
      "(AMQP $AMQP_PORT, stream $STREAM_PORT, state in $STATE_DIR)"
  local t0=$SECONDS
  [[ -f "$OUT_FILE" ]] && mv -f "$OUT_FILE" "$OUT_FILE.prev"
  # setsid: own session and process group, so the node outlives this shell and
  # `stop` can signal the whole group. In a non-interactive shell `&` does not
  # create a process group, so setsid does not fork and $! is the node's
  # wrapper script (its child is the Erlang VM).
  setsid nohup "${NODE[@]}" "$RMQ_BIN/rabbitmq-server" >"$OUT_FILE" 2>&1 </dev/null 9>&- &
  pid=$!
  echo "$pid" >"$PID_FILE"
  if ! wait_ready "$pid"; then
    show_logs
    stop_pid "$pid"
    rm -f "$PID_FILE"
    die "RabbitMQ failed to start (state in $STATE_DIR)"
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
  if pid="$(running_pid)"; then
    log "stopping node $NODENAME (pid $pid)"
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
    if port_in_use "$STREAM_PORT"; then
      log "running (pid $pid) as $NODENAME, stream port $HOST:$STREAM_PORT, state in $STATE_DIR"
    else
      log "process $pid is up but $HOST:$STREAM_PORT is not accepting connections (yet)"
    fi
    print_env
    return 0
  fi
  log "not running (state dir $STATE_DIR)"
  return 3
}

usage() {
  echo "usage: $0 start | stop [--wipe] | status | env" >&2
  exit 2
}

# Serialise concurrent invocations (two test runs starting at once): lock this
# script file itself, so no lock file is left behind. The node never inherits
# the lock (9>&- above).
exec 9<"${BASH_SOURCE[0]}"
flock -w 300 9 || die "timed out waiting for another rabbitmq.sh"

case "${1:-}" in
  start)  shift; cmd_start "$@" ;;
  stop)   shift; cmd_stop "$@" ;;
  status) shift; cmd_status "$@" ;;
  env)    print_env ;;
  *)      usage ;;
esac
