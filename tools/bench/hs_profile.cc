// hs_profile: where the Hyperscan prefilter spends its time.
//
// Loads the built-in rule pack (plus any --rules packs), reads the files
// under the given paths into memory (text only: files with a NUL byte in
// their first 4 KiB are skipped, as phiscan skips binaries), and times
// hs_scan over them, 1 MiB blocks as the Matcher scans them:
//   - with the whole (combined) database, where a regex split between the
//     digit tiers is one expression;
//   - with each expression alone (time, hits);
//   - with the whole database minus each expression (--leave-one-out).
// Prints one line per expression, most expensive first. A benchmark aid,
// not part of phiscan; see README "Performance".
//
// Usage: hs_profile [--leave-one-out] [--repeat N] [--rules PACK]... PATH...
//        hs_profile --tiers   (every expression with its tier: 0 every byte,
//                              1 around digits, 2 combined database only,
//                              3 context lists, in their own database,
//                              4 evidence keywords, near hits)
//        hs_profile --dump    (the combined database's expressions, and exit)
//        hs_profile --subset 0-46,50 PATH...  (time some expressions)
//        hs_profile --exprs FILE PATH...      (time the --dump lines in FILE)
//        hs_profile --tier 0 PATH...  (profile one tier's database instead:
//                                      0 is what prose gets over every byte,
//                                      1 and 4 in its windows)
// The ids printed by the profile and taken by --subset number the combined
// database's expressions, in --dump order (not --tiers order, which also
// lists the parts of a regex split between the tiers).
#include <hs/hs.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "classifiers/internal/compiled.h"
#include "classifiers/ruleset.h"
#include "tools/rule_files.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Db {
  hs_database_t* db = nullptr;
  hs_scratch_t* scratch = nullptr;
  ~Db() {
    hs_free_scratch(scratch);
    hs_free_database(db);
  }
};

bool Build(const std::vector<const char*>& exprs, const std::vector<unsigned>& flags, Db* out) {
  std::vector<unsigned> ids(exprs.size());
  for (size_t i = 0; i < ids.size(); ++i) ids[i] = static_cast<unsigned>(i);
  hs_compile_error_t* err = nullptr;
  if (hs_compile_multi(exprs.data(), flags.data(), ids.data(), static_cast<unsigned>(exprs.size()),
                       HS_MODE_BLOCK, nullptr, &out->db, &err) != HS_SUCCESS) {
    std::fprintf(stderr, "hs_profile: compile failed: %s\n", err ? err->message : "?");
    hs_free_compile_error(err);
    return false;
  }
  return hs_alloc_scratch(out->db, &out->scratch) == HS_SUCCESS;
}

int Count(unsigned, unsigned long long, unsigned long long, unsigned, void* ctx) {
  ++*static_cast<uint64_t*>(ctx);
  return 0;
}

// Seconds (best of `repeat`) and hits of one pass over every block.
std::pair<double, uint64_t> Time(const Db& db, const std::vector<std::string>& blocks, int repeat) {
  double best = 1e30;
  uint64_t hits = 0;
  for (int r = 0; r < repeat; ++r) {
    hits = 0;
    auto t0 = Clock::now();
    for (const auto& b : blocks) {
      hs_scan(db.db, b.data(), static_cast<unsigned>(b.size()), 0, db.scratch, &Count, &hits);
    }
    best = std::min(best, std::chrono::duration<double>(Clock::now() - t0).count());
  }
  return {best, hits};
}

constexpr const char* kUsage =
    "usage: hs_profile [--leave-one-out] [--repeat N] [--rules PACK]... PATH...\n"
    "       hs_profile --tiers | --dump\n"
    "       hs_profile [--subset 0-46,50 | --exprs FILE | --tier N] PATH...\n"
    "Times the Hyperscan prefilter over the text files under PATH (see the\n"
    "comment at the top of tools/bench/hs_profile.cc).\n";
}  // namespace

