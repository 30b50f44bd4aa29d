#!/usr/bin/env bash
# Dynamic concurrency benchmark (issue 6): static concurrency 1 and 16 against dynamic
# concurrency, for an I/O-bound and a CPU-bound queue function, in one run.
#
#   bench/concurrency.sh [--runs N] [--only io,cpu] [--variants LIST] [--seconds S]
#                        [--dynamic-seconds S] [--settle S] [--cpus N] [--fraction F]
#                        [--latency-seconds S] [--no-build]
#
# The worker is bench/concurrency-app (Python, one process, standard library only):
#   io   (queue io-items)    sleeps 50 ms
#   cpu  (queue cpu-items)   burns 20 ms of its thread's CPU (one GIL: one core at most)
# Each workload x variant gets a fresh copy of the app holding only that function, started with
# `squall start COPY --port P --cpus N` (N = 1 by default: a Consumption instance's CPU, and
# all one Python process can use; the CPU throttle measures against it). Variants (host.json):
#   static-1          extensions.queues batchSize 1, newBatchThreshold 0: one at a time
#   static-16         batchSize 16, newBatchThreshold 0: batches of 16, the next fetched when
#                     the whole batch is done (a batch is fetched at <= newBatchThreshold)
#   static-16-refill  batchSize 1, newBatchThreshold 15: at most 16 at once (the cap is
#                     batchSize + newBatchThreshold), one more fetched as each finishes
#   dynamic           concurrency.dynamicConcurrencyEnabled (snapshots off: it starts at 1)
# Two phases (bench/concurrency.py has the details):
#   saturation  the queue kept backlogged (bench/queue_fill) for S seconds from the first
#               invocation (static: --seconds, 30; dynamic: --dynamic-seconds, 180);
#               throughput = completions/s after the first 5 s (static) or over the last
#               --settle (60) s (dynamic: its settled throughput); the time to 90 % of it;
#               invocation duration p50/p95; /admin/host/concurrency sampled every second.
#   latency     an open-loop paced load (queue_fill --paced) at F (0.7) x the best static
#               throughput of the same workload in the same run: 3 s of warm-up, then
#               --latency-seconds (20); latency = the end of the invocation in the worker -
#               the send time in the message; not done 10 s after the last put = infinitely late.
# Order per run: io, then cpu; for each, the statics' saturation phase (a host each), their
# latency phase (a new host each: a static host keeps no state), then dynamic: both phases on
# one host (the queue cleared and the host idle in between), so the latency phase runs at the
# level the host settled at. Markdown tables and the dynamic / best-static ratios on stdout,
# progress on stderr. The app copies (and their embedded queue store) live under TMPDIR.
#
# Environment (flags win): BENCH_CONC_RUNS (1), BENCH_CONC_WORKLOADS (io,cpu),
# BENCH_CONC_VARIANTS (static-1,static-16,static-16-refill,dynamic), BENCH_CONC_SECONDS (30),
# BENCH_CONC_DYNAMIC_SECONDS (180), BENCH_CONC_SETTLE (60), BENCH_CONC_CPUS (1),
# BENCH_CONC_FRACTION (0.7), BENCH_CONC_LATENCY_SECONDS (20), BENCH_BUILD_DIR (build-release,
# configured with -DSQUALL_BUILD_BENCH=ON for queue_fill), BENCH_KEEP=1 keeps the temp dir
# (host logs, the workers' logs, per-phase JSON), BENCH_TIMEOUT (3600 s).
set -euo pipefail
NAME=concurrency
BENCH_TIMEOUT=${BENCH_TIMEOUT:-3600}
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

