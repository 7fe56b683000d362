// The compiled-rules cache: a stored database is used by the next run and
// finds exactly what a freshly compiled one finds; damaged, foreign or
// untrustworthy files are ignored (the rules are then compiled).
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

#include "classifiers/matcher.h"
#include "classifiers/ruleset.h"
#include "classifiers/token.h"
#include "tests/testutil/testutil.h"
#include "tools/rule_cache.h"

using phiscan::classifiers::Matcher;
using phiscan::classifiers::Match;
using phiscan::classifiers::MatchSink;
using phiscan::classifiers::RuleSet;
using phiscan::testing::TempDir;
using phiscan::tools::RuleCache;

namespace {

std::string ReadText() {
  std::string text = "MSH|^~\\&|LAB\n";  // a health format marker: label context
  for (int i = 0; i < 50; ++i) {
    text += "Patient SSN 536-22-8726, phone (617) 555-0142, jane.doe@example.org, "
            "card 4111 1111 1111 1111, NPI 1234567893, seen 2024-03-05.\n";
  }
  return text;
}

std::shared_ptr<const RuleSet> FreshRules() {
  auto r = RuleSet::LoadWithBuiltins({});
  REQUIRE(r.ok());
  return r.value();
}

// One compiled rule set for the tests that only need some database to
// store: compiling is slow under the sanitizers, and a test case with
// sections runs its body once per section.
const std::shared_ptr<const RuleSet>& CompiledOnce() {
  static const std::shared_ptr<const RuleSet> rules = [] {
    auto r = FreshRules();
    REQUIRE(r->EnsureCompiled().ok());
    return r;
  }();
  return rules;
}

// Every match's span, and each label context list that occurred (those are
// scanned with databases of their own).
struct Spans : MatchSink {
  std::vector<std::tuple<int, uint64_t, uint64_t>> found;
  std::vector<std::string> lists;
  void OnMatch(const Match& m) override { found.emplace_back(m.type_index, m.start, m.end); }
  void OnKeywordList(const std::string& list) override { lists.push_back(list); }
};

std::pair<std::vector<std::tuple<int, uint64_t, uint64_t>>, std::vector<std::string>> Classify(
    std::shared_ptr<const RuleSet> rules) {
  const std::string text = ReadText();
  Matcher m(rules, nullptr);
  Spans spans;
  m.Begin(&spans);
  REQUIRE(m.Feed(text).ok());
  REQUIRE(m.Finish().ok());
  return {spans.found, spans.lists};
}

}  // namespace

