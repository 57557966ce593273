#!/usr/bin/env bash
# Sourced by tools/demo and tools/test: installs the Debian 12 packages libfwd needs (only when one
# is missing; apt-get needs root) and builds the project with the build contract's commands.
set -euo pipefail

FWD_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
FWD_PACKAGES=(g++ cmake make pkg-config libboost1.81-dev libboost-json1.81-dev libxxhash-dev pybind11-dev libgtest-dev
  libbenchmark-dev libfmt-dev libpcap-dev python3 python3-dev python3-numpy python3-pytest
  python3-pandas python3-matplotlib python3-yaml tshark
  python3-dask python3-distributed mypy python3-venv python3-pip python3-setuptools python3-wheel)

fwd_install_packages() {
  local missing=()
  for p in "${FWD_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "== installing Debian packages: ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

fwd_build() {
  cd "$FWD_ROOT"
  echo "== building (cmake -S . -B BUILD -DCMAKE_BUILD_TYPE=Release && cmake --build BUILD)"
  mkdir -p BUILD
  if ! { cmake -S . -B BUILD -DCMAKE_BUILD_TYPE=Release && cmake --build BUILD -j"$(nproc)"; } > BUILD/build.log 2>&1; then
    tail -n 60 BUILD/build.log
    echo "build failed (full log: BUILD/build.log)" >&2
    exit 1
  fi
}

fwd_install_packages
fwd_build
export PYTHONPATH="$FWD_ROOT/BUILD/python${PYTHONPATH:+:$PYTHONPATH}"
