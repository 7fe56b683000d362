// UniqueFd: owns a file descriptor and closes it when it goes out of scope.
//
// Thread safety: none; one owner.
#ifndef PHISCAN_COMMON_UNIQUE_FD_H_
#define PHISCAN_COMMON_UNIQUE_FD_H_

#include <unistd.h>

namespace phiscan {

class UniqueFd {
 public:
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd() {
    if (fd_ >= 0) close(fd_);
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

}  // namespace phiscan

#endif  // PHISCAN_COMMON_UNIQUE_FD_H_
