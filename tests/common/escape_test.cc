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

TEST_CASE("Only identifier-like names are quoted in errors about a configuration file") {
  using phiscan::IsQuotableName;
  for (const char* name : {"colour", "US_SSN", "site_mrn_terms", "hr.share", "_x", "a-b", "PHI",
                           "rule_2024", "v12345"}) {
    INFO(name);
    CHECK(IsQuotableName(name));
  }
  // A record's values, never: an SSN, a full name, an e-mail address, a
  // line of a CSV, control bytes, or a name too long to be an identifier.
  for (const char* value : {"536-22-8726", "Jane Doe", "jdoe@example.org", "1990-04-01",
                            "Doe,Jane,536-22-8726", "a\nb", "\xc3\xa9t\xc3\xa9", "",
                            // A name around an identifier's digits.
                            "SSN_536228726", "a536-22-8726"}) {
    INFO(value);
    CHECK_FALSE(IsQuotableName(value));
  }
  CHECK(IsQuotableName(std::string(64, 'a')));
  CHECK_FALSE(IsQuotableName(std::string(65, 'a')));
  CHECK(phiscan::QuoteName("colour", "an unknown key") == "'colour'");
  CHECK(phiscan::QuoteName("536-22-8726", "an unknown key") == "an unknown key");
  CHECK(phiscan::NameOrKind("rule", "US_SSN") == "rule US_SSN");
  CHECK(phiscan::NameOrKind("label", "Jane Doe") == "a label");
  CHECK(phiscan::Abbreviate("short") == "short");
  CHECK(phiscan::Abbreviate(std::string(100, 'x')) == std::string(80, 'x') + "...");
}
