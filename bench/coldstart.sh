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
#   wants more than one instance and the pre-warmed one is promoted; its worker names itself in
#   each answer (BENCH_HANDLER_TAG=1). B (10) times, each from 1 ready + 1 pre-warmed instance
#   (the short scale-in delay brings the app back): bench/burst_client (warm baseline, new
#   connections alone, then a burst of C whose request 0 is timed on a thread of its own; see
#   bench/burst_client.cpp) twice, its other C-1 clients once at nice 0 and once at nice 19 (so
#   that they leave the two cores to the servers), and from the same state again the earlier
#   curl measure (a warm
#   baseline of 100 sequential requests on one keep-alive connection, then one request on each of
#   C new connections at once with curl --parallel, the first request's time after its TCP
#   connect); medians over the bursts. Then wrk -t2 -cC -dS (2 s) once; promotions from
#   /admin/platform/scale. The same against `squall start COPY` (no platform) as the reference
#   for what C simultaneous requests cost on this machine anyway.
# Prints a markdown report on stdout; progress on stderr.
#
# Environment (flags win): BENCH_RUNS (20), BENCH_ONLY (hello,bench,premium), BENCH_BURSTS, BENCH_BURST_SECONDS,
# BENCH_BURST_CONNECTIONS, BENCH_PREMIUM_MAX_CONCURRENT, BENCH_PREMIUM_ARGS (more flags for the
# premium platform, e.g. "--cpu-slice 0"), BENCH_BUILD_DIR
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
if wants premium; then
  build_targets "$BUILD" 1 burst_client
  BURST_CLIENT=$BIN/burst_client
fi

busy_start
CONSUMPTION_FLAGS=(--plan consumption --idle-timeout 2s --decision-interval 100ms --scale-in-delay 500ms)
PREMIUM_FLAGS=(--plan premium --sku EP1 --always-ready 1 --scale-in-delay 500ms)
# BENCH_PREMIUM_ARGS: more flags for the premium platform (e.g. "--cpu-slice 0").
read -r -a extra <<<"${BENCH_PREMIUM_ARGS:-}"
PREMIUM_FLAGS+=("${extra[@]}")

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
# burst.py MODE PORT KEY CONNS SECS BURSTS TMP CLIENT: BURSTS times (each from the same state: for MODE
# "platform" 1 ready + 1 pre-warmed instance, which the short --scale-in-delay brings back
# between bursts), a warm baseline then the burst's leading edge; then one wrk run. MODE "plain"
# (a `squall start` without --plan: the same bursts with no platform in the path) is the
# reference. Writes TMP/burst-MODE.json.
cat >"$TMP/burst.py" <<'EOF'
import json, os, subprocess, sys, time
from benchlib import *

mode, port, key, conns, secs, bursts, tmp, client = sys.argv[1:9]
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

# burst_client's two ways: its 63 other clients at the normal priority, and at nice 19 (they
# yield the two cores to the servers, as clients on other machines would take none).
CLIENTS = (("client", 0), ("client_nice", 19))

def client_burst(tail_nice):
    """bench/burst_client: warm and new-connection baselines, then the burst (see its header)."""
    out = subprocess.run([client, "--port", str(port), "--warm", "99", "--fresh", "10",
                          "--connections", str(conns), "--tail-nice", str(tail_nice)],
                         capture_output=True, text=True, timeout=120)
    if out.returncode != 0:
        raise SystemExit(f"burst_client failed: {out.stderr.strip()}")
    return json.loads(out.stdout)

def settled():
    if platform:
        lst = wait_instances(port, key, lambda l: sorted(x["state"] for x in l) == ["prewarmed", "ready"], 120)
        print(f"[coldstart] premium: instances {[(x['id'], x['state']) for x in lst]}", file=sys.stderr)
    time.sleep(1)

runs = []
for b in range(bursts):
    # The leading edge timed by burst_client (the first request on a thread of its own).
    clients = {}
    for name, nice in CLIENTS:
        settled()
        cbefore = len(admin(port, key, "scale")) if platform else 0
        ct0 = time.time()
        cb = client_burst(nice)
        if platform:
            time.sleep(1.5)
        cscale = admin(port, key, "scale")[cbefore:] if platform else []
        clients[name] = {"data": cb, "t0": ct0, "scale": cscale}
    # The same leading edge timed by curl --parallel, from the same state (the earlier measure).
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
    runs.append({"baseline": base, "burst": burst, "t0": t0, "scale": scale, "clients": clients})
    firsts = ", ".join(f"{c['data']['burst'][0]['seconds'] * 1000:.3f} ms ({n})" for n, c in clients.items())
    print(f"[coldstart] {mode}: burst {b + 1}/{bursts}: first {firsts}, "
          f"{burst[0]['after_connect'] * 1000:.2f} ms (curl)", file=sys.stderr)

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

