#!/usr/bin/env bash
# Installs what phiscan needs to build, test and run, from Debian 12 packages.
# Installs only what is missing; uses sudo when not root. Safe to re-run.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config python3 sqlite3
  libre2-dev libarchive-dev libsqlite3-dev libtbb-dev libssl-dev
  libyaml-cpp-dev libcli11-dev nlohmann-json3-dev libfmt-dev catch2 help2man libacl1-dev python3-yaml
  libpoppler-cpp-dev  # PDF text (optional at build time; without it PDFs are skipped(unsupported))
  zlib1g-dev  # inflating PDF streams to measure them before poppler does
  clang  # the ASan+UBSan test build and the libFuzzer targets (tools/fuzz.sh)
)
# Hyperscan's API: Vectorscan is the maintained fork; an installed Hyperscan is fine too.
if ! dpkg-query -W -f='${Status}' libhyperscan-dev 2>/dev/null | grep -q "ok installed"; then
  packages+=(libvectorscan-dev)
fi

# The HTML report test also renders the page in headless Chromium when it is
# installed; it is large, so only PHISCAN_WITH_CHROMIUM=1 installs it.
if [ "${PHISCAN_WITH_CHROMIUM:-0}" = 1 ]; then
  packages+=(chromium)
fi

# The benchmark (tools/bench.sh) compares against ripgrep.
if [ "${PHISCAN_WITH_BENCH:-0}" = 1 ]; then
  packages+=(ripgrep)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "setup: installing ${missing[*]}" >&2
SUDO=()
if [ "$(id -u)" -ne 0 ]; then SUDO=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
