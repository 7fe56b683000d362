#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite twice:
# a Release build, then a Debug build with AddressSanitizer and
# UndefinedBehaviorSanitizer. This is what CI runs (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."

tools/setup.sh
jobs=$(nproc)

run_suite() {
  local dir=$1; shift
  cmake -S . -B "$dir" -G Ninja "$@" >/dev/null
  cmake --build "$dir" -j "$jobs"
  (cd "$dir" && ctest --output-on-failure -j "$jobs" --timeout 600)
}

echo "== Release build and tests"
run_suite build/test-release -DCMAKE_BUILD_TYPE=Release -DPHISCAN_WERROR=ON

echo "== ASan+UBSan build and tests"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  run_suite build/test-asan -DCMAKE_BUILD_TYPE=Debug -DPHISCAN_SANITIZE=ON
