#!/usr/bin/env python3
"""Synthetic test-corpus generator for phiscan, with a ground-truth manifest.

    python3 corpus/generate.py --out DIR [--manifest FILE] [--seed N]
                               [--files N] [--target-bytes N]

Writes a small tree of clinical notes (.txt), logs (.log), key-value CSV
exports (.csv) and JSON exports (.json), plus an empty file, a binary file and
a file with nothing to find. Every identifier is generated (valid checksums
where the type has one); none is real. Each planted value sits in its own
block, separated from the next by at least MIN_GAP bytes of neutral filler, so
keyword evidence never leaks between items and every expected score is exact.

The manifest (JSON Lines, default DIR + ".manifest.jsonl", always outside DIR
because it holds raw values) lists per file:
  {"file", "kind": "file", "status": "complete"|"skipped"[, "reason"]}
  {"file", "kind": "positive", "type", "start", "end", "score", "value"}
  {"file", "kind": "negative", "type", "start", "end", "note", "value"}
with byte offsets (end exclusive), sorted by file then start.

Output depends only on the arguments: random.Random(seed), fixed ordering,
'\n' line endings. After writing, the tree is checked against the manifest by
check_manifest.py (a reference scanner over classifiers/rules/builtin.yaml).
Python 3 stdlib only.
"""

import argparse
import json
import os
import random
import sys
import textwrap

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import check_manifest  # noqa: E402
import validators as V  # noqa: E402

MIN_GAP = 400            # bytes of filler between two planted blocks
MAX_GAP = 700
CHUNK_BOUNDARY = 4096    # one value is placed across this offset
WRAP_COLUMNS = 76
MIN_FILES = 5            # three special files + two regular ones

SSN, CARD, NPI, MBI, PHONE, EMAIL = "US_SSN", "CREDIT_CARD", "US_NPI", "US_MBI", "PHONE", "EMAIL"

# (type, score): every score level the rules can yield, cycled over the files.
COMBOS = [
    (SSN, 85), (SSN, 75), (SSN, 65),
    (CARD, 85), (CARD, 65),
    (NPI, 85),
    (MBI, 85), (MBI, 65),
    (PHONE, 85), (PHONE, 65),
    (EMAIL, 85), (EMAIL, 75),
]

# ---------------------------------------------------------------------------
# Neutral filler: no digits, no keyword of any list, no commas or quotes.

FILLER_SUBJECTS = [
    "The patient", "The care team", "Nursing staff", "The family", "The attending physician",
    "The charge nurse", "Pharmacy staff", "The therapist", "The resident", "Social work",
    "The dietitian", "The night nurse",
]
FILLER_VERBS = [
    "reviewed", "discussed", "updated", "confirmed", "documented", "revisited",
    "explained", "completed", "adjusted", "summarised", "clarified", "reinforced",
]
FILLER_OBJECTS = [
    "the discharge plan", "the medication list", "the follow up schedule",
    "the wound dressing routine", "the dietary guidance", "the fall risk assessment",
    "the home exercise plan", "the pain management goals", "the sleep diary",
    "the hydration targets", "the mobility goals", "the care plan", "the visit summary",
    "the allergy history", "the referral letter", "the breathing exercises",
]
FILLER_TAILS = [
    "during the morning visit", "before the afternoon rounds", "with the patient and family",
    "at the bedside", "in the clinic", "after lunch", "without concerns",
    "and noted steady progress", "and agreed on next steps", "as part of routine care",
    "in the quiet room near the café", "ahead of the weekend",
    "while vitals remained within normal limits", "and planned a follow up visit",
    "in plain language", "with a translator present",
]
FILLER_STANDALONE = [
    "Appetite is improving and sleep is restful.",
    "No new symptoms were reported overnight.",
    "Education materials were provided in large print.",
    "Gait is steady with a walker on level surfaces.",
    "Family members asked thoughtful questions about recovery.",
    "The plan remains unchanged pending further assessment.",
    "Skin is warm and dry with no new bruising.",
    "She tolerated the session well and rested afterwards.",
    "Breathing is unlaboured at rest – no distress noted.",
    "He prefers a naïve approach to the puzzle books on the ward.",
    "Medication reconciliation was completed before discharge.",
    "Pain is controlled and the patient is walking the corridor.",
    "The team will revisit the goals at the next visit.",
    "Swelling has eased and the dressing is clean and dry.",
]
LOG_LEVELS = ["INFO", "DEBUG", "INFO", "WARN"]
LOG_COMPONENTS = ["scheduler", "sync", "worker", "audit", "cache", "indexer", "notifier",
                  "intake", "billing", "portal"]
LOG_FILLER_MESSAGES = [
    "sweep finished with an empty queue", "roster refreshed for the east wing",
    "heartbeat acknowledged by peer", "batch closed without changes",
    "retry policy unchanged", "session cleanup completed", "template cache warmed",
    "reminder queue drained", "nightly summary assembled", "audit trail rotated",
    "idle workers parked", "configuration reloaded without changes",
    "stale locks released", "pending jobs rebalanced across workers",
]

# ---------------------------------------------------------------------------
# Block templates. {v} is the planted value, {k} a keyword of its type, {f} a
# filler sentence. A value is never followed by '.', '-' or a digit.

KEYWORDS = {
    SSN: ["SSN", "ssn", "Social Security Number", "social security no", "SS#", "Soc Sec",
          "SSN#", "social security"],
    CARD: ["Visa", "Mastercard", "Amex", "card number", "Card No", "credit card",
           "debit card", "cardholder", "CC#", "payment card"],
    NPI: ["NPI", "NPI#", "National Provider Identifier", "rendering provider",
          "billing provider", "attending provider", "Provider ID", "NPI number"],
    MBI: ["MBI", "Medicare Beneficiary Identifier", "Medicare ID", "medicare number",
          "Beneficiary ID", "MBI#"],
    PHONE: ["phone", "Phone", "Tel", "mobile", "cell", "fax", "home phone", "work phone",
            "telephone", "Ph"],
    EMAIL: ["email", "Email", "e-mail", "E-mail", "email address", "contact email"],
}

TXT_KW = {
    SSN: [
        "Intake packet lists the {k} as {v} and the patient confirmed it at the desk.",
        "{k}: {v}",
        "Registration verified {k} {v} against the guarantor form before the visit.",
        "The guarantor form shows {v} in the {k} box, copy retained in the chart.",
        "{k} on file. {f} Entered value {v} matches the scanned form.",
    ],
    CARD: [
        "Copay collected by {k} {v} at checkout.",
        "Patient paid the balance with {k} {v} and declined a receipt.",
        "Balance settled: {v} ({k}) approved at the front desk.",
        "{k}: {v}",
        "Payment taken by {k}. {f} Number used was {v} per the receipt.",
    ],
    NPI: [
        "Referral signed by the {k} {v} for outpatient therapy.",
        "{k}: {v}",
        "Claim header lists {k} {v} for this encounter.",
        "Orders co-signed, {v} recorded as the {k} on the claim.",
    ],
    MBI: [
        "Coverage verified using {k} {v} on the eligibility screen.",
        "{k}: {v}",
        "Red white and blue card copied; {k} {v} entered by registration.",
        "Eligibility confirmed for {v} ({k}) before the procedure.",
    ],
    PHONE: [
        "Daughter prefers {k} {v} for updates.",
        "{k}: {v}",
        "Pharmacy {k} {v} confirmed for refill questions.",
        "Please call at {v} to reschedule the follow up visit.",
        "Reached the patient on {v} ({k}) this afternoon.",
    ],
    EMAIL: [
        "Discharge summary sent by {k} to {v} per patient request.",
        "{k}: {v}",
        "Portal replies go to mailto:{v} for the care team.",
        "Patient asked that results go to {v} ({k} on the consent form).",
    ],
}
TXT_NOKW = {
    SSN: [
        "A nine digit identifier {v} was handwritten on the referral cover sheet.",
        "Scanned form field reads {v} and was left for records staff to confirm.",
        "Old chart label shows {v} beside the room assignment.",
    ],
    CARD: [
        "Front desk wrote {v} on a sticky note attached to the folder.",
        "Account reference {v} appears in the balance summary.",
        "Refund request cites {v} as the original tender.",
    ],
    NPI: [
        "Scheduling code {v} appears on the referral printout.",
        "Claim batch {v} was resubmitted after review.",
    ],
    MBI: [
        "Eligibility screen shows member code {v} for the current plan year.",
        "Insurance copy lists {v} under the plan name.",
    ],
    PHONE: [
        "Daughter can be reached at {v} after work hours.",
        "Leave a message at {v} if the clinic closes early.",
        "Neighbour listed {v} as the best way to reach the family.",
    ],
    EMAIL: [
        "Patient portal login is {v} and was reset today.",
        "Forward the signed consent to {v} before the procedure.",
        "Results were shared with {v} at the request of the family.",
    ],
}

LOG_KW = {
    SSN: ["ssn", "SSN", "ssn#"],
    CARD: ["pan", "visa", "cardholder", "amex"],
    NPI: ["npi", "NPI", "provider id"],
    MBI: ["mbi", "MBI", "medicare id"],
    PHONE: ["phone", "mobile", "fax", "tel"],
    EMAIL: ["email", "e-mail"],
}
LOG_KW_MESSAGES = ["{k}={v} stored for registration", "updated {k} {v} for account",
                   "lookup {k}: {v} ok", "received {k} {v} from upstream feed"]
LOG_NOKW_MESSAGES = ["unparsed token {v} in import row", "field value {v} copied from feed",
                     "queued {v} for manual review"]

CSV_HEADER = "record_id,field,value,note\n"
CSV_KW = {
    SSN: ["SSN", "Social Security Number", "SS#"],
    CARD: ["Card Number", "Visa", "Amex", "Cardholder PAN"],
    NPI: ["NPI", "Rendering Provider", "Billing Provider NPI"],
    MBI: ["MBI", "Medicare ID", "Beneficiary ID"],
    PHONE: ["Phone", "Mobile", "Fax", "Home Phone"],
    EMAIL: ["Email", "E-mail", "Email Address"],
}
CSV_NOKW = {
    SSN: ["Identifier", "Legacy ID"],
    CARD: ["Reference", "Tender Ref"],
    NPI: ["Batch Code", "Scheduling Code"],
    MBI: ["Member Code", "Plan Ref"],
    PHONE: ["Contact", "Alternate"],
    EMAIL: ["Login", "Portal User"],
}
ROW_NOTES = ["verified at intake", "from scanned form", "copied from referral",
             "entered by front desk", "pending review", "confirmed by family"]

JSON_KW = {
    SSN: ["ssn", "SSN", "social security number"],
    CARD: ["pan", "card number", "visa"],
    NPI: ["npi", "NPI", "provider id"],
    MBI: ["mbi", "medicare id", "MBI"],
    PHONE: ["phone", "mobile", "fax", "home phone"],
    EMAIL: ["email", "e-mail", "contact email"],
}
JSON_NOKW = {
    SSN: ["identifier", "legacy_id"],
    CARD: ["reference", "tender_ref"],
    NPI: ["batch_code", "scheduling_code"],
    MBI: ["member_code", "plan_ref"],
    PHONE: ["contact", "alternate"],
    EMAIL: ["login", "portal_user"],
}

