#!/usr/bin/env python3
"""Builds the format fixtures for phiscan's extraction tests.

Writes one file per format into --out (which must be absent or empty), each
with planted synthetic identifiers, and `manifest.jsonl`: one line per asset
record the scanner must produce (the file itself and every member), with the
status, reason and the exact counts expected of the planted types (US_SSN,
US_NPI, CREDIT_CARD; other types the rule pack may find are not listed):

  {"file": "archives/outer.zip", "member": "dir/inner.tar.gz!notes.txt",
   "status": "complete", "reason": null, "types": {"US_SSN": 1, ...}}

Only the Python standard library is used; the output is deterministic. No
value is real: SSN 536-22-8726 (structurally valid, not issued to anyone we
know of), NPI 1234567893 (CMS's published check-digit example), card
4111 1111 1111 1111 (a well-known test number).
"""
import argparse
import bz2
import gzip
import io
import json
import lzma
import os
import sqlite3
import struct
import sys
import tarfile
import zipfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import validators  # noqa: E402  (corpus/validators.py)

SSN = "536-22-8726"
SSN_BARE = "536228726"
NPI = "1234567893"
CARD = "4111 1111 1111 1111"
PHONE = "(312) 847-2290"  # NANP-valid shape, not a 555-01xx fiction number

# One line with three identifiers, each next to its keyword.
PLANT = f"Patient SSN {SSN}, NPI {NPI}, credit card {CARD}.\n"
PLANT_TYPES = {"US_SSN": 1, "US_NPI": 1, "CREDIT_CARD": 1}

# Neutral text: no digits, no keyword of any built-in list. Used to move a
# value further from a keyword than the 300-byte evidence window.
FILLER = ("The care team reviewed the plan with the family and agreed on the "
          "next steps for recovery at home. ")
FAR = FILLER * 5  # > 300 bytes

assert validators.ssn_valid(SSN) and validators.npi_valid(NPI)
assert validators.credit_card_valid(CARD) and validators.nanp_phone_valid(PHONE)

FIXED_TIME = (2024, 1, 2, 3, 4, 5)
manifest = []


def expect(file, member=None, status="complete", reason=None, types=None):
    manifest.append({"file": file, "member": member, "status": status,
                     "reason": reason, "types": types or {}})


def write(out, rel, data):
    path = os.path.join(out, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode("utf-8"))


def zip_bytes(entries, compression=zipfile.ZIP_DEFLATED):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as z:
        for name, data in entries:
            info = zipfile.ZipInfo(name, FIXED_TIME)
            info.compress_type = compression
            z.writestr(info, data)
    return buf.getvalue()


def tar_bytes(entries, mode="w"):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode=mode, format=tarfile.PAX_FORMAT) as t:
        for name, data in entries:
            data = data if isinstance(data, bytes) else data.encode("utf-8")
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 1700000000
            t.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def gz(data):
    return gzip.compress(data, mtime=0)


# ---- text encodings ---------------------------------------------------------

def text_fixtures(out):
    body = "Discharge summary.\n" + PLANT + FILLER + "\n"
    write(out, "text/utf8.txt", body)
    expect("text/utf8.txt", types=PLANT_TYPES)
    write(out, "text/utf16le_bom.txt", body.encode("utf-16-le") and b"\xff\xfe" + body.encode("utf-16-le"))
    expect("text/utf16le_bom.txt", types=PLANT_TYPES)
    write(out, "text/utf16be_bom.txt", b"\xfe\xff" + body.encode("utf-16-be"))
    expect("text/utf16be_bom.txt", types=PLANT_TYPES)
    write(out, "text/utf16le.txt", body.encode("utf-16-le"))
    expect("text/utf16le.txt", types=PLANT_TYPES)
    write(out, "text/utf16be.txt", body.encode("utf-16-be"))
    expect("text/utf16be.txt", types=PLANT_TYPES)
    latin = "Caf\u00e9 na\u00efve \u2013 r\u00e9sum\u00e9.\n" + PLANT
    write(out, "text/cp1252.txt", latin.encode("cp1252"))
    expect("text/cp1252.txt", types=PLANT_TYPES)
    write(out, "text/utf8_bom.txt", b"\xef\xbb\xbf" + body.encode("utf-8"))
    expect("text/utf8_bom.txt", types=PLANT_TYPES)
    # Binary: a NUL early, an identifier with its keyword inside; skipped.
    write(out, "text/blob.bin", b"\x00\x01\x02\x03BIN" + PLANT.encode() + bytes(range(256)))
    expect("text/blob.bin", status="skipped", reason="binary")


