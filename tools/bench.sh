#!/usr/bin/env bash
# The throughput benchmark of README "Performance" in one command: installs
# what is missing (ripgrep too), builds phiscan (Release), generates the
# share-like corpus (1 GiB, 20,000 files) if DIR does not exist yet, then
# runs tools/bench/run.py: cat, ripgrep and phiscan over the same tree in
# one run, medians, ratios, files/s and peak RSS.
#
# Usage: tools/bench.sh [DIR] [run.py options, e.g. --repeat 5]
#   DIR defaults to build/bench-corpus (about 1.1 GB of disk).
set -euo pipefail
cd "$(dirname "$0")/.."

tree=build/bench-corpus
if [[ $# -gt 0 && $1 != --* ]]; then
  tree=$1
  shift
fi

PHISCAN_WITH_BENCH=1 tools/setup.sh
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DPHISCAN_BUILD_TESTS=OFF >/dev/null
cmake --build build/release --target phiscan

if [[ ! -d $tree ]]; then
  echo "bench: generating the corpus in $tree" >&2
  rm -rf "$tree.partial"
  python3 tools/bench/make_corpus.py --out "$tree.partial" --size 1G --files 20000
  mv "$tree.partial" "$tree"
fi
exec python3 tools/bench/run.py --phiscan build/release/tools/phiscan --tree "$tree" "$@"
