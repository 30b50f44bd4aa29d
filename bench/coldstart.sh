#!/usr/bin/env bash
# Cold start through the platform: "zero → first response", and premium's pre-warmed burst.
#
#   bench/coldstart.sh [-n RUNS] [--only hello,bench,premium] [--bursts B] [--burst-seconds S]
#                      [--burst-connections C] [--premium-max-concurrent M] [--no-build]
#
# hello, bench: `squall start APP --plan consumption --idle-timeout 2s --decision-interval 100ms
#   --scale-in-delay 500ms --log-format json` once (APP = examples/hello, a Python worker, and
#   examples/bench-handler/app, a C++ worker that is listening within a millisecond); then RUNS
#   times: wait until /admin/platform/instances is [] (scaled to zero), send one GET on a new
#   connection and time it on the client (perf_counter). From the JSON log of that run's instance
#   (its relayed Host.Worker lines): worker share = "worker ready" − "worker started";
#   platform share = client total − worker share. Also the median of each step of the path,
#   from the platform's and the instance's log times.
# premium: `squall start COPY --plan premium --sku EP1 --always-ready 1 --scale-in-delay 500ms`
#   (1 ready + 1 pre-warmed) where COPY is examples/bench-handler/app with host.json
#   extensions.http.maxConcurrentRequests M (8), so that a burst of C (64) concurrent clients
#   wants more than one instance and the pre-warmed one is promoted. B (10) bursts, each from 1
#   ready + 1 pre-warmed instance (the short scale-in delay brings the app back): a warm baseline
#   (100 sequential requests on one keep-alive connection, curl), then one request on each of C
#   new connections at once (curl --parallel; the first request's time after its TCP connect);
#   medians over the bursts. Then wrk -t2 -cC -dS (2 s) once; promotions from
#   /admin/platform/scale. The same against `squall start COPY` (no platform) as the reference
#   for what C simultaneous requests cost on this machine anyway.
# Prints a markdown report on stdout; progress on stderr.
#
# Environment (flags win): BENCH_RUNS (20), BENCH_ONLY (hello,bench,premium), BENCH_BURSTS, BENCH_BURST_SECONDS,
# BENCH_BURST_CONNECTIONS, BENCH_PREMIUM_MAX_CONCURRENT, BENCH_BUILD_DIR
# (build-release), BENCH_KEEP=1 keeps the temp dir (logs, raw JSON), BENCH_TIMEOUT (900 s for the
# whole script).
set -euo pipefail
NAME=coldstart
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

RUNS=${BENCH_RUNS:-20}
ONLY=${BENCH_ONLY:-hello,bench,premium}
BURST_SECONDS=${BENCH_BURST_SECONDS:-2}
BURST_CONNECTIONS=${BENCH_BURST_CONNECTIONS:-64}
PREMIUM_MCR=${BENCH_PREMIUM_MAX_CONCURRENT:-8}
BURSTS=${BENCH_BURSTS:-10}
BUILD=1
usage() { sed -n '2,29p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }
while (($#)); do
  case $1 in
    -n) RUNS=$2; shift 2 ;;
    --only) ONLY=$2; shift 2 ;;
    --burst-seconds) BURST_SECONDS=$2; shift 2 ;;
    --burst-connections) BURST_CONNECTIONS=$2; shift 2 ;;
    --premium-max-concurrent) PREMIUM_MCR=$2; shift 2 ;;
    --bursts) BURSTS=$2; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    -h|--help) usage 0 ;;
    *) echo "coldstart.sh: unknown argument '$1'" >&2; usage 2 >&2 ;;
  esac
done
wants() { [[ ",$ONLY," == *",$1,"* ]]; }
for v in ${ONLY//,/ }; do
  case $v in hello|bench|premium) ;; *) die "unknown part '$v'" ;; esac
done
((RUNS >= 1)) || die "-n: at least 1 run"

bench_init
need_tools curl python3 wrk
build_squall "$BUILD"

busy_start
CONSUMPTION_FLAGS=(--plan consumption --idle-timeout 2s --decision-interval 100ms --scale-in-delay 500ms)
PREMIUM_FLAGS=(--plan premium --sku EP1 --always-ready 1 --scale-in-delay 500ms)

# --- consumption: zero → first response --------------------------------------------------
cat >"$TMP/coldstart.py" <<'EOF'
import json, sys, time
from benchlib import *

