"""Python mirrors of the phiscan validators (classifiers/validators.h).

Each check takes the matched text as it appears in a file (separators
included) and returns True if the value is structurally valid for its type.
The corpus generator uses them to build values with correct checksums and the
manifest checker uses them to confirm the ground truth. Stdlib only.
"""

LUHN_MIN_DIGITS = 2

MBI_LETTERS = "ACDEFGHJKMNPQRTUVWXY"  # A-Z without S L O I B Z
MBI_LETTERS_SET = frozenset(MBI_LETTERS)
MBI_DIGITS_SET = frozenset("0123456789")

EMAIL_LOCAL_CHARS = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._%+-")
EMAIL_LABEL_CHARS = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-")
# Top-level "domains" that are really file extensions (icon@2x.png).
FILE_EXTENSION_TLDS = frozenset(
    ["png", "jpg", "jpeg", "gif", "svg", "css", "js", "webp", "ico", "bmp", "pdf"])

SSN_PUBLISHED = frozenset(
    ["078051120", "219099999", "123456789"] + ["98765432%d" % i for i in range(10)])


def _digits(s):
    return "".join(c for c in s if "0" <= c <= "9")


def luhn_sum_ok(digits):
    total = 0
    for i, c in enumerate(reversed(digits)):
        d = ord(c) - 48
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def luhn_valid(s):
    """Luhn mod 10 over the digits of s (non-digits ignored); >= 2 digits."""
    d = _digits(s)
    return len(d) >= LUHN_MIN_DIGITS and luhn_sum_ok(d)


def luhn_check_digit(payload):
    """The digit that makes payload + digit pass Luhn."""
    for c in "0123456789":
        if luhn_sum_ok(payload + c):
            return c
    raise AssertionError("unreachable")


def card_issuer(digits):
    """Issuer name for a digit string, or None (prefix and length rules)."""
    n = len(digits)

    def p(k):
        return int(digits[:k]) if n >= k else -1

    if digits.startswith("4") and n in (13, 16, 19):
        return "visa"
    if n == 16 and (51 <= p(2) <= 55 or 2221 <= p(4) <= 2720):
        return "mastercard"
    if n == 15 and p(2) in (34, 37):
        return "amex"
    if 16 <= n <= 19 and (digits.startswith("6011") or 644 <= p(3) <= 649
                          or digits.startswith("65")):
        return "discover"
    if 16 <= n <= 19 and 3528 <= p(4) <= 3589:
        return "jcb"
    if 14 <= n <= 19 and (300 <= p(3) <= 305 or p(2) in (36, 38, 39)):
        return "diners"
    if 16 <= n <= 19 and digits.startswith("62"):
        return "unionpay"
    if p(4) in (5018, 5020, 5038, 5893, 6304, 6759, 6761, 6762, 6763):
        return "maestro"
    return None


def credit_card_valid(s):
    d = _digits(s)
    if not 13 <= len(d) <= 19:
        return False
    if len(set(d)) == 1:
        return False
    return card_issuer(d) is not None and luhn_sum_ok(d)


# Test numbers published by card networks and processors (validators.cc).
PUBLISHED_TEST_CARDS = frozenset([
    "4111111111111111", "4242424242424242", "4012888888881881", "4222222222222",
    "4000056655665556", "4000000000000002", "4000000000009995", "4005519200000004",
    "4444333322221111", "4917610000000000", "5555555555554444", "5105105105105100",
    "5200828282828210", "5454545454545454", "2223003122003222", "2222400070000005",
    "378282246310005", "371449635398431", "378734493671000", "6011111111111117",
    "6011000990139424", "6011000400000000", "3530111333300000", "3566002020360505",
    "30569309025904", "38520000023237", "36227206271667", "6200000000000005",
    "4000002500003155", "4000002760003184", "4100000000000019", "6011981111111113",
    "3056930009020004",
])


def published_test_card(s):
    """A listed test number, or one with eight zeros in a row (the
    processors' test families: 4000 0000 0000 0127)."""
    d = _digits(s)
    return d in PUBLISHED_TEST_CARDS or "00000000" in d


def issued_card_valid(s):
    return credit_card_valid(s) and not published_test_card(s)


