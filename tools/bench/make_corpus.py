#!/usr/bin/env python3
"""Builds a benchmark corpus that resembles a hospital file share.

Deterministic for a given --seed. Mix (by bytes, roughly): clinical notes and
prose, application logs, CSV extracts, JSON and FHIR NDJSON, HL7 v2 feeds,
binaries, and a few zip / tar.gz archives. File sizes are heavy-tailed: the
median is about 10 KB and a handful of files are tens of megabytes.
Identifiers (SSN, card, NPI, MBI, phone, email) are planted at a realistic
density (a few per KB in records, rare in prose) with valid checksums; they
are synthetic.

Usage: make_corpus.py --out DIR [--size 1G] [--files 20000] [--seed 1]
"""
import argparse
import io
import os
import random
import sys
import tarfile
import zipfile

WORDS = ("patient presents with mild discomfort follow up visit plan reviewed "
         "medication adjusted blood pressure stable denies fever chills history "
         "of hypertension diabetes assessment continue current therapy return in "
         "two weeks labs ordered imaging unremarkable discharge instructions given "
         "tolerated procedure well no acute distress alert oriented vitals within "
         "normal limits family history noncontributory").split()


def luhn_digit(body):
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


class Ids:
    MBI_L = "ACDEFGHJKMNPQRTUVWXY"

    def __init__(self, rng):
        self.r = rng

    def ssn(self):
        r = self.r
        return "%03d-%02d-%04d" % (r.randint(1, 665), r.randint(1, 99), r.randint(1, 9999))

    def card(self):
        body = "4" + "".join(str(self.r.randint(0, 9)) for _ in range(14))
        n = body + luhn_digit(body)
        return " ".join(n[i:i + 4] for i in range(0, 16, 4))

    def npi(self):
        body = self.r.choice("12") + "".join(str(self.r.randint(0, 9)) for _ in range(8))
        return body + luhn_digit("80840" + body)

    def mbi(self):
        r, L = self.r, self.MBI_L
        c = [str(r.randint(1, 9)), r.choice(L), r.choice(L + "0123456789"), str(r.randint(0, 9)),
             r.choice(L), r.choice(L + "0123456789"), str(r.randint(0, 9)), r.choice(L),
             r.choice(L), str(r.randint(0, 9)), str(r.randint(0, 9))]
        return "".join(c)

    def phone(self):
        r = self.r
        return "(%d%02d) %d%02d-%04d" % (r.randint(2, 9), r.randint(0, 99), r.randint(2, 9),
                                         r.randint(0, 99), r.randint(0, 9999))

    def email(self):
        r = self.r
        return "%s.%s%d@example.org" % (r.choice(WORDS), r.choice(WORDS), r.randint(1, 999))


def prose(r, ids, n):
    out = []
    size = 0
    while size < n:
        s = " ".join(r.choice(WORDS) for _ in range(r.randint(8, 20))).capitalize() + "."
        if r.random() < 0.02:
            s += " SSN: %s." % ids.ssn()
        if r.random() < 0.02:
            s += " Contact phone %s." % ids.phone()
        out.append(s)
        size += len(s) + 1
    return "\n".join(out)[:n]


def log(r, ids, n):
    out = []
    size = 0
    t = 1700000000
    while size < n:
        t += r.randint(0, 5)
        s = "2024-03-%02d %02d:%02d:%02d INFO svc[%d] request id=%08x status=200 ms=%d" % (
            r.randint(1, 28), r.randint(0, 23), r.randint(0, 59), r.randint(0, 59),
            r.randint(100, 9999), r.getrandbits(32), r.randint(1, 900))
        if r.random() < 0.01:
            s += " user=%s" % ids.email()
        out.append(s)
        size += len(s) + 1
    return "\n".join(out)[:n]


def csv(r, ids, n):
    out = ["mrn,name,ssn,phone,email,npi,card,mbi"]
    size = len(out[0])
    while size < n:
        s = "%07d,%s %s,%s,%s,%s,%s,%s,%s" % (
            r.randint(0, 9999999), r.choice(WORDS).title(), r.choice(WORDS).title(), ids.ssn(),
            ids.phone(), ids.email(), ids.npi(), ids.card(), ids.mbi())
        out.append(s)
        size += len(s) + 1
    return "\n".join(out)[:n]


