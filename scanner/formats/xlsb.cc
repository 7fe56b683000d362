#include "scanner/formats/xlsb.h"

#include <cstring>

#include "scanner/formats/legacy_office.h"
#include "scanner/formats/little_endian.h"
#include "scanner/formats/number_format.h"

namespace phiscan::scanner::formats {
namespace {

// Record types ([MS-XLSB] 2.3.2).
constexpr uint32_t kRowHdr = 0, kCellLast = 11, kShortFirst = 12, kShortLast = 18,
                   kSstItem = 19, kFmt = 44, kXf = 47, kWbProp = 153, kHeaderFooter = 479,
                   kBeginCellXfs = 617, kEndCellXfs = 618, kCommentAuthor = 632,
                   kCommentText = 637;
// Cell kinds: the full cell records' types (a short record's is 11 less),
// and a cell holding a rich string of its own (BrtCellRString).
constexpr uint32_t kRk = 2, kReal = 5, kSt = 6, kIsst = 7, kFmlaString = 8, kFmlaNum = 9,
                   kRString = 62;

// An XLWideString (u32 count, UTF-16 characters) at `at`, its characters
// cut at kMaxCell bytes of UTF-8; `at` moves past it. Empty, and `at` at
// the end, when it does not fit.
std::string WideString(std::string_view b, size_t& at) {
  std::string out;
  if (b.size() < 4 || at > b.size() - 4) {
    at = b.size();
    return out;
  }
  const uint64_t count = Le32(b, at);
  at += 4;
  if (count == 0xFFFFFFFF) return out;  // XLNullableWideString's null
  const size_t bytes = static_cast<size_t>(std::min<uint64_t>(2 * count, b.size() - at));
  AppendUtf16Le(b.substr(at, std::min<size_t>(bytes, 2 * kMaxCell)), out);
  at += bytes;
  return out;
}

// A RichStr ([MS-XLSB] 2.5.126): a flags byte, then the string (its runs
// and phonetic data after it are not text).
std::string RichString(std::string_view b) {
  size_t at = 1;
  return b.empty() ? std::string() : WideString(b, at);
}

}  // namespace

void Biff12Stream::Feed(std::string_view in) {
  size_t i = 0;
  while (i < in.size()) {
    if (state_ == State::kType) {
      const uint8_t c = static_cast<uint8_t>(in[i++]);
      type_ |= static_cast<uint32_t>(c & 0x7F) << (7 * type_bytes_);
      ++type_bytes_;
      if ((c & 0x80) == 0 || type_bytes_ == 2) {
        state_ = State::kSize;
        size_ = 0;
        size_bytes_ = 0;
      }
    } else if (state_ == State::kSize) {
      const uint8_t c = static_cast<uint8_t>(in[i++]);
      size_ |= static_cast<uint32_t>(c & 0x7F) << (7 * size_bytes_);
      ++size_bytes_;
      if ((c & 0x80) == 0 || size_bytes_ == 4) {
        state_ = State::kBody;
        left_ = size_;
        skip_ = size_ > kMaxBiff12Record;
        body_.clear();
      }
    } else {
      const size_t n = static_cast<size_t>(std::min<uint64_t>(left_, in.size() - i));
      if (!skip_ && body_.empty() && n == left_) {
        on_(type_, in.substr(i, n));  // whole in this piece: no copy
      } else if (!skip_) {
        body_.append(in.substr(i, n));
        if (n == left_) on_(type_, body_);
      }
      i += n;
      left_ -= n;
    }
    if (state_ == State::kBody && left_ == 0) {
      if (size_ == 0) on_(type_, {});
      state_ = State::kType;
      type_ = 0;
      type_bytes_ = 0;
    }
  }
}

bool IsXlsbWorksheetPart(std::string_view n) {
  return n.starts_with("xl/worksheets/sheet") && n.ends_with(".bin");
}

bool IsXlsbTextPart(std::string_view n) {
  return IsXlsbWorksheetPart(n) || (n.starts_with("xl/comments") && n.ends_with(".bin"));
}

bool XlsbTablePart::Reads(std::string_view n) {
  return n == "xl/sharedStrings.bin" || n == "xl/styles.bin" || n == "xl/workbook.bin";
}

XlsbTablePart::XlsbTablePart(std::string_view name, SharedStrings& table, size_t max_bytes)
    : part_(name == "xl/sharedStrings.bin" ? Part::kStrings
            : name == "xl/styles.bin"      ? Part::kStyles
                                           : Part::kWorkbook),
      table_(table),
      max_bytes_(max_bytes),
      date_styles_(table.date_styles, &table.digit_styles),
      stream_([this](uint32_t type, std::string_view body) { Record(type, body); }) {}

void XlsbTablePart::Record(uint32_t type, std::string_view body) {
  switch (part_) {
    case Part::kStrings:
      if (type == kSstItem && !overflow_) {
        std::string s = RichString(body);
        // What it costs in memory, as for xl/sharedStrings.xml.
        bytes_ += s.size() + sizeof(std::string) + 1;
        if (bytes_ > max_bytes_) {
          overflow_ = true;
          return;
        }
        table_.strings.push_back(std::move(s));
      }
      break;
    case Part::kStyles:
      // Custom formats by id, then the cell formats (BrtXF inside
      // BrtBeginCellXFs, in order; the style formats are another list).
      if (type == kFmt && body.size() >= 2) {
        size_t at = 2;
        date_styles_.CustomFormat(Le16(body, 0), WideString(body, at));
      } else if (type == kBeginCellXfs) {
        in_cell_xfs_ = true;
      } else if (type == kEndCellXfs) {
        in_cell_xfs_ = false;
      } else if (type == kXf && in_cell_xfs_ && body.size() >= 4) {
        date_styles_.CellFormat(Le16(body, 2));
      }
      break;
    case Part::kWorkbook:
      if (type == kWbProp && body.size() >= 4) table_.date1904 = (Le32(body, 0) & 0x01) != 0;
      break;
  }
}

XlsbSheet::XlsbSheet(TextSink& sink, SharedStrings& table, const ScanLimits& limits)
    : table_(table),
      cells_(sink, limits),
      stream_([this](uint32_t type, std::string_view body) { Record(type, body); }) {}

bool XlsbSheet::End() {
  cells_.End();
  return stream_.mid_record();
}

void XlsbSheet::Record(uint32_t type, std::string_view body) {
  if (type == kRowHdr) {
    cells_.StartRow();
    col_ = -1;
  } else if (type <= kCellLast || type == kRString) {
    // Cell: column (u32), style (24 bits) and flags, then the value.
    if (body.size() >= 8) Cell(Le32(body, 0), Le32(body, 4) & 0xFFFFFF, type, body.substr(8));
  } else if (type >= kShortFirst && type <= kShortLast) {
    // The same without the column: the one after the last cell's.
    if (body.size() >= 4) {
      Cell(static_cast<uint32_t>(col_ + 1), Le32(body, 0) & 0xFFFFFF, type - 11, body.substr(4));
    }
  } else if (type == kHeaderFooter && body.size() >= 2) {
    // Flags, then six nullable strings: odd, even and first page's header
    // and footer.
    size_t at = 2;
    for (int k = 0; k < 6 && at < body.size(); ++k) {
      cells_.Text(HeaderFooterText(WideString(body, at)));
    }
  } else if (type == kSstItem) {
    // A shared-strings part read as text (its table was too large to hold).
    cells_.Text(RichString(body));
  } else if (type == kCommentAuthor) {
    size_t at = 0;
    cells_.Text(WideString(body, at));
  } else if (type == kCommentText) {
    cells_.Text(RichString(body));
  }
}

void XlsbSheet::Cell(uint32_t col, uint32_t style, uint32_t kind, std::string_view value) {
  col_ = col;
  auto number = [&](double v) {
    if (style < table_.date_styles.size() && table_.date_styles[style]) {
      std::string date = SerialDate(v, table_.date1904);
      if (!date.empty()) return date;
    }
    if (style < table_.digit_styles.size() && !table_.digit_styles[style].empty()) {
      return ApplyDigitPattern(v, table_.digit_styles[style]);
    }
    return FormatNumber(v);
  };
  std::string text;
  size_t at = 0;
  switch (kind) {
    case kRk:
      if (value.size() >= 4) text = number(RkValue(Le32(value, 0)));
      break;
    case kReal:
    case kFmlaNum:
      if (value.size() >= 8) {
        const uint64_t bits = Le32(value, 0) | static_cast<uint64_t>(Le32(value, 4)) << 32;
        double v;
        std::memcpy(&v, &bits, sizeof v);
        text = number(v);
      }
      break;
    case kSt:
    case kFmlaString:
      text = WideString(value, at);
      break;
    case kRString:
      text = RichString(value);
      break;
    case kIsst:
      if (value.size() >= 4) {
        const uint32_t i = Le32(value, 0);
        if (i < table_.strings.size()) {
          table_.used[i] = true;
          text = table_.strings[i];
        }
      }
      break;
    default:  // blank, boolean, error
      return;
  }
  cells_.Cell(col, text);
}

}  // namespace phiscan::scanner::formats
