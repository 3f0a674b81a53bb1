#!/usr/bin/env bash
# Builds the addon with AddressSanitizer and UndefinedBehaviorSanitizer in a
# scratch directory (./build is left alone), then runs the tests that reach
# native code against it: an out-of-bounds access, a use after free or any
# undefined behaviour stops the process with a report, and the run fails.
# NNDL_FUZZ_SECONDS sets the fuzz run's length here (default 20: the
# sanitized addon is slower, and CI fuzzes the plain build longer).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# The Release flags, because cmake-js sets CMAKE_CXX_FLAGS itself.
sanitize="-DNDEBUG -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -g"
if ! "$root/node_modules/.bin/cmake-js" compile --out "$scratch/build" \
  --CDCMAKE_CXX_FLAGS_RELEASE="$sanitize" --CDCMAKE_SHARED_LINKER_FLAGS_RELEASE="-fsanitize=address,undefined" \
  >"$scratch/build.log" 2>&1; then
  cat "$scratch/build.log" >&2
  echo "check-sanitizers: the sanitized build failed" >&2
  exit 1
fi
addon="$scratch/build/Release/nndl.node"
# Flags that did not reach the compiler would leave a plain build that finds nothing.
symbols=$(nm -D "$addon")
if ! grep -q __asan_report_store <<<"$symbols" || ! grep -q __ubsan_handle <<<"$symbols"; then
  echo "check-sanitizers: $addon is not instrumented (the sanitizer flags did not reach the compiler)" >&2
  exit 1
fi

# Node itself is not instrumented, so the ASan runtime must be loaded first.
asan=$(g++ -print-file-name=libasan.so)
if [[ ! -f "$asan" ]]; then
  echo "check-sanitizers: g++ has no libasan.so ($asan); install g++ with its sanitizer runtimes" >&2
  exit 1
fi

# Node's own allocations live until exit: leaks are not what this run looks for.
# A report exits with status 99 whatever the process was doing; child
# processes (the tests spawn some) inherit all of this.
export ASAN_OPTIONS="detect_leaks=0:exitcode=99:abort_on_error=0:halt_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:exitcode=99"
export LD_PRELOAD="$asan"
export NNDL_ADDON="$addon"
export NNDL_FUZZ_SECONDS="${NNDL_FUZZ_SECONDS:-20}"

echo "check-sanitizers: testing $addon (ASan + UBSan)"
# In one process, so that a report ends the run rather than one jest worker.
"$root/node_modules/.bin/jest" --runInBand \
  test/layers.test.ts test/conv.test.ts test/conv-layer-utils.test.ts test/pool.test.ts test/spatial-batchnorm.test.ts \
  test/batchnorm-dropout.test.ts test/random.test.ts test/linalg.test.ts test/fused-sgd.test.ts \
  test/native.test.ts test/bad-input.test.ts test/nan.test.ts test/fuzz.test.ts \
  test/gather.test.ts test/workers.test.ts test/shared-memory-race.test.ts test/pickle.test.ts
