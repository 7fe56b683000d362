// Log lines for unattended runs: text or JSON, to stderr or a file.
//
// One line per event. Paths go through EscapeBytes (text) or are JSON
// strings of the escaped path, so a file name can never break a line. A log
// line never carries a matched value: coverage gaps name the asset, its
// status and reason; findings are counted, never quoted.
//
// Thread safety: Write* calls are serialised by an internal mutex.
#ifndef PHISCAN_TOOLS_LOG_H_
#define PHISCAN_TOOLS_LOG_H_

#include <cstdio>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/model.h"
#include "common/status.h"

namespace phiscan::tools {

enum class LogFormat { kText, kJson };
std::optional<LogFormat> ParseLogFormat(std::string_view name);

class Logger {
 public:
  // Logs to stderr.
  explicit Logger(LogFormat format) : format_(format), out_(stderr) {}
  // Logs to `path` (appended, created 0600). Errors: kIoError naming it.
  static Result<std::unique_ptr<Logger>> OpenFile(LogFormat format, const std::string& path);
  ~Logger();

  // level: "info", "warn" or "error"; `fields` are added to the JSON object
  // or printed as key=value in text.
  void Event(std::string_view level, std::string_view event, std::string_view message,
             const nlohmann::json& fields = nlohmann::json::object());

  // A coverage gap: an asset whose status is not complete.
  void Gap(const AssetRecord& record);

  // The first failed write (a full disk), naming the log; Ok if none. The
  // first failure is also reported on stderr when it happens: an audit log
  // that stops is no log.
  Status write_error();

 private:
  Logger(LogFormat format, FILE* out, bool owned) : format_(format), out_(out), owned_(owned) {}
  LogFormat format_;
  FILE* out_;
  bool owned_ = false;
  std::string name_ = "standard error";  // for write_error()
  std::mutex mu_;
  Status write_error_;
};

}  // namespace phiscan::tools

#endif  // PHISCAN_TOOLS_LOG_H_
