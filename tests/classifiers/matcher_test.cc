#include <catch2/catch.hpp>

#include <random>
#include <tuple>

#include "classifiers/matcher.h"

using namespace phiscan::classifiers;

namespace {

std::shared_ptr<const RuleSet> Rules() {
  static auto rules = [] {
    auto r = RuleSet::LoadWithBuiltins({});
    REQUIRE(r.ok());
    return r.value();
  }();
  return rules;
}

struct Found {
  std::string type;
  int score;
  uint64_t start, end, line;
  std::string masked;
  phiscan::Token token;
  bool operator==(const Found& o) const {
    return std::tie(type, score, start, end, line, masked, token) ==
           std::tie(o.type, o.score, o.start, o.end, o.line, o.masked, o.token);
  }
  bool operator<(const Found& o) const {
    return std::tie(start, type, end) < std::tie(o.start, o.type, o.end);
  }
};

struct Collector : MatchSink {
  const RuleSet* rules;
  std::vector<Found> found;
  void OnMatch(const Match& m) override {
    found.push_back({rules->types()[m.type_index].id, m.score, m.start, m.end, m.line, m.masked,
                     m.token});
  }
};

std::vector<Found> Scan(std::string_view text, size_t chunk = 1 << 20,
                        const TokenKey* key = nullptr) {
  MatcherOptions opt;
  opt.chunk_size = chunk;
  Matcher m(Rules(), key, opt);
  Collector c;
  c.rules = &m.rules();
  m.Begin(&c);
  REQUIRE(m.Feed(text).ok());
  REQUIRE(m.Finish().ok());
  std::sort(c.found.begin(), c.found.end());
  return c.found;
}

std::string Filler(size_t n) {
  static const char* kWords[] = {"patient", "was", "seen", "today", "for", "follow", "up",
                                 "plan", "discussed", "with", "family", "and", "nurse"};
  std::string out;
  for (size_t i = 0; out.size() < n; ++i) {
    out += kWords[i % 13];
    out += (i % 11 == 10) ? ".\n" : " ";
  }
  out.resize(n);
  out.back() = '\n';
  return out;
}

}  // namespace

TEST_CASE("A formatted SSN with a keyword is found at high confidence, exactly located") {
  std::string text = "line one\nPatient SSN: 536-22-8726.\n";
  auto f = Scan(text);
  REQUIRE(f.size() == 1);
  CHECK(f[0].type == "US_SSN");
  CHECK(f[0].score == 85);
  CHECK(text.substr(f[0].start, f[0].end - f[0].start) == "536-22-8726");
  CHECK(f[0].line == 2);
  CHECK(f[0].masked == "***-**-****");
}

TEST_CASE("SSN confidence follows format and keyword evidence") {
  CHECK(Scan("ref 536-22-8726 end")[0].score == 65);       // formatted, no keyword
  CHECK(Scan("ssn 536228726 end")[0].score == 75);         // bare digits with keyword
  CHECK(Scan("ref 536228726 end").empty());                // bare digits alone: nothing
  CHECK(Scan("ssn 666-22-8726 end").empty());              // invalid area
  CHECK(Scan("ssn 1536-22-8726 end").empty());             // not delimited
  CHECK(Scan("ssn 536-22-87261 end").empty());
}

TEST_CASE("Keyword evidence counts on either side, within the proximity window only") {
  std::string after = "value 1234567893 belongs to the npi registry";
  REQUIRE(Scan(after).size() == 1);
  CHECK(Scan(after)[0].type == "US_NPI");
  std::string far = "npi " + std::string(400, ' ') + "1234567893";
  CHECK(Scan(far).empty());
  std::string near = "npi " + std::string(250, ' ') + "1234567893";
  CHECK(Scan(near).size() == 1);
  CHECK(Scan("npi 1234567890").empty());  // bad check digit
}

TEST_CASE("Each foundation type is detected in context") {
  struct Case {
    const char* text;
    const char* type;
    const char* value;
    int score;
  };
  const Case cases[] = {
      {"Card number 4111 1111 1111 1111 exp 12/29", "CREDIT_CARD", "4111 1111 1111 1111", 85},
      {"order 4111111111111111 shipped", "CREDIT_CARD", "4111111111111111", 65},
      {"Medicare beneficiary 1EG4-TE5-MK73", "US_MBI", "1EG4-TE5-MK73", 85},
      {"member 1EG4TE5MK73 active", "US_MBI", "1EG4TE5MK73", 75},
      {"Phone: (415) 555-2671", "PHONE", "(415) 555-2671", 85},
      {"reach us on +1 415 555 2671 today", "PHONE", "+1 415 555 2671", 75},
      {"Email: jane.doe@example.org", "EMAIL", "jane.doe@example.org", 85},
      {"from jane.doe@example.org ok", "EMAIL", "jane.doe@example.org", 75},
      {"NPI: 1234 567 893", "US_NPI", "1234 567 893", 85},
  };
  for (const auto& c : cases) {
    INFO(c.text);
    std::string text = c.text;
    auto f = Scan(text);
    REQUIRE(f.size() == 1);
    CHECK(f[0].type == c.type);
    CHECK(f[0].score == c.score);
    CHECK(text.substr(f[0].start, f[0].end - f[0].start) == c.value);
  }
}

