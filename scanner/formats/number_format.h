// Spreadsheet formats shared by .xls, .xlsx and .xlsb. Number formats:
// which ones show a date, and the date a serial day number stands for. A
// date cell of a workbook holds a number (30755); what a user sees, and
// what a date-of-birth pattern can match, is the date (1984-03-14). Numbers
// as a sheet shows them, RK numbers, and a page header's or footer's text
// without its formatting codes.
//
// Thread safety: pure functions.
#ifndef PHISCAN_SCANNER_FORMATS_NUMBER_FORMAT_H_
#define PHISCAN_SCANNER_FORMATS_NUMBER_FORMAT_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace phiscan::scanner::formats {

// Whether number format `id` shows a date: a built-in date format (14-17,
// 22, and the East Asian 27-36 and 50-58), or a format code `code` (of a
// custom format; empty for a built-in one) with a day or year part outside
// quotes, brackets and escapes ("dd-mmm-yyyy" yes; "[h]:mm", "0 \"days\""
// no).
bool IsDateFormat(uint32_t id, std::string_view code);

// Serial day `serial` of the 1900 date system (which counts a 29 February
// 1900 that never was) or the 1904 one, as YYYY-MM-DD; the time of day is
// dropped. Empty outside 1900-01-01 to 9999-12-31.
std::string SerialDate(double serial, bool date1904);

// The digits a format code shows as a fixed pattern: only '0' placeholders
// and literal separators (escaped with a backslash, quoted, or '-', ' ', '(',
// ')'), as "000-00-0000" (Excel's Social Security Number format,
// `000\-00\-0000`) or "00000" (ZIP Code): the pattern with each placeholder
// a '0'. Empty for any other format (digits '#', '?', thousands, sections,
// conditions, text, literal digits).
std::string DigitPattern(std::string_view code);

// Integer `v` as `pattern` (of DigitPattern) shows it: zero-padded to its
// placeholders, the separators between (123456789 in "000-00-0000" is
// "123-45-6789", 12345678 "012-34-5678"); digits beyond the placeholders go
// in front. Anything but a whole number from 0 to 10^15 as FormatNumber.
std::string ApplyDigitPattern(double v, std::string_view pattern);

// Which cell formats of a workbook show a date, as its styles part lists
// them (.xlsx or .xlsb alike): its custom number formats, then each cell
// format's number format, in order, appended to `out` (a cell's style
// index is its place there). With `digits`, also each cell format's
// DigitPattern (empty for none), in the same order.
class DateStyles {
 public:
  explicit DateStyles(std::vector<bool>& out, std::vector<std::string>* digits = nullptr)
      : out_(out), digits_(digits) {}
  // A custom number format. Ids past 65535 are not remembered (Excel's stay
  // in the hundreds): the table is a bit per id, whatever the file claims.
  void CustomFormat(uint32_t id, std::string_view code) {
    if (id >= kMaxFormatId) return;
    if (IsDateFormat(id, code)) {
      if (custom_.size() <= id) custom_.resize(size_t{id} + 1, false);
      custom_[id] = true;
    } else if (digits_ != nullptr) {
      std::string pattern = DigitPattern(code);
      if (pattern.empty()) return;
      if (custom_digits_.size() <= id) custom_digits_.resize(size_t{id} + 1);
      custom_digits_[id] = std::move(pattern);
    }
  }
  // The next cell format, showing number format `id`.
  void CellFormat(uint32_t id) {
    out_.push_back((id < custom_.size() && custom_[id]) || IsDateFormat(id, {}));
    if (digits_ != nullptr) {
      digits_->push_back(id < custom_digits_.size() ? custom_digits_[id] : std::string());
    }
  }

 private:
  static constexpr uint32_t kMaxFormatId = 1 << 16;
  std::vector<bool>& out_;
  std::vector<std::string>* digits_;
  std::vector<bool> custom_;
  std::vector<std::string> custom_digits_;
};

// A number as a spreadsheet shows it by default: integers without a
// fraction (an SSN or phone number stored as a number reads as its
// digits), others in their shortest form; empty for NaN and infinities.
std::string FormatNumber(double v);

// The value of an RK number ([MS-XLS] 2.5.217, the same in .xlsb): a 30-bit
// integer or the high bits of a double, divided by 100 when its low bit
// says so.
double RkValue(uint32_t rk);

// A page header's or footer's text without its codes ([MS-XLS] 2.4.136,
// the same in .xlsx): "&L", "&C", "&R" start a section (a line break here),
// "&&" is "&"; a font ("&\"Arial,Bold\""), a size ("&12"), a colour
// ("&KFF0000", "&K01+000"), the fields and styles ("&P", "&D", "&B") are
// dropped. A code letter left in would join the text after it
// ("&R536-22-8726").
std::string HeaderFooterText(std::string_view in);

}  // namespace phiscan::scanner::formats

#endif  // PHISCAN_SCANNER_FORMATS_NUMBER_FORMAT_H_
