// Mail: the pure decoders (quoted-printable, base64, RFC 2047 words, RFC
// 2231 parameters) in any split, the MIME reader's events, and .eml/mbox
// extraction with attachments as members under their container paths.
#include "scanner/formats/mail.h"

#include <catch2/catch.hpp>

#include "scanner/formats/byte_source.h"
#include "tests/scanner/extract_fixture.h"
#include "tests/testutil/testutil.h"

using namespace phiscan;
using namespace phiscan::testing;
namespace mail = phiscan::scanner::formats::mail;

namespace {

template <typename D>
std::string DecodeSplit(std::string_view in, size_t split) {
  D d;
  std::string out;
  d.Decode(in.substr(0, split), out);
  d.Decode(in.substr(split), out);
  d.Finish(out);
  return out;
}

using Counts = std::map<std::string, uint64_t>;
const Counts kPlant = {{"US_SSN", 1}, {"US_NPI", 1}, {"CREDIT_CARD", 1}};
const std::string kPlantLine =
    "Patient SSN 536-22-8726, NPI 1234567893, credit card 4111 1111 1111 1111.\n";

bool HasType(const AssetRecord& r, const std::string& type) {
  for (const auto& t : r.types) {
    if (t.type_id == type) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("quoted-printable: escapes, soft breaks, malformed escapes kept, any split") {
  const std::string in = "caf=C3=A9 =3D 4111 1111 =\n1111 1111 =ZZ end=\r\nx=";
  const std::string want = "caf\xC3\xA9 = 4111 1111 1111 1111 =ZZ endx";
  for (size_t split = 0; split <= in.size(); ++split) {
    INFO("split " << split);
    CHECK(DecodeSplit<mail::QuotedPrintable>(in, split) == want);
  }
}

TEST_CASE("base64: line ends and spaces skipped, padding ends a group, any split") {
  const std::string in = "UGF0aWVudCBT\r\nU04gNTM2LTIy\n LTg3MjY=\nQQ==";
  const std::string want = "Patient SSN 536-22-8726A";
  for (size_t split = 0; split <= in.size(); ++split) {
    INFO("split " << split);
    CHECK(DecodeSplit<mail::Base64>(in, split) == want);
  }
}

TEST_CASE("RFC 2047 encoded-words: Q and B, charsets, white space between words") {
  CHECK(mail::DecodeEncodedWords("=?UTF-8?Q?Caf=C3=A9_note?=") == "Caf\xC3\xA9 note");
  CHECK(mail::DecodeEncodedWords("=?utf-8?B?U1NOIDUzNi0yMi04NzI2?=") == "SSN 536-22-8726");
  CHECK(mail::DecodeEncodedWords("=?ISO-8859-1?Q?Jos=E9?= =?ISO-8859-1?Q?_D?=  x") ==
        "Jos\xC3\xA9 D  x");
  CHECK(mail::DecodeEncodedWords("plain =?bogus") == "plain =?bogus");
  CHECK(mail::DecodeEncodedWords("=?utf-8*en?q?a?=") == "a");
}

TEST_CASE("header parameters: quoted, RFC 2231 extended and continued, encoded-words") {
  CHECK(mail::HeaderParam("multipart/mixed; boundary=\"a b;c\"", "boundary") == "a b;c");
  CHECK(mail::HeaderParam("text/plain; charset=UTF-8; name=x.txt", "charset") == "UTF-8");
  CHECK(mail::HeaderParam("attachment; filename*=UTF-8''clinic%20notes.txt", "filename") ==
        "clinic notes.txt");
  CHECK(mail::HeaderParam("attachment; filename*0=\"part\"; filename*1=\"s.csv\"", "filename") ==
        "parts.csv");
  CHECK(mail::HeaderParam("attachment; filename=\"=?UTF-8?Q?r=C3=A9sum=C3=A9.pdf?=\"",
                          "filename") == "r\xC3\xA9sum\xC3\xA9.pdf");
  CHECK(mail::HeaderParam("attachment", "filename").empty());
  CHECK(mail::MediaType(" Text/HTML ; charset=x") == "text/html");
}

TEST_CASE("MIME reader: nested multiparts give leaf parts in order, decoded") {
  std::string eml = ReadFile(FormatFixtureDir() + "/mail/visit.eml");
  scanner::formats::MemorySource src(eml);
  mail::MimeReader reader(src, 16);
  std::vector<std::string> parts, headers;
  std::string body;
  for (;;) {
    auto n = reader.Next();
    REQUIRE(n.ok());
    if (!n.value()) break;
    switch (reader.kind()) {
      case mail::EventKind::kHeader:
        if (reader.header_depth() == 0) headers.emplace_back(reader.name());
        break;
      case mail::EventKind::kPart:
        // Text outside the parts (the preamble here) has no part number.
        parts.push_back(reader.part().index == 0
                            ? "loose"
                            : reader.part().media_type + "|" + reader.part().filename + "|" +
                                  (reader.part().attachment ? "a" : "i"));
        break;
      case mail::EventKind::kBody:
        if (parts.size() == 2) body += reader.data();
        break;
      default:
        break;
    }
  }
  CHECK(!reader.mbox());
  CHECK(headers == std::vector<std::string>{"From", "To", "Subject", "Date", "Message-ID",
                                            "MIME-Version", "Content-Type"});
  CHECK(parts == std::vector<std::string>{"loose", "text/plain||i", "text/html||i",
                                          "application/zip|records.zip|a"});
  // Quoted-printable decoded, the soft break joined, the CRLF before the
  // boundary not part of the body.
  CHECK(body == "Discharge summary \xE2\x80\x93 caf\xC3\xA9.\n" +
                    kPlantLine.substr(0, kPlantLine.size() - 1));
}

TEST_CASE("MIME reader: truncated and hostile input ends cleanly") {
  std::string eml = ReadFile(FormatFixtureDir() + "/mail/visit.eml");
  for (size_t cut = 0; cut < eml.size(); cut += 13) {
    scanner::formats::MemorySource src(std::string_view(eml).substr(0, cut));
    mail::MimeReader reader(src, 16);
    int events = 0;
    for (;;) {
      auto n = reader.Next();
      REQUIRE(n.ok());
      if (!n.value()) break;
      ++events;
    }
    CHECK(events < 10000);
  }
  // Multiparts nested past the depth limit are read as one opaque leaf.
  std::string deep = "From: a@b.c\nTo: d@e.f\nContent-Type: multipart/mixed; boundary=b0\n\n";
  for (int i = 1; i < 300; ++i) {
    deep += "--b" + std::to_string(i - 1) + "\nContent-Type: multipart/mixed; boundary=b" +
            std::to_string(i) + "\n\n";
  }
  deep += "--b299\n\n" + kPlantLine;
  for (int i = 299; i >= 0; --i) deep += "--b" + std::to_string(i) + "--\n";
  auto recs = ExtractMemory(deep, "deep.eml");
  REQUIRE(!recs.empty());
  CHECK(StatusOf(recs[0]) == "complete");
  // A line far longer than the read buffer.
  std::string longline = "From: a@b.c\nTo: d@e.f\n\n" + std::string(200000, 'x') + " " + kPlantLine;
  auto l = ExtractMemory(longline, "long.eml");
  REQUIRE(l.size() == 1);
  CHECK(TypeCounts(l[0]) == kPlant);
}

TEST_CASE(".eml: QP body, encoded subject, base64 zip attachment with a CSV inside") {
  auto recs = ExtractFile(FormatFixtureDir() + "/mail/visit.eml");
  REQUIRE(recs.size() == 3);
  CHECK(StatusOf(recs[0]) == "complete");
  CHECK(!recs[0].member);
  CHECK(TypeCounts(recs[0]) == Counts{{"US_SSN", 2}, {"US_NPI", 2}, {"CREDIT_CARD", 1}});
  // The Date header is transport data, not text.
  CHECK(!HasType(recs[0], "DATE"));
  CHECK(recs[1].member == "records.zip");
  CHECK(recs[1].kind == AssetKind::kMember);
  CHECK(StatusOf(recs[1]) == "complete");
  CHECK(recs[2].member == "records.zip!patients.csv");
  CHECK(TypeCounts(recs[2]) == Counts{{"US_SSN", 1}});
  CHECK(StatusOf(recs[2]) == "complete");
}

TEST_CASE("mbox: each message a member, attachments under msg-N/") {
  auto recs = ExtractFile(FormatFixtureDir() + "/mail/inbox.mbox");
  REQUIRE(recs.size() == 5);
  CHECK(StatusOf(recs[0]) == "complete");
  CHECK(recs[0].findings.empty());  // the container's own record
  std::vector<std::string> members;
  for (size_t i = 1; i < recs.size(); ++i) members.push_back(recs[i].member.value_or(""));
  CHECK(members == std::vector<std::string>{"msg-1", "msg-2", "msg-3", "msg-3/clinic notes.txt"});
  CHECK(TypeCounts(recs[1]) == kPlant);
  CHECK(TypeCounts(recs[2]) == Counts{{"US_NPI", 1}});
  CHECK(TypeCounts(recs[3]).empty());
  CHECK(TypeCounts(recs[4]) == kPlant);
  for (const auto& r : recs) CHECK(r.status == AssetStatus::kComplete);

  // Inside a zip the same container paths sit below the zip member.
  std::string mbox = ReadFile(FormatFixtureDir() + "/mail/inbox.mbox");
  auto zipped = ExtractMemory(WriteArchive("zip", "", {{"mail/inbox.mbox", mbox}}), "m.zip");
  const AssetRecord* att =
      FindRecord(zipped, std::string("mail/inbox.mbox!msg-3/clinic notes.txt"));
  REQUIRE(att != nullptr);
  CHECK(TypeCounts(*att) == kPlant);
}

TEST_CASE("mbox: quoted From lines are unquoted (mboxrd) and never start a message") {
  const std::string box =
      "From a@example.org Mon Mar  4 10:00:00 2024\n"
      "Subject: one\n"
      "\n"
      ">From the desk of the nurse: SSN 536-22-8726\n"
      "\n"
      ">>From quoted twice\n"
      "x>From not at a line start\n"
      ">From" + std::string(40, 'x') + "\n"
      ">Fromage is no From line\n"
      "\n"
      "From b@example.org Mon Mar  4 11:00:00 2024\n"
      "Subject: two\n"
      "\n"
      ">From a long line " + std::string(100, 'y') + "\n";
  for (size_t piece : {size_t{16}, size_t{4096}}) {
    INFO("line pieces of " << piece);
    scanner::formats::MemorySource src(box);
    mail::MimeReader reader(src, piece);
    std::vector<std::string> bodies;
    for (;;) {
      auto n = reader.Next();
      REQUIRE(n.ok());
      if (!n.value()) break;
      if (reader.kind() == mail::EventKind::kMessage) bodies.emplace_back();
      if (reader.kind() == mail::EventKind::kBody) bodies.back() += reader.data();
    }
    CHECK(reader.mbox());
    REQUIRE(bodies.size() == 2);
    CHECK(bodies[0] == "From the desk of the nurse: SSN 536-22-8726\n\n>From quoted twice\n"
                       "x>From not at a line start\n>From" + std::string(40, 'x') +
                       "\n>Fromage is no From line\n");
    CHECK(bodies[1] == "From a long line " + std::string(100, 'y'));
  }
}

TEST_CASE("mbox: the member budget stops the listing, partial(limit_members)") {
  scanner::ScanLimits limits;
  limits.max_members = 2;
  auto recs = ExtractFile(FormatFixtureDir() + "/mail/inbox.mbox", limits);
  REQUIRE(recs.size() == 3);
  CHECK(StatusOf(recs[0]) == "partial(limit_members)");
}

TEST_CASE("mail: nesting past max_depth is partial(limit_depth), never opened") {
  scanner::ScanLimits limits;
  limits.max_depth = 1;
  // visit.eml (0) → records.zip (1) → patients.csv (2: not opened).
  auto recs = ExtractFile(FormatFixtureDir() + "/mail/visit.eml", limits);
  REQUIRE(recs.size() == 2);
  CHECK(recs[1].member == "records.zip");
  CHECK(StatusOf(recs[1]) == "partial(limit_depth)");
  CHECK(TypeCounts(recs[0]) == Counts{{"US_SSN", 2}, {"US_NPI", 2}, {"CREDIT_CARD", 1}});
  // inbox.mbox (0) → msg-3 (1) → its attachment (2).
  auto mbox = ExtractFile(FormatFixtureDir() + "/mail/inbox.mbox", limits);
  REQUIRE(mbox.size() == 5);
  CHECK(mbox[4].member == "msg-3/clinic notes.txt");
  CHECK(StatusOf(mbox[4]) == "partial(limit_depth)");
  CHECK(mbox[4].findings.empty());
}

TEST_CASE("mail: a UTF-16 message is read like its UTF-8 original") {
  std::string eml = ReadFile(FormatFixtureDir() + "/mail/visit.eml");
  std::string u16 = "\xFF\xFE";
  for (char c : eml) {
    u16 += c;
    u16 += '\0';
  }
  auto recs = ExtractMemory(u16, "visit.eml");
  REQUIRE(recs.size() == 3);
  CHECK(TypeCounts(recs[0]) == Counts{{"US_SSN", 2}, {"US_NPI", 2}, {"CREDIT_CARD", 1}});
  CHECK(TypeCounts(recs[2]) == Counts{{"US_SSN", 1}});
}

TEST_CASE("mail: a header line longer than the reader's buffer starts a header of its own") {
  // The first piece of a long line was taken for a continuation of the
  // header before it: the sender's address then ran on into "Subject".
  for (size_t n : {size_t{60000}, size_t{65000}, size_t{70000}, size_t{200000}}) {
    INFO("subject of " << n << " bytes");
    const std::string eml = "From: a@example.com\nSubject: " + std::string(n, 'A') +
                            "\nTo: b@example.org\n\nPatient SSN 536-22-8726\n";
    auto recs = ExtractMemory(eml, "long.eml");
    REQUIRE(!recs.empty());
    std::vector<std::pair<uint64_t, std::string>> emails;
    for (const auto& f : recs[0].findings) {
      if (f.type_id == "EMAIL") emails.push_back({f.end - f.start, f.masked});
    }
    REQUIRE(emails.size() == 2);
    CHECK(emails[0].first == 13);  // a@example.com
    CHECK(emails[1].first == 13);  // b@example.org
    CHECK(TypeCounts(recs[0]).count("US_SSN") == 1);
  }
}

TEST_CASE("mail: a To header of a thousand addresses is read whole, no address cut in two") {
  // Headers were cut at 16 KiB: a message sent to a clinic's patients with
  // their addresses in To: showed about 500 of 1,000, and called it complete.
  std::string folded, one_line, commas;
  for (int i = 0; i < 1000; ++i) {
    const std::string addr = "p" + std::to_string(i) + "@clinic.example";
    folded += (i ? ",\n " : "") + ("Patient " + std::to_string(i) + " <" + addr + ">");
    one_line += (i ? ", " : "") + ("Patient " + std::to_string(i) + " <" + addr + ">");
    commas += (i ? "," : "") + addr;
  }
  for (const std::string& to : {folded, one_line, commas}) {
    INFO(to.substr(0, 60));
    const std::string eml =
        "From: a@example.com\nTo: " + to + "\nSubject: Flu clinic\n\nPatient SSN 536-22-8726\n";
    auto recs = ExtractMemory(eml, "newsletter.eml");
    REQUIRE(recs.size() == 1);
    CHECK(StatusOf(recs[0]) == "complete");
    // An address cut in two (p123@clin / ic.example) is no address.
    uint64_t emails = 0;
    for (const auto& t : recs[0].types) {
      if (t.type_id == "EMAIL") emails = t.count;
    }
    CHECK(emails == 1001);
    CHECK(TypeCounts(recs[0]).count("US_SSN") == 1);
  }
}

TEST_CASE("mail: a message behind a UTF-8 byte-order mark is read as the message it is") {
  // The mark made the first header no header: the whole message, its
  // base64 attachment included, was read as plain text, the SSN in the
  // attachment never decoded.
  const std::string eml = ReadFile(FormatFixtureDir() + "/mail/visit.eml");
  auto plain = ExtractMemory(eml, "visit.eml");
  auto bom = ExtractMemory("\xEF\xBB\xBF" + eml, "visit.eml");
  REQUIRE(bom.size() == plain.size());
  REQUIRE(bom.size() == 3);
  CHECK(bom[2].member == "records.zip!patients.csv");
  CHECK(TypeCounts(bom[2]) == Counts{{"US_SSN", 1}});
  CHECK(TypeCounts(bom[0]) == TypeCounts(plain[0]));
  // Headers are read as headers: the Date header is transport data.
  CHECK(!HasType(bom[0], "DATE"));
  // An mbox too.
  const std::string box = ReadFile(FormatFixtureDir() + "/mail/inbox.mbox");
  auto mbox = ExtractMemory("\xEF\xBB\xBF" + box, "inbox.mbox");
  REQUIRE(mbox.size() == 5);
  CHECK(mbox[4].member == "msg-3/clinic notes.txt");
}

TEST_CASE("mail: text outside the parts of a multipart is read; an unused boundary loses nothing") {
  const std::string head =
      "From: Dr Example <dr@clinic.example>\r\nSubject: Referral\r\nMIME-Version: 1.0\r\n"
      "Content-Type: multipart/mixed; boundary=\"XYZ\"\r\n\r\n";
  // The body uses another boundary than the one declared: it was all
  // preamble, skipped, and the message complete and clean.
  auto recs = ExtractMemory(head + "--ABC\r\nContent-Type: text/plain\r\n\r\n" + kPlantLine +
                                "--ABC--\r\n",
                            "odd.eml");
  REQUIRE(recs.size() == 1);
  CHECK(StatusOf(recs[0]) == "partial(corrupt)");  // its multipart never closed
  CHECK(TypeCounts(recs[0]) == kPlant);
  // Text after the closing boundary (the epilogue) is read too.
  recs = ExtractMemory(head + "--XYZ\r\nContent-Type: text/plain\r\n\r\nSee below.\r\n--XYZ--\r\n" +
                           kPlantLine,
                       "tail.eml");
  REQUIRE(recs.size() == 1);
  CHECK(TypeCounts(recs[0]) == kPlant);
  // Blank lines around the parts start no text part of their own.
  const std::string blank = head + "\r\n\r\n--XYZ\r\nContent-Type: text/plain\r\n\r\nHello.\r\n" +
                            "--XYZ--\r\n\r\n";
  scanner::formats::MemorySource src(blank);
  mail::MimeReader reader(src, 16);
  int parts = 0;
  for (;;) {
    auto n = reader.Next();
    REQUIRE(n.ok());
    if (!n.value()) break;
    if (reader.kind() == mail::EventKind::kPart) ++parts;
  }
  CHECK(parts == 1);
}

TEST_CASE("mail: blank lines before the first header do not make a message plain text") {
  // The message was read as text: its base64 attachment never decoded.
  const std::string eml = ReadFile(FormatFixtureDir() + "/mail/visit.eml");
  auto plain = ExtractMemory(eml, "visit.eml");
  auto blank = ExtractMemory("\r\n\n" + eml, "visit.eml");
  REQUIRE(blank.size() == plain.size());
  REQUIRE(blank.size() == 3);
  CHECK(blank[2].member == "records.zip!patients.csv");
  CHECK(TypeCounts(blank[2]) == Counts{{"US_SSN", 1}});
  CHECK(TypeCounts(blank[0]) == TypeCounts(plain[0]));
  CHECK(!HasType(blank[0], "DATE"));  // the Date header is a header
}

TEST_CASE("mail: a message that ends inside a multipart is partial, what it held read") {
  // Cut inside its base64 attachment (a download or export cut short), the
  // message was complete: nothing said that part of it was missing.
  const std::string eml = ReadFile(FormatFixtureDir() + "/mail/visit.eml");
  const size_t zip = eml.find("records.zip");
  REQUIRE(zip != std::string::npos);
  auto recs = ExtractMemory(eml.substr(0, zip + 200), "cut.eml");
  REQUIRE(!recs.empty());
  CHECK(StatusOf(recs[0]) == "partial(corrupt)");
  CHECK(recs[0].detail == "the message ends before the closing boundary of a multipart");
  CHECK(TypeCounts(recs[0]) == Counts{{"US_SSN", 2}, {"US_NPI", 2}, {"CREDIT_CARD", 1}});
  CHECK(StatusOf(ExtractMemory(eml, "visit.eml")[0]) == "complete");
  // In an mbox, only the message that was cut.
  const std::string from = "From a@b.example Mon Jan  1 00:00:00 2024\n";
  const std::string box = from + eml.substr(0, zip + 200) + "\n\n" + from + eml;
  recs = ExtractMemory(box, "inbox.mbox");
  const AssetRecord* first = FindRecord(recs, "msg-1");
  const AssetRecord* second = FindRecord(recs, "msg-2");
  REQUIRE(first);
  REQUIRE(second);
  CHECK(StatusOf(*first) == "partial(corrupt)");
  CHECK(StatusOf(*second) == "complete");
}