def ssn_valid(s):
    """Area not 000/666/9xx, group not 00, serial not 0000, consistent
    separators, not a published sample."""
    if len(s) == 9:
        if not s.isdigit():
            return False
    elif len(s) == 11:
        sep = s[3]
        if sep not in "- ." or s[6] != sep:
            return False
        if not (s[:3] + s[4:6] + s[7:]).isdigit():
            return False
    elif len(s) == 13:  # no-break spaces, UTF-8 read as latin-1
        if s[3:5] != "\xc2\xa0" or s[7:9] != "\xc2\xa0":
            return False
        if not (s[:3] + s[5:7] + s[9:]).isdigit():
            return False
    elif len(s) == 15:  # en or em dashes, UTF-8 read as latin-1
        if s[3:6] not in ("\xe2\x80\x93", "\xe2\x80\x94") or s[8:11] != s[3:6]:
            return False
        if not (s[:3] + s[6:8] + s[11:]).isdigit():
            return False
    else:
        return False
    d = _digits(s)
    if len(d) != 9:
        return False
    area, group, serial = d[:3], d[3:5], d[5:]
    if area in ("000", "666") or area[0] == "9":
        return False
    if group == "00" or serial == "0000" or len(set(d)) == 1:
        return False
    return d not in SSN_PUBLISHED


def npi_valid(s):
    d = _digits(s)
    if len(d) != 10 or d[0] not in "12":
        return False
    return luhn_sum_ok("80840" + d)


def mbi_valid(s):
    v = s.replace("-", "").replace(" ", "")
    if len(v) != 11:
        return False
    classes = ["N1", "A", "AN", "N", "A", "AN", "N", "A", "A", "N", "N"]
    for c, cls in zip(v, classes):
        if cls == "N1":
            ok = "1" <= c <= "9"
        elif cls == "A":
            ok = c in MBI_LETTERS_SET
        elif cls == "AN":
            ok = c in MBI_LETTERS_SET or c in MBI_DIGITS_SET
        else:
            ok = c in MBI_DIGITS_SET
        if not ok:
            return False
    return True


# Toll-free area codes: a business's line, never a person's.
TOLL_FREE = {"800", "833", "844", "855", "866", "877", "888"}


def nanp_phone_valid(s):
    d = _digits(s)
    if len(d) == 11 and d[0] == "1":
        d = d[1:]
    if len(d) != 10:
        return False
    area, exchange, line = d[:3], d[3:6], d[6:]
    if area[0] in "01" or exchange[0] in "01":
        return False
    if area[1] == "1" and area[2] == "1":
        return False
    if area[1] == "9":  # N9X: reserved for expansion, never assigned
        return False
    if exchange == "555" and 100 <= int(line) <= 199:
        return False
    return area not in TOLL_FREE


def email_valid(s):
    if s.count("@") != 1:
        return False
    local, domain = s.split("@")
    if not 1 <= len(local) <= 64 or any(c not in EMAIL_LOCAL_CHARS for c in local):
        return False
    labels = domain.split(".")
    if len(labels) < 2:
        return False
    for label in labels:
        if not label or len(label) > 63:
            return False
        if label[0] == "-" or label[-1] == "-":
            return False
        if any(c not in EMAIL_LABEL_CHARS for c in label):
            return False
    tld = labels[-1]
    if not 2 <= len(tld) <= 24 or not tld.isascii() or not tld.isalpha():
        return False
    return tld.lower() not in FILE_EXTENSION_TLDS


# Local parts of a role's or a machine's address, which name no one.
ROLE_MAILBOXES = {
    "abuse", "accounts", "accountspayable", "accountsreceivable", "admin", "administrator",
    "ap", "appointments", "ar", "billing", "buchhaltung", "careers", "compta", "comptabilite",
    "contact", "contactus", "creditcontrol", "customercare", "customerservice", "debitoren",
    "do-not-reply", "donotreply", "enquiries", "feedback", "finance", "hello", "help",
    "helpdesk", "hostmaster", "hr", "info", "inquiries", "invoices", "invoicing", "jobs",
    "mailer-daemon", "marketing", "media", "news", "newsletter", "no-reply", "no_reply",
    "noreply", "notifications", "office", "orders", "payments", "payroll", "postmaster",
    "press", "privacy", "procurement", "purchasing", "receiving", "reception", "remit",
    "remittance", "root", "sales", "scheduling", "security", "service", "shipping", "support",
    "team", "techsupport", "webmaster"}


