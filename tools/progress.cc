#include "tools/progress.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>

#include <fmt/core.h>

#include "common/escape.h"

namespace phiscan::tools {
namespace {

std::string Duration(double s) {
  auto t = static_cast<long>(s + 0.5);
  return t >= 3600 ? fmt::format("{}:{:02}:{:02}", t / 3600, t / 60 % 60, t % 60)
                   : fmt::format("{}:{:02}", t / 60, t % 60);
}

int TerminalWidth(FILE* out) {
  struct winsize ws;
  if (ioctl(fileno(out), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  return 80;
}

}  // namespace

std::string HumanBytes(double b) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (b >= 1024 && u < 4) {
    b /= 1024;
    ++u;
  }
  return u == 0 ? fmt::format("{:.0f} {}", b, units[u]) : fmt::format("{:.1f} {}", b, units[u]);
}

std::string Counted(uint64_t n, std::string_view noun) {
  return fmt::format("{} {}{}", n, noun, n == 1 ? "" : "s");
}

void ProgressCounters::SetCurrent(std::string path) {
  std::lock_guard<std::mutex> lock(mu_);
  current_ = std::move(path);
}

std::string ProgressCounters::Current() const {
  std::lock_guard<std::mutex> lock(mu_);
  return current_;
}

std::string FormatProgress(const ProgressCounters& c, double elapsed, int width) {
  // Bytes read from the files as they are read, when the scan counts them:
  // a large file moves the line while it is read, not only once it is done.
  const uint64_t files = c.files_done.load(),
                 bytes = c.walk != nullptr ? std::max(c.walk->bytes_read.load(), c.bytes_done.load())
                                           : c.bytes_done.load();
  // The first file read waits for the rules: no rate or ETA to show yet.
  if (files == 0 && bytes > 0 && c.compiling && c.compiling()) {
    std::string line = "compiling the rules";
    if (c.walk != nullptr && !c.walk->done.load()) {
      line += fmt::format("  ({} files found so far)", c.walk->files.load());
    }
    return line.substr(0, width > 1 ? width - 1 : 0);
  }
  const double rate = elapsed > 0 ? bytes / elapsed : 0;
  std::string line = fmt::format("{} files  {}  {}/s  {} findings", files, HumanBytes(bytes),
                                 HumanBytes(rate), c.findings.load());
  if (c.walk != nullptr && c.walk->done.load()) {
    const uint64_t total = c.walk->bytes.load();
    if (rate > 0 && total >= bytes) {
      line += fmt::format("  ETA {}", Duration((total - bytes) / rate));
    }
  } else if (c.walk != nullptr) {
    line += fmt::format("  ({} found so far)", c.walk->files.load());
  }
  // The current path, shortened from the left to fit: the file name matters most.
  // The file being read now, else the last one recorded.
  std::string cur = c.walk != nullptr ? EscapeBytes(c.walk->Reading()) : std::string();
  if (cur.empty()) cur = c.Current();
  const int room = width - 1 - static_cast<int>(line.size()) - 2;
  if (room > 8 && !cur.empty()) {
    if (static_cast<int>(cur.size()) > room) cur = "..." + cur.substr(cur.size() - (room - 3));
    line += "  " + cur;
  }
  if (static_cast<int>(line.size()) > width - 1 && width > 1) line.resize(width - 1);
  return line;
}

ProgressLine::ProgressLine(FILE* out, const ProgressCounters& counters, int interval_ms)
    : out_(out), counters_(counters), interval_ms_(interval_ms) {
  thread_ = std::thread([this] { Run(); });
}

ProgressLine::~ProgressLine() { Stop(); }

void ProgressLine::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stop_) return;
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::fputs("\r\x1b[K", out_);
  std::fflush(out_);
}

void ProgressLine::Run() {
  auto start = std::chrono::steady_clock::now();
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    cv_.wait_for(lock, std::chrono::milliseconds(interval_ms_));
    if (stop_) break;
    // The rate counts from the end of the rules' compile: the time before
    // it read almost nothing, and would make the ETA a long one.
    if (counters_.compiling && counters_.compiling()) start = std::chrono::steady_clock::now();
    double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::string line = FormatProgress(counters_, elapsed, TerminalWidth(out_));
    std::fprintf(out_, "\r\x1b[K%s", line.c_str());
    std::fflush(out_);
  }
}

}  // namespace phiscan::tools
