#include "common/config_text.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

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
