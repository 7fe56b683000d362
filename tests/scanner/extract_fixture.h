// Helpers for the extraction tests: a fixed token key, running the Extractor
// (with testutil/rules.h's built-in rules) over a file or bytes, building
// the format fixtures (corpus/formats/make_fixtures.py) and writing archives
// with libarchive.
#ifndef PHISCAN_TESTS_SCANNER_EXTRACT_FIXTURE_H_
#define PHISCAN_TESTS_SCANNER_EXTRACT_FIXTURE_H_

#include <atomic>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "classifiers/ruleset.h"
#include "classifiers/token.h"
#include "common/model.h"
#include "scanner/limits.h"
#include "tests/testutil/rules.h"  // BuiltinRules()

namespace phiscan::testing {

// The parts of the smallest Word package the Office reader takes for one:
// its content types and a document of one paragraph ("Letter.").
inline constexpr std::string_view kDocxContentTypes =
    "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"/>";
inline constexpr std::string_view kDocxLetter =
    "<w:document xmlns:w=\"w\"><w:body><w:p><w:r><w:t>Letter.</w:t></w:r></w:p>"
    "</w:body></w:document>";

const classifiers::TokenKey* TestKey();

std::vector<AssetRecord> ExtractFile(const std::string& path,
                                     const scanner::ScanLimits& limits = {},
                                     const std::atomic<bool>* cancel = nullptr);
std::vector<AssetRecord> ExtractMemory(std::string_view bytes, std::string_view name,
                                       const scanner::ScanLimits& limits = {});

// The record of `bytes`, which must give one, read as `name` with
// ScanLimits::chunk_size `chunk`.
AssetRecord ExtractChunked(std::string_view bytes, std::string_view name, size_t chunk);

// The record with this member path (nullopt: the top-level record), or null.
const AssetRecord* FindRecord(const std::vector<AssetRecord>& recs,
                              const std::optional<std::string>& member);
// Occurrences per type, for the types the fixtures plant (US_SSN, US_NPI,
// CREDIT_CARD). Other types are left out: the built-in pack grows (new types
// may legitimately fire on names, dates or URLs in a fixture), and these
// tests are about extraction, not about that pack.
std::map<std::string, uint64_t> TypeCounts(const AssetRecord& rec);
// "complete", "partial(limit_depth)", ...
std::string StatusOf(const AssetRecord& rec);

// The 1-based line of byte `at` in `bytes`: one more than the LF, CR LF and
// lone CR line breaks before it (README, findings: `line`).
uint64_t LineOf(std::string_view bytes, uint64_t at);
// `text` with every "\n" written as `eol`.
std::string WithEol(std::string_view text, std::string_view eol);
// The lines of the findings of `type` in `bytes` read as `name` (a file of
// one record), sorted, after checking at several chunk sizes (an input
// piece may end between CR and LF) that they are the same and that every
// finding's line is LineOf its start.
std::vector<uint64_t> FindingLines(const std::string& bytes, const std::string& name,
                                   const std::string& type);

// Runs corpus/formats/make_fixtures.py into `dir`; returns the manifest.
std::vector<nlohmann::json> BuildFormatFixtures(const std::string& dir);
// The format fixtures, built once per test binary into a temporary directory.
const std::string& FormatFixtureDir();

struct ArchiveMember {
  std::string name;
  std::string data;
};
// An archive in memory written by libarchive: `format` "zip", "7zip",
// "pax", "gnutar"; `filter` "", "gzip", "bzip2", "xz", "zstd"; `options`
// libarchive's write options ("7zip:compression=store").
std::string WriteArchive(const std::string& format, const std::string& filter,
                         const std::vector<ArchiveMember>& members,
                         const std::string& options = "");

}  // namespace phiscan::testing

#endif  // PHISCAN_TESTS_SCANNER_EXTRACT_FIXTURE_H_