def ndjson(r, ids, n):
    out = []
    size = 0
    while size < n:
        s = ('{"resourceType":"Patient","id":"%08x","identifier":[{"system":"urn:oid:2.16.840.1.'
             '113883.4.1","value":"%s"},{"system":"mbi","value":"%s"}],"telecom":[{"system":'
             '"phone","value":"%s"},{"system":"email","value":"%s"}],"birthDate":"19%02d-%02d-%02d"}'
             % (r.getrandbits(32), ids.ssn(), ids.mbi(), ids.phone(), ids.email(),
                r.randint(30, 99), r.randint(1, 12), r.randint(1, 28)))
        out.append(s)
        size += len(s) + 1
    return "\n".join(out)[:n]


def hl7(r, ids, n):
    out = []
    size = 0
    while size < n:
        msg = ("MSH|^~\\&|EPIC|HOSP|LAB|HOSP|20240315101010||ADT^A01|%08d|P|2.5\r"
               "PID|1||%07d^^^HOSP^MR||%s^%s||19%02d0101|F|||1 Main St^^Town^ST^12345||%s|||||"
               "|%s\rPV1|1|I|W^389^1\r" % (r.randint(0, 99999999), r.randint(0, 9999999),
                                        r.choice(WORDS).upper(), r.choice(WORDS).upper(),
                                        r.randint(30, 99), ids.phone(), ids.ssn()))
        out.append(msg)
        size += len(msg)
    return "".join(out)[:n]


def binary(r, n):
    return bytes(r.getrandbits(8) for _ in range(min(n, 1 << 16))) * (n // (1 << 16) + 1)


# Share of files by kind. Record exports (CSV, NDJSON, HL7) carry several
# identifiers per row, so they are where a scanner spends its time; on a real
# share they are a minority of the bytes next to documents, logs and binaries.
KINDS = [("txt", prose, 0.40), ("log", log, 0.25), ("csv", csv, 0.07), ("ndjson", ndjson, 0.05),
         ("hl7", hl7, 0.05), ("bin", None, 0.18)]


def parse_size(s):
    mult = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    return int(float(s[:-1]) * mult[s[-1].upper()]) if s[-1].upper() in mult else int(s)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--size", default="1G")
    ap.add_argument("--files", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    total = parse_size(a.size)
    r = random.Random(a.seed)
    ids = Ids(r)
    if os.path.exists(a.out) and os.listdir(a.out):
        sys.exit("make_corpus: %s is not empty" % a.out)
    # Heavy-tailed sizes: lognormal around 10 KB plus a few big files, scaled to `total`.
    sizes = [int(r.lognormvariate(9.2, 1.3)) + 64 for _ in range(a.files)]
    big = max(1, a.files // 4000)
    for i in range(big):
        sizes[i] = 50 << 20
    scale = total / sum(sizes)
    sizes = [max(64, int(s * scale)) for s in sizes]
    cache = {}
    for i, size in enumerate(sizes):
        kind, fn, _ = r.choices(KINDS, weights=[k[2] for k in KINDS])[0]
        d = os.path.join(a.out, "dept%02d" % (i % 40), "y20%02d" % (i % 7))
        os.makedirs(d, exist_ok=True)
        path = os.path.join(d, "f%05d.%s" % (i, kind))
        if fn is None:
            data = binary(r, size)[:size]
        else:
            # Reuse generated text for big files so generation stays fast.
            key = (kind, min(size, 1 << 20))
            if key not in cache or r.random() < 0.3:
                cache[key] = fn(r, ids, key[1]).encode()
            text = cache[key]
            data = (text * (size // len(text) + 1))[:size]
        with open(path, "wb") as f:
            f.write(data)
    # A few archives holding text members.
    for j in range(max(1, a.files // 2000)):
        d = os.path.join(a.out, "archive")
        os.makedirs(d, exist_ok=True)
        with zipfile.ZipFile(os.path.join(d, "export%02d.zip" % j), "w", zipfile.ZIP_DEFLATED) as z:
            for k in range(20):
                z.writestr("notes/n%02d.txt" % k, prose(r, ids, 8000))
        buf = io.BytesIO()
        with tarfile.open(os.path.join(d, "feed%02d.tar.gz" % j), "w:gz") as t:
            for k in range(20):
                data = hl7(r, ids, 8000).encode()
                info = tarfile.TarInfo("hl7/m%02d.hl7" % k)
                info.size = len(data)
                t.addfile(info, io.BytesIO(data))


if __name__ == "__main__":
    main()
