#!/usr/bin/env bash
# The issue's fault run: kill -9 of a squall process (the host, an instance, the platform) during
# a run of N messages (default 100 000) put through an HTTP function with a queue output; every
# acknowledged message must be processed (at-least-once); duplicates are counted and printed.
#   bench/queue_kill.sh [N]        # Release build; takes a few minutes per variant
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-100000}"
build="${BENCH_BUILD_DIR:-build-release}"
if [[ ! -x "$build/bin/squall" ]]; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSQUALL_BUILD_TESTS=OFF \
    -DSQUALL_BUILD_FUZZ=OFF >/dev/null
fi
cmake --build "$build" --target squall >/dev/null
cd tests/integration
root="$(cd ../.. && pwd)"
SQUALL_BIN="$root/$build/bin/squall" SQUALL_REPO="$root" \
  SQUALL_KILL_TEST_MESSAGES="$n" python3 -m unittest -v test_queue_kills 2>&1 |
  grep -E "kill -9 run|^test_|OK|FAIL|Error" 
