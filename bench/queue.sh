#!/usr/bin/env bash
# Queue benchmark (issue 5): the embedded store against Azurite, same workload, same run.
#
#   bench/queue.sh [-n COUNT] [--azurite-count COUNT] [--only embedded,azurite]
#                  [--latency-seconds S] [--pipelines P] [--flush-ms MS] [--no-build]
#
# For each backend — embedded (AzureWebJobsStorage unset: SQLite under APP/.squall/, WAL,
# fsync at every commit) and Azurite (started here on free loopback ports, in memory, reached
# through squall's Azure Storage REST backend; a fresh Azurite for each of the three parts) —
# in this order:
#   storage alone  bench/queue_fill --roundtrip: P pipelines (16), each on its own queue, put 32
#                  -> Get(32) -> delete 32, for 5 s; messages/s. The same QueueStore code for
#                  both backends (bench/storage_bench measures the embedded store alone).
#   light load     `squall start COPY --port 0` on an empty queue, COPY = a copy of
#                  examples/bench-handler/app-queue (queue "bench", batchSize 32; its worker,
#                  examples/bench-handler, logs "<seq> <receive ns>" per invocation to
#                  $BENCH_QUEUE_LOG); queue_fill --paced puts "<seq>:<send ns>" every uniformly
#                  random 20..50 ms: 2 s of warm-up (discarded), then S (10) s. Latency =
#                  receive time in the worker − send time in the message (same machine, same
#                  CLOCK_REALTIME; the send time is read just before the put, so the put's own
#                  commit counts): p50/p95/p99/max; also the put alone (until acknowledged)
#                  and acknowledged -> invocation.
#   throughput     queue_fill puts COUNT messages (256 in flight) on a new COPY, then
#                  `squall start COPY --port 0`: invocations/s from the first to the last of
#                  them, the longest pause between two invocations, CPU per message of the squall
#                  process (from its start), the worker and Azurite; then the queue must be
#                  empty (every message deleted).
# Prints markdown tables and the embedded/Azurite ratios on stdout; progress on stderr.
#
# Azurite gets slower with every message it holds (its CPU per message grows with the queue's
# depth), so a drain of 20 000 would take many minutes: it gets --azurite-count messages
# (5000), and the embedded store is drained at that count too, for a like-for-like ratio.
#
# Environment (flags win): BENCH_QUEUE_COUNT (20000), BENCH_QUEUE_AZURITE_COUNT (5000),
# BENCH_QUEUE_BACKENDS (embedded,azurite), BENCH_QUEUE_LATENCY_SECONDS (10),
# BENCH_QUEUE_PIPELINES (16), BENCH_QUEUE_LOG_FLUSH_MS (100; 0 = the worker writes each line at
# once), BENCH_BUILD_DIR (build-release; configured with -DSQUALL_BUILD_BENCH=ON for
# queue_fill), BENCH_KEEP=1 keeps the temp dir (logs, raw files), BENCH_TIMEOUT (900 s);
# TMPDIR picks the disk the embedded store (and everything else) lives on.
set -euo pipefail
NAME=queue
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

COUNT=${BENCH_QUEUE_COUNT:-20000}
AZ_COUNT=${BENCH_QUEUE_AZURITE_COUNT:-5000}
BACKENDS=${BENCH_QUEUE_BACKENDS:-embedded,azurite}
LAT_SECONDS=${BENCH_QUEUE_LATENCY_SECONDS:-10}
WARM_SECONDS=2
RT_SECONDS=5
PIPELINES=${BENCH_QUEUE_PIPELINES:-16}
FLUSH_MS=${BENCH_QUEUE_LOG_FLUSH_MS:-100}
FILL_INFLIGHT=256
BUILD=1
usage() { sed -n '2,39p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }
while (($#)); do
  case $1 in
    -n) COUNT=$2; shift 2 ;;
    --azurite-count) AZ_COUNT=$2; shift 2 ;;
    --only) BACKENDS=$2; shift 2 ;;
    --latency-seconds) LAT_SECONDS=$2; shift 2 ;;
    --pipelines) PIPELINES=$2; shift 2 ;;
    --flush-ms) FLUSH_MS=$2; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    -h|--help) usage 0 ;;
    *) echo "queue.sh: unknown argument '$1'" >&2; usage 2 >&2 ;;
  esac
