#!/usr/bin/env bash
# Dynamic concurrency benchmark, HTTP (issue 6): static concurrency 1 and 16 against dynamic
# concurrency for an I/O-bound and a CPU-bound HTTP function, driven by wrk, in one run.
#
#   bench/concurrency_http.sh [--runs N] [--only io,cpu] [--variants LIST] [-c CONNECTIONS]
#                             [-d SECONDS] [--ramp SECONDS] [--cpus N] [--no-build]
#
# The worker is bench/concurrency-app (Python, one process; bench/concurrency.sh has the queue
# side): hio (GET /api/hio) sleeps 50 ms, hcpu (GET /api/hcpu) burns 20 ms of its thread's CPU.
# Each workload x variant gets a fresh copy of the app holding that one function,
# `squall start COPY --port P --cpus N` (N = 1 by default). Variants (host.json):
#   static-1    extensions.http.maxConcurrentRequests 1 (the rest wait in the host)
#   static-16   extensions.http.maxConcurrentRequests 16
#   dynamic     concurrency.dynamicConcurrencyEnabled (snapshots off: it starts at 1; requests
#               over the level wait at the function's gate, up to 1000, then 429)
# Load: `wrk -t2 -cC --timeout 30s` (C = 64), closed loop (each connection sends its next
# request when the previous one is answered). Static: 3 s of warm-up, then D (30) s measured.
# Dynamic: --ramp (150) s from a cold host (completions/s from the worker's log, to find when
# it reached 90 % of the measured rate), then D s measured on the same host. Between the two
# wrk runs the host is left to finish what it holds (the requests of the first run's closed
# connections still run). req/s, p50/p95/p99
# (wrk's own histogram, through a done() script), errors, non-2xx; /admin/host/concurrency
# sampled every second (level, throttles). Closed loop: latency ~ C / throughput (Little's law),
# so this compares throughput first; the queue benchmark measures latency under an open load.
# Markdown on stdout, progress on stderr.
#
# Environment (flags win): BENCH_CONC_RUNS (1), BENCH_CONC_WORKLOADS (io,cpu),
# BENCH_CONC_HTTP_VARIANTS (static-1,static-16,dynamic), BENCH_CONC_CONNECTIONS (64),
# BENCH_CONC_HTTP_SECONDS (30), BENCH_CONC_RAMP (150), BENCH_CONC_CPUS (1), BENCH_BUILD_DIR
# (build-release), BENCH_KEEP=1 keeps the temp dir, BENCH_TIMEOUT (3600 s). Needs wrk
# (`SQUALL_BENCH_DEPS=1 bash scripts/install-deps.sh` installs it when missing).
set -euo pipefail
NAME=concurrency-http
BENCH_TIMEOUT=${BENCH_TIMEOUT:-3600}
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

RUNS=${BENCH_CONC_RUNS:-1}
WORKLOADS=${BENCH_CONC_WORKLOADS:-io,cpu}
VARIANTS=${BENCH_CONC_HTTP_VARIANTS:-static-1,static-16,dynamic}
CONNECTIONS=${BENCH_CONC_CONNECTIONS:-64}
MEASURE=${BENCH_CONC_HTTP_SECONDS:-30}
RAMP=${BENCH_CONC_RAMP:-150}
CPUS=${BENCH_CONC_CPUS:-1}
WARMUP=3
BUILD=1
usage() { sed -n '2,31p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }
while (($#)); do
  case $1 in
    --runs) RUNS=$2; shift 2 ;;
    --only) WORKLOADS=$2; shift 2 ;;
    --variants) VARIANTS=$2; shift 2 ;;
    -c) CONNECTIONS=$2; shift 2 ;;
    -d) MEASURE=$2; shift 2 ;;
    --ramp) RAMP=$2; shift 2 ;;
    --cpus) CPUS=$2; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    -h|--help) usage 0 ;;
    *) echo "concurrency_http.sh: unknown argument '$1'" >&2; usage 2 >&2 ;;
  esac
done
for w in ${WORKLOADS//,/ }; do
  case $w in io|cpu) ;; *) die "unknown workload '$w' (io, cpu)" ;; esac
done
for v in ${VARIANTS//,/ }; do
  case $v in static-1|static-16|dynamic) ;; *) die "unknown variant '$v'" ;; esac
done
((RUNS >= 1 && CONNECTIONS >= 1 && MEASURE >= 1 && RAMP >= 3)) || die "bad --runs, -c, -d or --ramp"
need_tools wrk curl python3

bench_init

build_targets "$BUILD" 0 squall
SQUALL=$BIN/squall
DRIVER=$ROOT/bench/concurrency.py
mkdir -p "$TMP/results"

