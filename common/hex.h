// The value of one hexadecimal digit, for the parsers that read hex: RTF's
// \'hh and object data, PDF's #hh and <hex strings>, quoted-printable and
// URL escapes in mail, \xHH in rule regexes, hex identifiers.
//
// Thread safety: a pure function.
#ifndef PHISCAN_COMMON_HEX_H_
#define PHISCAN_COMMON_HEX_H_

namespace phiscan {

// 0-15 for '0'-'9', 'a'-'f' and 'A'-'F'; -1 for anything else.
inline int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace phiscan

#endif  // PHISCAN_COMMON_HEX_H_
