// Status and Result<T>: errors as values at module boundaries.
//
// A Status is either OK or carries a domain code plus a one-line message.
// Messages name what failed and where (a path, a rule id, a file:line); they
// never contain matched content. Result<T> is a value or a non-OK Status.
//
// Thread safety: plain values; safe to copy across threads.
#ifndef PHISCAN_COMMON_STATUS_H_
#define PHISCAN_COMMON_STATUS_H_

#include <cassert>
#include <optional>
#include <string>
#include <utility>

namespace phiscan {

enum class StatusCode {
  kOk = 0,
  kNotFound,
  kPermissionDenied,
  kIoError,
  kCorrupt,
  kEncrypted,
  kUnsupported,
  kLimitExceeded,
  kTimeout,
  kChangedDuringRead,
  kCancelled,
  kInvalidArgument,
};

class Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  static Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
  static Status PermissionDenied(std::string m) {
    return {StatusCode::kPermissionDenied, std::move(m)};
  }
  static Status IoError(std::string m) { return {StatusCode::kIoError, std::move(m)}; }
  static Status Corrupt(std::string m) { return {StatusCode::kCorrupt, std::move(m)}; }
  static Status Unsupported(std::string m) { return {StatusCode::kUnsupported, std::move(m)}; }
  static Status LimitExceeded(std::string m) {
    return {StatusCode::kLimitExceeded, std::move(m)};
  }
  static Status ChangedDuringRead(std::string m) {
    return {StatusCode::kChangedDuringRead, std::move(m)};
  }
  static Status Cancelled(std::string m) { return {StatusCode::kCancelled, std::move(m)}; }
  static Status InvalidArgument(std::string m) {
    return {StatusCode::kInvalidArgument, std::move(m)};
  }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// Result<T>: holds a T when ok(), otherwise a non-OK Status.
template <typename T>
class Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) { assert(!status_.ok()); }  // NOLINT

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }
  T& value() & { assert(ok()); return *value_; }
  const T& value() const& { assert(ok()); return *value_; }
  T&& value() && { assert(ok()); return std::move(*value_); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace phiscan

#endif  // PHISCAN_COMMON_STATUS_H_