port, key, runs, path, logfile, label, out = sys.argv[1:8]
port, runs = int(port), int(runs)
results = []
for i in range(runs):
    wait_instances(port, key, lambda l: l == [], timeout=60)
    time.sleep(0.2)  # the stopped instance's exit is fully processed; nothing else in flight
    status, body, secs, wall = request(port, path)
    if status != 200:
        raise SystemExit(f"run {i + 1}: HTTP {status}: {body[:200]!r}")
    # The instance that answered: the only one (its host may have answered before the platform
    # saw it ready, so it can still be "starting" here).
    live = [x["id"] for x in admin(port, key, "instances") if x["state"] in ("ready", "starting")]
    results.append({"run": i + 1, "wall_send": wall, "total": secs, "instance": live[0] if live else None})
    print(f"[coldstart] {label}: run {i + 1}/{runs}: {secs * 1000:.1f} ms ({live})", file=sys.stderr)

# The last instance scales to zero too, so its buffered log lines (flushed every second, and at
# exit) are relayed; then the platform's own buffer is flushed within a second.
wait_instances(port, key, lambda l: l == [], timeout=60)
time.sleep(1.5)

ev = {}   # instance id -> {event: epoch}
last_decision = None
for t, cat, msg, inst, inner in read_log(logfile):
    if cat == "Platform.Scale":
        if ": 0 → 1: " in msg:
            last_decision = t
        elif msg.startswith("starting instance ") or msg.startswith("starting pre-warmed instance "):
            iid = msg.split("instance ", 1)[1].split()[0]
            ev.setdefault(iid, {})["spawned"] = t
            if last_decision is not None:
                ev[iid]["decision"] = last_decision
        elif msg.startswith("instance ") and " ready in " in msg:
            ev.setdefault(msg.split()[1], {})["ready"] = t
        elif msg.startswith("instance ") and " host is up" in msg:
            ev.setdefault(msg.split()[1], {})["host_seen"] = t
    elif inst and inner:
        e = ev.setdefault(inst, {})
        it, icat, imsg = ts(inner["time"]), inner.get("category", ""), inner.get("message", "")
        if icat == "Host" and imsg.startswith("instance ") and "host" not in e:
            e["host"] = it
        elif icat == "Host.Worker" and imsg.startswith("worker started"):
            e["worker_started"] = it
        elif icat == "Host.Worker" and imsg.startswith("worker ready"):
            e["worker_ready"] = it
        elif icat == "Worker" and "listening" in imsg and "worker_listening" not in e:
            e["worker_listening"] = it

rows = []
for r in results:
    e = ev.get(r["instance"] or "", {})
    if "worker_started" not in e or "worker_ready" not in e:
        print(f"[coldstart] {label}: run {r['run']}: no worker start/ready lines for {r['instance']}", file=sys.stderr)
        continue
    r.update(e)
    r["worker"] = e["worker_ready"] - e["worker_started"]
    r["platform"] = r["total"] - r["worker"]
    rows.append(r)
json.dump({"label": label, "runs": results}, open(out, "w"), indent=1)

def col(name):
    return [r[name] for r in rows if name in r]

def step(a, b):
    return [r[b] - r[a] for r in rows if a in r and b in r]

def resp(r):
    return r["wall_send"] + r["total"]

for r in rows:
    r["response"] = resp(r)
print(f"### {label}: zero → first response, {len(rows)} runs\n")
print("| | p50 (ms) | p95 (ms) | min (ms) | max (ms) |")
print("|---|---:|---:|---:|---:|")
for r in rows:
    if "worker_listening" in r:
        r["worker_own"] = r["worker_listening"] - r["worker_started"]
        r["squall"] = r["total"] - r["worker_own"]
for name, title in (("total", "total (client)"), ("platform", "**platform share** (total − worker share)"),
                    ("worker", "worker share (worker ready − worker started, as the host logs them)"),
                    ("worker_own", "worker's own start-up (worker started → its 'listening' line)"),
                    ("squall", "squall's share counting only the worker's own start-up (total − that)")):
    v = col(name)
    if not v:
        continue
    print(f"| {title} | {fmt_ms(pct(v, 50))} | {fmt_ms(pct(v, 95))} | {fmt_ms(min(v))} | {fmt_ms(max(v))} |")
