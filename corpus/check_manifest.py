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
# Rule file loading (PyYAML, Debian python3-yaml)

# Types whose ground truth is fuzzy (context-anchored names, addresses,
# dates): the manifest marks their positives "fuzzy", exact checks skip them
# and tools/accuracy.py measures them by overlap instead.
FUZZY_TYPES = ("PERSON_NAME", "ADDRESS", "DATE_OF_BIRTH", "DATE")


class CaseSensitiveTerm(str):
    """A term of a case-sensitive keyword list: matched in text as written."""


def _literal(term):
    return "".join(c if c.isalnum() and c.isascii() or c == " " else "\\x%02x" % ord(c)
                   for c in term)


def expand_lists(regex, keywords):
    """{{list}} -> (?:term|term...) as in RuleSet::Compile."""
    def sub(m):
        return "(?:" + "|".join(_literal(t) for t in keywords[m.group(1)]) + ")"
    return re.sub(r"\{\{([A-Za-z0-9_]+)\}\}", sub, regex)


# The Matcher's label check (unless_labelled): a term of the lists, then
# separators, or separators around one number word, right before the value,
# at most LABEL_GAP bytes of them; the Matcher reads no further back than
# LABEL_REACH bytes.
LABEL_GAP = 16
LABEL_REACH = 48
_LABEL_SEP = r"[ \t:#.=-]"


def _label_regex(terms):
    if not terms:
        return None
    alts = []
    for t in terms:
        if isinstance(t, CaseSensitiveTerm):
            raise ValueError("unless_labelled with a case-sensitive list is not modelled")
        words = [re.escape(w) for w in str(t).split()]
        alts.append(r"[\s_-]{1,3}".join(words))
    return re.compile(r"(?<![A-Za-z0-9_])(?:%s)((?:%s+(?:number|no|num|nbr|id))?%s+)\Z"
                      % ("|".join(alts), _LABEL_SEP, _LABEL_SEP), re.ASCII | re.IGNORECASE)


def _labelled(label, text, s):
    m = label.search(text, max(0, s - LABEL_REACH), s)
    return m is not None and len(m.group(1)) <= LABEL_GAP


