#!/usr/bin/env bash
# Installs what phiscan needs to build, test and run, from Debian 12 packages.
# Installs only what is missing; uses sudo when not root. Safe to re-run.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config python3 sqlite3
  libre2-dev libarchive-dev libsqlite3-dev libtbb-dev libssl-dev
  libyaml-cpp-dev libcli11-dev nlohmann-json3-dev libfmt-dev catch2 libacl1-dev python3-yaml
  libpoppler-cpp-dev  # PDF text (optional at build time; without it PDFs are skipped(unsupported))
  zlib1g-dev  # inflating PDF streams to measure them before poppler does
  liblzma-dev  # unpacking a 7z header to count its entries before libarchive holds them all
  clang  # the ASan+UBSan test build and the libFuzzer targets (tools/fuzz.sh)
  lld  # links the test builds (tools/test.sh) in a quarter of ld.bfd's time
)
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "ok installed"; }

# Hyperscan's API. On amd64, Intel's Hyperscan (Debian 12: 5.4.0), which
# replaces Vectorscan if that is installed (the two packages conflict):
# Debian 12's Vectorscan 5.4.9 misses matches and reports false ones,
# depending on where the scanned block lies in memory (README, Limits).
# Elsewhere Debian has only Vectorscan. PHISCAN_VECTORSCAN=1 keeps
# Vectorscan on amd64 too (to compare the two), and so does another
# installed package that needs it (removing Vectorscan would remove that).
remove=()
others_need_vectorscan() {
  installed libvectorscan5 || return 1
  local users
  users=$(apt-cache rdepends --installed libvectorscan5 2>/dev/null | tail -n +3 |
    grep -v -x '  libvectorscan-dev' || true)
  [ -n "$users" ]
}
use_hyperscan=0
if [ "$(dpkg --print-architecture)" = amd64 ] && [ "${PHISCAN_VECTORSCAN:-0}" != 1 ]; then
  if others_need_vectorscan; then
    echo "setup: keeping Vectorscan, which other installed packages need; it can miss" \
      "matches (README, Limits)" >&2
  else
    use_hyperscan=1
  fi
fi
if [ "$use_hyperscan" = 1 ]; then
  packages+=(libhyperscan-dev)
  for p in libvectorscan-dev libvectorscan5; do
    if installed "$p"; then remove+=("$p-"); fi
  done
elif ! installed libhyperscan-dev; then
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
  installed "$p" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "setup: installing ${missing[*]}${remove[*]:+ (removing ${remove[*]%-})}" >&2
SUDO=()
if [ "$(id -u)" -ne 0 ]; then SUDO=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" "${remove[@]}" >/dev/null
