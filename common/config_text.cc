#include "common/config_text.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstring>
#include <optional>
#include <vector>

#include "common/unique_fd.h"

#include "common/escape.h"

namespace phiscan {

bool IsConfigText(std::string_view text) {
  return text.find('\0') == std::string_view::npos && IsValidUtf8(text);
}

Result<std::string> ReadConfigFile(const std::string& path) {
  auto failed = [](int err) { return Status::NotFound(std::strerror(err)); };
  // O_NONBLOCK: opening a FIFO for reading would wait for a writer.
  UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  if (fd.get() < 0) return failed(errno);
  const int flags = fcntl(fd.get(), F_GETFL);
  if (flags < 0 || fcntl(fd.get(), F_SETFL, flags & ~O_NONBLOCK) != 0) return failed(errno);
  std::string text;
  char buf[65536];
  for (;;) {
    ssize_t n = read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return failed(errno);  // EISDIR for a directory: open() succeeds on one
    if (n == 0) return text;
    text.append(buf, static_cast<size_t>(n));
  }
}

bool HasTopLevelKey(std::string_view text, const std::set<std::string>& keys) {
  for (size_t pos = 0; pos < text.size();) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    // JSON, which is YAML too: a quoted key, after the object's brace or
    // indented as JSON is printed ({"types": [, or   "types": [).
    std::string_view quoted;
    if (size_t q = line.find_first_not_of(" \t{"); q != std::string_view::npos && line[q] == '"') {
      quoted = line.substr(q + 1);
    }
    for (std::string_view key : keys) {
      for (std::string_view at : {line, quoted}) {
        if (at.size() <= key.size() || at.substr(0, key.size()) != key) continue;
        size_t colon = key.size();
        if (at.data() == quoted.data()) {
          if (at[colon] != '"') continue;
          ++colon;
        }
        colon = at.find_first_not_of(' ', colon);
        if (colon != std::string_view::npos && at[colon] == ':') return true;
      }
    }
    pos = end + 1;
  }
  return false;
}

namespace {

// One line of YAML read for its quoting: where its comment starts (or its
// end), whether a quoted scalar is left open at its end, and whether it
// ends with a block scalar's indicator (`key: |`, `- >-`).
struct LineScan {
  size_t content_end;
  bool open_quote = false;
  bool block_scalar = false;
};

// Whether `content` (a line without its comment) ends with a block
// scalar's header: `|` or `>` with chomping and indentation indicators,
// after a key's ':' or a sequence's '-' and any anchor or tag
// (`description: &d >-`, `- !!str |`).
bool EndsWithBlockIndicator(std::string_view content) {
  std::vector<std::string_view> tokens;
  for (size_t i = 0; i < content.size();) {
    const size_t start = content.find_first_not_of(" \t\r", i);
    if (start == std::string_view::npos) break;
    size_t end = content.find_first_of(" \t\r", start);
    if (end == std::string_view::npos) end = content.size();
    tokens.push_back(content.substr(start, end - start));
    i = end;
  }
  if (tokens.empty()) return false;
  const std::string_view last = tokens.back();
  if ((last[0] != '|' && last[0] != '>') ||
      last.find_first_not_of("-+0123456789", 1) != std::string_view::npos) {
    return false;
  }
  size_t k = tokens.size() - 1;
  while (k > 0 && (tokens[k - 1][0] == '&' || tokens[k - 1][0] == '!')) --k;
  if (k == 0) return true;
  const std::string_view before = tokens[k - 1];
  return before.back() == ':' || before == "-" || before == "?";
}

LineScan ScanLine(std::string_view line) {
  LineScan s{line.size()};
  bool value_start = true;  // a quoted scalar may start here
  int flow = 0;             // depth of [ and { on this line
  char quote = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    const bool blank_next = i + 1 == line.size() || line[i + 1] == ' ' || line[i + 1] == '\t';
    if (quote == '\'') {
      if (c == '\'' && i + 1 < line.size() && line[i + 1] == '\'') {
        ++i;  // '' is a quote inside single quotes
      } else if (c == '\'') {
        quote = 0;
      }
      continue;
    }
    if (quote == '"') {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        quote = 0;
      }
      continue;
    }
    if (c == '#' && (i == 0 || line[i - 1] == ' ' || line[i - 1] == '\t')) {
      s.content_end = i;
      break;
    }
    if (c == ' ' || c == '\t' || c == '\r') continue;
    if (value_start && (c == '&' || c == '!')) {  // an anchor or a tag: the value follows
      while (i + 1 < line.size() && line[i + 1] != ' ' && line[i + 1] != '\t') ++i;
      continue;
    }
    if ((c == '\'' || c == '"') && value_start) {
      quote = c;
      continue;
    }
    // What may start a value: a key's ": ", a sequence's "- " before any
    // other text, and in a flow collection its brackets and commas. Inside
    // a plain scalar (rock - 'n roll, numbers, 'like) none of them.
    if (c == ':' && blank_next) {
      value_start = true;
    } else if ((c == '-' || c == '?') && blank_next && value_start && flow == 0) {
      value_start = true;
    } else if ((c == '[' || c == '{') && (value_start || flow > 0)) {
      ++flow;
      value_start = true;
    } else if (c == ',' && flow > 0) {
      value_start = true;
    } else if ((c == ']' || c == '}') && flow > 0) {
      --flow;
      value_start = false;
    } else {
      value_start = false;
    }
  }
  s.open_quote = quote != 0;
  if (!s.open_quote) s.block_scalar = EndsWithBlockIndicator(line.substr(0, s.content_end));
  return s;
}

