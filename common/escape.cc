#include "common/escape.h"

#include <algorithm>
#include <cstdint>

namespace phiscan {
namespace {

// Length of the valid UTF-8 sequence at s[i], or 0 if invalid.
size_t Utf8SequenceLength(std::string_view s, size_t i) {
  auto b = [&](size_t k) { return static_cast<uint8_t>(s[k]); };
  uint8_t c = b(i);
  if (c < 0x80) return 1;
  size_t n;
  uint32_t cp;
  if ((c & 0xE0) == 0xC0) { n = 2; cp = c & 0x1F; }
  else if ((c & 0xF0) == 0xE0) { n = 3; cp = c & 0x0F; }
  else if ((c & 0xF8) == 0xF0) { n = 4; cp = c & 0x07; }
  else return 0;
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b(i + k) & 0x3F);
  }
  static constexpr uint32_t kMin[5] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

// Whether the valid n-byte sequence at s[i] is a bidirectional formatting
// character (U+061C, U+200E-200F, U+202A-202E, U+2066-2069). Printed raw,
// they reorder what follows them on screen ("Trojan Source"): a file named
// "\u202Etxt.exe" would display as "exe.txt".
bool IsBidiControl(std::string_view s, size_t i, size_t n) {
  auto b = [&](size_t k) { return static_cast<uint8_t>(s[i + k]); };
  if (n == 2) return b(0) == 0xD8 && b(1) == 0x9C;
  if (n != 3 || b(0) != 0xE2) return false;
  if (b(1) == 0x80) return b(2) == 0x8E || b(2) == 0x8F || (b(2) >= 0xAA && b(2) <= 0xAE);
  if (b(1) == 0x81) return b(2) >= 0xA6 && b(2) <= 0xA9;
  return false;
}

}  // namespace

bool IsValidUtf8(std::string_view raw) {
  for (size_t i = 0; i < raw.size();) {
    size_t n = Utf8SequenceLength(raw, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

bool IsQuotableName(std::string_view name) {
  auto letter = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
  if (name.empty() || name.size() > 64 || !letter(name[0])) return false;
  // Not a name holding an identifier's digits (a rule id SSN_536228726, a
  // key a536-22-8726): errors reach terminals and logs.
  if (HoldsIdentifierDigits(name)) return false;
  for (char c : name) {
    if (!letter(c) && !(c >= '0' && c <= '9') && c != '-' && c != '.') return false;
  }
  return true;
}

std::string QuoteName(std::string_view name, std::string_view instead) {
  if (!IsQuotableName(name)) return std::string(instead);
  std::string quoted = "'";
  quoted.append(name);
  quoted += '\'';
  return quoted;
}

std::string NameOrKind(std::string_view kind, std::string_view name) {
  if (!IsQuotableName(name)) return "a " + std::string(kind);
  return std::string(kind) + " " + std::string(name);
}

bool HoldsIdentifierDigits(std::string_view value) {
  size_t digits = 0;
  for (char c : value) digits += (c >= '0' && c <= '9') ? 1 : 0;
  return digits >= 6;
}

std::string QuoteValue(std::string_view value) {
  if (HoldsIdentifierDigits(value)) return kValueNotShown;
  return "'" + EscapeBytes(value) + "'";
}

std::string QuoteNumberValue(std::string_view value) {
  size_t digits = 0;
  while (digits < value.size() && value[digits] >= '0' && value[digits] <= '9') ++digits;
  const std::string_view unit = value.substr(digits);
  const bool number =
      digits > 0 && unit.size() <= 3 && std::all_of(unit.begin(), unit.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
      });
  return number ? "'" + std::string(value) + "'" : QuoteValue(value);
}

std::string Abbreviate(std::string_view text, size_t max) {
  if (text.size() <= max) return std::string(text);
  return std::string(text.substr(0, max)) + "...";
}

std::string EscapeBytes(std::string_view raw) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(raw.size());
  for (size_t i = 0; i < raw.size();) {
    // Printable ASCII other than the backslash passes as it is: a run of it
    // goes in at once (most paths are nothing else).
    size_t plain = i;
    while (plain < raw.size() && raw[plain] >= 0x20 && raw[plain] < 0x7F && raw[plain] != '\\') {
      ++plain;
    }
    if (plain > i) {
      out.append(raw.substr(i, plain - i));
      i = plain;
      continue;
    }
    auto c = static_cast<uint8_t>(raw[i]);
    if (c == '\\') { out += "\\\\"; ++i; continue; }
    if (c == '\n') { out += "\\n"; ++i; continue; }
    if (c == '\t') { out += "\\t"; ++i; continue; }
    if (c == '\r') { out += "\\r"; ++i; continue; }
    size_t n = Utf8SequenceLength(raw, i);
    // C0 controls, DEL, and C1 controls (U+0080..U+009F) are escaped, and
    // so is a bidirectional formatting character: its first byte here, the
    // rest as the stray continuation bytes they then are.
    bool c1 = n == 2 && c == 0xC2 && static_cast<uint8_t>(raw[i + 1]) < 0xA0;
    if (n == 0 || c < 0x20 || c == 0x7F || c1 || (n >= 2 && IsBidiControl(raw, i, n))) {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
      ++i;
      continue;
    }
    out.append(raw.substr(i, n));
    i += n;
  }
  return out;
}

}  // namespace phiscan
