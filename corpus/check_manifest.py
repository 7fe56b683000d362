#!/usr/bin/env python3
"""Checks a generated corpus tree against its ground-truth manifest.

    python3 corpus/check_manifest.py DIR [MANIFEST] [--rules builtin.yaml]

It re-derives every finding with a small reference scanner that reads the
rules from classifiers/rules/builtin.yaml (regexes, validators, keyword
evidence, scores) and requires:

  * every manifest span's bytes equal its value, values are delimited;
  * the scanner's findings in each text file are exactly the manifest's
    positives (type, span, score), with no other finding anywhere;
  * no finding overlaps a negative; checksum-type negatives fail their
    validator or lack the keyword their pattern needs;
  * keyword evidence is unambiguous: the same answer with a 250- or
    350-byte window and with '_' counted as a word character or not, so an
    implementation's reading of "within 300 bytes" cannot change a score;
  * binary files (NUL in the first 8 KiB) are marked skipped, others complete;
  * .json files parse, .csv files have four columns per row.

Exit status 0 if everything holds, 1 otherwise (problems printed). Stdlib only.
"""

import csv
import io
import json
import os
import re
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import validators  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_RULES = os.path.join(HERE, "..", "classifiers", "rules", "builtin.yaml")

BINARY_SNIFF_BYTES = 8192
DEFAULT_PROXIMITY = 300
# Evidence must come out the same with these windows (see module doc).
STRICT_WINDOW_DELTA = 50
LOOSE_WINDOW_DELTA = 50

CHECKSUM_TYPES = ("US_SSN", "CREDIT_CARD", "US_NPI")


# ---------------------------------------------------------------------------
# Rule file parsing (just enough YAML for builtin.yaml's shape)

def _split_flow_items(body):
    """Items of a YAML flow list body (without brackets)."""
    items, cur, quote = [], [], None
    for c in body:
        if quote:
            if c == quote:
                quote = None
            else:
                cur.append(c)
        elif c in "\"'":
            quote = c
        elif c == ",":
            items.append("".join(cur).strip())
            cur = []
        else:
            cur.append(c)
    last = "".join(cur).strip()
    if last:
        items.append(last)
    return [i for i in items if i != ""]


def _bracket_balanced(text):
    depth, quote = 0, None
    for c in text:
        if quote:
            if c == quote:
                quote = None
        elif c in "\"'":
            quote = c
        elif c == "[":
            depth += 1
        elif c == "]":
            depth -= 1
    return depth == 0


def _single_quoted(s):
    s = s.strip()
    if s.startswith("'") and s.endswith("'"):
        return s[1:-1].replace("''", "'")
    if s.startswith('"') and s.endswith('"'):
        return s[1:-1]
    return s


def parse_keywords(text):
    """The `keywords:` block: {list name: [terms]} in file order."""
    lists = {}
    lines = text.split("\n")
    i = 0
    while i < len(lines) and lines[i].rstrip() != "keywords:":
        i += 1
    if i == len(lines):
        raise ValueError("no keywords: block")
    i += 1
    while i < len(lines):
        line = lines[i]
        if line.strip() == "" or line.lstrip().startswith("#"):
            i += 1
            continue
        if not line.startswith(" "):
            break  # next top-level key
        m = re.match(r"^\s+([A-Za-z0-9_]+):\s*(\[.*)$", line)
        if not m:
            raise ValueError("keywords: cannot parse line %d: %r" % (i + 1, line))
        name, rest = m.group(1), m.group(2)
        while not _bracket_balanced(rest):
            i += 1
            rest += " " + lines[i].strip()
        rest = rest.strip()
        if not (rest.startswith("[") and rest.endswith("]")):
            raise ValueError("keywords: list %s is not a flow list" % name)
        lists[name] = _split_flow_items(rest[1:-1])
        i += 1
    return lists


