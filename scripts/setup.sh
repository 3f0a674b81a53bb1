#!/usr/bin/env bash
# Everything nndl needs on a fresh Debian/Ubuntu machine with Node.js 20:
# the system packages the addon builds against, and redis-server for queued
# sweeps and their tests (installed when missing, with
# apt-get as root or through sudo; otherwise the command is printed), then
# `npm ci`, which builds the addon (cmake-js) and compiles the TypeScript.
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

if ((${#packages[@]})); then
  if [[ "$(uname -s)" == Darwin ]]; then
    echo "setup: missing ${packages[*]}; install them with: brew install cmake pkg-config openblas redis" >&2
    exit 1
  fi
  if [[ $EUID -eq 0 ]]; then
    sudo=()
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo=(sudo)
  else
    echo "setup: missing ${packages[*]}; install them with: sudo apt-get install -y ${packages[*]}" >&2
    exit 1
  fi
  echo "setup: installing ${packages[*]}"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
fi

npm ci --no-audit --no-fund
