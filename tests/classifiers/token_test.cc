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
  // One mark per character, not per UTF-8 byte; a broken sequence is bytes.
  CHECK(MaskValue("müller@x.de") == "*?****@*.**");
  CHECK(MaskValue("иван") == "????");
  CHECK(MaskValue("a\xE2\x80\x94" "b\xF0\x9F\x99\x82") == "*?*?");
  CHECK(MaskValue("\xC3(\xE2\x80") == "?(??");
}

TEST_CASE("A credential's mask is the same whatever its value") {
  CHECK(MaskForCategory("Tr0ub4dor&3", "CREDENTIAL") == kSecretMask);
  CHECK(MaskForCategory("x", "CREDENTIAL") == kSecretMask);
  CHECK(MaskForCategory("536-22-8726", "PII") == "***-**-****");
}

TEST_CASE("Normalisation modes") {
  CHECK(NormalizeValue("536-22-8726", "digits") == "536228726");
  CHECK(NormalizeValue("1eg4-te5-mk73", "alnum_upper") == "1EG4TE5MK73");
  CHECK(NormalizeValue("Jane@Example.ORG", "lower") == "jane@example.org");
  CHECK(NormalizeValue("As-Is", "none") == "As-Is");
  // A NANP number with and without its country code is one number.
  CHECK(NormalizeValue("+1 (617) 432-1234", "phone") == "6174321234");
  CHECK(NormalizeValue("617.432.1234", "phone") == "6174321234");
  CHECK(NormalizeValue("16174321234", "phone") == "6174321234");
  CHECK(NormalizeValue("+44 20 7946 0958", "phone") == "442079460958");
  CHECK(NormalizeValue("+1 617 432 1234", "digits") == "16174321234");
  // Into a reused buffer: what it held before is gone.
  std::string out = "a much longer value left from before";
  NormalizeValueInto("536-22-8726", "digits", out);
  CHECK(out == "536228726");
  NormalizeValueInto("", "lower", out);
  CHECK(out.empty());
  struct Case {
    const char* value;
    const char* mode;
    const char* want;
  };
  for (const Case& c : {Case{"-a1-b2-", "alnum_upper", "A1B2"}, Case{"x-9", "digits", "9"},
                        Case{"no digits", "digits", ""},
                        Case{"Kept As Is", "unknown-mode", "Kept As Is"}}) {
    INFO(c.value << " as " << c.mode);
    NormalizeValueInto(c.value, c.mode, out);
    CHECK(out == c.want);
  }
}

TEST_CASE("Different keys give different tokens") {
  // Tokens cannot be matched without the key.
  std::array<uint8_t, TokenKey::kKeyBytes> bytes{};
  bytes[0] = 1;
  TokenKey k1 = TokenKey::FromBytes(bytes);
  CHECK(k1.Tokenize("536228726") == TokenKey::FromBytes(bytes).Tokenize("536228726"));
  CHECK(k1.Tokenize("536228726") != k1.Tokenize("536228727"));
  bytes[0] = 2;
  CHECK(TokenKey::FromBytes(bytes).Tokenize("536228726") != k1.Tokenize("536228726"));
  CHECK(TokenKey::Ephemeral().Tokenize("536228726") != k1.Tokenize("536228726"));
}

TEST_CASE("Tokens equal OpenSSL HMAC-SHA-256 for the same key") {
  // The precomputed-state HMAC must equal OpenSSL's one-shot HMAC for the
  // same 32-byte key, including an empty message and one longer than a block.
  std::string raw(32, '\0');
  std::array<uint8_t, TokenKey::kKeyBytes> bytes{};
  for (int i = 0; i < 32; ++i) {
    raw[i] = static_cast<char>(i * 7 + 1);
    bytes[i] = static_cast<uint8_t>(raw[i]);
  }
  const TokenKey key = TokenKey::FromBytes(bytes);
  for (std::string msg : {std::string(), std::string("536228726"), std::string(200, 'x')}) {
    unsigned char expect[32];
    unsigned int len = 0;
    HMAC(EVP_sha256(), raw.data(), 32, reinterpret_cast<const unsigned char*>(msg.data()),
         msg.size(), expect, &len);
    auto got = key.Tokenize(msg);
    CHECK(std::equal(got.begin(), got.end(), expect));
  }
}