# wrk's summary as KEY VALUE lines (wrk --latency prints no p95).
cat >"$TMP/summary.lua" <<'EOF'
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("REQUESTS %d\nDURATION_US %d\nP50_US %d\nP95_US %d\nP99_US %d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99)))
  io.write(string.format("ERRORS %d\nNON2XX %d\n", e.connect + e.read + e.write + e.timeout,
    e.status))
end
EOF

# new_app DIR WORKLOAD VARIANT
new_app() {
  local dir=$1 workload=$2 variant=$3
  mkdir -p "$dir"
  cp bench/concurrency-app/handler.py "$dir/"
  cp -r "bench/concurrency-app/h$workload" "$dir/"
  python3 - "$ROOT/bench/concurrency-app/host.json" "$dir/host.json" "$variant" <<'EOF'
import json, sys
h = json.load(open(sys.argv[1]))
variant = sys.argv[3]
if variant == "dynamic":
    h["concurrency"] = {"dynamicConcurrencyEnabled": True, "snapshotPersistenceEnabled": False}
else:
    h.setdefault("extensions", {})["http"] = {"maxConcurrentRequests": int(variant.split("-")[1])}
json.dump(h, open(sys.argv[2], "w"), indent=2)
EOF
}


# load NAME URL SECONDS: wrk, its output in $TMP/NAME.wrk.
load() {
  run_bg wrk -t2 -c"$CONNECTIONS" -d"$3"s --timeout 30s -s "$TMP/summary.lua" "$2" \
    >"$TMP/$1.wrk" 2>&1 || die "wrk failed: $(tail -n 5 "$TMP/$1.wrk")"
}

variant() {  # RUN WORKLOAD VARIANT
  local run=$1 workload=$2 variant=$3 key name app port mkey pid url sampler ramp_start=0
  key=$run-$workload-$variant
  name=squall-$key
  app=$TMP/app-$key
  new_app "$app" "$workload" "$variant"
  mkey=$("$SQUALL" keys list "$app" --json 2>/dev/null |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["masterKey"])')
  port=$(free_port)
  start "$name" env "BENCH_CONCURRENCY_LOG=$TMP/worker-$key.log" \
    "$SQUALL" start "$app" --port "$port" --cpus "$CPUS"
  pid=$STARTED_PID
  wait_http "http://127.0.0.1:$port/admin/host/concurrency" "$pid" "$name" 30 \
    -H "x-functions-key: $mkey"
  track_tree "$pid"
  url=http://127.0.0.1:$port/api/h$workload
  "$PY" "$DRIVER" sample --out "$TMP/samples-$key.jsonl" --function "h$workload" --port "$port" \
    --key="$mkey" &
  sampler=$!
  PIDS+=("$sampler")
  if [[ $variant == dynamic ]]; then
    log "run $run, http $workload/$variant: host pid $pid, ${RAMP} s from cold, then ${MEASURE} s"
    ramp_start=$(date +%s.%N)
    load "ramp-$key" "$url" "$RAMP"
  else
    log "run $run, http $workload/$variant: host pid $pid, ${WARMUP} s warm-up, then ${MEASURE} s"
    load "warm-$key" "$url" "$WARMUP"
  fi
  # The requests wrk left queued when it closed its connections still run: measure from idle.
  run_bg "$PY" "$DRIVER" wait-idle --function "h$workload" --port "$port" --key="$mkey" ||
    die "$key: the host did not become idle"
  load "measure-$key" "$url" "$MEASURE"
  stop_started "$sampler"
  "$PY" "$DRIVER" http-variant --out "$TMP/results/$key.json" --run "$run" --workload "$workload" \
    --variant "$variant" --measure "$TMP/measure-$key.wrk" --log "$TMP/worker-$key.log" \
    --samples "$TMP/samples-$key.jsonl" --ramp-start "$ramp_start" --ramp-seconds "$RAMP" ||
    die "$key: no figures"
  stop_started "$pid"
  grep -a 'Host.Concurrency' "$TMP/$name.err" >"$TMP/results/$key.moves" 2>/dev/null || true
}

busy_start
T_START=$SECONDS
for ((run = 1; run <= RUNS; run++)); do
  for w in io cpu; do
    [[ ",$WORKLOADS," == *",$w,"* ]] || continue
    for v in static-1 static-16 dynamic; do
      [[ ",$VARIANTS," == *",$v,"* ]] || continue
      variant "$run" "$w" "$v"
    done
  done
done
busy_report >"$TMP/busy.line"

echo "## Dynamic concurrency benchmark, HTTP ($(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown))"
echo
echo "$(nproc) CPUs: $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo); build: $BUILD_DIR;" \
  "\`squall start COPY --cpus $CPUS\`; \`wrk -t2 -c$CONNECTIONS --timeout 30s\`, ${MEASURE} s measured" \
  "(static: after ${WARMUP} s of warm-up; dynamic: after ${RAMP} s of load from a cold host);" \
  "$RUNS run(s), $((SECONDS - T_START)) s. $(cat "$TMP/busy.line")"
echo
"$PY" "$DRIVER" http-report --dir "$TMP/results"
