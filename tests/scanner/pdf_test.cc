// PDF through poppler-cpp: page text and document information classified,
// a password-protected file recorded encrypted, a broken or cut file a
// recorded status (never a crash), a file over the in-memory limit
// partial(limit_size). A build without poppler-cpp records skipped(unsupported).
#include <catch2/catch.hpp>

#include "scanner/extract.h"
#include "tests/scanner/extract_fixture.h"
#include "tests/testutil/testutil.h"

using namespace phiscan;
using namespace phiscan::testing;

namespace {

const std::map<std::string, uint64_t> kPlant = {{"US_SSN", 1}, {"US_NPI", 1}, {"CREDIT_CARD", 1}};

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
