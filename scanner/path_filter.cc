#include "scanner/path_filter.h"

#include <fnmatch.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "common/escape.h"

namespace phiscan::scanner {
namespace {

std::vector<std::string_view> Split(std::string_view s) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find('/', start);
    if (end == std::string_view::npos) end = s.size();
    if (end > start) out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

bool SegmentMatches(const std::string& pattern, std::string_view name) {
  std::string n(name);
  return fnmatch(pattern.c_str(), n.c_str(), 0) == 0;
}

// Matches pattern segments p[i..] against path segments s[j..]; "**" spans
// zero or more whole segments.
bool MatchSegments(const std::vector<std::string>& p, size_t i,
                   const std::vector<std::string_view>& s, size_t j) {
  while (i < p.size()) {
    if (p[i] == "**") {
      if (i + 1 == p.size()) return true;  // trailing "**" matches everything below
      for (size_t k = j; k <= s.size(); ++k) {
        if (MatchSegments(p, i + 1, s, k)) return true;
      }
      return false;
    }
    if (j == s.size() || !SegmentMatches(p[i], s[j])) return false;
    ++i;
    ++j;
  }
  return j == s.size();
}

// Why `segment` is no glob fnmatch reads as written, or "": a '[' whose
// class never closes is taken as a plain '[' (so "[!" matches nothing a
// user meant), and a '\\' at the end escapes nothing.
std::string GlobError(std::string_view segment) {
  for (size_t i = 0; i < segment.size(); ++i) {
    if (segment[i] == '\\') {
      if (++i == segment.size()) return "a '\\' at the end of a name escapes nothing";
    } else if (segment[i] == '[') {
      size_t j = i + 1;
      if (j < segment.size() && (segment[j] == '!' || segment[j] == '^')) ++j;
      if (j < segment.size() && segment[j] == ']') ++j;  // a ']' first is one of the class
      j = segment.find(']', j);
      if (j == std::string_view::npos) {
        return "a '[' starts a character class that no ']' closes (write \\[ for a '[')";
      }
      i = j;
    }
  }
  return "";
}

}  // namespace

Result<PathFilter::Rule> PathFilter::Parse(std::string_view pattern) {
  Rule rule;
  if (!pattern.empty() && pattern.front() == '!') {
    rule.negate = true;
    pattern.remove_prefix(1);
  }
  if (!pattern.empty() && pattern.back() == '/') {
    rule.dir_only = true;
    while (!pattern.empty() && pattern.back() == '/') pattern.remove_suffix(1);
  }
  if (pattern.empty()) return Status::InvalidArgument("empty path pattern");
  // A '/' anywhere but the end anchors the pattern at the root.
  rule.anchored = pattern.find('/') != std::string_view::npos;
  for (auto seg : Split(pattern)) {
    if (std::string why = GlobError(seg); !why.empty()) return Status::InvalidArgument(why);
    rule.segments.emplace_back(seg);
  }
  if (rule.segments.empty()) return Status::InvalidArgument("empty path pattern");
  if (rule.segments.size() == 1 && rule.segments[0] == "**") rule.anchored = true;
  return rule;
}

namespace {

// A glob given on the command line or in a job file, as an error quotes
// it: not when it could be an identifier typed into the wrong place.
std::string Shown(std::string_view pattern) {
  if (HoldsIdentifierDigits(pattern)) return "glob (not shown: it holds digits)";
  return "glob '" + EscapeBytes(pattern) + "'";
}

}  // namespace

Status PathFilter::AddExclude(std::string_view pattern) {
  auto rule = Parse(pattern);
  if (!rule.ok()) return Status::InvalidArgument(Shown(pattern) + ": " + rule.status().message());
  excludes_.push_back(std::move(rule).value());
  return Status::Ok();
}

Status PathFilter::AddInclude(std::string_view pattern) {
  auto rule = Parse(pattern);
  if (!rule.ok()) return Status::InvalidArgument(Shown(pattern) + ": " + rule.status().message());
  if (rule.value().negate) return Status::InvalidArgument("'!' is not allowed in --include");
  includes_.push_back(std::move(rule).value());
  return Status::Ok();
}

Status PathFilter::AddExcludesFromFile(const std::string& path) {
  const std::string shown = EscapeBytes(path);
  std::error_code ec;
  // A folder opens, and reads as no lines; a pipe or /dev/null is fine.
  if (std::filesystem::is_directory(path, ec)) {
    return Status::InvalidArgument("exclude file " + shown + " is a directory");
  }
  errno = 0;
  std::ifstream in(path);
  if (!in) {
    const int err = errno;
    return Status::NotFound("cannot read exclude file " + shown + ": " +
                            (err != 0 ? std::strerror(err) : "unknown error"));
  }
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    // A byte-order mark (Notepad's UTF-8) is no part of the first rule.
    if (n == 1 && line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);
    // Trailing blanks go, as in gitignore, but for one an odd number of
    // backslashes escapes.
    while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) {
      if (line.back() == ' ') {
        size_t slashes = 0;
        while (slashes + 1 < line.size() && line[line.size() - 2 - slashes] == '\\') ++slashes;
        if (slashes % 2 == 1) break;
      }
      line.pop_back();
    }
    if (line.empty() || line[0] == '#') continue;
    // The line is not quoted: a data file named by mistake would put a
    // record on the terminal.
    auto rule = Parse(line);
    if (!rule.ok()) {
      return Status::InvalidArgument(shown + ":" + std::to_string(n) + ": " +
                                     rule.status().message());
    }
    excludes_.push_back(std::move(rule).value());
    file_excludes_.push_back(line);
  }
  if (in.bad()) return Status::IoError("cannot read exclude file " + shown + ": read error");
  return Status::Ok();
}

bool PathFilter::LeavesOut(std::string_view rel) const {
  if (ExcludesFile(rel)) return true;
  for (size_t slash = rel.find('/'); slash != std::string_view::npos;
       slash = rel.find('/', slash + 1)) {
    if (ExcludesDirectory(rel.substr(0, slash))) return true;
  }
  return false;
}

bool PathFilter::Matches(const Rule& rule, std::string_view rel, bool is_dir) {
  if (rule.dir_only && !is_dir) return false;
  auto segs = Split(rel);
  if (segs.empty()) return false;
  if (!rule.anchored) {
    // A name rule matches the last component, i.e. the thing itself at any depth.
    return rule.segments.size() == 1 && SegmentMatches(rule.segments[0], segs.back());
  }
  return MatchSegments(rule.segments, 0, segs, 0);
}

bool PathFilter::Excluded(std::string_view rel, bool is_dir) const {
  bool excluded = false;
  for (const Rule& r : excludes_) {
    if (Matches(r, rel, is_dir)) excluded = !r.negate;
  }
  return excluded;
}

bool PathFilter::ExcludesDirectory(std::string_view rel) const { return Excluded(rel, true); }

bool PathFilter::ExcludesFile(std::string_view rel) const {
  if (Excluded(rel, false)) return true;
  if (includes_.empty()) return false;
  for (const Rule& r : includes_) {
    if (Matches(r, rel, false)) return false;
    // A rule naming a directory ("exports/", "2019") includes what is under
    // it, as an exclude rule naming one excludes it.
    for (size_t slash = rel.find('/'); slash != std::string_view::npos;
         slash = rel.find('/', slash + 1)) {
      if (Matches(r, rel.substr(0, slash), true)) return false;
    }
  }
  return true;
}

}  // namespace phiscan::scanner
