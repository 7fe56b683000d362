// phireport: answers questions from a phiscan catalog.
//
//   phireport summary|assets|findings [--catalog FILE] [--format F] [--min-confidence C]
//
// The catalog is opened read-only, so a report can run while a scan writes.
// Everything printed comes from the catalog, which holds locators and masked
// shapes only; paths and every other catalog string are escaped on output.
//
// Exit status: 0 success, 1 the catalog could not be read (missing, not a
// catalog, newer schema, I/O), 2 usage error. Errors are one line on stderr:
// "phireport: error: ...".
//
// The field names of every format are a public contract (scripts and SIEM
// pipelines parse them): change them only by adding.
#include <CLI/CLI.hpp>
#include <ctime>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "catalog/reader.h"
#include "common/escape.h"
#include "common/model.h"
#include "tools/output.h"

namespace phiscan::tools {
namespace {

using catalog::CatalogReader;
using nlohmann::json;

constexpr int kExitCatalogError = 1;
constexpr int kExitUsage = 2;

struct Options {
  std::string catalog = "./phiscan.db";
  std::string format = "table";
  std::string min_confidence = "low";
};

void PrintError(std::string_view message) {
  // One line whatever the message quotes (argv, an escaped catalog path).
  std::cerr << "phireport: error: " << TerminalSafe(message) << '\n';
}

// Catalog text (labels, type ids, reasons, masked shapes) as output text:
// valid UTF-8 with no control characters, even from a tampered catalog.
json Text(const std::string& s) { return EscapeBytes(s); }
json TextOrNull(const std::string& s) { return s.empty() ? json(nullptr) : Text(s); }

// "2026-11-29T21:33:13Z"; null if the time cannot be represented.
json IsoTime(int64_t ns) {
  int64_t secs = ns / 1'000'000'000;
  if (ns % 1'000'000'000 < 0) --secs;  // floor, for times before 1970
  const time_t t = static_cast<time_t>(secs);
  tm utc{};
  if (gmtime_r(&t, &utc) == nullptr) return nullptr;
  char buf[64];
  if (std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &utc) == 0) return nullptr;
  return std::string(buf);
}

int RunAssets(CatalogReader& reader, const catalog::Filter& filter, Format format) {
  RowWriter out(format, std::cout,
                {"path", "member", "status", "reason", "size", "mtime", "label", "types"});
  Status s = reader.ListAssets(filter, [&](const catalog::AssetRow& a) {
    json types = json::object();
    for (const auto& [type, count] : a.types) types[EscapeBytes(type)] = count;
    out.Row({{"path", PathValue(a.path)},
             {"member", OptionalPathValue(a.member)},
             {"status", AssetStatusName(a.status)},
             {"reason", TextOrNull(a.reason)},
             {"size", a.size},
             {"mtime", IsoTime(a.mtime_ns)},
             {"label", TextOrNull(a.label)},
             {"types", std::move(types)}});
  });
  out.Finish();
  if (!s.ok()) {
    PrintError(s.message());
    return kExitCatalogError;
  }
  return 0;
}

int RunFindings(CatalogReader& reader, const catalog::Filter& filter, Format format) {
  RowWriter out(
      format, std::cout,
      {"path", "member", "type", "confidence", "score", "start", "end", "line", "masked"});
  Status s = reader.ListFindings(filter, [&](const catalog::FindingRow& f) {
    out.Row({{"path", PathValue(f.path)},
             {"member", OptionalPathValue(f.member)},
             {"type", Text(f.type_id)},
             {"confidence", ConfidenceName(ConfidenceFromScore(f.score))},
             {"score", f.score},
             {"start", f.start},
             {"end", f.end},
             {"line", f.line},
             {"masked", Text(f.masked)}});
  });
  out.Finish();
  if (!s.ok()) {
    PrintError(s.message());
    return kExitCatalogError;
  }
  return 0;
}

json TypeRow(const catalog::TypeCount& t) {
  return {{"type", Text(t.type_id)},
          {"category", Text(t.category)},
          {"hipaa_class", t.hipaa_class},
          {"assets", t.assets},
          {"findings", t.findings}};
}
const std::vector<std::string> kTypeColumns = {"type", "category", "hipaa_class", "assets",
                                               "findings"};

void PrintCounts(const char* title, const char* key, const std::map<std::string, uint64_t>& m) {
  std::cout << '\n' << title << '\n';
  if (m.empty()) {
    std::cout << "(none)\n";
    return;
  }
  RowWriter out(Format::kTable, std::cout, {key, "assets"});
  for (const auto& [name, count] : m) out.Row({{key, Text(name)}, {"assets", count}});
}

int RunSummary(CatalogReader& reader, const catalog::Filter& filter, Format format) {
  Result<catalog::Summary> result = reader.GetSummary(filter);
  if (!result.ok()) {
    PrintError(result.status().message());
    return kExitCatalogError;
  }
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
      auto counts = [](const std::map<std::string, uint64_t>& m) {
        nlohmann::ordered_json o = nlohmann::ordered_json::object();
        for (const auto& [name, count] : m) o[EscapeBytes(name)] = count;
        return o;
      };
      obj["by_status"] = counts(s.by_status);
      obj["by_label"] = counts(s.by_label);
      obj["by_category"] = counts(s.by_category);
      nlohmann::ordered_json types = nlohmann::ordered_json::array();
      for (const auto& t : s.by_type) {
        nlohmann::ordered_json row;
        row["type"] = EscapeBytes(t.type_id);
        row["category"] = EscapeBytes(t.category);
        row["hipaa_class"] = t.hipaa_class;
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
                << "bytes scanned: " << s.bytes_scanned << "\n";
      PrintCounts("coverage by status", "status", s.by_status);
      PrintCounts("labels", "label", s.by_label);
      PrintCounts("categories", "category", s.by_category);
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

void AddCommonOptions(CLI::App* sub, Options* opts) {
  sub->add_option("--catalog", opts->catalog, "catalog file written by phiscan; opened read-only")
      ->capture_default_str()
      ->type_name("FILE");
  sub->add_option("--format", opts->format,
                  "output format: table (for reading), json (one document), jsonl (one JSON "
                  "object per line) or csv (RFC 4180; cells starting = + - @ get a ' prefix)")
      ->capture_default_str()
      ->type_name("FORMAT")
      ->check(CLI::IsMember({"table", "json", "jsonl", "csv"}));
  sub->add_option("--min-confidence", opts->min_confidence,
                  "count only findings at or above this confidence: low (score 1+), medium "
                  "(75+) or high (85+)")
      ->capture_default_str()
      ->type_name("LEVEL")
      ->check(CLI::IsMember({"low", "medium", "high"}));
}

int Main(int argc, char** argv) {
  CLI::App app{
      "Reports from a phiscan catalog: where sensitive data is, how sure, and what "
      "was not fully scanned. The catalog is opened read-only.",
      "phireport"};
  app.require_subcommand(1);
  app.footer(
      "Run 'phireport SUBCOMMAND --help' for the options of each report.\n"
      "Exit status: 0 success, 1 the catalog could not be read, 2 usage error.");
  Options opts;
  CLI::App* summary = app.add_subcommand(
      "summary",
      "Latest run, asset counts by coverage status, label and category, and per-type counts "
      "(csv: the per-type rows).");
  CLI::App* assets = app.add_subcommand(
      "assets",
      "One row per asset: path, member, status, reason, size, mtime, label, types "
      "(type -> count). Above --min-confidence low, only assets with a finding at that level.");
  CLI::App* findings = app.add_subcommand(
      "findings",
      "One row per located finding: path, member, type, confidence, score, start, end, line, "
      "masked (shape only; values are never stored).");
  for (CLI::App* sub : {summary, assets, findings}) AddCommonOptions(sub, &opts);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help arrives as a "successful" parse error and prints to stdout.
    if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) return app.exit(e);
    PrintError(std::string(e.what()) + " (see phireport --help)");
    return kExitUsage;
  }

  // Validated by the option checks above.
  const Format format = *ParseFormat(opts.format);
  catalog::Filter filter;
  filter.min_score = MinScoreFor(*ParseConfidence(opts.min_confidence));

  auto reader = CatalogReader::Open(opts.catalog);
  if (!reader.ok()) {
    PrintError(reader.status().message());
    return kExitCatalogError;
  }
  if (summary->parsed()) return RunSummary(**reader, filter, format);
  if (assets->parsed()) return RunAssets(**reader, filter, format);
  return RunFindings(**reader, filter, format);
}

}  // namespace
}  // namespace phiscan::tools

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  try {
    return phiscan::tools::Main(argc, argv);
  } catch (const std::exception& e) {
    // Last resort (allocation failure, a broken stream); never a stack trace.
    phiscan::tools::PrintError(e.what());
    return phiscan::tools::kExitCatalogError;
  }
}
