#include <catch2/catch.hpp>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <thread>
#include <vector>

#include "classifiers/token.h"
#include "tests/testutil/testutil.h"

using namespace phiscan::classifiers;

TEST_CASE("Masking keeps the shape and nothing else") {
  CHECK(MaskValue("536-22-8726") == "***-**-****");
  CHECK(MaskValue("jane.doe@example.org") == "****.***@*******.***");
  CHECK(MaskValue("(415) 555-2671") == "(***) ***-****");
  CHECK(MaskValue(std::string(100, '7')).size() == kMaxMaskedLength);
  CHECK(MaskValue("a\x01\xff") == "*??");
}

TEST_CASE("Normalisation modes") {
  CHECK(NormalizeValue("536-22-8726", "digits") == "536228726");
  CHECK(NormalizeValue("1eg4-te5-mk73", "alnum_upper") == "1EG4TE5MK73");
  CHECK(NormalizeValue("Jane@Example.ORG", "lower") == "jane@example.org");
  CHECK(NormalizeValue("As-Is", "none") == "As-Is");
  // Into a reused buffer: what it held before is gone.
  std::string out = "a much longer value left from before";
  NormalizeValueInto("536-22-8726", "digits", out);
  CHECK(out == "536228726");
  NormalizeValueInto("", "lower", out);
  CHECK(out.empty());
}

TEST_CASE("The token key is created 0600 once and reused") {
  phiscan::testing::TempDir dir;
  std::string path = dir.Join("phiscan.key");
  auto k1 = TokenKey::LoadOrCreate(path);
  REQUIRE(k1.ok());
  struct stat st;
  REQUIRE(stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(st.st_size == 32);
  auto k2 = TokenKey::LoadOrCreate(path);
  REQUIRE(k2.ok());
  CHECK(k1.value().Tokenize("536228726") == k2.value().Tokenize("536228726"));
  CHECK(k1.value().Tokenize("536228726") != k1.value().Tokenize("536228727"));
  // A different key gives a different token: tokens cannot be matched without the key.
  CHECK(TokenKey::Ephemeral().Tokenize("536228726") != k1.value().Tokenize("536228726"));
}

TEST_CASE("Processes creating one key at once all get the same key, and no stray file") {
  phiscan::testing::TempDir dir;
  const std::string path = dir.Join("phiscan.key");
  std::vector<phiscan::Token> tokens(8);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < tokens.size(); ++i) {
    threads.emplace_back([&, i] {
      auto key = TokenKey::LoadOrCreate(path);
      if (key.ok()) tokens[i] = key.value().Tokenize("536228726");
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& t : tokens) CHECK(t == tokens[0]);
  CHECK(tokens[0] != phiscan::Token{});
  size_t files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
    (void)e;
    ++files;
  }
  CHECK(files == 1);  // the key only: temporary names are gone
}

TEST_CASE("A token key readable by others is refused") {
  phiscan::testing::TempDir dir;
  std::string path = dir.Join("loose.key");
  phiscan::testing::WriteFile(path, std::string(32, 'k'));
  chmod(path.c_str(), 0644);
  auto k = TokenKey::Load(path);
  REQUIRE_FALSE(k.ok());
  CHECK(k.status().message().find("chmod 600") != std::string::npos);
  chmod(path.c_str(), 0600);
  phiscan::testing::WriteFile(path, "short");
  chmod(path.c_str(), 0600);
  CHECK(TokenKey::Load(path).status().code() == phiscan::StatusCode::kCorrupt);
  CHECK(TokenKey::Load(dir.Join("missing.key")).status().code() == phiscan::StatusCode::kNotFound);
}

TEST_CASE("Tokens equal OpenSSL HMAC-SHA-256 for the same key") {
  // The precomputed-state HMAC must equal OpenSSL's one-shot HMAC for the
  // same 32-byte key, including an empty message and one longer than a block.
  phiscan::testing::TempDir dir;
  std::string path = dir.Join("k.key");
  std::string raw(32, '\0');
  for (int i = 0; i < 32; ++i) raw[i] = static_cast<char>(i * 7 + 1);
  phiscan::testing::WriteFile(path, raw);
  chmod(path.c_str(), 0600);
  auto key = TokenKey::Load(path);
  REQUIRE(key.ok());
  for (std::string msg : {std::string(), std::string("536228726"), std::string(200, 'x')}) {
    unsigned char expect[32];
    unsigned int len = 0;
    HMAC(EVP_sha256(), raw.data(), 32, reinterpret_cast<const unsigned char*>(msg.data()),
         msg.size(), expect, &len);
    auto got = key.value().Tokenize(msg);
    CHECK(std::equal(got.begin(), got.end(), expect));
  }
}
