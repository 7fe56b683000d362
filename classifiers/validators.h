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

// Whether the digits of `s` are a test number published by a card network or
// payment processor (4111 1111 1111 1111, 4242 4242 4242 4242, 5555 5555
// 5555 4444, 3782 822463 10005, ...), never issued to a cardholder.
bool PublishedTestCard(std::string_view s);

// A payment card as CreditCardValid that is not a published test number.
bool IssuedCreditCardValid(std::string_view s);

// US SSN structure: 9 digits; area not 000, 666 or 9xx; group not 00; serial
// not 0000; separators, if any, consistent (a UTF-8 no-break space counts as
// one separator); not a published sample
// (078-05-1120, 219-09-9999, 123-45-6789, 987-65-4320..4329).
bool SsnValid(std::string_view s);

// NPI: 10 digits starting 1 or 2, Luhn over "80840" + the 10 digits.
bool NpiValid(std::string_view s);

// MBI: 11 characters (dashes and spaces ignored) in CMS position classes:
// [1-9] A AN N A AN N A A N N, letters from ACDEFGHJKMNPQRTUVWXY.
bool MbiValid(std::string_view s);

// NANP phone: 10 digits after an optional leading 1; area and exchange codes
// start 2-9, area code is not N11, not the fictional 555-01xx block.
bool NanpPhoneValid(std::string_view s);

// E.164 international number: '+', a country code not starting 0 or 1
// (NANP numbers have their own validator), 8-15 digits in all, separators
// consistent.
bool E164PhoneValid(std::string_view s);

// Email: one '@', local part 1..64, domain of dot-separated labels with a
// 2..24 letter TLD, no empty labels, labels not starting or ending with '-'.
bool EmailValid(std::string_view s);

// An EmailValid address of a person, not of a role or a machine: the local
// part (before any '+tag', ASCII case ignored) is not info, support,
// noreply, postmaster, billing, ... (letterheads, newsletters and system
// mail carry those; they name no one).
bool PersonalEmailValid(std::string_view s);

// ITIN: 9 digits starting 9 whose 4th-5th digits are in 50-65, 70-88,
// 90-92 or 94-99 (IRS); separators, if any, consistent (as for SSNs).
bool ItinValid(std::string_view s);

// DEA registration: 2 letters + 7 digits. Letter 1 is a registrant type
// (A-H, J-N, P-U, X); letter 2 a letter or '9'; the last digit equals the last
// digit of (d1+d3+d5) + 2*(d2+d4+d6).
bool DeaValid(std::string_view s);

// ABA routing number: 9 digits, first two in 00-12, 21-32, 61-72 or 80, and
// 3-7-1 weights summing to a multiple of 10; not all zeros.
bool AbaValid(std::string_view s);

// IBAN: country code with its registered length (ISO 13616 registry), two
// check digits, alphanumeric BBAN, ISO 7064 mod 97 == 1. Spaces between
// groups of four are allowed.
bool IbanValid(std::string_view s);

// UK NHS number: 10 digits; weights 10..2 over the first nine, 11 - (sum mod
// 11) (11 -> 0, 10 -> invalid) equals the tenth. Separators consistent; not
// all one digit.
bool NhsValid(std::string_view s);

// Canadian SIN: 9 digits, Luhn, first digit not 0 or 8 (never issued to
// individuals). Separators consistent.
bool SinValid(std::string_view s);

// Australian Medicare number: 10 digits (11 with the individual reference),
// first digit 2-6, weights 1,3,7,9,1,3,7,9 over d1..d8 mod 10 == d9, issue
// number (d10) not 0.
bool AuMedicareValid(std::string_view s);

// VIN: 17 characters without I, O, Q; the ISO 3779 / 49 CFR 565 check digit
// (position 9, '0'-'9' or 'X') over transliterated, weighted characters.
bool VinValid(std::string_view s);

// IPv4 dotted quad: four decimal octets 0-255 without leading zeros; not
// 0.0.0.0 or 255.255.255.255 (placeholders, not a host).
bool Ipv4Valid(std::string_view s);