# ---- archives -----------------------------------------------------------------

def archive_fixtures(out):
    notes = ("Clinic notes.\n" + PLANT).encode()
    utf16 = b"\xff\xfe" + ("Export.\n" + PLANT).encode("utf-16-le")
    inner_tgz = gz(tar_bytes([("notes.txt", notes), ("sub/utf16.txt", utf16)]))
    outer = zip_bytes([("readme.txt", b"Nothing to see here.\n"),
                       ("dir/inner.tar.gz", inner_tgz),
                       ("img/blob.bin", b"\x00\x00\x01binary" * 10)])
    write(out, "archives/outer.zip", outer)
    expect("archives/outer.zip")
    expect("archives/outer.zip", "readme.txt")
    expect("archives/outer.zip", "dir/inner.tar.gz")
    expect("archives/outer.zip", "dir/inner.tar.gz!notes.txt", types=PLANT_TYPES)
    expect("archives/outer.zip", "dir/inner.tar.gz!sub/utf16.txt", types=PLANT_TYPES)
    expect("archives/outer.zip", "img/blob.bin", status="skipped", reason="binary")

    write(out, "archives/notes.tar.bz2", bz2.compress(tar_bytes([("a/notes.txt", notes)])))
    expect("archives/notes.tar.bz2")
    expect("archives/notes.tar.bz2", "a/notes.txt", types=PLANT_TYPES)
    write(out, "archives/notes.tar.xz", lzma.compress(tar_bytes([("notes.txt", notes)])))
    expect("archives/notes.tar.xz")
    expect("archives/notes.tar.xz", "notes.txt", types=PLANT_TYPES)
    write(out, "archives/notes.txt.gz", gz(notes))
    expect("archives/notes.txt.gz")
    expect("archives/notes.txt.gz", "notes.txt", types=PLANT_TYPES)
    # Names that are not ASCII: a zip's UTF-8 name (general-purpose flag bit
    # 11) and a pax header's. In the C locale libarchive could not convert
    # them and the member lost its name, its findings landing on the zip.
    write(out, "archives/names.zip", zip_bytes([("caf\u00e9/r\u00e9sum\u00e9.txt", notes),
                                                ("\u60a3\u8005.txt", notes)]))
    expect("archives/names.zip")
    expect("archives/names.zip", "caf\u00e9/r\u00e9sum\u00e9.txt", types=PLANT_TYPES)
    expect("archives/names.zip", "\u60a3\u8005.txt", types=PLANT_TYPES)
    write(out, "archives/names.tar", tar_bytes([("\u00e9t\u00e9/notes.txt", notes)]))
    expect("archives/names.tar")
    expect("archives/names.tar", "\u00e9t\u00e9/notes.txt", types=PLANT_TYPES)

    # A zip whose extension lies.
    write(out, "archives/looks_like_text.txt", zip_bytes([("n.txt", notes)]))
    expect("archives/looks_like_text.txt")
    expect("archives/looks_like_text.txt", "n.txt", types=PLANT_TYPES)

    # Encrypted member: the general-purpose "encrypted" bit set in the local
    # and central headers (what every zip encryption method sets).
    enc = bytearray(zip_bytes([("secret.txt", notes)], zipfile.ZIP_STORED))
    enc[6] |= 1
    cd = enc.find(b"PK\x01\x02")
    enc[cd + 8] |= 1
    write(out, "archives/encrypted.zip", bytes(enc))
    expect("archives/encrypted.zip")
    expect("archives/encrypted.zip", "secret.txt", status="encrypted", reason="password_protected")

    # Corrupt: a zip cut in the middle of its only member.
    cut = zip_bytes([("big.txt", (FILLER * 200 + PLANT).encode())], zipfile.ZIP_DEFLATED)
    write(out, "archives/truncated.zip", cut[: len(cut) // 2])
    # (no manifest line: the tests assert its status directly)


# ---- structured text -----------------------------------------------------------

def structured_fixtures(out):
    # CSV: the column header is the only SSN keyword; the value is far from it.
    rows = ["id,comment,ssn"]
    for i in range(6):
        rows.append(f"{i},{FILLER.strip()},")
    rows.append(f"7,{FILLER.strip()},{SSN_BARE}")
    write(out, "tables/patients.csv", "\n".join(rows) + "\n")
    expect("tables/patients.csv", types={"US_SSN": 1})
    tsv = ["id\tnote\tNPI"] + [f"{i}\t{FILLER.strip()}\t" for i in range(6)]
    tsv.append(f"9\t{FILLER.strip()}\t{NPI}")
    write(out, "tables/providers.tsv", "\n".join(tsv) + "\n")
    expect("tables/providers.tsv", types={"US_NPI": 1})

    # JSON: values in an array named by its key, far from it.
    doc = {"ssn": [FAR, SSN_BARE], "note": FAR}
    write(out, "json/array.json", json.dumps(doc))
    expect("json/array.json", types={"US_SSN": 1})
    # FHIR NDJSON: identifier systems name the values.
    lines = []
    for i in range(2):
        lines.append(json.dumps({
            "resourceType": "Patient", "id": f"p{i}", "text": {"div": FAR},
            "identifier": [
                {"system": "urn:oid:2.16.840.1.113883.4.1", "value": SSN_BARE},
            ]}))
    lines.append(json.dumps({
        "resourceType": "Practitioner", "note": FAR,
        "identifier": [{"system": "http://hl7.org/fhir/sid/us-npi", "value": NPI}]}))
    write(out, "json/bundle.ndjson", "\n".join(lines) + "\n")
    expect("json/bundle.ndjson", types={"US_SSN": 2, "US_NPI": 1})

    # HL7 v2: PID-19 (SSN) and PV1-7 (attending provider, NPI) have no
    # keyword in the text; the field names are the evidence.
    hl7 = "\r".join([
        "MSH|^~\\&|LAB|HOSP|EHR|HOSP|20240102030405||ADT^A01|MSG0001|P|2.5",
        "EVN|A01|20240102030405",
        f"PID|1||MRN0001^^^HOSP^MR||DOE^JANE||19800101|F|||1 MAIN ST^^TOWN^ST^00000|||||||ACCT1|{SSN_BARE}",
        "NTE|1||" + FAR,
        f"PV1|1|I|WARD^1^1||||{NPI}^SMITH^JOHN",
    ]) + "\r"
    write(out, "hl7/adt_a01.hl7", hl7)
    expect("hl7/adt_a01.hl7", types={"US_SSN": 1, "US_NPI": 1})

    # X12 837: NM1*IL with qualifier 34 (SSN), NM1*82 with XX (NPI).
    isa = ("ISA*00*          *00*          *ZZ*SUBMITTER      *ZZ*RECEIVER       "
           "*240102*0304*^*00501*000000001*0*P*:~")
    assert len(isa) == 106, len(isa)
    segs = [isa, "GS*HC*SUB*REC*20240102*0304*1*X*005010X222A1",
            "ST*837*0001*005010X222A1",
            f"NM1*IL*1*DOE*JANE****34*{SSN_BARE}",
            "NTE*ADD*" + FAR.upper().replace("*", " "),
            f"NM1*82*1*SMITH*JOHN****XX*{NPI}",
            "SE*5*0001", "GE*1*1", "IEA*1*000000001"]
    write(out, "x12/claim.837", "~\n".join(segs) + "~\n")
    expect("x12/claim.837", types={"US_SSN": 1, "US_NPI": 1})

    # C-CDA: the id's root OID says SSN; no keyword in the text.
    ccda = f"""<?xml version="1.0" encoding="UTF-8"?>
<ClinicalDocument xmlns="urn:hl7-org:v3">
  <title>Continuity of Care Document</title>
  <text>{FAR}</text>
  <recordTarget><patientRole>
    <id root="2.16.840.1.113883.4.1" extension="{SSN_BARE}"/>
    <patient><name><given>Jane</given><family>Doe</family></name></patient>
  </patientRole></recordTarget>
  <component><section><text>Contact: SSN&#58; {SSN} &amp; more</text></section></component>
</ClinicalDocument>
"""
    write(out, "xml/ccda.xml", ccda)
    expect("xml/ccda.xml", types={"US_SSN": 2})

    html = f"""<!DOCTYPE html><html><head><title>Referral</title>
<style>p {{ color: black; }}</style></head><body>
<p>Credit&nbsp;card <b>{CARD}</b></p><p>{FAR}</p>
<table><tr><td>SSN</td><td>{SSN}</td></tr></table></body></html>
"""
    write(out, "html/referral.html", html)
    expect("html/referral.html", types={"CREDIT_CARD": 1, "US_SSN": 1})


# ---- documents ------------------------------------------------------------------

CT = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
      '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
      '<Default Extension="xml" ContentType="application/xml"/></Types>')


def docx(paragraphs):
    body = "".join(
        f'<w:p><w:r><w:t xml:space="preserve">{a}</w:t></w:r><w:r><w:t>{b}</w:t></w:r></w:p>'
        for a, b in paragraphs)
    doc = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
           '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
           f'<w:body>{body}</w:body></w:document>')
    return zip_bytes([("[Content_Types].xml", CT), ("_rels/.rels", "<Relationships/>"),
                      ("word/styles.xml", "<w:styles>SSN 000-00-0000</w:styles>"),
                      ("word/document.xml", doc)])


