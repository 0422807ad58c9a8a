#!/usr/bin/env bash
# Installs the Debian 12 packages Gostly needs to build, test and benchmark, skipping those
# already present. Safe to run repeatedly. Needs root (or sudo) only when something is missing.
set -euo pipefail

BUILD_PKGS=(
  build-essential cmake pkg-config g++ clang libclang-rt-14-dev
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libssl-dev libre2-dev libsqlite3-dev libpq-dev libnghttp2-dev
  libspdlog-dev libfmt-dev libcli11-dev libyaml-cpp-dev libxxhash-dev zlib1g-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  openssl curl ca-certificates
  postgresql
)
BENCH_PKGS=(nginx-light wrk time)

want=("${BUILD_PKGS[@]}")
if [[ "${1:-}" == "--bench" ]]; then want+=("${BENCH_PKGS[@]}"); fi

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null; then SUDO="sudo"; else
    echo "install-deps: missing packages (${missing[*]}) and not root; run as root or install sudo" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
