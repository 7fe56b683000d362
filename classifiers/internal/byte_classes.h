// Internal: exclude expressions that are a fixed sequence of byte classes
// (the timestamp shapes of the date types, `\d{4}-\d\d-\d\d[T ]\d\d:\d\d`),
// checked by the Matcher in the text around the hits it judges instead of
// scanned by Hyperscan over every byte. On a log a timestamp is on every
// line, and each Hyperscan report of one costs more than looking at the few
// bytes around the date hits it would veto.
#ifndef PHISCAN_CLASSIFIERS_INTERNAL_BYTE_CLASSES_H_
#define PHISCAN_CLASSIFIERS_INTERNAL_BYTE_CLASSES_H_

#include <algorithm>
#include <array>
#include <bitset>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace phiscan::classifiers::internal {

using ByteClass = std::bitset<256>;

// The byte classes of `expr` if it is a plain sequence of them, as Hyperscan
// reads it with no flags: literal bytes, escaped punctuation, \d \D \w \W,
// \t \n \r, \xHH, bracket classes of those (ranges and ^ included), each
// optionally repeated {n} times; at most 64 classes in all. Anything else
// (alternation, groups, other quantifiers, anchors, \b, \s, '.') gives
// nullopt: the expression stays Hyperscan's.
std::optional<std::vector<ByteClass>> ParseByteClasses(std::string_view expr);

// Expressions of one width matched together by shift-and: expression l is
// lane l, bits [l * width, (l + 1) * width) of the state. A bit that the
// shift carries out of one lane lands on the next lane's first bit, which
// every step sets anyway.
struct VetoBank {
  unsigned width = 0;
  uint64_t starts = 0;  // each lane's first bit
  uint64_t finals = 0;  // each lane's last bit: a whole match
  std::array<uint64_t, 256> mask{};  // per byte: the lane positions whose class holds it
  std::vector<int> excludes;         // CompiledRules::excludes index per lane
};

// Adds the class sequence of exclude `exclude` to the first bank in `banks`
// of its width with a free lane, or to a new bank.
void AddToBanks(const std::vector<ByteClass>& classes, int exclude, std::vector<VetoBank>* banks);

// Whether a match of one of the bank's expressions lying wholly inside
// `text` overlaps [lo, hi) (offsets into text, lo < hi).
inline bool BankOverlaps(const VetoBank& bank, std::string_view text, size_t lo, size_t hi) {
  const size_t w = bank.width;
  const size_t end = std::min(text.size(), hi + w - 1);
  if (lo >= end) return false;
  uint64_t d = 0;
  // Matches ending at or before lo overlap nothing: only their prefixes
  // count, as the state.
  for (size_t i = lo + 1 > w ? lo + 1 - w : 0; i < lo; ++i) {
    d = ((d << 1) | bank.starts) & bank.mask[static_cast<unsigned char>(text[i])];
  }
  for (size_t i = lo; i < end; ++i) {
    d = ((d << 1) | bank.starts) & bank.mask[static_cast<unsigned char>(text[i])];
    // A match ends at i + 1 > lo and starts at i + 1 - w < hi (i < hi + w
    // - 1): it overlaps [lo, hi).
    if ((d & bank.finals) != 0) return true;
    // From hi - 1 on, a match that overlaps [lo, hi) has begun, so is in
    // the state: with none left, none can end later.
    if (d == 0 && i + 1 >= hi) return false;
  }
  return false;
}

}  // namespace phiscan::classifiers::internal

#endif  // PHISCAN_CLASSIFIERS_INTERNAL_BYTE_CLASSES_H_