# Mailbox words of machines and groups, alone or after - _ . (release-bot).
MACHINE_MAILBOXES = ("bot", "team", "alerts", "alert", "git", "deploy", "jenkins", "ci", "cron",
                     "monitoring", "integration", "desk", "servicedesk", "helpdesk", "support",
                     "admin", "ops", "noc", "svc", "help",
                     # distribution lists: 4w-nurses, nursing-education, icu.staff
                     "nurses", "nursing", "staff", "education", "dept", "department",
                     "committee", "group", "list")
# Mailbox words no one's name ends in, so they need no separator (bedsupport).
UNSEPARATED_MAILBOX_SUFFIXES = ("support", "servicedesk", "helpdesk")


def personal_email_valid(s):
    if not email_valid(s):
        return False
    local = s.split("@")[0].split("+")[0]
    name = "".join(c.lower() if c.isascii() else c for c in local)
    if name in ROLE_MAILBOXES:
        return False
    if len(name) > 4 and name.startswith("all") and name[3] in "-_.":  # all-staff
        return False
    for w in MACHINE_MAILBOXES:
        if name == w or (len(name) > len(w) and name.endswith(w) and name[-len(w) - 1] in "-_."):
            return False
    return not name.endswith(UNSEPARATED_MAILBOX_SUFFIXES)


# Names as used by `validator:` in rule packs.
VALIDATORS = {
    "luhn": luhn_valid,
    "credit_card": credit_card_valid, "issued_card": issued_card_valid,
    "ssn": ssn_valid,
    "npi": npi_valid,
    "mbi": mbi_valid,
    "nanp_phone": nanp_phone_valid,
    "email": email_valid, "personal_email": personal_email_valid,
}

# Validator of each built-in type, for checks that need no rule file.
TYPE_VALIDATORS = {
    "US_SSN": ssn_valid,
    "CREDIT_CARD": credit_card_valid,
    "US_NPI": npi_valid,
    "US_MBI": mbi_valid,
    "PHONE": nanp_phone_valid,
    "EMAIL": email_valid,
}


def _consistent_separators(s):
    seps = {c for c in s if not c.isdigit()}
    return len(seps) <= 1


def itin_valid(s):
    if not _consistent_separators(s):
        return False
    d = _digits(s)
    if len(d) != 9 or d[0] != "9" or len(s) not in (9, 11):
        return False
    g = int(d[3:5])
    return 50 <= g <= 65 or 70 <= g <= 88 or 90 <= g <= 92 or 94 <= g <= 99


DEA_TYPES = "ABCDEFGHJKLMNPQRSTUX"


def dea_check_digit(six):
    d = [int(c) for c in six]
    return str((d[0] + d[2] + d[4] + 2 * (d[1] + d[3] + d[5])) % 10)


def dea_valid(s):
    if len(s) != 9 or s[0].upper() not in DEA_TYPES:
        return False
    if not (s[1].isascii() and (s[1].isalpha() or s[1] == "9")):
        return False
    if not s[2:].isdigit():
        return False
    return dea_check_digit(s[2:8]) == s[8]


ABA_WEIGHTS = [3, 7, 1, 3, 7, 1, 3, 7, 1]


def aba_prefix_ok(d):
    p = int(d[:2])
    return 0 <= p <= 12 or 21 <= p <= 32 or 61 <= p <= 72 or p == 80


def aba_valid(s):
    if not _consistent_separators(s):
        return False
    d = _digits(s)
    if len(d) != 9 or len(set(d)) == 1 or not aba_prefix_ok(d):
        return False
    return sum(w * int(c) for w, c in zip(ABA_WEIGHTS, d)) % 10 == 0


IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
    "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28,
    "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23,
    "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26,
    "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20,
    "LV": 21, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MR": 27, "MT": 31, "MU": 30, "NL": 18,
    "NO": 15, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "SA": 24,
    "SC": 31, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "ST": 25, "SV": 28, "TL": 23, "TN": 24,
    "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
}


def iban_mod97(v):
    r = v[4:] + v[:4]
    n = "".join(str(int(c, 36)) for c in r)
    return int(n) % 97


def iban_valid(s):
    v = s.replace(" ", "")
    if not v.isascii() or not v.isalnum():
        return False
    v = v.upper()
    if len(v) < 15 or not v[:2].isalpha() or not v[2:4].isdigit():
        return False
    if IBAN_LENGTHS.get(v[:2]) != len(v):
        return False
    return iban_mod97(v) == 1


