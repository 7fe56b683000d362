// UTF-8 to code points and UTF-16, for the test-only file writers.
#ifndef PHISCAN_TESTS_TESTUTIL_UTF_H_
#define PHISCAN_TESTS_TESTUTIL_UTF_H_

#include <string>

namespace phiscan::testing {

// The code points of `in`; an invalid or cut sequence becomes U+FFFD and
// sets *valid false (when given).
inline std::u32string Utf8ToCodePoints(const std::string& in, bool* valid = nullptr) {
  std::u32string out;
  auto bad = [&] {
    out.push_back(0xFFFD);
    if (valid) *valid = false;
  };
  for (size_t i = 0; i < in.size();) {
    const auto c = static_cast<unsigned char>(in[i]);
    const size_t len = c < 0x80             ? 1
                       : (c & 0xE0) == 0xC0 ? 2
                       : (c & 0xF0) == 0xE0 ? 3
                       : (c & 0xF8) == 0xF0 ? 4
                                            : 0;
    if (len == 0 || i + len > in.size()) {
      bad();
      i += len == 0 ? 1 : in.size() - i;
      continue;
    }
    char32_t cp = len == 1 ? c : c & (0x7F >> len);
    bool ok = true;
    for (size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(in[i + k]);
      ok = ok && (cc & 0xC0) == 0x80;
      cp = (cp << 6) | (cc & 0x3F);
    }
    static constexpr char32_t kMin[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (!ok || cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      bad();
      ++i;
      continue;
    }
    out.push_back(cp);
    i += len;
  }
  return out;
}

inline std::u16string CodePointsToUtf16(const std::u32string& cps) {
  std::u16string out;
  for (char32_t cp : cps) {
    if (cp >= 0x10000) {
      cp -= 0x10000;
      out.push_back(static_cast<char16_t>(0xD800 + (cp >> 10)));
      out.push_back(static_cast<char16_t>(0xDC00 + (cp & 0x3FF)));
    } else {
      out.push_back(static_cast<char16_t>(cp));
    }
  }
  return out;
}

}  // namespace phiscan::testing

#endif  // PHISCAN_TESTS_TESTUTIL_UTF_H_