TEST_CASE("Hard negatives stay quiet") {
  for (const char* text : {
           "icon@2x.png", "user@localhost", "card 4111 1111 1111 1112",
           "phone 115-555-2671", "phone 415-555-0123", "at 2024-03-15T10:22:31Z",
           "id 3f2b8c1e-9d4a-4e7b-a1c2-5d6e7f8a9b0c", "host 192.168.100.200",
           "mbi 1SG4TE5MK73", "epoch 1710498151 logged", "version 2.14.1003"}) {
    INFO(text);
    CHECK(Scan(text).empty());
  }
}

TEST_CASE("Chunk boundaries never change what is found (differential, down to 1-byte chunks)") {
  std::mt19937 rng(42);
  const char* items[] = {"SSN: 536-22-8726", "ssn 536228726", "npi 1234567893",
                         "Phone: (415) 555-2671", "jane.doe@example.org",
                         "visa 4111-1111-1111-1111", "MBI 1EG4TE5MK73", "ref 536-22-8726",
                         "card 4111 1111 1111 1112", "npi 1234567890"};
  std::string text;
  for (int i = 0; i < 60; ++i) {
    text += Filler(20 + rng() % 500);
    text += items[rng() % 10];
    text += (rng() % 2) ? " " : "\n";
  }
  auto whole = Scan(text);
  REQUIRE(whole.size() > 30);
  for (size_t chunk : {1, 2, 3, 5, 7, 16, 63, 100, 257, 1000, 4096}) {
    INFO("chunk size " << chunk);
    CHECK(Scan(text, chunk) == whole);
  }
}

TEST_CASE("A value split exactly across two chunks is found once, at the right offset") {
  std::string prefix = Filler(100) + "SSN ";
  std::string text = prefix + "536-22-8726 " + Filler(50);
  for (size_t chunk = prefix.size() - 2; chunk <= prefix.size() + 12; ++chunk) {
    INFO("chunk " << chunk);
    auto f = Scan(text, chunk);
    REQUIRE(f.size() == 1);
    CHECK(f[0].start == prefix.size());
    CHECK(f[0].score == 85);
  }
}

TEST_CASE("Tokens tie the same identifier across formats without revealing it") {
  TokenKey key = TokenKey::Ephemeral();
  auto a = Scan("SSN 536-22-8726", 1 << 20, &key);
  auto b = Scan("ssn 536228726", 1 << 20, &key);
  REQUIRE(a.size() == 1);
  REQUIRE(b.size() == 1);
  CHECK(a[0].token == b[0].token);
  CHECK(a[0].token != phiscan::Token{});
  auto none = Scan("SSN 536-22-8726");
  CHECK(none[0].token == phiscan::Token{});
}

TEST_CASE("The candidate cap stops a stream that matches everywhere") {
  std::string text;
  for (int i = 0; i < 200; ++i) text += "Email: jane.doe@example.org ";
  MatcherOptions opt;
  opt.max_candidates = 50;
  Matcher m(Rules(), nullptr, opt);
  Collector c;
  c.rules = &m.rules();
  m.Begin(&c);
  auto s = m.Feed(text);
  CHECK(s.code() == phiscan::StatusCode::kLimitExceeded);
  CHECK(m.Finish().code() == phiscan::StatusCode::kLimitExceeded);
  CHECK(c.found.size() <= 50);
  CHECK_FALSE(c.found.empty());
}

TEST_CASE("A matcher is reusable across streams") {
  Matcher m(Rules(), nullptr);
  Collector c;
  c.rules = &m.rules();
  for (int i = 0; i < 3; ++i) {
    c.found.clear();
    m.Begin(&c);
    REQUIRE(m.Feed("line\nSSN: 536-22-8726\n").ok());
    REQUIRE(m.Finish().ok());
    REQUIRE(c.found.size() == 1);
    CHECK(c.found[0].start == 10);
    CHECK(c.found[0].line == 2);
  }
}

TEST_CASE("A structured field name counts as keyword evidence for values inside it") {
  auto scan_field = [](const std::string& field) {
    // A CSV row far from any keyword: "row,536228726,x" with the value in a column.
    std::string text = std::string(400, ' ') + "row,536228726,x\n";
    uint64_t start = 404, end = 413;
    Matcher m(Rules(), nullptr);
    Collector c;
    c.rules = &m.rules();
    m.Begin(&c);
    m.AddFieldContext(start, end, field);
    REQUIRE(m.Feed(text).ok());
    REQUIRE(m.Finish().ok());
    return c.found;
  };
  auto ssn = scan_field("SSN");
  REQUIRE(ssn.size() == 1);
  CHECK(ssn[0].type == "US_SSN");
  CHECK(ssn[0].score == 75);
  CHECK(scan_field("Social_Security_Number").size() == 1);
  CHECK(scan_field("patient.ssn").size() == 1);
  CHECK(scan_field("order_id").empty());
  CHECK(scan_field("").empty());
}
