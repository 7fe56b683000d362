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

// Errors about a file a user named as configuration (a rule pack, a job
// file) quote what they read from it only through these. The user may
// have named a data file by mistake, and its bytes (PHI) must not reach a
// terminal, a journal or a ticket.

// Whether `name`, read from such a file (a key, type id, label, keyword
// list or validator name), may be quoted: 1 to 64 bytes, an ASCII letter
// or '_' first, then letters, digits, '_', '-' and '.', fewer than six
// digits (HoldsIdentifierDigits). A value of another shape (a record line,
// "536-22-8726", "Jane Doe", "SSN_536228726") is described instead.
bool IsQuotableName(std::string_view name);

// "'name'" if IsQuotableName(name), else `instead` ("an unknown key").
std::string QuoteName(std::string_view name, std::string_view instead);

// "KIND NAME" if IsQuotableName(name), else "a KIND": what an error is
// about ("rule US_SSN", "job finance"; "a label" for one named "Jane Doe").
std::string NameOrKind(std::string_view kind, std::string_view name);

// Whether `value` holds six digits or more, an identifier's length: a
// value typed into a flag or a glob is quoted back in an error only
// without them, as it may be an identifier pasted into the wrong place.
bool HoldsIdentifierDigits(std::string_view value);

// What an error says instead of a value it does not quote back.
inline constexpr char kValueNotShown[] = "(a value with digits, not shown)";

// "'value'", escaped, as an error quotes a word typed on the command line
// (a command or job name), or "(a value with digits, not shown)" when it
// holds six digits or more: an identifier typed into the wrong place.
std::string QuoteValue(std::string_view value);

// The same for a value given to a number option: a number with at most a
// three-letter unit (99999999999, 16777216T) is quoted whatever its length,
// as the error is about its size.
std::string QuoteNumberValue(std::string_view value);

// `text` if at most `max` bytes, else its first `max` bytes and "...": a
// regex quoted in an error, or the part of a regex engine's message that
// quotes one, is cut to a size that says which pattern it was.
std::string Abbreviate(std::string_view text, size_t max = 80);

}  // namespace phiscan

#endif  // PHISCAN_COMMON_ESCAPE_H_