def document_fixtures(out):
    # Runs split the value in two: the text must join them.
    write(out, "docs/letter.docx", docx([("Patient SSN 536-22-", "8726"),
                                         ("Provider NPI ", NPI)]))
    expect("docs/letter.docx", types={"US_SSN": 1, "US_NPI": 1})
    shared = ('<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
              f'<si><t>SSN</t></si><si><t>{SSN}</t></si><si><t>credit card</t></si>'
              f'<si><t>{CARD}</t></si></sst>')
    sheet = ('<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             '<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
             '<row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2" t="s"><v>3</v></c></row>'
             '</sheetData></worksheet>')
    write(out, "docs/sheet.xlsx", zip_bytes([("[Content_Types].xml", CT),
                                             ("xl/sharedStrings.xml", shared),
                                             ("xl/worksheets/sheet1.xml", sheet)]))
    expect("docs/sheet.xlsx", types={"US_SSN": 1, "CREDIT_CARD": 1})
    # The same sheet as .xlsb: BIFF12 records ([MS-XLSB] 2.1.4).
    def rec(rtype, body=b""):
        head = bytearray()
        for value, most in ((rtype, 2), (len(body), 4)):
            for _ in range(most):
                head.append((value & 0x7F) | (0x80 if value > 0x7F else 0))
                value >>= 7
                if not value:
                    break
        return bytes(head) + body

    def wide(text):
        return struct.pack("<I", len(text)) + text.encode("utf-16-le")

    strings = ["SSN", SSN, "credit card", CARD]
    sst = rec(159, struct.pack("<II", 4, 4)) + b"".join(rec(19, b"\0" + wide(t)) for t in strings)
    cells = b""
    for row in range(2):
        cells += rec(0, struct.pack("<I", row) + bytes(13))
        for col in range(2):
            cells += rec(7, struct.pack("<III", col, 0, 2 * row + col))
    sheet_bin = rec(129) + rec(145) + cells + rec(146) + rec(130)
    write(out, "docs/sheet.xlsb", zip_bytes([("[Content_Types].xml", CT),
                                             ("xl/sharedStrings.bin", sst + rec(160)),
                                             ("xl/worksheets/sheet1.bin", sheet_bin)]))
    expect("docs/sheet.xlsb", types={"US_SSN": 1, "CREDIT_CARD": 1})
    slide = ('<p:sld xmlns:p="p" xmlns:a="a"><p:cSld><p:spTree><p:sp><p:txBody>'
             f'<a:p><a:r><a:t>Billing NPI {NPI}</a:t></a:r></a:p>'
             '</p:txBody></p:sp></p:spTree></p:cSld></p:sld>')
    write(out, "docs/deck.pptx", zip_bytes([("[Content_Types].xml", CT),
                                            ("ppt/slides/slide1.xml", slide)]))
    expect("docs/deck.pptx", types={"US_NPI": 1})
    odt_content = ('<office:document-content xmlns:office="o" xmlns:text="t"><office:body>'
                   f'<office:text><text:p>SSN {SSN}</text:p><text:p>{FILLER}</text:p>'
                   '</office:text></office:body></office:document-content>')
    odt = zip_bytes([("mimetype", "application/vnd.oasis.opendocument.text"),
                     ("content.xml", odt_content)], zipfile.ZIP_STORED)
    write(out, "docs/note.odt", odt)
    expect("docs/note.odt", types={"US_SSN": 1})
    ods_content = ('<office:document-content xmlns:office="o" xmlns:table="t" xmlns:text="x">'
                   '<office:body><office:spreadsheet><table:table><table:table-row>'
                   '<table:table-cell><text:p>NPI</text:p></table:table-cell>'
                   f'<table:table-cell office:value-type="float" office:value="{NPI}">'
                   f'<text:p>{NPI}</text:p></table:table-cell>'
                   '</table:table-row></table:table></office:spreadsheet></office:body>'
                   '</office:document-content>')
    write(out, "docs/list.ods", zip_bytes([("mimetype", "application/vnd.oasis.opendocument.spreadsheet"),
                                           ("content.xml", ods_content)], zipfile.ZIP_STORED))
    expect("docs/list.ods", types={"US_NPI": 2})


