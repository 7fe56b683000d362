#include "common/config_text.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstring>
#include <optional>

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

LineScan ScanLine(std::string_view line) {
  LineScan s{line.size()};
  bool value_start = true;  // a quoted scalar may start here
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
    if ((c == '\'' || c == '"') && value_start) {
      quote = c;
      continue;
    }
    value_start =
        c == '[' || c == '{' || c == ',' || ((c == ':' || c == '-' || c == '?') && blank_next);
  }
  s.open_quote = quote != 0;
  if (!s.open_quote) {
    std::string_view content = line.substr(0, s.content_end);
    while (!content.empty() && (content.back() == ' ' || content.back() == '\t' ||
                                content.back() == '\r')) {
      content.remove_suffix(1);
    }
    // The indicator: | or > with optional chomping and indentation.
    size_t k = content.size();
    while (k > 0 && (content[k - 1] == '-' || content[k - 1] == '+' ||
                     (content[k - 1] >= '0' && content[k - 1] <= '9'))) {
      --k;
    }
    if (k > 0 && (content[k - 1] == '|' || content[k - 1] == '>')) {
      std::string_view before = content.substr(0, k - 1);
      while (!before.empty() && (before.back() == ' ' || before.back() == '\t')) {
        before.remove_suffix(1);
      }
      s.block_scalar = before.empty() || before.back() == ':' || before.back() == '-';
    }
  }
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
  int line_no = 0;
  bool content_seen = false;
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
    if (line.starts_with("---") && (line.size() == 3 || line[3] == ' ' || line[3] == '\t' ||
                                    line[3] == '\r')) {
      if (content_seen) {
        return {line_no, "a second YAML document after '---' (the file is one document)"};
      }
      continue;
    }
    const LineScan scan = ScanLine(line);
    if (scan.open_quote) {
      return {line_no, "a quoted value does not end on its line (a quote missing?)"};
    }
    if (!IsBlank(line.substr(0, scan.content_end))) content_seen = true;
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
