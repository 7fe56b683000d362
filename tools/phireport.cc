// phireport: answers questions from a phiscan catalog.
//
//   phireport summary|assets|findings|folders|diff|locate|runs|html|events
//             [--catalog FILE] [--format table|json|jsonl|csv] [options]
//
// The catalog is opened read-only, so a report can run while a scan writes.
// Everything printed comes from the catalog, which holds locators and masked
// shapes only; paths and every other catalog string are escaped on output.
// `locate` takes a value from its user, tokenises it with the key, and
// never prints or stores the value.
//
// Exit status: 0 success, 1 the catalog (or the key) could not be read
// (missing, not a catalog, newer schema, I/O) or the report could not be
// written (a full disk under a redirected standard output), 2 usage error. Errors are one
// line on stderr: "phireport: error: ...".
//
// The field names of every format are a public contract (scripts and SIEM
// pipelines parse them): change them only by adding.
#include <fcntl.h>
#include <fmt/core.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <string>

#include "catalog/catalog.h"
#include "catalog/reader.h"
#include "classifiers/token.h"
#include "common/did_you_mean.h"
#include "common/escape.h"
#include "common/model.h"
#include "tools/html_report.h"
#include "tools/key_file.h"
#include "tools/key_fingerprint.h"
#include "tools/output.h"
#include "tools/subcommand.h"

namespace phiscan::tools {
namespace {

using catalog::CatalogReader;
using nlohmann::json;

constexpr int kExitCatalogError = 1;
constexpr int kExitUsage = 2;

// Every normalisation a rule pack may name (classifiers/rule_pack.h).
constexpr const char* kNormalizations[] = {"digits", "phone", "alnum_upper", "lower", "none"};

struct Options {
  std::string catalog = "./phiscan.db";
  std::string format = "table";
  std::string min_confidence = "low";
  // assets / findings / folders filters
  std::string type;
  std::string label;
  std::string path_prefix;
  bool exposed = false;
  std::string status;
  std::string content;
  // folders
  int depth = 1;
  // diff
  int64_t from = -1;
  int64_t to = -1;
  // locate
  std::string value;
  std::string key;
  // html
  std::string output;
  // events
  int64_t since = 0;
};

void PrintError(std::string_view message) {
  // One line whatever the message quotes (argv, an escaped catalog path).
  std::cerr << "phireport: error: " << TerminalSafe(message) << '\n';
}

int CatalogError(const Status& s) {
  PrintError(s.message());
  return kExitCatalogError;
}

// The bytes a listing's escapes stand for (\\, \n, \t, \r, \xNN: the
// inverse of EscapeBytes); anything else is kept as it is.
std::string UnescapeBytes(std::string_view text) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\' || i + 1 == text.size()) {
      out += text[i];
      continue;
    }
    const char next = text[i + 1];
    if (next == '\\' || next == 'n' || next == 't' || next == 'r') {
      out += next == 'n' ? '\n' : next == 't' ? '\t' : next == 'r' ? '\r' : '\\';
      ++i;
    } else if (next == 'x' && i + 3 < text.size() && hex(text[i + 2]) >= 0 &&
               hex(text[i + 3]) >= 0) {
      out += static_cast<char>(hex(text[i + 2]) * 16 + hex(text[i + 3]));
      i += 3;
    } else {
      out += text[i];
    }
  }
  return out;
}

// A relative --path-prefix as the catalog spells paths: absolute and
// lexically normal from the working directory, as phiscan stores its roots,
// keeping the trailing '/' that limits it to a directory ("notes/" must not
// become a prefix of "notes2").
std::string AbsolutePrefix(const std::string& prefix) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path p = fs::absolute(fs::path(prefix), ec);
  if (ec) return prefix;
  std::string out = p.lexically_normal().string();
  const std::string_view v(prefix);
  auto ends = [&](std::string_view tail) {
    return v.size() >= tail.size() && v.substr(v.size() - tail.size()) == tail;
  };
  const bool dir = ends("/") || v == "." || v == ".." || ends("/.") || ends("/..");
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  if (dir && out != "/") out += '/';
  return out;
}

// A --path-prefix that no asset's path starts with (a relative path, the
// escaped text of a listing, a typo) would read as "nothing here": it is a
// usage error naming the spelling that matches, if there is one. Assets
// marked removed count, so an events feed can still ask about a folder
// that is gone. Returns 0 if some asset has the prefix.
int CheckPathPrefix(CatalogReader& r, const std::string& prefix) {
  auto found = r.HasPathPrefix(prefix);
  if (!found.ok()) return CatalogError(found.status());
  if (*found) return 0;
  std::string hint = " ('phireport runs' lists the scan roots)";
  std::string raw = UnescapeBytes(prefix);
  if (raw != prefix) {
    auto unescaped = r.HasPathPrefix(raw);
    if (!unescaped.ok()) return CatalogError(unescaped.status());
    if (*unescaped) {
      hint = "; the prefix is raw bytes, and a listing's \\n, \\t or \\xNN stand for one byte: "
             "pass the bytes themselves (in bash, $'...')";
    }
  }
  if (prefix[0] != '/') {
    const std::string absolute = AbsolutePrefix(prefix);
    auto relative = r.HasPathPrefix(absolute);
    if (!relative.ok()) return CatalogError(relative.status());
    hint = *relative ? " (paths are absolute: did you mean " + EscapeBytes(absolute) + "?)"
                     : "; paths in the catalog are absolute ('phireport runs' lists the scan "
                       "roots)";
  }
  PrintError("--path-prefix: no asset in this catalog has a path starting with '" +
             EscapeBytes(prefix) + "'" + hint);
  return kExitUsage;
}

