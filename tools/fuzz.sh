#!/usr/bin/env bash
# Builds the libFuzzer targets in fuzz/ with clang (ASan+UBSan, coverage on
# the libraries) and runs each for SECONDS (default 300) from a seed corpus:
# corpus/sample, the format fixtures of corpus/formats/make_fixtures.py, a
# few small hostile fixtures, and fuzz/seeds. Fails on the first crash and
# leaves the reproducer in build/fuzz/artifacts/: add it under
# fuzz/regressions/<target>/ so the normal suite replays it.
#
#   tools/fuzz.sh [SECONDS]   (PHISCAN_FUZZ_SECONDS=N tools/test.sh runs N s per target)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-300}
build=${PHISCAN_FUZZ_BUILD:-build/fuzz}
jobs=$(nproc)
cxx=$(command -v clang++-14 || command -v clang++)

cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER="$cxx" \
  -DPHISCAN_FUZZ=ON -DPHISCAN_BUILD_TESTS=OFF >/dev/null
targets=(fuzz_decode fuzz_rule_pack fuzz_matcher fuzz_user_rules fuzz_extract_archive fuzz_extract_hl7 fuzz_extract_fhir
         fuzz_extract_csv fuzz_extract_x12 fuzz_extract_dicom fuzz_extract_mail fuzz_extract_pdf
         fuzz_extract_ole fuzz_extract_xml fuzz_extract_rtf fuzz_extract_md)
cmake --build "$build" -j "$jobs" --target "${targets[@]}"

# Seed corpora, rebuilt each run (small files only: libFuzzer's -max_len).
seeds=$build/seeds
rm -rf "$seeds"
mkdir -p "$seeds/text" "$seeds/formats" "$seeds/hostile" "$build/artifacts"
find corpus/sample -type f -size -64k -exec cp {} "$seeds/text/" \;
python3 corpus/formats/make_fixtures.py --out "$seeds/formats" >/dev/null
python3 corpus/hostile/make_hostile.py "$seeds/hostile" nested_gzip_50 nested_mixed_50 \
  corrupt_archives encrypted_zip bad_encodings misc
seed_dirs_for() {
  case $1 in
    fuzz_rule_pack) echo fuzz/seeds/rule_pack classifiers/rules ;;
    fuzz_decode) echo "$seeds/text" "$seeds/hostile" ;;
    fuzz_matcher) echo fuzz/seeds/matcher "$seeds/text" ;;
    fuzz_user_rules) echo fuzz/seeds/user_rules ;;
    # Compound files written by tests/scanner/ole_seeds.cc.
    fuzz_extract_ole) echo fuzz/seeds/ole "$seeds/formats" ;;
    # Zips whose central directory leaves bytes out (formats/zip_layout.h).
    fuzz_extract_archive) echo fuzz/seeds/archive "$seeds/text" "$seeds/formats" "$seeds/hostile" ;;
    # DTDs, CDATA, entities, unbalanced RTF groups.
    fuzz_extract_xml | fuzz_extract_rtf) echo fuzz/seeds/markup "$seeds/text" "$seeds/formats" ;;
    # Title rows above a CSV header; Markdown tables among other lines.
    fuzz_extract_csv | fuzz_extract_md)
      echo fuzz/seeds/tables "$seeds/text" "$seeds/formats" "$seeds/hostile" ;;
    *) echo "$seeds/text" "$seeds/formats" "$seeds/hostile" ;;
  esac
}

export ASAN_OPTIONS=abort_on_error=1:detect_leaks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# One target per core at a time; each gets SECONDS of its own.
run_target() {
  local t=$1 corpus=$build/corpus/$1
  mkdir -p "$corpus"
  # A target's regressions, if it has any: libFuzzer stops at a missing
  # directory (fuzz_extract_xml and fuzz_extract_rtf have none).
  local regressions=()
  if [[ -d fuzz/regressions/$t ]]; then regressions=(fuzz/regressions/"$t"); fi
  # shellcheck disable=SC2046
  if ! "$build/fuzz/$t" "$corpus" $(seed_dirs_for "$t") "${regressions[@]}" \
      -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=2048 -timeout=10 \
      -artifact_prefix="$build/artifacts/$t-" -print_final_stats=1 2>"$build/$t.log"; then
    tail -40 "$build/$t.log"
    echo "fuzz: $t crashed; reproducer in $build/artifacts/"
    return 1
  fi
  echo "== $t (${seconds}s): $(grep -E "stat::number_of_executed_units" "$build/$t.log" | tail -1 |
    tr -s ' ')"
}
failed=0
running=0
for t in "${targets[@]}"; do
  if (( running >= jobs )); then
    wait -n || failed=1
    running=$((running - 1))
  fi
  run_target "$t" &
  running=$((running + 1))
done
while (( running > 0 )); do
  wait -n || failed=1
  running=$((running - 1))
done
if (( failed )); then
  echo "fuzz: a target crashed (see above)"
  exit 1
fi
echo "fuzz: all ${#targets[@]} targets ran ${seconds}s each without a crash"
