#!/usr/bin/env python3
"""Per-file overhead benchmark: a first scan and an unchanged rescan of many small files.

Generates (if missing) a tree of --files small text files (default 20,000,
sizes up to --max-size = 4 KiB, every tenth holding a synthetic SSN with its
keyword), warms the page cache, then with --threads workers (default 2):

  first    `phiscan scan` into a fresh catalog (median of --repeat runs)
  rescan   `phiscan scan` of the unchanged tree into the catalog of a first
           scan (median of --repeat runs); checked to read nothing: the run
           must record every file unchanged and 0 bytes classified

and prints wall, user and system time, peak RSS, the rescan/first ratio in
wall and CPU time, and files/s of the first scan. The catalog writer's share
comes from the scan's JSON log (`writer_busy_seconds`, `writer_cpu_seconds`,
`findings_written`): the located findings it writes per second of its own
time, on this tree and on a dense one (--dense-files files, each with
--dense-findings synthetic SSNs; 0 skips it).

Timing on a shared machine is noisy: compare CPU time (user + sys) as well
as wall time, and repeat.

Usage: incremental.py --phiscan BUILD/tools/phiscan [--tree DIR] [--files 20000]
                      [--repeat 3] [--threads 2] [--dense-files 2000]
"""
import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

LOREM = ("lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod "
         "tempor incididunt ut labore et dolore magna aliqua\n")


def synthetic_ssn(rng):
    """A value with the structure of an SSN (area not 000/666/9xx, group and
    serial not zero); generated, never a real one."""
    while True:
        area = rng.randint(1, 899)
        if area != 666:
            break
    return "%03d-%02d-%04d" % (area, rng.randint(1, 99), rng.randint(1, 9999))