done
wants() { [[ ",$BACKENDS," == *",$1,"* ]]; }
for b in ${BACKENDS//,/ }; do
  case $b in embedded|azurite) ;; *) die "unknown backend '$b'" ;; esac
done
((COUNT >= 2 && AZ_COUNT >= 2)) || die "-n and --azurite-count: at least 2 messages"

AZURITE_JS=$ROOT/tools/node_modules/azurite/dist/src/azurite.js
# Azurite's well-known development account key (public, documented by Microsoft).
AZURITE_KEY='Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='
if wants azurite; then
  command -v node >/dev/null || die "node not found: run scripts/install-deps.sh"
  [[ -f $AZURITE_JS ]] || die "Azurite is not installed ($AZURITE_JS): run scripts/install-deps.sh"
fi

bench_init

# --- build: squall, the worker and queue_fill (a bench target: -DSQUALL_BUILD_BENCH=ON) ----
build_targets "$BUILD" 1 squall bench-handler queue_fill
SQUALL=$BIN/squall
HANDLER=$BIN/bench-handler
FILL=$BIN/queue_fill

# --- Python: waiting on the worker's log, and the figures ---------------------------------
cat >"$TMP/qwait.py" <<'EOF'
"""qwait.py LOG LO HI TIMEOUT PID: waits until LOG holds every seq in [LO, HI) (exit 0), or
TIMEOUT seconds pass / PID dies (exit 1)."""
import os, sys, time
log, lo, hi, timeout, pid = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
seen, pos, deadline = set(), 0, time.monotonic() + timeout
while True:
    if os.path.exists(log):
        with open(log) as f:
            f.seek(pos)
            chunk = f.read()
        end = chunk.rfind("\n") + 1
        pos += end
        for line in chunk[:end].splitlines():
            s = int(line.split()[0])
            if lo <= s < hi:
                seen.add(s)
    if len(seen) == hi - lo:
        sys.exit(0)
    if time.monotonic() > deadline:
        print(f"qwait: {len(seen)} of {hi - lo} messages after {timeout} s", file=sys.stderr)
        sys.exit(1)
    try:
        os.kill(pid, 0)
    except OSError:
        print(f"qwait: process {pid} exited with {len(seen)} of {hi - lo} messages", file=sys.stderr)
        sys.exit(1)
    time.sleep(0.05)
EOF
cat >"$TMP/qstats.py" <<'EOF'
"""qstats.py drain RECV_LOG N | qstats.py latency RECV_LOG SENT_FILE LO: shell assignments."""
import sys
from benchlib import pct


def received(path):
    """seq -> first receive ns, and how many duplicates."""
    recv, dups = {}, 0
    with open(path) as f:
        for line in f:
            s, t = (int(x) for x in line.split())
            if s in recv:
                dups += 1
                recv[s] = min(recv[s], t)
            else:
                recv[s] = t
    return recv, dups


if sys.argv[1] == "drain":
    recv, dups = received(sys.argv[2])
    n = int(sys.argv[3])
    t = sorted(recv[s] for s in range(n) if s in recv)
    span = (t[-1] - t[0]) / 1e9
    print(f"E2E_RATE={(len(t) - 1) / span:.0f}" if span > 0 else "E2E_RATE=nan")
    print(f"E2E_SPAN={span:.3f}")
    # The longest pause between two invocations: a stall of the store shows here.
    print(f"MAX_GAP={max(b - a for a, b in zip(t, t[1:])) / 1e6:.1f}")
    print(f"DUPLICATES={dups}")