def sqlite_bytes(tables):
    """A SQLite database file's bytes: {table: (columns, rows)}."""
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "db.sqlite")
        con = sqlite3.connect(path)
        for name, (cols, rows) in tables.items():
            con.execute(f"CREATE TABLE {name} ({', '.join(cols)})")
            con.executemany(f"INSERT INTO {name} VALUES ({', '.join('?' * len(cols))})", rows)
        con.commit()
        con.close()
        with open(path, "rb") as f:
            return f.read()


def database_fixtures(out):
    # Column names are the only keywords: values sit far from any.
    db = sqlite_bytes({
        "patients": (["id", "note", "ssn"], [(1, FAR, None), (2, FAR, SSN_BARE)]),
        "providers": (["name", "npi"], [("Smith", NPI)]),
        "visits": (["id", "summary"], [(1, FILLER)]),
    })
    write(out, "db/clinic.sqlite", db)
    expect("db/clinic.sqlite")
    expect("db/clinic.sqlite", "patients", types={"US_SSN": 1})
    expect("db/clinic.sqlite", "providers", types={"US_NPI": 1})
    expect("db/clinic.sqlite", "visits")
    write(out, "archives/db.zip", zip_bytes([("export/clinic.sqlite", db)]))
    expect("archives/db.zip")
    expect("archives/db.zip", "export/clinic.sqlite")
    expect("archives/db.zip", "export/clinic.sqlite!patients", types={"US_SSN": 1})
    expect("archives/db.zip", "export/clinic.sqlite!providers", types={"US_NPI": 1})
    expect("archives/db.zip", "export/clinic.sqlite!visits")