def nhs_check(nine):
    total = sum((10 - i) * int(c) for i, c in enumerate(nine))
    r = 11 - total % 11
    return 0 if r == 11 else r


def nhs_valid(s):
    if not _consistent_separators(s):
        return False
    d = _digits(s)
    if len(d) != 10 or len(set(d)) == 1:
        return False
    c = nhs_check(d[:9])
    return c != 10 and c == int(d[9])


def sin_valid(s):
    if not _consistent_separators(s):
        return False
    d = _digits(s)
    return len(d) == 9 and d[0] not in "08" and luhn_sum_ok(d)


AU_WEIGHTS = [1, 3, 7, 9, 1, 3, 7, 9]


def au_medicare_check(eight):
    return sum(w * int(c) for w, c in zip(AU_WEIGHTS, eight)) % 10


def au_medicare_valid(s):
    if not _consistent_separators(s):
        return False
    d = _digits(s)
    if len(d) not in (10, 11) or d[0] not in "23456" or d[9] == "0":
        return False
    return au_medicare_check(d[:8]) == int(d[8])


VIN_LETTER_VALUES = dict(zip("ABCDEFGHJKLMNPRSTUVWXYZ",
                             [1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 7, 9, 2, 3, 4, 5, 6, 7, 8, 9]))
VIN_WEIGHTS = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2]
VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"


def vin_check(s):
    total = 0
    for i, c in enumerate(s):
        total += (int(c) if c.isdigit() else VIN_LETTER_VALUES[c]) * VIN_WEIGHTS[i]
    r = total % 11
    return "X" if r == 10 else str(r)


def vin_valid(s):
    if len(s) != 17 or any(c not in VIN_CHARS for c in s):
        return False
    if not any(c.isalpha() for c in s):
        return False
    return vin_check(s) == s[8]


def ipv4_valid(s):
    parts = s.split(".")
    if len(parts) != 4:
        return False
    vals = []
    for p in parts:
        if not p.isdigit() or len(p) > 3 or (len(p) > 1 and p[0] == "0") or int(p) > 255:
            return False
        vals.append(int(p))
    # A first octet of 0 (a wildcard mask) or 255 (a netmask) is no host's.
    return vals[0] not in (0, 255)


def _ipv6_groups(s):
    """Groups written in a valid IPv6 address (an IPv4 tail counts two), or
    -1 if s is not one."""
    if len(s) < 2 or s.count("::") > 1 or ":::" in s:
        return -1
    if "::" in s:
        head, tail = s.split("::")
        groups = ([g for g in head.split(":")] if head else []) + \
                 ([g for g in tail.split(":")] if tail else [])
    else:
        groups = s.split(":")
    n = 0
    for i, g in enumerate(groups):
        if g == "":
            return -1
        if "." in g:
            if i != len(groups) - 1 or not s.endswith(g) or not ipv4_valid(g):
                return -1
            n += 2
        else:
            if len(g) > 4 or any(c not in "0123456789abcdefABCDEF" for c in g):
                return -1
            n += 1
    if "::" in s:
        return n if 2 <= n <= 7 else -1
    if n == 8 and all(len(g) == 2 for g in groups):
        return -1  # a Fibre Channel WWPN or an EUI-64
    return n if n == 8 else -1


def ipv6_valid(s):
    return _ipv6_groups(s) >= 2


def ipv6_grouped_valid(s):
    """At least three groups written: not dead::beef or a::b (source code)."""
    return _ipv6_groups(s) >= 3


def internal_ipv4(s):
    """A valid IPv4 address no internet host has: loopback, private, carrier
    NAT, link-local, documentation, multicast or reserved."""
    a, b, c = (int(p) for p in s.split(".")[:3])
    return (a in (10, 127) or a >= 224 or (a == 172 and 16 <= b <= 31)
            or (a == 192 and b == 168) or (a == 100 and 64 <= b <= 127)
            or (a == 169 and b == 254) or (a, b, c) in ((192, 0, 2), (198, 51, 100), (203, 0, 113)))


