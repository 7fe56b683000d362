#include <catch2/catch.hpp>

#include "common/escape.h"
#include "common/model.h"

using phiscan::EscapeBytes;

TEST_CASE("EscapeBytes keeps printable UTF-8 and escapes control bytes") {
  CHECK(EscapeBytes("plain/path.txt") == "plain/path.txt");
  CHECK(EscapeBytes("caf\xc3\xa9") == "caf\xc3\xa9");
  CHECK(EscapeBytes("a\nb") == "a\\nb");
  CHECK(EscapeBytes("a\x1b[31mred") == "a\\x1b[31mred");
  CHECK(EscapeBytes("back\\slash") == "back\\\\slash");
}

TEST_CASE("EscapeBytes turns invalid UTF-8 into hex escapes") {
  CHECK(EscapeBytes("bad\xff") == "bad\\xff");
  CHECK(EscapeBytes("\xc0\xaf") == "\\xc0\\xaf");  // overlong '/'
  CHECK(EscapeBytes("\xed\xa0\x80") == "\\xed\\xa0\\x80");  // surrogate
  CHECK(phiscan::IsValidUtf8(EscapeBytes("x\xfe\xff\n")));
}

TEST_CASE("Confidence buckets follow the 65/75/85 convention") {
  using phiscan::Confidence;
  CHECK(phiscan::ConfidenceFromScore(65) == Confidence::kLow);
  CHECK(phiscan::ConfidenceFromScore(75) == Confidence::kMedium);
  CHECK(phiscan::ConfidenceFromScore(84) == Confidence::kMedium);
  CHECK(phiscan::ConfidenceFromScore(85) == Confidence::kHigh);
  CHECK(phiscan::ParseConfidence("medium") == Confidence::kMedium);
  CHECK_FALSE(phiscan::ParseConfidence("urgent").has_value());
  CHECK(std::string(phiscan::AssetStatusName(phiscan::AssetStatus::kChangedDuringScan)) ==
        "changed_during_scan");
}
