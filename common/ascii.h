// ASCII case, for the names the parsers and validators compare (element
// and header names, column names, words of a value), which never need a
// locale.
//
// Thread safety: pure functions.
#ifndef PHISCAN_COMMON_ASCII_H_
#define PHISCAN_COMMON_ASCII_H_

#include <cstddef>
#include <string_view>

namespace phiscan {

// 'A'-'Z' lowered; every other byte as it is.
inline char AsciiLower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

// Whether `a` and `b` are equal but for ASCII case.
inline bool EqualsNoCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (AsciiLower(a[i]) != AsciiLower(b[i])) return false;
  }
  return true;
}

}  // namespace phiscan

#endif  // PHISCAN_COMMON_ASCII_H_
