// The token key's file (tools/key_file.h): created 0600 once, whole, by
// whichever of several processes gets there first; refused when others can
// read it or it is not 32 bytes.
#include "tools/key_file.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "tests/testutil/testutil.h"

namespace phiscan::tools {
namespace {

TEST_CASE("The token key is created 0600 once and reused") {
  testing::TempDir dir;
  std::string path = dir.Join("phiscan.key");
  auto k1 = LoadOrCreateTokenKey(path);
  REQUIRE(k1.ok());
  struct stat st;
  REQUIRE(stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(st.st_size == 32);
  auto k2 = LoadOrCreateTokenKey(path);
  REQUIRE(k2.ok());
  CHECK(k1.value().Tokenize("536228726") == k2.value().Tokenize("536228726"));
  CHECK(k1.value().Tokenize("536228726") != k1.value().Tokenize("536228727"));
  // A different key gives a different token: tokens cannot be matched without the key.
  CHECK(classifiers::TokenKey::Ephemeral().Tokenize("536228726") !=
        k1.value().Tokenize("536228726"));
}

TEST_CASE("Processes creating one key at once all get the same key, and no stray file") {
  testing::TempDir dir;
  const std::string path = dir.Join("phiscan.key");
  std::vector<Token> tokens(8);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < tokens.size(); ++i) {
    threads.emplace_back([&, i] {
      auto key = LoadOrCreateTokenKey(path);
      if (key.ok()) tokens[i] = key.value().Tokenize("536228726");
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& t : tokens) CHECK(t == tokens[0]);
  CHECK(tokens[0] != Token{});
  size_t files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
    (void)e;
    ++files;
  }
  CHECK(files == 1);  // the key only: temporary names are gone
}

TEST_CASE("A token key readable by others is refused") {
  testing::TempDir dir;
  std::string path = dir.Join("loose.key");
  testing::WriteFile(path, std::string(32, 'k'));
  chmod(path.c_str(), 0644);
  auto k = LoadTokenKey(path);
  REQUIRE_FALSE(k.ok());
  CHECK(k.status().message().find("chmod 600") != std::string::npos);
  chmod(path.c_str(), 0600);
  testing::WriteFile(path, "short");
  chmod(path.c_str(), 0600);
  CHECK(LoadTokenKey(path).status().code() == StatusCode::kCorrupt);
  CHECK(LoadTokenKey(dir.Join("missing.key")).status().code() == StatusCode::kNotFound);
}

}  // namespace
}  // namespace phiscan::tools