// A --type or --label that matches nothing because of a typo or the wrong
// case would read as "nothing sensitive here": both are checked against
// what the catalog knows (a type some run defined; a built-in label or one
// some present asset carries). Returns 0 if they are known, else prints one
// line naming the nearest known names, if any is near, and returns the
// usage exit code.
int CheckFilterNames(CatalogReader& r, const Options& opts) {
  if (!opts.type.empty()) {
    auto defs = r.TypeDefinitions();
    if (!defs.ok()) return CatalogError(defs.status());
    if (!defs->count(opts.type)) {
      std::vector<std::string> ids;
      for (const auto& [id, def] : *defs) ids.push_back(EscapeBytes(id));
      // Not echoed unless it is shaped like a name: a user may have pasted
      // a value (an SSN) where the type id belongs.
      PrintError("--type: no type " + QuoteName(opts.type, "of that name") + " in this catalog" +
                 DidYouMean(NearestNames(opts.type, ids)) +
                 "; 'phiscan rules list' shows the type ids");
      return kExitUsage;
    }
  }
  if (!opts.path_prefix.empty()) {
    if (int rc = CheckPathPrefix(r, opts.path_prefix); rc != 0) return rc;
  }
  if (!opts.label.empty()) {
    std::vector<std::string> known = {"PHI", "PCI", "CREDENTIALS", "PII", "NONE"};
    for (const std::string& l : known) {
      if (opts.label == l) return 0;
    }
    auto found = r.HasLabel(opts.label);
    if (!found.ok()) return CatalogError(found.status());
    if (!*found) {
      // Site packs' labels too: a typo of one should point at it.
      auto labels = r.Labels();
      if (!labels.ok()) return CatalogError(labels.status());
      for (const std::string& l : *labels) {
        if (std::find(known.begin(), known.end(), l) == known.end()) {
          known.push_back(EscapeBytes(l));
        }
      }
      // Likewise a label.
      PrintError("--label: no asset has " +
                 (IsQuotableName(opts.label) ? "label " + QuoteName(opts.label, "")
                                             : std::string("the label given")) +
                 DidYouMean(NearestNames(opts.label, known)) +
                 "; the built-in labels are PHI, PCI, CREDENTIALS, PII and NONE");
      return kExitUsage;
    }
  }
  return 0;
}

// Catalog text (labels, type ids, reasons, masked shapes) as output text:
// valid UTF-8 with no control characters, even from a tampered catalog.
json Text(const std::string& s) { return EscapeBytes(s); }
json TextOrNull(const std::string& s) { return s.empty() ? json(nullptr) : Text(s); }

