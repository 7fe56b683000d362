// Every supported format in one tree, through the real programs: the format
// fixtures (corpus/formats/make_fixtures.py: text in every encoding, CSV,
// TSV, JSON, FHIR NDJSON, HL7, X12, C-CDA, HTML, docx, xlsx, pptx, odt, ods,
// RTF, SQLite, .eml, mbox, PDF, DICOM, zip, tar.gz/bz2/xz, gzip) plus a 7z
// and a zip → tar.gz → 7z chain holding mail, PDF, DICOM and a workbook,
// and legacy Office and Outlook files, loose and in a zip,
// scanned with `phiscan scan` and read back with `phireport assets`. Every
// asset and member of the manifest must be there with its status, reason
// and planted type counts, and nothing else; poppler and the parsers say
// nothing on stderr.
#include <archive.h>
#include <archive_entry.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <tuple>

#include "tests/testutil/jsonl.h"
#include "tests/testutil/testutil.h"

using nlohmann::json;
using phiscan::testing::ParseJsonl;
using phiscan::testing::Python;
using phiscan::testing::ReadFile;
using phiscan::testing::RunCommand;
using phiscan::testing::SourceDir;
using phiscan::testing::TempDir;
using phiscan::testing::ToolPath;
using phiscan::testing::WriteFile;

namespace {

struct Expected {
  std::string status, reason;
  std::map<std::string, uint64_t> types;
};
// (file relative to the root, member or "") → what the scan must record.
using Key = std::pair<std::string, std::string>;

la_ssize_t Append(struct archive*, void* client, const void* buf, size_t n) {
  static_cast<std::string*>(client)->append(static_cast<const char*>(buf), n);
  return static_cast<la_ssize_t>(n);
}

std::string Pack(const char* format, const char* filter,
                 const std::vector<std::pair<std::string, std::string>>& members) {
  std::string out;
  struct archive* a = archive_write_new();
  REQUIRE(archive_write_set_format_by_name(a, format) == ARCHIVE_OK);
  if (filter[0] != '\0') REQUIRE(archive_write_add_filter_by_name(a, filter) == ARCHIVE_OK);
  archive_write_set_bytes_in_last_block(a, 1);
  REQUIRE(archive_write_open(a, &out, nullptr, &Append, nullptr) == ARCHIVE_OK);
  for (const auto& [name, data] : members) {
    struct archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, name.c_str());
    archive_entry_set_size(e, static_cast<la_int64_t>(data.size()));
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    REQUIRE(archive_write_header(a, e) == ARCHIVE_OK);
    REQUIRE(archive_write_data(a, data.data(), data.size()) ==
            static_cast<la_ssize_t>(data.size()));
    archive_entry_free(e);
  }
  REQUIRE(archive_write_close(a) == ARCHIVE_OK);
  archive_write_free(a);
  return out;
}

// Only the planted types: the built-in pack may also find names, dates or
// e-mail addresses in the fixtures, which these checks are not about.
std::map<std::string, uint64_t> Planted(const json& types) {
  std::map<std::string, uint64_t> out;
  for (const char* t : {"US_SSN", "US_NPI", "CREDIT_CARD"}) {
    if (types.contains(t)) out[t] = types[t].get<uint64_t>();
  }
  return out;
}

}  // namespace

