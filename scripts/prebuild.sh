#!/usr/bin/env bash
# Builds the prebuilt addon that the npm package ships: the same CMake build
# as a source install (cmake-js, CMakeLists.txt), in its own build directory,
# stripped and copied to prebuilds/<platform>-<arch>/node.napi[.glibc].node,
# the name node-gyp-build looks for. N-API 8 makes one binary serve every
# Node version from 20 on. `npm pack` runs it (prepack).
set -euo pipefail
cd "$(dirname "$0")/.."
tuple=$(node -p 'process.platform + "-" + process.arch')
# glibc and musl binaries are not interchangeable: tag the glibc one, as node-gyp-build expects.
libc=$(node -p 'process.report.getReport().header.glibcVersionRuntime ? ".glibc" : ""')
out=build-prebuild
rm -rf "$out"
npx cmake-js compile --out "$out" >"$out.log" 2>&1 || { cat "$out.log" >&2; echo "prebuild: the cmake-js build failed" >&2; exit 1; }
rm -f "$out.log"
mkdir -p "prebuilds/$tuple"
target="prebuilds/$tuple/node.napi$libc.node"
cp "$out/Release/nndl.node" "$target"
strip --strip-unneeded "$target"
rm -rf "$out"
echo >&2 "prebuild: $target ($(du -h "$target" | cut -f1)), needs: $(objdump -p "$target" | awk '/NEEDED/ {print $2}' | tr '\n' ' ')"
