#!/usr/bin/env bash
# ctest monitor_promtool_check: renders the sample (every metric kind) and has promtool parse and
# lint it. Fails when promtool is missing (scripts/install-deps.sh installs it), when the sample
# cannot be rendered or is empty, and on any parse error or lint problem promtool reports.
set -euo pipefail
sample_bin=$1
if ! command -v promtool >/dev/null; then
  echo "promtool not found: run scripts/install-deps.sh (Debian package prometheus)" >&2
  exit 1
fi
text=$("$sample_bin")
if [[ -z "$text" ]]; then
  echo "the sample rendered no text" >&2
  exit 1
fi
promtool check metrics <<<"$text"
echo "promtool check metrics: ok ($(grep -vc '^#' <<<"$text") samples, $(grep -c '^# TYPE' <<<"$text") families)"