json IsoTime(int64_t ns) {
  int64_t secs = ns / 1'000'000'000;
  if (ns % 1'000'000'000 < 0) --secs;  // floor, for times before 1970
  return IsoSeconds(secs);
}

// The permission bits as four octal digits, "0640".
std::string ModeText(uint32_t mode) {
  std::string text = "0000";
  for (int i = 3; i >= 0; --i, mode >>= 3) text[i] = static_cast<char>('0' + (mode & 7));
  return text;
}

const std::vector<std::string> kAssetColumns = {
    "path", "member", "status", "reason", "size", "mtime", "label", "types", "mode", "uid", "gid",
    "readable_by", "group_writable", "world_writable", "acl_readers", "exposed", "last_scan_run",
    "format",
    // Added after format: fields are only ever appended.
    "detail", "last_seen_run"};
// An asset's cells in kAssetColumns order, into `cells` (reused per row).
void AssetCells(const catalog::AssetRow& a, std::vector<json>& cells) {
  json types = json::object();
  for (const auto& [type, count] : a.types) types[EscapeBytes(type)] = count;
  cells.clear();
  cells.push_back(PathValue(a.path));
  cells.push_back(OptionalPathValue(a.member));
  cells.push_back(AssetStatusName(a.status));
  cells.push_back(TextOrNull(a.reason));
  cells.push_back(a.size);
  cells.push_back(IsoTime(a.mtime_ns));
  cells.push_back(TextOrNull(a.label));
  cells.push_back(std::move(types));
  cells.push_back(ModeText(a.mode));
  cells.push_back(a.uid);
  cells.push_back(a.gid);
  cells.push_back(Text(a.readable_by));
  cells.push_back(a.group_writable);
  cells.push_back(a.world_writable);
  cells.push_back(a.acl_readers ? json(*a.acl_readers) : json(nullptr));
  cells.push_back(a.exposed);
  cells.push_back(a.last_scan_run);
  cells.push_back(TextOrNull(a.format));
  cells.push_back(TextOrNull(a.detail));
  cells.push_back(a.last_seen_run);
}

json FindingJson(const catalog::FindingRow& f) {
  return {{"path", PathValue(f.path)},
          {"member", OptionalPathValue(f.member)},
          {"type", Text(f.type_id)},
          {"confidence", ConfidenceName(ConfidenceFromScore(f.score))},
          {"score", f.score},
          {"start", f.start},
          {"end", f.end},
          {"line", f.line},
          {"masked", Text(f.masked)}};
}
const std::vector<std::string> kFindingColumns = {"path",  "member", "type", "confidence", "score",
                                                  "start", "end",    "line", "masked"};

int RunAssets(CatalogReader& reader, const catalog::Filter& filter, Format format) {
  RowWriter out(format, std::cout, kAssetColumns);
  std::vector<json> cells;
  Status s = reader.ListAssets(filter, [&](const catalog::AssetRow& a) {
    AssetCells(a, cells);
    out.RowCells(cells);
  });
  out.Finish();
  return s.ok() ? 0 : CatalogError(s);
}

int RunFindings(CatalogReader& reader, const catalog::Filter& filter, Format format) {
  RowWriter out(format, std::cout, kFindingColumns);
  Status s =
      reader.ListFindings(filter, [&](const catalog::FindingRow& f) { out.Row(FindingJson(f)); });
  out.Finish();
  return s.ok() ? 0 : CatalogError(s);
}

json TypeRow(const catalog::TypeCount& t) {
  return {{"type", Text(t.type_id)},
          {"category", Text(t.category)},
          // 0 in the catalog: no Safe Harbor class (a credential, a card).
          {"hipaa_class", t.hipaa_class > 0 ? json(t.hipaa_class) : json(nullptr)},
          {"assets", t.assets},
          {"findings", t.findings}};
}
const std::vector<std::string> kTypeColumns = {"type", "category", "hipaa_class", "assets",
                                               "findings"};

template <typename Map>
void PrintCounts(const char* title, const char* key, const Map& m) {
  std::cout << '\n' << title << '\n';
  if (m.empty()) {
    std::cout << "(none)\n";
    return;
  }
  RowWriter out(Format::kTable, std::cout, {key, "assets"});
  for (const auto& [name, count] : m) {
    out.Row({{key, Text(fmt::format("{}", name))}, {"assets", count}});
  }
}

int RunSummary(CatalogReader& reader, const catalog::Filter& filter, Format format) {
  Result<catalog::Summary> result = reader.GetSummary(filter);
  if (!result.ok()) return CatalogError(result.status());
  const catalog::Summary& s = *result;
  switch (format) {
    case Format::kCsv: {
      RowWriter out(Format::kCsv, std::cout, kTypeColumns);
      for (const auto& t : s.by_type) out.Row(TypeRow(t));
      break;
    }
    case Format::kJson:
    case Format::kJsonl: {
      // ordered_json keeps the documented key order.
      nlohmann::ordered_json obj;
      obj["run_id"] = nullptr;  // null until the catalog has a run
      obj["run_status"] = nullptr;
      if (s.run_id != 0) {
        obj["run_id"] = s.run_id;
        obj["run_status"] = EscapeBytes(s.run_status);
      }
      obj["assets"] = s.assets;
      obj["bytes_scanned"] = s.bytes_scanned;
      obj["findings"] = s.findings;
      obj["sensitive"] = s.sensitive;
      obj["exposed"] = s.exposed;
      obj["removed"] = s.removed;
      auto counts = [](const auto& m) {
        nlohmann::ordered_json o = nlohmann::ordered_json::object();
        for (const auto& [name, count] : m) o[EscapeBytes(fmt::format("{}", name))] = count;
        return o;
      };
      obj["by_status"] = counts(s.by_status);
      obj["by_label"] = counts(s.by_label);
      obj["unlabelled"] = s.unlabelled;
      obj["by_format"] = counts(s.by_format);
      obj["by_category"] = counts(s.by_category);
      obj["by_hipaa_class"] = counts(s.by_hipaa_class);
      obj["by_exposure"] = counts(s.by_exposure);
      nlohmann::ordered_json types = nlohmann::ordered_json::array();
      for (const auto& t : s.by_type) {
        nlohmann::ordered_json row;
        row["type"] = EscapeBytes(t.type_id);
        row["category"] = EscapeBytes(t.category);
        row["hipaa_class"] = t.hipaa_class > 0 ? nlohmann::ordered_json(t.hipaa_class)
                                               : nlohmann::ordered_json(nullptr);
        row["assets"] = t.assets;
        row["findings"] = t.findings;
        types.push_back(std::move(row));
      }
      obj["by_type"] = std::move(types);
      const int indent = format == Format::kJson ? 2 : -1;
      std::cout << obj.dump(indent, ' ', false, nlohmann::ordered_json::error_handler_t::replace)
                << '\n';
      break;
    }
    case Format::kTable: {
      if (s.run_id == 0) {
        std::cout << "run: none recorded\n";
      } else {
        std::cout << "run: " << s.run_id << " (" << EscapeBytes(s.run_status) << ")\n";
      }
      std::cout << "assets: " << s.assets << "\n"
                << "bytes scanned: " << s.bytes_scanned << "\n"
                << "findings: " << s.findings << "\n"
                << "sensitive assets: " << s.sensitive << " (exposed: " << s.exposed << ")\n"
                << "removed assets: " << s.removed << "\n";
      PrintCounts("coverage by status", "status", s.by_status);
      PrintCounts("labels", "label", s.by_label);
      if (s.unlabelled > 0) {
        std::cout << "not labelled (none of their content read; see coverage): " << s.unlabelled
                  << "\n";
      }
      PrintCounts("content read as", "format", s.by_format);
      PrintCounts("categories", "category", s.by_category);
      PrintCounts("HIPAA identifier classes", "class", s.by_hipaa_class);
      PrintCounts("sensitive assets readable by", "readers", s.by_exposure);
      std::cout << "\ntypes\n";
      if (s.by_type.empty()) {
        std::cout << "(none)\n";
      } else {
        RowWriter out(Format::kTable, std::cout, kTypeColumns);
        for (const auto& t : s.by_type) out.Row(TypeRow(t));
      }
      break;
    }
  }
  return 0;
}

json FolderJson(const catalog::FolderRow& f) {
  return {{"folder", PathValue(f.folder)},
          {"risk", f.risk},
          {"top_label", TextOrNull(f.top_label)},
          {"assets", f.assets},
          {"sensitive", f.sensitive},
          {"exposed", f.exposed},
          {"findings", f.findings},
          {"gaps", f.gaps}};
}

int RunFolders(CatalogReader& reader, const catalog::Filter& filter, int depth, Format format) {
  auto folders = reader.Folders(depth, filter);
  if (!folders.ok()) return CatalogError(folders.status());
  RowWriter out(
      format, std::cout,
      {"folder", "risk", "top_label", "assets", "sensitive", "exposed", "findings", "gaps"});
  for (const auto& f : *folders) out.Row(FolderJson(f));
  return 0;
}

int RunDiff(CatalogReader& reader, int64_t from, int64_t to, Format format) {
  // Runs are checked before any output, so an error is the only output.
  std::map<int64_t, std::string> status_of;
  Status listed =
      reader.ListRuns([&](const catalog::RunRow& r) { status_of[r.id] = r.status; });
  if (!listed.ok()) return CatalogError(listed);
  for (const auto& [flag, id] : {std::pair<const char*, int64_t>{"--from", from}, {"--to", to}}) {
    if (id > 0 && !status_of.count(id)) {
      // Below the oldest run kept, it was pruned: its state is gone.
      const int64_t oldest = status_of.empty() ? 0 : status_of.begin()->first;
      PrintError(id < oldest
                     ? fmt::format("{}: run {} was pruned (the oldest run kept is {}; --from 0 "
                                   "compares against nothing)",
                                   flag, id, oldest)
                     : fmt::format("{}: no run {} in this catalog ('phireport runs' lists them)",
                                   flag, id));
      return kExitUsage;
    }
  }
  if (to >= 0 && from < 0) {
    // --to alone: against the last completed run before it (0: nothing).
    from = 0;
    for (const auto& [id, status] : status_of) {
      if (id < to && status == "completed") from = id;
    }
  } else if (from < 0 || to < 0) {
    auto runs = reader.DefaultDiffRuns();
    if (!runs.ok()) return CatalogError(runs.status());
    if (to < 0) to = runs->second;
    if (from < 0) from = runs->first;
  }
  if (from >= to) {
    PrintError(fmt::format("--from ({}) must be an earlier run than --to ({})", from, to));
    return kExitUsage;
  }
  // Against nothing (--from 0, or the only completed run) after prune:
  // what the pruned runs recorded is history at the oldest kept run, so it
  // would read as just found there.
  if (const int64_t oldest = status_of.empty() ? 0 : status_of.begin()->first;
      from < oldest && oldest > 1) {
    std::cerr << fmt::format(
        "phireport: warning: runs up to {} were pruned; what they recorded shows as added in "
        "run {}, not found then\n",
        oldest - 1, oldest);
  }
  RowWriter out(format, std::cout,
                {"change", "path", "member", "label_before", "label_after", "exposed_before",
                 "exposed_after", "from_run", "to_run", "status_before", "status_after",
                 // Added after status_after: fields are only ever appended.
                 "readable_by_before", "readable_by_after"});
  Status s = reader.Diff(from, to, [&](const catalog::DiffRow& d) {
    out.Row({{"change", d.change},
             {"path", PathValue(d.path)},
             {"member", OptionalPathValue(d.member)},
             {"label_before", TextOrNull(d.label_before)},
             {"label_after", TextOrNull(d.label_after)},
             // Nothing before an added asset, nothing after a removed one.
             {"exposed_before", d.change == "added" ? json(nullptr) : json(d.exposed_before)},
             {"exposed_after", d.change == "removed" ? json(nullptr) : json(d.exposed_after)},
             {"from_run", from},
             {"to_run", to},
             {"status_before",
              d.change == "added" ? json(nullptr) : json(AssetStatusName(d.status_before))},
             {"status_after",
              d.change == "removed" ? json(nullptr) : json(AssetStatusName(d.status_after))},
             {"readable_by_before", TextOrNull(d.readable_by_before)},
             {"readable_by_after", TextOrNull(d.readable_by_after)}});
  });
  out.Finish();
  if (!s.ok()) {
    if (s.code() == StatusCode::kInvalidArgument) {
      PrintError(s.message());
      return kExitUsage;
    }
    return CatalogError(s);
  }
  return 0;
}

int RunRuns(CatalogReader& reader, Format format) {
  RowWriter out(
      format, std::cout,
      {"run", "started", "finished", "status", "roots", "rules_version", "host", "user", "pid",
       "assets", "unchanged", "bytes_scanned", "findings", "gaps", "removed", "filters"});
  Status s = reader.ListRuns([&](const catalog::RunRow& r) {
    // roots_json was written by the writer from escaped roots; a tampered
    // value is shown as escaped text rather than trusted.
    json roots = json::parse(r.roots_json, nullptr, false);
    if (roots.is_discarded() || !roots.is_array()) roots = Text(r.roots_json);
    // The run's --include/--exclude (a job's too), which decide what it
    // marked removed; null without any. Escaped by the writer, as roots.
    json filters = nullptr;
    const json options = json::parse(r.options_json, nullptr, false);
    if (options.is_object()) {
      for (const char* key : {"include", "exclude", "exclude_from"}) {
        const auto it = options.find(key);
        if (it == options.end() || (it->is_array() && it->empty())) continue;
        if (filters.is_null()) filters = json::object();
        filters[key] =
            it->is_string() || it->is_array() || it->is_object() ? *it : Text(it->dump());
      }
    }
    out.Row({{"run", r.id},
             {"started", IsoSeconds(r.started_at)},
             {"finished", r.finished_at ? IsoSeconds(*r.finished_at) : json(nullptr)},
             {"status", Text(r.status)},
             {"roots", roots},
             {"rules_version", Text(r.rules_version)},
             {"host", Text(r.host)},
             {"user", Text(r.user)},
             {"pid", r.pid},
             {"assets", r.assets},
             {"unchanged", r.unchanged},
             {"bytes_scanned", r.bytes_scanned},
             {"findings", r.findings},
             {"gaps", r.gaps},
             {"removed", r.removed},
             {"filters", filters}});
  });
  out.Finish();
  return s.ok() ? 0 : CatalogError(s);
}

// Reads the value for locate: the argument, or the one line of standard
// input for "-" (keeps it out of the process list and shell history). A
// second line that is not empty is an error ("" and `error` set): a list
// of values would otherwise be looked up by its first alone. At a
// terminal it asks for the value on stderr and reads it without echo, as a
// password prompt does, and drops what was typed or pasted after it (the
// shell would run a pasted second identifier as a command, into its
// history).
std::optional<std::string> LocateValue(const std::string& arg, std::string* error) {
  if (arg != "-") return arg;
  const bool terminal = isatty(STDIN_FILENO);
  struct termios saved;
  const bool silent = terminal && tcgetattr(STDIN_FILENO, &saved) == 0;
  if (silent) {
    struct termios no_echo = saved;
    no_echo.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(STDIN_FILENO, TCSANOW, &no_echo);  // what was typed ahead stays
  }
  if (terminal) std::cerr << "value to locate: " << std::flush;
  std::string line;
  const bool got = static_cast<bool>(std::getline(std::cin, line));
  if (silent) tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);  // and drops the rest
  if (terminal) std::cerr << "\n";
  if (!got) return std::nullopt;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (terminal) return line;
  for (std::string more; std::getline(std::cin, more);) {
    if (more.find_first_not_of(" \t\r") != std::string::npos) {
      *error =
          "--value -: standard input holds more than one line; locate looks up one value "
          "(run it once per value)";
      return std::nullopt;
    }
  }
  return line;
}

