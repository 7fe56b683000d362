#!/usr/bin/env python3
"""Where a scan's CPU goes, by kind of file.

Splits a tree (default: the benchmark corpus) by file name extension into
one tree per kind, made of hard links (copies where linking fails), and
times `phiscan scan --threads 1` over each kind alone, into a fresh
catalog. Prints per kind: files, MB, findings, CPU seconds (user + system,
the whole process: scanner, catalog writer and walker), MB per CPU second,
the kind's share of the tree's bytes and of the CPU, and the catalog
writer's CPU. Medians of --repeat runs; one warm-up scan of every kind
first, so that the compiled rules come from phiscan's cache and the files
from the page cache.

A kind whose share of the CPU is far above its share of the bytes is where
the time goes: on the benchmark tree, the record exports (every cell an
identifier) and the logs (a date candidate on every line). CPU time is
less noisy than wall time on a shared machine, but still varies by 10-20 %
between sittings: compare builds by alternating them.

Usage: by_kind.py --phiscan BUILD/tools/phiscan [--tree DIR] [--repeat 3]
"""
import argparse
import os
import shutil
import statistics
import sys
import tempfile

# The same scan and log reading as the small-files benchmark.
import incremental
from incremental import remove_catalog


def kind_of(name):
    base, _, ext = name.rpartition(".")
    return ext.lower() if base and ext else "(none)"


def split_tree(tree, work):
    """Links every regular file of `tree` into work/KIND/...; returns
    {kind: (files, bytes)}."""
    kinds = {}
    for dirpath, _, names in os.walk(tree):
        rel = os.path.relpath(dirpath, tree)
        for name in names:
            src = os.path.join(dirpath, name)
            if os.path.islink(src) or not os.path.isfile(src):
                continue
            kind = kind_of(name)
            dst_dir = os.path.join(work, kind, rel)
            os.makedirs(dst_dir, exist_ok=True)
            dst = os.path.join(dst_dir, name)
            try:
                os.link(src, dst)
            except OSError:
                shutil.copy2(src, dst)
            files, size = kinds.get(kind, (0, 0))
            kinds[kind] = (files + 1, size + os.path.getsize(src))
    return kinds


def scan(phiscan, tree, work):
    """One `phiscan scan --threads 1` of `tree` into a fresh catalog; returns
    CPU seconds (user + system) and the log's scan_finished event."""
    catalog = os.path.join(work, "c.db")
    remove_catalog(catalog)
    run = incremental.scan(phiscan, tree, catalog, 1, os.path.join(work, "scan.log"))
    return run["user"] + run["sys"], run["event"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--phiscan", required=True)
    ap.add_argument("--tree", default="build/bench-corpus")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    if not os.path.isdir(args.tree):
        sys.exit("by_kind.py: no tree at %s (tools/bench.sh generates one)" % args.tree)
    if not os.access(args.phiscan, os.X_OK):
        sys.exit("by_kind.py: %s is not an executable" % args.phiscan)

    # Next to the tree, so that hard links work (same file system).
    parent = os.path.dirname(os.path.abspath(args.tree))
    work = tempfile.mkdtemp(prefix=".by-kind-", dir=parent)
    try:
        kinds = split_tree(args.tree, os.path.join(work, "trees"))
        order = sorted(kinds, key=lambda k: -kinds[k][1])
        for kind in order:  # warm-up: rule cache, page cache
            scan(args.phiscan, os.path.join(work, "trees", kind), work)
        rows = []
        for kind in order:
            runs = [scan(args.phiscan, os.path.join(work, "trees", kind), work)
                    for _ in range(args.repeat)]
            cpu = statistics.median(r[0] for r in runs)
            event = runs[-1][1]
            rows.append((kind, kinds[kind][0], kinds[kind][1], event["findings"], cpu,
                         statistics.median(r[1].get("writer_cpu_seconds", 0) for r in runs)))
    finally:
        shutil.rmtree(work, ignore_errors=True)

    total_bytes = sum(r[2] for r in rows) or 1
    total_cpu = sum(r[4] for r in rows) or 1e-9
    print("tree: %s, %d files, %.1f MB; phiscan scan --threads 1, median of %d" %
          (args.tree, sum(r[1] for r in rows), total_bytes / 1e6, args.repeat))
    print("%-8s %7s %9s %10s %8s %9s %8s %7s %11s" %
          ("kind", "files", "MB", "findings", "CPU s", "MB/CPU-s", "bytes", "CPU", "writer CPU"))
    for kind, files, size, findings, cpu, writer in rows:
        print("%-8s %7d %9.1f %10d %8.2f %9.1f %7.1f%% %6.1f%% %10.2fs" %
              (kind, files, size / 1e6, findings, cpu, size / 1e6 / max(cpu, 1e-9),
               100.0 * size / total_bytes, 100.0 * cpu / total_cpu, writer))
    print("%-8s %7d %9.1f %10d %8.2f %9.1f" %
          ("all", sum(r[1] for r in rows), total_bytes / 1e6, sum(r[3] for r in rows),
           total_cpu, total_bytes / 1e6 / total_cpu))


if __name__ == "__main__":
    main()
