#!/usr/bin/env bash
# Local single-node Kafka 4.3 broker (combined KRaft broker+controller) for LogitStream.
#
#   deploy/local/broker.sh start|stop|status|restart
#
# Env: LOGITSTREAM_BROKER_PORT (9092), LOGITSTREAM_CONTROLLER_PORT (9093),
#      LOGITSTREAM_BROKER_HEAP (512m), LOGITSTREAM_BROKER_TIMEOUT (start timeout, s; 60).
# State lives in <repo>/.run/ (or $LOGITSTREAM_RUN_DIR/)broker/: server.properties, log4j2.properties, data/ (formatted once,
# kept across restarts), logs/server.log, broker.out (JVM stdout/stderr), broker.pid.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PORT="${LOGITSTREAM_BROKER_PORT:-9092}"
CONTROLLER_PORT="${LOGITSTREAM_CONTROLLER_PORT:-9093}"
HEAP="${LOGITSTREAM_BROKER_HEAP:-512m}"
TIMEOUT="${LOGITSTREAM_BROKER_TIMEOUT:-60}"
DIR="${LS_RUN}/broker"
DATA="${DIR}/data"
LOGS="${DIR}/logs"
PIDFILE="${DIR}/broker.pid"
OUT="${DIR}/broker.out"
LIB="${LS_ROOT}/deploy/broker/target/lib"
MARKER="kafka.Kafka"

ensure_classpath() {
  if ! compgen -G "${LIB}/kafka_2.13-*.jar" >/dev/null; then
    ls_info "broker: ${LIB} is missing, building it (mvn -q -B -pl deploy/broker -am package -DskipTests)"
    ls_mvn -q -B -pl deploy/broker -am package -DskipTests
    compgen -G "${LIB}/kafka_2.13-*.jar" >/dev/null || ls_die "broker: build did not produce ${LIB}"
  fi
}

write_config() {
  mkdir -p "$DATA" "$LOGS"
  cat >"${DIR}/server.properties" <<CONF
# Written by deploy/local/broker.sh on every start; edit the script, not this file.
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=localhost:${CONTROLLER_PORT}
listeners=PLAINTEXT://localhost:${PORT},CONTROLLER://localhost:${CONTROLLER_PORT}
advertised.listeners=PLAINTEXT://localhost:${PORT},CONTROLLER://localhost:${CONTROLLER_PORT}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=${DATA}
num.partitions=1
default.replication.factor=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
CONF
  cat >"${DIR}/log4j2.properties" <<CONF
status = warn
name = logitstream-broker
appender.file.type = RollingFile
appender.file.name = file
appender.file.fileName = ${LOGS}/server.log
appender.file.filePattern = ${LOGS}/server.log.%i
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
appender.file.policies.type = Policies
appender.file.policies.size.type = SizeBasedTriggeringPolicy
appender.file.policies.size.size = 50MB
appender.file.strategy.type = DefaultRolloverStrategy
appender.file.strategy.max = 3
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = file
logger.state.name = state.change.logger
logger.state.level = WARN
CONF
}

format_once() {
  # KRaft storage is formatted exactly once; later starts reuse data/ (and its cluster id).
  if [[ -f "${DATA}/meta.properties" ]]; then
    return 0
  fi
  local cluster_id
  cluster_id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
  ls_info "broker: formatting ${DATA} (cluster id ${cluster_id})"
  if ! java -cp "${LIB}/*" -Dlog4j2.configurationFile="${DIR}/log4j2.properties" \
      kafka.tools.StorageTool format --standalone -t "$cluster_id" -c "${DIR}/server.properties" \
      >"${DIR}/format.out" 2>&1; then
    ls_tail "${DIR}/format.out"
    ls_die "broker: formatting the storage failed"
  fi
}

# A real Kafka round trip: ApiVersions v0 (api key 18), correlation id 7; the answer must carry
# correlation id 7 and error code 0.
api_versions_ok() {
  local reply
  reply="$(
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf '\x00\x00\x00\x0a\x00\x12\x00\x00\x00\x00\x00\x07\x00\x00' >&3
    timeout 2 head -c 10 <&3 | od -An -tx1 | tr -d ' \n'
  )" 2>/dev/null || return 1
  [[ "${reply:8:12}" == "000000070000" ]]
}

