#!/usr/bin/env python3
"""Throughput benchmark: phiscan against ripgrep and plain reading, same tree, same run.

For each tool the tree is read from the page cache (one warm-up pass first).
The commands run in --repeat rounds, each command once per round, and the
median wall time is reported as MB/s over the bytes of the regular files in
the tree, with the median CPU time (user + system) and the peak RSS.
Commands:

  cat      read every file (2 workers): the I/O ceiling of issue 6. GNU cat
           allocates and frees a buffer per file, which costs more than the
           read on some VMs, so a second ceiling is printed:
  read     ripgrep -a looking for a string that is in no file, 2 threads:
           every byte read (binaries and archives too, as raw bytes) with a
           reused buffer and a memchr-speed search
  rg       ripgrep --no-unicode -c over the primary regexes of the built-in
           rule pack (same \\b semantics as Hyperscan and RE2), 2 threads:
           the issue's reference. -c counts matching lines, so ripgrep stops
           at a line's first match; a second row counts every match
           (--count-matches), the work phiscan does, for comparison
  phiscan  a full scan into a fresh catalog, with 1 and 2 threads, and with
           1 thread pinned to one core (taskset -c 0): with --threads 1 the
           catalog writer and the walker still run on the second core, so
           "1 thread" is not "1 core"; scaling is printed against both

Each round also times a fixed Python loop pinned to each core and prints
how much slower the slowest core ran than the fastest: on a shared VM one
vCPU can run about 1.6x slower than the other for minutes, which skews the
scaling and the ratios.

Usage: run.py --phiscan BUILD/tools/phiscan --tree DIR [--repeat 3] [--rules builtin.yaml]
"""
import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time


def tree_bytes(root):
    total = files = 0
    for d, _, names in os.walk(root):
        for n in names:
            p = os.path.join(d, n)
            if os.path.isfile(p) and not os.path.islink(p):
                total += os.path.getsize(p)
                files += 1
    return total, files


def rule_regexes(path):
    """Primary regexes of a rule pack (single-quoted YAML scalars), deduplicated."""
    out = []
    for line in open(path, encoding="utf-8"):
        m = re.match(r"\s*-?\s*regex:\s*'(.*)'\s*$", line)
        if m:
            rx = m.group(1).replace("''", "'")
            # {{list}} expands to a keyword list inside phiscan; ripgrep gets
            # the regexes it can run as written.
            if "{{" in rx:
                continue
            if rx not in out:
                out.append(rx)
    return out


# A string that no file of a generated tree holds: ripgrep reads every byte
# looking for it.
ABSENT = "phiscan-bench-absent-7f3a9c"


def run(cmd, cwd=None):
    """Runs cmd; returns wall seconds, peak RSS (MB), CPU seconds (user + system,
    with the children it waited for), exit code and stderr."""
    start = time.perf_counter()
    p = subprocess.Popen(cmd, shell=isinstance(cmd, str), stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, cwd=cwd)
    _, status, usage = os.wait4(p.pid, 0)
    elapsed = time.perf_counter() - start
    p.returncode = os.waitstatus_to_exitcode(status)
    err = p.stderr.read().decode(errors="replace")
    p.stderr.close()
    return elapsed, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime, p.returncode, err


# A fixed CPU-bound loop, timed on each core in every round. On the shared
# VMs this project is measured on, one vCPU at a time can run about 1.6x
# slower than the other for minutes; without this, that reads as noise or
# as poor scaling.
CORE_PROBE = "x = 0\nfor i in range(3_000_000):\n    x += i\n"


def probe_cores():
    """Wall seconds of CORE_PROBE pinned to each core this process may use
    (at most 8), as {core: seconds}."""
    cores = sorted(os.sched_getaffinity(0))[:8]
    out = {}
    for core in cores:
        t, _, _, rc, err = run(["taskset", "-c", str(core), sys.executable, "-c", CORE_PROBE])
        if rc != 0:
            sys.exit("run.py: core probe failed on core %d: %s" % (core, err.strip()))
        out[core] = t
    return out