def parse_types(text):
    """The `types:` block: [{id, proximity, enabled, patterns}] with patterns
    [{regex, validator, score, any_of: [list names]}]."""
    types = []
    in_types = False
    cur_type = cur_pat = None
    for n, line in enumerate(text.split("\n"), 1):
        if not line.startswith(" ") and line.strip():
            in_types = line.rstrip() == "types:"
            continue
        if not in_types:
            continue
        s = line.strip()
        if s.startswith("- id:"):
            cur_type = {"id": s[5:].strip(), "proximity": DEFAULT_PROXIMITY,
                        "enabled": True, "patterns": []}
            types.append(cur_type)
            cur_pat = None
        elif cur_type is None:
            continue
        elif s.startswith("proximity:"):
            cur_type["proximity"] = int(s.split(":", 1)[1])
        elif s.startswith("enabled:"):
            cur_type["enabled"] = s.split(":", 1)[1].strip() == "true"
        elif s.startswith("- regex:"):
            cur_pat = {"regex": _single_quoted(s[8:]), "validator": "", "score": 0,
                       "any_of": []}
            cur_type["patterns"].append(cur_pat)
        elif cur_pat is not None and s.startswith("validator:"):
            cur_pat["validator"] = s.split(":", 1)[1].strip()
        elif cur_pat is not None and s.startswith("score:"):
            cur_pat["score"] = int(s.split(":", 1)[1])
        elif cur_pat is not None and s.startswith("- any_of:"):
            body = s[9:].strip()
            cur_pat["any_of"].append(_split_flow_items(body[1:-1]))
        elif cur_pat is not None and (s.startswith("- none_of:") or s.startswith("- at_least:")):
            raise ValueError("line %d: evidence kind not supported by the corpus "
                             "checker; extend check_manifest.py" % n)
    return [t for t in types if t["enabled"]]


def load_rules(path=DEFAULT_RULES):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    rules = {"keywords": parse_keywords(text), "types": parse_types(text)}
    for t in rules["types"]:
        for p in t["patterns"]:
            if p["validator"] and p["validator"] not in validators.VALIDATORS:
                raise ValueError("type %s: unknown validator %s" % (t["id"], p["validator"]))
            for group in p["any_of"]:
                for name in group:
                    if name not in rules["keywords"]:
                        raise ValueError("type %s: unknown keyword list %s" % (t["id"], name))
            p["compiled"] = re.compile(p["regex"], re.ASCII)
    return rules


def type_keyword_terms(rules, type_id):
    """Every keyword term any pattern of the type can use as evidence."""
    terms = []
    for t in rules["types"]:
        if t["id"] != type_id:
            continue
        for p in t["patterns"]:
            for group in p["any_of"]:
                for name in group:
                    for term in rules["keywords"][name]:
                        if term not in terms:
                            terms.append(term)
    return terms


def all_keyword_terms(rules):
    terms = []
    for lst in rules["keywords"].values():
        for term in lst:
            if term not in terms:
                terms.append(term)
    return terms


# ---------------------------------------------------------------------------
# Keyword search

_WORD_CLASSES = {
    "regex": frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_"),
    "alnum": frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"),
}


def _ascii_lower(text):
    return text.encode("latin-1", "replace").lower().decode("latin-1")


def _occurrences(low, term, word):
    """(start, end) of term in low (ASCII-lowercased text), whole-word at
    ends of the term that are letters or digits. `word` names the set of
    characters that count as word characters next to such an end."""
    wc = _WORD_CLASSES[word]
    t = term.lower()
    check_left, check_right = t[0].isalnum(), t[-1].isalnum()
    i = low.find(t)
    while i >= 0:
        j = i + len(t)
        if not (check_left and i > 0 and low[i - 1] in wc) and \
                not (check_right and j < len(low) and low[j] in wc):
            yield i, j
        i = low.find(t, i + 1)


def find_keywords(text, terms, word="regex", lowered=None):
    """[(start, end, term)] of every occurrence of any term, by start.
    Case-insensitive for ASCII letters."""
    low = lowered if lowered is not None else _ascii_lower(text)
    out = []
    for term in terms:
        for i, j in _occurrences(low, term, word):
            out.append((i, j, term))
    out.sort()
    return out


def first_keyword(text, terms, word="regex"):
    low = _ascii_lower(text)
    for term in terms:
        for _ in _occurrences(low, term, word):
            return term
    return None


# ---------------------------------------------------------------------------
# Reference scanner

