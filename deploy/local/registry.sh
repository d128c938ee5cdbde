#!/usr/bin/env bash
# Local schema registry for LogitStream: Apicurio Registry 2.4.2 on an H2 file database, whose
# Confluent-compatible API answers under http://localhost:PORT/apis/ccompat/v7.
#
#   deploy/local/registry.sh start|stop|status|restart
#
# Env: LOGITSTREAM_REGISTRY_PORT (8081), LOGITSTREAM_REGISTRY_HEAP (384m),
#      LOGITSTREAM_REGISTRY_TIMEOUT (start timeout, s; 60).
# State lives in <repo>/.run/ (or $LOGITSTREAM_RUN_DIR/)registry/: registry.out (its log), registry.pid, and
# data/ (the H2 database: schemas, their ids and compatibility rules). Schemas and ids survive restarts
# and kill -9, and an id is never given to another schema; delete data/ (while it is stopped) for an
# empty registry.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PORT="${LOGITSTREAM_REGISTRY_PORT:-8081}"
HEAP="${LOGITSTREAM_REGISTRY_HEAP:-384m}"
TIMEOUT="${LOGITSTREAM_REGISTRY_TIMEOUT:-60}"
DIR="${LS_RUN}/registry"
PIDFILE="${DIR}/registry.pid"
PORTFILE="${DIR}/registry.port"
OUT="${DIR}/registry.out"
DATA="${DIR}/data"
# WRITE_DELAY=0: every commit reaches the file before the registry answers, so a registration it
# acknowledged survives kill -9 (H2's default keeps up to a second of commits in memory).
# FILE_LOCK=FS: an OS lock, released when the process dies, so a restart after kill -9 does not wait.
JDBC_URL="jdbc:h2:file:${DATA}/registry;WRITE_DELAY=0;FILE_LOCK=FS"
JAR="${LS_ROOT}/deploy/registry/target/quarkus-app/quarkus-run.jar"
MARKER="quarkus-app/quarkus-run.jar"

ensure_runner() {
  if [[ ! -f "$JAR" ]]; then
    ls_info "registry: ${JAR} is missing, building it (mvn -q -B -pl deploy/registry -am package -DskipTests)"
    ls_mvn -q -B -pl deploy/registry -am package -DskipTests
    [[ -f "$JAR" ]] || ls_die "registry: build did not produce ${JAR}"
  fi
}

# HTTP status of GET /apis/ccompat/v7/subjects ("000" when nothing answers).
health_code() {
  curl -s -o /dev/null -m 2 -w '%{http_code}' "http://localhost:$1/apis/ccompat/v7/subjects" 2>/dev/null || true
}

start() {
  local pid
  if pid="$(ls_pid_alive "$PIDFILE" "$MARKER")"; then
    echo "registry: already running (pid ${pid}) on http://localhost:$(cat "$PORTFILE" 2>/dev/null)/apis/ccompat/v7"
    return 0
  fi
  rm -f "$PIDFILE"
  if ls_port_open "$PORT"; then
    ls_port_owner "$PORT" >&2
    ls_die "registry: port ${PORT} is already in use by another process (set LOGITSTREAM_REGISTRY_PORT to use another)"
  fi
  command -v java >/dev/null 2>&1 || ls_die "java not found on PATH"
  command -v curl >/dev/null 2>&1 || ls_die "curl not found on PATH (used for the health check)"
  ensure_runner
  mkdir -p "$DIR" "$DATA"
  echo "$PORT" >"$PORTFILE"

  local t0
  t0="$(ls_now_ms)"
  ls_spawn "$PIDFILE" "$OUT" java -Xms64m -Xmx"${HEAP}" -Djava.awt.headless=true \
    -Dquarkus.http.port="${PORT}" -Dquarkus.datasource.jdbc.url="${JDBC_URL}" -jar "$JAR"
  pid="$(cat "$PIDFILE")"

  local deadline=$((t0 + TIMEOUT * 1000))
  while [[ "$(health_code "$PORT")" != "200" ]]; do
    if ! kill -0 "$pid" 2>/dev/null; then
      ls_drop_pidfile "$PIDFILE" "$pid"
      ls_tail "$OUT"
      ls_die "registry: the process exited during startup (see above, ${OUT})"
    fi
    if (($(ls_now_ms) > deadline)); then
      ls_tail "$OUT"
      kill -TERM "$pid" 2>/dev/null || true
      ls_die "registry: http://localhost:${PORT}/apis/ccompat/v7/subjects did not answer 200 within ${TIMEOUT}s (pid ${pid} sent SIGTERM)"
    fi
    sleep 0.1
  done
  echo "registry: ready on http://localhost:${PORT}/apis/ccompat/v7 in $(ls_fmt_ms $(($(ls_now_ms) - t0))) (pid ${pid}, log ${OUT}, schemas in ${DATA})"
}

status() {
  local pid port
  if pid="$(ls_pid_alive "$PIDFILE" "$MARKER")"; then
    port="$(cat "$PORTFILE" 2>/dev/null || echo "$PORT")"
    if [[ "$(health_code "$port")" == "200" ]]; then
      echo "registry: running (pid ${pid}) on http://localhost:${port}/apis/ccompat/v7"
    else
      echo "registry: running (pid ${pid}) but http://localhost:${port}/apis/ccompat/v7/subjects does not answer 200"
    fi
  else
    echo "registry: not running"
    return 3
  fi
}

case "${1:-}" in
  start) ls_lock "$DIR"; start ;;
  stop) ls_lock "$DIR"; ls_stop registry "$PIDFILE" "$MARKER" 20 ;;
  status) status ;;
  restart) ls_lock "$DIR"; ls_stop registry "$PIDFILE" "$MARKER" 20; start ;;
  *) echo "usage: $0 start|stop|status|restart" >&2; exit 2 ;;
esac
