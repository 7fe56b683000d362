#!/usr/bin/env bash
# Installs what is missing, builds, and runs the test suite: a Release build
# (gcc, -Werror), an AddressSanitizer and UndefinedBehaviorSanitizer build
# (clang), and a ThreadSanitizer build (clang) running the tests that exercise
# concurrency (walker threads, the scan pipeline, the catalog writer, the
# real programs end to end). This is what CI runs (.ci/run), which must
# stay under 20 minutes on 2 cores; a fresh clone took 17.8 minutes here on
# 2026-12-07 (README "Tests").
#
# PHISCAN_FUZZ_SECONDS=N (default 0: none) adds a libFuzzer run of every
# fuzz target for N s (tools/fuzz.sh, a fourth build: about 4 minutes
# with N=10). Without it the sanitized run replays every target's
# regressions and seeds instead. PHISCAN_SKIP_TSAN=1 skips the TSan stage.
# PHISCAN_TEST_MIN_FREE_MB: see the disk check below.
set -euo pipefail
cd "$(dirname "$0")/.."

tools/setup.sh
jobs=$(nproc)

# The three builds take about 1.5 GB (the ASan one 1.1 GB), the fuzz build
# more, and the tests write their trees under TMPDIR. A full disk shows up
# as scattered "disk I/O error" failures, so say so first, and with less
# than PHISCAN_TEST_MIN_FREE_MB (default 4096) free remove each build tree
# once its stage has passed, so that at most one is on disk at a time.
min_free_mb=${PHISCAN_TEST_MIN_FREE_MB:-4096}
low_disk=0
# One line per file system (the build directory and TMPDIR often share one).
while read -r free_mb mount; do
  if (( free_mb < min_free_mb )); then
    echo "tools/test.sh: warning: only ${free_mb} MB free on ${mount};" \
      "the suite needs about 4 GB; each build tree is removed once its stage has passed" >&2
    low_disk=1
  fi
done < <(df -Pm . "${TMPDIR:-/tmp}" | awk 'NR > 1 && !seen[$6]++ { print $4, $6 }')
done_with() {
  if (( low_disk )); then rm -rf "$1"; fi
}
start=$SECONDS

# The test builds link about a hundred programs; lld (tools/setup.sh) links
# them in a quarter of ld.bfd's time (scanner_extract_test under ASan: 0.9 s
# against 3.9 s), about a minute of the suite on 2 cores. The programs are
# the same; a build without lld uses the default linker.
linker=()
if command -v ld.lld >/dev/null; then
  linker=(-DCMAKE_EXE_LINKER_FLAGS=-fuse-ld=lld -DCMAKE_SHARED_LINKER_FLAGS=-fuse-ld=lld)
fi

# run_suite DIR CMAKE_ARGS...: configures, builds and runs the tests, with
# the ctest arguments in the array ctest_extra (empty by default).
ctest_extra=()
run_suite() {
  local dir=$1; shift
  cmake -S . -B "$dir" -G Ninja "${linker[@]}" "$@" >/dev/null
  cmake --build "$dir" -j "$jobs"
  (cd "$dir" && ctest --output-on-failure -j "$jobs" --timeout 600 "${ctest_extra[@]}")
}

stage() { echo "== $1 (at $((SECONDS - start)) s)"; }

stage "Release build and tests"
run_suite build/test-release -DCMAKE_BUILD_TYPE=Release -DPHISCAN_WERROR=ON
done_with build/test-release

# The sanitizer builds are -O1 with line tables only (-g1: a report still
# names function, file and line); the tests' own code is -O0 in every build
# (tests/CMakeLists.txt). The ASan one is built with clang, which compiles
# it in about half gcc's time at -O1; the Release build above is gcc's. At
# -O0 the sanitized programs ran the hostile and process tests in 254 s,
# at -O1 in 61 s, for about 100 s more of CPU compiling (50 s on 2 cores).
clangxx=$(command -v clang++-14 || command -v clang++)

stage "ASan+UBSan build and tests"
# Left out here: the accuracy benchmark (it measures the rules, which the
# Release run does), and, when the fuzz stage follows, the fuzz targets'
# replays (libFuzzer runs the same regressions and seeds under ASan+UBSan).
fuzz_seconds=${PHISCAN_FUZZ_SECONDS:-0}
left_out='^accuracy$'
if [[ $fuzz_seconds != 0 ]]; then left_out='^(accuracy|replay)$'; fi
ctest_extra=(-LE "$left_out")
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  run_suite build/test-asan -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g1" \
  -DCMAKE_CXX_COMPILER="$clangxx" -DPHISCAN_SANITIZE=ON
done_with build/test-asan
ctest_extra=()

if [[ ${PHISCAN_SKIP_TSAN:-0} != 1 ]]; then
  stage "TSan build and concurrency tests"
  # What runs threads: the walker threads, the batch queue and the parallel
  # pipeline with 1, 2 and 4 threads, the catalog writer's queue, and the real
  # programs end to end (TSan-built phiscan and phireport on a mixed tree,
  # the sample corpus, and the signal and kill -9 loops). A race in a child
  # program fails its test: halt_on_error makes it exit non-zero and its
  # report lands on the stderr the tests assert empty. tools/tsan.supp lists
  # uninstrumented third-party code whose reports are false.
  tsan_tests=(scanner_walker_test catalog_writer_test pipeline_batching_test
              pipeline_writer_batch_test integration_mixed_tree_test
              integration_end_to_end_test regression_process_test)
  # With clang, as the ASan build: it built these targets in 112 s here
  # where gcc took 139 s, and the tests ran in 37 s instead of 57 s.
  cmake -S . -B build/test-tsan -G Ninja "${linker[@]}" -DCMAKE_CXX_COMPILER="$clangxx" \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" -DPHISCAN_TSAN=ON >/dev/null
  cmake --build build/test-tsan -j "$jobs" --target "${tsan_tests[@]}" phiscan phireport
  regex=$(IFS='|'; echo "^(${tsan_tests[*]})\$")
  (cd build/test-tsan &&
    TSAN_OPTIONS="halt_on_error=1:history_size=7:second_deadlock_stack=1:suppressions=$PWD/../../tools/tsan.supp" \
    ctest --output-on-failure -j "$jobs" --timeout 900 -R "$regex")
  done_with build/test-tsan
fi

if [[ $fuzz_seconds != 0 ]]; then
  stage "libFuzzer targets, ${fuzz_seconds} s each"
  PHISCAN_FUZZ_BUILD=build/test-fuzz tools/fuzz.sh "$fuzz_seconds"
fi

stage "all passed"
