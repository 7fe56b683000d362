#!/usr/bin/env python3
"""Peak-memory benchmark: phiscan on huge files and on many small files.

Generates (if missing) in --dir, with synthetic identifiers only (SSN, NPI,
phone, email from make_corpus.py, valid checksums, each next to its keyword):

  big.txt      4 GiB of clinical-note sentences and application-log lines,
               one identifier line about every 16 KiB
  oneline.txt  1 GiB of the same content with no newline at all
  small/       --small-files text files of 1-4 KiB (default 50,000), every
               fourth holding one identifier
  entries.zip  a zip of --archive-entries one-line entries (default
               2,000,000), stored, and entries.7z of as many empty ones, its
               header LZMA-packed: archives whose listing alone, held whole,
               would take hundreds of MB

then scans each input, and all of them together, with `phiscan scan
--threads 2` into a fresh catalog, and prints the wall time, throughput and
the child's peak RSS (ru_maxrss from wait4) of each run, with the assets'
coverage status and finding counts from `phireport assets`. Per-file limits
are lifted (--max-file-size 0, --max-time 0) so every file is classified to
its end. The inputs are deleted at the end unless --keep. Exit status 1 if a
run failed or went over --limit-mb (default 300) of peak RSS.

Usage: memory.py --phiscan BUILD/tools/phiscan [--dir /tmp/phiscan-mem] [--keep]
                 [--small-files 50000] [--archive-entries 2000000] [--limit-mb 300]
"""
import argparse
import collections
import json
import lzma
import multiprocessing
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import zipfile
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_corpus  # noqa: E402  (synthetic identifier generators)

GiB = 1 << 30
BIG_SIZE = 4 * GiB
ONELINE_SIZE = GiB
SEGMENT = 16 << 10   # filler bytes between two identifier lines
SEGMENTS = 256       # segments per block (4 MiB)
LIMIT_FLAGS = ["--max-file-size", "0", "--max-time", "0"]


def note_line(r):
    words = " ".join(r.choice(make_corpus.WORDS) for _ in range(r.randint(8, 20)))
    return words.capitalize() + "."


def log_line(r):
    return "2026-11-%02dT%02d:%02d:%02dZ INFO svc[%d] request id=%08x status=200 ms=%d" % (
        r.randint(1, 30), r.randint(0, 23), r.randint(0, 59), r.randint(0, 59),
        r.randint(100, 9999), r.getrandbits(32), r.randint(1, 900))


def filler(r, size):
    """About `size` bytes of note and log lines, ending with a newline."""
    lines, n = [], 0
    while n < size:
        line = note_line(r) if r.random() < 0.6 else log_line(r)
        lines.append(line)
        n += len(line) + 1
    return ("\n".join(lines) + "\n").encode()


def id_line(r, ids):
    """One synthetic identifier with the keyword that makes it a finding."""
    kind = r.randrange(4)
    if kind == 0:
        return "Patient SSN: %s verified at registration.\n" % ids.ssn()
    if kind == 1:
        return "Referring provider NPI %s, signed order.\n" % ids.npi()
    if kind == 2:
        return "Patient callback phone %s.\n" % ids.phone()
    return "Patient portal email %s.\n" % ids.email()


def write_text_file(path, size, newlines, seed):
    """Writes `size` bytes: 4 MiB blocks of shuffled filler segments, each
    followed by a fresh identifier line; no newline at all unless `newlines`."""
    r = random.Random(seed)
    ids = make_corpus.Ids(r)
    pool = [filler(r, SEGMENT) for _ in range(64)]
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        left = size
        while left > 0:
            parts = []
            for _ in range(SEGMENTS):
                parts.append(r.choice(pool))
                parts.append(id_line(r, ids).encode())
            block = b"".join(parts)
            if not newlines:
                block = block.replace(b"\n", b" ")
            f.write(block[:left])
            left -= min(left, len(block))
    os.rename(tmp, path)


