#!/usr/bin/env bash
# Quick start: install what is missing, build in Release, scan the bundled
# synthetic sample corpus into a fresh catalog and print the summary report.
set -euo pipefail
cd "$(dirname "$0")/.."

tools/setup.sh
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DPHISCAN_BUILD_TESTS=OFF >/dev/null
cmake --build build/release

mkdir -p build/demo
rm -f build/demo/phiscan.db build/demo/phiscan.db-wal build/demo/phiscan.db-shm
build/release/tools/phiscan scan --catalog build/demo/phiscan.db corpus/sample
build/release/tools/phireport summary --catalog build/demo/phiscan.db
echo
echo "Catalog: build/demo/phiscan.db — try:"
echo "  build/release/tools/phireport assets --catalog build/demo/phiscan.db --min-confidence high"
echo "  build/release/tools/phireport findings --catalog build/demo/phiscan.db --format jsonl"
