// Internal: which Hyperscan expressions may be scanned only near digits.
//
// Most identifier patterns (SSN, NPI, phone, card, date...) cannot match
// without a digit, and prose holds few digits: about 4 % of a clinical
// note's bytes lie within 48 bytes of one. Such an expression goes into a
// second Hyperscan database that the Matcher runs only over windows around
// the digits of each chunk, so prose pays for the literal-anchored
// expressions alone (see RuleSet and Matcher::Process).
//
// The same reading of a regex gives the run of consecutive digits every
// match has (MinDigitRun), which spares RE2 the field values that lack it.
//
// The analysis is conservative: any syntax it does not model (lookaround,
// backreferences, inline flag changes without a group, \p classes...) makes
// the answer "may match without a digit", and the expression stays in the
// database scanned over every byte.
#ifndef PHISCAN_CLASSIFIERS_INTERNAL_DIGIT_GATE_H_
#define PHISCAN_CLASSIFIERS_INTERNAL_DIGIT_GATE_H_

#include <string>
#include <string_view>
#include <vector>

namespace phiscan::classifiers::internal {

// The byte that the two hexadecimal digits at s[at, at + 2) spell (the HH
// of \xHH), or -1 if there are not two there.
int HexByte(std::string_view s, size_t at);

// True if every match of `regex` (Hyperscan/RE2 syntax, bytes) contains at
// least one ASCII digit. False when unsure.
bool EveryMatchHasDigit(std::string_view regex);

// A length every match of `regex` has a run of consecutive ASCII digits of
// at least (10 for `\b1?\d{10}\b`, 1 for `[A-Z]-?\d+`, 0 when there is
// none or when unsure). A text whose longest digit run is shorter holds no
// match: a field value the Matcher then need not search.
unsigned MinDigitRun(std::string_view regex);

// The top-level alternatives of `regex` ("a|b(c|d)" -> "a", "b(c|d)"), or
// just `regex` if it has none or uses syntax that makes splitting unsafe.
std::vector<std::string> TopLevelAlternatives(std::string_view regex);

// True if `regex` uses only syntax that Hyperscan (no UTF-8 or UCP flag)
// and RE2 (Latin-1) read alike, byte for byte: printable ASCII literals,
// \b and \d, other escapes of punctuation, [] classes of those (not
// negated, no POSIX names), (?:...) groups, alternation and quantifiers.
// No '.', '^', '$', \s, \w, inline flags or bytes outside printable
// ASCII, where the two engines' readings can part (\s and \v, case
// folding of Latin-1 letters, line anchors). On such a regex a Hyperscan
// match end is an RE2 match end. False when unsure.
bool SameInHyperscanAndRe2(std::string_view regex);

}  // namespace phiscan::classifiers::internal

#endif  // PHISCAN_CLASSIFIERS_INTERNAL_DIGIT_GATE_H_