// The catalog locates the first occurrences of each type in a file (the
// scan's locator cap): a file with more values of a type than it
// located may hold the value among the rest, which neither a short answer
// nor an empty one says. Names those files on stderr, for the types the
// value was found as and `type` (or counts them, for any type, when there
// is neither); `found_at` (path, member, type) are already answered.
Status NoteUnlocated(CatalogReader& reader, const std::set<std::string>& found_types,
                     const std::set<std::tuple<std::string, std::string, std::string>>& found_at,
                     const std::string& type) {
  std::vector<std::string> types(found_types.begin(), found_types.end());
  if (!type.empty() && !found_types.contains(type)) types.push_back(type);
  std::vector<std::string> files;
  std::set<std::string> file_types;
  std::set<std::pair<std::string, std::string>> seen;
  Status s = reader.ListUnlocated(types, [&](const catalog::UnlocatedRow& u) {
    const std::string member = u.member.value_or("");
    if (found_at.contains({u.path, member, u.type_id})) return;
    file_types.insert(u.type_id);
    if (!seen.emplace(u.path, member).second) return;
    files.push_back(EscapeBytes(u.path) +
                    (u.member ? " (member " + EscapeBytes(*u.member) + ")" : std::string()));
  });
  if (!s.ok() || files.empty()) return s;
  const std::string cap = "it keeps the first occurrences of each type per file";
  const std::string holds =
      std::to_string(files.size()) + (files.size() == 1 ? " file holds" : " files hold");
  if (types.empty()) {
    std::cerr << "phireport: note: " << holds << " more values of a type than the catalog locates ("
              << cap << "); give --type TYPE to list those that may hold this value\n";
    return Status::Ok();
  }
  std::string names;
  for (const std::string& t : file_types) names += (names.empty() ? "" : ", ") + EscapeBytes(t);
  std::cerr << "phireport: note: " << holds << " more " << names
            << " values than the catalog locates (" << cap << "), so this value may also be in "
            << (files.size() == 1 ? "it" : "them") << ", beyond what was located:\n";
  constexpr size_t kShown = 20;
  for (size_t i = 0; i < files.size() && i < kShown; ++i) {
    std::cerr << "  " << TerminalSafe(files[i]) << '\n';
  }
  if (files.size() > kShown) std::cerr << "  and " << files.size() - kShown << " more\n";
  return Status::Ok();
}

