// One escaper for every path or name that leaves the program.
//
// Paths are raw bytes (POSIX allows anything but NUL and '/'-separation), so
// they may hold newlines, terminal escapes or invalid UTF-8. Every output
// format passes them through EscapeBytes first: valid UTF-8 printable text is
// kept, everything else becomes a visible escape, so a log line or report row
// can never be split or spoofed by a file name.
#ifndef PHISCAN_COMMON_ESCAPE_H_
#define PHISCAN_COMMON_ESCAPE_H_

#include <string>
#include <string_view>

namespace phiscan {

// Valid, printable UTF-8 passes through; control bytes become \n, \t, \r or
// \xNN; a backslash becomes "\\"; bytes that are not valid UTF-8 become \xNN,
// and so do those of a bidirectional formatting character (U+202E...).
// The result is valid UTF-8 with no control characters.
std::string EscapeBytes(std::string_view raw);

// True if `raw` is valid UTF-8 (no overlongs, no surrogates).
bool IsValidUtf8(std::string_view raw);

}  // namespace phiscan

#endif  // PHISCAN_COMMON_ESCAPE_H_
