// Spreadsheet cells with their column names: in an xlsx workbook the first
// row of each sheet names the columns, like a CSV header, so a value under
// a column named "SSN" has that keyword as evidence however far the header
// is in the text.
//
// Cells refer to the workbook's shared strings by index, and Excel writes
// the sheets before xl/sharedStrings.xml, so the table is read first, in a
// pass of its own over the package (which must then be seekable: a
// top-level file, or a member buffered in memory). A sheet is then read as
// a stream: each cell's text (the shared string, inline string or value) is
// written with cells separated by a space and rows by a line end, and every
// cell below the first row is declared under its column's header text.
// Shared strings no cell used are written at the end, so nothing in the
// table goes unread, and xl/sharedStrings.xml itself is not read again.
//
// Bounds: the table holds at most ScanLimits::max_buffered_member bytes,
// counting each string's text and its bookkeeping (a larger one, or one of
// millions of empty strings, is not loaded and the package is read part by
// part without column names); a cell's text is cut at kMaxCell bytes; header
// names at max_field_name; columns at max_columns.
//
// Thread safety: one per stream.
#ifndef PHISCAN_SCANNER_FORMATS_XLSX_H_
#define PHISCAN_SCANNER_FORMATS_XLSX_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scanner/budget.h"
#include "scanner/formats/byte_source.h"
#include "scanner/formats/structured.h"
#include "scanner/limits.h"

namespace phiscan::scanner::formats {

inline constexpr size_t kMaxCell = 32 << 10;  // Excel's own cell limit is 32,767 characters

struct SharedStrings {
  std::vector<std::string> strings;
  std::vector<bool> used;
  // By cell format index (a cell's s attribute): true for a date format
  // (xl/styles.xml). A number in one is written as the date it shows,
  // counted from 1904 when xl/workbook.xml says so.
  std::vector<bool> date_styles;
  // By cell format index: the digit pattern of a format such as Excel's
  // Social Security Number (000-00-0000), empty for none: a number in one
  // is written as it shows (12345678 as 012-34-5678).
  std::vector<std::string> digit_styles;
  bool date1904 = false;
  bool loaded = false;  // xl/sharedStrings.xml was present and read whole
};

// Reads the shared strings of the package in `src` (REQUIRES: seekable).
// nullopt when the package has no worksheet, or the table could not be read
// or is too large: the caller then reads the package without column names.
std::optional<SharedStrings> LoadSharedStrings(ByteSource& src, const ScanLimits& limits,
                                               Budget& budget);

bool IsWorksheetPart(std::string_view name);

// A worksheet part (decoded UTF-8 XML) to cell text. REQUIRES: `sink`,
// `strings` and `limits` outlive it.
std::unique_ptr<StructuredText> MakeSheet(TextSink& sink, SharedStrings& strings,
                                          const ScanLimits& limits);

// Spreadsheet cells to a TextSink, for xlsx sheets and legacy .xls
// workbooks alike: cells separated by a space, rows by a line end, and each
// cell below the sheet's first row declared under its column's header (the
// first row's text in that column, cut at max_field_name; columns past
// max_columns have none). One per sheet.
class SheetCells {
 public:
  // REQUIRES: `sink` and `limits` outlive it.
  SheetCells(TextSink& sink, const ScanLimits& limits) : sink_(sink), limits_(limits) {}
  void StartRow();
  // A cell of the current row; empty text is skipped.
  void Cell(size_t col, std::string_view text);
  // A text apart from the cells (a page header), on a line of its own and
  // under no column's name; empty text is skipped.
  void Text(std::string_view text);
  // Ends the sheet's last row.
  void End();

 private:
  TextSink& sink_;
  const ScanLimits& limits_;
  std::vector<std::string> headers_;
  size_t rows_ = 0;
  int cells_in_row_ = 0;
};

// Writes the shared strings no sheet referred to, one per line.
void WriteUnusedStrings(TextSink& sink, const SharedStrings& strings);

// Parses a shared-strings part held in memory (fuzz targets, tests); false
// if its text passes `max_bytes`.
bool ParseSharedStrings(std::string_view xml, size_t max_bytes, SharedStrings& out);

}  // namespace phiscan::scanner::formats

#endif  // PHISCAN_SCANNER_FORMATS_XLSX_H_
