#!/usr/bin/env bash
# Scale-out under a load step: from 1 to C (64) concurrent clients on the consumption plan.
#
#   bench/scale.sh [-c CLIENTS] [-d SECONDS] [--max-concurrent M] [--decision-interval D]
#                  [--no-build]
#
# The app is a copy (in a temp dir) of examples/bench-handler/app whose host.json sets
# extensions.http.maxConcurrentRequests M (8): the platform's HTTP target per instance is
# maxConcurrentRequests, or 100 in flight when it is not set, and 64 clients would never ask for
# a second instance at 100. With 8, 64 clients want 8 instances.
# `squall start COPY --plan consumption --decision-interval 200ms --log-format json` (the default
# HTTP scale-out rate limit: one new instance per second). 1 client (wrk -t1 -c1) for 3 s, so one
# instance is ready and serving; then the step: wrk -t2 -cC -dS (20 s) --latency, with
# /admin/platform/instances polled every 50 ms. Reports the time from the step to the 2nd ready
# instance (poll and log), until the ready count stops changing, the final count, the scale
# decisions, and wrk's figures. Markdown on stdout; progress on stderr.
#
# Environment (flags win): BENCH_CLIENTS (64), BENCH_DURATION (20), BENCH_MAX_CONCURRENT (8),
# BENCH_DECISION_INTERVAL (200ms), BENCH_BUILD_DIR (build-release), BENCH_KEEP=1 keeps the temp
# dir, BENCH_TIMEOUT (300 s for the whole script).
set -euo pipefail
NAME=scale
BENCH_TIMEOUT=${BENCH_TIMEOUT:-300}
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CLIENTS=${BENCH_CLIENTS:-64}
DURATION=${BENCH_DURATION:-20}
MCR=${BENCH_MAX_CONCURRENT:-8}
DECISION=${BENCH_DECISION_INTERVAL:-200ms}
BUILD=1
usage() { sed -n '2,21p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }
while (($#)); do
  case $1 in
    -c) CLIENTS=$2; shift 2 ;;
    -d) DURATION=$2; shift 2 ;;
    --max-concurrent) MCR=$2; shift 2 ;;
    --decision-interval) DECISION=$2; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    -h|--help) usage 0 ;;
    *) echo "scale.sh: unknown argument '$1'" >&2; usage 2 >&2 ;;
  esac
done

bench_init
need_tools curl python3 wrk
build_squall "$BUILD"

busy_start
APP=$TMP/app
copy_bench_app "$APP" "$MCR"
MKEY=$(master_key "$APP")
PORT=$(free_port)
FLAGS=(--plan consumption --decision-interval "$DECISION")
log "squall start <copy of examples/bench-handler/app, maxConcurrentRequests $MCR> ${FLAGS[*]} --port $PORT"
start platform "$SQUALL" start "$APP" "${FLAGS[@]}" --port "$PORT" --log-format json
PID=$STARTED_PID
wait_http "http://127.0.0.1:$PORT/admin/host/ping" "$PID" platform

cat >"$TMP/step.py" <<'EOF'
import json, subprocess, sys, threading, time
from benchlib import *

port, key, clients, duration, tmp, logfile = sys.argv[1:7]
port, clients, duration = int(port), int(clients), int(duration)
url = f"http://127.0.0.1:{port}/api/bench"

# Phase 1: one client, 3 s (the first request cold-starts the first instance).
subprocess.run(["wrk", "-t1", "-c1", "-d3s", url], capture_output=True, text=True, timeout=60, check=True)
before = admin(port, key, "instances")
print(f"[scale] before the step: {[(x['id'], x['state']) for x in before]}", file=sys.stderr)
decisions_before = len(admin(port, key, "scale"))

snaps, stop = [], threading.Event()
def poll():
    while not stop.is_set():
        try:
            snaps.append((time.time(), admin(port, key, "instances")))
        except Exception as e:
            print(f"[scale] poll: {e}", file=sys.stderr)
        time.sleep(0.05)
poller = threading.Thread(target=poll)
poller.start()
time.sleep(0.1)
t0 = time.time()
wrk = subprocess.run(["wrk", "-t2", f"-c{clients}", f"-d{duration}s", "--latency", url],
                     capture_output=True, text=True, timeout=duration + 60).stdout