def rtf_fixtures(out):
    # Font table and generator are skipped; \'e9 is é; \u45? is a hyphen.
    rtf = (r"{\rtf1\ansi\ansicpg1252{\fonttbl{\f0 Arial;}}{\colortbl;\red0\green0\blue0;}"
           r"{\*\generator Writer SSN 536-22-8726;}\f0 Caf\'e9 note.\par "
           r"Patient SSN 536\u45?22-8726\par Provider NPI " + NPI + r"\par}")
    write(out, "docs/letter.rtf", rtf)
    expect("docs/letter.rtf", types={"US_SSN": 1, "US_NPI": 1})
    # An embedded object: an OLE 1.0 "Package" ([MS-OLEDS] 2.2.4) carrying
    # a text file, as Word writes it into RTF (\objdata, hex).
    def lpstr(text):
        return struct.pack("<I", len(text) + 1) + text.encode("ascii") + b"\0"

    data = f"Patient SSN {SSN}\n".encode("ascii")
    temp = b"C:\\Temp\\labs.txt\0"
    package = (struct.pack("<H", 2) + b"labs.txt\0" + b"C:\\labs.txt\0" + struct.pack("<HH", 0, 3)
               + struct.pack("<I", len(temp)) + temp + struct.pack("<I", len(data)) + data)
    ole1 = (struct.pack("<II", 0x0501, 2) + lpstr("Package") + lpstr("") + lpstr("")
            + struct.pack("<I", len(package)) + package)
    rtf = (r"{\rtf1\ansi Lab results attached.\par {\object\objemb{\*\objclass Package}"
           r"{\*\objdata " + ole1.hex() + r"}}\par}")
    write(out, "docs/attached.rtf", rtf)
    expect("docs/attached.rtf")
    expect("docs/attached.rtf", member="labs.txt", types={"US_SSN": 1})


# ---- mail -----------------------------------------------------------------------

def b64_lines(data):
    """Base64 in 76-character lines, as mail writers wrap it."""
    import base64
    text = base64.b64encode(data if isinstance(data, bytes) else data.encode()).decode()
    return "\n".join(text[i:i + 76] for i in range(0, len(text), 76))