else:
    recv, dups = received(sys.argv[2])
    lo = int(sys.argv[4])
    lat, put, after_ack = [], [], []
    with open(sys.argv[3]) as f:
        for line in f:
            s, send, ack = (int(x) for x in line.split())
            if s < lo or s not in recv:
                continue
            lat.append((recv[s] - send) / 1e6)
            put.append((ack - send) / 1e6)
            after_ack.append((recv[s] - ack) / 1e6)
    print(f"LAT_N={len(lat)}")
    print(f"LAT_DUPLICATES={dups}")
    for name, v in (("LAT", lat), ("PUT", put), ("AFTER_ACK", after_ack)):
        for p in (50, 95, 99):
            print(f"{name}_P{p}={pct(v, p):.2f}" if v else f"{name}_P{p}=nan")
        print(f"{name}_MAX={max(v):.2f}" if v else f"{name}_MAX=nan")
EOF

# fsync_probe: the latency of fdatasync on the disk under $TMP (where the embedded store is),
# 200 x (write 4 KiB, fdatasync): "p50 p99" in ms. A durable commit costs at least this.
fsync_probe() {
  python3 - "$TMP/fsync-probe" <<'EOF'
import os, sys, time
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT, 0o600)
v = []
for i in range(200):
    os.pwrite(fd, b"x" * 4096, (i % 16) * 4096)
    t = time.perf_counter()
    os.fdatasync(fd)
    v.append((time.perf_counter() - t) * 1e3)
os.close(fd)
os.unlink(sys.argv[1])
v.sort()
print(f"{v[99]:.2f} {v[197]:.2f}")
EOF
}

# cpu_ticks PID...: user+system ticks used so far by these processes (all threads).
cpu_ticks() {
  local t=0 p f
  for p in "$@"; do
    read -r -a f <"/proc/$p/stat" 2>/dev/null || continue
    t=$((t + f[13] + f[14]))
  done
  echo "$t"
}
us_per_msg() {  # TICKS MESSAGES
  awk -v t="$1" -v hz="$(getconf CLK_TCK)" -v n="$2" 'BEGIN { if (n > 0) printf "%.1f", t / hz * 1e6 / n; else print "n/a" }'
}
json_field() {  # FILE FIELD
  python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"
}

AZURITE_PID=""
AZURITE_RUNS=0
start_azurite() {
  local bport qport tport i name
  bport=$(free_port); qport=$(free_port); tport=$(free_port)
  AZURITE_RUNS=$((AZURITE_RUNS + 1))
  name=azurite-$AZURITE_RUNS  # a new output file each time: the old one holds "listening" too
  start "$name" node "$AZURITE_JS" --blobHost 127.0.0.1 --blobPort "$bport" \
    --queueHost 127.0.0.1 --queuePort "$qport" --tableHost 127.0.0.1 --tablePort "$tport" \
    --inMemoryPersistence --disableTelemetry --silent --skipApiVersionCheck --loose
  AZURITE_PID=$STARTED_PID
  for ((i = 0; i < 300; i++)); do
    grep -q "Queue service is successfully listening" "$TMP/$name.out" 2>/dev/null && break
    alive "$AZURITE_PID" || { cat "$TMP/$name.out" "$TMP/$name.err" >&2; die "Azurite exited"; }
    sleep 0.1
  done
  grep -q "Queue service is successfully listening" "$TMP/$name.out" || die "Azurite did not start in 30 s"
  AZURITE_CONN="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=$AZURITE_KEY;QueueEndpoint=http://127.0.0.1:$qport/devstoreaccount1;BlobEndpoint=http://127.0.0.1:$bport/devstoreaccount1"
  log "Azurite: pid $AZURITE_PID, queue port $qport"
}

# backend_env BACKEND: ENVV = the `env ...` prefix that gives a command this backend's storage.
backend_env() {
  if [[ $1 == azurite ]]; then
    ENVV=(env "AzureWebJobsStorage=$AZURITE_CONN")
  else
    ENVV=(env -u AzureWebJobsStorage)
  fi
}