def client_metrics(d, name):
    """burst_client's figures: per burst, the first request over the warm p50, and the first answer
    from an instance other than the warm one (a promoted pre-warmed instance) over the same."""
    added, warm, fresh, wave, other, other_n, ok, n = [], [], [], [], [], [], 0, 0
    for r in d["runs"]:
        c = r["clients"][name]["data"]
        w50 = pct(c["warm"], 50)
        warm.append(w50)
        fresh.append(pct(c["fresh"], 50))
        added.append(c["burst"][0]["seconds"] - w50)
        good = [x for x in c["burst"] if x["status"] == 200]
        ok += len(good)
        n += len(c["burst"])
        wave.append(pct([x["seconds"] for x in good], 50))
        others = [x for x in good if x["worker"] and x["worker"] != c["warm_worker"]]
        other_n.append(len(others))
        if others:
            first_other = min(others, key=lambda x: x["sent"] + x["seconds"])
            other.append(first_other["seconds"] - w50)
    return {"added": added, "warm50": pct(warm, 50), "fresh50": pct(fresh, 50), "wave50": pct(wave, 50),
            "other": other, "other_n": other_n, "ok": ok, "n": n}

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
        "ok": ok, "n": n, "client": client_metrics(d, "client"),
        "client_nice": client_metrics(d, "client_nice"),
    }

def ms_spread(values):
    """median (min / max) of values in seconds, as signed ms."""
    if not values:
        return "—"
    return f"{pct(values, 50) * 1000:+.3f} ({min(values) * 1000:+.2f} / {max(values) * 1000:+.2f})"

m = {k: metrics(v) for k, v in data.items()}
cols = [k for k in ("platform", "plain") if k in m]
title = {"platform": "premium platform (front door → instance)", "plain": "plain `squall start` (reference)"}
print(f"### Premium EP1 with --always-ready 1 (1 ready + 1 pre-warmed): {bursts} bursts of {conns} connections\n")
print(f"App: a copy of examples/bench-handler/app with host.json extensions.http.maxConcurrentRequests {mcr}, "
      f"so that {conns} in flight want {-(-conns // mcr)} instances and the pre-warmed one is promoted "
      f"(with the default of 100 per instance, {conns} clients never leave the first instance); its worker "
      f"runs with BENCH_HANDLER_TAG=1, so every answer names the worker (instance) that gave it. "
      f"{bursts} times, each from 1 ready + 1 pre-warmed instance (`--scale-in-delay 500ms` brings the app back "
      f"between bursts): `bench/burst_client` (a warm baseline of 99 sequential requests on one keep-alive "
      f"connection, 10 single requests on new connections, then the burst: request 0 on a new connection, "
      f"and as soon as it is written {conns - 1} more clients at once from another thread; each timed from its "
      f"write to its answer's last byte), once as it is and once with the {conns - 1} other clients at nice 19 "
      f"(a load generator on the same two cores otherwise takes CPU from the servers that a client on another "
      f"machine would not); then, from the same state again, the earlier measure: a warm "
      f"baseline with curl, then one request on each of {conns} new connections with `curl --parallel "
      f"--parallel-immediate` (curl's per-transfer times after each connect; curl runs all transfers on one "
      f"thread, so the first one's time also counts curl's work for the others). Medians over the {bursts} "
      f"bursts. Then `wrk -t2 -c{conns} -d{secs}s --latency` once. The same against `squall start` of the "
      f"same app without --plan, to separate the platform from what {conns} simultaneous requests cost "
      f"on this machine.\n")
print("| ms | " + " | ".join(title[c] for c in cols) + " |")
print("|---|" + "---:|" * len(cols))
rows = [("burst_client: warm p50 / one request on a new connection p50",
         lambda x: f"{fmt_ms(x['client']['warm50'], 3)} / {fmt_ms(x['client']['fresh50'], 3)}")]
for name, label in (("client", "burst_client"), ("client_nice", "burst_client, its other clients at nice 19")):
    bold = name == "client_nice"
    rows += [
        (f"{'**' if bold else ''}{label}: first request added over warm p50: median{'**' if bold else ''} (min / max)",
         lambda x, name=name: ms_spread(x[name]["added"])),
        (f"{label}: bursts whose first request added ≤ 1 ms",
         lambda x, name=name: f"{sum(1 for a in x[name]['added'] if a <= 0.001)} of {len(x[name]['added'])}"),
        (f"{label}: first answer from the promoted pre-warmed instance, added over warm p50 (median, min / max)",
         lambda x, name=name: ms_spread(x[name]["other"]) if x[name]["other"] else "—"),
        (f"{label}: answers from instances other than the warm one (median of {bursts})",
         lambda x, name=name: f"{pct(x[name]['other_n'], 50):.0f} of {conns}"),
        (f"{label}: the {conns} leading requests' p50 (median); with 200",
         lambda x, name=name: f"{fmt_ms(x[name]['wave50'], 3)}; {x[name]['ok']}/{x[name]['n']}"),
    ]
