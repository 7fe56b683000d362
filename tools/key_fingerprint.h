// A fingerprint of the token key, safe to store and print: the HMAC of a
// fixed label under the key, truncated. It tells whether two runs (or a
// catalog and a key file) used the same key, and reveals nothing about the
// key or any value.
#ifndef PHISCAN_TOOLS_KEY_FINGERPRINT_H_
#define PHISCAN_TOOLS_KEY_FINGERPRINT_H_

#include <string>

#include "classifiers/token.h"

namespace phiscan::tools {

inline std::string KeyFingerprint(const classifiers::TokenKey& key) {
  // The label is not a value any type normalises to, so the fingerprint
  // never equals a finding's token.
  return classifiers::TokenHex(key.Tokenize("phiscan key fingerprint v1\n")).substr(0, 16);
}

}  // namespace phiscan::tools

#endif  // PHISCAN_TOOLS_KEY_FINGERPRINT_H_
