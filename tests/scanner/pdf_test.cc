// PDF through poppler-cpp: page text and document information classified,
// a password-protected file recorded encrypted, a broken or cut file a
// recorded status (never a crash), a file over the in-memory limit
// partial(limit_size), a decompression bomb partial(limit_bytes) before poppler
// lays out its page. A build without poppler-cpp records skipped(unsupported).
#include <zlib.h>

#include <catch2/catch.hpp>

#include "scanner/extract.h"
#include "tests/scanner/extract_fixture.h"
#include "tests/testutil/testutil.h"

using namespace phiscan;
using namespace phiscan::testing;

namespace {

const std::map<std::string, uint64_t> kPlant = {{"US_SSN", 1}, {"US_NPI", 1}, {"CREDIT_CARD", 1}};

std::string Deflate(const std::string& data) {
  std::string packed(compressBound(data.size()), '\0');
  uLongf packed_size = packed.size();
  REQUIRE(compress2(reinterpret_cast<Bytef*>(packed.data()), &packed_size,
                    reinterpret_cast<const Bytef*>(data.data()), data.size(), 9) == Z_OK);
  packed.resize(packed_size);
  return packed;
}

// A PDF of numbered objects `objs` (1 the catalog, 6 the information
// dictionary), with its cross-reference table, written by hand as
// make_fixtures.py does.
std::string WritePdf(const std::vector<std::string>& objs) {
  std::string out = "%PDF-1.4\n";
  std::vector<size_t> offsets;
  for (size_t i = 0; i < objs.size(); ++i) {
    offsets.push_back(out.size());
    out += std::to_string(i + 1) + " 0 obj\n" + objs[i] + "\nendobj\n";
  }
  const size_t xref = out.size();
  out += "xref\n0 " + std::to_string(objs.size() + 1) + "\n0000000000 65535 f \n";
  for (size_t off : offsets) {
    char entry[32];
    std::snprintf(entry, sizeof entry, "%010zu 00000 n \n", off);
    out += entry;
  }
  out += "trailer\n<< /Size " + std::to_string(objs.size() + 1) +
         " /Root 1 0 R /Info 6 0 R >>\nstartxref\n" + std::to_string(xref) + "\n%%EOF\n";
  return out;
}

// A one-page PDF titled `title` whose only content stream is `content`
// compressed with FlateDecode.
std::string FlatePdf(const std::string& content, const std::string& title) {
  const std::string packed = Deflate(content);
  return WritePdf({
      "<< /Type /Catalog /Pages 2 0 R >>",
      "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
      "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
      "/Resources << /Font << /F1 5 0 R >> >> >>",
      "<< /Length " + std::to_string(packed.size()) + " /Filter /FlateDecode >>\nstream\n" +
          packed + "\nendstream",
      "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
      "<< /Title (" + title + ") >>",
  });
}

// A one-page PDF without identifiers in its text, with the file `name`
// attached (the catalog's EmbeddedFiles name tree), compressed.
std::string AttachmentPdf(const std::string& name, const std::string& data) {
  const std::string content = "BT /F1 11 Tf 72 720 Td (Referral, see attachment.) Tj ET";
  const std::string packed = Deflate(data);
  return WritePdf({
      "<< /Type /Catalog /Pages 2 0 R /Names << /EmbeddedFiles << /Names [(" + name +
          ") 7 0 R] >> >> >>",
      "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
      "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
      "/Resources << /Font << /F1 5 0 R >> >> >>",
      "<< /Length " + std::to_string(content.size()) + " >>\nstream\n" + content + "\nendstream",
      "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
      "<< /Title (Referral) >>",
      "<< /Type /Filespec /F (" + name + ") /UF (" + name + ") /EF << /F 8 0 R >> >>",
      "<< /Type /EmbeddedFile /Length " + std::to_string(packed.size()) +
          " /Filter /FlateDecode /Params << /Size " + std::to_string(data.size()) +
          " >> >>\nstream\n" + packed + "\nendstream",
  });
}

// Page text as a producer writes it: a font, a position, a line per string.
std::string PageText(const std::vector<std::string>& lines) {
  std::string content = "BT /F1 11 Tf 72 720 Td 14 TL\n";
  for (const auto& l : lines) content += "(" + l + ") Tj T*\n";
  return content + "ET";
}

// The bomb of the review, smaller: a few KB on disk, `mb` MB of `(text) Tj`
// drawn in one spot, which poppler lays out glyph by glyph (before streams
// were measured, this test peaked at 205 MB on it).
std::string FlateBomb(int mb, const std::string& title) {
  std::string content = "BT /F1 11 Tf 72 720 Td\n";
  const std::string line = "(text) Tj 0 0 Td\n";
  while (content.size() < static_cast<size_t>(mb) * 1'000'000) content += line;
  return FlatePdf(content + "ET", title);
}

}  // namespace