TEST_CASE("a tree of every supported format is scanned exactly as its manifest says") {
  TempDir dir;
  const std::string root = dir.Join("tree");
  REQUIRE(RunCommand(Python() + " " + SourceDir() +
                     "/corpus/formats/make_fixtures.py --out " + root) == 0);
  auto manifest = ParseJsonl(ReadFile(root + "/manifest.jsonl"));
  std::filesystem::remove(root + "/manifest.jsonl");

  std::map<Key, Expected> expected;
  std::map<std::string, std::vector<std::pair<std::string, Expected>>> by_file;
  for (const auto& m : manifest) {
    Expected e{m["status"], m["reason"].is_null() ? "" : m["reason"].get<std::string>(),
               Planted(m["types"])};
    std::string member = m["member"].is_null() ? "" : m["member"].get<std::string>();
    expected[{m["file"], member}] = e;
    by_file[m["file"]].push_back({member, e});
  }

  // Mail, PDF, DICOM, a workbook and FHIR in a 7z, and that 7z in a tar.gz
  // in a zip: every record of each file reappears below its container path.
  const std::vector<std::string> packed = {"mail/visit.eml",   "mail/inbox.mbox",
                                           "pdf/referral.pdf", "dicom/implicit.dcm",
                                           "docs/header.xlsx", "json/bundle.ndjson"};
  std::vector<std::pair<std::string, std::string>> members;
  for (const auto& f : packed) members.push_back({"bundle/" + f, ReadFile(root + "/" + f)});
  std::string seven = Pack("7zip", "", members);
  WriteFile(root + "/nested/bundle.7z", seven);
  WriteFile(root + "/nested/deep.zip",
            Pack("zip", "", {{"inner.tar.gz", Pack("pax", "gzip", {{"bundle.7z", seven}})}}));
  const Expected container{"complete", "", {}};
  expected[{"nested/bundle.7z", ""}] = container;
  expected[{"nested/deep.zip", ""}] = container;
  expected[{"nested/deep.zip", "inner.tar.gz"}] = container;
  expected[{"nested/deep.zip", "inner.tar.gz!bundle.7z"}] = container;
  for (const auto& f : packed) {
    for (const auto& [file, prefix] : std::vector<std::pair<std::string, std::string>>{
             {"nested/bundle.7z", "bundle/" + f},
             {"nested/deep.zip", "inner.tar.gz!bundle.7z!bundle/" + f}}) {
      for (const auto& [member, e] : by_file[f]) {
        expected[{file, member.empty() ? prefix : prefix + "!" + member}] = e;
      }
    }
  }

  // Legacy Office and Outlook files (fuzz/seeds/ole, written by
  // tests/scanner/ole_seeds.cc), also inside the zip: attachments and
  // embedded objects are members, and each asset says what it was read as.
  const std::map<std::string, uint64_t> line{{"US_SSN", 1}, {"US_NPI", 1}, {"CREDIT_CARD", 1}};
  const std::map<std::string, uint64_t> ssn{{"US_SSN", 1}};
  const std::vector<std::tuple<std::string, std::string, std::map<std::string, uint64_t>,
                               std::string>>
      legacy = {{"referral.doc", "", line, "doc"},
                {"referral.doc", "notes.txt", line, "text"},
                {"referral.doc", "_1002", ssn, "xls"},
                {"referral.msg", "", line, "msg"},
                {"referral.msg", "labs.csv", ssn, "text"},
                {"referral.msg", "Fwd.msg", line, "msg"},
                // Cells (an SSN as a number and the line), the page
                // header's SSN and a comment holding the line.
                {"roster.xls", "", {{"US_SSN", 4}, {"US_NPI", 2}, {"CREDIT_CARD", 2}}, "xls"},
                {"deck.ppt", "", line, "ppt"},
                {"deck.ppt", "object-1", ssn, "xls"}};
  std::map<Key, std::string> formats;
  std::vector<std::pair<std::string, std::string>> legacy_zip;
  for (const char* f : {"referral.doc", "referral.msg", "roster.xls", "deck.ppt"}) {
    const std::string bytes = ReadFile(SourceDir() + "/fuzz/seeds/ole/" + f);
    WriteFile(root + "/legacy/" + f, bytes);
    legacy_zip.push_back({f, bytes});
  }
  WriteFile(root + "/legacy/office.zip", Pack("zip", "", legacy_zip));
  expected[{"legacy/office.zip", ""}] = container;
  for (const auto& [file, member, types, format] : legacy) {
    expected[{"legacy/" + file, member}] = Expected{"complete", "", types};
    const std::string in_zip = member.empty() ? file : file + "!" + member;
    expected[{"legacy/office.zip", in_zip}] = Expected{"complete", "", types};
    formats[{"legacy/" + file, member}] = format;
    formats[{"legacy/office.zip", in_zip}] = format;
  }

  std::string out, err;
  const std::string catalog = dir.Join("catalog.db");
  int rc = RunCommand(
      ToolPath("phiscan") + " scan --quiet --threads 2 --catalog " + catalog + " " + root, &out,
      &err);
  INFO(out << err);
  REQUIRE(rc == 0);
  // Nothing from the parsers (poppler's error messages can quote content).
  CHECK(err.find("Syntax") == std::string::npos);
  CHECK(err.find("rror") == std::string::npos);

  REQUIRE(RunCommand(ToolPath("phireport") + " assets --format jsonl --catalog " + catalog, &out) ==
          0);
  std::map<Key, json> seen;
  for (const auto& a : ParseJsonl(out)) {
    std::string path = a["path"];
    REQUIRE(path.rfind(root + "/", 0) == 0);
    Key k{path.substr(root.size() + 1),
          a["member"].is_null() ? "" : a["member"].get<std::string>()};
    CHECK(seen.emplace(k, a).second);
  }
  // A build without poppler-cpp records every PDF skipped(unsupported).
  REQUIRE(seen.count({"pdf/referral.pdf", ""}) == 1);
  if (seen[{"pdf/referral.pdf", ""}]["status"] == "skipped") {
    for (auto& [k, e] : expected) {
      const std::string& last = k.second.empty() ? k.first : k.second;
      if (last.size() > 4 && last.substr(last.size() - 4) == ".pdf") {
        e = Expected{"skipped", "unsupported", {}};
      }
    }
  }
  for (const auto& [k, e] : expected) {
    INFO(k.first << " [" << k.second << "]");
    auto it = seen.find(k);
    REQUIRE(it != seen.end());
    const json& a = it->second;
    CHECK(a["status"] == e.status);
    CHECK((a["reason"].is_null() ? "" : a["reason"].get<std::string>()) == e.reason);
    CHECK(Planted(a["types"]) == e.types);
  }
  for (const auto& [k, format] : formats) {
    INFO(k.first << " [" << k.second << "]");
    CHECK(seen[k]["format"] == format);
  }
  for (const auto& [k, a] : seen) {
    if (k.first == "archives/truncated.zip") {  // asserted by status only
      CHECK(a["status"] != "complete");
      continue;
    }
    INFO("unexpected asset " << k.first << " [" << k.second << "]");
    CHECK(expected.count(k) == 1);
  }
  // Each format's status family is there: encrypted PDF and zip member,
  // corrupt PDF and DICOM, unsupported DICOM transfer syntax, binary skipped.
  for (const Key& k : std::vector<Key>{{"pdf/locked.pdf", ""},
                                       {"pdf/broken.pdf", ""},
                                       {"dicom/truncated.dcm", ""},
                                       {"dicom/deflated.dcm", ""},
                                       {"archives/encrypted.zip", "secret.txt"},
                                       {"text/blob.bin", ""}}) {
    INFO(k.first);
    REQUIRE(seen.count(k) == 1);
    CHECK(seen[k]["status"] != "complete");
  }
  // `NONE` is a verdict on what was read: an asset none of whose content
  // was read (encrypted, skipped) has no label, and `--label NONE` does not
  // list it among the clean files.
  size_t never_read = 0;
  for (const auto& [k, a] : seen) {
    INFO(k.first << " [" << k.second << "]");
    if (a["status"] == "encrypted" || a["status"] == "skipped") CHECK(a["label"].is_null());
    if (a["label"].is_null()) {
      ++never_read;
      CHECK(a["status"] != "complete");  // an empty file is read, and NONE
    }
  }
  CHECK(never_read >= 3);
  CHECK(seen[{"pdf/locked.pdf", ""}]["label"].is_null());
  CHECK(seen[{"archives/encrypted.zip", "secret.txt"}]["label"].is_null());
  CHECK(seen[{"text/blob.bin", ""}]["label"].is_null());
  CHECK(seen[{"text/blob.bin", ""}]["format"] == "binary");  // looked at, found binary
  REQUIRE(RunCommand(ToolPath("phireport") + " assets --label NONE --format jsonl --catalog " +
                         catalog,
                     &out) == 0);
  const auto clean = ParseJsonl(out);
  CHECK_FALSE(clean.empty());
  for (const auto& a : clean) {
    INFO(a["path"].get<std::string>());
    CHECK(a["status"] != "encrypted");
    CHECK(a["status"] != "skipped");
  }
  REQUIRE(RunCommand(ToolPath("phireport") + " summary --format json --catalog " + catalog,
                     &out) == 0);
  const json summary = json::parse(out);
  CHECK(summary["unlabelled"] == never_read);
  CHECK(summary["by_format"]["doc"] == 2);
  // roster.xls, a .doc's and a .ppt's embedded sheets, loose and zipped.
  CHECK(summary["by_format"]["xls"] == 6);
}
