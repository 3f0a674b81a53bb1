#!/usr/bin/env bash
# Everything nndl needs on a fresh Debian/Ubuntu machine with Node.js 20:
# the system packages the addon builds against, redis-server for queued
# sweeps and their tests, and the Chromium and curl of the serving tests
# (installed when missing, with apt-get as root or through sudo; otherwise
# the command is printed), then `npm ci`, which builds the addon (cmake-js)
# and compiles the TypeScript.
# oneDNN (libdnnl-dev), the float32 engine, is installed too where the
# distribution has it; without it float32 runs on OpenBLAS.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=()
command -v cmake >/dev/null 2>&1 || packages+=(cmake)
command -v g++ >/dev/null 2>&1 || packages+=(g++)
command -v make >/dev/null 2>&1 || packages+=(make)
command -v pkg-config >/dev/null 2>&1 || packages+=(pkg-config)
if ! { command -v pkg-config >/dev/null 2>&1 && pkg-config --exists openblas; }; then
  packages+=(libopenblas-dev)
fi
# Queued sweeps (nndl sweep --queue) and their tests use a Redis server.
command -v redis-server >/dev/null 2>&1 || packages+=(redis-server)
# The browser the page test drives (puppeteer-core downloads none), and the
# curl of the README's serving example, which a test runs.
command -v chromium >/dev/null 2>&1 || packages+=(chromium)
command -v curl >/dev/null 2>&1 || packages+=(curl)
onednn=()
if [[ ! -f /usr/include/oneapi/dnnl/dnnl.hpp && ! -f /usr/local/include/oneapi/dnnl/dnnl.hpp ]]; then
  onednn=(libdnnl-dev)
fi

if [[ "$(uname -s)" == Darwin ]]; then
  if ((${#packages[@]})); then
    echo "setup: missing ${packages[*]}; install them with: brew install cmake pkg-config openblas redis onednn chromium" >&2
    exit 1
  fi
  onednn=()
fi

if ((${#packages[@]} + ${#onednn[@]})); then
  if [[ $EUID -eq 0 ]]; then
    sudo=()
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo=(sudo)
  elif ((${#packages[@]})); then
    echo "setup: missing ${packages[*]}; install them with: sudo apt-get install -y ${packages[*]} ${onednn[*]}" >&2
    exit 1
  else
    echo "setup: oneDNN is missing, so float32 will run on OpenBLAS; for the faster engine: sudo apt-get install -y ${onednn[*]}"
    onednn=()
  fi
fi

if ((${#packages[@]} + ${#onednn[@]})); then
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  if ((${#packages[@]})); then
    echo "setup: installing ${packages[*]}"
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
  fi
  if ((${#onednn[@]})); then
    echo "setup: installing ${onednn[*]} (oneDNN, the float32 engine)"
    if ! "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${onednn[@]}" >/dev/null; then
      echo "setup: ${onednn[*]} is not available here; float32 will run on OpenBLAS"
    fi
  fi
fi

npm ci --no-audit --no-fund