# new_app DIR: a copy of examples/bench-handler/app-queue (its .squall/ state stays in DIR).
new_app() {
  mkdir -p "$1"
  cp examples/bench-handler/app-queue/host.json "$1/"
  cp -r examples/bench-handler/app-queue/qbench "$1/"
  ln -sf "$HANDLER" "$1/bench-handler"
}

# start_squall KEY APP RECV_LOG: `squall start APP --port 0` with the backend of ENVV; sets
# SQ_PID and SQ_WORKER (the bench-handler process).
start_squall() {
  local key=$1 app=$2 recv=$3 i
  start "squall-$key" "${ENVV[@]}" "BENCH_QUEUE_LOG=$recv" "BENCH_QUEUE_LOG_FLUSH_MS=$FLUSH_MS" \
    "$SQUALL" start "$app" --port 0
  SQ_PID=$STARTED_PID
  SQ_WORKER=""
  for ((i = 0; i < 200; i++)); do
    SQ_WORKER=$(ps -o pid= --ppid "$SQ_PID" 2>/dev/null | head -n 1 | tr -d ' ' || true)
    [[ -n $SQ_WORKER ]] && break
    sleep 0.05
  done
  [[ -n $SQ_WORKER ]] || { tail -n 20 "$TMP/squall-$key.err" >&2; die "$key: no worker under squall"; }
  track_tree "$SQ_PID"
}

# drain BACKEND KEY N: fill N messages, then start squall and time their invocations.
# Results as shell assignments in $TMP/KEY.vars.
drain() {
  local backend=$1 key=$2 n=$3 app=$TMP/app-$2 recv=$TMP/recv-$2.log t0 t1
  local ts0 ta0 ts1 tw1 ta1 i len
  backend_env "$backend"
  new_app "$app"
  : >"$recv"
  log "$key: filling $n messages"
  run_bg "${ENVV[@]}" "$FILL" --app "$app" --queue bench --count "$n" --inflight "$FILL_INFLIGHT" \
    >"$TMP/fill-$key.json" || die "$key: fill failed"
  log "$key: filled at $(json_field "$TMP/fill-$key.json" rate) puts/s"
  ta0=0; [[ $backend == azurite ]] && ta0=$(cpu_ticks "$AZURITE_PID")
  t0=$SECONDS
  start_squall "$key" "$app" "$recv"
  # From the start of squall: its start-up and the worker's (milliseconds) are counted.
  ts0=$(cpu_ticks "$SQ_PID")
  log "$key: squall pid $SQ_PID, worker pid $SQ_WORKER: draining"
  run_bg "$PY" "$TMP/qwait.py" "$recv" 0 "$n" 600 "$SQ_PID" ||
    { tail -n 20 "$TMP/squall-$key.err" >&2; die "$key: not every message arrived"; }
  ts1=$(cpu_ticks "$SQ_PID"); tw1=$(cpu_ticks "$SQ_WORKER")
  ta1=0; [[ $backend == azurite ]] && ta1=$(cpu_ticks "$AZURITE_PID")
  t1=$SECONDS
  for ((i = 0; i < 600; i++)); do
    len=$("${ENVV[@]}" "$SQUALL" queue length bench --app "$app" 2>/dev/null || echo "?")
    [[ $len == 0 ]] && break
    sleep 0.1
  done
  [[ $len == 0 ]] || die "$key: queue length still $len after the last invocation"
  log "$key: all $n invoked and deleted ($((t1 - t0)) s)"
  stop_started "$SQ_PID"
  sleep 0.2  # the worker's last buffered lines are written at its exit
  {
    "$PY" "$TMP/qstats.py" drain "$recv" "$n"
    echo "FILL_RATE=$(json_field "$TMP/fill-$key.json" rate)"
    echo "CPU_SQUALL=$(us_per_msg $((ts1 - ts0)) "$n")"
    echo "CPU_WORKER=$(us_per_msg "$tw1" "$n")"
    if [[ $backend == azurite ]]; then echo "CPU_AZURITE=$(us_per_msg $((ta1 - ta0)) "$n")"; else echo "CPU_AZURITE=-"; fi
    echo "N=$n"
  } >"$TMP/$key.vars"
  log "$key: $(tr '\n' ' ' <"$TMP/$key.vars")"
}