TEST_CASE("A stored database is loaded by the next run and finds the same") {
  TempDir dir;
  RuleCache cache(dir.Join("cache/phiscan"));  // parents are created
  auto fresh = FreshRules();
  CHECK_FALSE(cache.Load(*fresh));   // nothing cached yet
  CHECK_FALSE(cache.Store(*fresh));  // never compiled in this run: nothing to store
  const auto& compiled = CompiledOnce();
  REQUIRE(cache.Store(*compiled));

  struct stat st;
  REQUIRE(stat(dir.Join("cache/phiscan").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0700);
  const std::string file =
      dir.Join("cache/phiscan/" + compiled->database_key() + ".hsdb");
  REQUIRE(stat(file.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);

  auto loaded = FreshRules();
  CHECK_FALSE(loaded->database_ready());
  REQUIRE(cache.Load(*loaded));
  CHECK(loaded->database_ready());
  auto a = Classify(compiled), b = Classify(loaded);
  CHECK_FALSE(a.first.empty());
  CHECK(a.second == std::vector<std::string>{"clinical_terms", "health_format_terms"});
  CHECK(a == b);
  CHECK_FALSE(cache.Load(*loaded));  // a database is adopted once, before first use
  CHECK_FALSE(cache.Store(*loaded));  // it came from the cache: nothing to store
}

TEST_CASE("Storing keeps the most recently used databases and removes the rest") {
  TempDir dir;
  const std::string cdir = dir.Join("c");
  REQUIRE(mkdir(cdir.c_str(), 0700) == 0);
  // Twelve older databases of other rules, the newest last; and a file that
  // is not a database at all.
  for (int i = 0; i < 12; ++i) {
    const std::string file = cdir + "/hsdb-old" + std::to_string(i) + ".hsdb";
    phiscan::testing::WriteFile(file, "stale");
    struct timespec times[2] = {{1'700'000'000 + i * 100, 0}, {1'700'000'000 + i * 100, 0}};
    REQUIRE(utimensat(AT_FDCWD, file.c_str(), times, 0) == 0);
  }
  phiscan::testing::WriteFile(cdir + "/notes.txt", "keep me");
  RuleCache cache(cdir);
  const auto& compiled = CompiledOnce();
  REQUIRE(cache.Store(*compiled));
  auto exists = [&](const std::string& name) { return access((cdir + "/" + name).c_str(), F_OK) == 0; };
  CHECK(exists(compiled->database_key() + ".hsdb"));
  CHECK(exists("notes.txt"));
  int kept = 0;
  for (int i = 0; i < 12; ++i) kept += exists("hsdb-old" + std::to_string(i) + ".hsdb") ? 1 : 0;
  CHECK(kept == static_cast<int>(phiscan::tools::kKeptDatabases) - 1);
  // The newest of the old ones survive, the oldest go.
  CHECK(exists("hsdb-old11.hsdb"));
  CHECK_FALSE(exists("hsdb-old0.hsdb"));
  // Loading marks a database as used, so one in use is never the oldest.
  const std::string mine = cdir + "/" + compiled->database_key() + ".hsdb";
  struct timespec long_ago[2] = {{1'600'000'000, 0}, {1'600'000'000, 0}};
  REQUIRE(utimensat(AT_FDCWD, mine.c_str(), long_ago, 0) == 0);
  auto again = FreshRules();
  REQUIRE(cache.Load(*again));
  struct stat st;
  REQUIRE(stat(mine.c_str(), &st) == 0);
  CHECK(st.st_mtim.tv_sec > 1'700'001'100);
}

TEST_CASE("A compiled database replaces a cache file that could not be used") {
  TempDir dir;
  RuleCache cache(dir.Join("c"));
  const auto& first = CompiledOnce();
  REQUIRE(cache.Store(*first));
  const std::string file = dir.Join("c/" + first->database_key() + ".hsdb");
  std::string bytes = phiscan::testing::ReadFile(file);
  bytes.resize(bytes.size() / 2);  // e.g. an older format, or damage
  phiscan::testing::WriteFile(file, bytes);
  chmod(file.c_str(), 0600);
  // LoadOrCompile: the damaged file is not used, the rules are compiled,
  // and the file is replaced ...
  auto second = FreshRules();
  REQUIRE(cache.LoadOrCompile(*second).ok());
  CHECK(second->database_ready());
  CHECK_FALSE(second->database_adopted());
  CHECK(phiscan::testing::ReadFile(file).size() > bytes.size());
  // ... so the next run loads it.
  auto third = FreshRules();
  REQUIRE(cache.LoadOrCompile(*third).ok());
  CHECK(third->database_adopted());
}

TEST_CASE("Damaged, foreign and untrustworthy cache files are ignored") {
  TempDir dir;
  const std::string cdir = dir.Join("c");
  RuleCache cache(cdir);
  const auto& rules = CompiledOnce();
  REQUIRE(cache.Store(*rules));
  const std::string file = cdir + "/" + rules->database_key() + ".hsdb";
  const std::string good = phiscan::testing::ReadFile(file);

  SECTION("a flipped byte in the database") {
    std::string bad = good;
    bad[bad.size() / 2] ^= 0x40;
    phiscan::testing::WriteFile(file, bad);
    chmod(file.c_str(), 0600);
    CHECK_FALSE(cache.Load(*FreshRules()));
  }
  SECTION("a truncated file") {
    phiscan::testing::WriteFile(file, good.substr(0, good.size() - 100));
    chmod(file.c_str(), 0600);
    CHECK_FALSE(cache.Load(*FreshRules()));
  }
  SECTION("another rule set's database under this one's name") {
    std::string other = good;
    other[5] = other[5] == 'a' ? 'b' : 'a';  // the key in the header differs
    phiscan::testing::WriteFile(file, other);
    chmod(file.c_str(), 0600);
    CHECK_FALSE(cache.Load(*FreshRules()));
  }
  SECTION("lengths that overflow or do not add up") {
    // Rewrite the length line and the checksum, as someone able to write the
    // file could: the lengths must still be refused.
    const std::string key = rules->database_key();
    size_t eol = good.find('\n', key.size() + 1 + 64 + 1);
    REQUIRE(eol != std::string::npos);
    const std::string payload_tail = good.substr(eol + 1);
    for (const std::string& header :
         {std::to_string(payload_tail.size()) + " 18446744073709551615 1",  // wraps to the size
          std::string("18446744073709551615 1 0"), std::string("-1 1 0"),
          std::to_string(payload_tail.size()) + " 5 0", std::string("0 0 0"),
          std::to_string(payload_tail.size()) + " 0"}) {
      const std::string payload = header + "\n" + payload_tail;
      std::string forged = key + "\n" + phiscan::classifiers::Sha256Hex(payload) + "\n" + payload;
      phiscan::testing::WriteFile(file, forged);
      chmod(file.c_str(), 0600);
      INFO(header);
      CHECK_FALSE(cache.Load(*FreshRules()));
    }
  }
  SECTION("a file others may write") {
    chmod(file.c_str(), 0666);
    CHECK_FALSE(cache.Load(*FreshRules()));
  }
  SECTION("a directory others may write") {
    chmod(cdir.c_str(), 0777);
    CHECK_FALSE(cache.Load(*FreshRules()));
  }
  SECTION("a symbolic link") {
    REQUIRE(rename(file.c_str(), (file + ".real").c_str()) == 0);
    REQUIRE(symlink((file + ".real").c_str(), file.c_str()) == 0);
    CHECK_FALSE(cache.Load(*FreshRules()));
  }
  SECTION("the intact file, for contrast") {
    CHECK(cache.Load(*FreshRules()));
  }
}

TEST_CASE("The cache directory comes from the environment; 'off' disables it") {
  const char* saved = std::getenv("PHISCAN_CACHE_DIR");
  std::string keep = saved ? saved : "";
  setenv("PHISCAN_CACHE_DIR", "/some/where", 1);
  CHECK(RuleCache::FromEnvironment().dir() == "/some/where");
  setenv("PHISCAN_CACHE_DIR", "off", 1);
  CHECK(RuleCache::FromEnvironment().disabled());
  unsetenv("PHISCAN_CACHE_DIR");
  setenv("XDG_CACHE_HOME", "/xdg", 1);
  CHECK(RuleCache::FromEnvironment().dir() == "/xdg/phiscan");
  unsetenv("XDG_CACHE_HOME");
  if (saved) setenv("PHISCAN_CACHE_DIR", keep.c_str(), 1);
}

TEST_CASE("What Hyperscan said of the expressions is stored once, 0600, and read by the next run") {
  TempDir dir;
  const std::string cdir = dir.Join("c");
  RuleCache cache(cdir);
  CHECK_FALSE(cache.LoadWidths());  // nothing stored yet
  // A regex no other test compiles: Hyperscan is asked about it.
  auto rules = RuleSet::LoadWithBuiltins(
      {{"site.yaml", "types:\n  - id: SITE_W\n    category: PHI\n    patterns:\n"
                     "      - regex: '\\bWDT\\d{6}\\b'\n        score: 80\n"}});
  REQUIRE(rules.ok());
  CHECK(RuleSet::ExpressionWidthsChanged());
  REQUIRE(cache.StoreWidths());
  CHECK_FALSE(cache.StoreWidths());  // nothing new since: not written again
  const std::string file = cdir + "/expression-widths";
  struct stat st;
  REQUIRE(stat(file.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  const std::string good = phiscan::testing::ReadFile(file);
  CHECK(good.find("\\bWDT\\d{6}\\b") != std::string::npos);
  CHECK(cache.LoadWidths());

  // Damaged or untrustworthy: not read.
  std::string bad = good;
  bad[bad.size() / 2] ^= 0x40;
  phiscan::testing::WriteFile(file, bad);
  chmod(file.c_str(), 0600);
  CHECK_FALSE(cache.LoadWidths());
  phiscan::testing::WriteFile(file, good);
  chmod(file.c_str(), 0666);
  CHECK_FALSE(cache.LoadWidths());
  chmod(file.c_str(), 0600);
  CHECK(cache.LoadWidths());
  CHECK_FALSE(RuleCache("").LoadWidths());  // the cache turned off
}