# Look-alikes that are no identifier at all: per kind the type a naive
# scanner would confuse them with, and context in each format.
GENERIC = {
    "order": (SSN, "nine-digit order number, no ssn keyword",
              ["Order {v} shipped to the clinic supply room.",
               "Supply request {v} was received by the ward."],
              "order", "Order", "order"),
    "epoch": (NPI, "epoch seconds, NPI-valid digits, no npi keyword",
              ["Cache entry stamped {v} was refreshed overnight.",
               "Upload marker {v} appears in the transfer log."],
              "cache stamp", "Cache Stamp", "cache_stamp"),
    "timestamp": (PHONE, "timestamp",
                  ["Session opened at {v} and closed shortly after.",
                   "Last chart update {v} by the unit clerk."],
                  "previous run finished", "Updated", "updated"),
    "iso": (PHONE, "ISO 8601 timestamp",
            ["Sync completed {v} with no conflicts.",
             "Export window closed {v} per the audit view."],
            "sync watermark", "Synced", "synced"),
    "ipv4": (PHONE, "IPv4 address",
             ["Workstation at {v} synced the schedule.",
              "Label printer {v} came back online."],
             "client", "Workstation", "workstation"),
    "version": (PHONE, "version string",
                ["Charting software {v} was installed overnight.",
                 "Tablet app updated to {v} before rounds."],
                "agent version", "App Version", "app_version"),
    "uuid": (CARD, "UUID",
             ["Document {v} was attached to the chart.",
              "Scan batch {v} finished processing."],
             "document", "Document", "document"),
    "invoice": (CARD, "invoice number",
                ["Invoice {v} was sent to the family.",
                 "Statement {v} is awaiting review."],
                "invoice", "Invoice", "invoice"),
    "asset": (EMAIL, "image file name with @2x",
              ["Sprite asset {v} failed to load in the portal header.",
               "Retina image {v} was added to the patient handout."],
              "asset", "Asset", "asset"),
    "localhost": (EMAIL, "address without a dotted domain",
                  ["Test alerts go to the email {v} on the build box.",
                   "Local relay accepts e-mail for {v} only."],
                  "relay mailbox", "Email", "email"),
}

FIRST_NAMES = ["alex", "jordan", "maria", "wei", "priya", "samuel", "nora", "diego", "hannah",
               "omar", "lena", "tomas", "grace", "ivan", "keiko", "rosa", "felix", "amara",
               "jonah", "leila"]
LAST_NAMES = ["rivera", "chen", "okafor", "lindqvist", "patel", "moreau", "tanaka", "novak",
              "haddad", "silva", "brennan", "kowalski", "mensah", "ortiz", "fischer",
              "nakamura", "adeyemi", "larsen", "quinn", "varga"]
EMAIL_DOMAINS = ["example.com", "example.org", "example.net", "mail.example.com",
                 "clinic.example.org", "patients.example.net"]


# ---------------------------------------------------------------------------
# Values

def _digits(rng, n):
    return "".join(rng.choice("0123456789") for _ in range(n))


def _group(d, sizes, sep):
    out, i = [], 0
    for n in sizes:
        out.append(d[i:i + n])
        i += n
    return sep.join(out)


def ssn_digits_valid(rng):
    while True:
        area = rng.randrange(1, 900)
        d = "%03d%02d%04d" % (area, rng.randrange(1, 100), rng.randrange(1, 10000))
        if V.ssn_valid(d):
            return d


def format_ssn(d, form):
    if form == "bare":
        return d
    return _group(d, (3, 2, 4), "-" if form == "dash" else " ")


CARD_ISSUERS = [
    ("visa", lambda r: "4", [16, 16, 16, 13, 19]),
    ("mastercard", lambda r: str(r.randrange(51, 56)) if r.random() < 0.6
     else str(r.randrange(2221, 2721)), [16]),
    ("amex", lambda r: r.choice(["34", "37"]), [15]),
    ("discover", lambda r: r.choice(["6011", str(r.randrange(644, 650)), "65"]), [16, 16, 19]),
    ("jcb", lambda r: str(r.randrange(3528, 3590)), [16, 19]),
    ("diners", lambda r: r.choice([str(r.randrange(300, 306)), "36", "38", "39"]), [14, 16]),
    ("unionpay", lambda r: "62", [16, 19]),
]


def card_digits(rng, prefix, length):
    while True:
        body = prefix + _digits(rng, length - 1 - len(prefix))
        d = body + V.luhn_check_digit(body)
        if len(set(d)) > 1:
            return d


def format_card(rng, d):
    if len(d) == 16:
        form = rng.choice(["space", "space", "dash", "bare"])
        return d if form == "bare" else _group(d, (4, 4, 4, 4), " " if form == "space" else "-")
    if len(d) == 15:
        form = rng.choice(["space", "dash", "bare"])
        return d if form == "bare" else _group(d, (4, 6, 5), " " if form == "space" else "-")
    return d


def gen_card(rng):
    _, prefix_fn, lengths = rng.choice(CARD_ISSUERS)
    d = card_digits(rng, prefix_fn(rng), rng.choice(lengths))
    assert V.credit_card_valid(d), d
    return format_card(rng, d)


def npi_digits(rng):
    body = rng.choice("12") + _digits(rng, 8)
    return body + V.luhn_check_digit("80840" + body)


def format_npi(rng, d):
    form = rng.choice(["bare", "bare", "bare", "space", "dash"])
    return d if form == "bare" else _group(d, (4, 3, 3), " " if form == "space" else "-")


def mbi_chars(rng):
    letters, alnum = V.MBI_LETTERS, V.MBI_LETTERS + "0123456789"
    c = [rng.choice("123456789"), rng.choice(letters), rng.choice(alnum),
         rng.choice("0123456789"), rng.choice(letters), rng.choice(alnum),
         rng.choice("0123456789"), rng.choice(letters), rng.choice(letters),
         rng.choice("0123456789"), rng.choice("0123456789")]
    return c


def format_mbi(rng, chars):
    s = "".join(chars)
    return _group(s, (4, 3, 4), "-") if rng.random() < 0.5 else s


def phone_parts(rng):
    while True:
        area = rng.choice("23456789") + _digits(rng, 2)
        exchange = rng.choice("23456789") + _digits(rng, 2)
        line = _digits(rng, 4)
        if area[1:] == "11" or exchange[1:] == "11" or area in V.TOLL_FREE or area[1] == "9":
            continue
        if exchange == "555" and 100 <= int(line) <= 199:
            continue
        return area, exchange, line


def format_phone(rng, area, exchange, line, allow_plus=True):
    form = rng.choice(["paren", "dash", "dot"])
    if form == "paren":
        s = "(%s) %s-%s" % (area, exchange, line)
    elif form == "dash":
        s = "%s-%s-%s" % (area, exchange, line)
    else:
        s = "%s.%s.%s" % (area, exchange, line)
    if allow_plus and rng.random() < 0.25:
        s = "+1 " + s
    return s


def gen_email(rng):
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    form = rng.randrange(5)
    if form == 0:
        local = "%s.%s" % (first, last)
    elif form == 1:
        local = first[0] + last
    elif form == 2:
        local = "%s%s%d" % (first, last[0], rng.randrange(2, 99))
    elif form == 3:
        local = "%s.%s+portal" % (first, last)
    else:
        local = "%s-%s" % (first.capitalize(), last.capitalize())
    v = "%s@%s" % (local, rng.choice(EMAIL_DOMAINS))
    assert V.email_valid(v), v
    return v


def gen_positive(rng, type_id, score):
    """(value, keyword context?) for one planted positive."""
    if type_id == SSN:
        if score == 75:
            return format_ssn(ssn_digits_valid(rng), "bare"), True
        form = rng.choice(["dash", "dash", "space"])
        return format_ssn(ssn_digits_valid(rng), form), score == 85
    if type_id == CARD:
        return gen_card(rng), score == 85
    if type_id == NPI:
        return format_npi(rng, npi_digits(rng)), True
    if type_id == MBI:
        return format_mbi(rng, mbi_chars(rng)), score == 85
    if type_id == PHONE:
        return format_phone(rng, *phone_parts(rng)), score == 85
    if type_id == EMAIL:
        return gen_email(rng), score == 85
    raise AssertionError(type_id)


# Negatives: kind -> function(rng) -> (type, value, note, context) where
# context is "kw" (written with a keyword of the type), "nokw", or "generic".

def _neg_ssn(area_fn, note, form_choices=("dash", "dash", "space")):
    def make(rng):
        while True:
            d = area_fn(rng)
            if not V.ssn_valid(d):
                return SSN, format_ssn(d, rng.choice(form_choices)), note, "kw"
    return make


def _rand_group(rng):
    return "%02d" % rng.randrange(1, 100)


def _rand_serial(rng):
    return "%04d" % rng.randrange(1, 10000)


def _neg_ssn_published(rng):
    d = rng.choice(["078051120", "219099999", "123456789",
                    "98765432%d" % rng.randrange(10)])
    return SSN, format_ssn(d, rng.choice(["dash", "dash", "space"])), "published sample SSN", "kw"


def _neg_card_luhn(rng):
    _, prefix_fn, lengths = rng.choice(CARD_ISSUERS)
    d = card_digits(rng, prefix_fn(rng), rng.choice(lengths))
    d = d[:-1] + str((int(d[-1]) + rng.randrange(1, 10)) % 10)
    assert not V.credit_card_valid(d)
    return CARD, format_card(rng, d), "fails Luhn", "kw"


def _neg_card_prefix(rng):
    d = card_digits(rng, rng.choice(["9", "8", "70", "10"]), 16)
    assert V.luhn_valid(d) and not V.credit_card_valid(d)
    return CARD, format_card(rng, d), "Luhn-valid, unknown issuer prefix", "kw"


def _neg_card_zeros(rng):
    return CARD, rng.choice(["0000 0000 0000 0000", "0000-0000-0000-0000"]), \
        "all zeros (Luhn-valid, no issuer)", "kw"


def _neg_npi_badcheck(rng):
    d = npi_digits(rng)
    d = d[:-1] + str((int(d[-1]) + rng.randrange(1, 10)) % 10)
    assert not V.npi_valid(d)
    return NPI, format_npi(rng, d), "bad NPI check digit", "kw"


def _neg_npi_prefix(rng):
    body = rng.choice("3456789") + _digits(rng, 8)
    d = body + V.luhn_check_digit("80840" + body)
    return NPI, format_npi(rng, d), "first digit not 1 or 2", "kw"


def _neg_npi_nokw(rng):
    return NPI, format_npi(rng, npi_digits(rng)), "valid NPI without npi keyword", "nokw"


def _neg_mbi_excluded(rng):
    c = mbi_chars(rng)
    pos = rng.choice([1, 4, 7, 8])
    c[pos] = rng.choice("SLOIBZ")
    return MBI, format_mbi(rng, c), "excluded letter %s" % c[pos], "kw"


