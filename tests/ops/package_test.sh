#!/usr/bin/env bash
# Builds the .deb with CPack from the build tree and checks what it installs,
# and that the unit, the cron example and the README's install recipe agree
# on where the programs are.
set -euo pipefail
build=$1
src=$2
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

# The unit and the cron example run a program the package installs, and the
# README's recipe installs it there too (cmake --install defaults to
# /usr/local), creating /etc/phiscan before it installs the job file into it.
readme=$src/README.md
unit=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$src/tools/systemd/phiscan@.service")
cron=$(grep -v '^#' "$src/tools/examples/phiscan.cron" | grep -oE ' /[^ ]+/phiscan ' |
       tr -d ' ' || true)
for program in "$unit" "$cron"; do
  grep -qxF ".$program" <<<"$contents" || { echo "not in the package: $program"; exit 1; }
done
prefix=$(grep -oE 'cmake --install [^ ]+ --prefix [^ ]+' "$readme" | awk '{print $5}' || true)
if [ "${prefix:-/usr/local}/bin/phiscan" != "$unit" ]; then
  echo "README installs to ${prefix:-/usr/local}/bin; the unit runs $unit"
  exit 1
fi
made=$( (grep -nE 'install -d( [^ ]+)* /etc/phiscan( |$)|mkdir -p /etc/phiscan( |$)' "$readme" ||
         true) | head -1 | cut -d: -f1)
first=$( (grep -nE 'install .* /etc/phiscan/' "$readme" || true) | head -1 | cut -d: -f1)
if [ -z "$made" ] || [ "$made" -gt "$first" ]; then
  echo "README installs into /etc/phiscan before it creates it"
  exit 1
fi
echo "2 passed, 0 failed"