print()
print("Where the time goes (median of each step over the runs, ms; log times, so ±0.1 ms):\n")
print("| step | p50 (ms) | p95 (ms) |")
print("|---|---:|---:|")
steps = [
    ("wall_send", "decision", "client sends → front door's cold-start decision"),
    ("decision", "spawned", "decision → instance spawn returned (platform event loop busy)"),
    ("decision", "host", "decision → instance host's first log line (exec + app load)"),
    ("decision", "host_seen", "decision → platform sees the host up (probe; the request goes to it)"),
    ("host", "worker_started", "host up → worker started"),
    ("worker_started", "worker_listening", "worker started → worker's own 'listening' line"),
    ("worker_listening", "worker_ready", "worker listening → host sees it ready (the host's probe of the worker's port)"),
    ("worker_ready", "response", "worker ready (host) → client has the response"),
    ("worker_ready", "ready", "worker ready (host) → platform marks the instance ready"),
]
for a, b, title in steps:
    v = step(a, b)
    if v:
        print(f"| {title} | {fmt_ms(pct(v, 50))} | {fmt_ms(pct(v, 95))} |")
print()
EOF

# coldstart_app KEY LABEL APP PATH
coldstart_app() {
  local key=$1 label=$2 app=$3 path=$4 port pid mkey
  port=$(free_port)
  mkey=$(master_key "$app")
  log "$label: squall start $app ${CONSUMPTION_FLAGS[*]} --port $port"
  start "$key" "$SQUALL" start "$app" "${CONSUMPTION_FLAGS[@]}" --port "$port" --log-format json
  pid=$STARTED_PID
  wait_http "http://127.0.0.1:$port/admin/host/ping" "$pid" "$key"
  run_bg "$PY" "$TMP/coldstart.py" "$port" "$mkey" "$RUNS" "$path" "$TMP/$key.err" "$label" "$TMP/$key.json" \
    >"$TMP/$key.md" || { tail -n 30 "$TMP/$key.err" >&2; die "$label: measurement failed"; }
  stop_started "$pid"
}

echo "## Cold start ($(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?'))"
echo
echo "$(nproc) CPUs: $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo); load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
if wants hello; then
  coldstart_app hello "examples/hello (Python worker)" examples/hello /api/hello/x
  cat "$TMP/hello.md"
fi
if wants bench; then
  coldstart_app bench "examples/bench-handler/app (C++ worker)" examples/bench-handler/app /api/bench
  cat "$TMP/bench.md"
fi

# --- premium: bursts on a ready + pre-warmed app -------------------------------------------
# burst.py MODE PORT KEY CONNS SECS BURSTS TMP: BURSTS times (each from the same state: for MODE
# "platform" 1 ready + 1 pre-warmed instance, which the short --scale-in-delay brings back
# between bursts), a warm baseline then the burst's leading edge; then one wrk run. MODE "plain"
# (a `squall start` without --plan: the same bursts with no platform in the path) is the
# reference. Writes TMP/burst-MODE.json.
cat >"$TMP/burst.py" <<'EOF'
import json, subprocess, sys, time
from benchlib import *

mode, port, key, conns, secs, bursts, tmp = sys.argv[1:8]
port, conns, secs, bursts = int(port), int(conns), int(secs), int(bursts)
url = f"http://127.0.0.1:{port}/api/bench"
platform = mode == "platform"

def curl(urls, parallel):
    cfg = f"{tmp}/curl-{mode}.cfg"
    with open(cfg, "w") as f:
        for i, u in enumerate(urls):
            f.write(f'url = "{u}?i={i}"\noutput = "/dev/null"\n')
    args = ["curl", "-s", "--config", cfg, "-w",
            "%{url_effective} %{http_code} %{time_connect} %{time_total}\n"]
    if parallel:
        args[1:1] = ["--parallel", "--parallel-immediate", "--parallel-max", str(conns)]
    out = subprocess.run(args, capture_output=True, text=True, timeout=300).stdout
    rows = []
    for line in out.splitlines():
        u, code, tc, tt = line.split()
        rows.append({"i": int(u.rsplit("=", 1)[1]), "code": int(code), "connect": float(tc),
                     "total": float(tt), "after_connect": float(tt) - float(tc)})
    rows.sort(key=lambda r: r["i"])
    return rows

def settled():
    if platform:
        lst = wait_instances(port, key, lambda l: sorted(x["state"] for x in l) == ["prewarmed", "ready"], 120)
        print(f"[coldstart] premium: instances {[(x['id'], x['state']) for x in lst]}", file=sys.stderr)
    time.sleep(1)