def internal_ipv6(s):
    """A valid IPv6 address no internet host has: ::1, ::, link-local,
    unique local, multicast, documentation, or a mapped internal IPv4."""
    if s.startswith("::"):
        tail = s.rsplit(":", 1)[1]
        return "." not in tail or internal_ipv4(tail)
    groups = s.split(":")
    first = int(groups[0], 16)
    second = int(groups[1], 16) if groups[1] and "." not in groups[1] else 0
    return ((first & 0xffc0) == 0xfe80 or (first & 0xfe00) == 0xfc00
            or (first & 0xff00) == 0xff00 or (first == 0x2001 and second == 0x0db8))


def public_ipv4_valid(s):
    return ipv4_valid(s) and not internal_ipv4(s)


def public_ipv6_valid(s):
    return ipv6_valid(s) and not internal_ipv6(s)


def public_ipv6_grouped_valid(s):
    return ipv6_grouped_valid(s) and not internal_ipv6(s)


MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august",
          "september", "october", "november", "december"]
_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]


def real_date(y, m, d):
    if not (1900 <= y <= 2099 and 1 <= m <= 12 and d >= 1):
        return False
    leap = (y % 4 == 0 and y % 100 != 0) or y % 400 == 0
    return d <= _DAYS[m - 1] + (1 if m == 2 and leap else 0)


def month_from_name(w):
    w = w.lower()
    if not 3 <= len(w) <= 9:
        return 0
    for i, full in enumerate(MONTHS):
        if full.startswith(w) and (len(w) == 3 or len(w) == len(full) or (i == 8 and len(w) == 4)):
            return i + 1
    return 0


def date_on_or_before(s, latest):
    """Mirror of DateOnOrBefore in classifiers/validators.cc: the DateValid
    rules, each reading of the value taken only if it is on or before
    `latest` (yyyymmdd as an int, or None for no bound)."""
    import re as _re

    def ok(y, m, d):
        return real_date(y, m, d) and (latest is None or y * 10000 + m * 100 + d <= latest)
    if ":" in s:
        return False
    tokens = _re.findall(r"[0-9]+|[A-Za-z]+|[^0-9A-Za-z]", s)
    nums, month, sep = [], 0, None
    prev_digit = False
    for t in tokens:
        if t.isdigit():
            if len(nums) == 3 or len(t) > 8:
                return False
            nums.append(t)
            prev_digit = True
            continue
        if t.isalpha():
            if prev_digit and t.lower() in ("st", "nd", "rd", "th"):
                prev_digit = False
                continue
            if month:
                return False
            month = month_from_name(t)
            if not month:
                return False
        elif t in "/-." and not month:
            if sep is not None and sep != t:
                return False
            sep = t
        prev_digit = False
    if month:
        if len(nums) != 2:
            return False
        if len(nums[1]) == 4:
            year, day = int(nums[1]), int(nums[0])
        elif len(nums[0]) == 4:
            year, day = int(nums[0]), int(nums[1])
        else:
            return False
        return ok(year, month, day)
    if len(nums) == 1 and len(nums[0]) == 8:
        v = nums[0]
        return ok(int(v[:4]), int(v[4:6]), int(v[6:]))
    if len(nums) != 3:
        return False
    a, b, c = nums
    if len(a) == 4:
        return len(b) <= 2 and len(c) <= 2 and ok(int(a), int(b), int(c))
    if len(a) > 2 or len(b) > 2:
        return False
    if len(c) == 4:
        year = int(c)
    elif len(c) == 2:
        year = int(c) + 1900
        if not ok(year, int(a), int(b)) and not ok(year, int(b), int(a)):
            year += 100
    else:
        return False
    return ok(year, int(a), int(b)) or ok(year, int(b), int(a))


def date_valid(s):
    """Mirror of DateValid in classifiers/validators.cc."""
    return date_on_or_before(s, None)


def birth_date_valid(s):
    """Mirror of BirthDateValid: not after tomorrow (UTC)."""
    import datetime as _dt
    t = _dt.datetime.now(_dt.timezone.utc) + _dt.timedelta(days=1)
    return date_on_or_before(s, t.year * 10000 + t.month * 100 + t.day)


