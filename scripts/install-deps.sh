#!/usr/bin/env bash
# Installs exactly the Debian packages squall needs to build, test and benchmark.
# Idempotent: packages already installed are skipped, and apt is not touched at all
# when nothing is missing. Test-only npm tools go into the project (tools/node_modules).
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libsqlite3-dev libssl-dev libspdlog-dev libfmt-dev libcli11-dev libabsl-dev
  ca-certificates openssl
  libgtest-dev libgmock-dev libbenchmark-dev
  python3 nodejs curl procps tzdata
  prometheus
)
# npm: Debian's nodejs package comes without it; a Node.js from elsewhere (NodeSource) brings
# its own, which Debian's npm package would conflict with.
if ! command -v npm >/dev/null 2>&1; then
  packages+=(npm)
fi
# Benchmarks need these too; `make test` does not.
if [[ "${SQUALL_BENCH_DEPS:-0}" == 1 ]]; then
  packages+=(wrk nginx-light)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} > 0)); then
  echo "install-deps: installing ${missing[*]}"
  sudo=""
  if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Test-only npm tools (Azurite, for the Azure Storage backend's tests), project-local in
# tools/node_modules at the versions tools/package-lock.json pins; never installed globally.
tools_dir="$(cd "$(dirname "$0")/.." && pwd)/tools"
if [[ ! -x "$tools_dir/node_modules/.bin/azurite" ]]; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "install-deps: npm is missing (apt install npm); cannot install Azurite" >&2
    exit 1
  fi
  echo "install-deps: installing the test tools into tools/node_modules (npm ci)"
  npm ci --prefix "$tools_dir" --no-audit --no-fund --loglevel=error
fi