runs = []
for b in range(bursts):
    settled()
    # Warm baseline: one keep-alive connection, sequential; the first request pays the connect.
    base = curl([url] * 100, parallel=False)[1:]
    before = len(admin(port, key, "scale")) if platform else 0
    t0 = time.time()
    # The burst's leading edge: one request on each of `conns` new connections at once.
    burst = curl([url] * conns, parallel=True)
    if platform:
        time.sleep(1.5)  # the decisions the burst caused (the tick is 1 s)
    scale = admin(port, key, "scale")[before:] if platform else []
    runs.append({"baseline": base, "burst": burst, "t0": t0, "scale": scale})
    print(f"[coldstart] {mode}: burst {b + 1}/{bursts}: first {burst[0]['after_connect'] * 1000:.2f} ms",
          file=sys.stderr)

settled()
tw = time.time()
wrk = subprocess.run(["wrk", "-t2", f"-c{conns}", f"-d{secs}s", "--latency", url],
                     capture_output=True, text=True, timeout=secs + 60).stdout
open(f"{tmp}/wrk-{mode}.txt", "w").write(wrk)
json.dump({"mode": mode, "runs": runs, "wrk": wrk, "tw": tw}, open(f"{tmp}/burst-{mode}.json", "w"))
EOF

cat >"$TMP/burst_report.py" <<'EOF'
import json, os, sys
from benchlib import *

tmp, conns, mcr, secs, bursts = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])

def wrk_ms(text, key):
    """A latency percentile (or Max) from wrk --latency output, in seconds."""
    for line in text.splitlines():
        f = line.split()
        if len(f) >= 2 and f[0] == key:
            v = f[1]
            for unit, mult in (("us", 1e-6), ("ms", 1e-3), ("s", 1.0)):
                if v.endswith(unit):
                    return float(v[: -len(unit)]) * mult
    return float("nan")

def wrk_field(text, prefix):
    for line in text.splitlines():
        if line.strip().startswith(prefix):
            return line.split()
    return []

data = {m: json.load(open(f"{tmp}/burst-{m}.json")) for m in ("plain", "platform")
        if os.path.exists(f"{tmp}/burst-{m}.json")}

def metrics(d):
    added, first, base50, wave50, wavemax, ok, n = [], [], [], [], [], 0, 0
    for r in d["runs"]:
        b50 = pct([x["total"] for x in r["baseline"]], 50)
        wave = [x["after_connect"] for x in r["burst"]]
        base50.append(b50)
        first.append(r["burst"][0]["after_connect"])
        added.append(r["burst"][0]["after_connect"] - b50)
        wave50.append(pct(wave, 50))
        wavemax.append(max(wave))
        ok += sum(1 for x in r["burst"] if x["code"] == 200)
        n += len(r["burst"])
    w = d["wrk"]
    lat_line = wrk_field(w, "Latency")
    rps = wrk_field(w, "Requests/sec:")
    non2xx = wrk_field(w, "Non-2xx")
    return {
        "added50": pct(added, 50), "added_min": min(added), "added_max": max(added),
        "base50": pct(base50, 50), "first50": pct(first, 50),
        "wave50": pct(wave50, 50), "wavemax": pct(wavemax, 50),
        "p50": wrk_ms(w, "50%"), "p99": wrk_ms(w, "99%"),
        "max": wrk_ms("Max " + lat_line[3], "Max") if len(lat_line) > 3 else float("nan"),
        "rps": rps[1] if len(rps) > 1 else "?", "errors": non2xx[-1] if non2xx else "0",
        "ok": ok, "n": n,
    }

m = {k: metrics(v) for k, v in data.items()}
cols = [k for k in ("platform", "plain") if k in m]
title = {"platform": "premium platform (front door → instance)", "plain": "plain `squall start` (reference)"}
print(f"### Premium EP1 with --always-ready 1 (1 ready + 1 pre-warmed): {bursts} bursts of {conns} connections\n")
print(f"App: a copy of examples/bench-handler/app with host.json extensions.http.maxConcurrentRequests {mcr}, "
      f"so that {conns} in flight want {-(-conns // mcr)} instances and the pre-warmed one is promoted "
      f"(with the default of 100 per instance, {conns} clients never leave the first instance). "
      f"Each burst starts from 1 ready + 1 pre-warmed instance (`--scale-in-delay 500ms` brings the app back "
      f"between bursts): a warm baseline (99 sequential requests on one keep-alive connection), then the "
      f"burst's leading edge, one request on each of {conns} new connections at once (`curl --parallel "
      f"--parallel-immediate`, curl's own per-transfer times after each connect). The first request of a "
      f"burst is one sample, and one sample moves by milliseconds on this machine: hence {bursts} bursts and "
      f"their median. Then `wrk -t2 -c{conns} -d{secs}s --latency` once. The same against `squall start` of the "
      f"same app without --plan, to separate the platform from what {conns} simultaneous requests cost "
      f"on this machine.\n")