t_end = time.time()
stop.set()
poller.join()
scale = admin(port, key, "scale")[decisions_before:]
time.sleep(1.5)  # the platform's log buffer is flushed every second
ready_log = {}
for t, cat, msg, inst, inner in read_log(logfile):
    if cat == "Platform.Scale" and msg.startswith("instance ") and " ready in " in msg and t >= t0:
        ready_log[msg.split()[1]] = (t, msg.split(" ready in ")[1])
json.dump({"before": before, "t0": t0, "t_end": t_end, "snaps": snaps, "scale": scale,
           "wrk": wrk, "ready_log": ready_log}, open(f"{tmp}/step.json", "w"), indent=1)

def ready(l):
    return sum(1 for x in l if x["state"] == "ready")
def total(l):
    return len(l)

series = [(t - t0, ready(l), total(l)) for t, l in snaps if t >= t0]
second = next((t for t, r, n in series if r >= 2), None)
changes, last = [], None
for t, r, n in series:
    if (r, n) != last:
        changes.append((t, r, n))
        last = (r, n)
last_ready_change = max((t for i, (t, r, n) in enumerate(changes)
                         if i == 0 or r != changes[i - 1][1]), default=None)
final = series[-1] if series else (None, 0, 0)
peak = max((r for _, r, _ in series), default=0)
ready_times = sorted((t - t0, i, took) for i, (t, took) in ready_log.items())
second_log = ready_times[0] if ready_times else None

def wrk_line(prefix):
    for line in wrk.splitlines():
        if line.strip().startswith(prefix):
            return line.strip()
    return ""

print(f"## Scale-out under a step from 1 to {clients} clients ({time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(t0))})\n")
print(f"`squall start <copy of examples/bench-handler/app with host.json extensions.http.maxConcurrentRequests "
      f"{sys.argv[7]}> {sys.argv[8]}`: the HTTP target is {sys.argv[7]} in flight per instance (100 when "
      f"maxConcurrentRequests is not set: {clients} clients would not ask for a second instance), so {clients} clients "
      f"want {-(-clients // int(sys.argv[7]))} instances; scale-out is rate limited to one new instance per second "
      f"(consumption's default). Step: after 3 s of 1 client (`wrk -t1 -c1`, one ready instance), "
      f"`wrk -t2 -c{clients} -d{duration}s`; instances polled every 50 ms.\n")
print("| | result |")
print("|---|---|")
print(f"| instances before the step | {len(before)} ({', '.join(x['id'] + ' ' + x['state'] for x in before)}) |")
print(f"| **2nd instance ready** (50 ms poll) | " + (f"**{second:.3f} s** after the step" if second is not None else "never") + " |")
if second_log:
    t, iid, took = second_log
    print(f"| 2nd instance ready (platform log) | {t:.3f} s after the step ({iid}, started → ready in {took}) |")
print(f"| ready count last changed | " + (f"{last_ready_change:.3f} s after the step" if last_ready_change is not None else "n/a")
      + (f" (the run lasted {t_end - t0:.1f} s" + ("; still changing near the end: not settled)" if last_ready_change is not None and last_ready_change > (t_end - t0) - 2 else ")")) + " |")
print(f"| final count (ready / all) | {final[1]} / {final[2]} (peak ready {peak}) |")
print(f"| wrk | {wrk_line('Requests/sec:')}; {wrk_line('Latency')}; " +
      ", ".join(wrk_line(p) for p in ("50%", "99%")) + (f"; {wrk_line('Non-2xx')}" if wrk_line('Non-2xx') else "") + " |")
print()
print("Ready / all instances over time (each change, seconds after the step):\n")
print(", ".join(f"{t:.2f}: {r}/{n}" for t, r, n in changes))
print()
print("Instances ready (platform log: time after the step, start-up time):\n")
for t, iid, took in ready_times:
    print(f"- {t:+.3f} s {iid} (ready in {took})")
print()
print("Scale decisions (time after the step):\n")
for d in scale:
    print(f"- {ts(d['time']) - t0:+.3f} s {d['group']} {d['from']} → {d['to']}: {d['reason']}")
print()
EOF

run_bg "$PY" "$TMP/step.py" "$PORT" "$MKEY" "$CLIENTS" "$DURATION" "$TMP" "$TMP/platform.err" "$MCR" "${FLAGS[*]}" \
  || { tail -n 30 "$TMP/platform.err" >&2; die "measurement failed"; }
stop_started "$PID"
echo "$(nproc) CPUs: $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo); commit $(git rev-parse --short HEAD 2>/dev/null || echo '?'); load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
busy_report
