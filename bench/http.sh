#!/usr/bin/env bash
# HTTP benchmark: squall's request path against the worker alone and against nginx.
#
#   bench/http.sh [-c CONNECTIONS] [-t THREADS] [-d SECONDS] [-w WARMUP_SECONDS]
#                 [--only direct,nginx,squall,squall-fwd,frontdoor,rss] [--no-build]
#
# Variants, all driven by `wrk --latency` with the same connections/threads/duration:
#   direct      wrk -> bench-handler                          (the ceiling)
#   nginx       wrk -> nginx (keep-alive upstream) -> bench-handler  (the baseline)
#   squall      wrk -> squall start examples/bench-handler/app            (JSON invocation protocol)
#   squall-fwd  wrk -> squall start examples/bench-handler/app-forwarding (enableForwardingHttpRequest)
#   frontdoor   wrk -> squall start examples/bench-handler/app --plan dedicated --instances 1
#               --instance-cores 2 [$BENCH_FRONTDOOR_ARGS, e.g. --no-direct-connections]: the platform's
#               front door -> one instance (a `squall host` child) -> bench-handler; its CPU per request
#               sums the platform process and its instance processes (workers excluded, as for squall)
#   rss         idle VmRSS of `squall start examples/hello` (the squall process only, not the worker)
# Prints a markdown table on stdout; progress goes to stderr.
#
# Environment (flags win): BENCH_CONNECTIONS (64), BENCH_THREADS (2), BENCH_DURATION (10),
# BENCH_WARMUP (3), BENCH_LIGHT_DURATION (5, the 1-connection pass), BENCH_VARIANTS (all), BENCH_BUILD_DIR (build-release), BENCH_KEEP=1 keeps
# the temp dir with wrk outputs and logs, BENCH_HANDLER_THREADS (bench-handler threads, 1).
# Needs wrk and nginx: installed by `SQUALL_BENCH_DEPS=1 bash scripts/install-deps.sh`,
# which this script runs when either is missing.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD

CONNECTIONS=${BENCH_CONNECTIONS:-64}
THREADS=${BENCH_THREADS:-2}
DURATION=${BENCH_DURATION:-10}
WARMUP=${BENCH_WARMUP:-3}
LIGHT_DURATION=${BENCH_LIGHT_DURATION:-5}
VARIANTS=${BENCH_VARIANTS:-direct,nginx,squall,squall-fwd,frontdoor,rss}
FRONTDOOR_ARGS=${BENCH_FRONTDOOR_ARGS:-}
BUILD_DIR=${BENCH_BUILD_DIR:-build-release}
BUILD=1

usage() { sed -n '2,23p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }
while (($#)); do
  case $1 in
    -c) CONNECTIONS=$2; shift 2 ;;
    -t) THREADS=$2; shift 2 ;;
    -d) DURATION=$2; shift 2 ;;
    -w) WARMUP=$2; shift 2 ;;
    --only) VARIANTS=$2; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    -h|--help) usage 0 ;;
    *) echo "http.sh: unknown argument '$1'" >&2; usage 2 >&2 ;;
  esac
done

log() { printf '[bench] %s\n' "$*" >&2; }
die() { printf '[bench] error: %s\n' "$*" >&2; exit 1; }
wants() { [[ ",$VARIANTS," == *",$1,"* ]]; }
for v in ${VARIANTS//,/ }; do
  case $v in direct|nginx|squall|squall-fwd|frontdoor|rss) ;; *) die "unknown variant '$v'" ;; esac
done
NEED_SQUALL=0
if wants squall || wants squall-fwd || wants rss; then NEED_SQUALL=1; fi
if wants frontdoor; then NEED_SQUALL=1; fi

# --- processes we start, stopped on exit -----------------------------------------------
TMP=$(mktemp -d -t squall-bench.XXXXXX)
PIDS=()

