#!/usr/bin/env bash
# Builds the .deb with CPack from the build tree and checks what it installs.
set -euo pipefail
build=$1
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
(cd "$build" && cpack -G DEB -B "$out" >/dev/null)
deb=$(ls "$out"/*.deb)
contents=$(dpkg-deb -c "$deb" | awk '{print $6}')
for f in ./usr/bin/phiscan ./usr/bin/phireport ./usr/lib/systemd/system/phiscan@.service \
         ./usr/lib/systemd/system/phiscan@.timer ./usr/share/doc/phiscan/jobs.yaml \
         ./usr/share/phiscan/builtin.yaml ./usr/share/man/man1/phiscan.1 \
         ./usr/share/man/man1/phireport.1; do
  grep -qxF "$f" <<<"$contents" || { echo "missing from the package: $f"; exit 1; }
done
depends=$(dpkg-deb -f "$deb" Depends)
for lib in libre2 libarchive13 libsqlite3-0 libtbb12; do
  grep -q "$lib" <<<"$depends" || { echo "missing dependency: $lib"; exit 1; }
done
grep -qE 'libvectorscan5|libhyperscan5' <<<"$depends" || { echo "missing dependency: libhs"; exit 1; }
echo "1 passed, 0 failed"
