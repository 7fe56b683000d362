#!/usr/bin/env python3
"""Report latency on a large catalog: phireport queries over N assets.

Generates (if missing) a tree of --assets small text files (default
1,000,000: 1,000 directories of 1,000 files, 200-2,000 bytes each). About
15 % of them hold synthetic identifiers with valid checksums (SSN with its
keyword, NPI, email, phone, payment card; see make_corpus.py): PII files,
PHI files (identifiers with clinical words), PCI files. Modes vary (0600,
0640, 0644, 0664) so some sensitive files are exposed. The base tree is
deterministic; a run first restores it (undoing an earlier run's changes).
DIR.complete beside the tree marks it finished; the catalog is DIR.db.

Then:

  scan 1   `phiscan scan DIR --catalog CAT --threads 2` into a fresh catalog
  change   rewrites, re-permissions, removes and adds a few thousand files
  scan 2   the same scan again (incremental), so `diff` has two runs
  reports  each phireport query below, median wall time of --repeat warm
           runs (stdout to /dev/null, --format jsonl), after one untimed
           run that counts the rows it prints

Targeted queries (the goal: under 1 s each on 1,000,000 assets) are
`summary` and the filtered `assets` listings; the others are full dumps
whose time grows with their output, reported for reference.

Prints each core's speed (a fixed loop pinned to it, as run.py does)
before and after the queries, a table (query, kind, median seconds, rows
out: lines of jsonl, so one for summary) and a final line
saying whether every targeted query answered in under --target seconds;
exits 1 if not.

Usage: report_scale.py --phiscan BUILD/tools/phiscan --phireport BUILD/tools/phireport
                       [--dir DIR] [--assets 1000000] [--repeat 3] [--threads 2]
                       [--reuse-catalog] [--target 1.0]

--reuse-catalog skips both scans when the catalog from an earlier run
exists (query timing only; the catalog must be of this phireport's schema
version).
"""
import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_corpus  # noqa: E402  (synthetic identifier generators)
from incremental import remove_catalog  # noqa: E402
from run import probe_cores, probe_text  # noqa: E402  (each core's speed)

PER_DIR = 1000
MIN_SIZE, MAX_SIZE = 200, 2000
LOREM = ("lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod "
         "tempor incididunt ut labore et dolore magna aliqua ut enim ad minim veniam\n")
CLINICAL = ("patient seen in clinic today chief complaint reviewed diagnosis stable "
            "medication continued blood pressure within normal limits follow up\n")