print("| ms | " + " | ".join(title[c] for c in cols) + " |")
print("|---|" + "---:|" * len(cols))
rows = [
    ("warm baseline p50 (median over bursts)", lambda x: fmt_ms(x["base50"], 3)),
    ("first request of a burst, after its connect (median)", lambda x: fmt_ms(x["first50"], 3)),
    ("**first request added over warm p50: median** (min / max)",
     lambda x: f"**{x['added50'] * 1000:+.3f}** ({x['added_min'] * 1000:+.2f} / {x['added_max'] * 1000:+.2f})"),
    (f"the {conns} leading requests: p50 / max (medians over bursts)", lambda x: f"{fmt_ms(x['wave50'], 3)} / {fmt_ms(x['wavemax'], 3)}"),
    (f"wrk {secs} s afterwards: p50 / p99 / max", lambda x: f"{fmt_ms(x['p50'], 3)} / {fmt_ms(x['p99'], 3)} / {fmt_ms(x['max'], 3)}"),
    ("wrk req/s, non-2xx; leading requests with 200", lambda x: f"{x['rps']}, {x['errors']}; {x['ok']}/{x['n']}"),
]
for name, f in rows:
    print(f"| {name} | " + " | ".join(f(m[c]) for c in cols) + " |")
print()
if "platform" in m and "plain" in m:
    print(f"- first request added, platform minus plain host (medians): "
          f"{(m['platform']['added50'] - m['plain']['added50']) * 1000:+.3f} ms; leading requests' p50, "
          f"platform minus plain: {(m['platform']['wave50'] - m['plain']['wave50']) * 1000:+.3f} ms")
if "platform" in data:
    promos = []
    for r in data["platform"]["runs"]:
        p = [ts(x["time"]) - r["t0"] for x in r["scale"] if "promoted" in x["reason"]]
        promos.append(min(p) if p else None)
    seen = [p for p in promos if p is not None]
    print(f"- promotion of the pre-warmed instance, after the burst started: in {len(seen)} of {len(promos)} bursts"
          + (f", median {pct(seen, 50):+.3f} s (min {min(seen):+.3f}, max {max(seen):+.3f})" if seen else ""))
    print("- scale decisions of the first burst (time from its start):")
    r0 = data["platform"]["runs"][0]
    for x in r0["scale"]:
        print(f"  - {ts(x['time']) - r0['t0']:+.3f} s: {x['group']} {x['from']} → {x['to']}: {x['reason']}")
    if not r0["scale"]:
        print("  - none")
print()
EOF

if wants premium; then
  copy_bench_app "$TMP/premium-app" "$PREMIUM_MCR"
  mkey=$(master_key "$TMP/premium-app")
  # Reference: the same app and burst through a plain host (no platform).
  port=$(free_port)
  log "premium reference: squall start <copy of bench app, maxConcurrentRequests $PREMIUM_MCR> --port $port"
  start plain "$SQUALL" start "$TMP/premium-app" --port "$port" --log-format json
  pid=$STARTED_PID
  wait_http "http://127.0.0.1:$port/api/bench" "$pid" plain
  run_bg "$PY" "$TMP/burst.py" plain "$port" "$mkey" "$BURST_CONNECTIONS" "$BURST_SECONDS" "$BURSTS" "$TMP" \
    || { tail -n 30 "$TMP/plain.err" >&2; die "premium reference: measurement failed"; }
  stop_started "$pid"

  port=$(free_port)
  log "premium: squall start <same copy> ${PREMIUM_FLAGS[*]} --port $port"
  start premium "$SQUALL" start "$TMP/premium-app" "${PREMIUM_FLAGS[@]}" --port "$port" --log-format json
  pid=$STARTED_PID
  wait_http "http://127.0.0.1:$port/admin/host/ping" "$pid" premium
  run_bg "$PY" "$TMP/burst.py" platform "$port" "$mkey" "$BURST_CONNECTIONS" "$BURST_SECONDS" "$BURSTS" "$TMP" \
    || { tail -n 30 "$TMP/premium.err" >&2; die "premium: measurement failed"; }
  stop_started "$pid"
  run_bg "$PY" "$TMP/burst_report.py" "$TMP" "$BURST_CONNECTIONS" "$PREMIUM_MCR" "$BURST_SECONDS" "$BURSTS"
fi
busy_report
echo "Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
