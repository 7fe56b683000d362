#include <catch2/catch.hpp>

#include "classifiers/aggregate.h"
#include "tests/testutil/rules.h"

using namespace phiscan::classifiers;

namespace {

// The built-in pack (its databases shared with the build's other tests).
std::shared_ptr<const RuleSet> Rules() { return phiscan::testing::BuiltinRules(); }

phiscan::AssetRecord Aggregate(const std::string& text, int max_locators = 15) {
  TokenKey key = TokenKey::Ephemeral();
  Matcher m(Rules(), &key);
  AssetAggregator agg(*Rules(), max_locators);
  m.Begin(&agg);
  REQUIRE(m.Feed(text).ok());
  REQUIRE(m.Finish().ok());
  phiscan::AssetRecord rec;
  agg.FillRecord(rec);
  return rec;
}

}  // namespace

TEST_CASE("Counts, unique counts and the locator cap") {
  std::string text;
  for (int i = 0; i < 20; ++i) text += "SSN 536-22-8726\nssn 536228726\n";
  text += "SSN 536-22-8727\n";
  auto rec = Aggregate(text, 15);
  REQUIRE(rec.types.size() == 1);
  CHECK(rec.types[0].type_id == "US_SSN");
  CHECK(rec.types[0].count == 41);
  CHECK(rec.types[0].unique_count == 2);  // two formats, one identifier; plus one other
  CHECK(rec.types[0].max_score == 85);
  CHECK(rec.findings.size() == 15);
  for (const auto& f : rec.findings) {  // every kept locator has its shape and token
    CHECK((f.masked == "***-**-****" || f.masked == "*********"));
    CHECK(f.token != phiscan::Token{});
  }
  CHECK(std::is_sorted(rec.findings.begin(), rec.findings.end(),
                       [](auto& a, auto& b) { return a.start < b.start; }));
}

TEST_CASE("Labels follow the pack's label rules in order") {
  CHECK(Aggregate("nothing to see here").label == "NONE");
  CHECK(Aggregate("Email: jane.doe@example.org").label == "PII");
  CHECK(Aggregate("credit card 4787 7893 2879 2170, Email: jane.doe@example.org").label == "PCI");
  auto phi = Aggregate("MBI 1EG4TE5MK73 and credit card 4787 7893 2879 2170");
  CHECK(phi.label == "PHI");
  CHECK(phi.label_rule == "health_identifier");  // the rule's id in the pack
  // Low-confidence findings alone do not label an asset.
  CHECK(Aggregate("ref 536-22-8726").label == "NONE");
}

TEST_CASE("An identifier with health context is PHI; without it, PII") {
  // Personal identifier alone.
  CHECK(Aggregate("Email: jane.doe@example.org").label == "PII");
  // ...with a diagnosis code (a PHI-category type) in the same asset.
  auto dx = Aggregate("Email: jane.doe@example.org\nDiagnosis: E11.9");
  CHECK(dx.label == "PHI");
  CHECK(dx.label_rule == "identifier_with_health_context");
  // ...with clinical vocabulary only (a requires_keywords context list).
  CHECK(Aggregate("Email: jane.doe@example.org\nchief complaint: headache").label == "PHI");
  // ...inside an HL7 v2 message (a healthcare format marker).
  CHECK(Aggregate("MSH|^~\\&|LAB\nNTE|1||Email: jane.doe@example.org").label == "PHI");
  // A hospital's or clinic's name is no health context: its share names
  // itself on every page, a switch config and a git log too.
  CHECK(Aggregate("Email: jane.doe@example.org\nSt. Olaf Hospital IT, Riverside Clinic")
            .label == "PII");
  // A health identifier is PHI on its own.
  CHECK(Aggregate("MRN: 12345678").label == "PHI");
  // A credential is labelled as such.
  CHECK(Aggregate("aws_access_key_id = AKIAQWERTYUIOPASDFGH").label == "CREDENTIALS");
}

TEST_CASE("A list of ten distinct SSNs without a keyword labels the asset; nine do not") {
  auto roster = [](int distinct, const std::string& extra = "") {
    std::string text = extra;
    for (int i = 0; i < 30; ++i) {
      text += "Jordan Example  536-22-" + std::to_string(8700 + i % distinct) + "  row\n";
    }
    return Aggregate(text);
  };
  auto list = roster(10);
  CHECK(list.label == "PII");
  CHECK(list.label_rule == "identifier_list");
  CHECK(list.types[0].max_score == 65);  // each finding stays low
  // Nine distinct values repeated are no list: one number copied around.
  CHECK(roster(9).label == "NONE");
  // With health context the list is PHI.
  auto clinical = roster(10, "Discharge summary, diagnosis E11.9\n");
  CHECK(clinical.label == "PHI");
  CHECK(clinical.label_rule == "identifier_list_with_health_context");
}

TEST_CASE("Unique counts stay exact across many values, cap, and the next asset") {
  AssetAggregator agg(*Rules(), 15);
  auto feed = [&](uint32_t distinct, int repeats) {
    for (int r = 0; r < repeats; ++r) {
      for (uint32_t v = 0; v < distinct; ++v) {
        Match m;
        m.type_index = 0;
        m.score = 85;
        m.start = v;
        m.end = v + 1;
        m.value_hash = 0x9E3779B97F4A7C15ull * (v + 1);
        agg.OnMatch(m);
      }
    }
  };
  phiscan::AssetRecord rec;
  feed(5000, 3);  // repeats arrive after several in-place deduplications
  agg.FillRecord(rec);
  REQUIRE(rec.types.size() == 1);
  CHECK(rec.types[0].count == 15000);
  CHECK(rec.types[0].unique_count == 5000);

  feed(100000, 1);  // more distinct values than are tracked
  agg.FillRecord(rec);
  REQUIRE(rec.types.size() == 1);
  CHECK(rec.types[0].count == 100000);
  CHECK(rec.types[0].unique_count == 65536);

  feed(7, 2);  // the next asset starts from nothing
  agg.FillRecord(rec);
  REQUIRE(rec.types.size() == 1);
  CHECK(rec.types[0].count == 14);
  CHECK(rec.types[0].unique_count == 7);
}