def _neg_mbi_lower(rng):
    c = mbi_chars(rng)
    return MBI, format_mbi(rng, c).lower(), "lowercase", "kw"


def _neg_mbi_zero(rng):
    c = mbi_chars(rng)
    c[0] = "0"
    return MBI, format_mbi(rng, c), "first digit 0", "kw"


def _neg_phone(mutate, note):
    def make(rng):
        area, exchange, line = phone_parts(rng)
        area, exchange, line = mutate(rng, area, exchange, line)
        v = format_phone(rng, area, exchange, line, allow_plus=False)
        assert not V.nanp_phone_valid(v), v
        return PHONE, v, note, "kw"
    return make


def _epoch(rng):
    while True:
        v = str(rng.randrange(1704067200, 1735689600))
        if V.npi_valid(v):
            return v


def _timestamp(rng, iso=False):
    s = "2024-%02d-%02d%s%02d:%02d:%02d" % (
        rng.randrange(1, 13), rng.randrange(1, 29), "T" if iso else " ",
        rng.randrange(0, 24), rng.randrange(0, 60), rng.randrange(0, 60))
    return s + ("Z" if iso else "")


def _uuid(rng):
    return "%08x-%04x-4%03x-%04x-%012x" % (
        rng.getrandbits(32), rng.getrandbits(16), rng.getrandbits(12),
        0x8000 | rng.getrandbits(14), rng.getrandbits(48))


def _ipv4(rng):
    return rng.choice([
        "10.%d.%d.%d" % (rng.randrange(256), rng.randrange(256), rng.randrange(1, 255)),
        "192.168.%d.%d" % (rng.randrange(256), rng.randrange(1, 255)),
        "172.%d.%d.%d" % (rng.randrange(16, 32), rng.randrange(256), rng.randrange(1, 255)),
    ])


def _version(rng):
    a, b, c = rng.randrange(1, 12), rng.randrange(0, 40), rng.randrange(0, 20)
    return rng.choice(["v%d.%d.%d" % (a, b, c), "%d.%d.%d" % (a, b, c),
                       "%d.%d.%d-rc%d" % (a, b, c, rng.randrange(1, 5))])


GENERIC_VALUES = {
    "order": lambda r: ssn_digits_valid(r),
    "epoch": _epoch,
    "timestamp": lambda r: _timestamp(r),
    "iso": lambda r: _timestamp(r, iso=True),
    "ipv4": _ipv4,
    "version": _version,
    "uuid": _uuid,
    "invoice": lambda r: "INV-2024-%06d" % r.randrange(1, 1000000),
    "asset": lambda r: "%s@%dx.%s" % (r.choice(["icon", "logo", "badge", "sprite", "avatar"]),
                                      r.choice([2, 3]), r.choice(["png", "jpg", "webp", "svg"])),
    "localhost": lambda r: "%s@localhost" % r.choice(["user", "root", "alerts", "nurse"]),
}


def _generic(kind):
    def make(rng):
        type_id, note = GENERIC[kind][0], GENERIC[kind][1]
        return type_id, GENERIC_VALUES[kind](rng), note, "generic:" + kind
    return make


NEGATIVES = [
    ("ssn_area000", _neg_ssn(lambda r: "000" + _rand_group(r) + _rand_serial(r), "SSN area 000")),
    ("ssn_area666", _neg_ssn(lambda r: "666" + _rand_group(r) + _rand_serial(r), "SSN area 666")),
    ("ssn_area9xx", _neg_ssn(lambda r: "9%02d" % r.randrange(100) + _rand_group(r)
                             + _rand_serial(r), "SSN area 9xx")),
    ("ssn_group00", _neg_ssn(lambda r: "%03d" % r.randrange(1, 666) + "00" + _rand_serial(r),
                             "SSN group 00")),
    ("ssn_serial0000", _neg_ssn(lambda r: "%03d" % r.randrange(1, 666) + _rand_group(r) + "0000",
                                "SSN serial 0000")),
    ("ssn_published", _neg_ssn_published),
    ("ssn_bare_invalid", _neg_ssn(lambda r: r.choice(["666", "9%02d" % r.randrange(100)])
                                  + _rand_group(r) + _rand_serial(r),
                                  "bare nine digits, invalid area", ("bare",))),
    ("order", _generic("order")),
    ("card_luhn", _neg_card_luhn),
    ("card_prefix", _neg_card_prefix),
    ("card_zeros", _neg_card_zeros),
    ("uuid", _generic("uuid")),
    ("invoice", _generic("invoice")),
    ("npi_badcheck", _neg_npi_badcheck),
    ("npi_nokw", _neg_npi_nokw),
    ("npi_prefix", _neg_npi_prefix),
    ("epoch", _generic("epoch")),
    ("mbi_excluded", _neg_mbi_excluded),
    ("mbi_lower", _neg_mbi_lower),
    ("mbi_zero", _neg_mbi_zero),
    ("phone_area01", _neg_phone(lambda r, a, e, l: (r.choice("01") + a[1:], e, l),
                                "area code starts with 0 or 1")),
    ("phone_n11", _neg_phone(lambda r, a, e, l: (r.choice("2345678") + "11", e, l),
                             "N11 area code")),
    ("phone_555", _neg_phone(lambda r, a, e, l: (a, "555", "01%02d" % r.randrange(100)),
                             "fictional 555-01xx")),
    ("phone_exchange01", _neg_phone(lambda r, a, e, l: (a, r.choice("01") + e[1:], l),
                                    "exchange starts with 0 or 1")),
    ("phone_tollfree", _neg_phone(lambda r, a, e, l: (r.choice(sorted(V.TOLL_FREE)), e, l),
                                  "toll-free number")),
    ("timestamp", _generic("timestamp")),
    ("iso", _generic("iso")),
    ("ipv4", _generic("ipv4")),
    ("version", _generic("version")),
    ("asset", _generic("asset")),
    ("localhost", _generic("localhost")),
]


# ---------------------------------------------------------------------------
# The wider type library: value makers, keywords and templates per type.
# Types written with a keyword anchor ("MRN: value") use ANCHORED_TXT; the
# rest reuse the generic prose templates. Every rendered block is checked
# with the reference scanner before it is kept (Builder.block), so a value
# that happens to satisfy another type's rules is drawn again.

ITIN, DEA, ABA, ICD, NDC_T = "US_ITIN", "US_DEA", "US_ABA_ROUTING", "ICD10_CODE", "NDC"
NHS, SIN, AUMED, IP, VIN_T, IBAN_T = "UK_NHS", "CA_SIN", "AU_MEDICARE", "IP_ADDRESS", "VIN", "IBAN"
URL_T, MRN_T, HPID, DL, PASSPORT, BANK = ("URL", "MRN", "HEALTH_PLAN_ID", "US_DRIVER_LICENSE",
                                          "US_PASSPORT", "US_BANK_ACCOUNT")
PACCT = "PATIENT_ACCOUNT"
AWS, PKEY, GH, SLACK, GAPI, STRIPE, JWT_T, PWD = (
    "AWS_ACCESS_KEY", "PRIVATE_KEY", "GITHUB_TOKEN", "SLACK_TOKEN", "GOOGLE_API_KEY",
    "STRIPE_KEY", "JWT", "GENERIC_PASSWORD")
AWS_SECRET = "AWS_SECRET_KEY"
GL = "GITLAB_TOKEN"
HOOK, AZSEC, SGRID, NPM, PYPI, OPENAI, ANTH = (
    "WEBHOOK_URL", "AZURE_CLIENT_SECRET", "SENDGRID_API_KEY", "NPM_TOKEN", "PYPI_TOKEN",
    "OPENAI_API_KEY", "ANTHROPIC_API_KEY")
NAME, ADDR, DOB, DATE_T = "PERSON_NAME", "ADDRESS", "DATE_OF_BIRTH", "DATE"
FUZZY = set(check_manifest.FUZZY_TYPES)

# (type, score, variant): variant picks the value form and keyword set.
EXTRA_COMBOS = [
    (ITIN, 85, "fmt"), (ITIN, 75, "bare"), (ITIN, 65, "fmt"),
    (DEA, 85, None), (DEA, 65, None),
    (ABA, 85, None),
    (ICD, 85, "dotted"), (ICD, 75, "category"),
    (NDC_T, 85, None),
    (NHS, 85, None), (SIN, 85, None), (AUMED, 85, None),
    (IP, 85, "v4"), (IP, 85, "v6"), (IP, 75, "v6"), (IP, 65, "v4internal"),
    (IP, 65, "v6internal"),
    (VIN_T, 85, None), (VIN_T, 65, None),
    (IBAN_T, 85, None), (URL_T, 65, None),
    (MRN_T, 85, None), (HPID, 85, None), (DL, 85, "full"), (DL, 75, "abbrev"), (DL, 65, "bare"),
    (PASSPORT, 85, None), (BANK, 85, "full"), (BANK, 65, "bare"), (PACCT, 85, None),
    (PHONE, 85, "e164"), (PHONE, 65, "e164"),
    (AWS, 85, None), (AWS_SECRET, 85, None), (PKEY, 85, None), (GH, 85, None), (GL, 85, None),
    (SLACK, 85, None), (GAPI, 85, None),
    (HOOK, 85, "slack"), (HOOK, 85, "teams"), (HOOK, 85, "discord"), (AZSEC, 85, None),
    (SGRID, 85, None), (NPM, 85, None), (PYPI, 85, None), (OPENAI, 85, None), (ANTH, 85, None),
    (STRIPE, 85, "live"), (STRIPE, 65, "test"), (JWT_T, 85, None), (PWD, 75, None),
    (NAME, 85, "anchored"), (NAME, 85, "honorific"), (NAME, 85, "signature"),
    (NAME, 75, "prose"), (NAME, 85, "anchored"),
    (ADDR, 85, "full"), (ADDR, 85, "full"), (ADDR, 75, "street"),
    (DOB, 85, None), (DOB, 85, None), (DATE_T, 65, None), (DATE_T, 65, None),
]
# Keyword-less positives of the types that score without a keyword.
NOKW_POSITIVE = {(ITIN, 65), (DEA, 65), (VIN_T, 65), (IP, 75), (PHONE, 65), (URL_T, 65),
                 (STRIPE, 65)}

