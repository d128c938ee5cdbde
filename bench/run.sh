#!/usr/bin/env bash
# Runs the bench commands without the app: `bench/run.sh engine [--quick] [...]`
# (the same command as `./logitstream bench engine`). Builds the bench module and what it depends on
# when bench/target is missing or older than the sources.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
T="$ROOT/bench/target"
STAMP="$T/.bench-built"
if [ ! -f "$STAMP" ] || [ -n "$(find "$ROOT/bench/src" "$ROOT/bench/pom.xml" "$ROOT/model-worker/src/main" \
      "$ROOT/model-worker/pom.xml" -newer "$STAMP" -print -quit)" ]; then
  echo "bench: building model-worker and bench ..." >&2
  (cd "$ROOT" && mvn -q -B -ntp ${BENCH_MVN_OPTS:-} -pl bench -am install -DskipTests) >&2
  touch "$STAMP"
fi
export PYTORCH_FLAVOR="${PYTORCH_FLAVOR:-cpu}"
export OPT_OUT_TRACKING=true
export DJL_CACHE_DIR="${DJL_CACHE_DIR:-$ROOT/.run/djl-cache}"
export ENGINE_CACHE_DIR="${ENGINE_CACHE_DIR:-$DJL_CACHE_DIR}"
exec java ${BENCH_JAVA_OPTS:--Xmx3g} -Dai.djl.offline=true -Dlogitstream.root="$ROOT" \
  -cp "$T/classes:$T/lib/*" io.logitstream.bench.BenchMain "$@"
