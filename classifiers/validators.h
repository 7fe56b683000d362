// Validators: pure checks run on a confirmed primary match.
//
// Each takes the matched bytes as they appear in the text (with separators)
// and returns true if the value is structurally valid for its type. They never
// allocate on the heap and never throw. Thread safety: pure functions.
#ifndef PHISCAN_CLASSIFIERS_VALIDATORS_H_
#define PHISCAN_CLASSIFIERS_VALIDATORS_H_

#include <string_view>

namespace phiscan::classifiers {

using Validator = bool (*)(std::string_view match);

// Luhn mod-10 over the digits of `s` (non-digits ignored); needs >= 2 digits.
bool LuhnValid(std::string_view s);

// Payment card: 13..19 digits, a known issuer prefix (Visa, Mastercard,
// Amex, Discover, JCB, Diners, UnionPay), Luhn, not all one digit.
bool CreditCardValid(std::string_view s);

// US SSN structure: 9 digits; area not 000, 666 or 9xx; group not 00; serial
// not 0000; separators, if any, consistent; not a published sample
// (078-05-1120, 219-09-9999, 123-45-6789, 987-65-4320..4329).
bool SsnValid(std::string_view s);

// NPI: 10 digits starting 1 or 2, Luhn over "80840" + the 10 digits.
bool NpiValid(std::string_view s);

// MBI: 11 characters (dashes ignored) in CMS position classes:
// [1-9] A AN N A AN N A A N N, letters from ACDEFGHJKMNPQRTUVWXY.
bool MbiValid(std::string_view s);

// NANP phone: 10 digits after an optional leading 1; area and exchange codes
// start 2-9, area code is not N11, not the fictional 555-01xx block.
bool NanpPhoneValid(std::string_view s);

// Email: one '@', local part 1..64, domain of dot-separated labels with a
// 2..24 letter TLD, no empty labels, labels not starting or ending with '-'.
bool EmailValid(std::string_view s);

// Looks up a validator by its rule-pack name. Returns nullptr if unknown.
// The empty name means "no validator" and also returns nullptr.
Validator FindValidator(std::string_view name);

// Names accepted by FindValidator, for error messages and `rules list`.
const char* const* ValidatorNames();

}  // namespace phiscan::classifiers

#endif  // PHISCAN_CLASSIFIERS_VALIDATORS_H_
