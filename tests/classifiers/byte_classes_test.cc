// Exclude expressions checked in code (classifiers/internal/byte_classes.h)
// must veto exactly where Hyperscan's matches of the same expression would:
// the classes are read here and compared with Hyperscan on random text.
#include <catch2/catch.hpp>
#include <hs/hs.h>

#include <random>
#include <string>
#include <vector>

#include "classifiers/internal/byte_classes.h"
#include "classifiers/internal/compiled.h"
#include "classifiers/rule_pack.h"
#include "classifiers/ruleset.h"
#include "common/escape.h"

using namespace phiscan;
using namespace phiscan::classifiers;
using namespace phiscan::classifiers::internal;

namespace {

int OnEnd(unsigned id, unsigned long long, unsigned long long to, unsigned, void* ctx) {
  static_cast<std::vector<std::pair<unsigned, size_t>>*>(ctx)->push_back({id, to});
  return 0;
}

// Hyperscan's match ends of each expression over `text`, as (index, end).
std::vector<std::pair<unsigned, size_t>> HsEnds(const std::vector<std::string>& exprs,
                                                const std::string& text) {
  std::vector<const char*> ptrs;
  std::vector<unsigned> flags(exprs.size(), 0), ids;
  for (size_t i = 0; i < exprs.size(); ++i) {
    ptrs.push_back(exprs[i].c_str());
    ids.push_back(static_cast<unsigned>(i));
  }
  hs_database_t* db = nullptr;
  hs_compile_error_t* err = nullptr;
  if (hs_compile_multi(ptrs.data(), flags.data(), ids.data(), static_cast<unsigned>(ptrs.size()),
                       HS_MODE_BLOCK, nullptr, &db, &err) != HS_SUCCESS) {
    FAIL("Hyperscan rejected " << exprs.front() << ": " << err->message);
  }
  hs_scratch_t* scratch = nullptr;
  REQUIRE(hs_alloc_scratch(db, &scratch) == HS_SUCCESS);
  std::vector<std::pair<unsigned, size_t>> ends;
  hs_scan(db, text.data(), static_cast<unsigned>(text.size()), 0, scratch, &OnEnd, &ends);
  hs_free_scratch(scratch);
  hs_free_database(db);
  return ends;
}

// Per byte of text: whether a match of an expression of `exprs` covers it,
// by Hyperscan's ends and the expressions' widths, and by BankOverlaps.
void CompareCoverage(const std::vector<std::string>& exprs, const std::string& text) {
  std::vector<VetoBank> banks;
  std::vector<size_t> widths;
  for (size_t i = 0; i < exprs.size(); ++i) {
    auto classes = ParseByteClasses(exprs[i]);
    REQUIRE(classes.has_value());
    widths.push_back(classes->size());
    AddToBanks(*classes, static_cast<int>(i), &banks);
  }
  std::vector<bool> want(text.size(), false);
  for (auto [i, end] : HsEnds(exprs, text)) {
    for (size_t b = end - widths[i]; b < end; ++b) want[b] = true;
  }
  for (size_t b = 0; b < text.size(); ++b) {
    bool got = false;
    for (const auto& bank : banks) got = got || BankOverlaps(bank, text, b, b + 1);
    if (got != want[b]) {
      std::string all;
      for (const auto& e : exprs) all += e + "  ";
      FAIL_CHECK("at byte " << b << " of '" << EscapeBytes(text) << "' for " << all
                            << ": Hyperscan " << want[b] << ", banks " << got);
      return;
    }
  }
}

struct Random {
  std::mt19937 engine{20261203};
  size_t Pick(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(engine); }
};

std::string RandomExpr(Random& r) {
  static const char* const kParts[] = {
      "a",     "Z",      "-",      ":",        " ",      "T",       "\\d",   "\\D",
      "\\w",   "\\W",    "\\x41",  "\\.",      "\\/",    "[0-9]",   "[^0-9]", "[T ]",
      "[a-f0-9]", "[\\d:]", "[^\\w]", "\\t",   "[-a]",   "[\\x80-\\xff]", "\\n", "[^ ]"};
  std::string out;
  for (size_t n = 1 + r.Pick(4); n > 0; --n) {
    out += kParts[r.Pick(std::size(kParts))];
    if (r.Pick(4) == 0) out += "{" + std::to_string(2 + r.Pick(3)) + "}";
  }
  return out;
}

std::string RandomText(Random& r) {
  static const char* const kPieces[] = {"a",  "Z", "-", ":", " ", "T", "0", "12", "2024",
                                        "\t", "\n", ".", "/", "A", "_", "f", "\xE9", "\xFF"};
  std::string out;
  for (size_t n = r.Pick(200); n > 0; --n) out += kPieces[r.Pick(std::size(kPieces))];
  return out;
}

}  // namespace