RUNS=${BENCH_CONC_RUNS:-1}
WORKLOADS=${BENCH_CONC_WORKLOADS:-io,cpu}
VARIANTS=${BENCH_CONC_VARIANTS:-static-1,static-16,static-16-refill,dynamic}
SECONDS_STATIC=${BENCH_CONC_SECONDS:-30}
SECONDS_DYNAMIC=${BENCH_CONC_DYNAMIC_SECONDS:-180}
SETTLE_STATIC=5
SETTLE_DYNAMIC=${BENCH_CONC_SETTLE:-60}
CPUS=${BENCH_CONC_CPUS:-1}
FRACTION=${BENCH_CONC_FRACTION:-0.7}
LAT_SECONDS=${BENCH_CONC_LATENCY_SECONDS:-20}
BUILD=1
usage() { sed -n '2,42p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }
while (($#)); do
  case $1 in
    --runs) RUNS=$2; shift 2 ;;
    --only) WORKLOADS=$2; shift 2 ;;
    --variants) VARIANTS=$2; shift 2 ;;
    --seconds) SECONDS_STATIC=$2; shift 2 ;;
    --dynamic-seconds) SECONDS_DYNAMIC=$2; shift 2 ;;
    --settle) SETTLE_DYNAMIC=$2; shift 2 ;;
    --cpus) CPUS=$2; shift 2 ;;
    --fraction) FRACTION=$2; shift 2 ;;
    --latency-seconds) LAT_SECONDS=$2; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    -h|--help) usage 0 ;;
    *) echo "concurrency.sh: unknown argument '$1'" >&2; usage 2 >&2 ;;
  esac
done
for w in ${WORKLOADS//,/ }; do
  case $w in io|cpu) ;; *) die "unknown workload '$w' (io, cpu)" ;; esac
done
for v in ${VARIANTS//,/ }; do
  case $v in static-1|static-16|static-16-refill|dynamic) ;; *) die "unknown variant '$v'" ;; esac
done
((RUNS >= 1)) || die "--runs: at least 1"
((SECONDS_STATIC > SETTLE_STATIC)) || die "--seconds must exceed $SETTLE_STATIC"
((SECONDS_DYNAMIC > SETTLE_DYNAMIC)) || die "--dynamic-seconds must exceed --settle ($SETTLE_DYNAMIC)"
command -v python3 >/dev/null || die "python3 not found (the worker is a Python app)"

bench_init

# --- build: squall and queue_fill (a bench target: -DSQUALL_BUILD_BENCH=ON) ----------------
build_targets "$BUILD" 1 squall queue_fill
SQUALL=$BIN/squall
FILL=$BIN/queue_fill
DRIVER=$ROOT/bench/concurrency.py
mkdir -p "$TMP/results"

# new_app DIR WORKLOAD VARIANT: a copy of bench/concurrency-app with only WORKLOAD's function
# and the variant's host.json.
new_app() {
  local dir=$1 workload=$2 variant=$3
  mkdir -p "$dir"
  cp bench/concurrency-app/handler.py "$dir/"
  cp -r "bench/concurrency-app/$workload" "$dir/"
  python3 - "$ROOT/bench/concurrency-app/host.json" "$dir/host.json" "$variant" <<'EOF'
import json, sys
h = json.load(open(sys.argv[1]))
variant = sys.argv[3]
if variant == "dynamic":
    h["concurrency"] = {"dynamicConcurrencyEnabled": True, "snapshotPersistenceEnabled": False}
elif variant == "static-16-refill":
    h.setdefault("extensions", {})["queues"] = {"batchSize": 1, "newBatchThreshold": 15}
else:
    size = int(variant.split("-")[1])
    h.setdefault("extensions", {})["queues"] = {"batchSize": size, "newBatchThreshold": 0}
json.dump(h, open(sys.argv[2], "w"), indent=2)
EOF
}