int main(int argc, char** argv) {
  bool leave_one_out = false;
  bool dump = false;          // --dump: print "FLAGS<TAB>EXPRESSION" lines and exit
  bool tiers = false;         // --tiers: print "TIER ID EXPRESSION" lines and exit
                              // (tier 1: scanned only around digits)
  std::string exprs_file;     // --exprs FILE: time these instead (the --dump format)
  std::vector<std::pair<size_t, size_t>> subset;  // --subset 0-46,50: id ranges
  int repeat = 3;
  int only_tier = -1;         // --tier N: that tier's database, not the combined one
  std::vector<std::string> packs, paths;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--leave-one-out") leave_one_out = true;
    else if (a == "--dump") dump = true;
    else if (a == "--tiers") tiers = true;
    else if (a == "--exprs" && i + 1 < argc) exprs_file = argv[++i];
    else if (a == "--repeat" && i + 1 < argc) repeat = std::max(1, std::atoi(argv[++i]));
    else if (a == "--tier" && i + 1 < argc) only_tier = std::atoi(argv[++i]);
    else if (a == "--rules" && i + 1 < argc) packs.push_back(argv[++i]);
    else if (a == "--subset" && i + 1 < argc) {
      std::string spec = argv[++i];
      for (size_t at = 0; at < spec.size();) {
        size_t comma = spec.find(',', at);
        std::string part = spec.substr(at, comma == std::string::npos ? std::string::npos : comma - at);
        size_t dash = part.find('-');
        size_t lo = std::stoul(part.substr(0, dash));
        size_t hi = dash == std::string::npos ? lo : std::stoul(part.substr(dash + 1));
        subset.emplace_back(lo, hi);
        at = comma == std::string::npos ? spec.size() : comma + 1;
      }
    }
    else if (a == "--help" || a == "-h") {
      std::printf("%s", kUsage);
      return 0;
    }
    else if (a.starts_with("-")) {
      std::fprintf(stderr, "hs_profile: unknown option or missing value: %s (see --help)\n", a.c_str());
      return 2;
    }
    else paths.push_back(a);
  }
  if (paths.empty() && !dump && !tiers) {
    std::fprintf(stderr, "%s", kUsage);
    return 2;
  }
  for (const auto& p : paths) {
    std::error_code ec;
    if (!std::filesystem::exists(p, ec)) {
      std::fprintf(stderr, "hs_profile: %s: no such file or directory\n", p.c_str());
      return 2;
    }
  }
  auto rules = phiscan::tools::LoadRulePacks(packs);
  if (!rules.ok()) {
    std::fprintf(stderr, "hs_profile: %s\n", rules.status().message().c_str());
    return 2;
  }
  const auto& c = rules.value()->compiled();
  if (tiers) {
    for (size_t i = 0; i < c.hs_expressions.size(); ++i) {
      std::printf("%u %u %s\n", unsigned{c.hs_tier[i]}, c.hs_ids[i], c.hs_expressions[i].c_str());
    }
    return 0;
  }
  // The combined database's expressions (a regex split between the tiers
  // is one expression there); the profile below times these.
  std::vector<size_t> in_db;
  for (size_t i = 0; i < c.hs_expressions.size(); ++i) {
    if (only_tier < 0 ? c.hs_whole[i] != 0 : c.hs_tier[i] == only_tier) in_db.push_back(i);
  }
  if (dump) {
    for (size_t i : in_db) std::printf("%u\t%s\n", c.hs_flags[i], c.hs_expressions[i].c_str());
    return 0;
  }

  std::vector<std::string> blocks;
  uint64_t total = 0;
  auto add = [&](const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (std::memchr(data.data(), 0, std::min<size_t>(data.size(), 4096)) != nullptr) return;
    for (size_t at = 0; at < data.size(); at += 1 << 20) {
      blocks.push_back(data.substr(at, 1 << 20));
    }
    total += data.size();
  };
  for (const auto& root : paths) {
    if (std::filesystem::is_regular_file(root)) {
      add(root);
      continue;
    }
    for (const auto& e : std::filesystem::recursive_directory_iterator(root)) {
      if (e.is_regular_file() && !e.is_symlink()) add(e.path());
    }
  }
  std::printf("%.1f MB of text in %zu blocks; %zu expressions (%u regexes)\n", total / 1e6,
              blocks.size(), in_db.size(), c.keyword_base);

  std::vector<const char*> all;
  std::vector<unsigned> all_flags;
  for (size_t i : in_db) {
    all.push_back(c.hs_expressions[i].c_str());
    all_flags.push_back(c.hs_flags[i]);
  }
  if (!exprs_file.empty()) {
    std::ifstream in(exprs_file);
    std::vector<std::string> lines;
    std::vector<unsigned> line_flags;
    for (std::string line; std::getline(in, line);) {
      size_t tab = line.find('\t');
      if (tab == std::string::npos) continue;
      line_flags.push_back(static_cast<unsigned>(std::stoul(line.substr(0, tab))));
      lines.push_back(line.substr(tab + 1));
    }
    std::vector<const char*> some;
    for (const auto& l : lines) some.push_back(l.c_str());
    Db db;
    if (!Build(some, line_flags, &db)) return 1;
    auto [s, hits] = Time(db, blocks, repeat);
    std::printf("%zu expressions from %s: %.3f s = %.0f MB/s, %lu hits\n", some.size(),
                exprs_file.c_str(), s, total / s / 1e6, static_cast<unsigned long>(hits));
    return 0;
  }
  if (!subset.empty()) {
    std::vector<const char*> some;
    std::vector<unsigned> some_flags;
    for (auto [lo, hi] : subset) {
      for (size_t id = lo; id <= hi && id < all.size(); ++id) {
        some.push_back(all[id]);
        some_flags.push_back(all_flags[id]);
      }
    }
    Db db;
    if (!Build(some, some_flags, &db)) return 1;
    auto [s, hits] = Time(db, blocks, repeat);
    std::printf("subset of %zu expressions: %.3f s = %.0f MB/s, %lu hits\n", some.size(), s,
                total / s / 1e6, static_cast<unsigned long>(hits));
    return 0;
  }
  Db full;
  if (!Build(all, all_flags, &full)) return 1;
  auto [full_s, full_hits] = Time(full, blocks, repeat);
  std::printf("whole database: %.3f s = %.0f MB/s, %lu hits\n", full_s, total / full_s / 1e6,
              static_cast<unsigned long>(full_hits));

  struct Row {
    size_t id;
    double alone, without;
    uint64_t hits;
  };
  std::vector<Row> rows;
  for (size_t i = 0; i < all.size(); ++i) {
    Row row{i, 0, 0, 0};
    Db one;
    if (!Build({all[i]}, {all_flags[i]}, &one)) return 1;
    std::tie(row.alone, row.hits) = Time(one, blocks, repeat);
    if (leave_one_out) {
      std::vector<const char*> rest;
      std::vector<unsigned> rest_flags;
      for (size_t j = 0; j < all.size(); ++j) {
        if (j == i) continue;
        rest.push_back(all[j]);
        rest_flags.push_back(all_flags[j]);
      }
      Db without;
      if (!Build(rest, rest_flags, &without)) return 1;
      row.without = Time(without, blocks, repeat).first;
    }
    rows.push_back(row);
  }
  std::sort(rows.begin(), rows.end(), [&](const Row& a, const Row& b) {
    return leave_one_out ? a.without < b.without : a.alone > b.alone;
  });
  std::printf("%4s %9s %9s %10s  %s\n", "id", "alone s", leave_one_out ? "saved s" : "", "hits",
              "expression");
  for (const auto& row : rows) {
    std::string e = all[row.id];
    if (e.size() > 90) e = e.substr(0, 87) + "...";
    std::printf("%4zu %9.3f %9.3f %10lu  %s\n", row.id, row.alone,
                leave_one_out ? full_s - row.without : 0.0, static_cast<unsigned long>(row.hits),
                e.c_str());
  }
  return 0;
}