int RunLocate(CatalogReader& reader, const Options& opts, Format format) {
  std::string error;
  auto value = LocateValue(opts.value, &error);
  if (!value || value->empty()) {
    PrintError(error.empty() ? "--value is empty" : error);
    return kExitUsage;
  }
  const std::string key_path = opts.key.empty() ? opts.catalog + ".key" : opts.key;
  auto key = tools::LoadTokenKey(key_path);
  if (!key.ok()) {
    if (key.status().code() == StatusCode::kNotFound && opts.key.empty()) {
      // A scan run with --key FILE kept its key elsewhere.
      PrintError(key.status().message() + " (if the scans used --key FILE, pass the same --key)");
      return kExitCatalogError;
    }
    return CatalogError(key.status());
  }
  auto ids = reader.KeyIds();
  if (!ids.ok()) return CatalogError(ids.status());
  const std::string fingerprint = KeyFingerprint(*key);
  if (!ids->empty() && std::find(ids->begin(), ids->end(), fingerprint) == ids->end()) {
    PrintError("key " + EscapeBytes(key_path) +
               " is not the key this catalog's runs used; its tokens would match nothing");
    return kExitCatalogError;
  }
  auto defs = reader.TypeDefinitions();
  if (!defs.ok()) return CatalogError(defs.status());

  // With a type, its own normalisation (any if the catalog does not know
  // it); without, every normalisation, each limited to the types that use
  // it, so "123-45-6789" finds an SSN and "Jane@X.org" an email.
  std::vector<catalog::TokenQuery> queries;
  std::set<std::string> modes;
  auto add = [&](const std::string& mode, const std::string& type) {
    catalog::TokenQuery q;
    q.token = key->Tokenize(classifiers::NormalizeValue(*value, mode));
    q.type_id = type;
    queries.push_back(q);
  };
  if (!opts.type.empty()) {
    auto it = defs->find(opts.type);
    if (it != defs->end() && !it->second.normalize.empty()) {
      add(it->second.normalize, opts.type);
    } else {
      for (const char* mode : kNormalizations) add(mode, opts.type);
    }
  } else {
    bool unknown = defs->empty();
    for (const auto& [id, def] : *defs) {
      if (def.normalize.empty()) {
        unknown = true;
      } else {
        add(def.normalize, id);
      }
    }
    // Types recorded without their normalisation (older catalogs): try all.
    if (unknown) {
      for (const char* mode : kNormalizations) add(mode, "");
    }
  }
  // Findings tokenised with another key (a scan with --key FILE, a key
  // replaced since) cannot match: an empty answer would be a false "not
  // present", so it is an error, and a partial one says what it left out.
  auto other_keys = reader.FindingsUnderOtherKeys(fingerprint);
  if (!other_keys.ok()) return CatalogError(other_keys.status());
  const std::string unsearched = "some assets' findings were made with a key other than " +
                                 EscapeBytes(key_path) + " and cannot be searched with it" +
                                 " (pass the key their scans used with --key)";
  // The listing starts with its first row: when nothing is found the
  // answer may be the error below, and an error is the only output (no
  // table header or empty JSON array before it).
  std::optional<RowWriter> out;
  std::set<std::string> found_types;
  std::set<std::tuple<std::string, std::string, std::string>> found_at;
  Status s = reader.FindByTokens(queries, [&](const catalog::FindingRow& f) {
    if (!out) out.emplace(format, std::cout, kFindingColumns);
    out->Row(FindingJson(f));
    found_types.insert(f.type_id);
    found_at.emplace(f.path, f.member.value_or(""), f.type_id);
  });
  if (out) out->Finish();
  if (!s.ok()) return CatalogError(s);
  if (Status note = NoteUnlocated(reader, found_types, found_at, opts.type); !note.ok()) {
    return CatalogError(note);
  }
  if (*other_keys && !out) {
    PrintError("nothing found, but " + unsearched);
    return kExitCatalogError;
  }
  if (!out) RowWriter(format, std::cout, kFindingColumns).Finish();  // an empty listing
  if (*other_keys) std::cerr << "phireport: warning: " << TerminalSafe(unsearched) << '\n';
  return 0;
}

