// Files a user names as configuration (a rule pack, a job file), told from
// files of another kind named by mistake. A CSV of patient records given
// as `--rules` must be one error, "FILE: not a rule pack", not dozens that
// each quote a line of it.
//
// Thread safety: stateless functions.
#ifndef PHISCAN_COMMON_CONFIG_TEXT_H_
#define PHISCAN_COMMON_CONFIG_TEXT_H_

#include <set>
#include <string>
#include <string_view>

#include "common/status.h"

namespace phiscan {

// The bytes of a configuration file, read whole. A FIFO does not block the
// open (a named pipe with no writer reads as empty; a pipe from a process,
// as in `--rules <(make-pack)`, is read to its end). The error, if any, is
// strerror's text alone: the caller names the file and what it is for.
Result<std::string> ReadConfigFile(const std::string& path);

// Whether `text` may be read as YAML configuration at all: valid UTF-8
// without NUL bytes. A binary file is no configuration file.
bool IsConfigText(std::string_view text);

// Whether a line of `text` starts with one of `keys` and then ':' (spaces
// between allowed), as a top-level key of a block mapping does, or with the
// key quoted as JSON writes it (after '{' or indentation). For a file
// whose YAML does not parse: with such a line it is a broken file of the
// kind, and its YAML error helps; without one it is a file of another kind.
bool HasTopLevelKey(std::string_view text, const std::set<std::string>& keys);

// What of a configuration file's text YAML reports late, in the wrong
// place or not at all, found before it is parsed: bytes that are not UTF-8
// (in a comment too: a pack saved as Windows-1252), a quoted value that
// does not end on its line (YAML would read on to the next quote, or fold
// the line end into the value when the file ends first: a regex with a
// space at its end) and a second YAML document after `---` (yaml-cpp reads
// the first only). A block scalar's lines (after `|` or `>`) are its text.
// The 1-based line and what is wrong, or line 0; line 0 too for bytes with
// a NUL, no configuration text at all (IsConfigText).
struct TextProblem {
  int line = 0;
  std::string what;
};
TextProblem CheckConfigText(std::string_view text);

// The 1-based line of the last YAML content (not blank, not a comment)
// before byte `pos`. yaml-cpp marks an empty value (`hipaa:` with nothing
// after it) where the next token starts, lines further on; its key is on
// this line.
int ContentLineBefore(std::string_view text, size_t pos);

// yaml-cpp's reason in `message`, without what it appends from the
// document ("key not found: KEY", "unknown escape character: X",
// "operator[] call on a scalar (key: \"K\")"): the text before the first
// ':', ';', '(' or '"', trailing spaces removed.
std::string YamlReason(std::string_view message);

// "YAML error: REASON (column N)" for a yaml-cpp exception's message and
// 0-based column (YAML::Mark), REASON as YamlReason gives it.
std::string YamlErrorText(std::string_view message, int column);

// How an error names a key or value read at a 0-based `column`: "'name'"
// if IsQuotableName(name) (common/escape.h), else "at column N".
std::string NameOrColumn(std::string_view name, int column);

}  // namespace phiscan

#endif  // PHISCAN_COMMON_CONFIG_TEXT_H_