// IPv6 (RFC 4291 text forms): up to 8 groups of 1-4 hex digits, at most one
// "::", optional dotted IPv4 tail; at least two groups written, so a clock
// time or a MAC address never passes.
bool Ipv6Valid(std::string_view s);

// An IPv6 address as above with at least three groups written (an IPv4 tail
// counts two): 2001:db8::1, not the two-group dead::beef or a::b, which
// source code is full of.
bool Ipv6GroupedValid(std::string_view s);

// Addresses of hosts on the internet, which can point at a person (a
// patient's home connection in a portal log): valid as above, and not
// loopback, private (10/8, 172.16/12, 192.168/16, fc00::/7), carrier NAT
// (100.64/10), link-local (169.254/16, fe80::/10), documentation
// (192.0.2/24, 198.51.100/24, 203.0.113/24, 2001:db8::/32), multicast or
// reserved. Those name a network's own devices, as every server log and
// switch config lists them.
bool PublicIpv4Valid(std::string_view s);
bool PublicIpv6Valid(std::string_view s);
bool PublicIpv6GroupedValid(std::string_view s);

// A calendar date in one of the common written forms (YYYY-MM-DD, YYYY/MM/DD,
// MM/DD/YYYY, M/D/YY, DD.MM.YYYY, "March 3, 1980", "3 Mar 1980", "Mar-03-1980",
// YYYYMMDD): the day exists in that month and year (leap years), the year is
// 1900-2099. A value carrying a time of day (a timestamp) is rejected.
bool DateValid(std::string_view s);

// A date of birth: DateValid, and not after tomorrow (UTC; somewhere it is
// already that day). A two-digit year is read in the past ("3/5/30" is
// 1930); of a value that reads both month first and day first, a reading
// that is not in the future is enough.
bool BirthDateValid(std::string_view s);

// The value of a field that holds a whole name (a patient_name column):
// false if one of its words says it is no one's (Unknown, Not Provided,
// Same As Above, Test Patient, REDACTED) or is a clinical phrase a form
// put there (Discharge Summary, Stable Overnight), compared without case.
bool WholeNameValid(std::string_view s);

// A credential value that is not a placeholder: false if it holds a dozen x
// or X in a row (ghp_xxxx..., AIzaSyXXXX..., sk_live_xxxx... in
// documentation and templates; no real token has such a run).
bool NotPlaceholderValid(std::string_view s);

// ICD-10(-CM) code shape: a letter, a digit, a digit (or a letter in the
// seven categories that have one: C4A, C7A, C7B, D3A, M1A, O9A, Z3A), then
// optionally '.' and 1-4 letters or digits, or without the dot 1-4 more:
// digits or X, the seventh a letter too (E119, T360X1A).
bool Icd10Valid(std::string_view s);

// NDC: 10 digits as 4-4-2, 5-3-2 or 5-4-1 with hyphens, or the 11-digit
// billing form 5-4-2; labeler and product code not all zeros.
bool NdcValid(std::string_view s);

// JWT: base64url segments (the header, a '.', the payload and, unless
// the match was cut short, the signature); the first decodes to a JSON
// object that names an "alg".
bool JwtValid(std::string_view s);

// A password-like value after `password=`: 6..64 bytes, not a placeholder
// (variable reference, template, mask, null/none/true/false, all one
// character, an ellipsis), not code or a reference that fetches it (an
// attribute read, a call, Read-Host, a path, a secret's name ending
// -secret or -credentials).
bool SecretValueValid(std::string_view s);

// A password typed in words (a ticket's "reset password to ..."): a
// SecretValueValid value mixing three kinds of characters or more among
// lower case, upper case, digits and symbols other than '_', '-' and '.'.
bool TypedPasswordValid(std::string_view s);

// Looks up a validator by its rule-pack name. Returns nullptr if unknown.
// The empty name means "no validator" and also returns nullptr.
Validator FindValidator(std::string_view name);

// Names accepted by FindValidator, for error messages and `rules list`.
const char* const* ValidatorNames();

}  // namespace phiscan::classifiers

#endif  // PHISCAN_CLASSIFIERS_VALIDATORS_H_
