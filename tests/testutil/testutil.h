// Small helpers shared by the tests: temporary trees, file I/O, and dropping
// root's permission bypass so "unreadable" can be tested when CI runs as root.
#ifndef PHISCAN_TESTS_TESTUTIL_TESTUTIL_H_
#define PHISCAN_TESTS_TESTUTIL_TESTUTIL_H_

#include <string>
#include <string_view>
#include <vector>

namespace phiscan::testing {

// True in the sanitizer builds, where the tests that only repeat work (random
// rounds, big inputs) do less of it: the Release run does it all.
// gcc defines __SANITIZE_*__; clang (which builds the ASan suite) answers
// __has_feature instead.
#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define PHISCAN_TEST_SANITIZED 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__) || defined(PHISCAN_TEST_SANITIZED)
inline constexpr bool kSanitized = true;
#else
inline constexpr bool kSanitized = false;
#endif

// A fresh directory under $TMPDIR, removed (recursively, restoring
// permissions first) on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  // path() + "/" + rel
  std::string Join(std::string_view rel) const;

 private:
  std::string path_;
};

// Writes `content` to `path`, creating parent directories. Aborts the test
// process on failure (a broken fixture is not a test result).
void WriteFile(const std::string& path, std::string_view content);
std::string ReadFile(const std::string& path);

// Directory of the source tree (from $PHISCAN_SOURCE_DIR set by CTest) and of
// the build tree ($PHISCAN_BINARY_DIR).
std::string SourceDir();
std::string BinaryDir();

// While alive, the calling thread (and threads it creates) lose
// CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH from their effective set, so mode
// bits apply even to root. No-op when not root. Threads created while it is
// alive keep the reduced set after it ends; create them inside its scope.
class DropFileCapabilities {
 public:
  DropFileCapabilities();
  ~DropFileCapabilities();
  // True if mode bits are enforced for this thread now (not root, or root
  // with the capabilities dropped).
  bool effective() const { return effective_; }

 private:
  bool dropped_ = false;
  bool effective_ = false;
};

// Runs a shell command, returns its exit status (as from system(3)) and
// replaces `*out` with its stdout if `out` is non-null.
int RunCommand(const std::string& command, std::string* out = nullptr);
// Same, also replacing `*err` with its stderr when `err` is non-null.
int RunCommand(const std::string& command, std::string* out, std::string* err);

// The arguments that start a program as nobody (uid and gid 65534, no
// groups) when the tests run as root, to scan as a service account would;
// none otherwise. Nobody cannot use the tests' rule cache (root's, 0700), so
// the program gets one of its own, for the test program's life, seeded with
// the databases compiled so far: without it each such run compiled the
// built-in pack again (1 s, 8 s under ASan).
std::vector<std::string> AsNobodyArgs();
// The same as a shell command prefix ending in a space, or "".
std::string AsNobody();

// Path of a program built in tools/ ("phiscan", "phireport").
std::string ToolPath(const std::string& name);

// The Python interpreter for the corpus and fixture generators:
// $PHISCAN_PYTHON (set by CMake), else python3.
std::string Python();

}  // namespace phiscan::testing

#endif  // PHISCAN_TESTS_TESTUTIL_TESTUTIL_H_