TEST_CASE("PDF: page text is classified; offsets are in the extracted text") {
  auto recs = ExtractFile(FormatFixtureDir() + "/pdf/referral.pdf");
  REQUIRE(recs.size() == 1);
  if (!scanner::Extractor::PdfSupported()) {
    CHECK(StatusOf(recs[0]) == "skipped(unsupported)");
    return;
  }
  CHECK(StatusOf(recs[0]) == "complete");
  CHECK(TypeCounts(recs[0]) == kPlant);
  // The text is a few hundred bytes; the file's own offsets would be larger.
  for (const auto& f : recs[0].findings) CHECK(f.end <= recs[0].bytes_scanned);
}

TEST_CASE("PDF: a password-protected file is encrypted(password_protected)") {
  auto recs = ExtractFile(FormatFixtureDir() + "/pdf/locked.pdf");
  REQUIRE(recs.size() == 1);
  if (!scanner::Extractor::PdfSupported()) return;
  CHECK(StatusOf(recs[0]) == "encrypted(password_protected)");
  CHECK(recs[0].findings.empty());
  CHECK(recs[0].bytes_scanned == 0);
}

TEST_CASE("PDF: broken and truncated files end as a recorded status") {
  if (!scanner::Extractor::PdfSupported()) return;
  auto broken = ExtractFile(FormatFixtureDir() + "/pdf/broken.pdf");
  REQUIRE(broken.size() == 1);
  CHECK(StatusOf(broken[0]) == "partial(corrupt)");
  std::string bytes = ReadFile(FormatFixtureDir() + "/pdf/referral.pdf");
  for (size_t cut = 16; cut < bytes.size(); cut += 37) {
    INFO("cut " << cut);
    auto recs = ExtractMemory(bytes.substr(0, cut), "cut.pdf");
    REQUIRE(recs.size() == 1);
    // poppler may rebuild a damaged cross-reference table; whatever it
    // makes of the rest, the asset gets a status.
    CHECK((recs[0].status == AssetStatus::kComplete || StatusOf(recs[0]) == "partial(corrupt)"));
  }
}

TEST_CASE("PDF: a page tree that gives poppler no page is partial(corrupt), not clean") {
  if (!scanner::Extractor::PdfSupported()) return;
  // One page of text under a /Pages node whose /Count or /Kids lie.
  auto pdf = [](const std::string& pages) {
    const std::string content = "BT /F1 12 Tf 72 720 Td (Patient SSN 536-22-8726) Tj ET";
    return WritePdf({
        "<< /Type /Catalog /Pages 2 0 R >>",
        pages,
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        "/Resources << /Font << /F1 5 0 R >> >> >>",
        "<< /Length " + std::to_string(content.size()) + " >>\nstream\n" + content +
            "\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        "<< /Title (Referral) >>",
    });
  };
  auto good = ExtractMemory(pdf("<< /Type /Pages /Kids [3 0 R] /Count 1 >>"), "ok.pdf");
  REQUIRE(good.size() == 1);
  CHECK(StatusOf(good[0]) == "complete");
  CHECK(TypeCounts(good[0]) == std::map<std::string, uint64_t>{{"US_SSN", 1}});
  for (const char* pages : {"<< /Type /Pages /Kids [3 0 R] /Count 0 >>",
                            "<< /Type /Pages /Kids [3 0 R] /Count 1000000 >>",
                            "<< /Type /Pages /Kids [3 0 R 3 0 R 3 0 R 3 0 R 3 0 R 3 0 R 3 0 R "
                            "3 0 R 3 0 R 3 0 R] /Count 10 >>"}) {
    INFO(pages);
    auto recs = ExtractMemory(pdf(pages), "liar.pdf");
    REQUIRE(recs.size() == 1);
    CHECK(StatusOf(recs[0]) == "partial(corrupt)");
  }
}

