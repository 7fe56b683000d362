// RuleCache: compiled Hyperscan databases kept between runs, so that start-up
// reads a file instead of compiling the rules (hs_compile_multi is most of a
// run's fixed cost: most of a second for the built-in pack).
//
// One file per database, named by RuleSet::database_key() (rules, Hyperscan
// version, CPU), in PHISCAN_CACHE_DIR, else $XDG_CACHE_HOME/phiscan, else
// $HOME/.cache/phiscan; PHISCAN_CACHE_DIR=off turns the cache off. The
// directory is created 0700 and files 0600, written to a temporary name and
// renamed. A database is loaded only from a directory and file owned by this
// user and writable by no one else, since Hyperscan trusts the bytes it
// deserializes. The files hold compiled patterns, nothing scanned.
//
// Storing a database keeps the kKeptDatabases most recently used ones (each
// rule change, Hyperscan upgrade or user pack makes a new one, 3-4 MB each)
// and removes the rest.
//
// Beside the databases, one file holds Hyperscan's answers about the
// expressions (their shortest and longest match), which compiling the
// rules asks of each: loaded, a one-file scan takes 15 % less time.
//
// Every failure is silent: the rules are then compiled as without a cache
// (`scan` tells a Store that failed).
// Thread safety: none needed; called by the front end's main thread.
#ifndef PHISCAN_TOOLS_RULE_CACHE_H_
#define PHISCAN_TOOLS_RULE_CACHE_H_

#include <string>

#include "classifiers/ruleset.h"
#include "common/status.h"

namespace phiscan::tools {

// Databases kept in the cache directory: enough for the rule packs of
// several scheduled jobs in use at once.
constexpr size_t kKeptDatabases = 8;

class RuleCache {
 public:
  // The directory from the environment; disabled() if none applies.
  static RuleCache FromEnvironment();
  explicit RuleCache(std::string dir) : dir_(std::move(dir)) {}

  bool disabled() const { return dir_.empty(); }
  const std::string& dir() const { return dir_; }

  // Before a scan: makes `rules` use a cached database if a trustworthy one
  // exists. True if it did (the file is then marked as recently used).
  bool Load(const classifiers::RuleSet& rules) const;
  // After a scan: if `rules` compiled its database during the run (it was
  // not loaded from the cache), stores it, replacing a file under its name
  // that could not be used, and removes all but the kKeptDatabases most
  // recently used databases. True if a file was written.
  bool Store(const classifiers::RuleSet& rules) const;
  // For a program that needs the database at once (`rules check`, the fuzz
  // targets, the tests): Load(), else compile and Store(). The status of
  // the compile (Ok when loaded).
  Status LoadOrCompile(const classifiers::RuleSet& rules) const;

  // Before compiling rules: remembers what Hyperscan said of each
  // expression in earlier runs (RuleSet::AdoptExpressionWidths), which is
  // most of the time a compile takes when its database is then loaded.
  // After: stores the answers if some were new. True if read or written.
  bool LoadWidths() const;
  bool StoreWidths() const;

 private:
  std::string PathFor(const classifiers::RuleSet& rules) const;
  std::string dir_;
};

}  // namespace phiscan::tools

#endif  // PHISCAN_TOOLS_RULE_CACHE_H_
