#include "tests/testutil/testutil.h"

#include <linux/capability.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace phiscan::testing {
namespace fs = std::filesystem;

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base && *base ? base : "/tmp") + "/phiscan-test-XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) {
    perror("mkdtemp");
    std::abort();
  }
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  // Restore permissions so removal works even after chmod 000 fixtures.
  for (auto it = fs::recursive_directory_iterator(
           path_, fs::directory_options::skip_permission_denied, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_directory(ec) && !it->is_symlink(ec)) {
      chmod(it->path().c_str(), 0700);
    }
  }
  chmod(path_.c_str(), 0700);
  fs::remove_all(path_, ec);
}

std::string TempDir::Join(std::string_view rel) const { return path_ + "/" + std::string(rel); }

void WriteFile(const std::string& path, std::string_view content) {
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  if (!out) {
    std::fprintf(stderr, "WriteFile failed: %s\n", path.c_str());
    std::abort();
  }
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string SourceDir() {
  const char* d = std::getenv("PHISCAN_SOURCE_DIR");
  return d ? d : ".";
}

std::string BinaryDir() {
  const char* d = std::getenv("PHISCAN_BINARY_DIR");
  return d ? d : ".";
}

namespace {
bool SetEffectiveFileCaps(bool on) {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2]{};
  if (syscall(SYS_capget, &header, data) != 0) return false;
  const unsigned bits = (1u << CAP_DAC_OVERRIDE) | (1u << CAP_DAC_READ_SEARCH);
  if (on) {
    data[0].effective |= bits & data[0].permitted;
  } else {
    data[0].effective &= ~bits;
  }
  return syscall(SYS_capset, &header, data) == 0;
}
}  // namespace

DropFileCapabilities::DropFileCapabilities() {
  if (geteuid() != 0) {
    effective_ = true;
    return;
  }
  dropped_ = SetEffectiveFileCaps(false);
  effective_ = dropped_;
}

DropFileCapabilities::~DropFileCapabilities() {
  if (dropped_) SetEffectiveFileCaps(true);
}

int RunCommand(const std::string& command, std::string* out) {
  if (out) out->clear();
  FILE* p = popen(command.c_str(), "r");
  if (p == nullptr) return -1;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) {
    if (out) out->append(buf, n);
  }
  int status = pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int RunCommand(const std::string& command, std::string* out, std::string* err) {
  if (err == nullptr) return RunCommand(command, out);
  TempDir tmp;
  int rc = RunCommand(command + " 2>" + tmp.Join("stderr"), out);
  *err = ReadFile(tmp.Join("stderr"));
  return rc;
}

namespace {
constexpr uid_t kNobody = 65534;

// Nobody's rule cache for this test program: a directory of nobody's in a
// TempDir that is removed when the program exits, topped up on each call
// with the .hsdb files the tests' cache (PHISCAN_CACHE_DIR) holds and it
// lacks, and with what Hyperscan said of the expressions.
std::string NobodyCacheDir() {
  const char* shared = std::getenv("PHISCAN_CACHE_DIR");
  if (shared == nullptr || *shared == '\0' || std::string(shared) == "off") return "off";
  static TempDir holder;
  const std::string dir = holder.Join("cache");
  if (chmod(holder.path().c_str(), 0711) != 0) return "off";  // nobody may pass through
  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return "off";
  if (chown(dir.c_str(), kNobody, kNobody) != 0) return "off";
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(shared, ec)) {
    const fs::path from = entry.path();
    const fs::path to = fs::path(dir) / from.filename();
    if (from.filename() == "expression-widths") {
      fs::remove(to, ec);  // copied as it is now: it grows
    } else if (from.extension() != ".hsdb" || fs::exists(to, ec)) {
      continue;
    }
    if (!fs::copy_file(from, to, ec) || chown(to.c_str(), kNobody, kNobody) != 0 ||
        chmod(to.c_str(), 0600) != 0) {
      fs::remove(to, ec);
    }
  }
  return dir;
}
}  // namespace

std::vector<std::string> AsNobodyArgs() {
  if (geteuid() != 0) return {};
  const std::string id = std::to_string(kNobody);
  return {"/usr/bin/setpriv", "--reuid=" + id, "--regid=" + id, "--clear-groups", "/usr/bin/env",
          "PHISCAN_CACHE_DIR=" + NobodyCacheDir()};
}

std::string AsNobody() {
  std::string prefix;
  for (const auto& a : AsNobodyArgs()) prefix += a + " ";
  return prefix;
}

std::string ToolPath(const std::string& name) { return BinaryDir() + "/tools/" + name; }

std::string Python() {
  const char* p = std::getenv("PHISCAN_PYTHON");
  return p ? p : "python3";
}

}  // namespace phiscan::testing