TEST_CASE("PDF: larger than max_buffered_member is partial(limit_size); in a zip as loose") {
  if (!scanner::Extractor::PdfSupported()) return;
  scanner::ScanLimits limits;
  limits.max_buffered_member = 256;
  auto big = ExtractFile(FormatFixtureDir() + "/pdf/referral.pdf", limits);
  REQUIRE(big.size() == 1);
  CHECK(StatusOf(big[0]) == "partial(limit_size)");
  auto zipped = ExtractFile(FormatFixtureDir() + "/archives/pdfs.zip");
  REQUIRE(zipped.size() == 2);
  CHECK(zipped[1].member == "in/referral.pdf");
  CHECK(TypeCounts(zipped[1]) == kPlant);
  auto loose = ExtractFile(FormatFixtureDir() + "/pdf/referral.pdf");
  REQUIRE(zipped[1].findings.size() == loose[0].findings.size());
  for (size_t i = 0; i < loose[0].findings.size(); ++i) {
    CHECK(zipped[1].findings[i].start == loose[0].findings[i].start);
    CHECK(zipped[1].findings[i].token == loose[0].findings[i].token);
  }
}

TEST_CASE("PDF: FlateDecode page text is classified") {
  if (!scanner::Extractor::PdfSupported()) return;
  auto recs = ExtractMemory(
      FlatePdf(PageText({"Referral letter.", "Patient SSN: 536-22-8726"}), "Referral"),
      "flate.pdf");
  REQUIRE(recs.size() == 1);
  CHECK(StatusOf(recs[0]) == "complete");
  CHECK(TypeCounts(recs[0]) == std::map<std::string, uint64_t>{{"US_SSN", 1}});
}

TEST_CASE("PDF: a filled form field's value is classified, with or without its appearance") {
  if (!scanner::Extractor::PdfSupported()) return;
  // An intake form: the page says what the field is, the field (an
  // AcroForm text widget) holds the value. Form fillers write the value
  // (/V) and usually an appearance stream drawing it (/AP); some leave the
  // drawing to the reader (/NeedAppearances) or write no appearance at all.
  enum class Drawn { kAppearance, kNeedAppearances, kNothing };
  auto form = [](Drawn drawn) {
    const std::string page = "BT /F1 11 Tf 72 740 Td (Intake form. Social Security Number:) Tj ET";
    const std::string ap = "/Tx BMC BT /F1 12 Tf 2 5 Td (219-45-6781) Tj ET EMC";
    return WritePdf({
        "<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [4 0 R] /DA (/F1 12 Tf 0 g) " +
            std::string(drawn == Drawn::kNeedAppearances ? "/NeedAppearances true " : "") +
            "/DR << /Font << /F1 5 0 R >> >> >> >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Annots [4 0 R] /Contents 7 0 R "
        "/Resources << /Font << /F1 5 0 R >> >> >>",
        "<< /Type /Annot /Subtype /Widget /FT /Tx /T (patient_ssn) /V (219-45-6781) "
        "/Rect [300 735 500 755] /P 3 0 R /DA (/F1 12 Tf 0 g) " +
            std::string(drawn == Drawn::kAppearance ? "/AP << /N 8 0 R >> " : "") + ">>",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        "<< /Title (Intake) >>",
        "<< /Length " + std::to_string(page.size()) + " >>\nstream\n" + page + "\nendstream",
        "<< /Type /XObject /Subtype /Form /BBox [0 0 200 20] /Resources << /Font << /F1 5 0 R >> "
        ">> /Length " + std::to_string(ap.size()) + " >>\nstream\n" + ap + "\nendstream",
    });
  };
  for (Drawn drawn : {Drawn::kAppearance, Drawn::kNeedAppearances, Drawn::kNothing}) {
    INFO("variant " << static_cast<int>(drawn));
    auto recs = ExtractMemory(form(drawn), "intake.pdf");
    REQUIRE(recs.size() == 1);
    CHECK(StatusOf(recs[0]) == "complete");
    CHECK(TypeCounts(recs[0]) == std::map<std::string, uint64_t>{{"US_SSN", 1}});
  }
}

