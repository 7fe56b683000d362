#!/usr/bin/env bash
# The hand-written manual pages (docs/man): every option a program's --help
# shows, in any of its commands, is in its page; and groff renders each page
# without a warning. Without groff the rendering is not checked (exit 77:
# skipped), the options still are.
set -euo pipefail
src=$1
build=$2
failed=0

# The --help of `prog args...` and of every subcommand below it.
help_tree() {
  local text sub
  text=$("$@" --help)
  printf '%s\n' "$text"
  for sub in $(awk '/^Subcommands:/ {s = 1; next} /^$/ {s = 0} s && /^  [a-z]/ {print $1}' \
               <<<"$text"); do
    help_tree "$@" "$sub"
  done
}

for prog in phiscan phireport; do
  page=$src/docs/man/$prog.1
  # The page's text with troff's \- as the hyphen it prints.
  text=$(sed 's/\\-/-/g' "$page")
  options=$(help_tree "$build/tools/$prog" | grep -oE '^  (-[a-z],)?--[a-z0-9-]+' |
            grep -oE -- '--[a-z0-9-]+' | sort -u | grep -vxE -- '--(help|version)')
  for opt in $options; do
    if ! grep -qF -- "$opt" <<<"$text"; then
      echo "$prog: $opt is in --help but not in docs/man/$prog.1"
      failed=1
    fi
  done
done

if ! command -v groff >/dev/null; then
  echo "groff not installed: rendering not checked"
  [ "$failed" = 0 ] && exit 77
  exit 1
fi
for prog in phiscan phireport; do
  warnings=$(groff -man -Tutf8 -ww -z "$src/docs/man/$prog.1" 2>&1 >/dev/null)
  if [ -n "$warnings" ]; then
    echo "docs/man/$prog.1: groff says:"
    printf '%s\n' "$warnings"
    failed=1
  fi
done
[ "$failed" = 0 ] && echo "2 passed, 0 failed"
exit "$failed"