class Evidence:
    """Keyword evidence for one type over one text, under several readings."""

    def __init__(self, text, terms, lowered=None):
        low = lowered if lowered is not None else _ascii_lower(text)
        self.occ = {w: find_keywords(text, terms, w, low) for w in _WORD_CLASSES}

    def holds(self, s, e, proximity, word="regex"):
        """The rule as written: a keyword END within `proximity` bytes before
        the value's start, or within `proximity` bytes after its end."""
        for ks, ke, _ in self.occ[word]:
            if s - proximity <= ke <= s or e <= ke <= e + proximity:
                return True
        return False

    def readings(self, s, e, proximity):
        """Evidence under strict and loose readings of the window and of
        whole-word matching; all must agree for the corpus to be exact."""
        out = []
        for w in _WORD_CLASSES:
            occ = self.occ[w]
            strict_p = proximity - STRICT_WINDOW_DELTA
            loose_p = proximity + LOOSE_WINDOW_DELTA
            strict = any((ke <= s and ks >= s - strict_p) or (ks >= e and ke <= e + strict_p)
                         for ks, ke, _ in occ)
            loose = any(ke >= s - loose_p and ks <= e + loose_p for ks, ke, _ in occ)
            out.extend([strict, loose, self.holds(s, e, proximity, w)])
        return out


def scan_text(text, rules):
    """Reference findings: {(type, start, end): score} plus ambiguity notes.

    `text` is the file decoded as latin-1 so indexes are byte offsets. A
    pattern's evidence holds if every one of its any_of groups has a keyword
    of one of the group's lists in the window."""
    findings = {}
    ambiguous = []
    evidence = {}
    low = _ascii_lower(text)
    for t in rules["types"]:
        for p in t["patterns"]:
            groups = []
            for group in p["any_of"]:
                key = tuple(group)
                if key not in evidence:
                    terms = []
                    for name in group:
                        terms.extend(x for x in rules["keywords"][name] if x not in terms)
                    evidence[key] = Evidence(text, terms, low)
                groups.append(evidence[key])
            check = validators.VALIDATORS.get(p["validator"]) if p["validator"] else None
            for m in p["compiled"].finditer(text):
                s, e = m.start(), m.end()
                if check is not None and not check(m.group(0)):
                    continue
                ok = True
                for ev in groups:
                    readings = ev.readings(s, e, t["proximity"])
                    if len(set(readings)) != 1:
                        ambiguous.append((t["id"], s, e, m.group(0)))
                    ok = ok and ev.holds(s, e, t["proximity"])
                if not ok:
                    continue
                key = (t["id"], s, e)
                if findings.get(key, -1) < p["score"]:
                    findings[key] = p["score"]
    return findings, ambiguous


def is_binary(data):
    return b"\x00" in data[:BINARY_SNIFF_BYTES]


# ---------------------------------------------------------------------------
# Manifest checks

def _delimiter_problem(text, s, e, value):
    before = text[s - 1] if s > 0 else ""
    after = text[e] if e < len(text) else ""
    if before and (before.isalnum() or before in "_.-+@"):
        return "value preceded by %r" % before
    if after and (after.isalnum() or after in "_-@"):
        return "value followed by %r" % after
    if after == "." and value[-1].isdigit():
        return "number followed by '.'"
    if after == "." and e + 1 < len(text) and text[e + 1] not in " \n":
        return "value followed by '.' and not a space"
    return None


