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

TEST_CASE("EscapeBytes escapes bidirectional formatting characters, keeps other UTF-8") {
  // "Trojan Source": U+202E (RIGHT-TO-LEFT OVERRIDE) would show
  // "\u202Etxt.exe" as "exe.txt".
  CHECK(EscapeBytes("\xe2\x80\xae" "txt.exe") == "\\xe2\\x80\\xae" "txt.exe");
  CHECK(EscapeBytes("a\xe2\x81\xa6" "b\xe2\x81\xa9") == "a\\xe2\\x81\\xa6" "b\\xe2\\x81\\xa9");
  CHECK(EscapeBytes("\xe2\x80\x8f\xd8\x9c") == "\\xe2\\x80\\x8f\\xd8\\x9c");
  // Neighbours stay: an en dash (U+2013), a zero-width joiner (U+200D),
  // Arabic letters.
  CHECK(EscapeBytes("\xe2\x80\x93") == "\xe2\x80\x93");
  CHECK(EscapeBytes("\xe2\x80\x8d") == "\xe2\x80\x8d");
  CHECK(EscapeBytes("\xd8\xa8\xd9\x8a") == "\xd8\xa8\xd9\x8a");
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