def make_tree(root, files, max_size, seed=1):
    """`files` text files of max_size/2..max_size bytes, 500 per directory."""
    rng = random.Random(seed)
    for i in range(files):
        d = os.path.join(root, "d%04d" % (i // 500))
        if i % 500 == 0:
            os.makedirs(d, exist_ok=True)
        size = rng.randint(max_size // 2, max_size)
        text = ""
        if i % 10 == 0:
            text = "Patient SSN: %s\n" % synthetic_ssn(rng)
        text += LOREM * (size // len(LOREM) + 1)
        with open(os.path.join(d, "f%06d.txt" % i), "w") as f:
            f.write(text[:size])


def make_dense_tree(root, files, per_file, seed=2):
    """Files full of identifiers: the writer's worst case per byte read."""
    rng = random.Random(seed)
    for i in range(files):
        d = os.path.join(root, "d%03d" % (i // 500))
        if i % 500 == 0:
            os.makedirs(d, exist_ok=True)
        lines = ["Patient SSN: %s\n" % synthetic_ssn(rng) for _ in range(per_file)]
        with open(os.path.join(d, "f%05d.txt" % i), "w") as f:
            f.write("".join(lines))


def tree_stats(root):
    total = files = 0
    for d, _, names in os.walk(root):
        for n in names:
            total += os.path.getsize(os.path.join(d, n))
            files += 1
            with open(os.path.join(d, n), "rb") as f:  # warm the page cache
                f.read()
    return files, total


def remove_catalog(catalog):
    for suffix in ("", "-wal", "-shm", ".key", ".lock"):
        try:
            os.unlink(catalog + suffix)
        except FileNotFoundError:
            pass


def scan(phiscan, tree, catalog, threads, log):
    """Runs one scan; returns wall, user, sys, peak RSS (MB) and the log's
    scan_finished event."""
    if os.path.exists(log):
        os.unlink(log)
    cmd = [phiscan, "scan", "--quiet", "--threads", str(threads), "--catalog", catalog,
           "--log-format", "json", "--log-file", log, tree]
    start = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - start
    err = p.stderr.read().decode(errors="replace")
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit("phiscan failed: %s\n%s" % (" ".join(cmd), err))
    event = None
    with open(log) as f:
        for line in f:
            e = json.loads(line)
            if e.get("event") == "scan_finished":
                event = e
    if event is None:
        sys.exit("no scan_finished event in " + log)
    return {"wall": wall, "user": usage.ru_utime, "sys": usage.ru_stime,
            "rss_mb": usage.ru_maxrss / 1024, "event": event}


def median_of(runs, key):
    return statistics.median(r[key] for r in runs)


def summarize(name, runs):
    wall = median_of(runs, "wall")
    user = median_of(runs, "user")
    sys_ = median_of(runs, "sys")
    rss = max(r["rss_mb"] for r in runs)
    print("%-8s wall %7.3f s  user %6.3f s  sys %6.3f s  cpu %6.3f s  peak RSS %5.0f MB"
          % (name, wall, user, sys_, user + sys_, rss))
    return wall, user + sys_


def writer_rate(name, runs):
    ev = [r["event"] for r in runs]
    written = statistics.median(e.get("findings_written", 0) for e in ev)
    busy = statistics.median(e.get("writer_busy_seconds", 0) for e in ev)
    cpu = statistics.median(e.get("writer_cpu_seconds", 0) for e in ev)
    assets = statistics.median(e["assets"] for e in ev)
    if cpu > 0:
        print("writer (%s): %d assets, %d findings written; busy %.3f s wall, %.3f s CPU;"
              " %.0f findings/s and %.0f assets/s of writer CPU (%.0f findings/s of busy wall)"
              % (name, assets, written, busy, cpu, written / cpu, assets / cpu,
                 written / busy if busy > 0 else 0))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--phiscan", required=True)
    ap.add_argument("--tree", help="default: $TMPDIR/phiscan-small-FILES")
    ap.add_argument("--files", type=int, default=20000)
    ap.add_argument("--max-size", type=int, default=4096)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--dense-files", type=int, default=2000)
    ap.add_argument("--dense-findings", type=int, default=40, help="SSNs per dense file")
    args = ap.parse_args()
    phiscan = os.path.abspath(args.phiscan)
    tree = args.tree or os.path.join(tempfile.gettempdir(), "phiscan-small-%d" % args.files)
    if not os.path.isdir(tree):
        print("generating %d files under %s" % (args.files, tree))
        make_tree(tree, args.files, args.max_size)
    files, total = tree_stats(tree)
    print("tree %s: %d files, %.1f MB; %d threads, median of %d"
          % (tree, files, total / 1e6, args.threads, args.repeat))

    work = tempfile.mkdtemp(prefix="phiscan-bench-")
    try:
        catalog = os.path.join(work, "c.db")
        log = os.path.join(work, "scan.log")
        first = []
        for _ in range(args.repeat):
            remove_catalog(catalog)
            first.append(scan(phiscan, tree, catalog, args.threads, log))
        rescan = []
        for _ in range(args.repeat):
            r = scan(phiscan, tree, catalog, args.threads, log)
            e = r["event"]
            if e["unchanged"] != files or e["bytes_scanned"] != 0:
                sys.exit("rescan read content: %d unchanged of %d, %d bytes classified"
                         % (e["unchanged"], files, e["bytes_scanned"]))
            rescan.append(r)
        fw, fc = summarize("first", first)
        rw, rc = summarize("rescan", rescan)
        print("ratio rescan/first: %.3f wall, %.3f CPU" % (rw / fw, rc / fc))
        print("first scan: %.0f files/s wall, %.0f files/s per CPU-second; rescan: %.0f files/s"
              % (files / fw, files / fc, files / rw))
        print("rescan: %d unchanged, 0 bytes classified (checked)" % files)
        writer_rate("small files", first)

        if args.dense_files > 0:
            dense = os.path.join(tempfile.gettempdir(), "phiscan-dense-%d-%d"
                                 % (args.dense_files, args.dense_findings))
            if not os.path.isdir(dense):
                make_dense_tree(dense, args.dense_files, args.dense_findings)
            dfiles, dtotal = tree_stats(dense)
            runs = []
            for _ in range(args.repeat):
                remove_catalog(catalog)
                runs.append(scan(phiscan, dense, catalog, args.threads, log))
            print("dense tree %s: %d files, %.1f MB" % (dense, dfiles, dtotal / 1e6))
            summarize("dense", runs)
            writer_rate("dense", runs)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
