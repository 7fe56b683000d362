// Internal: the Latin-1 letters of UTF-8 text (U+00C0-U+00FF, two bytes
// starting 0xC3) folded to the ASCII letter they are written on, lower case:
// "José García" and "JOSE GARCIA" compare equal, for the name dictionary and
// for the `name` normalisation tokens are computed on.
#ifndef PHISCAN_CLASSIFIERS_INTERNAL_LATIN_FOLD_H_
#define PHISCAN_CLASSIFIERS_INTERNAL_LATIN_FOLD_H_

#include <cstddef>
#include <string_view>

namespace phiscan::classifiers::internal {

// The lower-case ASCII letter of the character 0xC3 `second` (0x80-0xBF),
// or '\0' where there is none (Æ, ×, Þ, ß, ÷ and their like).
inline char FoldLatin1(unsigned char second) {
  // 0xA0-0xBF: à á â ã ä å æ ç è é ê ë ì í î ï ð ñ ò ó ô õ ö ÷ ø ù ú û ü ý þ ÿ
  static constexpr char kLower[33] = "aaaaaa\0ceeeeiiiidnooooo\0ouuuuy\0y";
  if (second < 0x80 || second > 0xBF) return '\0';
  if (second == 0x9F) return '\0';  // ß, not an upper-case letter
  return kLower[(second | 0x20) - 0xA0];
}

// If s[i] starts such a letter (0xC3 and a second byte that folds), its
// ASCII letter, with i moved onto the second byte; else '\0', i unchanged.
inline char FoldLatin1At(std::string_view s, size_t& i) {
  if (s[i] != '\xC3' || i + 1 >= s.size()) return '\0';
  const char folded = FoldLatin1(static_cast<unsigned char>(s[i + 1]));
  if (folded != '\0') ++i;
  return folded;
}

}  // namespace phiscan::classifiers::internal

#endif  // PHISCAN_CLASSIFIERS_INTERNAL_LATIN_FOLD_H_
