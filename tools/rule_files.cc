#include "tools/rule_files.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/escape.h"

namespace phiscan::tools {

Result<classifiers::PackText> ReadRulePackFile(const std::string& path) {
  auto unreadable = [&](int err) {
    return Status::NotFound(EscapeBytes(path) + ": cannot read rule pack: " + std::strerror(err));
  };
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return unreadable(errno);
  classifiers::PackText pack{path, {}};
  char buf[65536];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {  // EISDIR for a directory: open() succeeds on one
      int err = errno;
      close(fd);
      return unreadable(err);
    }
    if (n == 0) break;
    pack.text.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return pack;
}

Result<std::shared_ptr<const classifiers::RuleSet>> LoadRulePacks(
    const std::vector<std::string>& paths) {
  std::vector<classifiers::PackText> packs;
  for (const auto& path : paths) {
    auto pack = ReadRulePackFile(path);
    if (!pack.ok()) return pack.status();
    packs.push_back(std::move(pack).value());
  }
  return classifiers::RuleSet::LoadWithBuiltins(packs);
}

}  // namespace phiscan::tools