int RunEvents(CatalogReader& reader, catalog::Filter filter, int64_t since, Format format) {
  std::map<int64_t, catalog::RunRow> runs;
  Status s = reader.ListRuns([&](const catalog::RunRow& r) { runs[r.id] = r; });
  if (!s.ok()) return CatalogError(s);
  // A run this catalog never reached (a feed's saved id after the catalog
  // was recreated, a typo) would silence the feed until the catalog caught
  // up with it. A pruned run below the latest is fine: ids only grow. (A
  // negative id is refused with the option.)
  if (since > 0 && (runs.empty() || since > runs.rbegin()->first)) {
    PrintError(fmt::format("--since: no run {} in this catalog (its latest run is {}; "
                           "'phireport runs' lists them)",
                           since, runs.empty() ? 0 : runs.rbegin()->first));
    return kExitUsage;
  }
  // A pruned run's history is gone: what changed after it, up to the oldest
  // run kept (a removal, a file no longer sensitive), cannot be told.
  if (since > 0 && since < runs.begin()->first) {
    std::cerr << fmt::format(
        "phireport: warning: --since {}: runs up to {} were pruned; what changed in them "
        "(removals, files no longer sensitive or exposed) is not in this feed\n",
        since, runs.begin()->first - 1);
  }
  auto defs = reader.TypeDefinitions();
  if (!defs.ok()) return CatalogError(defs.status());
  filter.sensitive_only = true;
  RowWriter out(format, std::cout,
                {"event",
                 "schema",
                 "time",
                 "run_id",
                 "scan_run_id",
                 "host",
                 "path",
                 "member",
                 "label",
                 "label_rule",
                 "max_confidence",
                 "max_score",
                 "types",
                 "categories",
                 "hipaa_classes",
                 "readable_by",
                 "exposed",
                 "group_writable",
                 "world_writable",
                 "acl_readers",
                 "mode",
                 "uid",
                 "gid",
                 "size",
                 "mtime",
                 "status",
                 "reason",
                 // asset_change events only (schema 1: fields are only added)
                 "change",
                 "label_before",
                 // Added after label_before; sensitive_asset events only.
                 "detail"});
  // A container labelled by its members has no type of its own: its event
  // carries its members' (a SIEM rule on categories or confidence skipped a
  // PHI zip), looked up once the listing is done.
  std::vector<catalog::AssetRow> containers;
  auto event = [&](const catalog::AssetRow& a, const std::map<std::string, uint64_t>& type_counts,
                   int max_score) {
    json types = json::object();
    std::set<std::string> categories;
    std::set<int> classes;
    for (const auto& [type, count] : type_counts) {
      types[EscapeBytes(type)] = count;
      auto it = defs->find(type);
      if (it != defs->end()) {
        categories.insert(EscapeBytes(it->second.category));
        if (it->second.hipaa_class > 0) classes.insert(it->second.hipaa_class);
      }
    }
    auto run = runs.find(a.last_seen_run);
    json time = nullptr;
    json host = nullptr;
    if (run != runs.end()) {
      time = IsoSeconds(run->second.finished_at.value_or(run->second.started_at));
      host = Text(run->second.host);
    }
    out.Row({{"event", "phiscan.sensitive_asset"},
             {"schema", 1},
             {"time", time},
             {"run_id", a.last_seen_run},
             {"scan_run_id", a.last_scan_run},
             {"host", host},
             {"path", PathValue(a.path)},
             {"member", OptionalPathValue(a.member)},
             {"label", Text(a.label)},
             {"label_rule", TextOrNull(a.label_rule)},
             {"max_confidence",
              max_score > 0 ? json(ConfidenceName(ConfidenceFromScore(max_score))) : json(nullptr)},
             {"max_score", max_score},
             {"types", std::move(types)},
             {"categories", categories},
             {"hipaa_classes", classes},
             {"readable_by", Text(a.readable_by)},
             {"exposed", a.exposed},
             {"group_writable", a.group_writable},
             {"world_writable", a.world_writable},
             {"acl_readers", a.acl_readers ? json(*a.acl_readers) : json(nullptr)},
             {"mode", ModeText(a.mode)},
             {"uid", a.uid},
             {"gid", a.gid},
             {"size", a.size},
             {"mtime", IsoTime(a.mtime_ns)},
             {"status", AssetStatusName(a.status)},
             {"reason", TextOrNull(a.reason)},
             {"detail", TextOrNull(a.detail)}});
  };
  s = reader.ListAssets(filter, [&](const catalog::AssetRow& a) {
    if (a.last_scan_run <= since) return;
    if (a.types.empty() && a.label_rule == "members") {
      containers.push_back(a);
      return;
    }
    event(a, a.types, a.max_score);
  });
  for (size_t i = 0; s.ok() && i < containers.size(); ++i) {
    const catalog::AssetRow& c = containers[i];
    // Its members: the same path, and below its own member name if nested.
    const std::string below = c.member ? *c.member + "!" : "";
    catalog::Filter members = filter;
    members.path_prefix = c.path;
    members.sensitive_only = false;
    std::map<std::string, uint64_t> types;
    int max_score = 0;
    s = reader.ListAssets(members, [&](const catalog::AssetRow& m) {
      if (m.path != c.path || !m.member || !m.member->starts_with(below)) return;
      for (const auto& [type, count] : m.types) types[type] += count;
      max_score = std::max(max_score, m.max_score);
    });
    if (s.ok()) event(c, types, max_score);
  }
  // An incremental feed also says what stopped being a concern since run
  // `since`: assets removed, no longer sensitive or no longer exposed as of
  // the latest run (what `diff --from since` lists), under --path-prefix.
  if (s.ok() && since > 0 && !runs.empty() && runs.rbegin()->first > since) {
    const auto& latest = runs.rbegin()->second;
    s = reader.Diff(since, latest.id, [&](const catalog::DiffRow& d) {
      if (d.change != "removed" && d.change != "no_longer_sensitive" &&
          d.change != "no_longer_exposed") {
        return;
      }
      if (d.path.compare(0, filter.path_prefix.size(), filter.path_prefix) != 0) return;
      out.Row({{"event", "phiscan.asset_change"},
               {"schema", 1},
               {"time", IsoSeconds(latest.finished_at.value_or(latest.started_at))},
               {"run_id", latest.id},
               {"host", Text(latest.host)},
               {"path", PathValue(d.path)},
               {"member", OptionalPathValue(d.member)},
               {"label", TextOrNull(d.label_after)},
               {"exposed", d.change == "removed" ? json(nullptr) : json(d.exposed_after)},
               {"change", d.change},
               {"label_before", TextOrNull(d.label_before)}});
    });
  }
  out.Finish();
  return s.ok() ? 0 : CatalogError(s);
}