def check_tree(root, records, rules):
    """Returns a list of problems (empty if the tree matches the manifest)."""
    problems = []
    by_file = {}
    for r in records:
        by_file.setdefault(r["file"], []).append(r)

    on_disk = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for fn in sorted(filenames):
            full = os.path.join(dirpath, fn)
            on_disk.append(os.path.relpath(full, root).replace(os.sep, "/"))
    on_disk.sort()
    if sorted(by_file) != on_disk:
        missing = sorted(set(on_disk) - set(by_file))
        extra = sorted(set(by_file) - set(on_disk))
        problems.append("manifest/tree mismatch: not in manifest %s, not on disk %s"
                        % (missing, extra))

    for rel in on_disk:
        recs = by_file.get(rel, [])
        with open(os.path.join(root, rel), "rb") as f:
            data = f.read()
        text = data.decode("latin-1")
        file_recs = [r for r in recs if r["kind"] == "file"]
        if len(file_recs) != 1:
            problems.append("%s: expected one file record, got %d" % (rel, len(file_recs)))
            continue
        binary = is_binary(data)
        fr = file_recs[0]
        if binary and (fr["status"], fr.get("reason")) != ("skipped", "binary"):
            problems.append("%s: binary file not marked skipped/binary" % rel)
        if not binary and fr["status"] != "complete":
            problems.append("%s: text file not marked complete" % rel)

        positives = [r for r in recs if r["kind"] == "positive"]
        negatives = [r for r in recs if r["kind"] == "negative"]
        for r in positives + negatives:
            if data[r["start"]:r["end"]] != r["value"].encode("utf-8"):
                problems.append("%s@%d: bytes %r != value %r"
                                % (rel, r["start"], data[r["start"]:r["end"]], r["value"]))
                continue
            if not binary:
                p = _delimiter_problem(text, r["start"], r["end"], r["value"])
                if p:
                    problems.append("%s@%d %s %r: %s" % (rel, r["start"], r["kind"],
                                                         r["value"], p))
        if binary:
            if positives:
                problems.append("%s: binary file has positives" % rel)
            continue

        if rel.endswith(".json") and data:
            try:
                json.loads(data.decode("utf-8"))
            except ValueError as exc:
                problems.append("%s: invalid JSON: %s" % (rel, exc))
        if rel.endswith(".csv") and data:
            for row in csv.reader(io.StringIO(data.decode("utf-8"), newline="")):
                if len(row) != 4:
                    problems.append("%s: CSV row with %d columns: %r" % (rel, len(row), row))
                    break

        found, ambiguous = scan_text(text, rules)
        for type_id, s, e, v in ambiguous:
            problems.append("%s@%d: evidence for %s %r depends on how the window or "
                            "word boundary is read" % (rel, s, type_id, v))
        expected = {(r["type"], r["start"], r["end"]): r["score"] for r in positives}
        for key, score in sorted(found.items(), key=lambda kv: kv[0][1]):
            if key not in expected:
                problems.append("%s@%d: unexpected finding %s %r score %d"
                                % (rel, key[1], key[0], text[key[1]:key[2]], score))
            elif expected[key] != score:
                problems.append("%s@%d: %s %r scores %d, manifest says %d"
                                % (rel, key[1], key[0], text[key[1]:key[2]], score,
                                   expected[key]))
        for key in sorted(expected, key=lambda k: k[1]):
            if key not in found:
                problems.append("%s@%d: manifest positive %s %r not found"
                                % (rel, key[1], key[0], text[key[1]:key[2]]))
        spans = sorted((s, e, t) for (t, s, e) in found)
        for a, b in zip(spans, spans[1:]):
            if b[0] < a[1]:
                problems.append("%s@%d: overlapping findings %s and %s" % (rel, b[0], a[2], b[2]))
        for r in negatives:
            for (t, s, e) in found:
                if s < r["end"] and r["start"] < e:
                    problems.append("%s@%d: negative %r (%s) overlaps finding %s"
                                    % (rel, r["start"], r["value"], r["note"], t))

        for r in positives:
            check = validators.TYPE_VALIDATORS[r["type"]]
            if not check(r["value"]):
                problems.append("%s@%d: positive %r fails validators.py"
                                % (rel, r["start"], r["value"]))
        for r in negatives:
            if r["type"] not in CHECKSUM_TYPES:
                continue
            valid = validators.TYPE_VALIDATORS[r["type"]](r["value"])
            ev = Evidence(text, type_keyword_terms(rules, r["type"]))
            has_kw = ev.holds(r["start"], r["end"], DEFAULT_PROXIMITY)
            # SSN and card still score 65 without a keyword when formatted /
            # valid, so a valid negative is only acceptable for patterns that
            # need a keyword (bare SSN, NPI) and must then lack it.
            needs_kw = r["type"] == "US_NPI" or (r["type"] == "US_SSN"
                                                 and r["value"].isdigit())
            if valid and not (needs_kw and not has_kw):
                problems.append("%s@%d: negative %s %r validates and would be reported"
                                % (rel, r["start"], r["type"], r["value"]))
    return problems


def read_manifest(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def main(argv):
    args = list(argv)
    rules_path = DEFAULT_RULES
    if "--rules" in args:
        i = args.index("--rules")
        rules_path = args[i + 1]
        del args[i:i + 2]
    if not 1 <= len(args) <= 2:
        print("usage: check_manifest.py DIR [MANIFEST] [--rules FILE]", file=sys.stderr)
        return 2
    root = args[0].rstrip("/")
    manifest = args[1] if len(args) == 2 else root + ".manifest.jsonl"
    problems = check_tree(root, read_manifest(manifest), load_rules(rules_path))
    for p in problems:
        print("check_manifest: " + p, file=sys.stderr)
    if problems:
        print("check_manifest: %d problem(s)" % len(problems), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
