# shellcheck shell=bash
# Shared helpers for the platform benchmarks (bench/coldstart.sh, bench/scale.sh).
# Sourced, not run. The sourcing script sets NAME (used in log lines and temp dir names) first.
#
# What it provides:
#   bench_init            temp dir $TMP, EXIT/INT/TERM traps that stop everything started, and a
#                         watchdog that ends the script after BENCH_TIMEOUT seconds (default 900)
#   start NAME CMD...     runs CMD in its own session (setsid), output in $TMP/NAME.out/.err;
#                         sets STARTED_PID; stopped on exit with its process group and every
#                         descendant seen by track_tree
#   stop_started PID      stops it now
#   free_port             a free loopback TCP port
#   wait_http URL PID NAME [SECONDS [CURL ARGS...]]   polls until URL answers 200
#   build_targets BUILD BENCH TARGET...   configures and builds BUILD_DIR; sets BIN
#   build_squall BUILD                    squall and bench-handler; sets SQUALL, HANDLER
#   master_key APP        the app's master key (squall keys list APP --json)
#   $PY                   python3 with the helpers of bench_py (below) importable as `benchlib`
#   run_bg CMD...         CMD in the background, waited for (signals are handled at once)
# Progress goes to stderr; results (markdown) to stdout.

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1
ROOT=$PWD
BUILD_DIR=${BENCH_BUILD_DIR:-build-release}
BENCH_TIMEOUT=${BENCH_TIMEOUT:-900}

log() { printf '[%s] %s\n' "${NAME:-bench}" "$*" >&2; }
die() { printf '[%s] error: %s\n' "${NAME:-bench}" "$*" >&2; exit 1; }

PIDS=()       # process-group leaders we started (setsid)
TREE_PIDS=()  # their descendants, as seen by track_tree (instances, workers)
WATCHDOG=""