int RunHtml(CatalogReader& reader, const catalog::Filter& filter, const Options& opts) {
  const bool to_stdout = opts.output == "-";
  if (!to_stdout &&
      (tools::IsCatalogFile(opts.output, opts.catalog, opts.key) ||
       tools::IsCatalogFile(opts.output + ".tmp", opts.catalog, opts.key))) {
    PrintError("-o " + EscapeBytes(opts.output) +
               " is one of the catalog's own files; choose another name");
    return kExitUsage;
  }
  // The page replaces a regular file by rename; a device, FIFO, socket or
  // symbolic link there would be replaced, not written to.
  struct stat existing;
  if (!to_stdout && lstat(opts.output.c_str(), &existing) == 0 && !S_ISREG(existing.st_mode)) {
    PrintError("-o " + EscapeBytes(opts.output) +
               " exists and is not a regular file; choose another name (or - for standard output)");
    return kExitUsage;
  }
  auto gathered = GatherHtmlReportData(reader, filter, opts.depth);
  if (!gathered.ok()) return CatalogError(gathered.status());
  HtmlReportData& data = *gathered;
  data.catalog_display = EscapeBytes(opts.catalog);
  data.generated_at = IsoSeconds(std::time(nullptr)).get<std::string>();

  std::ostringstream page;
  WriteHtmlReport(page, data);
  const std::string text = page.str();
  if (to_stdout) {  // main's FlushStandardOutput says if it arrived
    std::cout << text;
    return 0;
  }
  // Written to a temporary name and renamed, so a reader never sees half a
  // report. Mode 0600 like everything else phiscan writes: the report says
  // where PHI lives. O_EXCL|O_NOFOLLOW: never through a planted link.
  const std::string tmp = opts.output + ".tmp";
  unlink(tmp.c_str());
  const int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    // Named as the user gave it (a missing folder, no write permission):
    // the temporary name is ours, and is told only when it is in the way
    // (a directory of that name, which unlink left).
    const int err = errno;
    PrintError("cannot create " + EscapeBytes(opts.output) + ": " + std::strerror(err) +
               (err == EEXIST ? " (" + EscapeBytes(tmp) + " is in the way)" : ""));
    return kExitCatalogError;
  }
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  const bool ok = done == text.size() && fsync(fd) == 0;
  close(fd);
  if (!ok || std::rename(tmp.c_str(), opts.output.c_str()) != 0) {
    const int err = errno;
    unlink(tmp.c_str());
    PrintError("cannot write " + EscapeBytes(opts.output) + ": " + std::strerror(err));
    return kExitCatalogError;
  }
  return 0;
}

void AddCatalogOption(CLI::App* sub, Options* opts) {
  sub->add_option("--catalog", opts->catalog, "catalog file written by phiscan; opened read-only")
      ->capture_default_str()
      ->type_name("FILE");
}

void AddFormatOption(CLI::App* sub, Options* opts) {
  sub->add_option("--format", opts->format,
                  "output format: table (for reading), json (one document), jsonl (one JSON "
                  "object per line) or csv (RFC 4180; cells starting = + - @ get a ' prefix)")
      ->capture_default_str()
      ->type_name("FORMAT")
      ->check(tools::OneOf({"table", "json", "jsonl", "csv"}));
}

void AddConfidenceOption(CLI::App* sub, Options* opts) {
  sub->add_option("--min-confidence", opts->min_confidence,
                  "count a type in an asset only when its best finding reaches this confidence "
                  "(then with all its occurrences; findings: each finding by its own score): "
                  "low (score 1+), medium (75+) or high (85+)")
      ->capture_default_str()
      ->type_name("LEVEL")
      ->check(tools::OneOf({"low", "medium", "high"}));
}

void AddAssetFilters(CLI::App* sub, Options* opts) {
  sub->add_option("--type", opts->type, "only assets with this type id, e.g. US_SSN")
      ->type_name("TYPE");
  sub->add_option("--label", opts->label,
                  "only assets with this label: PHI, PCI, CREDENTIALS, PII, NONE or a site "
                  "pack's label")
      ->type_name("LABEL");
  sub->add_option("--path-prefix", opts->path_prefix,
                  "only assets whose path starts with these bytes (absolute, raw bytes: a "
                  "listing's \\n or \\xNN is passed as the byte itself); a prefix no asset has "
                  "is a usage error")
      ->type_name("PREFIX");
  sub->add_flag("--exposed", opts->exposed,
                "only sensitive assets readable by everyone or writable by group or others");
  sub->add_option("--status", opts->status,
                  "only assets with this coverage status: complete, partial, encrypted, skipped, "
                  "unreadable, vanished, changed_during_scan, special, loop")
      ->type_name("STATUS")
      ->check(tools::OneOf({"complete", "partial", "encrypted", "skipped", "unreadable", "vanished",
                            "changed_during_scan", "special", "loop"}));
  std::vector<std::string> formats(kAssetFormats.begin(), kAssetFormats.end());
  std::string names;
  for (const auto& f : formats) names += (names.empty() ? "" : ", ") + f;
  sub->add_option("--content", opts->content,
                  "only assets whose content was read as this format (the format field): " + names)
      ->type_name("FORMAT")
      ->check(tools::OneOf(formats));
}