X_KEYWORDS = {
    ITIN: ["ITIN", "Taxpayer ID", "tax id", "TIN", "individual taxpayer"],
    DEA: ["DEA", "DEA number", "DEA#", "dea registration"],
    ABA: ["routing number", "ABA", "Routing No", "RTN", "aba routing"],
    ICD: ["Diagnosis", "Dx", "ICD-10", "diagnosis code", "primary diagnosis"],
    NDC_T: ["NDC", "ndc code", "National Drug Code", "Rx", "dispensed"],
    NHS: ["NHS number", "NHS No", "NHS", "national health service"],
    SIN: ["SIN", "social insurance number", "SIN#", "Social Insurance"],
    AUMED: ["Australian Medicare", "Medicare card (Services Australia)",
            "Medicare Australia number", "Medicare No (NSW)", "IRN"],
    IP: ["IP", "ip address", "client ip", "src ip", "IPv4"],
    VIN_T: ["VIN", "vehicle identification number", "VIN#", "vehicle id"],
    IBAN_T: ["IBAN", "Iban", "bank transfer to"],
    URL_T: ["Portal link", "Link", "Website"],
    MRN_T: ["MRN", "Medical Record Number", "medical record no", "Chart No", "Patient ID", "MRN#"],
    HPID: ["Member ID", "Subscriber ID", "Policy Number", "Group Number", "Medicaid ID",
           "Member No"],
    DL + "/full": ["Driver License", "Driver's License", "drivers license number",
                   "Driving Licence"],
    # No driver word: as often a software or a professional licence (low).
    DL + "/bare": ["License Number", "License No"],
    DL + "/abbrev": ["DL", "DLN", "CDL"],
    PASSPORT: ["Passport", "Passport No", "passport number", "Passport#"],
    BANK + "/full": ["Checking Account", "savings account", "Bank Account"],
    # No bank word: a ledger's or a supplier's account number as often (low).
    BANK + "/bare": ["Account Number", "Acct", "Acct No"],
    PACCT: ["Patient Account Number", "Patient Account No", "Patient Acct", "patient account",
            "Pt Acct"],
    PHONE + "/e164": ["phone", "mobile", "Tel", "fax", "cell"],
    AWS: ["aws_access_key_id", "AWS key id", "access key"],
    AWS_SECRET: ["aws_secret_access_key", "AWS_SECRET_ACCESS_KEY", "secret_access_key",
                 "SecretAccessKey"],
    PKEY: ["key file", "deploy key"],
    GH: ["github token", "GH token", "ci token"],
    GL: ["gitlab token", "GitLab PAT", "runner token"],
    SLACK: ["slack bot", "slack token", "bot token"],
    HOOK: ["webhook", "alerts channel", "incoming webhook"],
    AZSEC: ["client secret", "app secret", "AZURE_CLIENT_SECRET"],
    SGRID: ["sendgrid key", "mail api key", "SENDGRID_API_KEY"],
    NPM: ["npm token", "_authToken", "NPM_TOKEN"],
    PYPI: ["pypi token", "twine password", "PYPI_TOKEN"],
    OPENAI: ["openai key", "OPENAI_API_KEY", "llm key"],
    ANTH: ["anthropic key", "ANTHROPIC_API_KEY", "claude key"],
    GAPI: ["maps key", "google key", "browser key"],
    STRIPE: ["stripe key", "billing key", "payments key"],
    JWT_T: ["bearer", "Authorization: Bearer", "session token"],
    PWD: ["password", "db_password", "DB_PASSWORD", "passwd", "api_key", "client_secret",
          "smtp_password"],
}
X_LOG_KW = {k: [w.lower().replace(" ", "_") if k in (PWD,) else w for w in v]
            for k, v in X_KEYWORDS.items()}
X_JSON_KW = {
    ITIN: ["itin", "tax_id", "taxpayer_id"], DEA: ["dea", "dea_number"],
    ABA: ["routing_number", "aba"], ICD: ["diagnosis", "dx", "icd10"],
    NDC_T: ["ndc", "ndc_code"], NHS: ["nhs_number", "nhs"], SIN: ["SIN", "social_insurance_number"],
    AUMED: ["irn", "IRN"], IP: ["ip", "ip_address", "client_ip"],
    VIN_T: ["vin", "vehicle_id"], IBAN_T: ["iban"], URL_T: ["link", "website"],
    MRN_T: ["mrn", "medical_record_number", "patient_id"],
    HPID: ["member_id", "subscriber_id", "policy_number"],
    DL + "/full": ["driver_license", "drivers_license_number"],
    DL + "/bare": ["license_number", "licence_no"],
    # Written inside the value, not as its key (render_extra): a key named
    # like one is a driver's license field (high).
    DL + "/abbrev": ["dl_no", "dln_no"], PASSPORT: ["passport", "passport_number"],
    BANK + "/full": ["bank_account", "checking_account"],
    BANK + "/bare": ["account_number", "acct"], PHONE + "/e164": ["phone", "mobile", "fax"],
    PACCT: ["patient_account_number", "patient_account", "pt_acct"],
    AWS: ["aws_access_key_id"], AWS_SECRET: ["aws_secret_access_key", "SecretAccessKey"],
    PKEY: ["deploy_key"], GH: ["github_token"],
    GL: ["gitlab_token"], SLACK: ["slack_token"], GAPI: ["maps_key"], STRIPE: ["stripe_key"],
    HOOK: ["webhook_url", "alerts_webhook"], AZSEC: ["client_secret", "ClientSecret"],
    SGRID: ["sendgrid_api_key"], NPM: ["npm_token"], PYPI: ["pypi_token"],
    OPENAI: ["openai_api_key"], ANTH: ["anthropic_api_key"],
    JWT_T: ["session_token"],
    PWD: ["password", "db_password", "smtp_password"],
}
X_NOKW = {
    "txt": ["Reference {v} was noted on the cover sheet.",
            "The scanned form shows {v} in the margin.",
            "Copied {v} from the printout for the records team."],
    "log": ["unparsed token {v} in import row", "field value {v} copied from feed",
            "queued {v} for manual review"],
    "csv": ["Reference", "Legacy Ref", "Note Ref"],
    "json": ["reference", "legacy_ref", "ref_code"],
}
ANCHORED_TXT = ["{k}: {v}", "Registration recorded {k} {v} at check in.",
                "Front desk entered {k} {v} from the form."]
EVIDENCE_TXT = ["{k}: {v}", "Registration recorded {k} {v} at check in.",
                "The {k} on the form reads {v} per the scanned copy.",
                "{k} on file. {f} Entered value {v} matches the form."]
ANCHORED = {MRN_T, HPID, DL, PASSPORT, BANK, PACCT, PWD}
STRICT_TXT = {DL + "/abbrev": ["{k}: {v}"], PWD: ["{k}={v}", "{k}: {v}"],
              JWT_T: ["{k} {v}"], AWS_SECRET: ["{k} = {v}", "{k}: {v}"]}
STRICT_LOG = {DL + "/abbrev": ["{k}={v} stored for registration", "lookup {k}: {v} ok"],
              PWD: ["{k}={v} stored for registration", "lookup {k}: {v} ok"],
              AWS_SECRET: ["{k}={v} stored for registration", "lookup {k}: {v} ok"]}

NAME_ANCHORS = ["Patient", "Name", "Patient Name", "Guarantor", "Emergency Contact",
                "Next of Kin", "Subscriber"]
NAME_HONORIFICS = ["Dr.", "Mr.", "Mrs.", "Ms.", "Dr"]
NAME_PROSE = ["Spoke with {v} about the follow up plan.",
              "Discussed the home exercise plan with {v} today.",
              "Chart reviewed and {v} was updated on the plan."]
NAME_PROSE_KW = ["Patient name on the wristband {v} was confirmed."]
OTHER_GIVEN = ["Zephyrine", "Anselm", "Oriel", "Thaddea", "Corwin", "Ysolde", "Bram", "Ilse"]
OTHER_FAMILY = ["Quillfeather", "Ashdown", "Merriweather", "Thornbury", "Falkenrath",
                "Oakhurst", "Penhallow", "Wexley"]
STREET_NAMES = ["Maple", "Oak", "Cedar", "Elm", "Pine", "Lakeview", "Hillcrest", "Sunset",
                "Washington", "Jefferson", "Park", "River", "Meadow", "Willow", "Highland",
                "Church", "Mill", "Spring", "North Ridge", "Forest Glen"]
STREET_SUFFIXES = ["Street", "St", "Avenue", "Ave", "Road", "Rd", "Boulevard", "Blvd", "Drive",
                   "Lane", "Ln", "Court", "Way", "Place", "Terrace", "Parkway", "Circle"]
CITIES = [("Springfield", "IL"), ("Madison", "WI"), ("Columbus", "OH"), ("Austin", "TX"),
          ("Portland", "OR"), ("Salem", "MA"), ("Franklin", "TN"), ("Fairview", "NC"),
          ("Greenville", "SC"), ("Riverside", "CA"), ("Lake Forest", "IL"),
          ("Cedar Rapids", "IA"), ("Boise", "ID"), ("Burlington", "VT")]
ADDR_TXT = ["Address: {v}", "Patient lives at {v} with family.", "Mailing address {v} confirmed.",
            "Home address on file is {v} per the intake form."]
DOB_TXT = ["DOB: {v}", "Date of birth {v} confirmed at the desk.", "Patient born {v} per the chart.",
           "D.O.B. {v}"]
DATE_TXT = ["Follow up visit scheduled for {v} in the clinic.", "Seen in the clinic on {v} for review.",
            "Next review is planned for {v} with the team.", "Letter sent {v} to the family."]
MONTH_NAMES = ["January", "February", "March", "April", "May", "June", "July", "August",
               "September", "October", "November", "December"]


def _rand_date(rng, lo=1930, hi=2024):
    y = rng.randrange(lo, hi)
    m = rng.randrange(1, 13)
    d = rng.randrange(1, 29)
    return y, m, d


def format_date(rng, y, m, d):
    form = rng.randrange(6)
    if form == 0:
        return "%02d/%02d/%04d" % (m, d, y)
    if form == 1:
        return "%04d-%02d-%02d" % (y, m, d)
    if form == 2:
        return "%s %d, %04d" % (MONTH_NAMES[m - 1], d, y)
    if form == 3:
        return "%d %s %04d" % (d, MONTH_NAMES[m - 1][:3], y)
    if form == 4:
        return "%d/%d/%04d" % (m, d, y)
    return "%02d-%02d-%04d" % (m, d, y)


def gen_name(rng, given_names, family_names):
    known = rng.random() < 0.85
    g = rng.choice(given_names if known else OTHER_GIVEN)
    f = rng.choice(family_names if known or rng.random() < 0.5 else OTHER_FAMILY)
    return g, f


def gen_address(rng, full):
    num = str(rng.randrange(1, 9999))
    street = "%s %s %s" % (num, rng.choice(STREET_NAMES), rng.choice(STREET_SUFFIXES))
    if rng.random() < 0.2:
        street += rng.choice([", Apt %d" % rng.randrange(1, 40), " Suite %d" % rng.randrange(100, 900)])
    if not full:
        return street
    city, st = rng.choice(CITIES)
    zipc = "%05d" % rng.randrange(10001, 99950)
    return "%s, %s, %s %s" % (street, city, st, zipc)


B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
URLSAFE = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
HEX = "0123456789abcdef"


def _guid(rng):
    return "-".join(_alnum(rng, n, HEX) for n in (8, 4, 4, 4, 12))


def _alnum(rng, n, alphabet=None):
    a = alphabet or "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    return "".join(rng.choice(a) for _ in range(n))


def itin_digits(rng):
    g = rng.choice(list(range(50, 66)) + list(range(70, 89)) + [90, 91, 92] + list(range(94, 100)))
    return "9%02d%02d%04d" % (rng.randrange(100), g, rng.randrange(1, 10000))