# Stop one process we started (by pid): SIGTERM, up to 5 s to exit, then its process group
# (it was started with setsid, so the group holds exactly what it spawned), then SIGKILL.
stop_pid() {
  local pid=$1 i
  kill -0 "$pid" 2>/dev/null || { kill -TERM -- "-$pid" 2>/dev/null || true; return 0; }
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -TERM -- "-$pid" 2>/dev/null || true
  sleep 0.2
  kill -KILL -- "-$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
  if [[ ${BENCH_KEEP:-0} == 1 ]]; then
    log "kept $TMP"
  else
    rm -rf "$TMP"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

forget() {
  local i
  for i in "${!PIDS[@]}"; do
    if [[ ${PIDS[$i]} == "$1" ]]; then unset 'PIDS[i]'; fi
  done
}

# stop_started PID: stop a process we started now, and forget it.
stop_started() {
  stop_pid "$1"
  forget "$1"
}

# start NAME CMD... : runs CMD in its own session, output to $TMP/NAME.log; sets STARTED_PID.
start() {
  local name=$1; shift
  setsid "$@" >"$TMP/$name.log" 2>&1 </dev/null &
  STARTED_PID=$!
  PIDS+=("$STARTED_PID")
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_ready URL PID NAME: polls URL with curl until it answers 200 (30 s at most).
wait_ready() {
  local url=$1 pid=$2 name=$3 code i
  for ((i = 0; i < 300; i++)); do
    kill -0 "$pid" 2>/dev/null || { tail -n 20 "$TMP/$name.log" >&2; die "$name exited before it was ready"; }
    code=$(curl -s -o /dev/null -m 2 -w '%{http_code}' "$url" || true)
    [[ $code == 200 ]] && return 0
    sleep 0.1
  done
  tail -n 20 "$TMP/$name.log" >&2
  die "$name not ready at $url after 30 s (last status $code)"
}

# --- tools and build -------------------------------------------------------------------
find_nginx() { command -v nginx 2>/dev/null || { [[ -x /usr/sbin/nginx ]] && echo /usr/sbin/nginx; } || true; }
if ! command -v wrk >/dev/null || { wants nginx && [[ -z $(find_nginx) ]]; }; then
  log "wrk or nginx missing: running SQUALL_BENCH_DEPS=1 scripts/install-deps.sh"
  SQUALL_BENCH_DEPS=1 bash scripts/install-deps.sh
fi
command -v wrk >/dev/null || die "wrk not found"
NGINX=$(find_nginx)
if wants nginx && [[ -z $NGINX ]]; then die "nginx not found"; fi
command -v curl >/dev/null || die "curl not found"

targets=(bench-handler)
((NEED_SQUALL)) && targets+=(squall)
if ((BUILD)); then
  if [[ ! -f $BUILD_DIR/CMakeCache.txt ]]; then
    gen=(); command -v ninja >/dev/null && gen=(-G Ninja)
    log "configuring $BUILD_DIR (Release)"
    cmake -S . -B "$BUILD_DIR" "${gen[@]}" -DCMAKE_BUILD_TYPE=Release \
      -DSQUALL_BUILD_TESTS=OFF -DSQUALL_BUILD_FUZZ=OFF >&2
  fi
  log "building ${targets[*]}"
  cmake --build "$BUILD_DIR" --target "${targets[@]}" >&2
fi
case $BUILD_DIR in /*) BIN=$BUILD_DIR/bin ;; *) BIN=$ROOT/$BUILD_DIR/bin ;; esac
HANDLER=$BIN/bench-handler
SQUALL=$BIN/squall
[[ -x $HANDLER ]] || die "$HANDLER not built"
if ((NEED_SQUALL)) && [[ ! -x $SQUALL ]]; then die "$SQUALL not built"; fi
# The bench apps name their worker "bench-handler", relative to the app folder.
ln -sf "$HANDLER" examples/bench-handler/app/bench-handler
ln -sf "$HANDLER" examples/bench-handler/app-forwarding/bench-handler

# --- measuring -------------------------------------------------------------------------
declare -A RPS P50 P99 ERRS LABEL L_RPS L_P50 L_P99 CPU_US
declare -A CPU_US_SPLIT  # frontdoor: the platform process alone
ORDER=()

# to_ms "1.23ms" -> 1.230
to_ms() {
  awk -v v="$1" 'BEGIN {
    n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
    f = (u == "us") ? 0.001 : (u == "ms") ? 1 : (u == "s") ? 1000 : (u == "m") ? 60000 : (u == "h") ? 3600000 : -1
    if (f < 0) { print "nan"; exit }
    printf "%.3f", n * f
  }'
}

# run_wrk OUT ARGS...: wrk in the background, so that a signal to this script ends it at once.
# WRK_LOAD overrides "-t THREADS -c CONNECTIONS" (the light-load pass uses "-t 1 -c 1").
run_wrk() {
  local out=$1; shift
  # shellcheck disable=SC2086
  wrk ${WRK_LOAD:--t $THREADS -c $CONNECTIONS} "$@" >"$out" &
  local w=$!
  PIDS+=("$w")
  wait "$w" || die "wrk failed: wrk $*"
  forget "$w"
}

# cpu_ticks PID...: user+system CPU ticks used so far by these processes (all their threads).
cpu_ticks() {
  local t=0 p f
  for p in "$@"; do
    read -r -a f <"/proc/$p/stat" 2>/dev/null || continue
    t=$((t + f[13] + f[14]))
  done
  echo "$t"
}

# measure KEY LABEL URL [PID...]: warm up, then one measured wrk run; results into the tables.
# With PIDs, also the CPU time those processes used per request during the measured run: a
# figure far steadier than req/s on a small shared machine.
measure() {
  local key=$1 label=$2 url=$3 out=$TMP/wrk-$1.txt body
  local pids=("${@:4}") t0 t1
  body=$(curl -s -m 5 "$url" || true)
  [[ $body == ok ]] || die "$label: expected body 'ok' from $url, got '${body:0:200}'"
  log "$label: warmup ${WARMUP}s"
  run_wrk /dev/null -d "${WARMUP}s" "$url"
  log "$label: measuring ${DURATION}s ($CONNECTIONS connections, $THREADS threads)"
  t0=$(cpu_ticks "${pids[@]}")
  local s0=""; [[ -n ${SPLIT_PID:-} ]] && s0=$(cpu_ticks "$SPLIT_PID")
  run_wrk "$out" -d "${DURATION}s" --latency "$url"
  t1=$(cpu_ticks "${pids[@]}")
  local s1=""; [[ -n ${SPLIT_PID:-} ]] && s1=$(cpu_ticks "$SPLIT_PID")
  RPS[$key]=$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' "$out")
  P50[$key]=$(to_ms "$(awk '$1 == "50%" {print $2}' "$out")")
  P99[$key]=$(to_ms "$(awk '$1 == "99%" {print $2}' "$out")")
  local non2xx sock
  non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$out")
  sock=$(awk '/Socket errors:/ {gsub(",", ""); for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+$/) n += $i; print n}' "$out")
  ERRS[$key]=$(( ${non2xx:-0} + ${sock:-0} ))
  local n
  n=$(awk '/requests in/ {print $1}' "$out")
  if ((${#pids[@]})) && [[ ${n:-0} -gt 0 ]]; then
    CPU_US[$key]=$(awk -v t=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" -v n="$n" \
      'BEGIN { printf "%.1f", t / hz * 1e6 / n }')
  else
    CPU_US[$key]="n/a"
  fi
  if [[ -n $s0 && ${n:-0} -gt 0 ]]; then
    CPU_US_SPLIT[$key]=$(awk -v t=$((s1 - s0)) -v hz="$(getconf CLK_TCK)" -v n="$n" \
      'BEGIN { printf "%.1f", t / hz * 1e6 / n }')
  fi
  LABEL[$key]=$label
  ORDER+=("$key")
  log "$label: ${RPS[$key]} req/s, p50 ${P50[$key]} ms, p99 ${P99[$key]} ms, errors ${ERRS[$key]}"
  # Light load: one connection, so latency is the hop's own cost, not queueing under saturation.
  local lout=$TMP/wrk-$key-light.txt
  log "$label: light load, 1 connection, ${LIGHT_DURATION}s"
  WRK_LOAD="-t 1 -c 1" run_wrk "$lout" -d "${LIGHT_DURATION}s" --latency "$url"
  L_RPS[$key]=$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' "$lout")
  L_P50[$key]=$(to_ms "$(awk '$1 == "50%" {print $2}' "$lout")")
  L_P99[$key]=$(to_ms "$(awk '$1 == "99%" {print $2}' "$lout")")
}


HANDLER_PID=""
if wants direct || wants nginx; then
  HPORT=$(free_port)
  start bench-handler "$HANDLER" --port "$HPORT"
  HANDLER_PID=$STARTED_PID
  wait_ready "http://127.0.0.1:$HPORT/api/bench" "$HANDLER_PID" bench-handler
fi

if wants direct; then
  measure direct "direct: bench-handler" "http://127.0.0.1:$HPORT/api/bench" "$HANDLER_PID"
fi

if wants nginx; then
  NPORT=$(free_port)
  sed -e "s|@TMP@|$TMP|g" -e "s|@PORT@|$NPORT|g" -e "s|@UPSTREAM_PORT@|$HPORT|g" \
    bench/nginx.conf.in >"$TMP/nginx.conf"
  start nginx "$NGINX" -p "$TMP" -e "$TMP/nginx-error.log" -c "$TMP/nginx.conf"
  NGINX_PID=$STARTED_PID
  wait_ready "http://127.0.0.1:$NPORT/api/bench" "$NGINX_PID" nginx
  # shellcheck disable=SC2046
  measure nginx "nginx → bench-handler" "http://127.0.0.1:$NPORT/api/bench" "$NGINX_PID" \
    $(pgrep -P "$NGINX_PID")
  stop_started "$NGINX_PID"
fi
if [[ -n $HANDLER_PID ]]; then stop_started "$HANDLER_PID"; fi

# squall_variant KEY LABEL APP
squall_variant() {
  local key=$1 label=$2 app=$3 port pid
  port=$(free_port)
  start "$key" "$SQUALL" start "$app" --port "$port"
  pid=$STARTED_PID
  wait_ready "http://127.0.0.1:$port/api/bench" "$pid" "$key"
  measure "$key" "$label" "http://127.0.0.1:$port/api/bench" "$pid"
  stop_started "$pid"
}
if wants squall; then
  squall_variant squall "squall → bench-handler (JSON protocol)" examples/bench-handler/app
fi
if wants squall-fwd; then
  squall_variant squall-fwd "squall → bench-handler (forwarding)" examples/bench-handler/app-forwarding
fi
# The platform: front door -> one dedicated instance (a `squall host` child) -> bench-handler.
# CPU: the platform process plus its instance processes (`squall host`), workers excluded as in
# the squall variant; the platform process alone is reported too.
if wants frontdoor; then
  port=$(free_port)
  # --instance-cores 2: the instance may use the machine's two cores, as the plain host does (a
  # dedicated instance is a 1-core B1 by default, and its cgroup would cap it).
  start frontdoor "$SQUALL" start examples/bench-handler/app --plan dedicated --instances 1 \
    --instance-cores 2 --port "$port" $FRONTDOOR_ARGS
  pid=$STARTED_PID
  wait_ready "http://127.0.0.1:$port/api/bench" "$pid" frontdoor
  fd_pids=("$pid")
  for c in $(ps -o pid= --ppid "$pid" 2>/dev/null); do
    [[ $(cat "/proc/$c/comm" 2>/dev/null) == squall ]] && fd_pids+=("$c")
  done
  log "frontdoor: platform pid $pid, instance pids ${fd_pids[*]:1}"
  ((${#fd_pids[@]} >= 2)) || die "frontdoor: no instance process found under pid $pid"
  SPLIT_PID=$pid measure frontdoor "squall platform front door → 1 instance → bench-handler (JSON protocol)" \
    "http://127.0.0.1:$port/api/bench" "${fd_pids[@]}"
  stop_started "$pid"
fi

# kB of VmRSS of one process
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

IDLE_RSS_KB=""
IDLE_RSS_TREE_KB=""
if wants rss; then
  port=$(free_port)
  start squall-hello "$SQUALL" start examples/hello --port "$port"
  pid=$STARTED_PID
  wait_ready "http://127.0.0.1:$port/api/hello/bench" "$pid" squall-hello
  log "squall start examples/hello: ready, idling 2 s"
  sleep 2
  IDLE_RSS_KB=$(rss_kb "$pid")
  # Also every squall process under it (instances are `squall host` children), workers excluded.
  IDLE_RSS_TREE_KB=0
  queue=("$pid")
  while ((${#queue[@]})); do
    p=${queue[0]}; queue=("${queue[@]:1}")
    if [[ $p == "$pid" || $(cat "/proc/$p/comm" 2>/dev/null) == squall ]]; then
      IDLE_RSS_TREE_KB=$((IDLE_RSS_TREE_KB + $(rss_kb "$p")))
    fi
    for c in $(ps -o pid= --ppid "$p" 2>/dev/null); do queue+=("$c"); done
  done
  log "idle VmRSS: squall $IDLE_RSS_KB kB, all squall processes $IDLE_RSS_TREE_KB kB"
  stop_started "$pid"
fi

# --- report ----------------------------------------------------------------------------
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
diff_ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%+.3f ms", a - b }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'; }

echo "## HTTP benchmark ($(date -u +%Y-%m-%dT%H:%M:%SZ))"
echo
echo "wrk: $CONNECTIONS connections, $THREADS threads, ${DURATION} s measured after ${WARMUP} s warmup;" \
  "bench-handler threads: ${BENCH_HANDLER_THREADS:-1}; $(nproc) CPUs: $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)"
echo
if ((${#ORDER[@]})); then
  echo "| variant | req/s | p50 (ms) | p99 (ms) | errors | CPU µs/request of the server process(es) |"
  echo "|---|---:|---:|---:|---:|---:|"
  for k in "${ORDER[@]}"; do
    echo "| ${LABEL[$k]} | ${RPS[$k]} | ${P50[$k]} | ${P99[$k]} | ${ERRS[$k]} | ${CPU_US[$k]} |"
  done
  echo
fi
if ((${#ORDER[@]})); then
  echo "Light load (1 connection, 1 thread, ${LIGHT_DURATION} s): the cost of the hop itself."
  echo
  echo "| variant | req/s | p50 (ms) | p99 (ms) |"
  echo "|---|---:|---:|---:|"
  for k in "${ORDER[@]}"; do
    echo "| ${LABEL[$k]} | ${L_RPS[$k]} | ${L_P50[$k]} | ${L_P99[$k]} |"
  done
  echo
fi
if [[ -n ${RPS[nginx]:-} ]]; then
  [[ -n ${RPS[squall]:-} ]] && echo "- throughput squall/nginx (JSON protocol): $(ratio "${RPS[squall]}" "${RPS[nginx]}")"
  [[ -n ${RPS[squall-fwd]:-} ]] && echo "- throughput squall/nginx (forwarding): $(ratio "${RPS[squall-fwd]}" "${RPS[nginx]}")"
  [[ -n ${RPS[direct]:-} ]] && echo "- throughput nginx/direct: $(ratio "${RPS[nginx]}" "${RPS[direct]}")"
  [[ -n ${CPU_US[squall]:-} ]] && echo "- CPU per request squall/nginx (JSON protocol): $(ratio "${CPU_US[squall]}" "${CPU_US[nginx]}")"
  [[ -n ${CPU_US[squall-fwd]:-} ]] && echo "- CPU per request squall/nginx (forwarding): $(ratio "${CPU_US[squall-fwd]}" "${CPU_US[nginx]}")"
fi
if [[ -n ${P50[direct]:-} ]]; then
  [[ -n ${P50[squall]:-} ]] && echo "- p50 added by squall (JSON protocol) over direct: $(diff_ms "${P50[squall]}" "${P50[direct]}")"
  [[ -n ${P50[squall-fwd]:-} ]] && echo "- p50 added by squall (forwarding) over direct: $(diff_ms "${P50[squall-fwd]}" "${P50[direct]}")"
  [[ -n ${P50[nginx]:-} ]] && echo "- p50 added by nginx over direct: $(diff_ms "${P50[nginx]}" "${P50[direct]}")"
  [[ -n ${L_P50[squall]:-} ]] && echo "- light load: p50 added by squall (JSON protocol) over direct: $(diff_ms "${L_P50[squall]}" "${L_P50[direct]}")"
  [[ -n ${L_P50[squall-fwd]:-} ]] && echo "- light load: p50 added by squall (forwarding) over direct: $(diff_ms "${L_P50[squall-fwd]}" "${L_P50[direct]}")"
  [[ -n ${L_P50[nginx]:-} ]] && echo "- light load: p50 added by nginx over direct: $(diff_ms "${L_P50[nginx]}" "${L_P50[direct]}")"
fi
if [[ -n ${RPS[frontdoor]:-} && -n ${RPS[squall]:-} ]]; then
  echo "- throughput frontdoor/squall (the platform's hop; target ≥ 0.90): $(ratio "${RPS[frontdoor]}" "${RPS[squall]}")"
  echo "- CPU per request frontdoor/squall: $(ratio "${CPU_US[frontdoor]}" "${CPU_US[squall]}")" \
    "(frontdoor: platform + instance processes ${CPU_US[frontdoor]} µs, the platform process alone ${CPU_US_SPLIT[frontdoor]:-n/a} µs)"
  echo "- p50 added by the front door over squall: $(diff_ms "${P50[frontdoor]}" "${P50[squall]}");" \
    "light load: $(diff_ms "${L_P50[frontdoor]}" "${L_P50[squall]}")"
fi
if [[ -n $IDLE_RSS_KB ]]; then
  echo "- idle VmRSS of \`squall start examples/hello\` (squall process, worker excluded): $(mib "$IDLE_RSS_KB")" \
    "($IDLE_RSS_KB kB; all squall processes: $(mib "$IDLE_RSS_TREE_KB"))"
fi