int Main(int argc, char** argv) {
  CLI::App app{
      "Reports from a phiscan catalog: where sensitive data is, how sure, who can read it, "
      "what changed and what was not fully scanned. The catalog is opened read-only.",
      "phireport"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "phireport 0.1.0");
  app.footer(
      "Run 'phireport SUBCOMMAND --help' for the options of each report.\n"
      "Exit status: 0 success, 1 the catalog could not be read or the report could not be "
      "written, 2 usage error.");
  Options opts;
  CLI::App* summary = app.add_subcommand(
      "summary",
      "Latest run, totals, coverage by status, assets by label, category and HIPAA class, "
      "exposure of sensitive assets, and per-type counts (csv: the per-type rows).");
  CLI::App* assets = app.add_subcommand(
      "assets",
      "One row per present asset: path, member, status, reason, size, mtime, label, types "
      "(type -> count), mode, uid, gid, readable_by, group_writable, world_writable, "
      "acl_readers, exposed, last_scan_run, format (what it was read as: text, pdf, sqlite, "
      "archive...), detail (why an asset was not fully scanned, in words), last_seen_run. Above "
      "--min-confidence low, only assets with a finding at that level (or a container with a "
      "member that has one).");
  CLI::App* findings = app.add_subcommand(
      "findings",
      "One row per located finding: path, member, type, confidence, score, start, end, line, "
      "masked (shape only; values are never stored).");
  CLI::App* folders = app.add_subcommand(
      "folders",
      "Roll-up by folder, riskiest first: folder, risk, top_label, assets, sensitive, exposed, "
      "findings, gaps.");
  CLI::App* diff = app.add_subcommand(
      "diff",
      "What changed between two runs (default: the last two completed): assets added, "
      "removed, changed, with another coverage status (coverage_changed: e.g. no longer "
      "readable), that became or stopped being sensitive, newly or no longer exposed, "
      "read again with other findings (findings_changed), or whose permissions, owner or ACL "
      "changed (access_changed, with readable_by_before and readable_by_after).");
  CLI::App* locate = app.add_subcommand(
      "locate",
      "Every located finding of one identifier: computes its keyed token with the key file "
      "and looks the token up. The value is never printed or stored.");
  CLI::App* runs = app.add_subcommand("runs", "Scan history, newest first.");
  CLI::App* html = app.add_subcommand(
      "html", "Write one self-contained HTML report (charts, riskiest folders, exposure).");
  CLI::App* events = app.add_subcommand(
      "events",
      "One JSON event per sensitive asset for a SIEM (default format jsonl): type counts, "
      "label, exposure, run id, and why one was not fully scanned (status, reason, detail).");

  for (CLI::App* sub : {summary, assets, findings, folders, diff, locate, runs, html, events}) {
    AddCatalogOption(sub, &opts);
  }
  for (CLI::App* sub : {summary, assets, findings, folders, diff, locate, runs, events}) {
    AddFormatOption(sub, &opts);
  }
  for (CLI::App* sub : {summary, assets, findings, folders, html, events}) {
    AddConfidenceOption(sub, &opts);
  }
  for (CLI::App* sub : {assets, folders, events}) AddAssetFilters(sub, &opts);
  findings->add_option("--type", opts.type, "only findings of this type id")->type_name("TYPE");
  findings
      ->add_option("--path-prefix", opts.path_prefix,
                   "only findings in assets whose path starts with these bytes (absolute, raw "
                   "bytes); a prefix no asset has is a usage error")
      ->type_name("PREFIX");
  for (CLI::App* sub : {folders, html}) {
    sub->add_option("--depth", opts.depth,
                    "folder levels below each scan root to roll up to (0 = the root itself)")
        ->capture_default_str()
        ->check(tools::WholeNumber(0, 64))
        ->type_name("N");
  }
  // A run id: digits only, so that `--from abc` and `--from -1` (a typo,
  // not "the default") say what a run id is, not CLI11's "Could not convert".
  auto run_id = [](bool zero) {
    return CLI::Validator(
        [zero](std::string& text) -> std::string {
          const bool digits =
              !text.empty() && text.size() <= 18 && text.find_first_not_of("0123456789") ==
                                                        std::string::npos;
          if (digits && (zero || std::stoll(text) >= 1)) return "";
          return QuoteNumberValue(text) + " is no run id: a run id is 1 or more" +
                 (zero ? ", or 0 for before the first run" : "") + " ('phireport runs' lists them)";
        },
        "");  // the options' type name is RUN
  };
  diff->add_option("--from", opts.from,
                   "earlier run id (default: second-to-last completed run; 0: before the first "
                   "run, so everything is added)")
      ->check(run_id(true))
      ->type_name("RUN");
  diff->add_option("--to", opts.to, "later run id (default: last completed run)")
      ->check(run_id(false))
      ->type_name("RUN");
  locate
      ->add_option("--value", opts.value,
                   "the identifier to look for; - reads one line from standard input "
                   "(keeps it out of the process list)")
      ->required()
      ->type_name("VALUE");
  locate
      ->add_option("--type", opts.type,
                   "only this type id (uses its normalisation); default: every type")
      ->type_name("TYPE");
  locate->add_option("--key", opts.key, "token key file (default: CATALOG.key)")->type_name("FILE");
  html->add_option("-o,--output", opts.output,
                   "HTML file to write (mode 0600), or - for standard output")
      ->required()
      ->type_name("FILE");
  events
      ->add_option("--since", opts.since,
                   "only assets classified by a run after this run id (for incremental feeds); "
                   "a run later than the catalog's latest is a usage error")
      ->check(run_id(true))
      ->type_name("RUN");
  events->get_option("--format")->default_str("jsonl");
  opts.format = "table";

  tools::OneValueEach(&app);
  RejectEmptyValues(&app);

  if (std::string unknown = UnknownSubcommand(app, argc, argv, "report"); !unknown.empty()) {
    PrintError(unknown);
    return kExitUsage;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help arrives as a "successful" parse error and prints to stdout.
    if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) return app.exit(e);
    // locate's arguments are a value to look for: a passphrase or a name
    // typed unquoted is not echoed, digits or not.
    PrintError(UsageErrorText(e, app, locate->parsed()) + tools::SeeHelp(app));
    return kExitUsage;
  }
  if (events->parsed() && events->get_option("--format")->count() == 0) opts.format = "jsonl";

  // Validated by the option checks above.
  const Format format = *ParseFormat(opts.format);
  catalog::Filter filter;
  filter.min_score = MinScoreFor(*ParseConfidence(opts.min_confidence));
  filter.type_id = opts.type;
  filter.label = opts.label;
  filter.path_prefix = opts.path_prefix;
  filter.exposed_only = opts.exposed;
  if (!opts.status.empty()) filter.status = ParseAssetStatus(opts.status);
  filter.format = opts.content;

  auto reader = CatalogReader::Open(opts.catalog);
  if (!reader.ok()) return CatalogError(reader.status());
  CatalogReader& r = **reader;
  // Every report reads one moment of the catalog, however many queries it
  // makes while a scan commits (its totals, rows and events agree).
  CatalogReader::Snapshot snapshot(r);
  if (!snapshot.status().ok()) return CatalogError(snapshot.status());
  if (int rc = CheckFilterNames(r, opts); rc != 0) return rc;
  if (summary->parsed()) return RunSummary(r, filter, format);
  if (assets->parsed()) return RunAssets(r, filter, format);
  if (findings->parsed()) return RunFindings(r, filter, format);
  if (folders->parsed()) return RunFolders(r, filter, opts.depth, format);
  if (diff->parsed()) return RunDiff(r, opts.from, opts.to, format);
  if (locate->parsed()) return RunLocate(r, opts, format);
  if (runs->parsed()) return RunRuns(r, format);
  if (html->parsed()) return RunHtml(r, filter, opts);
  return RunEvents(r, filter, opts.since, format);
}

}  // namespace
}  // namespace phiscan::tools

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  try {
    const int rc = phiscan::tools::Main(argc, argv);
    // A report redirected to a full disk is cut short: say so, never exit 0.
    if (phiscan::Status s = phiscan::tools::FlushStandardOutput(); !s.ok()) {
      phiscan::tools::PrintError(s.message());
      return rc != 0 ? rc : phiscan::tools::kExitCatalogError;
    }
    return rc;
  } catch (const std::exception& e) {
    // Last resort (allocation failure, a broken stream); never a stack trace.
    phiscan::tools::PrintError(e.what());
    return phiscan::tools::kExitCatalogError;
  }
}
