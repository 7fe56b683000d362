#!/usr/bin/env python3
"""Builds the hostile inputs of reliability-anchors.md section 8, at test time.

    make_hostile.py OUT CASE...     (or "all"; "--list" prints the case names)

Each case writes its fixture under OUT/CASE/ (a file or a small tree). Big
inputs (gigabytes of zeros, a 200 MB line, a 64 GiB sparse file) are small on
disk: compressed, sparse, or written only when asked. Nothing here is real
PHI: the one planted identifier is the synthetic SSN 536-22-8726. Python 3
standard library only. The tests in tests/regression/hostile_test.cc run
phiscan on every case and check the recorded status.
"""
import gzip
import io
import os
import socket
import sqlite3
import stat
import struct
import sys
import tarfile
import zipfile
import zlib

PLANTED = b"Patient SSN: 536-22-8726\n"


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def zip_bytes(members, method=zipfile.ZIP_DEFLATED):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as z:
        for name, data in members:
            z.writestr(zipfile.ZipInfo(name, (2024, 1, 1, 0, 0, 0)), data, compress_type=method)
    return buf.getvalue()


def tar_gz_bytes(name, data):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as t:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        t.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def gz_bytes(data):
    return gzip.compress(data, compresslevel=9, mtime=0)


# 1. Recursive bomb in the manner of 42.zip: 16 copies per level, 5 levels,
# a 64 MiB text leaf (compresses to ~64 KiB; deflate's window makes each
# level's 16 copies nearly free). Expands to 16^5 x 64 MiB = 64 TiB.
def case_zip_bomb_42(out):
    layer = zip_bytes([("leaf.txt", b"A" * (64 << 20))])
    for level in range(5):
        layer = zip_bytes([("l%d_%02d.zip" % (level, i), layer) for i in range(16)])
    write(os.path.join(out, "42.zip"), layer)


# 2. Overlapping-entry bomb (Fifield): one compressed local entry of 32 MiB
# of text, and a central directory of 4096 entries that all point at it.
def case_zip_overlap(out):
    data = (b"lorem ipsum dolor sit amet " * 40 + b"\n") * ((32 << 20) // 1081)
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    cdata = comp.compress(data) + comp.flush()
    crc = zlib.crc32(data)
    name = b"a.txt"
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x5821, crc, len(cdata),
                        len(data), len(name), 0) + name + cdata
    central = b""
    n = 4096
    for _ in range(n):
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x5821, crc,
                               len(cdata), len(data), len(name), 0, 0, 0, 0, 0o100644 << 16,
                               0) + name
    eocd = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, n, n, len(central), len(local), 0)
    write(os.path.join(out, "overlap.zip"), local + central + eocd)


