# Shared helpers for deploy/local/*.sh. Sourced, not executed.
# shellcheck shell=bash

LS_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# State (pid files, data, logs) of the local stack; override to run a second, separate stack.
LS_RUN="${LOGITSTREAM_RUN_DIR:-${LS_ROOT}/.run}"

ls_die() { echo "error: $*" >&2; exit 1; }
ls_info() { echo "$*" >&2; }

# Milliseconds since the epoch.
ls_now_ms() { date +%s%3N; }

# "1234" ms -> "1.2s"
ls_fmt_ms() { printf '%d.%ds' $(($1 / 1000)) $((($1 % 1000) / 100)); }

# True when something accepts TCP connections on 127.0.0.1:$1.
ls_port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Best-effort description of whoever listens on port $1.
ls_port_owner() {
  if command -v ss >/dev/null 2>&1; then
    ss -Hltnp "sport = :$1" 2>/dev/null | sed 's/^/    /' || true
  fi
}

# ls_pid_alive PIDFILE MARKER: prints the pid and succeeds when the pid file names a live process
# whose command line contains MARKER (guards against a recycled pid).
ls_pid_alive() {
  local pidfile="$1" marker="$2" pid
  [[ -f "$pidfile" ]] || return 1
  pid="$(cat "$pidfile" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  local cmd
  cmd="$(tr '\0' ' ' <"/proc/${pid}/cmdline" 2>/dev/null)" || return 1
  [[ "$cmd" == *"$marker"* ]] || return 1
  echo "$pid"
}

# ls_spawn PIDFILE OUTFILE CMD...: starts CMD detached (own session, immune to the caller's
# Ctrl-C and hangups), stdout+stderr to OUTFILE, and records its pid in PIDFILE.
ls_spawn() {
  local pidfile="$1" out="$2"
  shift 2
  rm -f "$pidfile"
  # 9>&-: the service must not inherit (and so hold) the start/stop lock of ls_lock.
  nohup setsid bash -c 'echo $$ >"$0"; exec "$@"' "$pidfile" "$@" >"$out" 2>&1 </dev/null 9>&- &
  local i
  for i in $(seq 1 50); do
    [[ -s "$pidfile" ]] && return 0
    sleep 0.1
  done
  ls_die "could not start: $*"
}

# ls_stop NAME PIDFILE MARKER [TIMEOUT_S]: SIGTERM, wait, then SIGKILL.
ls_stop() {
  local name="$1" pidfile="$2" marker="$3" timeout="${4:-30}" pid i
  if ! pid="$(ls_pid_alive "$pidfile" "$marker")"; then
    rm -f "$pidfile"
    echo "${name}: not running"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < timeout * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    ls_info "${name}: still alive after ${timeout}s, sending SIGKILL to ${pid}"
    kill -KILL "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
  fi
  rm -f "$pidfile"
  echo "${name}: stopped (pid ${pid})"
}

# ls_lock DIR: serialises start/stop of one service across concurrent invocations (a second
# `start` waits for the first and then finds the service running). Held until the script exits.
ls_lock() {
  mkdir -p "$1"
  exec 9>"$1/.lock"
  if command -v flock >/dev/null 2>&1; then
    flock -w 180 9 || ls_die "could not lock $1/.lock within 180s (another start/stop is stuck?)"
  fi
}

# ls_drop_pidfile PIDFILE PID: removes PIDFILE only while it still names PID.
ls_drop_pidfile() {
  [[ "$(cat "$1" 2>/dev/null || true)" == "$2" ]] && rm -f "$1"
  return 0
}

# ls_tail FILE...: the last lines of each existing file, for error messages.
ls_tail() {
  local f
  for f in "$@"; do
    [[ -s "$f" ]] || continue
    echo "---- last lines of ${f} ----" >&2
    tail -n "${LS_TAIL_LINES:-40}" "$f" >&2
  done
}

# ls_mvn ARGS...: runs Maven from the repository root (where .mvn/maven.config lives).
ls_mvn() {
  command -v mvn >/dev/null 2>&1 || ls_die "mvn not found on PATH; it is needed to build $*"
  (cd "$LS_ROOT" && mvn "$@")
}