def dea_value(rng, valid=True):
    six = _digits(rng, 6)
    check = V.dea_check_digit(six)
    if not valid:
        check = str((int(check) + rng.randrange(1, 10)) % 10)
    return rng.choice("ABFGMPRCX") + rng.choice("ABCDEFGHJKLMNPRSTW9") + six + check


def aba_value(rng, valid=True):
    while True:
        prefix = "%02d" % rng.choice(list(range(1, 13)) + list(range(21, 33)) +
                                     list(range(61, 73)) + [80])
        body = prefix + _digits(rng, 6)
        for c in "0123456789":
            ok = V.aba_valid(body + c)
            if ok == valid:
                return body + c


def iban_value(rng, valid=True):
    country = rng.choice(["GB", "DE", "FR", "NL", "BE", "ES", "IT", "CH", "IE", "NO"])
    n = V.IBAN_LENGTHS[country]
    if country in ("GB", "NL", "IE"):
        bban = _alnum(rng, 4, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") + _digits(rng, n - 8)
    else:
        bban = _digits(rng, n - 4)
    check = 98 - V.iban_mod97(country + "00" + bban)
    if not valid:
        check = (check + rng.randrange(1, 90)) % 97 + 2
        if check > 98:
            check = 2
    v = "%s%02d%s" % (country, check, bban)
    assert V.iban_valid(v) == valid, v
    if rng.random() < 0.6:
        v = " ".join(v[i:i + 4] for i in range(0, len(v), 4))
    return v


def nhs_value(rng, valid=True):
    while True:
        nine = rng.choice("46789") + _digits(rng, 8)
        c = V.nhs_check(nine)
        if c == 10:
            continue
        d = nine + str(c if valid else (c + rng.randrange(1, 10)) % 10)
        if V.nhs_valid(d) != valid:
            continue
        form = rng.choice(["space", "space", "bare", "dash"])
        return d if form == "bare" else _group(d, (3, 3, 4), " " if form == "space" else "-")


def sin_value(rng, valid=True):
    while True:
        body = rng.choice("1234567") + _digits(rng, 7)
        c = V.luhn_check_digit(body)
        d = body + (c if valid else str((int(c) + rng.randrange(1, 10)) % 10))
        if V.sin_valid(d) == valid:
            form = rng.choice(["space", "dash", "bare"])
            return d if form == "bare" else _group(d, (3, 3, 3), " " if form == "space" else "-")


def au_medicare_value(rng, valid=True):
    eight = rng.choice("23456") + _digits(rng, 7)
    c = V.au_medicare_check(eight)
    if not valid:
        c = (c + rng.randrange(1, 10)) % 10
    d = eight + str(c) + rng.choice("123456789")
    return _group(d, (4, 5, 1), " ") if rng.random() < 0.6 else d


def vin_value(rng, valid=True):
    while True:
        chars = [rng.choice(V.VIN_CHARS) for _ in range(17)]
        chars[8] = "0"
        check = V.vin_check("".join(chars))
        chars[8] = check
        if not valid:
            chars[8] = rng.choice([c for c in "0123456789X" if c != check])
        v = "".join(chars)
        if V.vin_valid(v) == valid and any(c.isalpha() for c in v):
            return v


def ipv4_value(rng, internal=False):
    """An address of an internet host, or with `internal` one of a network's
    own (private, loopback, link-local, documentation), which is low."""
    while True:
        first = rng.choice([10, 172, 192, 127, 169] if internal else [23, 45, 81, 151, 185, 203])
        v = "%d.%d.%d.%d" % (first, rng.randrange(256), rng.randrange(256), rng.randrange(1, 255))
        if V.ipv4_valid(v) and V.internal_ipv4(v) == internal:
            return v


def ipv6_value(rng, internal=False):
    groups = ["%x" % rng.randrange(0x10000) for _ in range(8)]
    groups[0] = rng.choice(["fe80", "fd00", "fd12"] if internal else ["2001", "2600", "2a02"])
    if groups[0] == "2001" and groups[1] == "db8":
        groups[1] = "4860"
    form = rng.randrange(3)
    if form == 0:
        return ":".join(groups)
    if form == 1:
        return ":".join(groups[:3]) + "::" + ":".join(groups[6:])
    return groups[0] + "::" + groups[7]


LETTER_CATEGORIES = ["C4A", "C7A", "C7B", "D3A", "M1A", "O9A", "Z3A"]


def icd_value(rng, dotted):
    letter = rng.choice("ABCDEFGHIJKLMNOPQRSTVWXYZ")
    cat = letter + str(rng.randrange(10)) + rng.choice("0123456789" * 3 + "ABX")
    if not cat[2].isdigit():
        # Only seven categories have a letter third; the draws stay as they were.
        cat = LETTER_CATEGORIES[(ord(letter) + ord(cat[2])) % len(LETTER_CATEGORIES)]
    if not dotted:
        return cat
    return cat + "." + _digits(rng, rng.randrange(1, 3)) + rng.choice(["", "", "A", "D"])


def ndc_value(rng):
    shape = rng.choice([(4, 4, 2), (5, 3, 2), (5, 4, 1), (5, 4, 2)])
    parts = [str(rng.randrange(1, 10)) + _digits(rng, n - 1) for n in shape]
    return "-".join(parts)


def url_value(rng):
    host = rng.choice(["portal.example.com", "www.example.org", "records.example.net",
                       "intranet.example.com"])
    path = rng.choice(["/patients/%d" % rng.randrange(1000, 99999), "/chart?id=%d" % rng.randrange(1000, 99999),
                       "/forms/intake", ""])
    return "%s://%s%s" % (rng.choice(["https", "http"]), host, path)


def jwt_value(rng, alg=True):
    import base64

    def b64(s):
        return base64.urlsafe_b64encode(s.encode()).decode().rstrip("=")
    head = '{"alg":"HS256","typ":"JWT"}' if alg else '{"typ":"JWT","kid":"%d"}' % rng.randrange(99)
    body = '{"sub":"%d","iat":%d}' % (rng.randrange(10**6), rng.randrange(1700000000, 1800000000))
    return "%s.%s.%s" % (b64(head), b64(body), _alnum(rng, 43, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"))


def password_value(rng):
    while True:
        v = _alnum(rng, rng.randrange(10, 20), "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789!#%&*+")
        if V.secret_value_valid(v):
            return v


def e164_value(rng):
    return rng.choice(["+44 20 %04d %04d" % (rng.randrange(1000, 9999), rng.randrange(10000)),
                       "+49 30 %07d" % rng.randrange(1000000, 9999999),
                       "+61 2 %04d %04d" % (rng.randrange(1000, 9999), rng.randrange(10000)),
                       "+33 1 %02d %02d %02d %02d" % tuple(rng.randrange(100) for _ in range(4))])


def extra_value(rng, type_id, variant, names):
    if type_id == ITIN:
        d = itin_digits(rng)
        return d if variant == "bare" else format_ssn(d, rng.choice(["dash", "dash", "space"]))
    if type_id == DEA:
        return dea_value(rng)
    if type_id == ABA:
        return aba_value(rng)
    if type_id == ICD:
        return icd_value(rng, variant == "dotted")
    if type_id == NDC_T:
        return ndc_value(rng)
    if type_id == NHS:
        return nhs_value(rng)
    if type_id == SIN:
        return sin_value(rng)
    if type_id == AUMED:
        return au_medicare_value(rng)
    if type_id == IP:
        internal = variant.endswith("internal")
        return (ipv4_value(rng, internal) if variant.startswith("v4")
                else ipv6_value(rng, internal))
    if type_id == VIN_T:
        return vin_value(rng)
    if type_id == IBAN_T:
        return iban_value(rng)
    if type_id == URL_T:
        return url_value(rng)
    if type_id == MRN_T:
        return rng.choice(["", "", "A", "MR", "H"]) + _digits(rng, rng.randrange(6, 10))
    if type_id == HPID:
        return rng.choice(["W", "XJH", "", "M", "ZGP"]) + str(rng.randrange(1, 10)) + \
            _digits(rng, rng.randrange(7, 11))
    if type_id == DL:
        return rng.choice([rng.choice("ABCDFGHJKLMNPSTW") + _digits(rng, rng.choice([7, 8, 12])),
                           str(rng.randrange(1, 10)) + _digits(rng, rng.choice([7, 8]))])
    if type_id == PASSPORT:
        return rng.choice([str(rng.randrange(1, 10)) + _digits(rng, 8),
                           rng.choice("ACEFGHJKLMNPRSTUVWXYZ") + _digits(rng, 8)])
    if type_id == BANK:
        return str(rng.randrange(1, 10)) + _digits(rng, rng.randrange(7, 14))
    if type_id == PACCT:
        return rng.choice(["", "", "A", "ACCT", "V"]) + str(rng.randrange(1, 10)) + \
            _digits(rng, rng.randrange(6, 10))
    if type_id == PHONE:
        return e164_value(rng)
    if type_id == AWS:
        return rng.choice(["AKIA", "ASIA"]) + _alnum(rng, 16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
    if type_id == AWS_SECRET:
        return _alnum(rng, 40, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+")
    if type_id == PKEY:
        # The header and the body's first 32 characters, on one line as a
        # ticket or a reflowed mail pastes it.
        return "-----BEGIN %sPRIVATE KEY----- %s" % (
            rng.choice(["RSA ", "EC ", "OPENSSH ", "", "DSA "]), _alnum(rng, 32, B64))
    if type_id == HOOK:
        if variant == "slack":
            up = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
            return "https://hooks.slack.com/services/T%s/B%s/%s" % (
                _alnum(rng, 10, up), _alnum(rng, 10, up), _alnum(rng, 24))
        if variant == "teams":
            return "https://%s.webhook.office.com/webhookb2/%s@%s/IncomingWebhook/%s/%s" % (
                rng.choice(["contoso", "mercyhealth", "stlukes"]), _guid(rng), _guid(rng),
                _alnum(rng, 32, HEX), _guid(rng))
        return "https://discord.com/api/webhooks/%s/%s" % (
            _digits(rng, 18), _alnum(rng, 67, URLSAFE) + _alnum(rng, 1))
    if type_id == AZSEC:
        return _alnum(rng, 3) + str(rng.randrange(10)) + "Q~" + _alnum(rng, 33, URLSAFE + "~.") + \
            _alnum(rng, 1)
    if type_id == SGRID:
        return "SG.%s.%s" % (_alnum(rng, 22, URLSAFE), _alnum(rng, 42, URLSAFE) + _alnum(rng, 1))
    if type_id == NPM:
        return "npm_" + _alnum(rng, 36)
    if type_id == PYPI:
        return "pypi-AgEIcHlwaS5vcmc" + _alnum(rng, rng.randrange(60, 150), URLSAFE) + \
            _alnum(rng, 1)
    if type_id == OPENAI:
        n = rng.choice([20, 74])
        return "sk-%s%sT3BlbkFJ%s" % ("proj-" if n == 74 else "", _alnum(rng, n, URLSAFE),
                                     _alnum(rng, n - 1, URLSAFE) + _alnum(rng, 1))
    if type_id == ANTH:
        return "sk-ant-api03-%sAA" % _alnum(rng, 93, URLSAFE)
    if type_id == GH:
        return rng.choice(["ghp_", "gho_", "ghs_"]) + _alnum(rng, 36)
    if type_id == GL:
        return "glpat-" + _alnum(rng, 20)
    if type_id == SLACK:
        return "xox%s-%d-%d-%s" % (rng.choice("bpa"), rng.randrange(10**10, 10**12),
                                   rng.randrange(10**10, 10**12), _alnum(rng, 24))
    if type_id == GAPI:
        while True:
            v = "AIza" + _alnum(rng, 35, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
            if v[-1] not in "-_":
                return v
    if type_id == STRIPE:
        return rng.choice(["sk", "rk"]) + "_" + variant + "_" + _alnum(rng, rng.randrange(24, 40))
    if type_id == JWT_T:
        return jwt_value(rng)
    if type_id == PWD:
        return password_value(rng)
    if type_id == NAME:
        g, f = gen_name(rng, names[0], names[1])
        if variant == "anchored" and rng.random() < 0.2:
            return "%s, %s" % (f, g)
        if variant == "prose":
            g, f = rng.choice(names[0]), rng.choice(names[1])
        return "%s %s" % (g, f)
    if type_id == ADDR:
        return gen_address(rng, variant == "full")
    if type_id in (DOB, DATE_T):
        return format_date(rng, *_rand_date(rng, 1930 if type_id == DOB else 2015,
                                            2010 if type_id == DOB else 2025))
    raise AssertionError(type_id)


def _x_neg(type_id, make, note, ctx="kw", kwkey=None):
    def f(rng):
        return type_id, make(rng), note, ctx if kwkey is None else (ctx, kwkey)
    return f


def _ip_bad(rng):
    return "%d.%d.%d.%d" % (rng.randrange(256, 999), rng.randrange(256), rng.randrange(256),
                            rng.randrange(1, 255))


def _mac(rng):
    return ":".join("%02x" % rng.randrange(256) for _ in range(6))


def _oid(rng):
    """An SNMP OID or a DICOM UID: a dotted run longer than four parts."""
    head = rng.choice(["1.3.6.1.4.1.", "1.3.6.1.2.1.", "1.2.840.10008.5.1.4.1.1.", "2.16.840.1."])
    return head + ".".join(str(rng.randrange(1, 200)) for _ in range(rng.randrange(1, 6)))


EXTRA_NEGATIVES = [
    ("itin_badgroup", _x_neg(ITIN, lambda r: "9%02d-%d-%04d" % (r.randrange(100),
                                                                 r.choice([66, 67, 68, 69, 89, 93]),
                                                                 r.randrange(1, 10000)),
                             "ITIN group 66-69/89/93 never issued")),
    ("dea_badcheck", _x_neg(DEA, lambda r: dea_value(r, valid=False), "bad DEA check digit")),
    ("aba_badcheck", _x_neg(ABA, lambda r: aba_value(r, valid=False), "bad ABA checksum")),
    ("iban_badcheck", _x_neg(IBAN_T, lambda r: iban_value(r, valid=False), "IBAN fails mod 97")),
    ("nhs_badcheck", _x_neg(NHS, lambda r: nhs_value(r, valid=False), "bad NHS check digit")),
    ("sin_badluhn", _x_neg(SIN, lambda r: sin_value(r, valid=False), "SIN fails Luhn")),
    ("aumed_badcheck", _x_neg(AUMED, lambda r: au_medicare_value(r, valid=False),
                              "bad Medicare check digit")),
    ("vin_badcheck", _x_neg(VIN_T, lambda r: vin_value(r, valid=False), "bad VIN check digit")),
    ("ipv4_badoctet", _x_neg(IP, _ip_bad, "octet above 255")),
    ("ipv6_mac", _x_neg(IP, _mac, "MAC address, not IPv6")),
    ("ipv4_oid", _x_neg(IP, _oid, "OID or DICOM UID, not an IPv4 address")),
    ("ipv6_code", _x_neg(IP, lambda r: r.choice(["dead::beef", "cafe::f00d", "abc::def",
                                                  "face::b00c"]),
                         "two hex words around ::, no IP keyword (source code)", "nokw")),
    ("icd_nokw", _x_neg(ICD, lambda r: icd_value(r, True), "ICD-10 shape, no clinical context",
                        "nokw")),
    ("ndc_nokw", _x_neg(NDC_T, ndc_value, "NDC shape, no drug context", "nokw")),
    ("mrn_nokw", _x_neg(MRN_T, lambda r: "A" + _digits(r, 7), "record-like number, no keyword",
                        "nokw")),
    ("aws_secret_nokw", _x_neg(AWS_SECRET, lambda r: _alnum(
        r, 40, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+"),
        "40 base64 characters, no AWS secret keyword", "nokw")),
    ("aws_badprefix", _x_neg(AWS, lambda r: "AKIB" + _alnum(r, 16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"),
                             "no AWS key prefix", "nokw")),
    ("jwt_noalg", _x_neg(JWT_T, lambda r: jwt_value(r, alg=False), "JWT-like, header without alg",
                         "nokw")),
    ("password_placeholder", _x_neg(PWD, lambda r: r.choice(["${DB_PASSWORD}", "<your-password>",
                                                               "********", "changeme",
                                                               "{{ secret }}"]),
                                    "placeholder value", "kw")),
    ("stripe_publishable", _x_neg(STRIPE, lambda r: "pk_live_" + _alnum(r, 24),
                                  "publishable key, not secret", "nokw")),
    ("github_short", _x_neg(GH, lambda r: "ghp_" + _alnum(r, 20), "too short for a token", "nokw")),
    ("pkey_header_only", _x_neg(PKEY, lambda r: "-----BEGIN %sPRIVATE KEY-----%s" % (
        r.choice(["RSA ", "OPENSSH ", ""]), r.choice(["", " ...", " <paste the key here>"])),
        "a key's header with no key after it", "nokw")),
    ("hook_doc_example", _x_neg(HOOK, lambda r: "hooks.slack.com/services/T00000000/B00000000/" +
                                "X" * 24, "Slack's documented example webhook", "nokw")),
    ("openai_placeholder", _x_neg(OPENAI, lambda r: "sk-proj-" + r.choice("xX") * 48,
                                  "placeholder key", "nokw")),
    ("e164_short", _x_neg(PHONE, lambda r: "+44 %d" % r.randrange(100, 999), "too few digits",
                          "kw", PHONE + "/e164")),
]
# Negatives of fuzzy types: recorded for the accuracy benchmark (a finding on
# them is a false positive) but not required absent by the exact checks.
FUZZY_NEGATIVES = [
    ("date_invalid", lambda r: (DATE_T, r.choice(["02/30/2021", "2023-02-29", "04/31/2020",
                                                  "13/13/2019", "2022-11-31"]),
                                "not a calendar date", "date")),
    ("name_not_name", lambda r: (NAME, r.choice(["Stable Overnight", "Discharge Summary",
                                                 "Routine Followup", "Gait Steady"]),
                                 "capitalised words, not a name", "name")),
    ("addr_partial", lambda r: (ADDR, "%s, %s" % r.choice(CITIES), "city and state only",
                                "addr")),
]


# ---------------------------------------------------------------------------
# Documents

class Doc:
    """One output file being built: bytes so far and its manifest items."""

    def __init__(self, path, fmt):
        self.path, self.fmt = path, fmt
        self.parts, self.size, self.items = [], 0, []
        self.tail = ""
        self.json_objects = 0
        self.status = ("complete", None)

    def text(self, s):
        b = s.encode("utf-8") if isinstance(s, str) else s
        self.parts.append(b)
        self.size += len(b)

    def value(self, v, record):
        start = self.size
        self.text(v)
        record.update(file=self.path, start=start, end=self.size, value=v)
        self.items.append(record)

    def data(self):
        return b"".join(self.parts) + self.tail.encode("utf-8")

    def append(self, other):
        """Appends another Doc's bytes and items (offsets shifted)."""
        shift = self.size
        for b in other.parts:
            self.text(b)
        for it in other.items:
            it = dict(it)
            it["start"] += shift
            it["end"] += shift
            self.items.append(it)
        self.json_objects = other.json_objects


class Filler:
    """Neutral prose, checked once against every keyword of the rule pack."""

    def __init__(self, rng, keyword_terms):
        self.rng = rng
        self.terms = keyword_terms
        self.finders = {w: check_manifest.keyword_finder(keyword_terms, w)
                        for w in ("regex", "alnum")}
        for s in (FILLER_SUBJECTS + FILLER_VERBS + FILLER_OBJECTS + FILLER_TAILS
                  + FILLER_STANDALONE + LOG_FILLER_MESSAGES + LOG_COMPONENTS + LOG_LEVELS):
            self.assert_neutral(s)
        # Every sentence the generator can make, including neighbours joined
        # by a space or a newline (phrase keywords could straddle them).
        combos = []
        for s in FILLER_SUBJECTS:
            for v in FILLER_VERBS:
                for o in FILLER_OBJECTS:
                    combos.append("%s %s %s" % (s, v, o))
        for c in combos[::7] + FILLER_STANDALONE:
            for t in FILLER_TAILS:
                self.assert_neutral(c + " " + t + ".")
        ends = sorted({w.split()[-1] for w in FILLER_TAILS + FILLER_STANDALONE + FILLER_OBJECTS
                       + LOG_FILLER_MESSAGES})
        starts = sorted({w.split()[0] for w in FILLER_SUBJECTS + FILLER_STANDALONE
                         + LOG_LEVELS + LOG_COMPONENTS + ["remark", "kind", "text"]})
        for a in ends:
            for b in starts:
                self.assert_neutral(a + " " + b)
                self.assert_neutral(a + "\n" + b)

    def assert_neutral(self, s):
        assert not any(c.isdigit() for c in s), "digit in filler: %r" % s
        assert "," not in s and '"' not in s and "@" not in s, "punctuation in filler: %r" % s
        for word, found in self.finders.items():
            for text in (s, s.replace("\n", " ")):
                if found(text):  # naming the keyword is the slow search
                    hit = check_manifest.first_keyword(text, self.terms, word)
                    raise AssertionError("filler %r contains keyword %r" % (s, hit))

    def sentence(self):
        r = self.rng
        if r.random() < 0.3:
            return r.choice(FILLER_STANDALONE)
        return "%s %s %s %s." % (r.choice(FILLER_SUBJECTS), r.choice(FILLER_VERBS),
                                 r.choice(FILLER_OBJECTS), r.choice(FILLER_TAILS))

    def sentences(self, min_bytes):
        out, n = [], 0
        while n < min_bytes:
            s = self.sentence()
            out.append(s)
            n += len(s.encode("utf-8")) + 1
        return " ".join(out)

    def txt(self, min_bytes):
        """Wrapped paragraphs, at least min_bytes, ending with a blank line."""
        paras, n = [], 0
        while n < min_bytes:
            p = textwrap.fill(self.sentences(self.rng.randrange(120, 360)), WRAP_COLUMNS)
            paras.append(p)
            n += len(p.encode("utf-8")) + 2
        return "\n\n".join(paras) + "\n\n"

    def txt_exact(self, nbytes):
        """Exactly nbytes of paragraphs (trailing spaces pad the last line)."""
        b = self.txt(nbytes + 200).encode("utf-8")[:nbytes - 2]
        cut = max(b.rfind(b" "), b.rfind(b"\n"))
        out = b[:cut] + b" " * (nbytes - 2 - cut) + b"\n\n"
        assert len(out) == nbytes
        return out

    def log(self, min_bytes):
        lines, n = [], 0
        while n < min_bytes:
            r = self.rng
            s = "%s %s: %s\n" % (r.choice(LOG_LEVELS), r.choice(LOG_COMPONENTS),
                                 r.choice(LOG_FILLER_MESSAGES))
            lines.append(s)
            n += len(s)
        return "".join(lines)

    def csv(self, min_bytes):
        rows, n = [], 0
        while n < min_bytes:
            s = ",remark,,%s\n" % self.sentences(self.rng.randrange(60, 160))
            rows.append(s)
            n += len(s.encode("utf-8"))
        return "".join(rows)

    def json_object(self, min_bytes):
        return '{"kind": "remark", "text": "%s"}' % self.sentences(min_bytes)


def cased(rng, k):
    return rng.choice([k, k, k.upper(), k.lower()]) if k.isascii() else k


class Builder:
    def __init__(self, rng, filler, rules):
        self.rng, self.filler, self.rules = rng, filler, rules
        self.record_no = 0

    # -- one planted block per format -------------------------------------

    def _split(self, template, k):
        t = template.replace("{k}", k)
        if "{f}" in t:
            t = t.replace("{f}", self.filler.sentence())
        pre, post = t.split("{v}")
        return pre, post

    def block(self, doc, item):
        """Writes item's block into doc. The block is rendered on its own and
        checked with the reference scanner first: exactly the item's own
        finding (exact positives) or nothing of an exact type (others), and
        nothing at all on a negative. A value that fails is drawn again."""
        for attempt in range(200):
            probe = Doc(doc.path, doc.fmt)
            probe.json_objects = doc.json_objects
            saved = self.record_no
            self.render(probe, item)
            problem = self.block_problem(probe, item)
            if problem is None:
                doc.append(probe)
                return
            self.record_no = saved
            if attempt == 199 or item.get("make") is None:
                raise AssertionError("cannot plant %s %s: %s" % (item["kind"], item["type"],
                                                                   problem))
            item["value"] = item["make"](self.rng)

    def block_problem(self, probe, item):
        text = probe.data().decode("latin-1")
        rec = probe.items[0]
        found, ambiguous = check_manifest.scan_text(text, self.rules)
        if ambiguous:
            return "ambiguous evidence %r" % (ambiguous,)
        exact = {k: v for k, v in found.items() if k[0] not in FUZZY}
        want = {}
        if item["kind"] == "positive" and item["type"] not in FUZZY:
            want = {(item["type"], rec["start"], rec["end"]): item["score"]}
        if exact != want:
            return "findings %r, want %r" % (exact, want)
        if item["kind"] == "negative" and item["type"] not in FUZZY:
            for (t, s, e) in found:
                if s < rec["end"] and rec["start"] < e:
                    return "negative overlaps %s" % t
        return None

    def render(self, doc, item):
        r = self.rng
        type_id, ctx = item["type"], item["ctx"]
        rec = {"kind": item["kind"], "type": type_id}
        if item["kind"] == "positive":
            rec["score"] = item["score"]
        else:
            rec["note"] = item["note"]
        if type_id in FUZZY:
            rec["fuzzy"] = True
        self.record_no += 1
        if ctx.startswith("generic:"):
            self.render_generic(doc, item, rec, GENERIC[ctx.split(":")[1]])
        elif item.get("kwkey", type_id) in KEYWORDS:
            self.render_classic(doc, item, rec)
        elif type_id in FUZZY:
            self.render_fuzzy(doc, item, rec)
        else:
            self.render_extra(doc, item, rec)

    # One cell/key/line per format; `inner` text may precede the value
    # inside a CSV cell or JSON string.
    def emit(self, doc, item, rec, txt=None, log=None, field=None, inner=""):
        r = self.rng
        v = item["value"]
        if doc.fmt == "txt":
            pre, post = self._split(txt, "")
            doc.text(pre)
            doc.value(v, rec)
            doc.text(post + "\n\n")
        elif doc.fmt == "log":
            ts = _timestamp(r)
            doc.text("%s %s %s: " % (ts, r.choice(LOG_LEVELS), r.choice(LOG_COMPONENTS)))
            pre, post = self._split(log, "")
            doc.text(pre)
            doc.value(v, rec)
            doc.text(post + "\n")
        elif doc.fmt == "csv":
            quote = '"' if ("," in v or '"' in inner or "," in inner) else ""
            doc.text("r%04d,%s,%s%s" % (self.record_no, field, quote, inner))
            doc.value(v, rec)
            doc.text("%s,%s\n" % (quote, r.choice(ROW_NOTES)))
        elif doc.fmt == "json":
            self.json_sep(doc)
            doc.text('{"record": "p%04d", "%s": "%s' % (self.record_no, field, inner))
            doc.value(v, rec)
            doc.text('", "note": "%s"}' % r.choice(ROW_NOTES))
        else:
            raise AssertionError(doc.fmt)

    def render_generic(self, doc, item, rec, generic):
        r = self.rng
        field = generic[4] if doc.fmt == "csv" else generic[5]
        self.emit(doc, item, rec, txt=r.choice(generic[2]), log="%s {v} processed" % generic[3],
                  field=field)

    def render_classic(self, doc, item, rec):
        r = self.rng
        type_id, kw = item["type"], item["ctx"] == "kw"
        k = cased(r, r.choice(KEYWORDS[type_id]))
        txt = r.choice((TXT_KW if kw else TXT_NOKW)[type_id]).replace("{k}", k)
        if kw:
            log = r.choice(LOG_KW_MESSAGES).replace("{k}", r.choice(LOG_KW[type_id]))
        else:
            log = r.choice(LOG_NOKW_MESSAGES)
        field = r.choice(((CSV_KW if kw else CSV_NOKW) if doc.fmt == "csv"
                          else (JSON_KW if kw else JSON_NOKW))[type_id])
        inner = ""
        if doc.fmt in ("json", "csv") and (type_id, item.get("score")) == (SSN, 75):
            # Bare nine digits under a key named SSN (or beside a CSV row's
            # field named so) are high (a field-only rule); medium is the
            # keyword in the value's own text.
            inner = field + " "
            field = (JSON_NOKW if doc.fmt == "json" else CSV_NOKW)[SSN][0]
        self.emit(doc, item, rec, txt=txt, log=log, field=field, inner=inner)

    def render_extra(self, doc, item, rec):
        r = self.rng
        type_id, kwkey = item["type"], item.get("kwkey", item["type"])
        if item["ctx"] != "kw":
            field = r.choice(X_NOKW["csv" if doc.fmt == "csv" else "json"])
            self.emit(doc, item, rec, txt=r.choice(X_NOKW["txt"]), log=r.choice(X_NOKW["log"]),
                      field=field)
            return
        k = r.choice(X_KEYWORDS[kwkey])
        txts = STRICT_TXT.get(kwkey) or (ANCHORED_TXT if type_id in ANCHORED else EVIDENCE_TXT)
        logs = STRICT_LOG.get(kwkey) or LOG_KW_MESSAGES
        txt = r.choice(txts).replace("{k}", k)
        log = r.choice(logs).replace("{k}", r.choice(X_LOG_KW[kwkey]))
        if doc.fmt == "csv" and type_id in (PWD, AWS_SECRET):
            self.emit(doc, item, rec, field="credential", inner=r.choice(X_LOG_KW[type_id]) + "=")
            return
        if type_id == HPID:
            # A member, policy or group number is a health plan's only with
            # health coverage context nearby (a key of a JSON record names
            # its field, which needs none).
            txt, log, k = "Health plan on file. " + txt, "health plan " + log, "Health plan " + k
        field = k if doc.fmt == "csv" else r.choice(X_JSON_KW[kwkey])
        inner = ""
        if doc.fmt in ("json", "csv") and kwkey == DL + "/abbrev":
            # A key named dl_no (or a CSV row's field named so) is a driver's
            # license field (high); medium is the abbreviation in the value's
            # own text.
            inner, field = field + ": ", X_NOKW[doc.fmt][0]
        self.emit(doc, item, rec, txt=txt, log=log, field=field, inner=inner)

    def render_fuzzy(self, doc, item, rec):
        r = self.rng
        type_id, variant = item["type"], item.get("variant")
        if type_id == NAME:
            if item["kind"] == "negative":
                variant = "anchored"
            if variant == "signature" and doc.fmt == "txt":
                self.emit(doc, item, rec, txt="Plan reviewed with the family.\n\n%s,\n{v}"
                          % r.choice(["Sincerely", "Regards", "Electronically signed by"]))
                return
            if variant == "honorific":
                h = r.choice(NAME_HONORIFICS)
                self.emit(doc, item, rec, txt="Seen by %s {v} in the clinic today." % h,
                          log="note filed by %s {v} for review" % h, field="physician",
                          inner=h + " ")
                return
            if variant == "prose" and doc.fmt == "txt":
                self.emit(doc, item, rec, txt=r.choice(NAME_PROSE + NAME_PROSE_KW
                                                        if item["score"] == 75 else NAME_PROSE))
                return
            a = r.choice(NAME_ANCHORS)
            field = a if doc.fmt == "csv" else a.lower().replace(" ", "_")
            self.emit(doc, item, rec, txt="%s: {v}" % a, log="lookup %s: {v} ok"
                      % a.lower().replace(" ", "_"), field=field)
            return
        if type_id == ADDR:
            field = "Address" if doc.fmt == "csv" else r.choice(["address", "home_address"])
            self.emit(doc, item, rec, txt=r.choice(ADDR_TXT), log="lookup address: {v} ok",
                      field=field)
            return
        if type_id == DOB:
            field = r.choice(["DOB", "Birth Date"]) if doc.fmt == "csv" else \
                r.choice(["dob", "birth_date", "date_of_birth"])
            self.emit(doc, item, rec, txt=r.choice(DOB_TXT), log="lookup dob: {v} ok", field=field)
            return
        if type_id == DATE_T:
            field = "Visit Date" if doc.fmt == "csv" else "visit_date"
            self.emit(doc, item, rec, txt=r.choice(DATE_TXT), log="visit scheduled {v} confirmed",
                      field=field)
            return
        raise AssertionError(type_id)

    def json_sep(self, doc):
        doc.text(",\n  " if doc.json_objects else "\n  ")
        doc.json_objects += 1

    def gap(self, doc, min_bytes):
        if doc.fmt == "txt":
            doc.text(self.filler.txt(min_bytes))
        elif doc.fmt == "log":
            doc.text(self.filler.log(min_bytes))
        elif doc.fmt == "csv":
            doc.text(self.filler.csv(min_bytes))
        else:
            self.json_sep(doc)
            doc.text(self.filler.json_object(min_bytes))

    def begin(self, doc):
        if doc.fmt == "csv":
            doc.text(CSV_HEADER)
        elif doc.fmt == "json":
            doc.text("[")
            doc.tail = "\n]\n"

    # -- files ------------------------------------------------------------

    def regular(self, doc, items, boundary):
        self.begin(doc)
        for i, item in enumerate(items):
            if i == 0 and boundary:
                # Place the first value across CHUNK_BOUNDARY: render the
                # block alone, then exact filler before it.
                assert doc.fmt == "txt" and doc.size == 0
                probe = Doc(doc.path, doc.fmt)
                self.block(probe, item)
                rec = probe.items[0]
                target_start = CHUNK_BOUNDARY - len(rec["value"]) // 2
                assert target_start - rec["start"] >= MIN_GAP
                doc.text(self.filler.txt_exact(target_start - rec["start"]))
                doc.append(probe)
                got = doc.items[-1]
                assert got["start"] < CHUNK_BOUNDARY < got["end"], got
                continue
            self.gap(doc, self.rng.randrange(MIN_GAP if i else 40, MAX_GAP))
            self.block(doc, item)
        self.gap(doc, self.rng.randrange(MIN_GAP, MAX_GAP))


def make_positive(rng, combo, names):
    """A planted positive: dict with type, score, value, ctx and a `make`
    that draws another value of the same kind."""
    type_id, score, variant = combo
    if variant is None and type_id in KEYWORDS:
        value, kw = gen_positive(rng, type_id, score)
        item = {"ctx": "kw" if kw else "nokw"}
        item["make"] = lambda r: gen_positive(r, type_id, score)[0]
    else:
        value = extra_value(rng, type_id, variant, names)
        if type_id in FUZZY:
            ctx = "fuzzy"
        elif (type_id, score) in NOKW_POSITIVE:
            ctx = "nokw"
        else:
            ctx = "kw"
        item = {"ctx": ctx, "make": lambda r: extra_value(r, type_id, variant, names)}
        if type_id in (DL, BANK):
            item["kwkey"] = type_id + "/" + variant
        elif type_id == PHONE:
            item["kwkey"] = PHONE + "/e164"
    item.update(kind="positive", type=type_id, score=score, value=value, variant=variant)
    return item


def make_negative(rng, maker):
    type_id, value, note, ctx = maker(rng)
    item = {"kind": "negative", "type": type_id, "note": note, "value": value,
            "make": lambda r: maker(r)[1]}
    if isinstance(ctx, tuple):
        ctx, item["kwkey"] = ctx
    if type_id in FUZZY:
        ctx = "fuzzy"
    item["ctx"] = ctx
    return item


def pick_items(rng, combo_cycle, neg_cycle, n_pos, n_neg, names):
    items = [make_positive(rng, next(combo_cycle), names) for _ in range(n_pos)]
    items += [make_negative(rng, next(neg_cycle)[1]) for _ in range(n_neg)]
    rng.shuffle(items)
    return items


def shuffled_cycle(rng, seq):
    while True:
        s = list(seq)
        rng.shuffle(s)
        for x in s:
            yield x


def plan_files(n_files):
    """[(path, format, role)] for n_files files, in generation order."""
    regular = n_files - 3
    plan = []
    cycle = ["log", "csv", "json", "txt"]
    for i in range(regular):
        if i == 0:
            plan.append(("notes/note_000.txt", "txt", "boundary"))
            continue
        if i == 1:
            plan.append(("notes/visit summary 001.txt", "txt", "regular"))
            continue
        fmt = cycle[(i - 2) % len(cycle)]
        if fmt == "log":
            path = "logs/app_%03d.log" % i
        elif fmt == "csv":
            path = "exports/records_%03d.csv" % i
        elif fmt == "json":
            path = "exports/json/batch_%03d.json" % i
        else:
            path = ("notes/archive/note_%03d.txt" if i % 8 == 5 else "notes/note_%03d.txt") % i
        plan.append((path, fmt, "regular"))
    plan.append(("misc/clean_notes.txt", "txt", "clean"))
    plan.append(("misc/empty.txt", "txt", "empty"))
    plan.append(("misc/blob.bin", "bin", "binary"))
    return plan


def build_binary(rng, doc):
    doc.text(b"PHXB\x00\x01\x00\x00")
    doc.text(bytes(rng.randrange(256) for _ in range(600)))
    doc.text(b"\npatient SSN: ")
    v = format_ssn(ssn_digits_valid(rng), "dash")
    doc.value(v, {"kind": "negative", "type": SSN,
                  "note": "valid SSN with keyword inside a binary file (skipped)"})
    doc.text(b" on file\n")
    doc.text(bytes(rng.randrange(256) for _ in range(900)))
    doc.status = ("skipped", "binary")


def generate(seed, n_files):
    rng = random.Random(seed)
    rules = check_manifest.load_rules()
    terms = check_manifest.all_keyword_terms(rules, exact_only=True)
    for type_id, kws in KEYWORDS.items():
        allowed = [t.lower() for t in check_manifest.type_keyword_terms(rules, type_id)]
        for table in (KEYWORDS, LOG_KW, CSV_KW, JSON_KW):
            for k in table[type_id]:
                assert check_manifest.first_keyword(k, allowed) is not None, \
                    "%s is not a %s keyword in builtin.yaml" % (k, type_id)
    for kwkey, kws in X_KEYWORDS.items():
        allowed = [t.lower() for t in
                   check_manifest.type_keyword_terms(rules, kwkey.split("/")[0])]
        if not allowed:
            continue  # a type without evidence lists: the label is decoration
        for k in kws + X_JSON_KW[kwkey]:
            assert check_manifest.first_keyword(k.replace("_", " "), allowed) is not None, \
                "%s is not a %s keyword in builtin.yaml" % (k, kwkey)
    names = (rules["keywords"]["given_names"], rules["keywords"]["family_names"])
    filler = Filler(rng, terms)
    builder = Builder(rng, filler, rules)
    combos = [(t, sc, None) for t, sc in COMBOS] + EXTRA_COMBOS
    combo_cycle = shuffled_cycle(rng, combos)
    neg_cycle = shuffled_cycle(rng, NEGATIVES + EXTRA_NEGATIVES + FUZZY_NEGATIVES)
    docs = []
    for path, fmt, role in plan_files(n_files):
        doc = Doc(path, fmt)
        if role == "binary":
            build_binary(rng, doc)
        elif role == "empty":
            pass
        elif role == "clean":
            items = [make_negative(rng, _generic(kind))
                     for kind in ["timestamp", "version", "ipv4", "uuid"]]
            builder.regular(doc, items, boundary=False)
        else:
            items = pick_items(rng, combo_cycle, neg_cycle, rng.randrange(6, 12),
                               rng.randrange(3, 7), names)
            if role == "boundary":
                # The value across the chunk boundary is an exact positive.
                first = next(i for i, it in enumerate(items)
                             if it["kind"] == "positive" and it["type"] not in FUZZY)
                items.insert(0, items.pop(first))
            builder.regular(doc, items, boundary=(role == "boundary"))
        docs.append(doc)
    return rng, filler, docs


def pad_to_target(rng, filler, docs, target):
    """Appends neutral filler (heavy-tailed shares) so the tree totals about
    `target` bytes. Offsets of planted items do not move."""
    total = sum(len(d.data()) for d in docs)
    deficit = target - total
    eligible = [d for d in docs if d.status[0] == "complete" and d.size > 0]
    if deficit <= 0 or not eligible:
        return
    weights = [rng.paretovariate(1.2) for _ in eligible]
    wsum = sum(weights)
    for d, w in zip(eligible, weights):
        share = int(deficit * w / wsum)
        if share <= 0:
            continue
        if d.fmt == "json":
            # one remark object of about `share` bytes per ~64 KiB
            remaining = share
            while remaining > 0:
                n = min(remaining, 65536)
                before = d.size
                d.text(",\n  ")
                d.text(filler.json_object(max(n - 40, 1)))
                remaining -= d.size - before
        elif d.fmt == "txt":
            d.text(filler.txt(share))
        elif d.fmt == "log":
            d.text(filler.log(share))
        else:
            d.text(filler.csv(share))


def manifest_records(docs):
    out = []
    for d in docs:
        status, reason = d.status
        rec = {"file": d.path, "kind": "file", "status": status}
        if reason:
            rec["reason"] = reason
        rows = [(-1, rec)]
        for it in d.items:
            if it["kind"] == "positive":
                r = {"file": d.path, "kind": "positive", "type": it["type"],
                     "start": it["start"], "end": it["end"], "score": it["score"],
                     "value": it["value"]}
            else:
                r = {"file": d.path, "kind": "negative", "type": it["type"],
                     "start": it["start"], "end": it["end"], "note": it["note"],
                     "value": it["value"]}
            if it.get("fuzzy"):
                r["fuzzy"] = True
            rows.append((it["start"], r))
        out.extend((d.path, start, r) for start, r in rows)
    out.sort(key=lambda x: (x[0], x[1]))
    return [r for _, _, r in out]


def fail(msg):
    print("generate.py: " + msg, file=sys.stderr)
    sys.exit(2)


def main(argv):
    ap = argparse.ArgumentParser(description="Generate the phiscan synthetic corpus.")
    ap.add_argument("--out", required=True, help="output directory (absent or empty)")
    ap.add_argument("--manifest", help="manifest path (default: OUT.manifest.jsonl)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--files", type=int, default=40)
    ap.add_argument("--target-bytes", type=int, default=0,
                    help="pad with neutral filler to about this many bytes (0 = natural)")
    args = ap.parse_args(argv)

    out = os.path.normpath(args.out)
    manifest = args.manifest or out + ".manifest.jsonl"
    if args.files < MIN_FILES:
        fail("--files must be at least %d" % MIN_FILES)
    if args.target_bytes < 0:
        fail("--target-bytes must not be negative")
    if os.path.exists(out) and (not os.path.isdir(out) or os.listdir(out)):
        fail("output directory %s exists and is not empty" % out)
    out_abs = os.path.realpath(out)
    man_abs = os.path.realpath(manifest)
    if man_abs == out_abs or man_abs.startswith(out_abs + os.sep):
        fail("manifest %s must not be inside the output directory" % manifest)

    rng, filler, docs = generate(args.seed, args.files)
    if args.target_bytes:
        pad_to_target(rng, filler, docs, args.target_bytes)

    os.makedirs(out, exist_ok=True)
    for d in docs:
        full = os.path.join(out, *d.path.split("/"))
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "wb") as f:
            f.write(d.data())
    records = manifest_records(docs)
    with open(manifest, "w", encoding="utf-8", newline="\n") as f:
        for r in records:
            f.write(json.dumps(r) + "\n")

    problems = check_manifest.check_tree(out, records, check_manifest.load_rules())
    for p in problems:
        print("generate.py: self-check: " + p, file=sys.stderr)
    if problems:
        print("generate.py: self-check failed with %d problem(s)" % len(problems),
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