# latency BACKEND: squall on an empty queue, warm-up, then one put every 20..50 ms.
# Results in $TMP/lat-BACKEND.vars.
latency() {
  local backend=$1 key=lat-$1 app=$TMP/app-lat-$1 recv=$TMP/recv-lat-$1.log sent
  backend_env "$backend"
  new_app "$app"
  : >"$recv"
  start_squall "$key" "$app" "$recv"
  log "$key: light load, ${WARM_SECONDS} s warm-up + ${LAT_SECONDS} s"
  run_bg "${ENVV[@]}" "$FILL" --app "$app" --queue bench --paced --seconds "$WARM_SECONDS" \
    --first-seq 1000000000 >/dev/null || die "$key: paced warm-up failed"
  run_bg "${ENVV[@]}" "$FILL" --app "$app" --queue bench --paced --seconds "$LAT_SECONDS" \
    --first-seq 2000000000 --sent "$TMP/sent-$key.txt" >"$TMP/paced-$key.json" ||
    die "$key: paced puts failed"
  sent=$(json_field "$TMP/paced-$key.json" count)
  run_bg "$PY" "$TMP/qwait.py" "$recv" 2000000000 $((2000000000 + sent)) 120 "$SQ_PID" ||
    die "$key: not every light-load message arrived"
  stop_started "$SQ_PID"
  sleep 0.2
  "$PY" "$TMP/qstats.py" latency "$recv" "$TMP/sent-$key.txt" 2000000000 >"$TMP/$key.vars"
  log "$key: $(tr '\n' ' ' <"$TMP/$key.vars")"
}

# roundtrip BACKEND: the storage alone.
roundtrip() {
  local backend=$1 envv
  if [[ $backend == azurite ]]; then envv=(env "AzureWebJobsStorage=$AZURITE_CONN"); else envv=(env -u AzureWebJobsStorage); fi
  mkdir -p "$TMP/rt-$backend"
  log "$backend: storage alone, $PIPELINES pipelines, ${RT_SECONDS} s"
  run_bg "${envv[@]}" "$FILL" --app "$TMP/rt-$backend" --roundtrip --pipelines "$PIPELINES" \
    --seconds "$RT_SECONDS" >"$TMP/rt-$backend.json" || die "$backend: round trip failed"
  echo "RT_RATE=$(json_field "$TMP/rt-$backend.json" rate)" >"$TMP/rt-$backend.vars"
  log "$backend: storage alone $(json_field "$TMP/rt-$backend.json" rate) msg/s"
}

busy_start
FSYNC_BEFORE=$(fsync_probe)
log "fdatasync on $TMP: p50 / p99 ${FSYNC_BEFORE/ / \/ } ms"
KEYS=()
for backend in ${BACKENDS//,/ }; do
  if [[ $backend == azurite ]]; then
    # A fresh Azurite for each part: it slows down with every message it has held, and its
    # queue GC (every 60 s) seemed to stall it for 26 s once thousands had been deleted.
    start_azurite; roundtrip azurite; stop_started "$AZURITE_PID"
    start_azurite; latency azurite; stop_started "$AZURITE_PID"
    start_azurite; drain azurite azurite "$AZ_COUNT"; stop_started "$AZURITE_PID"
    KEYS+=(azurite)
  else
    roundtrip embedded
    latency embedded
    drain embedded embedded "$COUNT"
    KEYS+=(embedded)
    if wants azurite && ((AZ_COUNT != COUNT)); then
      drain embedded embedded-small "$AZ_COUNT"
      KEYS+=(embedded-small)
    fi
  fi
done
FSYNC_AFTER=$(fsync_probe)
busy_report >"$TMP/busy.line"
BUSY_LINE=$(cat "$TMP/busy.line")

# --- report ---------------------------------------------------------------------------
# get KEY VAR: VAR from $TMP/KEY.vars (lines NAME=value).
get() { awk -F= -v k="$2" '$1 == k { v = substr($0, length(k) + 2) } END { print (v == "" ? "n/a" : v) }' "$TMP/$1.vars"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0 && a == a + 0) printf "%.2f", a / b; else print "n/a" }'; }
label() {
  case $1 in
    embedded) echo "embedded" ;;
    embedded-small) echo "embedded, $AZ_COUNT messages" ;;
    azurite) echo "Azurite" ;;
  esac
}

