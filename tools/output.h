// Output formats shared by phiscan and phireport: table, json, jsonl, csv.
//
// A RowWriter takes rows as JSON objects with a fixed column order. Strings
// must already be valid UTF-8 (paths go through EscapeBytes first; PathValue
// does that). Formats:
//   table  aligned columns for a terminal; nested values printed compactly
//   json   one JSON array of objects
//   jsonl  one JSON object per line
//   csv    RFC 4180 with a header line; cells starting with = + - @ (or a tab
//          or CR) are prefixed with a single quote against formula injection
//
// Thread safety: one writer per stream, one thread.
#ifndef PHISCAN_TOOLS_OUTPUT_H_
#define PHISCAN_TOOLS_OUTPUT_H_

#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"

namespace phiscan::tools {

enum class Format { kTable, kJson, kJsonl, kCsv };
std::optional<Format> ParseFormat(std::string_view name);

// `text` with C0 and C1 control characters (newline, ESC, CSI...) replaced
// by \xNN, so it stays on one line and cannot drive a terminal. Everything
// else, backslashes included, passes through: already-escaped paths are not
// escaped twice.
std::string TerminalSafe(std::string_view text);

// A raw-bytes path (or member) as an output value: escaped text.
nlohmann::json PathValue(std::string_view raw);
// Optional raw bytes: null when absent.
nlohmann::json OptionalPathValue(const std::optional<std::string>& raw);
// Unix seconds as ISO 8601 UTC text, "2026-11-29T21:33:13Z"; null if the
// time cannot be represented.
nlohmann::json IsoSeconds(int64_t secs);

// Flushes std::cout and says whether everything written to it arrived: a
// report cut short by a full disk or a closed file must not end with exit
// status 0. kIoError ("cannot write standard output: No space left on
// device") if any write to it failed.
Status FlushStandardOutput();

class RowWriter {
 public:
  RowWriter(Format format, std::ostream& out, std::vector<std::string> columns);
  ~RowWriter();  // calls Finish() if not yet called
  void Row(const nlohmann::json& row);
  // The same, with the cells given in column order (no object to build and
  // look up: the fast path for large listings). REQUIRES: one per column.
  void RowCells(const std::vector<nlohmann::json>& cells);
  // Flushes buffered output (table alignment, closing bracket of json).
  void Finish();

 private:
  Format format_;
  std::ostream& out_;
  template <typename CellFn>
  void Write(CellFn&& cell);  // cell(i): the value of column i

  std::vector<std::string> columns_;
  std::vector<std::string> json_keys_;  // per column: "name": as JSON, made once
  std::string line_;                    // the JSON line being built, reused
  std::vector<std::vector<std::string>> table_rows_;
  // Per column, for table alignment: numbers are right-aligned when a
  // column holds nothing but numbers (and nulls).
  std::vector<bool> has_number_;
  std::vector<bool> has_text_;
  bool first_ = true;
  bool finished_ = false;
};

}  // namespace phiscan::tools

#endif  // PHISCAN_TOOLS_OUTPUT_H_
