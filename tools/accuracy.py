#!/usr/bin/env python3
"""Per-type precision, recall and F1 of phiscan's built-in rules.

    python3 tools/accuracy.py [--build DIR | --phiscan BIN --phireport BIN]
                              [--seed N] [--files N] [--check] [--markdown]
                              [--keep DIR]

Generates a synthetic corpus with corpus/generate.py (a different seed from
the bundled sample, so the rules are not measured on the data they were
tuned against), scans it with the real `phiscan scan` into a fresh catalog,
reads every located finding back with `phireport findings --format jsonl`
and compares them with the generator's ground truth:

  * exact types (checksum- or structure-validated, keyword-anchored,
    credentials): a finding is a true positive only with the same file, type
    and byte span as a planted positive;
  * fuzzy types (PERSON_NAME, ADDRESS, DATE_OF_BIRTH, DATE; the manifest
    marks them "fuzzy"): a finding counts if it overlaps a planted positive
    of its type (each positive matches at most one finding).

Everything else a type reports is a false positive (including findings on
the planted hard negatives); every planted positive not matched is a false
negative. Scores are not part of P/R (the end-to-end test checks them).

--check exits 1 unless every exact type reaches precision and recall >= 0.98
and PERSON_NAME, ADDRESS and DATE_OF_BIRTH reach F1 >= 0.90. The numbers
depend only on the seed, the file count and the rules. Stdlib only (plus the
generator's PyYAML).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "corpus"))
sys.dont_write_bytecode = True

import check_manifest  # noqa: E402

EXACT_TARGET = 0.98
FUZZY_F1_TARGET = 0.90
FUZZY_TARGET_TYPES = ("PERSON_NAME", "ADDRESS", "DATE_OF_BIRTH")
DEFAULT_SEED = 20261
DEFAULT_FILES = 200


def run(cmd, **kw):
    res = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)
    if res.returncode != 0:
        sys.stderr.write(res.stderr.decode("utf-8", "replace"))
        raise SystemExit("accuracy.py: command failed (%d): %s" % (res.returncode, " ".join(cmd)))
    return res.stdout.decode("utf-8")


def measure(manifest, findings, rules_types):
    """{type: dict(pos, found, tp, fp, fn)} from manifest records and
    findings [(file, type, start, end)]."""
    stats = {t: {"pos": 0, "found": 0, "tp": 0, "fp": 0, "fn": 0} for t in rules_types}
    positives = {}
    for m in manifest:
        if m["kind"] == "positive":
            positives.setdefault((m["file"], m["type"]), []).append(m)
            stats.setdefault(m["type"], {"pos": 0, "found": 0, "tp": 0, "fp": 0, "fn": 0})
            stats[m["type"]]["pos"] += 1
    used = set()
    for f in sorted(findings):
        path, type_id, start, end = f
        st = stats.setdefault(type_id, {"pos": 0, "found": 0, "tp": 0, "fp": 0, "fn": 0})
        st["found"] += 1
        fuzzy = type_id in check_manifest.FUZZY_TYPES
        match = None
        for i, p in enumerate(positives.get((path, type_id), [])):
            key = (path, type_id, i)
            if key in used:
                continue
            if fuzzy:
                ok = start < p["end"] and p["start"] < end
            else:
                ok = (start, end) == (p["start"], p["end"])
            if ok:
                match = key
                break
        if match is None:
            st["fp"] += 1
        else:
            used.add(match)
            st["tp"] += 1
    for st in stats.values():
        st["fn"] = st["pos"] - st["tp"]
    return stats


def ratios(st):
    p = st["tp"] / (st["tp"] + st["fp"]) if st["tp"] + st["fp"] else 1.0
    r = st["tp"] / (st["tp"] + st["fn"]) if st["tp"] + st["fn"] else 1.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f1


def failures(stats):
    out = []
    for t, st in sorted(stats.items()):
        p, r, f1 = ratios(st)
        if t in check_manifest.FUZZY_TYPES:
            if t in FUZZY_TARGET_TYPES and f1 < FUZZY_F1_TARGET:
                out.append("%s: F1 %.3f < %.2f" % (t, f1, FUZZY_F1_TARGET))
        else:
            if st["pos"] == 0:
                out.append("%s: no planted positives to measure" % t)
            elif p < EXACT_TARGET or r < EXACT_TARGET:
                out.append("%s: precision %.3f recall %.3f < %.2f" % (t, p, r, EXACT_TARGET))
    return out


def table(stats, markdown):
    rows = []
    for t, st in sorted(stats.items(), key=lambda kv: (kv[0] in check_manifest.FUZZY_TYPES,
                                                       kv[0])):
        p, r, f1 = ratios(st)
        kind = "fuzzy" if t in check_manifest.FUZZY_TYPES else "exact"
        rows.append((t, kind, st["pos"], st["found"], st["tp"], st["fp"], st["fn"],
                     "%.3f" % p, "%.3f" % r, "%.3f" % f1))
    head = ("type", "match", "planted", "found", "TP", "FP", "FN", "precision", "recall", "F1")
    if markdown:
        lines = ["| " + " | ".join(head) + " |",
                 "|" + "|".join(["---"] * 2 + ["---:"] * 8) + "|"]
        for row in rows:
            lines.append("| `%s` | " % row[0] + " | ".join(str(x) for x in row[1:]) + " |")
        return "\n".join(lines)
    widths = [max(len(str(x)) for x in col) for col in zip(head, *rows)]
    fmt = "  ".join("%%-%ds" % w if i < 2 else "%%%ds" % w for i, w in enumerate(widths))
    return "\n".join([fmt % head] + [fmt % row for row in rows])


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build", "release"),
                    help="build directory holding tools/phiscan and tools/phireport")
    ap.add_argument("--phiscan")
    ap.add_argument("--phireport")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--files", type=int, default=DEFAULT_FILES)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    ap.add_argument("--markdown", action="store_true", help="print a Markdown table")
    ap.add_argument("--keep", help="generate into this directory (absent or empty) and keep it")
    args = ap.parse_args(argv)
    phiscan = args.phiscan or os.path.join(args.build, "tools", "phiscan")
    phireport = args.phireport or os.path.join(args.build, "tools", "phireport")
    for b in (phiscan, phireport):
        if not os.access(b, os.X_OK):
            raise SystemExit("accuracy.py: %s not found; build first or pass --build" % b)

    with tempfile.TemporaryDirectory(prefix="phiscan-accuracy-") as tmp:
        work = args.keep or os.path.join(tmp, "work")
        tree = os.path.join(work, "tree")
        manifest_path = os.path.join(work, "tree.manifest.jsonl")
        catalog = os.path.join(work, "catalog.db")
        os.makedirs(work, exist_ok=True)
        run([sys.executable, os.path.join(ROOT, "corpus", "generate.py"), "--out", tree,
             "--manifest", manifest_path, "--seed", str(args.seed), "--files", str(args.files)])
        run([phiscan, "scan", "--quiet", "--threads", str(args.threads), "--catalog", catalog,
             tree])
        out = run([phireport, "findings", "--format", "jsonl", "--catalog", catalog])
        findings = []
        prefix = os.path.realpath(tree) + "/"
        for line in out.splitlines():
            if not line.strip():
                continue
            f = json.loads(line)
            path = os.path.realpath(f["path"])
            if not path.startswith(prefix):
                raise SystemExit("accuracy.py: finding outside the tree: %s" % f["path"])
            findings.append((path[len(prefix):], f["type"], f["start"], f["end"]))
        with open(manifest_path, encoding="utf-8") as fh:
            manifest = [json.loads(line) for line in fh if line.strip()]
        types = [t["id"] for t in check_manifest.load_rules()["types"]]
        stats = measure(manifest, findings, types)

    print("phiscan accuracy: seed %d, %d files, %d planted positives, %d findings"
          % (args.seed, args.files, sum(s["pos"] for s in stats.values()), len(findings)))
    print(table(stats, args.markdown))
    bad = failures(stats)
    for b in bad:
        print("below target: " + b, file=sys.stderr)
    if args.check and bad:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
