#include "tools/log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>

#include "common/escape.h"
#include "tools/output.h"

namespace phiscan::tools {
namespace {

std::string Now() {
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()) % 1000;
  struct tm tm;
  gmtime_r(&t, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof out, "%s.%03dZ", buf, static_cast<int>(ms.count()));
  return out;
}

// A field's value in a text line: a string as it is, anything else as JSON
// ({"PHI":3}), unless that text is empty or holds a space, '=' or '"',
// which would let a file name or a pack's label pass for more fields
// ("x status=complete"); then quoted and escaped as a JSON string.
std::string TextValue(const nlohmann::json& value) {
  std::string text = value.is_string() ? value.get<std::string>() : value.dump();
  if (!text.empty() && text.find_first_of(" =\"") == std::string::npos) return text;
  return nlohmann::json(text).dump();
}

}  // namespace

std::optional<LogFormat> ParseLogFormat(std::string_view name) {
  if (name == "text") return LogFormat::kText;
  if (name == "json") return LogFormat::kJson;
  return std::nullopt;
}

Result<std::unique_ptr<Logger>> Logger::OpenFile(LogFormat format, const std::string& path) {
  // O_NONBLOCK for the open alone: a FIFO that no process reads fails
  // (ENXIO) instead of stopping the run before it starts.
  int fd =
      open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0600);
  if (fd >= 0 && fcntl(fd, F_SETFL, O_APPEND) != 0) {
    close(fd);
    fd = -1;
  }
  FILE* f = fd >= 0 ? fdopen(fd, "a") : nullptr;
  if (f == nullptr) {
    const int err = errno;
    if (fd >= 0) close(fd);
    // O_NOFOLLOW: never through a link planted where the log goes.
    const std::string why = err == ELOOP   ? "it is a symbolic link; give the file itself "
                                             "(without --log-file the log goes to standard error)"
                            : err == ENXIO ? "it is a FIFO that no process reads"
                                           : std::strerror(err);
    return Status::IoError("cannot open log file " + EscapeBytes(path) + ": " + why);
  }
  std::unique_ptr<Logger> log(new Logger(format, f, true));
  log->name_ = EscapeBytes(path);
  return log;
}

Logger::~Logger() {
  if (owned_) std::fclose(out_);
}

void Logger::Event(std::string_view level, std::string_view event, std::string_view message,
                   const nlohmann::json& fields) {
  std::string line;
  if (format_ == LogFormat::kJson) {
    nlohmann::json j = {{"time", Now()},
                        {"level", level},
                        {"event", event},
                        {"message", TerminalSafe(message)}};
    for (auto it = fields.begin(); it != fields.end(); ++it) j[it.key()] = it.value();
    line = j.dump();
  } else {
    // The message too is quoted if it holds what could pass for a field.
    std::string text = TerminalSafe(message);
    if (text.find_first_of("=\"") != std::string::npos) text = nlohmann::json(text).dump();
    line = Now() + " " + std::string(level) + " " + std::string(event) + ": " + text;
    for (auto it = fields.begin(); it != fields.end(); ++it) {
      line += " " + it.key() + "=";
      line += TextValue(it.value());
    }
  }
  line += '\n';
  std::lock_guard<std::mutex> lock(mu_);
  errno = 0;
  const bool written = std::fwrite(line.data(), 1, line.size(), out_) == line.size();
  const bool flushed = std::fflush(out_) == 0;
  const int err = errno;
  if ((!written || !flushed) && write_error_.ok()) {
    write_error_ = Status::IoError("log " + name_ + " could not be written (" +
                                   (err != 0 ? std::strerror(err) : "write failed") +
                                   "): the log is incomplete");
    std::fprintf(stderr, "phiscan: error: %s\n", write_error_.message().c_str());
  }
}

Status Logger::write_error() {
  std::lock_guard<std::mutex> lock(mu_);
  return write_error_;
}

void Logger::Gap(const AssetRecord& r) {
  nlohmann::json fields = {{"path", EscapeBytes(r.path)},
                           {"status", AssetStatusName(r.status)},
                           {"kind", AssetKindName(r.kind)}};
  if (r.member) fields["member"] = EscapeBytes(*r.member);
  if (!r.reason.empty()) fields["reason"] = r.reason;
  std::string where = EscapeBytes(r.path);
  if (r.member) {
    where += '!';
    where += EscapeBytes(*r.member);
  }
  std::string what = std::string(AssetStatusName(r.status)) +
                     (r.reason.empty() ? "" : "(" + r.reason + ")");
  Event("warn", "coverage_gap", where + ": " + what, fields);
}

}  // namespace phiscan::tools
