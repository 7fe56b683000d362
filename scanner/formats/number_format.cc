#include "scanner/formats/number_format.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>

namespace phiscan::scanner::formats {

bool IsDateFormat(uint32_t id, std::string_view code) {
  if ((id >= 14 && id <= 17) || id == 22 || (id >= 27 && id <= 36) || (id >= 50 && id <= 58)) {
    return true;
  }
  bool quoted = false;
  int bracket = 0;
  for (size_t i = 0; i < code.size(); ++i) {
    const char c = code[i];
    if (c == '"') {
      quoted = !quoted;
    } else if (quoted) {
      continue;
    } else if (c == '\\' || c == '_' || c == '*') {
      ++i;  // the next character is literal (or a padding character)
    } else if (c == '[') {
      ++bracket;
    } else if (c == ']') {
      bracket = std::max(0, bracket - 1);
    } else if (bracket == 0 && (c == 'd' || c == 'D' || c == 'y' || c == 'Y')) {
      return true;
    }
  }
  return false;
}

std::string DigitPattern(std::string_view code) {
  std::string pattern;
  int zeros = 0;
  for (size_t i = 0; i < code.size(); ++i) {
    const char c = code[i];
    if (c == '0') {
      pattern += '0';
      ++zeros;
    } else if (c == '\\' && i + 1 < code.size() && code[i + 1] != '0') {
      pattern += code[++i];
    } else if (c == '"') {
      const size_t close = code.find('"', i + 1);
      if (close == std::string_view::npos) return {};
      const std::string_view literal = code.substr(i + 1, close - i - 1);
      if (literal.find('0') != std::string_view::npos) return {};
      pattern.append(literal);
      i = close;
    } else if (c == '-' || c == ' ' || c == '(' || c == ')') {  // not '.' or '/' unescaped
      pattern += c;
    } else {
      return {};
    }
  }
  // A bare "0" is General for integers: nothing to pad or separate.
  return zeros >= 2 && pattern.size() <= 64 ? pattern : std::string();
}

std::string ApplyDigitPattern(double v, std::string_view pattern) {
  if (!(v >= 0 && v < 1e15) || v != static_cast<double>(static_cast<int64_t>(v))) {
    return FormatNumber(v);
  }
  std::string digits = std::to_string(static_cast<int64_t>(v));
  const size_t slots = static_cast<size_t>(std::count(pattern.begin(), pattern.end(), '0'));
  if (digits.size() < slots) digits.insert(0, slots - digits.size(), '0');
  std::string out;
  size_t next = digits.size() - slots;  // digits beyond the placeholders go first
  bool first = true;
  for (char c : pattern) {
    if (c != '0') {
      out += c;
      continue;
    }
    if (first) {
      out.append(digits, 0, next);
      first = false;
    }
    out += digits[next++];
  }
  return out;
}

std::string SerialDate(double serial, bool date1904) {
  if (!(serial >= 1 && serial < 2958466)) return {};
  int64_t days = static_cast<int64_t>(serial);
  if (!date1904 && days == 60) return "1900-02-29";
  // Days since 1970-01-01.
  days = date1904 ? days - 24107 : days - (days > 60 ? 25569 : 25568);
  // The civil date of a day count (Howard Hinnant's days_from_civil, inverted).
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const int64_t doe = days - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const int64_t m = mp < 10 ? mp + 3 : mp - 9;
  const int64_t y = yoe + era * 400 + (m <= 2);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", static_cast<int>(y), static_cast<int>(m),
                static_cast<int>(d));
  return buf;
}

std::string HeaderFooterText(std::string_view in) {
  std::string out;
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '&' || i + 1 == in.size()) {
      out += in[i];
      continue;
    }
    const char c = in[++i];
    if (c == '&') {
      out += '&';
    } else if (c == 'L' || c == 'C' || c == 'R') {
      if (!out.empty() && out.back() != '\n') out += '\n';
    } else if (c == '"') {
      const size_t close = in.find('"', i + 1);
      i = close == std::string_view::npos ? in.size() : close;
    } else if (c >= '0' && c <= '9') {
      while (i + 1 < in.size() && in[i + 1] >= '0' && in[i + 1] <= '9') ++i;
    } else if (c == 'K') {
      i = std::min(i + 6, in.size());
    }
    // Any other letter is a field or a style: nothing of it is text.
  }
  return out;
}

std::string FormatNumber(double v) {
  if (!std::isfinite(v)) return {};
  char buf[32];
  std::to_chars_result r{};
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    r = std::to_chars(buf, buf + sizeof buf, static_cast<int64_t>(v));
  } else {
    r = std::to_chars(buf, buf + sizeof buf, v);
  }
  return std::string(buf, r.ptr);
}

double RkValue(uint32_t rk) {
  double v;
  if (rk & 0x02) {
    v = static_cast<double>(static_cast<int32_t>(rk) >> 2);
  } else {
    const uint64_t bits = static_cast<uint64_t>(rk & 0xFFFFFFFC) << 32;
    std::memcpy(&v, &bits, sizeof v);
  }
  return rk & 0x01 ? v / 100 : v;
}

}  // namespace phiscan::scanner::formats
