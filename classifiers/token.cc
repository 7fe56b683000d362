#include "classifiers/token.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <algorithm>

#include "classifiers/internal/latin_fold.h"

namespace phiscan::classifiers {
namespace {

bool IsAlnum(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// Length of the well-formed UTF-8 sequence of two to four bytes at the start
// of `s` (by lead byte and continuation bytes; overlong and surrogate forms
// are not told apart, a mask needs no more), or 0.
size_t Utf8Length(std::string_view s) {
  const auto lead = static_cast<unsigned char>(s[0]);
  const size_t n = lead < 0xC2 ? 0 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : lead < 0xF5 ? 4 : 0;
  if (n == 0 || s.size() < n) return 0;
  for (size_t i = 1; i < n; ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) return 0;
  }
  return n;
}

}  // namespace

std::string MaskValue(std::string_view value) {
  std::string out;
  out.reserve(std::min(value.size(), kMaxMaskedLength));
  for (size_t i = 0; i < value.size() && out.size() < kMaxMaskedLength; ++i) {
    const char c = value[i];
    if (IsAlnum(c)) {
      out += '*';
    } else if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7F) {
      // Keep the shape readable and the output plain ASCII: one mark per
      // character, so "müller" keeps the length it is read with.
      out += '?';
      if (const size_t n = Utf8Length(value.substr(i)); n != 0) i += n - 1;
    } else {
      out += c;
    }
  }
  return out;
}

std::string MaskForCategory(std::string_view value, std::string_view category) {
  return category == "CREDENTIAL" ? std::string(kSecretMask) : MaskValue(value);
}

std::string NormalizeValue(std::string_view value, std::string_view mode) {
  std::string out;
  NormalizeValueInto(value, mode, out);
  return out;
}

void NormalizeValueInto(std::string_view value, std::string_view mode, std::string& out) {
  // Written in place and cut to length: every emitted match comes through
  // here, and appending byte by byte was most of its cost.
  out.resize(value.size());
  char* o = out.data();
  size_t n = 0;
  if (mode == "digits" || mode == "phone") {
    for (char c : value) {
      o[n] = c;
      n += (c >= '0' && c <= '9') ? 1 : 0;
    }
    // +1 617 432 1234 and (617) 432-1234 are one number: an 11-digit
    // number with country code 1 (only NANP's starts with 1) loses it.
    if (mode == "phone" && n == 11 && o[0] == '1') {
      out.erase(0, 1);
      n = 10;
    }
  } else if (mode == "alnum_upper") {
    for (char c : value) {
      o[n] = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
      n += IsAlnum(c) ? 1 : 0;
    }
  } else if (mode == "lower") {
    for (char c : value) o[n++] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  } else if (mode == "name") {
    // Lower case, and accented Latin letters as the letter they are written
    // on: José, JOSÉ and Jose are one name (not for addresses in general:
    // müller@ and muller@ are two mailboxes).
    for (size_t i = 0; i < value.size(); ++i) {
      const char c = value[i];
      if (const char folded = internal::FoldLatin1At(value, i)) {
        o[n++] = folded;
      } else {
        o[n++] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
      }
    }
  } else {
    out.assign(value);
    return;
  }
  out.resize(n);
}

TokenKey TokenKey::FromBytes(const std::array<uint8_t, kKeyBytes>& bytes) {
  TokenKey key;
  key.key_ = bytes;
  key.Prepare();
  return key;
}

TokenKey TokenKey::Ephemeral() {
  TokenKey key;
  RAND_bytes(key.key_.data(), static_cast<int>(key.key_.size()));
  key.Prepare();
  return key;
}

// HMAC (RFC 2104) from two hash states keyed once: inner = H(K^ipad || ...),
// outer = H(K^opad || inner). OpenSSL's one-shot HMAC() looks the digest up by
// name and allocates on every call, which dominated scans of dense tables.
struct TokenKey::State {
  EVP_MD_CTX* inner = nullptr;
  EVP_MD_CTX* outer = nullptr;
  ~State() {
    EVP_MD_CTX_free(inner);
    EVP_MD_CTX_free(outer);
  }
};

namespace {

const EVP_MD* Sha256() {
  static const EVP_MD* md = EVP_sha256();
  return md;
}

// Per-thread scratch context, reused across calls.
EVP_MD_CTX* Scratch() {
  struct Holder {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    ~Holder() { EVP_MD_CTX_free(ctx); }
  };
  thread_local Holder holder;
  return holder.ctx;
}

}  // namespace

void TokenKey::Prepare() {
  constexpr size_t kBlock = 64;  // SHA-256 block size; the 32-byte key is padded to it
  uint8_t ipad[kBlock], opad[kBlock];
  for (size_t i = 0; i < kBlock; ++i) {
    uint8_t k = i < key_.size() ? key_[i] : 0;
    ipad[i] = k ^ 0x36;
    opad[i] = k ^ 0x5c;
  }
  auto state = std::make_shared<State>();
  state->inner = EVP_MD_CTX_new();
  state->outer = EVP_MD_CTX_new();
  EVP_DigestInit_ex(state->inner, Sha256(), nullptr);
  EVP_DigestUpdate(state->inner, ipad, kBlock);
  EVP_DigestInit_ex(state->outer, Sha256(), nullptr);
  EVP_DigestUpdate(state->outer, opad, kBlock);
  OPENSSL_cleanse(ipad, sizeof ipad);
  OPENSSL_cleanse(opad, sizeof opad);
  state_ = std::move(state);
}

Token TokenKey::Tokenize(std::string_view normalized) const {
  Token out{};
  if (!state_) return out;
  EVP_MD_CTX* ctx = Scratch();
  unsigned int len = 0;
  uint8_t inner[EVP_MAX_MD_SIZE];
  EVP_MD_CTX_copy_ex(ctx, state_->inner);
  EVP_DigestUpdate(ctx, normalized.data(), normalized.size());
  EVP_DigestFinal_ex(ctx, inner, &len);
  EVP_MD_CTX_copy_ex(ctx, state_->outer);
  EVP_DigestUpdate(ctx, inner, len);
  EVP_DigestFinal_ex(ctx, out.data(), &len);
  return out;
}

namespace {

std::string Hex(const uint8_t* bytes, size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (size_t i = 0; i < n; ++i) {
    out += kHex[bytes[i] >> 4];
    out += kHex[bytes[i] & 0xF];
  }
  return out;
}

}  // namespace

std::string TokenHex(const Token& token) { return Hex(token.data(), token.size()); }

std::string Sha256Hex(std::string_view data, unsigned bytes) {
  uint8_t md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  return Hex(md, std::min(bytes, len));
}

}  // namespace phiscan::classifiers