# Every descendant of PID (children first seen through /proc/*/stat's ppid).
descendants() {
  local queue=("$1") p c out=()
  while ((${#queue[@]})); do
    p=${queue[0]}; queue=("${queue[@]:1}")
    for c in $(ps -o pid= --ppid "$p" 2>/dev/null); do out+=("$c"); queue+=("$c"); done
  done
  echo "${out[@]}"
}

# Remember the current descendants of PID (so that they can be killed even if PID dies first).
track_tree() {
  local p
  for p in $(descendants "$1"); do
    [[ " ${TREE_PIDS[*]} " == *" $p:"* ]] || TREE_PIDS+=("$p:$(cut -d' ' -f22 "/proc/$p/stat" 2>/dev/null || true)")
  done
}

# alive PID: the process exists and is not a zombie.
alive() { [[ -e /proc/$1 && $(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null) != Z ]]; }

# Stop one process we started: SIGTERM, up to 8 s to exit (the platform stops its instances,
# which stop their workers), then SIGTERM and SIGKILL to its process group. No `wait` here: a
# `wait` inside a trap that interrupted another `wait` can block on unrelated children.
stop_pid() {
  local pid=$1 i
  if alive "$pid"; then
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 80; i++)); do
      alive "$pid" || break
      sleep 0.1
    done
  fi
  kill -TERM -- "-$pid" 2>/dev/null || true
  sleep 0.1
  kill -KILL -- "-$pid" 2>/dev/null || true
  kill -KILL "$pid" 2>/dev/null || true
}

forget() {
  local i
  for i in "${!PIDS[@]}"; do
    if [[ ${PIDS[$i]} == "$1" ]]; then unset 'PIDS[i]'; fi
  done
}

stop_started() { track_tree "$1"; stop_pid "$1"; forget "$1"; }

cleanup() {
  set +e  # stop everything, whatever fails on the way
  local pid entry start
  [[ -n $WATCHDOG ]] && kill "$WATCHDOG" 2>/dev/null
  local i order=("${PIDS[@]}")
  for pid in "${order[@]}"; do track_tree "$pid"; done
  for ((i = ${#order[@]} - 1; i >= 0; i--)); do stop_pid "${order[i]}"; done  # newest first
  # Descendants that outlived their parent (they should not: instances and workers die with
  # it); killed only if the pid still names the same process (same start time).
  for entry in "${TREE_PIDS[@]}"; do
    pid=${entry%%:*}; start=${entry#*:}
    if [[ -n $start && $(cut -d' ' -f22 "/proc/$pid/stat" 2>/dev/null) == "$start" ]]; then
      log "process $pid ($(cat "/proc/$pid/comm" 2>/dev/null)) outlived its parent: killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  if [[ ${BENCH_KEEP:-0} == 1 ]]; then
    log "kept $TMP"
  else
    rm -rf "$TMP"
  fi
}

bench_init() {
  TMP=$(mktemp -d -t "squall-$NAME.XXXXXX")
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  # Bounded in time: the whole script, whatever hangs.
  # Its sleep holds no descriptor of ours (a pipe reading our stdout must see EOF when we end),
  # and is killed with the watchdog.
  (
    trap 'kill "$sp" 2>/dev/null; exit 0' TERM
    sleep "$BENCH_TIMEOUT" >/dev/null 2>&1 &
    sp=$!
    if wait "$sp"; then
      printf '[%s] error: still running after %s s (BENCH_TIMEOUT): stopping\n' "${NAME:-bench}" \
        "$BENCH_TIMEOUT" >&2
      kill -TERM $$
    fi
  ) </dev/null >/dev/null &
  WATCHDOG=$!
  bench_py >"$TMP/benchlib.py"
  # $PY: python3 with benchlib importable; an executable (not a function), so that run_bg's pid
  # is python's own.
  PY=$TMP/py
  # shellcheck disable=SC2016  # expanded by sh when it runs
  printf '#!/bin/sh\nPYTHONPATH="%s${PYTHONPATH:+:$PYTHONPATH}" exec python3 "$@"\n' "$TMP" >"$PY"
  chmod +x "$PY"
}

# start NAME CMD...: runs CMD in its own session; stdout to $TMP/NAME.out, stderr to $TMP/NAME.err.
start() {
  local name=$1; shift
  setsid "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" </dev/null &
  STARTED_PID=$!
  PIDS+=("$STARTED_PID")
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_http URL PID NAME [SECONDS [CURL ARGS...]]: polls URL until it answers 200.
wait_http() {
  local url=$1 pid=$2 name=$3 secs=${4:-30} code i
  shift $(($# < 4 ? $# : 4))
  for ((i = 0; i < secs * 10; i++)); do
    alive "$pid" || { tail -n 20 "$TMP/$name.err" >&2; die "$name exited before it answered"; }
    code=$(curl -s -o /dev/null -m 2 -w '%{http_code}' "$@" "$url" || true)
    [[ $code == 200 ]] && return 0
    sleep 0.1
  done
  tail -n 20 "$TMP/$name.err" >&2
  die "$name: no 200 from $url after $secs s (last status $code)"
}

# build_targets BUILD(0|1) BENCH(0|1) TARGET...: with BUILD, configures $BUILD_DIR when it has
# no cache (Release, no tests or fuzz; with BENCH also -DSQUALL_BUILD_BENCH=ON, which is turned on
# in an existing cache too) and builds the TARGETs. Sets BIN, the build's bin folder, and checks
# each TARGET is there.
build_targets() {
  local build=$1 bench=$2 t
  shift 2
  if ((build)); then
    if [[ ! -f $BUILD_DIR/CMakeCache.txt ]]; then
      local gen=() flags=(-DCMAKE_BUILD_TYPE=Release -DSQUALL_BUILD_TESTS=OFF -DSQUALL_BUILD_FUZZ=OFF)
      local what=Release
      if command -v ninja >/dev/null; then gen=(-G Ninja); fi
      if ((bench)); then flags+=(-DSQUALL_BUILD_BENCH=ON); what+=", benchmarks on"; fi
      log "configuring $BUILD_DIR ($what)"
      cmake -S . -B "$BUILD_DIR" "${gen[@]}" "${flags[@]}" >&2
    elif ((bench)) && ! grep -q '^SQUALL_BUILD_BENCH:BOOL=ON' "$BUILD_DIR/CMakeCache.txt"; then
      log "turning on SQUALL_BUILD_BENCH in $BUILD_DIR"
      cmake -S . -B "$BUILD_DIR" -DSQUALL_BUILD_BENCH=ON >&2
    fi
    log "building $*"
    cmake --build "$BUILD_DIR" --target "$@" >&2 || die "build failed"
  fi
  case $BUILD_DIR in /*) BIN=$BUILD_DIR/bin ;; *) BIN=$ROOT/$BUILD_DIR/bin ;; esac
  for t in "$@"; do [[ -x $BIN/$t ]] || die "$BIN/$t not built"; done
}

# build_squall BUILD(0|1): squall and bench-handler; sets SQUALL and HANDLER.
build_squall() {
  build_targets "$1" 0 squall bench-handler
  SQUALL=$BIN/squall
  HANDLER=$BIN/bench-handler
  # The bench app names its worker "bench-handler", relative to the app folder.
  ln -sf "$HANDLER" examples/bench-handler/app/bench-handler
}

need_tools() {
  local t
  for t in "$@"; do
    if ! command -v "$t" >/dev/null; then
      if [[ $t == wrk ]]; then
        log "wrk missing: running SQUALL_BENCH_DEPS=1 scripts/install-deps.sh"
        SQUALL_BENCH_DEPS=1 bash scripts/install-deps.sh >&2
      fi
      command -v "$t" >/dev/null || die "$t not found"
    fi
  done
}

master_key() {
  "$SQUALL" keys list "$1" --json | python3 -c 'import json, sys; print(json.load(sys.stdin)["masterKey"])'
}

# copy_bench_app DIR MAX_CONCURRENT: a copy of examples/bench-handler/app in DIR whose host.json
# sets extensions.http.maxConcurrentRequests (the platform's HTTP target per instance).
copy_bench_app() {
  local dir=$1 mcr=$2
  mkdir -p "$dir"
  cp -r examples/bench-handler/app/bench "$dir/"
  ln -sf "$HANDLER" "$dir/bench-handler"
  python3 - "$ROOT/examples/bench-handler/app/host.json" "$dir/host.json" "$mcr" <<'EOF'
import json, sys
h = json.load(open(sys.argv[1]))
h.setdefault("extensions", {}).setdefault("http", {})["maxConcurrentRequests"] = int(sys.argv[3])
json.dump(h, open(sys.argv[2], "w"), indent=2)
EOF
}

# Others' work on this shared machine: every second, the compilers, linkers and test runners
# running (by name). busy_start begins sampling; busy_report prints one line for the report.
BUSY_NAMES='cc1plus|cc1|ld|ld.gold|collect2|ninja|make|cmake|ctest|clang|clang\+\+|lto1|lto-wrapper|pytest'
busy_start() {
  ( set +e +o pipefail  # not inherited: a sample with no match must not end the loop
    while :; do
      # shellcheck disable=SC2009  # names of all processes, counted
      ps -eo comm= 2>/dev/null | grep -Ex "$BUSY_NAMES" | sort | uniq -c | tr -s ' ' | tr '\n' ';'
      echo
      sleep 1
    done ) >"$TMP/busy.txt" 2>/dev/null &
  BUSY_PID=$!
  BUSY_T0=$SECONDS
  PIDS+=("$BUSY_PID")
}
busy_report() {
  if [[ -n ${BUSY_PID:-} ]]; then kill "$BUSY_PID" 2>/dev/null || true; forget "$BUSY_PID"; fi
  local total busy names
  total=$(wc -l <"$TMP/busy.txt")
  busy=$(grep -c . "$TMP/busy.txt" || true)
  names=$(tr ';' '\n' <"$TMP/busy.txt" | awk 'NF == 2 {print $2}' | sort -u | paste -sd, -)
  if ((busy)); then
    echo "Other work on the machine: builds or tests ($names) were running during $busy of the $total s sampled" \
      "(of $((SECONDS - BUSY_T0)) s measured)."
  else
    echo "Other work on the machine: no compiler, linker or test runner seen during the $total s sampled" \
      "(of $((SECONDS - BUSY_T0)) s measured)."
  fi
}

# run_bg CMD...: runs CMD in the background and waits for it, so that a signal (the watchdog's
# SIGTERM, ^C) is handled at once instead of after CMD ends; CMD is stopped on exit.
run_bg() {
  "$@" &
  local p=$! rc=0
  PIDS+=("$p")
  wait "$p" || rc=$?
  forget "$p"
  return "$rc"
}



# The Python side: HTTP with timing, the platform admin API, JSON log parsing, percentiles.
bench_py() {
  cat <<'EOF'
import http.client, json, math, time
from datetime import datetime


def request(port, path, headers=None, timeout=30):
    """GET on a new connection; returns (status, body, seconds, wall clock at send)."""
    wall = time.time()
    t0 = time.perf_counter()
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        c.request("GET", path, headers=headers or {})
        r = c.getresponse()
        body = r.read()
        return r.status, body, time.perf_counter() - t0, wall
    finally:
        c.close()


def admin(port, key, what):
    status, body, _, _ = request(port, "/admin/platform/" + what, {"x-functions-key": key}, 10)
    if status != 200:
        raise RuntimeError(f"/admin/platform/{what}: HTTP {status}: {body[:200]!r}")
    return json.loads(body)


def wait_instances(port, key, pred, timeout, poll=0.05):
    """Polls /admin/platform/instances until pred(list) holds; returns the list."""
    deadline = time.monotonic() + timeout
    while True:
        lst = admin(port, key, "instances")
        if pred(lst):
            return lst
        if time.monotonic() > deadline:
            raise TimeoutError(f"instances still {lst} after {timeout}s")
        time.sleep(poll)


def ts(text):
    """ISO 8601 UTC ('...Z') to epoch seconds."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def read_log(path):
    """The platform's JSON log: yields (epoch, category, message, instance, inner) where inner is
    the instance's own JSON line (for relayed Instance.i-N stderr lines) or None."""
    with open(path, errors="replace") as f:
        for line in f:
            line = line.strip()
            if not line.startswith("{"):
                continue
            try:
                o = json.loads(line)
            except ValueError:
                continue
            cat = o.get("category", "")
            msg = o.get("message", "")
            inst, inner = None, None
            if cat.startswith("Instance."):
                inst = cat[len("Instance."):]
                if msg.startswith("{"):
                    try:
                        inner = json.loads(msg)
                    except ValueError:
                        inner = None
            yield ts(o["time"]), cat, msg, inst, inner


def pct(values, p):
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    v = sorted(values)
    if not v:
        return float("nan")
    k = max(1, math.ceil(p / 100 * len(v)))
    return v[k - 1]


def fmt_ms(seconds, digits=1):
    if seconds is None or (isinstance(seconds, float) and math.isnan(seconds)):
        return "n/a"
    return f"{seconds * 1000:.{digits}f}"
EOF
}
