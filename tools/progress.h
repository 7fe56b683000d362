// A live progress line for interactive scans.
//
// ProgressCounters are bumped by the scan (the walk's WalkProgress: files and
// bytes found; the sink: files, bytes and findings done) and read by ProgressLine's thread,
// which redraws one terminal line a few times a second: files and bytes done,
// rate, findings so far, the current path shortened to fit, and an ETA once
// the walk has finished and the total is known. Nothing here ever prints a
// matched value.
//
// Thread safety: counters are atomics; `SetCurrent` takes a small mutex.
#ifndef PHISCAN_TOOLS_PROGRESS_H_
#define PHISCAN_TOOLS_PROGRESS_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "scanner/pipeline.h"

namespace phiscan::tools {

struct ProgressCounters {
  const scanner::WalkProgress* walk = nullptr;  // what the walk found; may be null
  std::atomic<uint64_t> files_done{0};
  std::atomic<uint64_t> bytes_done{0};
  std::atomic<uint64_t> findings{0};
  // True while the rules are being compiled (the first file read waits for
  // them, about a second); may be empty. Called from the drawing thread.
  std::function<bool()> compiling;

  void SetCurrent(std::string path);
  std::string Current() const;

 private:
  mutable std::mutex mu_;
  std::string current_;  // GUARDED_BY(mu_); already escaped for display
};

// A byte count for people in binary units, as the size flags read them
// (K = 1024): "512 B", "1.5 MiB", "2.3 GiB".
std::string HumanBytes(double bytes);

// "1 asset", "2 assets": a count and its noun, plural but for one (nouns
// that take an s).
std::string Counted(uint64_t n, std::string_view noun);

// Formats one progress line of at most `width` columns (pure; for tests).
std::string FormatProgress(const ProgressCounters& c, double elapsed_seconds, int width);

class ProgressLine {
 public:
  // Draws on `out` (a terminal) every `interval_ms` until Stop().
  ProgressLine(FILE* out, const ProgressCounters& counters, int interval_ms = 200);
  ~ProgressLine();  // calls Stop()
  // Stops the thread and clears the line.
  void Stop();

 private:
  void Run();
  FILE* out_;
  const ProgressCounters& counters_;
  int interval_ms_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;  // GUARDED_BY(mu_)
  std::thread thread_;
};

}  // namespace phiscan::tools

#endif  // PHISCAN_TOOLS_PROGRESS_H_