FILLER = LOREM * (MAX_SIZE // len(LOREM) + 2)
CLINICAL_FILLER = CLINICAL * (MAX_SIZE // len(CLINICAL) + 2)
# Permission bits by file (chosen per file): 0600 and 0640 are private;
# 0644 and 0664 (also group-writable) are world-readable, so exposed if
# the file is sensitive.
MODES = (0o600, 0o600, 0o640, 0o640, 0o644, 0o644, 0o664)
MARKER_SUFFIX = ".complete"  # beside the tree (inside, it would be scanned)


# ---------------------------------------------------------------- the tree

def file_path(root, i):
    return os.path.join(root, "d%04d" % (i // PER_DIR), "f%07d.txt" % i)


def added_path(root, j):
    return os.path.join(root, "d%04d" % (j % 1000), "new%05d.txt" % j)


def identifier_lines(kind, ids):
    """Lines with synthetic identifiers for a file of `kind`."""
    if kind == "pii":
        return ["Employee SSN: %s\n" % ids.ssn(), "Phone: %s\n" % ids.phone()]
    if kind == "phi":
        return ["Patient SSN: %s\n" % ids.ssn(), "Attending NPI: %s\n" % ids.npi(),
                "Contact: %s\n" % ids.email()]
    if kind == "pci":
        return ["Visa card number: %s\n" % ids.card()]
    if kind == "contact":
        return ["Email: %s\n" % ids.email(), "Phone: %s\n" % ids.phone()]
    return []


def file_spec(i, variant=0):
    """Content (bytes) and mode of file `i`; deterministic. `variant` 1 is
    the changed version written by change_tree()."""
    rng = random.Random(i * 2 + variant)
    bucket = rng.randrange(100)
    if variant:
        bucket = (bucket + 7) % 16  # a changed file holds identifiers
    kind = ("pii" if bucket < 6 else "phi" if bucket < 10 else "pci" if bucket < 12
            else "contact" if bucket < 15 else "clean")
    clinical = kind == "phi" or (kind == "clean" and bucket % 5 == 0)
    size = rng.randint(MIN_SIZE, MAX_SIZE)
    head = "".join(identifier_lines(kind, make_corpus.Ids(rng)))
    filler = CLINICAL_FILLER if clinical else FILLER
    start = rng.randrange(60)
    body = filler[start:start + max(0, size - len(head))]
    return (head + body).encode(), MODES[rng.randrange(len(MODES))]


def write_file(path, data, mode):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, data)
        os.fchmod(fd, mode)  # not subject to the umask
    finally:
        os.close(fd)


def make_tree(root, n):
    start = time.perf_counter()
    for i in range(n):
        if i % PER_DIR == 0:
            os.makedirs(os.path.dirname(file_path(root, i)), exist_ok=True)
            if i % 100000 == 0 and i:
                print("  %d files, %.0f s" % (i, time.perf_counter() - start), flush=True)
        write_file(file_path(root, i), *file_spec(i))
    with open(root + MARKER_SUFFIX, "w") as f:
        f.write("%d\n" % n)


def change_sets(n):
    """Indices rewritten, re-permissioned and removed by change_tree(), and
    the number of files it adds: about 0.5 % of the tree in all."""
    step = max(n // 1000, 2)
    rewritten = range(3, n, step)
    chmodded = range(5, n, step * 2)
    removed = range(7, n, step * 2)
    return rewritten, chmodded, removed, max(n // 2000, 1)


def restore_tree(root, n):
    """Undoes change_tree(): base content and mode back, added files gone."""
    rewritten, chmodded, removed, added = change_sets(n)
    for i in sorted(set(rewritten) | set(chmodded) | set(removed)):
        write_file(file_path(root, i), *file_spec(i))
    for j in range(added):
        try:
            os.unlink(added_path(root, j))
        except FileNotFoundError:
            pass


def change_tree(root, n):
    rewritten, chmodded, removed, added = change_sets(n)
    for i in rewritten:
        write_file(file_path(root, i), *file_spec(i, variant=1))
    for i in chmodded:
        os.chmod(file_path(root, i), 0o644)
    for i in removed:
        os.unlink(file_path(root, i))
    for j in range(added):
        data, _ = file_spec(n + j, variant=1)
        write_file(added_path(root, j), data, 0o644)
    return len(rewritten), len(chmodded), len(removed), added


# ---------------------------------------------------------------- commands

def scan(phiscan, tree, catalog, threads, log):
    """One `phiscan scan`; returns wall seconds and its scan_finished event."""
    if os.path.exists(log):
        os.unlink(log)
    cmd = [phiscan, "scan", tree, "--catalog", catalog, "--threads", str(threads), "--quiet",
           "--log-format", "json", "--log-file", log]
    start = time.perf_counter()
    p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.perf_counter() - start
    if p.returncode != 0:
        sys.exit("phiscan failed (%d): %s\n%s"
                 % (p.returncode, " ".join(cmd), p.stderr.decode(errors="replace")))
    event = {}
    with open(log) as f:
        for line in f:
            e = json.loads(line)
            if e.get("event") == "scan_finished":
                event = e
    return wall, event


def queries(tree):
    """(name, phireport arguments, targeted?) for every timed query."""
    folder = os.path.join(tree, "d0123") + "/"
    return [
        ("summary", ["summary"], True),
        ("summary --min-confidence high", ["summary", "--min-confidence", "high"], True),
        ("assets --label PHI", ["assets", "--label", "PHI"], True),
        ("assets --label PCI", ["assets", "--label", "PCI"], True),
        ("assets --type US_NPI", ["assets", "--type", "US_NPI"], True),
        ("assets --exposed", ["assets", "--exposed"], True),
        ("assets --exposed --label PHI", ["assets", "--exposed", "--label", "PHI"], True),
        ("assets --path-prefix DIR/d0123/", ["assets", "--path-prefix", folder], True),
        ("assets --min-confidence high", ["assets", "--min-confidence", "high"], True),
        ("assets --status partial", ["assets", "--status", "partial"], True),
        ("assets --content msg", ["assets", "--content", "msg"], True),
        ("assets --type US_SSN --min-confidence high --path-prefix DIR/d0123/",
         ["assets", "--type", "US_SSN", "--min-confidence", "high", "--path-prefix", folder],
         True),
        ("assets (all)", ["assets"], False),
        ("findings --type US_SSN", ["findings", "--type", "US_SSN"], False),
        ("folders", ["folders"], False),
        ("runs", ["runs"], False),
        ("diff", ["diff"], False),
        ("events", ["events"], False),
    ]


def report_cmd(phireport, catalog, args):
    return [phireport] + args + ["--catalog", catalog, "--format", "jsonl"]


def count_rows(cmd):
    """Runs `cmd` once (untimed, also warms the cache); returns output lines."""
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode != 0:
        sys.exit("phireport failed (%d): %s\n%s"
                 % (p.returncode, " ".join(cmd), p.stderr.decode(errors="replace")))
    return p.stdout.count(b"\n")


def time_query(cmd, repeat):
    """Median wall seconds of `repeat` runs with stdout to /dev/null."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        times.append(time.perf_counter() - start)
        if p.returncode != 0:
            sys.exit("phireport failed: %s\n%s" % (" ".join(cmd), p.stderr.decode()))
    return statistics.median(times)


# ---------------------------------------------------------------- main

def prepare_tree(tree, n):
    marker = tree + MARKER_SUFFIX
    if os.path.exists(marker):
        with open(marker) as f:
            if int(f.read()) != n:
                sys.exit("%s was built with another --assets; use another --dir" % tree)
        print("restoring the base tree %s" % tree, flush=True)
        restore_tree(tree, n)
    else:
        print("generating %d files under %s" % (n, tree), flush=True)
        start = time.perf_counter()
        make_tree(tree, n)
        print("  generated in %.0f s" % (time.perf_counter() - start), flush=True)


def run_scans(args, phiscan, tree, catalog):
    log = catalog + ".scan.log"
    remove_catalog(catalog)
    wall, ev = scan(phiscan, tree, catalog, args.threads, log)
    print("scan 1 (fresh catalog): %.1f s, %d assets (%.0f/s), %d findings, %.1f MB;"
          " catalog writer %.1f s busy, %.1f s CPU"
          % (wall, ev.get("assets", 0), ev.get("assets", 0) / wall, ev.get("findings", 0),
             ev.get("bytes_scanned", 0) / 1e6, ev.get("writer_busy_seconds", 0),
             ev.get("writer_cpu_seconds", 0)), flush=True)
    changed = change_tree(tree, args.assets)
    print("changed: %d rewritten, %d made 0644, %d removed, %d added" % changed, flush=True)
    wall, ev = scan(phiscan, tree, catalog, args.threads, log)
    print("scan 2 (incremental): %.1f s, %d assets seen, %d of them unchanged (not read)"
          % (wall, ev.get("assets", 0), ev.get("unchanged", 0)), flush=True)
    os.unlink(log)


def catalog_facts(phireport, catalog):
    p = subprocess.run([phireport, "summary", "--catalog", catalog, "--format", "json"],
                       stdout=subprocess.PIPE, check=True)
    s = json.loads(p.stdout)
    size = sum(os.path.getsize(catalog + x) for x in ("", "-wal")
               if os.path.exists(catalog + x))
    print("catalog %s: %.0f MB; %d assets, %d findings, %d sensitive, %d exposed, %d removed;"
          " labels %s" % (catalog, size / 1e6, s["assets"], s["findings"], s["sensitive"],
                          s["exposed"], s["removed"], s["by_label"]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--phiscan", required=True)
    ap.add_argument("--phireport", required=True)
    ap.add_argument("--dir", help="the tree; default $TMPDIR/phiscan-report-ASSETS")
    ap.add_argument("--assets", type=int, default=1000000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--target", type=float, default=1.0, help="seconds")
    ap.add_argument("--reuse-catalog", action="store_true")
    args = ap.parse_args()
    phiscan = os.path.abspath(args.phiscan)
    phireport = os.path.abspath(args.phireport)
    tree = os.path.abspath(args.dir or os.path.join(
        tempfile.gettempdir(), "phiscan-report-%d" % args.assets))
    catalog = tree.rstrip("/") + ".db"  # beside the tree, not in it

    if args.reuse_catalog and os.path.exists(catalog):
        print("reusing catalog %s (no scans)" % catalog)
    else:
        prepare_tree(tree, args.assets)
        run_scans(args, phiscan, tree, catalog)
    catalog_facts(phireport, catalog)

    def print_cores(when):
        # A vCPU of a shared VM can run 1.6x slower than the other for
        # minutes: a query's time then depends on where it ran.
        print("core probe %s: %s" % (when, probe_text(probe_cores())))

    print_cores("before the queries")
    print("\n%-70s %-8s %9s %9s" % ("query", "kind", "median s", "rows out"))
    slow = []
    for name, qargs, targeted in queries(tree):
        cmd = report_cmd(phireport, catalog, qargs)
        rows = count_rows(cmd)
        secs = time_query(cmd, args.repeat)
        kind = "target" if targeted else "dump"
        print("%-70s %-8s %9.3f %9d" % (name, kind, secs, rows), flush=True)
        if targeted and secs >= args.target:
            slow.append(name)
    print()
    print_cores("after the queries")
    if slow:
        print("\nFAIL: %d targeted queries took %.1f s or more: %s"
              % (len(slow), args.target, "; ".join(slow)))
        return 1
    print("\nOK: summary and every filtered asset listing answered in under %.1f s"
          % args.target)
    return 0


if __name__ == "__main__":
    sys.exit(main())