def icd10_valid(s):
    """Mirror of Icd10Valid."""
    if not 3 <= len(s) <= 8 or not ("A" <= s[0] <= "Z") or not s[1].isdigit():
        return False
    if "A" <= s[2] <= "Z":
        if s[:3] not in ("C4A", "C7A", "C7B", "D3A", "M1A", "O9A", "Z3A"):
            return False
    elif not s[2].isdigit():
        return False
    if len(s) == 3:
        return True
    if s[3] != ".":
        if len(s) > 7:
            return False
        return all(c.isdigit() or (c == "X" if i < 6 else "A" <= c <= "Z")
                   for i, c in enumerate(s) if i >= 3)
    if len(s) < 5:
        return False
    return all(c.isdigit() or "A" <= c <= "Z" for c in s[4:])


def ndc_valid(s):
    if len(s) == 11 and s.isdigit():  # the 5-4-2 billing form without hyphens
        return set(s[:5]) != {"0"} and set(s[5:9]) != {"0"}
    parts = s.split("-")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        return False
    if set(parts[0]) == {"0"} or set(parts[1]) == {"0"}:
        return False
    return tuple(len(p) for p in parts) in ((4, 4, 2), (5, 3, 2), (5, 4, 1), (5, 4, 2))


def jwt_valid(s):
    import base64
    dot = s.find(".")
    if dot < 4 or dot > 400:
        return False  # a long token is matched without its signature
    head = s[:dot]
    if any(c not in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/"
           for c in head):
        return False
    raw = base64.urlsafe_b64decode(head.replace("+", "-").replace("/", "_")
                                   + "=" * (-len(head) % 4))
    txt = raw.decode("latin-1")
    if s[dot + 1:].startswith("eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0Ij"
                              "oxNTE2MjM5MDIyfQ"):
        return False  # jwt.io's sample token
    return txt.lstrip(" \t\r\n").startswith("{") and '"alg"' in txt


SECRET_PLACEHOLDERS = {"null", "none", "true", "false", "password", "changeme", "example",
                       "secret", "undefined", "required", "optional", "string", "placeholder",
                       "change_me", "change-me", "changeit", "hunter2", "tr0ub4dor&3",
                       "correcthorsebatterystaple",
                       # a setting's or an event's state (reset_password=requested)
                       "enabled", "disabled", "requested", "expired", "hidden", "visible",
                       "pending", "active", "inactive", "unknown", "default", "locked",
                       "unlocked", "changed", "missing", "invalid", "never", "always",
                       "masked", "encrypted", "hashed", "generated", "rotated", "success",
                       "failed"}


def secret_value_valid(s):
    # '!': a YAML tag (!vault), as SecretValueValid has it.
    # '/': a path (PWD=/home/ana).
    if not 6 <= len(s) <= 64 or s[0] in "$%{<*@!/" or len(set(s)) == 1:
        return False
    low = s.lower()
    core = s
    while len(core) > 1 and core[-1] in ")]}:":
        core = core[:-1]  # Connection(password=password): "password)" is read
    if low in SECRET_PLACEHOLDERS or core.lower() in SECRET_PLACEHOLDERS:
        return False
    if any(m in low for m in ("redacted", "filtered", "****", "xxxxxx", "<", ">", "_here", "-here",
                              "replace", "environ", "getenv", "getpass", "process.env",
                              "optional[", "secretstr", "...", "\xe2\x80\xa6", "your-", "your_",
                              "sample", "dummy", "example", "todo", "fixme", "{{", "read-host",
                              "convertto-securestring", "get-credential", "get-secret")):
        return False
    if low.startswith(("function(", "function ")):
        return False
    if core.lower().endswith(("-secret", "-secrets", "-credentials", "-creds")):
        return False  # the name of the secret that holds it
    # A PowerShell cmdlet whose output is assigned (Add-MgApplicationPassword).
    verb, dash, noun = s.partition("-")
    if dash and noun[:1].isupper() and sum(c.isupper() for c in noun) >= 2 \
            and noun.isascii() and noun.isalpha() \
            and verb.lower() in (
            "add", "get", "set", "new", "remove", "invoke", "import", "export", "read", "test",
            "reset", "update", "convertto", "convertfrom", "start"):
        return False
    # A path of lower-case names in a secret store (kv/data/alerts:slack_webhook).
    if s.count("/") >= 2 and "//" not in s and \
            all(c in "abcdefghijklmnopqrstuvwxyz0123456789_-.:/" for c in s):
        return False
    if low.startswith("your"):
        rest = low[4:]
        if rest[0] in "_-" or rest.startswith(("pass", "key", "secret", "token", "api")):
            return False
    if low.startswith("#{"):
        return False  # an Octopus or Azure DevOps variable
    if low.endswith(("(", "[")):
        return False
    # A call cut after its first argument, an identifier: try(var.password
    head, paren, tail = low.partition("(")
    ident = set("abcdefghijklmnopqrstuvwxyz0123456789_.")
    if paren and head and tail and (tail[0].isalpha() or tail[0] == "_") \
            and set(head) <= ident and set(tail) <= ident:
        return False
    if low.endswith(")"):
        i = low.find("(")
        if i > 0 and low[i - 1].isascii() and low[i - 1].isalnum():
            return False
    # A variable named for a secret (db_password_from_vault, hashedPassword).
    if all(c.isascii() and (c.isalpha() or c == "_") for c in core) and any(
            c == "_" or (c.isupper() and not core[i - 1].isupper())
            for i, c in enumerate(core) if i > 0):
        if any(w in core.lower() for w in ("pass", "pwd", "secret", "token", "key", "cred",
                                           "hash")):
            return False
    return True


