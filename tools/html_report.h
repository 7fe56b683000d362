// The self-contained HTML report of `phireport html`.
//
// One file with inline CSS and inline SVG charts: no scripts, no external
// fetches (a Content-Security-Policy meta tag forbids them even if a future
// edit slipped one in). Every string that comes from the catalog (paths,
// labels, type ids, hosts) is passed through EscapeBytes and then
// HTML-escaped, so a file name can neither inject markup nor break a line.
// Elements carry ids and data-* attributes (documented in the README) so the
// page can be checked by tools, not only read.
//
// Thread safety: stateless.
#ifndef PHISCAN_TOOLS_HTML_REPORT_H_
#define PHISCAN_TOOLS_HTML_REPORT_H_

#include <cstddef>
#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/reader.h"
#include "common/status.h"

namespace phiscan::tools {

// Rows the page lists of the exposed assets and of the coverage gaps; the
// rest are counted ("and N more"), so a share with a hundred thousand
// unreadable files still gives a page a browser opens.
inline constexpr size_t kHtmlListedAssets = 50;

struct HtmlReportData {
  std::string catalog_display;  // escaped catalog path
  std::string generated_at;     // ISO 8601 UTC
  catalog::Summary summary;
  std::vector<catalog::FolderRow> folders;  // riskiest first; the report shows the first 15
  std::vector<catalog::RunRow> runs;        // newest first; the report shows the first 10
  // Every exposed sensitive asset (as the exposed total counts them, at any
  // confidence), PHI first, then PCI, PII and other labels, each in path
  // order; the report lists the first kHtmlListedAssets.
  std::vector<catalog::AssetRow> exposed;
  // The first kHtmlListedAssets coverage gaps (present assets with any
  // status but complete), in the same order as `exposed` (a PHI file that
  // can no longer be read before a log cut at a size limit), and how many
  // gaps there are in all (the total-gaps tile).
  std::vector<catalog::AssetRow> gaps;
  uint64_t gaps_total = 0;
};

// Reads what the page shows (summary, folders cut at `depth`, runs, exposed
// assets and coverage gaps under `filter`) in one snapshot of the catalog (joining the
// reader's if one is open), so the page's totals, charts and tables agree
// even while a scan commits. `catalog_display` and `generated_at` are left
// to the caller. Errors: the reader's.
Result<HtmlReportData> GatherHtmlReportData(catalog::CatalogReader& reader,
                                            const catalog::Filter& filter, int depth);

// &, <, >, " and ' as entities. `text` must already be valid UTF-8.
std::string HtmlEscape(std::string_view text);

void WriteHtmlReport(std::ostream& out, const HtmlReportData& data);

}  // namespace phiscan::tools

#endif  // PHISCAN_TOOLS_HTML_REPORT_H_