TEST_CASE("Byte-class sequences are read as Hyperscan reads them") {
  CHECK(ParseByteClasses("\\d{4}-\\d\\d-\\d\\d[T ]\\d\\d:\\d\\d")->size() == 16);
  CHECK(ParseByteClasses("X\\d{4}")->size() == 5);
  const auto c = ParseByteClasses("[^\\d]a\\x41\\.")->at(0);
  CHECK(c.count() == 246);
  CHECK_FALSE(c.test('5'));
  CHECK(c.test('\n'));
  // Outside the subset: left to Hyperscan.
  for (const char* expr : {"a|b", "(ab)", "a?", "a+", "a*", ".", "\\s", "\\bX", "^a", "a$",
                           "[[:alpha:]]", "a{2,3}", "a{2,}", "[]a]", "\\p{L}", "", "a{0}",
                           "\\Qa\\E", "\\1", "[z-a]", "[", "\\x4", "(?i)a"}) {
    INFO(expr);
    CHECK_FALSE(ParseByteClasses(expr).has_value());
  }
  CHECK_FALSE(ParseByteClasses(std::string(65, 'a')).has_value());
  CHECK(ParseByteClasses(std::string(64, 'a')).has_value());
}

TEST_CASE("Checked in code, exclude expressions veto the bytes Hyperscan's matches cover") {
  CompareCoverage({"\\d{4}-\\d\\d-\\d\\d[T ]\\d\\d:\\d\\d", "\\d{4}/\\d\\d/\\d\\d[T ]\\d\\d:\\d\\d",
                   "\\d\\d/\\d\\d/\\d{4}[T ]\\d\\d:\\d\\d"},
                  "2024-03-18 03:08:35 x 2024/03/18T03:08 03/18/2024 03:08 2024-03-18 3:08 "
                  "1999-12-31T23:59:59Z 12/31/1999T23:5 02/03/20244 10:11");
  Random r;
  size_t compared = 0;
  for (int round = 0; round < 400; ++round) {
    std::vector<std::string> exprs;
    for (size_t n = 1 + r.Pick(4); n > 0; --n) exprs.push_back(RandomExpr(r));
    const std::string text = RandomText(r);
    CompareCoverage(exprs, text);
    compared += text.size();
  }
  CHECK(compared > 10000);
}

TEST_CASE("Expressions of one width share a bank, up to 64 positions") {
  std::vector<VetoBank> banks;
  const auto four = *ParseByteClasses("\\d{4}");
  for (int i = 0; i < 17; ++i) AddToBanks(four, i, &banks);
  AddToBanks(*ParseByteClasses("ab"), 17, &banks);
  REQUIRE(banks.size() == 3);
  CHECK(banks[0].excludes.size() == 16);
  CHECK(banks[1].excludes == std::vector<int>{16});
  CHECK(banks[2].width == 2);
  CHECK(BankOverlaps(banks[1], "x1234y", 4, 5));
  CHECK_FALSE(BankOverlaps(banks[1], "x1234y", 5, 6));
  CHECK_FALSE(BankOverlaps(banks[1], "x1234y", 0, 1));
  // A match must lie wholly inside the text: a cut one is no match.
  CHECK_FALSE(BankOverlaps(banks[1], "x123", 1, 4));
}

TEST_CASE("The built-in pack's timestamp excludes are checked in code, not scanned") {
  auto pack = ParseRulePack(BuiltinRulePackText(), "<builtin>");
  REQUIRE(pack.ok());
  auto rules = RuleSet::Compile(pack.value());
  REQUIRE(rules.ok());
  const auto& c = rules.value()->compiled();
  size_t in_code = 0;
  for (const auto& x : c.excludes) {
    INFO(x.expr);
    if (x.expr.find("[T ]") != std::string::npos) {
      CHECK(x.classes.size() == x.width);
      CHECK(std::find(c.hs_expressions.begin(), c.hs_expressions.end(), x.expr) ==
            c.hs_expressions.end());
      ++in_code;
    }
  }
  CHECK(in_code == 3);
  // With the option off, Hyperscan scans them.
  CompileOptions off;
  off.check_excludes_in_code = false;
  auto plain = RuleSet::Compile(pack.value(), off);
  REQUIRE(plain.ok());
  const auto& p = plain.value()->compiled();
  for (const auto& x : p.excludes) {
    CHECK(x.classes.empty());
    CHECK(std::find(p.hs_expressions.begin(), p.hs_expressions.end(), x.expr) !=
          p.hs_expressions.end());
  }
}
