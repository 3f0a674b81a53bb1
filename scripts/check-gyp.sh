#!/usr/bin/env bash
# Builds the addon a second way, with node-gyp from binding.gyp, in a scratch
# directory (so the cmake-js build in ./build is left alone), then runs the
# kernel tests against that addon. NNDL_ONEDNN=0 builds it without oneDNN
# (float32 on OpenBLAS), as on a machine that lacks it.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cp -r package.json binding.gyp native "$scratch/"
ln -s "$root/node_modules" "$scratch/node_modules"

# Build against the headers of the running Node when it ships them, so no
# download is needed.
args=()
nodedir=$(node -p "require('path').resolve(process.execPath, '..', '..')")
if [[ -z "${npm_config_nodedir:-}" && -f "$nodedir/include/node/node_api.h" ]]; then
  args+=(--nodedir="$nodedir")
fi
if ! (cd "$scratch" && "$root/node_modules/.bin/node-gyp" rebuild "${args[@]}" >"$scratch/gyp.log" 2>&1); then
  cat "$scratch/gyp.log" >&2
  echo "check-gyp: the node-gyp build failed" >&2
  exit 1
fi

addon="$scratch/build/Release/nndl.node"
engines=$(NNDL_ENGINE= node -p "require('$addon').engineInfo().available.join(' ')")
echo "check-gyp: node-gyp built $addon (engines: $engines); testing it"
NNDL_ADDON="$addon" "$root/node_modules/.bin/jest" test/layers.test.ts test/native.test.ts test/workers.test.ts test/gather.test.ts test/engine.test.ts test/conv.test.ts test/batcher.test.ts
