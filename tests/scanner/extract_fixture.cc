#include "tests/scanner/extract_fixture.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <algorithm>
#include <fstream>
#include <sstream>

#include "scanner/extract.h"
#include "scanner/pipeline.h"
#include "tests/testutil/testutil.h"

namespace phiscan::testing {

const std::string& FormatFixtureDir() {
  static TempDir dir;
  static const std::string path = [] {
    BuildFormatFixtures(dir.Join("fx"));
    return dir.Join("fx");
  }();
  return path;
}

const classifiers::TokenKey* TestKey() {
  static auto key = classifiers::TokenKey::Ephemeral();
  return &key;
}

namespace {
// Matchers are costly to build (Hyperscan scratch, chunk buffers); calls with
// the default limits share one Extractor, as a scan's worker does.
bool IsDefault(const scanner::ScanLimits& l) {
  scanner::ScanLimits d;
  return l.chunk_size == d.chunk_size && l.max_file_size == d.max_file_size &&
         l.max_expanded_bytes == d.max_expanded_bytes && l.max_members == d.max_members &&
         l.max_depth == d.max_depth && l.max_time_ms == d.max_time_ms &&
         l.max_buffered_member == d.max_buffered_member && l.scan_binary == d.scan_binary &&
         l.max_locators == d.max_locators && l.max_listed_entries == d.max_listed_entries &&
         l.max_7z_header == d.max_7z_header;
}
scanner::Extractor& SharedExtractor() {
  static scanner::Extractor extractor(BuiltinRules(), TestKey(), scanner::ScanLimits{});
  return extractor;
}
}  // namespace

std::vector<AssetRecord> ExtractFile(const std::string& path, const scanner::ScanLimits& limits,
                                     const std::atomic<bool>* cancel) {
  std::optional<scanner::Extractor> own;
  if (!IsDefault(limits)) own.emplace(BuiltinRules(), TestKey(), limits);
  scanner::Extractor& extractor = own ? *own : SharedExtractor();
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  REQUIRE(fd >= 0);
  AssetRecord top;
  top.path = path;
  std::vector<AssetRecord> out;
  scanner::ClassifyDescriptor(fd, extractor, top, out, cancel);
  close(fd);
  return out;
}

std::vector<AssetRecord> ExtractMemory(std::string_view bytes, std::string_view name,
                                       const scanner::ScanLimits& limits) {
  std::optional<scanner::Extractor> own;
  if (!IsDefault(limits)) own.emplace(BuiltinRules(), TestKey(), limits);
  scanner::Extractor& extractor = own ? *own : SharedExtractor();
  AssetRecord top;
  top.path = std::string(name);
  std::vector<AssetRecord> out;
  extractor.ExtractBytes(bytes, name, top, out);
  return out;
}

AssetRecord ExtractChunked(std::string_view bytes, std::string_view name, size_t chunk) {
  scanner::ScanLimits limits;
  limits.chunk_size = chunk;
  auto recs = ExtractMemory(bytes, name, limits);
  REQUIRE(recs.size() == 1);
  return std::move(recs[0]);
}

const AssetRecord* FindRecord(const std::vector<AssetRecord>& recs,
                              const std::optional<std::string>& member) {
  for (const auto& r : recs) {
    if (r.member == member) return &r;
  }
  return nullptr;
}

std::map<std::string, uint64_t> TypeCounts(const AssetRecord& rec) {
  std::map<std::string, uint64_t> m;
  for (const auto& t : rec.types) {
    if (t.type_id == "US_SSN" || t.type_id == "US_NPI" || t.type_id == "CREDIT_CARD") {
      m[t.type_id] = t.count;
    }
  }
  return m;
}

std::string StatusOf(const AssetRecord& rec) {
  std::string s = AssetStatusName(rec.status);
  if (!rec.reason.empty()) s += "(" + rec.reason + ")";
  return s;
}

uint64_t LineOf(std::string_view bytes, uint64_t at) {
  uint64_t line = 1;
  for (uint64_t i = 0; i < at; ++i) {
    const bool cr_alone = bytes[i] == '\r' && (i + 1 == bytes.size() || bytes[i + 1] != '\n');
    if (bytes[i] == '\n' || cr_alone) ++line;
  }
  return line;
}

std::string WithEol(std::string_view text, std::string_view eol) {
  std::string out;
  for (char c : text) {
    if (c == '\n') {
      out += eol;
    } else {
      out += c;
    }
  }
  return out;
}

std::vector<uint64_t> FindingLines(const std::string& bytes, const std::string& name,
                                   const std::string& type) {
  std::vector<uint64_t> first;
  for (size_t chunk : {size_t{1} << 20, size_t{7}, size_t{1}}) {
    INFO(name << ", chunk " << chunk);
    std::vector<uint64_t> lines;
    for (const auto& f : ExtractChunked(bytes, name, chunk).findings) {
      CHECK(f.line == LineOf(bytes, f.start));
      if (f.type_id == type) lines.push_back(f.line);
    }
    std::sort(lines.begin(), lines.end());
    if (chunk == size_t{1} << 20) first = lines;
    CHECK(lines == first);
  }
  return first;
}

std::vector<nlohmann::json> BuildFormatFixtures(const std::string& dir) {
  std::string cmd = Python() + " " + SourceDir() +
                    "/corpus/formats/make_fixtures.py --out '" + dir + "'";
  REQUIRE(RunCommand(cmd) == 0);
  std::vector<nlohmann::json> lines;
  std::ifstream in(dir + "/manifest.jsonl");
  std::string line;
  while (std::getline(in, line)) lines.push_back(nlohmann::json::parse(line));
  REQUIRE(!lines.empty());
  return lines;
}

namespace {
la_ssize_t Append(struct archive*, void* client, const void* buf, size_t n) {
  static_cast<std::string*>(client)->append(static_cast<const char*>(buf), n);
  return static_cast<la_ssize_t>(n);
}
}  // namespace

std::string WriteArchive(const std::string& format, const std::string& filter,
                         const std::vector<ArchiveMember>& members, const std::string& options) {
  std::string out;
  struct archive* a = archive_write_new();
  REQUIRE(archive_write_set_format_by_name(a, format.c_str()) == ARCHIVE_OK);
  if (!options.empty()) REQUIRE(archive_write_set_options(a, options.c_str()) == ARCHIVE_OK);
  if (!filter.empty()) REQUIRE(archive_write_add_filter_by_name(a, filter.c_str()) == ARCHIVE_OK);
  archive_write_set_bytes_in_last_block(a, 1);
  REQUIRE(archive_write_open(a, &out, nullptr, &Append, nullptr) == ARCHIVE_OK);
  for (const auto& m : members) {
    struct archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, m.name.c_str());
    archive_entry_set_size(e, static_cast<la_int64_t>(m.data.size()));
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_mtime(e, 1700000000, 0);
    REQUIRE(archive_write_header(a, e) == ARCHIVE_OK);
    REQUIRE(archive_write_data(a, m.data.data(), m.data.size()) ==
            static_cast<la_ssize_t>(m.data.size()));
    archive_entry_free(e);
  }
  REQUIRE(archive_write_close(a) == ARCHIVE_OK);
  archive_write_free(a);
  return out;
}

}  // namespace phiscan::testing
