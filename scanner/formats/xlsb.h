// Excel binary workbooks (.xlsb, [MS-XLSB]): the package of an xlsx with its
// parts written as BIFF12 records instead of XML. Read as an xlsx is
// (formats/xlsx.h): the shared strings (xl/sharedStrings.bin), the date
// formats (xl/styles.bin) and the 1904 date system (xl/workbook.bin) first,
// into the same SharedStrings table, then each sheet
// (xl/worksheets/sheetN.bin) as a stream of cells written by SheetCells
// under their column names, its page headers and footers as text apart,
// and each comments part (xl/commentsN.bin) as text.
//
// A BIFF12 record is a type (one or two bytes of 7 bits), a size (one to
// four bytes of 7 bits) and that many bytes of body. Records are split out
// of the stream in whatever pieces it comes (Biff12Stream); a body longer
// than kMaxBiff12Record (no cell or string comes near it) is skipped
// unread, so memory stays constant whatever the part holds.
//
// Thread safety: one per stream.
#ifndef PHISCAN_SCANNER_FORMATS_XLSB_H_
#define PHISCAN_SCANNER_FORMATS_XLSB_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "scanner/formats/number_format.h"
#include "scanner/formats/text_sink.h"
#include "scanner/formats/xlsx.h"
#include "scanner/limits.h"

namespace phiscan::scanner::formats {

inline constexpr size_t kMaxBiff12Record = 1 << 20;

class Biff12Stream {
 public:
  using OnRecord = std::function<void(uint32_t type, std::string_view body)>;
  explicit Biff12Stream(OnRecord on) : on_(std::move(on)) {}
  // The next bytes of the part.
  void Feed(std::string_view bytes);
  // Whether the bytes so far ended inside a record (a part cut short).
  bool mid_record() const { return state_ != State::kType || type_bytes_ > 0; }

 private:
  enum class State { kType, kSize, kBody };
  OnRecord on_;
  State state_ = State::kType;
  uint32_t type_ = 0, size_ = 0;
  int type_bytes_ = 0, size_bytes_ = 0;
  uint64_t left_ = 0;  // body bytes still to come
  bool skip_ = false;  // the body is over kMaxBiff12Record: not kept
  std::string body_;
};

// Parts of an .xlsb package read for their text: worksheets and comments.
bool IsXlsbTextPart(std::string_view name);
bool IsXlsbWorksheetPart(std::string_view name);

// Which xlsb part feeds the shared-strings table, and how: reads the records
// of xl/sharedStrings.bin, xl/styles.bin or xl/workbook.bin (`name`) into
// `table`. The strings count against `max_bytes` as xlsx ones do; false
// when they pass it.
class XlsbTablePart {
 public:
  XlsbTablePart(std::string_view name, SharedStrings& table, size_t max_bytes);
  void Feed(std::string_view bytes) { stream_.Feed(bytes); }
  bool overflow() const { return overflow_; }
  static bool Reads(std::string_view name);

 private:
  void Record(uint32_t type, std::string_view body);
  enum class Part { kStrings, kStyles, kWorkbook } part_;
  SharedStrings& table_;
  size_t max_bytes_, bytes_ = 0;
  bool overflow_ = false, in_cell_xfs_ = false;
  DateStyles date_styles_;
  Biff12Stream stream_;
};

// A worksheet or comments part to text: cells through SheetCells (shared
// strings from `table`, numbers in date formats as dates), headers,
// footers and comments as text apart; the strings of a shared-strings part
// (read so when its table could not be held) one per line. REQUIRES:
// `sink`, `table` and `limits` outlive it.
class XlsbSheet {
 public:
  XlsbSheet(TextSink& sink, SharedStrings& table, const ScanLimits& limits);
  void Feed(std::string_view bytes) { stream_.Feed(bytes); }
  // Ends the last row; true when the part ended inside a record.
  bool End();

 private:
  void Record(uint32_t type, std::string_view body);
  void Cell(uint32_t col, uint32_t style, uint32_t kind, std::string_view value);
  SharedStrings& table_;
  SheetCells cells_;
  int64_t col_ = -1;  // the last cell's column (a short cell record takes the next)
  Biff12Stream stream_;
};

}  // namespace phiscan::scanner::formats

#endif  // PHISCAN_SCANNER_FORMATS_XLSB_H_
