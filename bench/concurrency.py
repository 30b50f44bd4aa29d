"""The measuring side of bench/concurrency.sh and bench/concurrency_http.sh (issue 6). Run by
those scripts, with benchlib (bench/lib.sh's bench_py) importable; it starts no server itself.

Queues (bench/concurrency.sh):
  concurrency.py variant --out FILE --workload io|cpu --variant NAME --phases saturation,latency
                 --app DIR --port P --key=KEY --log WORKER_LOG --squall BIN --fill BIN
                 [--seconds S] [--settle S] [--rate R] [--latency-seconds S] [--warmup S]
                 [--grace S]
      One host, already running (started by the script): the phases asked for, in order;
      results as JSON in FILE.
  concurrency.py rate --dir DIR --workload W --run N --fraction F
      The latency phase's offered rate: F x the best static throughput of run N in DIR.
  concurrency.py report --dir DIR
      The markdown report of every result in DIR (the phases of one variant merged).
HTTP (bench/concurrency_http.sh):
  concurrency.py sample --out FILE --function F --port P --key=KEY
      One JSON line per second of /admin/host/concurrency, until SIGTERM.
  concurrency.py wait-idle --function F --port P --key=KEY
      Until the host runs and holds no request.
  concurrency.py http-variant ... / http-report --dir DIR
      One variant's figures from wrk's summary, the worker's log and the samples; the report.

Saturation: the queue is kept backlogged (queue_fill puts a chunk whenever fewer than ~4 s
worth wait) for S seconds from the first invocation; completions per second are counted from
the worker's log (the time each invocation ended); GET /admin/host/concurrency is sampled
every second (level, in flight, health, throttles).
  - throughput: static variants, completions/s from `settle` seconds to the end; dynamic, over
    the last `settle` seconds (its settled throughput), and over the whole run.
  - time to 90 %: the end of the first 3-second window whose mean rate reached 90 % of that
    throughput, from the first invocation.
  - invocation duration: end - start in the worker, p50/p95, of the invocations that ended in
    the measured window (what concurrency does to each invocation: the GIL, the CPU).
Latency: (after a saturation phase: the queue cleared, the host left to finish what runs)
queue_fill --paced puts one message every uniformly random A..B ms (open loop: it does not wait
for acknowledgements), mean 1000/R ms: `warmup` seconds (discarded), then `latency-seconds`;
latency = the end of the invocation in the worker - the send time in the message (both
CLOCK_REALTIME, same machine). A message not done `grace` seconds after the last put counts as
infinitely late.
"""
import argparse
import glob
import json
import math
import os
import signal
import subprocess
import sys
import time

from benchlib import pct, request

CHILD = None  # the running subprocess, stopped on SIGTERM


def on_term(signum, frame):
    if CHILD is not None and CHILD.poll() is None:
        CHILD.kill()
    sys.exit(143)


def run(cmd, timeout=120):
    """Runs cmd (list); returns its stdout; raises on failure."""
    global CHILD
    CHILD = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        out, err = CHILD.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        CHILD.kill()
        raise RuntimeError(f"{cmd[0]} took more than {timeout} s")
    finally:
        rc, CHILD = CHILD.returncode, None
    if rc != 0:
        raise RuntimeError(f"{' '.join(cmd)}: exit {rc}: {err.strip()[-400:]}")
    return out


class WorkerLog:
    """Reads the worker's log as it grows: (seq, send, start, end, in_flight) per invocation."""

    def __init__(self, path):
        self.path, self.pos, self.rows = path, 0, []

    def read(self):
        if not os.path.exists(self.path):
            return []
        with open(self.path) as f:
            f.seek(self.pos)
            chunk = f.read()
        end = chunk.rfind("\n") + 1
        self.pos += end
        new = []
        for line in chunk[:end].splitlines():
            p = line.split()
            if len(p) == 6:
                new.append((int(p[1]), int(p[2]), int(p[3]), int(p[4]), int(p[5])))
        self.rows.extend(new)
        return new


def admin(a):
    status, body, _, _ = request(a.port, "/admin/host/concurrency", {"x-functions-key": a.key}, 5)
    if status != 200:
        raise RuntimeError(f"/admin/host/concurrency: HTTP {status}: {body[:200]!r}")
    return json.loads(body)


def sample(a, t0, samples):
    c = admin(a)
    f = c["functions"][a.workload]
    samples.append({"t": round(time.time() - t0, 2), "level": f.get("level"),
                    "inFlight": f.get("inFlight"), "health": c.get("health"),
                    "throttles": c.get("throttles"), "detail": c.get("healthDetail")})
    return f


