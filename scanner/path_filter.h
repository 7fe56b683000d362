// PathFilter: which paths a scan covers, from --include / --exclude globs
// with gitignore-like semantics.
//
// Paths are matched relative to the scan root they were found under, with
// '/' separators. A rule is a glob:
//   - with no '/' (other than a trailing one) it matches a name at any depth
//     ("*.tmp", "node_modules");
//   - otherwise it is anchored at the root ("/build", "exports/2019/*.csv");
//   - a trailing '/' makes it match directories only ("cache/");
//   - '*', '?' and '[...]' never cross a '/'; a whole "**" component matches
//     any number of directories ("**/backup", "logs/**", "a/**/b");
//   - a leading '!' re-includes what an earlier exclude rule matched; the
//     last matching rule wins, and an excluded directory is not entered, so
//     nothing below it can be re-included (as in gitignore).
// Include rules, if any, restrict files (not directories) to those matching
// at least one include rule, or under a directory one matches ("exports/").
//
// Thread safety: immutable after construction; matching is const and
// thread-safe.
#ifndef PHISCAN_SCANNER_PATH_FILTER_H_
#define PHISCAN_SCANNER_PATH_FILTER_H_

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace phiscan::scanner {

class PathFilter {
 public:
  // Errors: kInvalidArgument for an empty pattern, a '[' no ']' closes or a
  // backslash that escapes nothing (fnmatch would take them as plain
  // characters), quoting the glob unless it holds six digits or more.
  Status AddExclude(std::string_view pattern);
  Status AddInclude(std::string_view pattern);
  // Reads exclude rules from a file: one per line; blank lines and lines
  // starting with '#' are ignored; trailing spaces are trimmed (but for
  // one a backslash escapes), and a UTF-8 byte-order mark. Errors name the
  // file (and line for a bad rule, which is not quoted); a directory is one.
  Status AddExcludesFromFile(const std::string& path);
  // The rules AddExcludesFromFile read, as written (a run records their
  // number and digest).
  const std::vector<std::string>& file_excludes() const { return file_excludes_; }

  bool empty() const { return excludes_.empty() && includes_.empty(); }

  // True if the directory at root-relative path `rel` must not be entered.
  bool ExcludesDirectory(std::string_view rel) const;
  // True if the regular file at root-relative path `rel` must not be scanned.
  bool ExcludesFile(std::string_view rel) const;
  // True if the walk leaves out the regular file at `rel`: it, or a
  // directory above it, is excluded (the walk does not enter that one).
  bool LeavesOut(std::string_view rel) const;

 private:
  struct Rule {
    std::vector<std::string> segments;  // split on '/'
    bool anchored = false;
    bool dir_only = false;
    bool negate = false;
  };
  static Result<Rule> Parse(std::string_view pattern);
  static bool Matches(const Rule& rule, std::string_view rel, bool is_dir);
  bool Excluded(std::string_view rel, bool is_dir) const;

  std::vector<Rule> excludes_;
  std::vector<Rule> includes_;
  std::vector<std::string> file_excludes_;
};

}  // namespace phiscan::scanner

#endif  // PHISCAN_SCANNER_PATH_FILTER_H_