def mail_fixtures(out):
    # The CSV inside the attached zip: the column header is the evidence.
    rows = ["id,comment,ssn"] + [f"{i},{FILLER.strip()}," for i in range(6)]
    rows.append(f"7,{FILLER.strip()},{SSN_BARE}")
    records = zip_bytes([("patients.csv", "\n".join(rows) + "\n")])
    html = f"<html><body><p>Provider NPI {NPI}</p></body></html>"
    # The plain body is quoted-printable with a soft break inside the card
    # number; the subject an RFC 2047 encoded-word holding an SSN.
    eml = f"""From: "Jane Doe" <jane.doe@example.org>
To: Records Desk <records@example.org>
Subject: =?UTF-8?Q?Caf=C3=A9_referral_SSN_{SSN}?=
Date: Tue, 2 Jan 2024 03:04:05 +0000
Message-ID: <fixture-1@example.org>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="outer-b"

This is a multi-part message in MIME format.
--outer-b
Content-Type: multipart/alternative; boundary="alt-b"

--alt-b
Content-Type: text/plain; charset="utf-8"
Content-Transfer-Encoding: quoted-printable

Discharge summary =E2=80=93 caf=C3=A9.
Patient SSN {SSN}, NPI {NPI}, credit card 4111 1111 =
1111 1111.
--alt-b
Content-Type: text/html; charset="utf-8"
Content-Transfer-Encoding: base64

{b64_lines(html)}
--alt-b--

--outer-b
Content-Type: application/zip; name="records.zip"
Content-Disposition: attachment; filename="records.zip"
Content-Transfer-Encoding: base64

{b64_lines(records)}
--outer-b--
""".replace("\n", "\r\n")
    write(out, "mail/visit.eml", eml)
    expect("mail/visit.eml", types={"US_SSN": 2, "US_NPI": 2, "CREDIT_CARD": 1})
    expect("mail/visit.eml", "records.zip")
    expect("mail/visit.eml", "records.zip!patients.csv", types={"US_SSN": 1})

    # mbox: three messages; the third has a base64 attachment whose RFC 2231
    # file name has a space.
    head = "From sender@example.org Tue Jan  2 03:04:0{n} 2024\nFrom: a@example.org\n" \
           "To: b@example.org\nSubject: message {n}\n"
    mbox = (head.format(n=1) + "\n" + PLANT + ">From the desk: nothing else.\n\n" +
            head.format(n=2) + "MIME-Version: 1.0\n"
            "Content-Type: text/plain; charset=iso-8859-1\n"
            "Content-Transfer-Encoding: quoted-printable\n\n"
            f"Caf=E9 note. Provider NPI {NPI}.\n\n" +
            head.format(n=3) + "MIME-Version: 1.0\n"
            "Content-Type: multipart/mixed; boundary=b3\n\n"
            "--b3\nContent-Type: text/plain\n\nSee attached.\n"
            "--b3\nContent-Type: text/plain; name=notes.txt\n"
            "Content-Disposition: attachment; filename*=UTF-8''clinic%20notes.txt\n"
            "Content-Transfer-Encoding: base64\n\n" +
            b64_lines("Clinic notes.\n" + PLANT) + "\n--b3--\n")
    write(out, "mail/inbox.mbox", mbox)
    expect("mail/inbox.mbox")
    expect("mail/inbox.mbox", "msg-1", types=PLANT_TYPES)
    expect("mail/inbox.mbox", "msg-2", types={"US_NPI": 1})
    expect("mail/inbox.mbox", "msg-3")
    expect("mail/inbox.mbox", "msg-3/clinic notes.txt", types=PLANT_TYPES)


# ---- PDF -------------------------------------------------------------------------