TEST_CASE("PDF: a decompression bomb is partial(limit_bytes); its page is never laid out") {
  if (!scanner::Extractor::PdfSupported()) return;
  const std::string bomb = FlateBomb(2, "Patient SSN 536-22-8726");
  REQUIRE(bomb.size() < 20'000);

  // Default limits: the stream shows far more text than any page does. The
  // page is left unread; the document information is still classified.
  auto recs = ExtractMemory(bomb, "bomb.pdf");
  REQUIRE(recs.size() == 1);
  CHECK(StatusOf(recs[0]) == "partial(limit_bytes)");
  CHECK(TypeCounts(recs[0]) == std::map<std::string, uint64_t>{{"US_SSN", 1}});
  CHECK(recs[0].bytes_scanned < 1000);

  // Past the expansion budget while inflating: poppler is not called at all.
  scanner::ScanLimits tight;
  tight.max_expanded_bytes = 100'000;
  auto budget = ExtractMemory(bomb, "bomb.pdf", tight);
  REQUIRE(budget.size() == 1);
  CHECK(StatusOf(budget[0]) == "partial(limit_bytes)");
  CHECK(budget[0].findings.empty());

  // Inside a zip the member is partial the same way.
  auto zipped = ExtractMemory(WriteArchive("zip", "", {{"scans/bomb.pdf", bomb}}), "bombs.zip");
  REQUIRE(zipped.size() == 2);
  CHECK(zipped[1].member == "scans/bomb.pdf");
  CHECK(StatusOf(zipped[1]) == "partial(limit_bytes)");

  // The referral still reads completely with the same limits.
  auto ok = ExtractFile(FormatFixtureDir() + "/pdf/referral.pdf");
  REQUIRE(ok.size() == 1);
  CHECK(StatusOf(ok[0]) == "complete");
  CHECK(TypeCounts(ok[0]) == kPlant);
}

// A one-page PDF titled `title` whose page's /Contents is `contents` and
// whose objects 7, 8, ... are `more` (a content stream, forms).
std::string PagePdf(const std::string& contents, const std::string& title,
                    const std::vector<std::string>& more) {
  std::vector<std::string> objs = {
      "<< /Type /Catalog /Pages 2 0 R >>",
      "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
      "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents " + contents +
          " /Resources << /Font << /F1 5 0 R >> /XObject << /X1 8 0 R >> >> >>",
      "<< >>",
      "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
      "<< /Title (" + title + ") >>",
  };
  objs.insert(objs.end(), more.begin(), more.end());
  return WritePdf(objs);
}

std::string Stream(const std::string& dict, const std::string& data) {
  return "<< " + dict + " /Length " + std::to_string(data.size()) + " >>\nstream\n" + data +
         "\nendstream";
}

TEST_CASE("PDF: a page that draws a stream or a form over and over is never laid out") {
  // poppler cannot be stopped inside a page: 300,000 references to one
  // 11-byte stream took 1.75 GB, and forms drawing forms (1,000 x 20 x 20
  // x 100 strings) ran for hours past --max-time. The document information
  // is still read.
  if (!scanner::Extractor::PdfSupported()) return;
  const std::string title = "Patient SSN 536-22-8726";
  const std::string hello = Stream("", "BT /F1 12 Tf 72 720 Td (hello world) Tj ET");
  std::string refs = "[";
  for (int i = 0; i < 10'000; ++i) refs += "7 0 R ";
  const std::string repeated = PagePdf(refs + "]", title, {hello});
  std::string many_draws, twenty_draws, strings;
  for (int i = 0; i < 1000; ++i) many_draws += "/X1 Do ";
  for (int i = 0; i < 20; ++i) twenty_draws += "/X2 Do ";
  for (int i = 0; i < 100; ++i) strings += "(hello world) Tj ";
  const std::string form = "/Type /XObject /Subtype /Form /BBox [0 0 612 792]";
  const std::string fanout = PagePdf(
      "7 0 R", title,
      {Stream("", many_draws),
       Stream(form + " /Resources << /XObject << /X2 9 0 R >> >>", twenty_draws),
       Stream(form + " /Resources << /XObject << /X2 10 0 R >> >>", twenty_draws),
       Stream(form + " /Resources << /Font << /F1 5 0 R >> >>", "BT /F1 12 Tf " + strings + "ET")});
  for (const auto& [name, pdf] : {std::pair{"repeated.pdf", repeated}, {"fanout.pdf", fanout}}) {
    INFO(name);
    auto recs = ExtractMemory(pdf, name);
    REQUIRE(recs.size() == 1);
    CHECK(StatusOf(recs[0]) == "partial(limit_bytes)");
    CHECK(recs[0].detail.find("over and over") != std::string::npos);
    CHECK(TypeCounts(recs[0]) == std::map<std::string, uint64_t>{{"US_SSN", 1}});
  }
  // Arrays left open are read once each, not each to the file's end
  // (200,000 of them in 2 MB took four minutes).
  std::string open = "%PDF-1.4\n";
  for (int i = 0; i < 200'000; ++i) open += "/Contents [";
  auto unclosed = ExtractMemory(open, "open.pdf");
  REQUIRE(unclosed.size() == 1);
  CHECK(StatusOf(unclosed[0]) == "partial(corrupt)");
  // Each stream named once, and a form drawn a few times, are read.
  const std::string plain =
      PagePdf("[7 0 R 9 0 R]", title,
              {Stream("", "BT /F1 12 Tf 72 720 Td (first) Tj ET /X1 Do /X1 Do /X1 Do"),
               Stream(form + " /Resources << /Font << /F1 5 0 R >> >>",
                      "BT /F1 12 Tf 72 700 Td (NPI 1234567893) Tj ET"),
               Stream("", "BT /F1 12 Tf 72 680 Td (last) Tj ET")});
  auto ok = ExtractMemory(plain, "plain.pdf");
  REQUIRE(ok.size() == 1);
  CHECK(StatusOf(ok[0]) == "complete");
}

TEST_CASE("PDF: an attached file is a member, read like an archive member") {
  // Attachments were never read: a referral with the patient list attached
  // was recorded complete and clean.
  if (!scanner::Extractor::PdfSupported()) return;
  const std::string notes =
      "Clinic notes.\nPatient SSN 536-22-8726, NPI 1234567893, credit card 4111 1111 1111 1111.\n";
  auto recs = ExtractMemory(AttachmentPdf("notes.txt", notes), "referral.pdf");
  REQUIRE(recs.size() == 2);
  CHECK(StatusOf(recs[0]) == "complete");
  CHECK(TypeCounts(recs[0]).empty());
  CHECK(recs[1].member == "notes.txt");
  CHECK(StatusOf(recs[1]) == "complete");
  CHECK(TypeCounts(recs[1]) == kPlant);

  // An attached archive is opened like any member; '!' in a name is '_'.
  auto zipped = ExtractMemory(
      AttachmentPdf("lab!s.zip", WriteArchive("zip", "", {{"p.txt", notes}})), "referral.pdf");
  const AssetRecord* inner = FindRecord(zipped, "lab_s.zip!p.txt");
  REQUIRE(inner != nullptr);
  CHECK(TypeCounts(*inner) == kPlant);

  // One that would decode past the in-memory limit is recorded, not read.
  scanner::ScanLimits limits;
  limits.max_buffered_member = 4096;
  auto big = ExtractMemory(AttachmentPdf("notes.txt", notes + std::string(100000, ' ')),
                           "referral.pdf", limits);
  REQUIRE(big.size() == 2);
  CHECK(StatusOf(big[1]) == "partial(limit_size)");
}