# The client port of the running broker (from the config it was started with).
running_port() {
  sed -n 's/^listeners=PLAINTEXT:\/\/localhost:\([0-9]*\),.*/\1/p' "${DIR}/server.properties" 2>/dev/null || true
}

# Log lines written since line $1 of server.log, then the JVM's own output.
startup_tail() {
  if [[ -s "${LOGS}/server.log" ]] && (($(wc -l <"${LOGS}/server.log") > $1)); then
    echo "---- last lines of ${LOGS}/server.log ----" >&2
    tail -n +"$(($1 + 1))" "${LOGS}/server.log" | tail -n "${LS_TAIL_LINES:-40}" >&2
  fi
  ls_tail "$OUT"
}

start() {
  local pid
  if pid="$(ls_pid_alive "$PIDFILE" "$MARKER")"; then
    echo "broker: already running (pid ${pid}) on localhost:$(running_port)"
    return 0
  fi
  rm -f "$PIDFILE"
  local p
  for p in "$PORT" "$CONTROLLER_PORT"; do
    if ls_port_open "$p"; then
      ls_port_owner "$p" >&2
      ls_die "broker: port ${p} is already in use by another process (set LOGITSTREAM_BROKER_PORT / LOGITSTREAM_CONTROLLER_PORT to use others)"
    fi
  done
  command -v java >/dev/null 2>&1 || ls_die "java not found on PATH"
  ensure_classpath
  write_config
  format_once
  # Start marker: only log lines written by this run count.
  local mark=0
  [[ -f "${LOGS}/server.log" ]] && mark="$(wc -l <"${LOGS}/server.log")"

  local t0
  t0="$(ls_now_ms)"
  ls_spawn "$PIDFILE" "$OUT" java -Xms128m -Xmx"${HEAP}" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -Djava.awt.headless=true -Dlog4j2.configurationFile="${DIR}/log4j2.properties" \
    -Dkafka.logs.dir="${LOGS}" -cp "${LIB}/*" kafka.Kafka "${DIR}/server.properties"
  pid="$(cat "$PIDFILE")"

  local deadline=$((t0 + TIMEOUT * 1000))
  while :; do
    if ! kill -0 "$pid" 2>/dev/null; then
      ls_drop_pidfile "$PIDFILE" "$pid"
      startup_tail "$mark"
      ls_die "broker: the process exited during startup (see above, ${DIR})"
    fi
    # (grep without -q reads all its input: no SIGPIPE for tail under pipefail)
    if tail -n +"$((mark + 1))" "${LOGS}/server.log" 2>/dev/null | grep -F "Kafka Server started" >/dev/null \
        && api_versions_ok "$PORT"; then
      break
    fi
    if (($(ls_now_ms) > deadline)); then
      startup_tail "$mark"
      kill -TERM "$pid" 2>/dev/null || true
      ls_die "broker: not ready after ${TIMEOUT}s (pid ${pid} sent SIGTERM)"
    fi
    sleep 0.1
  done
  echo "broker: ready on localhost:${PORT} (controller ${CONTROLLER_PORT}) in $(ls_fmt_ms $(($(ls_now_ms) - t0))) (pid ${pid}, logs ${LOGS})"
}

status() {
  local pid
  if pid="$(ls_pid_alive "$PIDFILE" "$MARKER")"; then
    local port
    port="$(running_port)"
    if api_versions_ok "$port"; then
      echo "broker: running (pid ${pid}) on localhost:${port}"
    else
      echo "broker: running (pid ${pid}) but localhost:${port} does not answer Kafka requests"
    fi
  else
    echo "broker: not running"
    return 3
  fi
}

case "${1:-}" in
  start) ls_lock "$DIR"; start ;;
  stop) ls_lock "$DIR"; ls_stop broker "$PIDFILE" "$MARKER" 30 ;;
  status) status ;;
  restart) ls_lock "$DIR"; ls_stop broker "$PIDFILE" "$MARKER" 30; start ;;
  *) echo "usage: $0 start|stop|status|restart" >&2; exit 2 ;;
esac
