// The data behind `phireport html`: read in one snapshot of the catalog.
#include "tools/html_report.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <fmt/core.h>
#include <memory>
#include <sstream>
#include <string>

#include "catalog/catalog.h"
#include "catalog/reader.h"
#include "tests/catalog/fixtures.h"
#include "tests/testutil/testutil.h"

namespace phiscan {
namespace {

using catalog::CatalogReader;
using catalog::CatalogWriter;
using catalog::RunStatus;

TEST_CASE("The HTML page's totals, folders, runs and exposed list come from one commit") {
  testing::TempDir dir;
  const std::string db = dir.Join("phiscan.db");
  catalog::WriterOptions options;
  options.batch_assets = 1;  // a scan that commits each asset as it comes
  auto writer = testing::OpenWriter(db, options);
  REQUIRE(writer->BeginRun(testing::MakeRunInfo()).ok());
  auto commit = [&](const std::string& path) {
    AssetRecord a = testing::MakeAsset(path);  // 0644: readable by everyone
    a.label = "PHI";
    a.types = {{"US_SSN", 1, 1, 90}};
    a.findings = {testing::MakeFinding("US_SSN", 90, 0, 1, "***-**-****")};
    const uint64_t before = writer->committed();
    writer->Submit(std::move(a));
    for (int i = 0; i < 400 && writer->committed() == before; ++i) usleep(5000);
    REQUIRE(writer->committed() == before + 1);
  };
  commit("/srv/share/a.txt");

  auto reader = CatalogReader::Open(db);
  REQUIRE(reader.ok());
  int queries = 0;
  // The scan commits after the page's first query.
  (*reader)->SetAfterQueryHookForTesting([&] {
    if (++queries == 1) commit("/srv/share/b.txt");
  });
  auto data = tools::GatherHtmlReportData(**reader, {}, 1);
  REQUIRE(data.ok());
  REQUIRE(queries > 1);
  CHECK(data->summary.assets == 1);
  uint64_t in_folders = 0;
  for (const auto& f : data->folders) in_folders += f.assets;
  CHECK(in_folders == 1);
  CHECK(data->exposed.size() == 1);
  REQUIRE(data->runs.size() == 1);
  CHECK(data->runs[0].assets == 1);
  (*reader)->SetAfterQueryHookForTesting(nullptr);
  reader->reset();
  REQUIRE(writer->FinishRun(RunStatus::kCompleted).ok());
}

TEST_CASE("The HTML exposed list is what the exposed total counts, PHI first") {
  testing::TempDir dir;
  const std::string db = dir.Join("phiscan.db");
  {
    auto writer = testing::OpenWriter(db, {});
    REQUIRE(writer->BeginRun(testing::MakeRunInfo()).ok());
    // Both readable by everyone. The PII file sorts first by path and its
    // one finding is of low confidence.
    AssetRecord pii = testing::MakeAsset("/srv/share/a-contacts.txt");
    pii.label = "PII";
    pii.types = {{"EMAIL", 1, 1, 65}};
    pii.findings = {testing::MakeFinding("EMAIL", 65, 0, 1, "****@*****.***")};
    writer->Submit(std::move(pii));
    AssetRecord phi = testing::MakeAsset("/srv/share/z-patients.txt");
    phi.label = "PHI";
    phi.types = {{"US_SSN", 1, 1, 90}};
    phi.findings = {testing::MakeFinding("US_SSN", 90, 0, 1, "***-**-****")};
    writer->Submit(std::move(phi));
    REQUIRE(writer->FinishRun(RunStatus::kCompleted).ok());
  }
  auto reader = CatalogReader::Open(db);
  REQUIRE(reader.ok());
  catalog::Filter high;
  high.min_score = kHighScore;  // phireport html --min-confidence high
  auto data = tools::GatherHtmlReportData(**reader, high, 1);
  REQUIRE(data.ok());
  // The tile says 2; the table under it listed 1 ("and 0 more").
  CHECK(data->summary.exposed == 2);
  REQUIRE(data->exposed.size() == 2);
  // Only 50 rows are shown: exposed PHI comes before PII that sorts first.
  CHECK(data->exposed[0].path == "/srv/share/z-patients.txt");
  CHECK(data->exposed[1].path == "/srv/share/a-contacts.txt");
}

// The rows of the table with id `id` in `html` (its body only).
size_t TableRows(const std::string& html, const std::string& id) {
  const size_t table = html.find("<table id=\"" + id + "\">");
  if (table == std::string::npos) return 0;
  const size_t body = html.find("<tbody>", table);
  const size_t end = html.find("</tbody>", body);
  size_t rows = 0;
  for (size_t at = body; (at = html.find("<tr>", at)) < end; ++at) ++rows;
  return rows;
}

TEST_CASE("The HTML page lists what was not fully scanned, and why, most sensitive first") {
  testing::TempDir dir;
  const std::string db = dir.Join("phiscan.db");
  {
    auto writer = testing::OpenWriter(db, {});
    REQUIRE(writer->BeginRun(testing::MakeRunInfo()).ok());
    // 129 files cut short by the size limit, in path order before the one
    // that matters: a PHI file the scan can no longer read, whose name and
    // detail carry markup.
    for (int i = 0; i < 129; ++i) {
      AssetRecord big = testing::MakeAsset(fmt::format("/srv/share/logs/{:03}.log", i));
      big.label = "NONE";
      big.status = AssetStatus::kPartial;
      big.reason = "limit_size";
      writer->Submit(std::move(big));
    }
    AssetRecord lost = testing::MakeAsset("/srv/share/zz<b>\nchart.txt");
    lost.label = "PHI";
    lost.types = {{"US_SSN", 1, 1, 90}};
    lost.status = AssetStatus::kUnreadable;
    lost.reason = "permission_denied";
    lost.detail = "open: <Permission denied>";
    writer->Submit(std::move(lost));
    writer->Submit(testing::MakeAsset("/srv/share/clean.txt"));  // complete: no gap
    REQUIRE(writer->FinishRun(RunStatus::kCompleted).ok());
  }
  auto reader = CatalogReader::Open(db);
  REQUIRE(reader.ok());
  catalog::Filter high;
  high.min_score = kHighScore;  // gaps are listed at any confidence, as the tile counts them
  auto data = tools::GatherHtmlReportData(**reader, high, 1);
  REQUIRE(data.ok());
  CHECK(data->gaps_total == 130);
  std::ostringstream page;
  tools::WriteHtmlReport(page, *data);
  const std::string html = page.str();
  CHECK_THAT(html, Catch::Contains("id=\"total-gaps\" data-value=\"130\""));
  const size_t section = html.find("<section id=\"gaps\"><h2>Not fully scanned</h2>");
  REQUIRE(section != std::string::npos);
  CHECK(TableRows(html, "gap-table") == tools::kHtmlListedAssets);
  // The PHI file first, its path, status, reason and detail escaped.
  const size_t first = html.find("<tr><td class=\"path\">", html.find("<tbody>", section));
  CHECK(html.substr(first, html.find("</tr>", first) - first) ==
        "<tr><td class=\"path\">/srv/share/zz&lt;b&gt;\\nchart.txt</td><td>unreadable</td>"
        "<td>permission_denied</td><td>open: &lt;Permission denied&gt;</td>"
        "<td class=\"label-PHI\">PHI</td>");
  CHECK_THAT(html, Catch::Contains("<td>partial</td><td>limit_size</td><td>-</td>"));
  CHECK(html.find("clean.txt") == std::string::npos);
  CHECK_THAT(html, Catch::Contains("<p id=\"gaps-more\">and 80 more"));
}

TEST_CASE("The HTML page says when every asset was read in full") {
  testing::TempDir dir;
  const std::string db = dir.Join("phiscan.db");
  {
    auto writer = testing::OpenWriter(db, {});
    REQUIRE(writer->BeginRun(testing::MakeRunInfo()).ok());
    writer->Submit(testing::MakeAsset("/srv/share/clean.txt"));
    REQUIRE(writer->FinishRun(RunStatus::kCompleted).ok());
  }
  auto reader = CatalogReader::Open(db);
  REQUIRE(reader.ok());
  auto data = tools::GatherHtmlReportData(**reader, {}, 1);
  REQUIRE(data.ok());
  std::ostringstream page;
  tools::WriteHtmlReport(page, *data);
  CHECK_THAT(page.str(), Catch::Contains("<p id=\"gaps-none\">Every asset was read in full."));
  CHECK(page.str().find("gap-table") == std::string::npos);
}

TEST_CASE("The HTML label chart counts assets never read in a bar of their own") {
  tools::HtmlReportData data;
  data.summary.assets = 6;
  data.summary.by_label = {{"NONE", 2}, {"PHI", 1}};
  data.summary.unlabelled = 3;
  std::ostringstream page;
  tools::WriteHtmlReport(page, data);
  const std::string html = page.str();
  const size_t chart = html.find("id=\"chart-labels\"");
  REQUIRE(chart != std::string::npos);
  const std::string labels = html.substr(chart, html.find("</figure>", chart) - chart);
  CHECK(labels.find("data-label=\"NONE\" data-value=\"2\"") != std::string::npos);
  CHECK(labels.find("data-label=\"(not read)\" data-value=\"3\"") != std::string::npos);
  // Nothing unread: no such bar.
  data.summary.unlabelled = 0;
  std::ostringstream clean;
  tools::WriteHtmlReport(clean, data);
  CHECK(clean.str().find("(not read)") == std::string::npos);
}

}  // namespace
}  // namespace phiscan
