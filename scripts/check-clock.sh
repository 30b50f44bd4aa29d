#!/usr/bin/env bash
# Time is injected: only src/core/real_clock.cpp may read the system clocks. Everything else
# takes a Clock& so that tests and the simulator control time.
set -euo pipefail
cd "$(dirname "$0")/.."
pattern='(steady_clock|system_clock|high_resolution_clock)::now|\bgettimeofday\s*\(|\bclock_gettime\s*\(|\btime\s*\(\s*(nullptr|NULL|0)\s*\)|\blocaltime\s*\(|std::this_thread::sleep|\busleep\s*\(|\bsleep\s*\('
# Every unit-test folder (tests/<module>), not the integration tests or the test apps, which
# run real processes in real time.
unit_dirs=$(find tests -mindepth 1 -maxdepth 1 -type d ! -name integration ! -name apps | sort)
# shellcheck disable=SC2086
hits=$(grep -rnE "$pattern" src $unit_dirs 2>/dev/null \
  | grep -v '^src/core/real_clock.cpp:' || true)
if [[ -n "$hits" ]]; then
  echo "check-clock: the real clock (or a sleep) is used outside src/core/real_clock.cpp:" >&2
  echo "$hits" >&2
  exit 1
fi
echo "check-clock: ok (only src/core/real_clock.cpp reads the real clock; unit tests never sleep)"
