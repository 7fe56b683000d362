#include "scanner/budget.h"

namespace phiscan::scanner {

Budget::Budget(const ScanLimits& limits, const std::atomic<bool>* cancel)
    : limits_(limits),
      cancel_(cancel),
      deadline_(std::chrono::steady_clock::now() +
                std::chrono::milliseconds(limits.max_time_ms)),
      has_deadline_(limits.max_time_ms > 0) {}

bool Budget::ChargeBytes(uint64_t n) {
  bytes_ += n;
  if (limits_.max_expanded_bytes > 0 && bytes_ > limits_.max_expanded_bytes && !reason_) {
    reason_ = "limit_bytes";
  }
  return !exhausted();
}

bool Budget::TakeMember() {
  ++members_;
  if (limits_.max_members > 0 && members_ > limits_.max_members && !reason_) {
    reason_ = "limit_members";
  }
  return !exhausted();
}

bool Budget::CheckTime() {
  if (reason_) return false;
  if (cancel_ != nullptr && cancel_->load(std::memory_order_relaxed)) {
    reason_ = "interrupted";
  } else if (has_deadline_ && std::chrono::steady_clock::now() >= deadline_) {
    reason_ = "limit_time";
  }
  return !exhausted();
}

}  // namespace phiscan::scanner