rows += [
    ("curl: warm baseline p50 (median over bursts)", lambda x: fmt_ms(x["base50"], 3)),
    ("curl: first request of a burst, after its connect (median)", lambda x: fmt_ms(x["first50"], 3)),
    ("curl: first request added over warm p50: median (min / max)",
     lambda x: f"{x['added50'] * 1000:+.3f} ({x['added_min'] * 1000:+.2f} / {x['added_max'] * 1000:+.2f})"),
    (f"curl: the {conns} leading requests: p50 / max (medians over bursts)", lambda x: f"{fmt_ms(x['wave50'], 3)} / {fmt_ms(x['wavemax'], 3)}"),
    (f"wrk {secs} s afterwards: p50 / p99 / max", lambda x: f"{fmt_ms(x['p50'], 3)} / {fmt_ms(x['p99'], 3)} / {fmt_ms(x['max'], 3)}"),
    ("wrk req/s, non-2xx; leading requests with 200", lambda x: f"{x['rps']}, {x['errors']}; {x['ok']}/{x['n']}"),
]
for name, f in rows:
    print(f"| {name} | " + " | ".join(f(m[c]) for c in cols) + " |")
print()
if "platform" in m and "plain" in m:
    for name, label in (("client", "burst_client"), ("client_nice", "burst_client, nice 19")):
        cp, cq = m["platform"][name], m["plain"][name]
        print(f"- {label}: first request added, platform minus plain host (medians): "
              f"{(pct(cp['added'], 50) - pct(cq['added'], 50)) * 1000:+.3f} ms; leading requests' p50, "
              f"platform minus plain: {(cp['wave50'] - cq['wave50']) * 1000:+.3f} ms")
    print(f"- curl: first request added, platform minus plain host (medians): "
          f"{(m['platform']['added50'] - m['plain']['added50']) * 1000:+.3f} ms; leading requests' p50, "
          f"platform minus plain: {(m['platform']['wave50'] - m['plain']['wave50']) * 1000:+.3f} ms")
if "platform" in data:
    promos = []
    for r in data["platform"]["runs"]:
        for scale, t0 in [(c["scale"], c["t0"]) for c in r["clients"].values()] + [(r["scale"], r["t0"])]:
            p = [ts(x["time"]) - t0 for x in scale if "promoted" in x["reason"]]
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
  export BENCH_HANDLER_TAG=1  # bench-handler names its pid in each answer (X-Bench-Worker)
  copy_bench_app "$TMP/premium-app" "$PREMIUM_MCR"
  mkey=$(master_key "$TMP/premium-app")
  # Reference: the same app and burst through a plain host (no platform).
  port=$(free_port)
  log "premium reference: squall start <copy of bench app, maxConcurrentRequests $PREMIUM_MCR> --port $port"
  start plain "$SQUALL" start "$TMP/premium-app" --port "$port" --log-format json
  pid=$STARTED_PID
  wait_http "http://127.0.0.1:$port/api/bench" "$pid" plain
  run_bg "$PY" "$TMP/burst.py" plain "$port" "$mkey" "$BURST_CONNECTIONS" "$BURST_SECONDS" "$BURSTS" "$TMP" "$BURST_CLIENT" \
    || { tail -n 30 "$TMP/plain.err" >&2; die "premium reference: measurement failed"; }
  stop_started "$pid"

  port=$(free_port)
  log "premium: squall start <same copy> ${PREMIUM_FLAGS[*]} --port $port"
  start premium "$SQUALL" start "$TMP/premium-app" "${PREMIUM_FLAGS[@]}" --port "$port" --log-format json
  pid=$STARTED_PID
  wait_http "http://127.0.0.1:$port/admin/host/ping" "$pid" premium
  run_bg "$PY" "$TMP/burst.py" platform "$port" "$mkey" "$BURST_CONNECTIONS" "$BURST_SECONDS" "$BURSTS" "$TMP" "$BURST_CLIENT" \
    || { tail -n 30 "$TMP/premium.err" >&2; die "premium: measurement failed"; }
  stop_started "$pid"
  run_bg "$PY" "$TMP/burst_report.py" "$TMP" "$BURST_CONNECTIONS" "$PREMIUM_MCR" "$BURST_SECONDS" "$BURSTS"
fi
busy_report
echo "Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
