#!/usr/bin/env bash
# The whole local stack: Kafka broker (localhost:9092) and schema registry (localhost:8081).
#
#   deploy/local/stack.sh up|down|status|restart
#
# See broker.sh and registry.sh for the environment variables each one reads;
# LOGITSTREAM_RUN_DIR (default <repo>/.run) moves all state, e.g. to run a second stack on other ports.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
source "${HERE}/lib.sh"

up() {
  local t0
  t0="$(ls_now_ms)"
  # One after the other: on two cores, starting both JVMs at once is slower than in sequence.
  "${HERE}/broker.sh" start
  if ! "${HERE}/registry.sh" start; then
    ls_info "stack: the registry failed to start; the broker is left running (stop it with: $0 down)"
    exit 1
  fi
  echo "stack: up in $(ls_fmt_ms $(($(ls_now_ms) - t0)))"
  echo "  LOGITSTREAM_BOOTSTRAP_SERVERS=localhost:${LOGITSTREAM_BROKER_PORT:-9092}"
  echo "  LOGITSTREAM_SCHEMA_REGISTRY_URL=http://localhost:${LOGITSTREAM_REGISTRY_PORT:-8081}/apis/ccompat/v7"
}

down() {
  local rc=0
  "${HERE}/registry.sh" stop || rc=1
  "${HERE}/broker.sh" stop || rc=1
  return "$rc"
}

status() {
  local rc=0
  "${HERE}/broker.sh" status || rc=$?
  "${HERE}/registry.sh" status || rc=$?
  return "$rc"
}

case "${1:-}" in
  up | start) up ;;
  down | stop) down ;;
  status) status ;;
  restart) down; up ;;
  *) echo "usage: $0 up|down|status|restart" >&2; exit 2 ;;
esac