def write_small_files(root, count, seed):
    """`count` text files of 1-4 KiB, 500 per directory."""
    r = random.Random(seed)
    ids = make_corpus.Ids(r)
    pool = [filler(r, 4096) for _ in range(64)]
    tmp = root + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    for i in range(count):
        d = os.path.join(tmp, "d%03d" % (i // 500))
        if i % 500 == 0:
            os.makedirs(d)
        data = r.choice(pool)[:r.randint(1024, 4096)]
        if i % 4 == 0:
            data = id_line(r, ids).encode() + data
        with open(os.path.join(d, "f%06d.txt" % i), "wb") as f:
            f.write(data)
    os.rename(tmp, root)


def write_zip_entries(path, count):
    """A zip of `count` stored one-line entries, 1,000 per directory."""
    tmp = path + ".tmp"
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_STORED) as z:
        for i in range(count):
            z.writestr("d%04d/e%07d.txt" % (i // 1000, i), b"x\n")
    os.rename(tmp, path)


def seven_zip_number(v):
    """A 7z NUMBER: as many leading one bits in the first byte as bytes
    follow, little-endian; the first byte's other bits are the high part."""
    for extra in range(9):
        if extra == 8 or v < 1 << (7 * (extra + 1)):
            first = (0xFF << (8 - extra)) & 0xFF
            if extra < 8:
                first |= v >> (8 * extra)
            return bytes([first]) + (v & ((1 << (8 * extra)) - 1)).to_bytes(extra, "little")
    raise ValueError(v)


def write_7z_entries(path, count):
    """A 7z of `count` empty files (7zFormat.txt): a header of kHeader and
    kFilesInfo with kEmptyStream, kEmptyFile and kName, LZMA-packed as 7-Zip
    packs it (the packed header in front, an encoded header describing it at
    the end), so a few MB of file list millions of entries."""
    bits = bytearray(b"\xff" * ((count + 7) // 8))
    if count % 8:
        bits[-1] = (0xFF << (8 - count % 8)) & 0xFF
    names = b"".join(("d%04d/e%07d.txt" % (i // 1000, i)).encode("utf-16-le") + b"\0\0"
                     for i in range(count))
    num = seven_zip_number
    header = (b"\x01\x05" + num(count) +
              b"\x0e" + num(len(bits)) + bits + b"\x0f" + num(len(bits)) + bits +
              b"\x11" + num(len(names) + 1) + b"\x00" + names + b"\x00\x00")
    dict_size = 1 << 24
    packed = lzma.compress(header, format=lzma.FORMAT_RAW,
                           filters=[{"id": lzma.FILTER_LZMA1, "dict_size": dict_size}])
    lzma_props = bytes([(2 * 5 + 0) * 9 + 3]) + struct.pack("<I", dict_size)  # pb 2, lp 0, lc 3
    encoded = (b"\x17\x06" + num(0) + num(1) + b"\x09" + num(len(packed)) + b"\x00" +
               b"\x07\x0b" + num(1) + b"\x00" +
               b"\x01\x23\x03\x01\x01" + num(len(lzma_props)) + lzma_props +
               b"\x0c" + num(len(header)) + b"\x00\x00")
    start = struct.pack("<QQI", len(packed), len(encoded), zlib.crc32(encoded))
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(b"7z\xbc\xaf\x27\x1c\x00\x04" + struct.pack("<I", zlib.crc32(start)) + start)
        f.write(packed)
        f.write(encoded)
    os.rename(tmp, path)


def make_inputs(d, small_files, archive_entries):
    """Creates the missing inputs; returns [(name, path)]."""
    os.makedirs(d, exist_ok=True)
    inputs = [("4 GiB text file", os.path.join(d, "big.txt"),
               lambda p: write_text_file(p, BIG_SIZE, True, 1)),
              ("1 GiB single line", os.path.join(d, "oneline.txt"),
               lambda p: write_text_file(p, ONELINE_SIZE, False, 2))]
    if small_files:
        inputs.append(("%s small files" % format(small_files, ","), os.path.join(d, "small"),
                       lambda p: write_small_files(p, small_files, 3)))
    if archive_entries:
        n = format(archive_entries, ",")
        inputs.append(("zip of %s entries" % n, os.path.join(d, "entries.zip"),
                       lambda p: write_zip_entries(p, archive_entries)))
        inputs.append(("7z of %s entries" % n, os.path.join(d, "entries.7z"),
                       lambda p: write_7z_entries(p, archive_entries)))
    for name, path, make in inputs:
        if not os.path.exists(path):
            start = time.perf_counter()
            # In a child process: a scan's peak RSS as wait4 reports it
            # includes the high-water mark of the process it was forked
            # from, and writing the zip holds a ZipInfo per entry (about
            # 1 GB at 2,000,000 entries), which every run then showed.
            child = multiprocessing.get_context("fork").Process(target=make, args=(path,))
            child.start()
            child.join()
            if child.exitcode != 0:
                sys.exit("generating %s failed" % path)
            print("generated %s in %.0f s" % (path, time.perf_counter() - start), flush=True)
    return [(name, path) for name, path, _ in inputs]


def input_stats(path):
    """Bytes and files under `path`, read once to warm the page cache."""
    total = files = 0
    paths = [path] if os.path.isfile(path) else (
        os.path.join(d, n) for d, _, names in os.walk(path) for n in names)
    for p in paths:
        with open(p, "rb") as f:
            while True:
                n = len(f.read(8 << 20))
                if n == 0:
                    break
                total += n
        files += 1
    return total, files


def scan(phiscan, roots, catalog):
    """Runs one scan; returns wall seconds, peak RSS in MB, exit code, stderr."""
    cmd = [phiscan, "scan", "--quiet", "--threads", "2", "--catalog", catalog] + LIMIT_FLAGS + roots
    start = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = p.stderr.read().decode(errors="replace")
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - start
    p.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_maxrss / 1024, p.returncode, err


def assets(phireport, catalog):
    """Status counts and per-type finding counts over the catalog's assets."""
    out = subprocess.run([phireport, "assets", "--catalog", catalog, "--format", "jsonl"],
                         check=True, capture_output=True, text=True).stdout
    status, types = collections.Counter(), collections.Counter()
    for line in out.splitlines():
        a = json.loads(line)
        status[a["status"] if a["reason"] is None else "%s(%s)" % (a["status"], a["reason"])] += 1
        types.update(a["types"])
    return status, types


def counts_text(counter):
    return ", ".join("%s %s" % (k, format(v, ",")) for k, v in counter.most_common())


def status_text(status):
    """The one status every asset has, or the count of each."""
    return next(iter(status)) if len(status) == 1 else counts_text(status)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--phiscan", required=True)
    ap.add_argument("--phireport", help="default: phireport next to --phiscan")
    ap.add_argument("--dir", default="/tmp/phiscan-mem", help="where the inputs are generated")
    ap.add_argument("--small-files", type=int, default=50000, help="0: no small-file input")
    ap.add_argument("--archive-entries", type=int, default=2000000,
                    help="entries of the zip and 7z inputs; 0: none")
    ap.add_argument("--limit-mb", type=float, default=300, help="peak RSS target")
    ap.add_argument("--keep", action="store_true", help="keep the generated inputs")
    a = ap.parse_args()
    # Scans are started from a process of the forkserver, which stays small:
    # a child's ru_maxrss counts the high-water mark of the process that
    # started it, and this one grows to about 70 MB reading the listing of
    # 50,000 assets, which every later run then showed as its own.
    launcher = multiprocessing.get_context("forkserver").Pool(1)
    phireport = a.phireport or os.path.join(os.path.dirname(a.phiscan), "phireport")
    inputs = make_inputs(a.dir, a.small_files, a.archive_entries)
    runs = [(name, [path]) for name, path in inputs]
    runs.append(("all of them together", [path for _, path in inputs]))
    stats = {path: input_stats(path) for _, path in inputs}
    print("phiscan scan --threads 2 %s, fresh catalog per run" % " ".join(LIMIT_FLAGS))
    rows, failed, over = [], False, False
    for name, roots in runs:
        size = sum(stats[p][0] for p in roots)
        files = sum(stats[p][1] for p in roots)
        tmp = tempfile.mkdtemp(prefix="phiscan-mem-")
        catalog = os.path.join(tmp, "catalog.db")
        wall, rss, rc, err = launcher.apply(scan, (a.phiscan, roots, catalog))
        if rc != 0:
            print("%s: phiscan exited %d: %s" % (name, rc, err.strip()), file=sys.stderr)
            failed = True
            status, types = collections.Counter({"failed": 1}), collections.Counter()
        else:
            status, types = assets(phireport, catalog)
        shutil.rmtree(tmp)
        over |= rss > a.limit_mb
        rows.append((name, size, files, status, types, wall, rss))
    launcher.close()
    print("\n| input | size | files | status | findings | wall s | MB/s | peak RSS MB |")
    print("|---|---:|---:|---|---:|---:|---:|---:|")
    for name, size, files, status, types, wall, rss in rows:
        shown = "%.2f GB" % (size / 1e9) if size >= 1e8 else "%.1f MB" % (size / 1e6)
        print("| %s | %s | %s | %s | %s | %.1f | %.0f | %.0f |" % (
            name, shown, format(files, ","), status_text(status),
            format(sum(types.values()), ","), wall, size / wall / 1e6, rss))
    print()
    for row in rows:
        print("findings by type, %s: %s" % (row[0], counts_text(row[4]) or "none"))
    worst = max(rows, key=lambda row: row[-1])
    verdict = ("went over %.0f MB in at least one run" if over
               else "stayed under %.0f MB in every run")
    print("\npeak RSS %s (highest: %.0f MB, %s)" % (verdict % a.limit_mb, worst[-1], worst[0]))
    if not a.keep:
        for _, path in inputs:
            shutil.rmtree(path) if os.path.isdir(path) else os.remove(path)
    sys.exit(1 if failed or over else 0)


if __name__ == "__main__":
    main()