# variant RUN WORKLOAD VARIANT PHASES [RATE]: one host (a fresh copy of the app) for PHASES
# (saturation, latency or both); JSON in $TMP/results.
variant() {
  local run=$1 workload=$2 variant=$3 phases=$4 rate=${5:-0} key name app port mkey pid secs settle
  key=$run-$workload-$variant-${phases//,/-}
  name=squall-$key
  app=$TMP/app-$key
  new_app "$app" "$workload" "$variant"
  mkey=$("$SQUALL" keys list "$app" --json 2>/dev/null |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["masterKey"])')
  port=$(free_port)
  if [[ $variant == dynamic ]]; then secs=$SECONDS_DYNAMIC; settle=$SETTLE_DYNAMIC; else secs=$SECONDS_STATIC; settle=$SETTLE_STATIC; fi
  start "$name" env "BENCH_CONCURRENCY_LOG=$TMP/worker-$key.log" \
    "$SQUALL" start "$app" --port "$port" --cpus "$CPUS"
  pid=$STARTED_PID
  wait_http "http://127.0.0.1:$port/admin/host/concurrency" "$pid" "$name" 30 \
    -H "x-functions-key: $mkey"
  track_tree "$pid"
  log "run $run, $workload/$variant ($phases): host pid $pid, port $port$([[ $phases == *latency* ]] && echo ", latency load $rate msg/s")"
  run_bg "$PY" "$DRIVER" variant --out "$TMP/results/$key.json" --run "$run" --workload "$workload" \
    --variant "$variant" --phases "$phases" --app "$app" --port "$port" --key="$mkey" \
    --log "$TMP/worker-$key.log" --squall "$SQUALL" --fill "$FILL" --seconds "$secs" \
    --settle "$settle" --rate "$rate" --latency-seconds "$LAT_SECONDS" ||
    { tail -n 20 "$TMP/$name.err" >&2; die "$key failed"; }
  stop_started "$pid"
  # The level moves and throttles the host logged, kept with BENCH_KEEP=1.
  grep -a 'Host.Concurrency' "$TMP/$name.err" >"$TMP/results/$key.moves" 2>/dev/null || true
}

wants() { [[ ",$VARIANTS," == *",$1,"* ]]; }

busy_start
T_START=$SECONDS
for ((run = 1; run <= RUNS; run++)); do
  for w in io cpu; do
    [[ ",$WORKLOADS," == *",$w,"* ]] || continue
    # The statics' throughput first: it sets the latency phase's load for every variant.
    for v in static-16 static-16-refill static-1; do
      if wants "$v"; then variant "$run" "$w" "$v" saturation; fi
    done
    rate=$("$PY" "$DRIVER" rate --dir "$TMP/results" --workload "$w" --run "$run" --fraction "$FRACTION")
    for v in static-16 static-16-refill static-1; do
      if wants "$v"; then variant "$run" "$w" "$v" latency "$rate"; fi
    done
    if wants dynamic; then
      if [[ $rate == 0 ]]; then
        log "no static variant measured: dynamic without the latency phase"
        variant "$run" "$w" dynamic saturation
      else
        variant "$run" "$w" dynamic saturation,latency "$rate"
      fi
    fi
  done
done
busy_report >"$TMP/busy.line"

echo "## Dynamic concurrency benchmark ($(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown))"
echo
echo "$(nproc) CPUs: $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo); build: $BUILD_DIR;" \
  "\`squall start COPY --cpus $CPUS\`; $RUNS run(s), $((SECONDS - T_START)) s. $(cat "$TMP/busy.line")"
echo
echo "Throughput: completions/s with the queue kept backlogged (static: seconds $SETTLE_STATIC–$SECONDS_STATIC" \
  "after the first invocation; dynamic: the last $SETTLE_DYNAMIC of $SECONDS_DYNAMIC s). e2e: enqueue →" \
  "end of the invocation under an open-loop load of $FRACTION × the best static throughput," \
  "${LAT_SECONDS} s after 3 s of warm-up. Levels and throttled checks: /admin/host/concurrency," \
  "sampled every second of the saturation phase."
echo
"$PY" "$DRIVER" report --dir "$TMP/results"
