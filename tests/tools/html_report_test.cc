// The data behind `phireport html`: read in one snapshot of the catalog.
#include "tools/html_report.h"

#include <unistd.h>

#include <catch2/catch.hpp>
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