def load_rules(path=DEFAULT_RULES):
    import yaml
    with open(path, encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    keywords = {}
    for k, v in doc["keywords"].items():
        # A list is its terms, or {terms: [...], case_sensitive: true}.
        if isinstance(v, dict):
            wrap = CaseSensitiveTerm if v.get("case_sensitive") else str
            keywords[k] = [wrap(str(t)) for t in v["terms"]]
        else:
            keywords[k] = [str(t) for t in v]
    types = []
    for t in doc["types"]:
        if t.get("enabled", True) is False:
            continue
        prox = int(t.get("proximity", DEFAULT_PROXIMITY))
        pats = []
        for p in t["patterns"]:
            pat = {"regex": p["regex"], "validator": p.get("validator", ""),
                   "score": int(p["score"]), "proximity": int(p.get("proximity", prox)),
                   "any_of": [], "none_of": [], "at_least": [],
                   "dictionary": None,
                   "excludes": [re.compile(x, re.ASCII) for x in p.get("exclude", [])]}
            for e in p.get("evidence", []):
                if "any_of" in e:
                    pat["any_of"].append(list(e["any_of"]))
                elif "none_of" in e:
                    pat["none_of"].append(list(e["none_of"]))
                else:
                    pat["at_least"].append((int(e["at_least"]), list(e["of"])))
            pat["label"] = _label_regex([term for name in p.get("unless_labelled", [])
                                         for term in keywords[name]])
            if p.get("dictionary"):
                pat["dictionary"] = frozenset(
                    term.lower() for name in p["dictionary"] for term in keywords[name])
            if pat["validator"] and pat["validator"] not in validators.VALIDATORS:
                raise ValueError("type %s: unknown validator %s" % (t["id"], pat["validator"]))
            for group in pat["any_of"] + pat["none_of"] + [g for _, g in pat["at_least"]]:
                for name in group:
                    if name not in keywords:
                        raise ValueError("type %s: unknown keyword list %s" % (t["id"], name))
            pat["compiled"] = re.compile(expand_lists(pat["regex"], keywords), re.ASCII)
            pats.append(pat)
        types.append({"id": t["id"], "proximity": prox, "enabled": True, "patterns": pats,
                      "yields_to": list(t.get("yields_to", []))})
    return {"keywords": keywords, "types": types}


def type_keyword_terms(rules, type_id):
    """Every keyword term any pattern of the type can use as evidence."""
    terms = []
    for t in rules["types"]:
        if t["id"] != type_id:
            continue
        for p in t["patterns"]:
            for group in p["any_of"] + p["none_of"] + [g for _, g in p["at_least"]]:
                for name in group:
                    for term in rules["keywords"][name]:
                        if term not in terms:
                            terms.append(term)
    return terms


def all_keyword_terms(rules, exact_only=False):
    """Terms of every keyword list used as evidence (of the exact types only,
    if asked: fuzzy types and label context lists never change an exact
    score)."""
    terms = []
    for t in rules["types"]:
        if exact_only and t["id"] in FUZZY_TYPES:
            continue
        for term in type_keyword_terms(rules, t["id"]):
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
    """(start, end) of term in low (ASCII-lowercased text; the text as
    written for a CaseSensitiveTerm), whole-word at ends of the term that are
    letters or digits. `word` names the set of characters that count as word
    characters next to such an end."""
    wc = _WORD_CLASSES[word]
    t = term if isinstance(term, CaseSensitiveTerm) else term.lower()
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
    Case-insensitive for ASCII letters, but for a CaseSensitiveTerm."""
    low = lowered if lowered is not None else _ascii_lower(text)
    out = []
    for term in terms:
        hay = text if isinstance(term, CaseSensitiveTerm) else low
        for i, j in _occurrences(hay, term, word):
            out.append((i, j, term))
    out.sort()
    return out


def keyword_finder(terms, word="regex"):
    """A function of text that is true when first_keyword(text, terms, word)
    would find a term. A substring test per term (in C) picks the few terms
    present; only those get the whole-word check of _occurrences."""
    insensitive = [(term.lower(), term) for term in terms
                   if not isinstance(term, CaseSensitiveTerm)]
    sensitive = [(term, term) for term in terms if isinstance(term, CaseSensitiveTerm)]

    def found(text):
        low = _ascii_lower(text)
        for hay, table in ((low, insensitive), (text, sensitive)):
            for term in [term for t, term in table if t in hay]:
                for _ in _occurrences(hay, term, word):
                    return True
        return False
    return found


def first_keyword(text, terms, word="regex"):
    low = _ascii_lower(text)
    for term in terms:
        for _ in _occurrences(text if isinstance(term, CaseSensitiveTerm) else low, term, word):
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


def _words(value):
    return re.findall(r"[A-Za-z'-]+", value)


def _excluded(excludes, text, s, e):
    """Whether a match of one of a pattern's exclude expressions overlaps its
    match [s, e), anchor included: the Matcher drops such a match. Excludes
    are 1 to 64 bytes wide, so only that far around the match is looked at."""
    for x in excludes:
        pos, end = max(0, s - 64), min(len(text), e + 64)
        while True:
            m = x.search(text, pos, end)
            if m is None or m.start() >= e:
                break
            if m.end() > s:
                return True
            pos = m.start() + 1
    return False


def scan_text(text, rules, types=None):
    """Reference findings: {(type, start, end): score} plus ambiguity notes.

    `text` is the file decoded as latin-1 so indexes are byte offsets. Only
    in-text evidence exists here (no structured fields), so field-only
    patterns (proximity 0) never fire. A pattern's evidence holds if each
    any_of group has a keyword in the window, each at_least group enough
    lists, and no none_of group any. A match one of the pattern's excludes
    overlaps is dropped. For each type, overlapping findings keep the highest
    score (as the Matcher does)."""
    raw = {}
    ambiguous = []
    evidence = {}
    low = _ascii_lower(text)

    def ev_for(group):
        key = tuple(group)
        if key not in evidence:
            terms = []
            for name in group:
                terms.extend(x for x in rules["keywords"][name] if x not in terms)
            evidence[key] = Evidence(text, terms, low)
        return evidence[key]

    for t in rules["types"]:
        if types is not None and t["id"] not in types:
            continue
        for p in t["patterns"]:
            if p["proximity"] == 0 and (p["any_of"] or p["at_least"]):
                continue  # field-only
            prox = p["proximity"]
            check = validators.VALIDATORS.get(p["validator"]) if p["validator"] else None
            for m in p["compiled"].finditer(text):
                if p["excludes"] and _excluded(p["excludes"], text, m.start(), m.end()):
                    continue
                if m.re.groups:
                    if m.group(1) is None or m.start(1) == m.end(1):
                        continue
                    s, e, v = m.start(1), m.end(1), m.group(1)
                else:
                    s, e, v = m.start(), m.end(), m.group(0)
                if check is not None and not check(v):
                    continue
                if p["dictionary"] is not None and \
                        not any(w.lower() in p["dictionary"] for w in _words(v)):
                    continue
                if p["label"] is not None and _labelled(p["label"], text, s):
                    continue
                ok = True
                exact = t["id"] not in FUZZY_TYPES
                for group in p["any_of"] + p["none_of"]:
                    ev = ev_for(group)
                    if exact:
                        readings = ev.readings(s, e, prox)
                        if len(set(readings)) != 1:
                            ambiguous.append((t["id"], s, e, v))
                for group in p["any_of"]:
                    ok = ok and ev_for(group).holds(s, e, prox)
                for group in p["none_of"]:
                    ok = ok and not ev_for(group).holds(s, e, prox)
                for k, group in p["at_least"]:
                    ok = ok and sum(ev_for([n]).holds(s, e, prox) for n in group) >= k
                if not ok:
                    continue
                raw.setdefault(t["id"], []).append((s, e, p["score"]))
    findings = {}
    for type_id, cands in raw.items():
        # Matcher order: by start, longer first; an overlapping candidate
        # replaces the held one only with a higher score.
        cands.sort(key=lambda c: (c[0], -c[1]))
        held = None
        for s, e, score in cands:
            if held is not None and s < held[1]:
                if score > held[2]:
                    held = (s, e, score)
                continue
            if held is not None:
                findings[(type_id, held[0], held[1])] = held[2]
            held = (s, e, score)
        if held is not None:
            findings[(type_id, held[0], held[1])] = held[2]
    return _yield(findings, rules), ambiguous


def _yield(findings, rules):
    """Drops each finding that overlaps a kept finding of a type its type
    yields to (yields_to), the types yielded to settled first."""
    yields = {t["id"]: t["yields_to"] for t in rules["types"]}
    kept = {}
    settled = set()
    order = []

    def visit(type_id):
        if type_id in settled:
            return
        settled.add(type_id)
        for d in yields.get(type_id, []):
            visit(d)
        order.append(type_id)

    for type_id in sorted({k[0] for k in findings}):
        visit(type_id)
    for type_id in order:
        dominant = [k for k in kept if k[0] in yields.get(type_id, [])]
        for key, score in findings.items():
            if key[0] != type_id:
                continue
            if any(d[1] < key[2] and key[1] < d[2] for d in dominant):
                continue
            kept[key] = score
    return kept


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

        found_all, ambiguous = scan_text(text, rules)
        found = {k: v for k, v in found_all.items() if k[0] not in FUZZY_TYPES}
        for type_id, s, e, v in ambiguous:
            problems.append("%s@%d: evidence for %s %r depends on how the window or "
                            "word boundary is read" % (rel, s, type_id, v))
        expected = {(r["type"], r["start"], r["end"]): r["score"] for r in positives
                    if not r.get("fuzzy")}
        for r in positives:
            if bool(r.get("fuzzy")) != (r["type"] in FUZZY_TYPES):
                problems.append("%s@%d: positive %s must be marked fuzzy exactly when its "
                                "type is fuzzy" % (rel, r["start"], r["type"]))
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
            if r.get("fuzzy"):
                continue  # measured by tools/accuracy.py, not required absent
            for (t, s, e) in found_all:
                if s < r["end"] and r["start"] < e:
                    problems.append("%s@%d: negative %r (%s) overlaps finding %s"
                                    % (rel, r["start"], r["value"], r["note"], t))

        for r in positives:
            check = validators.TYPE_VALIDATORS.get(r["type"])
            if check is not None and not check(r["value"]):
                problems.append("%s@%d: positive %r fails validators.py"
                                % (rel, r["start"], r["value"]))
        for r in negatives:
            if r["type"] not in CHECKSUM_TYPES or any(c.isalpha() for c in r["value"]):
                continue  # look-alikes such as UUIDs are covered by the overlap check
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