def e164_phone_valid(s):
    if not s.startswith("+"):
        return False
    rest = s[1:]
    if not _consistent_separators(rest):
        return False
    d = _digits(rest)
    return 8 <= len(d) <= 15 and d[0] >= "2"


def not_placeholder_valid(s):
    """Mirror of NotPlaceholderValid: no run of a dozen x or X."""
    run = 0
    for c in s:
        run = run + 1 if c in "xX" else 0
        if run == 12:
            return False
    return True


_NO_ONES = frozenset([
    'unknown', 'unk', 'not', 'none', 'see', 'same', 'above', 'below', 'pending', 'refused',
    'declined', 'deceased', 'anonymous', 'redacted', 'withheld', 'confidential', 'test',
    'sample', 'dummy', 'patient', 'provided', 'available', 'applicable', 'discharge',
    'summary', 'stable', 'steady', 'overnight', 'routine', 'followup', 'follow', 'gait',
    'normal', 'improved', 'resolved', 'chart', 'record', 'note', 'report', 'review'])


def whole_name_valid(s):
    """Mirror of WholeNameValid: no word of the value says it is no one's."""
    import re as _re
    return not any(w.lower() in _NO_ONES for w in _re.findall(r"[A-Za-z]+", s))


def typed_password_valid(s):
    if not secret_value_valid(s):
        return False
    kinds = [any("a" <= c <= "z" for c in s), any("A" <= c <= "Z" for c in s),
             any("0" <= c <= "9" for c in s),
             any(not (c.isascii() and c.isalnum()) and c not in "_-." for c in s)]
    return sum(kinds) >= 3


VALIDATORS.update({
    "not_placeholder": not_placeholder_valid, "whole_name": whole_name_valid,
    "typed_password": typed_password_valid,
    "itin": itin_valid, "dea": dea_valid, "aba": aba_valid, "iban": iban_valid,
    "nhs": nhs_valid, "sin": sin_valid, "au_medicare": au_medicare_valid, "vin": vin_valid,
    "ipv4": ipv4_valid, "ipv6": ipv6_valid, "date": date_valid, "birth_date": birth_date_valid, "icd10": icd10_valid,
    "ndc": ndc_valid, "jwt": jwt_valid, "secret_value": secret_value_valid,
    "e164_phone": e164_phone_valid, "ipv6_grouped": ipv6_grouped_valid,
    "public_ipv4": public_ipv4_valid, "public_ipv6": public_ipv6_valid,
    "public_ipv6_grouped": public_ipv6_grouped_valid,
})

TYPE_VALIDATORS.update({
    "US_ITIN": itin_valid, "US_DEA": dea_valid, "US_ABA_ROUTING": aba_valid,
    "IBAN": iban_valid, "UK_NHS": nhs_valid, "CA_SIN": sin_valid,
    "AU_MEDICARE": au_medicare_valid, "VIN": vin_valid, "ICD10_CODE": icd10_valid,
    "NDC": ndc_valid, "JWT": jwt_valid, "DATE": date_valid, "DATE_OF_BIRTH": birth_date_valid,
})
TYPE_VALIDATORS["PHONE"] = lambda s: nanp_phone_valid(s) or e164_phone_valid(s)