def pdf_bytes(lines, encrypt=False):
    """A minimal PDF 1.4 with one page of Helvetica text, written by hand.

    With `encrypt`, the trailer names a Standard security handler whose
    user password is not empty (the /U entry matches no password), so a
    reader cannot open it without one."""
    def esc(t):
        return t.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    content = "BT /F1 11 Tf 72 720 Td 14 TL\n" + "".join(
        f"({esc(line)}) Tj T*\n" for line in lines) + "ET"
    objs = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        "/Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(content)} >>\nstream\n{content}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        "<< /Title (Referral) /Producer (make_fixtures.py) >>",
    ]
    if encrypt:
        objs.append("<< /Filter /Standard /V 1 /R 2 /O <" + "11" * 32 + "> /U <" + "22" * 32 +
                    "> /P -4 >>")
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    trailer = f"<< /Size {len(objs) + 1} /Root 1 0 R /Info 6 0 R"
    if encrypt:
        trailer += f" /Encrypt {len(objs)} 0 R /ID [<{'ab' * 16}> <{'ab' * 16}>]"
    out += f"trailer\n{trailer} >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def pdf_fixtures(out):
    lines = ["Referral letter.", PLANT.strip(), FILLER.strip()]
    write(out, "pdf/referral.pdf", pdf_bytes(lines))
    expect("pdf/referral.pdf", types=PLANT_TYPES)
    write(out, "pdf/locked.pdf", pdf_bytes(lines, encrypt=True))
    expect("pdf/locked.pdf", status="encrypted", reason="password_protected")
    # The header of a PDF and then nothing a reader can use.
    write(out, "pdf/broken.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + b"\x00garbage " * 64)
    expect("pdf/broken.pdf", status="partial", reason="corrupt")
    write(out, "archives/pdfs.zip", zip_bytes([("in/referral.pdf", pdf_bytes(lines))]))
    expect("archives/pdfs.zip")
    expect("archives/pdfs.zip", "in/referral.pdf", types=PLANT_TYPES)


# ---- DICOM -----------------------------------------------------------------------

DICOM_LONG_VRS = {"OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN", "UR", "UT", "UV"}
UNDEFINED = 0xFFFFFFFF


def dcm_value(vr, value):
    if isinstance(value, str):
        value = value.encode("ascii")
        if len(value) % 2:
            value += b"\0" if vr == "UI" else b" "
    return value


def dcm_elem(tag, vr, value, explicit=True, big=False, length=None):
    e = ">" if big else "<"
    value = dcm_value(vr, value)
    n = len(value) if length is None else length
    head = struct.pack(e + "HH", tag >> 16, tag & 0xFFFF)
    if not explicit:
        return head + struct.pack(e + "I", n) + value
    if vr in DICOM_LONG_VRS:
        return head + vr.encode() + b"\0\0" + struct.pack(e + "I", n) + value
    return head + vr.encode() + struct.pack(e + "H", n) + value


def dcm_item(body, big=False, defined=True):
    e = ">" if big else "<"
    if defined:
        return struct.pack(e + "HHI", 0xFFFE, 0xE000, len(body)) + body
    return (struct.pack(e + "HHI", 0xFFFE, 0xE000, UNDEFINED) + body +
            struct.pack(e + "HHI", 0xFFFE, 0xE00D, 0))


def dcm_sequence(tag, items, explicit=True, big=False, defined=True):
    e = ">" if big else "<"
    body = b"".join(dcm_item(i, big, defined) for i in items)
    if defined:
        return dcm_elem(tag, "SQ", body, explicit, big)
    return (dcm_elem(tag, "SQ", b"", explicit, big, length=UNDEFINED) + body +
            struct.pack(e + "HHI", 0xFFFE, 0xE0DD, 0))


def dicom_bytes(ts, explicit=True, big=False, defined=True, preamble=True, with_meta=True):
    """A DICOM Part 10 file: preamble, meta group, then a data set in `ts`
    with patient and study attributes, a sequence, and pixel data whose
    bytes hold identifiers that must not be read. Without the preamble (and
    the meta group) it is a bare data set, as some archives store them."""
    meta = (dcm_elem(0x00020001, "OB", b"\0\1") +
            dcm_elem(0x00020002, "UI", "1.2.840.10008.5.1.4.1.1.7") +
            dcm_elem(0x00020003, "UI", "1.2.826.0.1.3680043.2.1125.1") +
            dcm_elem(0x00020010, "UI", ts))
    meta = dcm_elem(0x00020000, "UL", struct.pack("<I", len(meta))) + meta
    el = lambda tag, vr, v: dcm_elem(tag, vr, v, explicit, big)
    item = el(0x00100020, "LO", "MRN7654321") + el(0x00100021, "LO", "HOSP")
    data = b"".join([
        el(0x00080005, "CS", "ISO_IR 100"),
        el(0x00080020, "DA", "20240102"),
        el(0x00080050, "SH", "ACC12345"),
        el(0x00080090, "PN", "SMITH^JOHN"),
        el(0x00100010, "PN", "DOE^JANE"),
        el(0x00100020, "LO", "MRN0012345"),
        el(0x00100030, "DA", "19800101"),
        el(0x00100040, "CS", "F"),
        dcm_sequence(0x00101002, [item], explicit, big, defined),
        el(0x00102154, "SH", PHONE),
        el(0x00104000, "LT", PLANT.strip()),
        el(0x0020000D, "UI", "1.2.826.0.1.3680043.2.1125.2"),
        el(0x00200010, "SH", "STUDY1"),
        el(0x7FE00010, "OW", ("PIXELS " + PLANT).encode() * 64),
    ])
    return (b"\0" * 128 + b"DICM" if preamble else b"") + (meta if with_meta else b"") + data


def dicom_fixtures(out):
    write(out, "dicom/explicit.dcm", dicom_bytes("1.2.840.10008.1.2.1"))
    expect("dicom/explicit.dcm", types=PLANT_TYPES)
    write(out, "dicom/implicit.dcm", dicom_bytes("1.2.840.10008.1.2", explicit=False,
                                                 defined=False))
    expect("dicom/implicit.dcm", types=PLANT_TYPES)
    write(out, "dicom/bigendian.dcm", dicom_bytes("1.2.840.10008.1.2.2", big=True))
    expect("dicom/bigendian.dcm", types=PLANT_TYPES)
    whole = dicom_bytes("1.2.840.10008.1.2.1")
    cut = whole.find(b"1.2.826.0.1.3680043.2.1125.2") + 5
    write(out, "dicom/truncated.dcm", whole[:cut])
    expect("dicom/truncated.dcm", status="partial", reason="corrupt", types=PLANT_TYPES)
    # Bare data sets: no preamble; implicit VR with no meta group and no
    # extension (as in a DICOMDIR tree), explicit VR after a meta group.
    write(out, "dicom/IM000001", dicom_bytes("", explicit=False, defined=False,
                                             preamble=False, with_meta=False))
    expect("dicom/IM000001", types=PLANT_TYPES)
    write(out, "dicom/bare_meta.dcm", dicom_bytes("1.2.840.10008.1.2.1", preamble=False))
    expect("dicom/bare_meta.dcm", types=PLANT_TYPES)
    write(out, "dicom/deflated.dcm", dicom_bytes("1.2.840.10008.1.2.1.99"))
    expect("dicom/deflated.dcm", status="partial", reason="unsupported")


# ---- spreadsheet header evidence ------------------------------------------------

def xlsx_header_fixture(out):
    """Row 1 names the columns; the SSN (a number cell) and the NPI (a
    shared string) sit far from any keyword in the extracted text (filler
    rows around them, and the NPI value first in the shared strings), so
    only the column header can be their evidence."""
    strings = [NPI, FAR, "Note", "SSN", "NPI"]
    sst = ('<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">' +
           "".join(f"<si><t>{s}</t></si>" for s in strings) + "</sst>")
    filler = f'<c r="A{{r}}" t="inlineStr"><is><t>{FILLER.strip()}</t></is></c>'
    rows = ['<row r="1"><c r="A1" t="s"><v>2</v></c><c r="B1" t="s"><v>3</v></c>'
            '<c r="C1" t="s"><v>4</v></c></row>']
    for r in range(2, 6):
        rows.append(f'<row r="{r}">' + filler.format(r=r) + "</row>")
    rows.append(f'<row r="6"><c r="B6"><v>{SSN_BARE}</v></c><c r="C6" t="s"><v>0</v></c></row>')
    for r in range(7, 11):
        rows.append(f'<row r="{r}">' + filler.format(r=r) + "</row>")
    sheet = ('<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             "<sheetData>" + "".join(rows) + "</sheetData></worksheet>")
    # Excel's own order: the sheet before the shared strings.
    write(out, "docs/header.xlsx", zip_bytes([("[Content_Types].xml", CT),
                                              ("xl/worksheets/sheet1.xml", sheet),
                                              ("xl/sharedStrings.xml", sst)]))
    expect("docs/header.xlsx", types={"US_SSN": 1, "US_NPI": 1})

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    if os.path.exists(args.out) and os.listdir(args.out):
        sys.exit(f"{args.out} is not empty")
    os.makedirs(args.out, exist_ok=True)
    text_fixtures(args.out)
    archive_fixtures(args.out)
    structured_fixtures(args.out)
    document_fixtures(args.out)
    database_fixtures(args.out)
    rtf_fixtures(args.out)
    mail_fixtures(args.out)
    pdf_fixtures(args.out)
    dicom_fixtures(args.out)
    xlsx_header_fixture(args.out)
    with open(os.path.join(args.out, "manifest.jsonl"), "w") as f:
        for line in manifest:
            f.write(json.dumps(line, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