echo "## Queue benchmark ($(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo 'unknown: not a git checkout'))"
echo
echo "$(nproc) CPUs: $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo); build: $BUILD_DIR;" \
  "worker log flush every ${FLUSH_MS} ms (0 = per line). fdatasync of 4 KiB on the disk of $TMP," \
  "p50 / p99: ${FSYNC_BEFORE/ / \/ } ms before the run, ${FSYNC_AFTER/ / \/ } ms after it. $BUSY_LINE"
echo
echo "Storage alone (queue_fill --roundtrip, $PIPELINES pipelines, ${RT_SECONDS} s, put 32 → get 32 → delete 32, 128-byte messages):"
echo
echo "| backend | messages/s |"
echo "|---|---:|"
for b in ${BACKENDS//,/ }; do echo "| $(label "$b") | $(get "rt-$b" RT_RATE) |"; done
echo
echo "End to end, throughput: the messages are put first, then \`squall start\`: queue trigger (batchSize 32) → bench-handler → delete; invocations/s from the first to the last invocation."
echo
echo "| backend | messages | fill puts/s | **invocations/s** | longest pause between invocations (ms) | CPU µs/msg squall / worker / Azurite | duplicates |"
echo "|---|---:|---:|---:|---:|---|---:|"
for k in "${KEYS[@]}"; do
  echo "| $(label "$k") | $(get "$k" N) | $(get "$k" FILL_RATE) | **$(get "$k" E2E_RATE)** | $(get "$k" MAX_GAP) |" \
    "$(get "$k" CPU_SQUALL) / $(get "$k" CPU_WORKER) / $(get "$k" CPU_AZURITE) | $(get "$k" DUPLICATES) |"
done
echo
echo "End to end, light load: squall idle on an empty queue, ${WARM_SECONDS} s of warm-up, then one put every 20–50 ms for ${LAT_SECONDS} s; enqueue = just before the put is sent."
echo
echo "| backend | messages | **p50** / p95 / p99 / max enqueue→invocation (ms) | put acknowledged p50 / p99 (ms) | acknowledged→invocation p50 / p99 (ms) |"
echo "|---|---:|---|---|---|"
for b in ${BACKENDS//,/ }; do
  k=lat-$b
  echo "| $(label "$b") | $(get "$k" LAT_N) | **$(get "$k" LAT_P50)** / $(get "$k" LAT_P95) / $(get "$k" LAT_P99) / $(get "$k" LAT_MAX) |" \
    "$(get "$k" PUT_P50) / $(get "$k" PUT_P99) | $(get "$k" AFTER_ACK_P50) / $(get "$k" AFTER_ACK_P99) |"
done
echo
if wants embedded && wants azurite; then
  small=embedded; ((AZ_COUNT != COUNT)) && small=embedded-small
  echo "- storage alone, embedded / Azurite: $(ratio "$(get rt-embedded RT_RATE)" "$(get rt-azurite RT_RATE)")"
  echo "- end to end, embedded / Azurite ($AZ_COUNT messages each): $(ratio "$(get "$small" E2E_RATE)" "$(get azurite E2E_RATE)")"
  echo "- light-load p50 latency, Azurite / embedded: $(ratio "$(get lat-azurite LAT_P50)" "$(get lat-embedded LAT_P50)")"
fi
if wants embedded; then
  echo "- embedded end to end / embedded storage alone: $(ratio "$(get embedded E2E_RATE)" "$(get rt-embedded RT_RATE)")"
fi