size_t Indent(std::string_view line) {
  const size_t i = line.find_first_not_of(' ');
  return i == std::string_view::npos ? line.size() : i;
}

bool IsBlank(std::string_view content) {
  return content.find_first_not_of(" \t\r") == std::string_view::npos;
}

}  // namespace

TextProblem CheckConfigText(std::string_view text) {
  if (text.find('\0') != std::string_view::npos) return {};
  int line_no = 0;
  bool content_seen = false;
  int second_document = 0;  // the line of a '---' after content
  std::optional<size_t> block_indent;  // the indent a block scalar's lines exceed
  for (size_t pos = 0; pos < text.size();) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (!IsValidUtf8(line)) {
      return {line_no, "not UTF-8 text (save the file as UTF-8)"};
    }
    if (block_indent) {
      if (IsBlank(line) || Indent(line) > *block_indent) continue;
      block_indent.reset();
    }
    if (!content_seen && line.starts_with('%')) continue;  // a directive: %YAML 1.2
    if (line.starts_with("---") && (line.size() == 3 || line[3] == ' ' || line[3] == '\t' ||
                                    line[3] == '\r')) {
      if (content_seen && second_document == 0) second_document = line_no;
      continue;
    }
    if (line.starts_with("...") && IsBlank(line.substr(3))) continue;  // a document's end
    const LineScan scan = ScanLine(line);
    if (scan.open_quote) {
      return {line_no, "a quoted value does not end on its line (a quote missing?)"};
    }
    if (!IsBlank(line.substr(0, scan.content_end))) {
      // A '---' with nothing after it starts no document.
      if (second_document != 0) {
        return {second_document, "a second YAML document after '---' (the file is one document)"};
      }
      content_seen = true;
    }
    if (scan.block_scalar) block_indent = Indent(line);
  }
  return {};
}

int ContentLineBefore(std::string_view text, size_t pos) {
  pos = std::min(pos, text.size());
  int line_no = 0;
  int last = 1;
  for (size_t start = 0; start < pos;) {
    ++line_no;
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(start, std::min(end, pos) - start);
    if (!IsBlank(line.substr(0, ScanLine(line).content_end))) last = line_no;
    start = end + 1;
  }
  return last;
}

std::string YamlReason(std::string_view message) {
  std::string_view reason = message.substr(0, message.find_first_of(":;(\""));
  while (!reason.empty() && reason.back() == ' ') reason.remove_suffix(1);
  return std::string(reason);
}

std::string YamlErrorText(std::string_view message, int column) {
  return "YAML error: " + YamlReason(message) + " (column " + std::to_string(column + 1) + ")";
}

std::string NameOrColumn(std::string_view name, int column) {
  return QuoteName(name, "at column " + std::to_string(column + 1));
}

}  // namespace phiscan
