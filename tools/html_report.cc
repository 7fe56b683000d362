#include "tools/html_report.h"

#include <fmt/core.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "catalog/catalog.h"
#include "common/escape.h"
#include "common/model.h"

namespace phiscan::tools {
namespace {

// Catalog bytes as HTML text.
std::string H(std::string_view raw) { return HtmlEscape(EscapeBytes(raw)); }

using Bars = std::vector<std::pair<std::string, uint64_t>>;  // raw label, value

// A horizontal bar chart as inline SVG. `id` names the chart for tools;
// every bar carries data-label and data-value.
std::string BarChart(const std::string& id, const std::string& title, const Bars& bars,
                     const char* color) {
  constexpr int kLabelWidth = 220;
  constexpr int kBarMax = 360;
  constexpr int kRow = 22;
  uint64_t max = 1;
  for (const auto& [label, value] : bars) max = std::max(max, value);
  const int height = std::max<int>(1, static_cast<int>(bars.size())) * kRow + 8;
  std::string out = fmt::format(
      "<figure class=\"chart\" id=\"{}\"><figcaption>{}</figcaption>\n"
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" role=\"img\" "
      "aria-label=\"{}\">\n",
      id, HtmlEscape(title), kLabelWidth + kBarMax + 90, height, HtmlEscape(title));
  if (bars.empty()) {
    out += "<text x=\"4\" y=\"16\" class=\"none\">(none)</text>\n";
  }
  int y = 4;
  for (const auto& [label, value] : bars) {
    const int width = value == 0 ? 0 : std::max(1, static_cast<int>(kBarMax * value / max));
    const std::string text = H(label);
    out += fmt::format(
        "<g class=\"bar\" data-label=\"{0}\" data-value=\"{1}\">"
        "<text x=\"{2}\" y=\"{3}\" text-anchor=\"end\">{0}</text>"
        "<rect x=\"{4}\" y=\"{5}\" width=\"{6}\" height=\"16\" fill=\"{7}\"/>"
        "<text x=\"{8}\" y=\"{3}\">{1}</text></g>\n",
        text, value, kLabelWidth - 6, y + 13, kLabelWidth, y, width, color,
        kLabelWidth + width + 6);
    y += kRow;
  }
  out += "</svg></figure>\n";
  return out;
}

template <typename Map>
Bars ToBars(const Map& m) {
  Bars bars;
  for (const auto& [k, v] : m) bars.emplace_back(fmt::format("{}", k), v);
  return bars;
}

const char* kStyle = R"(
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222;max-width:1100px}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ccc}
.tiles{display:flex;flex-wrap:wrap;gap:1em}
.tile{border:1px solid #ddd;border-radius:6px;padding:.6em 1em;min-width:8em}
.tile .n{font-size:1.6em;font-weight:600}
.tile.warn .n{color:#b00020}
.charts{display:flex;flex-wrap:wrap;gap:2em}
figure{margin:0}figcaption{font-weight:600;margin-bottom:.3em}
svg text{font:12px system-ui,sans-serif;fill:#222}
table{border-collapse:collapse;margin-top:.5em}
th,td{border:1px solid #ddd;padding:.25em .6em;text-align:left;vertical-align:top}
td.num{text-align:right}td.path{font-family:monospace;word-break:break-all}
.label-PHI{color:#b00020;font-weight:600}.label-PCI{color:#a35200;font-weight:600}
footer{margin-top:3em;color:#666;font-size:.9em}
)";

std::string Tile(const char* id, const char* title, uint64_t n, bool warn = false) {
  return fmt::format(
      "<div class=\"tile{}\" id=\"{}\" data-value=\"{}\"><div class=\"n\">{}</div>{}</div>\n",
      warn && n > 0 ? " warn" : "", id, n, n, title);
}

// Listing order of the page's asset tables: PHI, PCI, PII, other sensitive
// labels, then the rest (NONE, or never read), so the assets that matter
// most are never cut off behind a page of others that sort before them.
int LabelRank(const std::string& label) {
  if (label == "PHI") return 0;
  if (label == "PCI") return 1;
  if (label == "PII") return 2;
  return catalog::IsSensitiveLabel(label) ? 3 : 4;
}

// Rows arrive in path order; keeps the first `keep` by LabelRank (path
// order within a rank) without holding every row: whenever twice `keep`
// have gathered, the best `keep` stay.
class TopAssets {
 public:
  explicit TopAssets(size_t keep) : keep_(keep) {}
  void Add(const catalog::AssetRow& a) {
    rows_.push_back(a);
    if (rows_.size() >= 2 * keep_) Trim();
  }
  std::vector<catalog::AssetRow> Take() {
    Trim();
    return std::move(rows_);
  }

 private:
  void Trim() {
    std::stable_sort(rows_.begin(), rows_.end(),
                     [](const catalog::AssetRow& a, const catalog::AssetRow& b) {
                       return LabelRank(a.label) < LabelRank(b.label);
                     });
    if (rows_.size() > keep_) rows_.resize(keep_);
  }
  size_t keep_;
  std::vector<catalog::AssetRow> rows_;
};

// An asset's path with its member, as the tables show it.
std::string AssetPathCell(const catalog::AssetRow& a) {
  std::string path = EscapeBytes(a.path);
  if (a.member) path += "!" + EscapeBytes(*a.member);
  return "<td class=\"path\">" + HtmlEscape(path) + "</td>";
}

std::string LabelCell(const std::string& label) {
  const std::string text = H(label.empty() ? "-" : label);
  // The class name only takes the fixed labels; anything else gets none.
  const bool known = label == "PHI" || label == "PCI" || label == "PII";
  return known ? fmt::format("<td class=\"label-{}\">{}</td>", label, text)
               : fmt::format("<td>{}</td>", text);
}

}  // namespace

std::string HtmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

Result<HtmlReportData> GatherHtmlReportData(catalog::CatalogReader& reader,
                                            const catalog::Filter& filter, int depth) {
  catalog::CatalogReader::Snapshot snapshot(reader);
  if (!snapshot.status().ok()) return snapshot.status();
  HtmlReportData data;
  auto summary = reader.GetSummary(filter);
  if (!summary.ok()) return summary.status();
  data.summary = std::move(*summary);
  auto folders = reader.Folders(depth, filter);
  if (!folders.ok()) return folders.status();
  data.folders = std::move(*folders);
  Status s = reader.ListRuns([&](const catalog::RunRow& r) { data.runs.push_back(r); });
  if (!s.ok()) return s;
  // The assets the "exposed" total counts, whatever --min-confidence says
  // (the totals do not depend on it): the table and its "and N more" must
  // add up to the tile above them.
  catalog::Filter exposed = filter;
  exposed.exposed_only = true;
  exposed.min_score = 0;
  s = reader.ListAssets(exposed, [&](const catalog::AssetRow& a) { data.exposed.push_back(a); });
  if (!s.ok()) return s;
  std::stable_sort(data.exposed.begin(), data.exposed.end(),
                   [](const catalog::AssetRow& a, const catalog::AssetRow& b) {
                     return LabelRank(a.label) < LabelRank(b.label);
                   });
  // The gaps the "not fully scanned" tile counts, likewise at any
  // confidence; only the listed ones are kept.
  catalog::Filter gap_filter = filter;
  gap_filter.gaps_only = true;
  gap_filter.min_score = 0;
  TopAssets gaps(kHtmlListedAssets);
  s = reader.ListAssets(gap_filter, [&](const catalog::AssetRow& a) {
    gaps.Add(a);
    ++data.gaps_total;
  });
  if (!s.ok()) return s;
  data.gaps = gaps.Take();
  return data;
}

void WriteHtmlReport(std::ostream& out, const HtmlReportData& d) {
  const catalog::Summary& s = d.summary;
  out << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
      << "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
         "style-src 'unsafe-inline'; img-src data:\">\n"
      << "<meta name=\"referrer\" content=\"no-referrer\">\n"
      << "<title>phiscan report</title>\n<style>" << kStyle << "</style></head>\n<body>\n";
  out << "<h1>phiscan report</h1>\n<p id=\"meta\">Catalog <code>" << HtmlEscape(d.catalog_display)
      << "</code>, generated " << HtmlEscape(d.generated_at) << ". ";
  if (s.run_id == 0) {
    out << "No run recorded.";
  } else {
    out << "Latest run " << s.run_id << " (" << H(s.run_status) << ").";
  }
  out << " The catalog holds locations, masked shapes and keyed tokens only: no value "
         "appears in this report.</p>\n";

  out << "<section id=\"summary\"><h2>Summary</h2><div class=\"tiles\">\n"
      << Tile("total-assets", "assets", s.assets)
      << Tile("total-sensitive", "sensitive", s.sensitive)
      << Tile("total-exposed", "exposed", s.exposed, true)
      << Tile("total-findings", "findings", s.findings);
  uint64_t gaps = 0;
  for (const auto& [status, n] : s.by_status) {
    if (status != "complete") gaps += n;
  }
  out << Tile("total-gaps", "not fully scanned", gaps, true)
      << Tile("total-removed", "removed", s.removed) << "</div>\n";

  // Assets none of whose content was read have no label: their own bar, so
  // the chart still adds up to the assets and "NONE" stays "read, clean".
  Bars labels = ToBars(s.by_label);
  if (s.unlabelled > 0) labels.emplace_back("(not read)", s.unlabelled);
  out << "<div class=\"charts\">\n"
      << BarChart("chart-labels", "Assets by label", labels, "#c0392b")
      << BarChart("chart-status", "Coverage by status", ToBars(s.by_status), "#2c7fb8");
  Bars types;
  for (const auto& t : s.by_type) types.emplace_back(t.type_id, t.assets);
  out << BarChart("chart-types", "Assets by type", types, "#7b3294")
      << BarChart("chart-categories", "Assets by category", ToBars(s.by_category), "#e08214");
  Bars hipaa;
  for (const auto& [cls, n] : s.by_hipaa_class) hipaa.emplace_back(fmt::format("class {}", cls), n);
  out << BarChart("chart-hipaa", "Assets by HIPAA identifier class", hipaa, "#1b7837")
      << "</div></section>\n";

  out << "<section id=\"exposure\"><h2>Exposure of sensitive assets</h2><div class=\"charts\">\n"
      << BarChart("chart-exposure", "Sensitive assets by who can read them", ToBars(s.by_exposure),
                  "#d7301f")
      << "</div>\n";
  if (d.exposed.empty()) {
    out << "<p id=\"exposed-none\">No sensitive asset is world-readable or writable by "
           "others.</p>\n";
  } else {
    out << "<table id=\"exposed\"><thead><tr><th>path</th><th>label</th><th>readable by</th>"
           "<th>mode</th><th>owner</th></tr></thead><tbody>\n";
    for (size_t i = 0; i < d.exposed.size() && i < kHtmlListedAssets; ++i) {
      const auto& a = d.exposed[i];
      out << "<tr>" << AssetPathCell(a) << LabelCell(a.label)
          << "<td>" << H(a.readable_by) << "</td><td>" << fmt::format("{:04o}", a.mode & 07777)
          << "</td><td>" << a.uid << ":" << a.gid << "</td></tr>\n";
    }
    out << "</tbody></table>\n";
    if (d.exposed.size() > kHtmlListedAssets) {
      out << "<p>and " << d.exposed.size() - kHtmlListedAssets
          << " more (<code>phireport assets --exposed</code>).</p>\n";
    }
  }
  out << "</section>\n";

  // A gap is not "clean": nobody has seen (all of) its content, and a file
  // that can no longer be read keeps the label it last had.
  out << "<section id=\"gaps\"><h2>Not fully scanned</h2>\n";
  if (d.gaps.empty()) {
    out << "<p id=\"gaps-none\">Every asset was read in full.</p>\n";
  } else {
    out << "<p>Assets whose content was not read in full: what they hold is not known, or "
           "known only in part. A file that can no longer be read keeps the label of its "
           "last read.</p>\n"
           "<table id=\"gap-table\"><thead><tr><th>path</th><th>status</th><th>reason</th>"
           "<th>detail</th><th>last label</th></tr></thead><tbody>\n";
    for (const auto& a : d.gaps) {
      out << "<tr>" << AssetPathCell(a) << "<td>" << AssetStatusName(a.status) << "</td><td>"
          << H(a.reason.empty() ? "-" : a.reason) << "</td><td>"
          << H(a.detail.empty() ? "-" : a.detail) << "</td>" << LabelCell(a.label) << "</tr>\n";
    }
    out << "</tbody></table>\n";
    if (d.gaps_total > d.gaps.size()) {
      out << "<p id=\"gaps-more\">and " << d.gaps_total - d.gaps.size()
          << " more (<code>phireport assets --status STATUS</code> lists them).</p>\n";
    }
  }
  out << "</section>\n";

  out << "<section id=\"folders\"><h2>Riskiest folders</h2>\n";
  Bars risk;
  for (size_t i = 0; i < d.folders.size() && i < 15; ++i) {
    risk.emplace_back(d.folders[i].folder, d.folders[i].risk);
  }
  out << BarChart("chart-folders", "Risk by folder", risk, "#b2182b");
  out << "<table id=\"folder-table\"><thead><tr><th>folder</th><th>risk</th><th>top label</th>"
         "<th>assets</th><th>sensitive</th><th>exposed</th><th>findings</th><th>gaps</th>"
         "</tr></thead><tbody>\n";
  for (size_t i = 0; i < d.folders.size() && i < 15; ++i) {
    const auto& f = d.folders[i];
    out << "<tr><td class=\"path\">" << H(f.folder) << "</td><td class=\"num\">" << f.risk
        << "</td>" << LabelCell(f.top_label) << "<td class=\"num\">" << f.assets
        << "</td><td class=\"num\">" << f.sensitive << "</td><td class=\"num\">" << f.exposed
        << "</td><td class=\"num\">" << f.findings << "</td><td class=\"num\">" << f.gaps
        << "</td></tr>\n";
  }
  out << "</tbody></table></section>\n";

  out << "<section id=\"runs\"><h2>Recent runs</h2><table id=\"run-table\"><thead><tr>"
         "<th>run</th><th>status</th><th>host</th><th>assets</th><th>unchanged</th>"
         "<th>gaps</th><th>removed</th></tr></thead><tbody>\n";
  for (size_t i = 0; i < d.runs.size() && i < 10; ++i) {
    const auto& r = d.runs[i];
    out << "<tr><td class=\"num\">" << r.id << "</td><td>" << H(r.status) << "</td><td>"
        << H(r.host) << "</td><td class=\"num\">" << r.assets << "</td><td class=\"num\">"
        << r.unchanged << "</td><td class=\"num\">" << r.gaps << "</td><td class=\"num\">"
        << r.removed << "</td></tr>\n";
  }
  out << "</tbody></table></section>\n";
  out << "<footer>phiscan: where sensitive data is, how sensitive, who can read it.</footer>\n"
      << "</body></html>\n";
}

}  // namespace phiscan::tools
