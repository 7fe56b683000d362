// Evidence that is safe to keep: masked previews and keyed tokens.
//
// MaskValue keeps only the shape of a value: ASCII letters and digits become
// '*', other printable ASCII stays, any other character (a UTF-8 sequence,
// or else a byte) becomes one '?'; the result is at most kMaxMaskedLength
// characters;
// credentials are masked without their shape (MaskForCategory).
// TokenKey computes HMAC-SHA-256(key, normalised value). The key is 32 random
// bytes in its own file (tools/key_file.h), created 0600 on first use, never
// stored in the catalog; without the key a token cannot be reversed by
// enumerating SSNs.
//
// Thread safety: TokenKey is immutable after load; Tokenize is const and
// thread-safe.
#ifndef PHISCAN_CLASSIFIERS_TOKEN_H_
#define PHISCAN_CLASSIFIERS_TOKEN_H_

#include <array>
#include <memory>
#include <string>
#include <string_view>

#include "common/model.h"
#include "common/status.h"

namespace phiscan::classifiers {

constexpr size_t kMaxMaskedLength = 64;

std::string MaskValue(std::string_view value);
// What a credential's value is masked as, whatever it is: a password's
// length and where its punctuation sits narrow a guess, and a shape says
// nothing a reader of the report needs about a secret.
inline constexpr std::string_view kSecretMask = "********";
// The masked preview of a value of a type in `category`: kSecretMask for a
// CREDENTIAL, MaskValue otherwise.
std::string MaskForCategory(std::string_view value, std::string_view category);

// Normalises a value for tokenising: "digits" keeps digits only, "phone"
// too but drops the country code of an 11-digit number starting with 1
// (NANP), "alnum_upper" keeps letters and digits upper-cased, "lower"
// lower-cases ASCII, "name" lower-cases ASCII and writes accented Latin
// letters as the letter they are on (é, É: e), "none" returns the value
// unchanged. Unknown modes behave as "none".
std::string NormalizeValue(std::string_view value, std::string_view mode);
// The same into `out` (cleared first), reusing its storage: the matcher
// normalises every emitted match.
void NormalizeValueInto(std::string_view value, std::string_view mode, std::string& out);

class TokenKey {
 public:
  static constexpr size_t kKeyBytes = 32;

  // A key from its 32 bytes. The key file that holds them (created 0600,
  // never in the catalog) is the front end's (tools/key_file.h); this
  // module opens no file.
  static TokenKey FromBytes(const std::array<uint8_t, kKeyBytes>& bytes);
  // A key from fresh random bytes that is never written anywhere (classify).
  static TokenKey Ephemeral();

  // HMAC-SHA-256 of `normalized`. Runs on every candidate match, so the
  // keyed inner and outer hash states are computed once per key and only
  // copied per call.
  Token Tokenize(std::string_view normalized) const;

 private:
  struct State;  // precomputed HMAC states (OpenSSL EVP contexts)
  void Prepare();
  std::array<uint8_t, kKeyBytes> key_{};
  std::shared_ptr<const State> state_;
};

std::string TokenHex(const Token& token);

// Hex of the first `bytes` bytes (at most 32) of the SHA-256 of `data`: an
// unkeyed content hash (the rule set's version, the compiled-rules cache),
// never used for scanned values.
std::string Sha256Hex(std::string_view data, unsigned bytes = 32);

}  // namespace phiscan::classifiers

#endif  // PHISCAN_CLASSIFIERS_TOKEN_H_