def probe_text(probe):
    """One probe as "cpu0 0.29 s, cpu1 0.30 s; slowest against fastest 1.03x"."""
    return "%s; slowest against fastest %.2fx" % (
        ", ".join("cpu%d %.2f s" % (c, t) for c, t in sorted(probe.items())),
        max(probe.values()) / min(probe.values()))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--phiscan", required=True)
    ap.add_argument("--tree", required=True)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--rules", default=os.path.join(os.path.dirname(__file__), "..", "..",
                                                    "classifiers", "rules", "builtin.yaml"))
    a = ap.parse_args()
    for tool in ("rg", "taskset", "cat", "xargs"):
        if shutil.which(tool) is None:
            sys.exit("run.py: %s not found (tools/bench.sh installs what the benchmark needs)" % tool)
    if not os.access(a.phiscan, os.X_OK):
        sys.exit("run.py: --phiscan %s is not an executable" % a.phiscan)
    if not os.path.isdir(a.tree):
        sys.exit("run.py: --tree %s is not a directory" % a.tree)
    size, files = tree_bytes(a.tree)
    tmp = tempfile.mkdtemp(prefix="phiscan-bench-")
    patterns = os.path.join(tmp, "patterns.txt")
    with open(patterns, "w") as f:
        f.write("\n".join(rule_regexes(a.rules)) + "\n")
    tree = a.tree
    catalog = os.path.join(tmp, "bench.db")

    def phiscan(threads, pin=False):
        def cmd():
            for suffix in ("", "-wal", "-shm"):
                if os.path.exists(catalog + suffix):
                    os.remove(catalog + suffix)
            return (["taskset", "-c", "0"] if pin else []) + [
                a.phiscan, "scan", "--quiet", "--threads", str(threads), "--catalog", catalog, tree]
        return cmd

    tools = [
        ("cat (2 workers)", lambda: "find %s -type f -print0 | xargs -0 -P2 -n 256 cat > /dev/null" % tree),
        ("read: rg -a, absent string",
         lambda: ["rg", "-a", "--no-unicode", "-c", "-j2", "-F", ABSENT, tree]),
        ("rg --no-unicode -c, 2 threads",
         lambda: ["rg", "--no-unicode", "-c", "-j2", "-f", patterns, tree]),
        ("rg --count-matches, 2 threads",
         lambda: ["rg", "--no-unicode", "--count-matches", "-j2", "-f", patterns, tree]),
        ("phiscan scan, 1 thread, 1 core", phiscan(1, pin=True)),
        ("phiscan scan, 1 thread", phiscan(1)),
        ("phiscan scan, 2 threads", phiscan(2)),
    ]
    run(tools[0][1]())  # warm the page cache
    print("tree: %s, %d files, %.1f MB; %d rule regexes" % (tree, files, size / 1e6,
                                                          len(rule_regexes(a.rules))))
    # Rounds: every command once per round, so a slow spell of the machine
    # falls on all of them alike instead of on whichever ran during it.
    samples = {name: [] for name, _ in tools}  # (wall, RSS, CPU) per round
    probes = []  # per round: {core: seconds}
    for _ in range(a.repeat):
        probes.append(probe_cores())
        for name, make in tools:
            t, m, cpu, rc, err = run(make())
            if rc not in (0, 1):
                sys.exit("%s failed (exit %d): %s" % (name, rc, err.strip()))
            samples[name].append((t, m, cpu))
    results, cpus = {}, {}
    for name, _ in tools:
        times, rss, cpu = zip(*samples[name])
        med = statistics.median(times)
        results[name] = med
        cpus[name] = statistics.median(cpu)
        print("%-32s %7.2f s  %8.1f MB/s  %8.0f files/s  CPU %6.2f s  peak RSS %6.1f MB" % (
            name, med, size / med / 1e6, files / med, cpus[name], max(rss)))
    cat = results["cat (2 workers)"]
    rg = results["rg --no-unicode -c, 2 threads"]
    p1 = results["phiscan scan, 1 thread"]
    p2 = results["phiscan scan, 2 threads"]
    rgm = results["rg --count-matches, 2 threads"]
    print("phiscan/rg throughput (2 threads): %.2fx" % (rg / p2))
    print("phiscan/rg --count-matches:        %.2fx" % (rgm / p2))
    print("phiscan share of the read ceiling:  %.0f%% of cat, %.0f%% of ripgrep's reading" % (
        100 * cat / p2, 100 * results["read: rg -a, absent string"] / p2))
    print("phiscan 2-thread scaling:           %.2fx (from --threads 1), %.2fx (from one core)" % (
        p1 / p2, results["phiscan scan, 1 thread, 1 core"] / p2))
    print("phiscan CPU with 2 threads:         %.2f s, %.2f cores busy (%.2f s on one core)" % (
        cpus["phiscan scan, 2 threads"], cpus["phiscan scan, 2 threads"] / p2,
        cpus["phiscan scan, 1 thread, 1 core"]))
    # The cores' speeds: each round's slowest core against its fastest. The
    # pinned scan runs on core 0, so a slow core 0 inflates the scaling
    # from one core, and any slow core caps the scaling of 2 threads.
    ratios = [max(p.values()) / min(p.values()) for p in probes]
    for i, p in enumerate(probes):
        print("core probe, round %d:                %s" % (i + 1, probe_text(p)))
    print("slowest core against fastest:       %.2fx median, %.2fx worst round%s" % (
        statistics.median(ratios), max(ratios),
        "" if max(ratios) < 1.2 else "  (unequal cores: the ratios above are skewed)"))


if __name__ == "__main__":
    main()
