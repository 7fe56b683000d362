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
    return None


def credit_card_valid(s):
    d = _digits(s)
    if not 13 <= len(d) <= 19:
        return False
    if len(set(d)) == 1:
        return False
    return card_issuer(d) is not None and luhn_sum_ok(d)


def ssn_valid(s):
    """Area not 000/666/9xx, group not 00, serial not 0000, consistent
    separators, not a published sample."""
    if len(s) == 9:
        if not s.isdigit():
            return False
    elif len(s) == 11:
        sep = s[3]
        if sep not in "- " or s[6] != sep:
            return False
        if not (s[:3] + s[4:6] + s[7:]).isdigit():
            return False
    else:
        return False
    d = _digits(s)
    if len(d) != 9:
        return False
    area, group, serial = d[:3], d[3:5], d[5:]
    if area in ("000", "666") or area[0] == "9":
        return False
    if group == "00" or serial == "0000":
        return False
    return d not in SSN_PUBLISHED


def npi_valid(s):
    d = _digits(s)
    if len(d) != 10 or d[0] not in "12":
        return False
    return luhn_sum_ok("80840" + d)


def mbi_valid(s):
    v = s.replace("-", "")
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
    if exchange == "555" and 100 <= int(line) <= 199:
        return False
    return True


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


# Names as used by `validator:` in rule packs.
VALIDATORS = {
    "luhn": luhn_valid,
    "credit_card": credit_card_valid,
    "ssn": ssn_valid,
    "npi": npi_valid,
    "mbi": mbi_valid,
    "nanp_phone": nanp_phone_valid,
    "email": email_valid,
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
