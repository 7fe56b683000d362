// Budget: what one top-level file may cost, including everything inside it.
//
// A Budget is created for each top-level file and shared by every layer the
// extractor opens below it (archive members, mail attachments, document
// parts), depth-first in one task. It counts bytes produced by extraction,
// members examined, and wall time against the limits in ScanLimits, and
// remembers the first limit that ran out: once exhausted it stays exhausted,
// so every layer still open unwinds and marks itself partial with the same
// reason. Time is read from a monotonic clock only when CheckTime() is called
// (every chunk), never per byte.
//
// Reasons (stable ids, persisted as AssetRecord::reason): "limit_bytes",
// "limit_members", "limit_time", "interrupted" (the scan was cancelled).
//
// Thread safety: one Budget per top-level file, used by one thread.
#ifndef PHISCAN_SCANNER_BUDGET_H_
#define PHISCAN_SCANNER_BUDGET_H_

#include <atomic>
#include <chrono>
#include <cstdint>

#include "scanner/limits.h"

namespace phiscan::scanner {

class Budget {
 public:
  // REQUIRES: `cancel`, if non-null, outlives the Budget.
  explicit Budget(const ScanLimits& limits, const std::atomic<bool>* cancel = nullptr);

  // Charges `n` bytes produced by decompressing or decoding a member. False
  // once the total passes max_expanded_bytes.
  bool ChargeBytes(uint64_t n);
  // Counts one more member. False once more than max_members were taken.
  bool TakeMember();
  // True if a container's members at nesting `depth` (the top-level file is
  // 0, a top-level archive's members 1) may be read: max_depth 0 opens no
  // container at all.
  bool DepthAllowed(int depth) const { return depth <= limits_.max_depth; }
  // False once the deadline passed or the scan was cancelled.
  bool CheckTime();

  bool exhausted() const { return reason_ != nullptr; }
  // The first limit that ran out, or "" while none has.
  const char* reason() const { return reason_ ? reason_ : ""; }

  uint64_t expanded_bytes() const { return bytes_; }
  uint64_t members() const { return members_; }

 private:
  const ScanLimits& limits_;
  const std::atomic<bool>* cancel_;
  std::chrono::steady_clock::time_point deadline_;
  bool has_deadline_;
  uint64_t bytes_ = 0;
  uint64_t members_ = 0;
  const char* reason_ = nullptr;
};

}  // namespace phiscan::scanner

#endif  // PHISCAN_SCANNER_BUDGET_H_