def queue(a):
    return f"{a.workload}-items"


def saturation(a, log):
    """Phase 1: backlogged for a.seconds from the first invocation."""
    put, seq, samples = 0, 0, []
    chunk = 500
    t_first = None          # wall ns of the first invocation's start
    wall0 = time.time()
    next_sample = wall0
    deadline = None
    while True:
        now = time.time()
        log.read()
        done = len(log.rows)
        if t_first is None and log.rows:
            t_first = min(r[2] for r in log.rows)
            deadline = t_first / 1e9 + a.seconds
        if deadline is not None and now >= deadline:
            break
        if deadline is None and now - wall0 > 30:
            raise RuntimeError("no invocation within 30 s of the first put")
        # Keep at least 4 s of the recent rate waiting (and 500).
        recent = [r for r in log.rows[-5000:] if r[3] >= (now - 2) * 1e9]
        want = max(500, 4 * len(recent) // 2)
        if put - done < want:
            n = max(chunk, want)
            run([a.fill, "--app", a.app, "--queue", queue(a), "--count", str(n), "--inflight", "64",
                 "--first-seq", str(seq)])
            put += n
            seq += n
        if now >= next_sample:
            sample(a, wall0, samples)
            next_sample += 1
        time.sleep(0.1)
    end_wall = deadline
    log.read()
    rows = [r for r in log.rows if r[3] <= end_wall * 1e9]
    start = t_first / 1e9
    bins = [0] * int(math.ceil(a.seconds))
    for r in rows:
        i = int((r[3] / 1e9 - start))
        if 0 <= i < len(bins):
            bins[i] += 1
    if a.variant == "dynamic":
        lo = a.seconds - a.settle
    else:
        lo = a.settle
    window = [r for r in rows if r[3] / 1e9 - start >= lo]
    thr = len(window) / (a.seconds - lo)
    thr_whole = len(rows) / a.seconds
    ramp = None
    for i in range(2, len(bins)):
        if sum(bins[i - 2:i + 1]) / 3 >= 0.9 * thr:
            ramp = i + 1
            break
    durs = [(r[3] - r[2]) / 1e6 for r in window]
    inflight = [r[4] for r in window]
    # Samples are relative to wall0; make them relative to the first invocation.
    shift = start - wall0
    for s in samples:
        s["t"] = round(s["t"] - shift, 2)
    return {"throughput": thr, "throughput_whole": thr_whole, "window": [lo, a.seconds],
            "ramp90": ramp, "bins": bins, "put": put, "done_in_window": len(window),
            "dur_p50": pct(durs, 50) if durs else None, "dur_p95": pct(durs, 95) if durs else None,
            "worker_in_flight_p50": pct(inflight, 50) if inflight else None,
            "worker_in_flight_max": max(inflight) if inflight else None,
            "samples": samples, "seq_end": seq, "t_first": start}


def settle_host(a, samples, t_base):
    """Clears the queue and waits until nothing runs."""
    run([a.squall, "queue", "clear", queue(a), "--app", a.app])
    deadline = time.time() + 60
    while time.time() < deadline:
        f = sample(a, t_base, samples)
        if f.get("inFlight") == 0:
            return
        time.sleep(0.2)
    raise RuntimeError("invocations still running 60 s after the queue was cleared")


def paced_args(rate):
    """queue_fill --min-ms/--max-ms with a mean of 1000/rate ms (to 0.5 ms)."""
    mean2 = max(1, round(2000 / rate))  # min + max
    lo = mean2 // 4
    return lo, mean2 - lo


def latency(a, log, t_base, samples):
    lo, hi = paced_args(a.rate)
    sent_file = a.out + ".sent"
    base = 2_000_000_000
    log.read()
    mark = len(log.rows)
    stop = {"v": False}

    def paced(seconds, first, sent=None):
        global CHILD
        cmd = [a.fill, "--app", a.app, "--queue", queue(a), "--paced", "--seconds", str(seconds),
               "--min-ms", str(lo), "--max-ms", str(hi), "--first-seq", str(first)]
        if sent:
            cmd += ["--sent", sent]
        CHILD = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        # Sample the host's levels meanwhile.
        while CHILD.poll() is None:
            sample(a, t_base, samples)
            time.sleep(1)
        out, err = CHILD.communicate()
        rc, CHILD = CHILD.returncode, None
        if rc != 0:
            raise RuntimeError(f"queue_fill --paced: exit {rc}: {err.strip()[-400:]}")
        return json.loads(out.strip().splitlines()[-1])

    paced(a.warmup, 1_000_000_000)
    res = paced(a.latency_seconds, base, sent_file)
    sent = {}
    with open(sent_file) as f:
        for line in f:
            s, send, _ack = (int(x) for x in line.split())
            sent[s] = send
    last_send = max(sent.values()) / 1e9
    deadline = last_send + a.grace
    while time.time() < deadline:
        log.read()
        got = {r[0] for r in log.rows[mark:] if r[0] >= base}
        if len(got) >= len(sent):
            break
        sample(a, t_base, samples)
        time.sleep(0.5)
    log.read()
    done = {}
    for r in log.rows[mark:]:
        if r[0] in sent and r[3] / 1e9 <= deadline:
            done.setdefault(r[0], r)
    lat = []
    for s, send in sent.items():
        r = done.get(s)
        lat.append((r[3] - send) / 1e6 if r else math.inf)
    first_send = min(sent.values()) / 1e9
    ends = [r[3] / 1e9 for r in done.values() if r[3] / 1e9 <= last_send]
    return {"offered": len(sent) / (last_send - first_send) if last_send > first_send else None,
            "sent": len(sent), "not_done": len(sent) - len(done),
            "served_rate": len(ends) / (last_send - first_send) if last_send > first_send else None,
            "lat_p50": pct(lat, 50), "lat_p95": pct(lat, 95), "lat_p99": pct(lat, 99),
            "min_ms": lo, "max_ms": hi, "grace": a.grace, "fill": res}


def cmd_variant(a):
    log = WorkerLog(a.log)
    phases = a.phases.split(",")
    result = {"workload": a.workload, "variant": a.variant, "run": a.run}
    t_base = time.time()
    msg = f"{a.workload}/{a.variant}:"
    if "saturation" in phases:
        s = result["saturation"] = saturation(a, log)
        t_base = s["t_first"]
        msg += (f" {s['throughput']:.1f} msg/s (whole run {s['throughput_whole']:.1f}), 90 % after"
                f" {s['ramp90']} s, invocation p95 {s['dur_p95']:.1f} ms;")
        levels = [x["level"] for x in s["samples"] if x["level"] is not None]
        if levels:
            msg += f" levels every 10 s {levels[::10]};"
    if "latency" in phases:
        if a.rate <= 0:
            raise RuntimeError("the latency phase needs --rate > 0")
        samples = []
        if "saturation" in phases:
            settle_host(a, [], t_base)
        L = result["latency"] = latency(a, log, t_base, samples)
        L["samples"] = samples
        msg += (f" e2e at {L['offered']:.1f}/s offered: p50 {L['lat_p50']:.1f} p95"
                f" {L['lat_p95']:.1f} ms, {L['not_done']} not done;")
        levels = [x["level"] for x in samples if x["level"] is not None]
        if levels:
            msg += f" levels {min(levels)}..{max(levels)}, last {levels[-1]}"
    json.dump(result, open(a.out, "w"))
    print(msg, file=sys.stderr)


def load(d):
    """Every result in d, the phases of one (run, workload, variant) merged."""
    merged = {}
    for p in sorted(glob.glob(os.path.join(d, "*.json"))):
        try:
            r = json.load(open(p))
        except ValueError:
            continue
        merged.setdefault((r["run"], r["workload"], r["variant"]), {}).update(r)
    return [r for r in merged.values() if "saturation" in r]


def cmd_rate(a):
    best = [r["saturation"]["throughput"] for r in load(a.dir)
            if r["workload"] == a.workload and r["variant"] != "dynamic" and r["run"] == a.run]
    print(f"{a.fraction * max(best):.1f}" if best else "0")


def fmt(v, digits=1):
    if v is None:
        return "n/a"
    if isinstance(v, float) and math.isinf(v):
        return "∞"
    return f"{v:.{digits}f}"


def lat_text(v, grace):
    if v is not None and math.isinf(v):
        return f"> {grace:.0f} s"
    return fmt(v)


def cmd_report(a):
    results = load(a.dir)
    order = {"static-1": 0, "static-16": 1, "static-16-refill": 2, "dynamic": 3}
    runs = sorted({r["run"] for r in results})
    for w, title in (("io", "I/O-bound (`io`: sleeps 50 ms)"), ("cpu", "CPU-bound (`cpu`: 20 ms of CPU, one GIL)")):
        rs = [r for r in results if r["workload"] == w]
        if not rs:
            continue
        print(f"### {title}")
        print()
        print("| run | variant | **throughput** msg/s | whole run msg/s | 90 % after (s) | "
              "invocation p50 / p95 (ms) | offered msg/s | **e2e p95** (ms) | e2e p50 / p99 (ms) | not done | level: max / end of saturation / max under the latency load | throttled samples: saturation / latency |")
        print("|---|---|---:|---:|---:|---|---:|---:|---|---:|---|---:|")
        for run_no in runs:
            for r in sorted((r for r in rs if r["run"] == run_no), key=lambda r: order.get(r["variant"], 9)):
                s, L = r["saturation"], r.get("latency") or {}
                levels = [x["level"] for x in s["samples"] if x["level"] is not None]
                throttled = sum(1 for x in s["samples"] if x["health"] == "throttled")
                lv = f"{max(levels)} / {levels[-1]}" if levels else "-"
                llevels = [x["level"] for x in (L.get("samples") or []) if x["level"] is not None]
                if llevels:
                    lv += f" / {max(llevels)}"
                lthrottled = sum(1 for x in (L.get("samples") or []) if x["health"] == "throttled")
                lsamples = len(L.get("samples") or [])
                g = L.get("grace", 0)
                print(f"| {run_no} | {r['variant']} | **{fmt(s['throughput'])}** | {fmt(s['throughput_whole'])} | "
                      f"{s['ramp90'] if s['ramp90'] is not None else 'never'} | {fmt(s['dur_p50'])} / {fmt(s['dur_p95'])} | "
                      f"{fmt(L.get('offered'))} | **{lat_text(L.get('lat_p95'), g)}** | "
                      f"{lat_text(L.get('lat_p50'), g)} / {lat_text(L.get('lat_p99'), g)} | {L.get('not_done', '-')} | "
                      f"{lv} | {throttled} of {len(s['samples'])} / {lthrottled} of {lsamples} |")
        print()
        print("Dynamic against the best static setting of the same run (target: throughput ≥ 0.90, "
              "p95 ≤ 1.10):")
        print()
        print("| run | best static throughput | **dynamic / best static throughput** | best static e2e p95 | **dynamic / best static e2e p95** | dynamic: 90 % of its throughput after |")
        print("|---|---|---:|---|---:|---:|")
        for run_no in runs:
            by = {r["variant"]: r for r in rs if r["run"] == run_no}
            d = by.get("dynamic")
            statics = [by[v] for v in ("static-1", "static-16", "static-16-refill") if v in by]
            if not d or not statics:
                continue
            bt = max(statics, key=lambda r: r["saturation"]["throughput"])
            ratio_t = d["saturation"]["throughput"] / bt["saturation"]["throughput"]
            line = (f"| {run_no} | {bt['variant']} {fmt(bt['saturation']['throughput'])} | "
                    f"**{ratio_t:.2f}** |")
            withlat = [r for r in statics if r.get("latency")]
            if withlat and d.get("latency"):
                bl = min(withlat, key=lambda r: r["latency"]["lat_p95"])
                dl, sl = d["latency"]["lat_p95"], bl["latency"]["lat_p95"]
                ratio_l = dl / sl if sl and not math.isinf(dl) else math.inf
                line += f" {bl['variant']} {fmt(sl)} ms | **{fmt(ratio_l, 2)}** |"
            else:
                line += " n/a | n/a |"
            line += f" {d['saturation']['ramp90']} s |"
            print(line)
        print()
        for run_no in runs:
            d = next((r for r in rs if r["run"] == run_no and r["variant"] == "dynamic"), None)
            if d is None:
                continue
            s = d["saturation"]["samples"]
            pts = []
            for t in (5, 10, 20, 30, 45, 60, 90, 120, 150, 180, 240, 300):
                x = [v for v in s if v["t"] <= t and v["level"] is not None]
                if x and t <= d["saturation"]["window"][1]:
                    pts.append(f"{t} s: {x[-1]['level']}")
            bins = d["saturation"]["bins"]
            rates = []
            for t in (5, 10, 20, 30, 45, 60, 90, 120, 150, 180, 240, 300):
                if t <= len(bins):
                    rates.append(f"{t} s: {sum(bins[max(0, t - 3):t]) / min(3, t):.0f}")
            print(f"Run {run_no}, dynamic: level {', '.join(pts)}; completions/s (3 s mean) {', '.join(rates)}.")
            print()


# --- HTTP (bench/concurrency_http.sh) ---------------------------------------------------------

def cmd_sample(a):
    """Appends one JSON line per second of /admin/host/concurrency to a.out until SIGTERM."""
    a.workload = a.function
    with open(a.out, "a") as f:
        while True:
            samples = []
            try:
                sample(a, 0, samples)  # "t": seconds since the epoch
            except (OSError, RuntimeError, ValueError, KeyError) as e:
                samples = [{"t": time.time(), "error": str(e)}]
            f.write(json.dumps(samples[0]) + "\n")
            f.flush()
            time.sleep(1)


def cmd_wait_idle(a):
    """Until the host runs and holds no request of the function (a wrk run that ended leaves
    its queued requests behind: the host still runs them)."""
    deadline = time.time() + a.timeout
    while time.time() < deadline:
        c = admin(a)
        f = c["functions"][a.function]
        h = c.get("http") or {}
        if not f.get("inFlight") and not f.get("waiting") and not h.get("running") and not h.get("waiting"):
            return
        time.sleep(0.1)
    raise RuntimeError(f"requests still running {a.timeout} s after the load ended")


def wrk_result(path):
    """KEY VALUE lines printed by the wrk script's done()."""
    out = {}
    with open(path) as f:
        for line in f:
            p = line.split()
            if len(p) == 2 and p[0].isupper():
                out[p[0]] = float(p[1])
    if "REQUESTS" not in out:
        raise RuntimeError(f"{path}: no wrk summary")
    return out


def cmd_http_variant(a):
    """One HTTP variant's figures: the measured wrk run, the ramp (dynamic), the levels."""
    m = wrk_result(a.measure)
    res = {"workload": a.workload, "variant": a.variant, "run": a.run,
           "rps": m["REQUESTS"] / (m["DURATION_US"] / 1e6),
           "p50": m["P50_US"] / 1e3, "p95": m["P95_US"] / 1e3, "p99": m["P99_US"] / 1e3,
           "errors": m["ERRORS"], "non2xx": m["NON2XX"]}
    samples = []
    if a.samples and os.path.exists(a.samples):
        with open(a.samples) as f:
            samples = [json.loads(line) for line in f if line.strip()]
    levels = [x.get("level") for x in samples if x.get("level") is not None]
    res["level_max"] = max(levels) if levels else None
    res["level_end"] = levels[-1] if levels else None
    res["throttled"] = sum(1 for x in samples if x.get("health") == "throttled")
    res["samples"] = len(samples)
    if a.ramp_start:
        log = WorkerLog(a.log)
        log.read()
        t0 = a.ramp_start
        n = int(a.ramp_seconds)
        bins = [0] * n
        for r in log.rows:
            i = int(r[3] / 1e9 - t0)
            if 0 <= i < n:
                bins[i] += 1
        res["bins"] = bins
        res["ramp90"] = None
        for i in range(2, n):
            if sum(bins[i - 2:i + 1]) / 3 >= 0.9 * res["rps"]:
                res["ramp90"] = i + 1
                break
        res["level_path"] = [(round(x["t"] - t0, 2), x["level"]) for x in samples
                             if x.get("level") is not None]
    json.dump(res, open(a.out, "w"))
    print(f"{a.workload}/{a.variant}: {res['rps']:.1f} req/s, p50 {res['p50']:.1f} p95 "
          f"{res['p95']:.1f} ms, errors {res['errors']:.0f}, non-2xx {res['non2xx']:.0f}"
          + (f", level {res['level_end']}" if levels else ""), file=sys.stderr)


def cmd_http_report(a):
    rs = []
    for p in sorted(glob.glob(os.path.join(a.dir, "*.json"))):
        rs.append(json.load(open(p)))
    order = {"static-1": 0, "static-16": 1, "dynamic": 2}
    runs = sorted({r["run"] for r in rs})
    for w, title in (("io", "I/O-bound (`hio`: sleeps 50 ms)"), ("cpu", "CPU-bound (`hcpu`: 20 ms of CPU, one GIL)")):
        ws = [r for r in rs if r["workload"] == w]
        if not ws:
            continue
        print(f"### HTTP, {title}")
        print()
        print("| run | variant | **req/s** | p50 / **p95** / p99 (ms) | errors / non-2xx | level: max / end | throttled samples | dynamic: 90 % after (s) |")
        print("|---|---|---:|---|---|---|---:|---:|")
        for run_no in runs:
            for r in sorted((r for r in ws if r["run"] == run_no), key=lambda r: order.get(r["variant"], 9)):
                lv = f"{r['level_max']} / {r['level_end']}" if r.get("level_max") is not None else "-"
                print(f"| {run_no} | {r['variant']} | **{r['rps']:.1f}** | {r['p50']:.1f} / **{r['p95']:.1f}** / {r['p99']:.1f} | "
                      f"{r['errors']:.0f} / {r['non2xx']:.0f} | {lv} | {r['throttled']} of {r['samples']} | "
                      f"{r.get('ramp90') if 'bins' in r else '-'} |")
        print()
        print("| run | best static req/s | **dynamic / best static req/s** | best static p95 | **dynamic / best static p95** |")
        print("|---|---|---:|---|---:|")
        for run_no in runs:
            by = {r["variant"]: r for r in ws if r["run"] == run_no}
            d = by.get("dynamic")
            st = [by[v] for v in ("static-1", "static-16") if v in by]
            if not d or not st:
                continue
            bt = max(st, key=lambda r: r["rps"])
            bl = min(st, key=lambda r: r["p95"])
            print(f"| {run_no} | {bt['variant']} {bt['rps']:.1f} | **{d['rps'] / bt['rps']:.2f}** | "
                  f"{bl['variant']} {bl['p95']:.1f} ms | **{d['p95'] / bl['p95']:.2f}** |")
        print()
        for run_no in runs:
            d = next((r for r in ws if r["run"] == run_no and r["variant"] == "dynamic" and "bins" in r), None)
            if d is None:
                continue
            pts = []
            for t in (5, 10, 20, 30, 45, 60, 90, 120, 150, 180):
                x = [lv for tt, lv in d["level_path"] if tt <= t]
                if x and t <= len(d["bins"]):
                    pts.append(f"{t} s: {x[-1]}")
            rates = [f"{t} s: {sum(d['bins'][t - 3:t]) / 3:.0f}" for t in (5, 10, 20, 30, 45, 60, 90, 120, 150, 180)
                     if t <= len(d["bins"])]
            print(f"Run {run_no}, dynamic, under load from its start: level {', '.join(pts)}; completions/s (3 s mean) {', '.join(rates)}.")
            print()


def main():
    signal.signal(signal.SIGTERM, on_term)
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    v = sub.add_parser("variant")
    for name in ("out", "workload", "variant", "app", "log", "squall", "fill", "key"):
        v.add_argument("--" + name, required=True)
    v.add_argument("--port", type=int, required=True)
    v.add_argument("--run", type=int, default=1)
    v.add_argument("--seconds", type=float, default=30)
    v.add_argument("--settle", type=float, default=5)
    v.add_argument("--rate", type=float, default=0)
    v.add_argument("--latency-seconds", type=float, default=20)
    v.add_argument("--warmup", type=float, default=3)
    v.add_argument("--grace", type=float, default=10)
    v.add_argument("--phases", default="saturation,latency")
    r = sub.add_parser("rate")
    r.add_argument("--dir", required=True)
    r.add_argument("--workload", required=True)
    r.add_argument("--run", type=int, default=1)
    r.add_argument("--fraction", type=float, required=True)
    rep = sub.add_parser("report")
    rep.add_argument("--dir", required=True)
    sm = sub.add_parser("sample")
    for name in ("out", "function", "key"):
        sm.add_argument("--" + name, required=True)
    sm.add_argument("--port", type=int, required=True)
    hv = sub.add_parser("http-variant")
    for name in ("out", "workload", "variant", "measure", "log"):
        hv.add_argument("--" + name, required=True)
    hv.add_argument("--run", type=int, default=1)
    hv.add_argument("--samples")
    hv.add_argument("--ramp-start", type=float, default=0)
    hv.add_argument("--ramp-seconds", type=float, default=0)
    wi = sub.add_parser("wait-idle")
    wi.add_argument("--function", required=True)
    wi.add_argument("--key", required=True)
    wi.add_argument("--port", type=int, required=True)
    wi.add_argument("--timeout", type=float, default=120)
    hr = sub.add_parser("http-report")
    hr.add_argument("--dir", required=True)
    a = p.parse_args()
    {"variant": cmd_variant, "rate": cmd_rate, "report": cmd_report, "sample": cmd_sample,
     "http-variant": cmd_http_variant, "http-report": cmd_http_report,
     "wait-idle": cmd_wait_idle}[a.cmd](a)


if __name__ == "__main__":
    main()