# 3. A gzip of 4 GiB of zeros (about 4 MB on disk), and the same
# for text (spaces), which is classified rather than skipped as binary.
def gzip_of(path, byte, size):
    # Concatenated gzip members (valid gzip, as gunzip and libarchive read
    # it): one 64 MiB member compressed once and repeated, so building 4 GiB
    # takes a fraction of a second.
    member = gzip.compress(byte * (64 << 20), compresslevel=9, mtime=0)
    write(path, member * (size // (64 << 20)))


def case_gzip_zeros(out):
    gzip_of(os.path.join(out, "zeros.bin.gz"), b"\0", 4 << 30)


def case_gzip_spaces(out):
    gzip_of(os.path.join(out, "spaces.txt.gz"), b" ", 4 << 30)


# 4. Nesting 50 deep: gzip in gzip, and zip in tar.gz in zip ...
def case_nested_gzip_50(out):
    data = PLANTED
    for _ in range(50):
        data = gz_bytes(data)
    write(os.path.join(out, "deep.txt.gz"), data)


def case_nested_mixed_50(out):
    data, name = PLANTED, "notes.txt"
    for level in range(50):
        if level % 2 == 0:
            data, name = zip_bytes([(name, data)]), "l%d.zip" % level
        else:
            data, name = tar_gz_bytes(name, data), "l%d.tar.gz" % level
    write(os.path.join(out, name), data)


# 5. Corrupt and truncated archives.
def case_corrupt_archives(out):
    members = [("m%02d.txt" % i, PLANTED * 2000) for i in range(8)]
    z = zip_bytes(members)
    write(os.path.join(out, "truncated.zip"), z[: len(z) // 2])
    bad = bytearray(z)
    for i in range(len(bad) // 3, len(bad) // 3 + 64):
        bad[i] ^= 0x5A
    write(os.path.join(out, "flipped.zip"), bytes(bad))
    tgz = tar_gz_bytes("notes.txt", PLANTED * 20000)
    write(os.path.join(out, "truncated.tar.gz"), tgz[: len(tgz) // 2])
    write(os.path.join(out, "magic_only.zip"), b"PK\x03\x04" + bytes(range(256)) * 16)
    write(os.path.join(out, "empty.gz"), b"\x1f\x8b")


# 7. An encrypted zip (ZipCrypto flag set on the entry): never inspected.
def case_encrypted_zip(out):
    z = bytearray(zip_bytes([("secret.txt", PLANTED)], zipfile.ZIP_STORED))
    for sig, flag_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        i = z.find(sig)
        z[i + flag_at] |= 1
    write(os.path.join(out, "locked.zip"), bytes(z))


# 8. Symlink loops and links out of the root.
def case_symlinks(out):
    root = os.path.join(out, "root")
    write(os.path.join(root, "a", "inside.txt"), PLANTED)
    write(os.path.join(out, "outside", "outside.txt"), PLANTED)
    os.symlink("..", os.path.join(root, "a", "up"))
    os.symlink(".", os.path.join(root, "a", "self"))
    os.symlink("loop2", os.path.join(root, "loop1"))
    os.symlink("loop1", os.path.join(root, "loop2"))
    os.symlink(os.path.join("..", "outside"), os.path.join(root, "out_dir"))
    os.symlink(os.path.join("..", "outside", "outside.txt"), os.path.join(root, "out_file"))
    os.symlink("/", os.path.join(root, "slash"))
    os.symlink("/nonexistent/dangling", os.path.join(root, "dangling"))


# 12. FIFOs, sockets, device nodes (a device only where mknod is allowed).
def case_special_files(out):
    os.makedirs(out, exist_ok=True)
    write(os.path.join(out, "plain.txt"), PLANTED)
    os.mkfifo(os.path.join(out, "fifo"))
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(os.path.join(out, "sock"))
    s.close()
    try:
        os.mknod(os.path.join(out, "zero"), 0o600 | stat.S_IFCHR, os.makedev(1, 5))
    except PermissionError:
        pass


# 13. A sparse file: 8 KiB of text, a hole of SIZE, the planted line.
def case_sparse(out, hole=64 << 30):
    path = os.path.join(out, "sparse.txt")
    os.makedirs(out, exist_ok=True)
    with open(path, "wb") as f:
        f.write((b"Clinic note, nothing sensitive here. " * 230)[:8192])
        f.seek(hole, os.SEEK_CUR)
        f.write(b"\n" + PLANTED)


def case_sparse_1g(out):
    case_sparse(out, 1 << 30)


# 15/16. Invalid UTF-8 and UTF-16 content.
def case_bad_encodings(out):
    junk = bytes([0xC3, 0x28, 0xA0, 0xA1, 0xE2, 0x28, 0xA1, 0xF0, 0x28, 0x8C, 0xBC, 0xFF, 0xFE])
    write(os.path.join(out, "invalid_utf8.txt"), (b"note " + junk) * 1000 + PLANTED + junk)
    u16 = "Patient record\n".encode("utf-16-le") * 100
    lone = b"\x00\xd8A\x00\x00\xdc\x00\xdc"  # unpaired high and low surrogates
    write(os.path.join(out, "utf16_broken.txt"),
          b"\xff\xfe" + u16 + lone * 50 + PLANTED.decode().encode("utf-16-le") + b"\x41")
    write(os.path.join(out, "utf16be_nobom.txt"),
          "Patient record\n".encode("utf-16-be") * 600 + lone + b"\x00")


# 18/19. File names with newlines, control characters and invalid UTF-8;
# a path longer than PATH_MAX (built with directory descriptors).
def case_names(out):
    d = os.fsencode(out)
    os.makedirs(d, exist_ok=True)
    for name in (b"new\nline.txt", b"tab\tand\x1bescape.txt", b"bad\xff\xfeutf8.txt",
                 b"<script>alert(1)<\\script>.txt", b"<img src=x onerror=alert(2)>.txt",
                 b"=cmd|' -C calc'!A0.csv", b"-rf"):
        with open(os.path.join(d, name), "wb") as f:
            f.write(PLANTED)
    fd = os.open(d, os.O_RDONLY | os.O_DIRECTORY)
    depth = 0
    try:
        while depth < 40:  # 40 x 200 bytes: 8000 > PATH_MAX
            comp = b"d%02d" % depth + b"x" * 197
            os.mkdir(comp, dir_fd=fd)
            nfd = os.open(comp, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = nfd
            depth += 1
        leaf = os.open(b"deep.txt", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
        os.write(leaf, PLANTED)
        os.close(leaf)
    finally:
        os.close(fd)


# 20. A single line of SIZE bytes with the planted value at the end.
def case_long_line(out, size=200 << 20):
    os.makedirs(out, exist_ok=True)
    piece = b"lorem ipsum dolor sit amet, " * 4096
    with open(os.path.join(out, "line.txt"), "wb") as f:
        for _ in range(size // len(piece)):
            f.write(piece)
        f.write(PLANTED.rstrip(b"\n"))


# 21. Content that makes patterns match everywhere: 1.2 million SSN-shaped
# values, and 10 MB of digits.
def case_match_everywhere(out):
    write(os.path.join(out, "ssns.txt"), b"SSN 536-22-8726 " * 1_200_000)
    write(os.path.join(out, "digits.txt"), b"0123456789" * 1_000_000)
    write(os.path.join(out, "keywords.txt"), b"ssn patient mrn diagnosis " * 400_000)


# 23/24. Empty file; a zip named .txt.
def case_misc(out):
    write(os.path.join(out, "empty.txt"), b"")
    write(os.path.join(out, "really_a_zip.txt"), zip_bytes([("inner.txt", PLANTED)]))


# A SQLite schema is SQL the file brings along: a VIRTUAL generated column
# is computed at every SELECT (here a gigabyte of 'x' per row, from a page
# of file), while the planted value sits in a stored column beside it. And
# a stored value of 2 MiB, beyond a 1 MiB --max-buffered-member. The
# generated column is added after the rows: SQLite computes it for each row
# inserted into a table that has it (seconds per row).
def case_sqlite_schema(out):
    os.makedirs(out, exist_ok=True)
    for name, rows, after in (
            ("generated.db",
             [("INSERT INTO notes(body) VALUES(?)", (PLANTED.decode(),))] * 4,
             ["ALTER TABLE notes ADD COLUMN pad TEXT GENERATED ALWAYS AS "
              "(printf('%.*c', 900000000, 'x')) VIRTUAL"]),
            ("big_value.db",
             [("INSERT INTO notes VALUES(?)", (PLANTED.decode() + "x" * (2 << 20),))], [])):
        db = sqlite3.connect(os.path.join(out, name))
        db.execute("CREATE TABLE notes(body TEXT)")
        for sql, args in rows:
            db.execute(sql, args)
        for sql in after:
            db.execute(sql)
        db.commit()
        db.close()


# An xlsx whose shared-strings table is 12 million empty strings (<si/>,
# 60 MB of XML deflating to 60 KB), and one planted value in a sheet.
def case_xlsx_empty_strings(out):
    sst = b"<sst>" + b"<si/>" * 12_000_000 + b"<si><t>" + PLANTED.strip() + b"</t></si></sst>"
    sheet = (b'<worksheet><sheetData><row r="1"><c r="A1" t="s"><v>12000000</v></c></row>'
             b"</sheetData></worksheet>")
    write(os.path.join(out, "strings.xlsx"),
          zip_bytes([("[Content_Types].xml", b"<Types/>"), ("xl/worksheets/sheet1.xml", sheet),
                     ("xl/sharedStrings.xml", sst)]))


def pdf_bytes(objects):
    """A PDF of numbered objects (1 the catalog), with its xref table."""
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n")
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % i + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for o in offsets:
        out.write(b"%010d 00000 n \n" % o)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n"
              % (len(objects) + 1, xref))
    return out.getvalue()


def pdf_with_attachments(files, extra=()):
    """A one-page PDF with `files` ((name, stream dictionary entries, data))
    attached, and `extra` objects (streams nothing refers to)."""
    content = b"BT /F1 12 Tf 72 720 Td (Referral, see attachment.) Tj ET"
    objs = [None, b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
            b"/Resources << /Font << /F1 5 0 R >> >> >>",
            b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    names = []
    for name, entries, data in files:
        objs.append(b"<< /Type /EmbeddedFile " + entries + b" /Length %d >>\nstream\n"
                    % len(data) + data + b"\nendstream")
        objs.append(b"<< /Type /Filespec /F (" + name + b") /EF << /F %d 0 R >> >>" % len(objs))
        names.append(b"(" + name + b") %d 0 R" % len(objs))
    objs[0] = (b"<< /Type /Catalog /Pages 2 0 R /Names << /EmbeddedFiles << /Names ["
               + b" ".join(names) + b"] >> >> >>")
    return pdf_bytes(objs + list(extra))


def jpeg_header(width, height):
    """A baseline JPEG's tables and frame header, then a few bytes of scan:
    libjpeg decodes it to width x height x 3 bytes (mostly grey)."""
    def seg(marker, body):
        return b"\xff" + bytes([marker]) + struct.pack(">H", len(body) + 2) + body
    dc_bits, dc_vals = bytes([0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0]), bytes(range(12))
    ac_bits = bytes([0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7D])
    ac_vals = bytes.fromhex(
        "01020300041105122131410613516107227114328191a1082342b1c11552d1f02433627282090a161718"
        "191a25262728292a3435363738393a434445464748494a535455565758595a636465666768696a737475"
        "767778797a838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3"
        "c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8f9fa")
    return (b"\xff\xd8" + seg(0xDB, b"\x00" + b"\x01" * 64)
            + seg(0xC0, b"\x08" + struct.pack(">HH", height, width) + b"\x03"
                  + b"\x01\x11\x00\x02\x11\x00\x03\x11\x00")
            + seg(0xC4, b"\x00" + dc_bits + dc_vals) + seg(0xC4, b"\x10" + ac_bits + ac_vals)
            + seg(0xDA, b"\x03\x01\x00\x02\x00\x03\x00\x00\x3f\x00") + b"\x00" * 64 + b"\xff\xd9")


# PDF attachments whose filter is an image codec, which poppler decodes
# whole when the attachment is read: a JPEG header declaring 12000 x 12000
# pixels (432 MB), a CCITT fax of 20000 columns and one row per input bit
# (1 GB from 50 KB). And a referral whose page has a small JPEG beside an
# attachment holding the planted value, which is still read.
def case_pdf_codec_attachments(out):
    write(os.path.join(out, "jpeg.pdf"),
          pdf_with_attachments([(b"scan.txt", b"/Filter /DCTDecode", jpeg_header(12000, 12000))]))
    write(os.path.join(out, "fax.pdf"), pdf_with_attachments([
        (b"fax.txt", b"/Filter /CCITTFaxDecode /DecodeParms << /K -1 /Columns 20000 >>",
         b"\xff" * 50000)]))
    logo = jpeg_header(64, 64)
    write(os.path.join(out, "referral.pdf"), pdf_with_attachments(
        [(b"notes.txt", b"", PLANTED)],
        [b"<< /Type /XObject /Subtype /Image /Width 64 /Height 64 /ColorSpace /DeviceRGB "
         b"/BitsPerComponent 8 /Filter /DCTDecode /Length %d >>\nstream\n" % len(logo)
         + logo + b"\nendstream"]))


CASES = {name[5:]: fn for name, fn in sorted(globals().items()) if name.startswith("case_")}


def main(argv):
    if len(argv) == 2 and argv[1] == "--list":
        print("\n".join(CASES))
        return 0
    if len(argv) < 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    out, names = argv[1], argv[2:]
    if names == ["all"]:
        names = list(CASES)
    for n in names:
        if n not in CASES:
            print("unknown case: " + n, file=sys.stderr)
            return 2
        CASES[n](os.path.join(out, n))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
