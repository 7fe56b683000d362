#include "classifiers/internal/digit_gate.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <optional>
#include <string>

#include "common/hex.h"

namespace phiscan::classifiers::internal {
namespace {

bool IsDigit(unsigned char c) { return c >= '0' && c <= '9'; }

// What a regex fragment's matches are known to hold, as lower bounds that
// hold for every match (so also for the fragment's shortest one).
struct Digits {
  bool has = false;   // a digit
  bool all = true;    // only digits (vacuously: an assertion, an empty match)
  uint64_t len = 0;   // bytes
  uint64_t prefix = 0, suffix = 0;  // digits it starts and ends with
  uint64_t run = 0;   // the longest run of consecutive digits

  static Digits Empty() { return {}; }
  static Digits Byte(bool digit) {
    const uint64_t d = digit ? 1 : 0;
    return {digit, digit, 1, d, d, d};
  }
};

constexpr uint64_t kCap = 1u << 20;  // bounds above any width a pack may use

Digits Concat(const Digits& a, const Digits& b) {
  Digits r;
  r.has = a.has || b.has;
  r.all = a.all && b.all;
  r.len = std::min(kCap, a.len + b.len);
  r.prefix = a.all ? std::min(kCap, a.len + b.prefix) : a.prefix;
  r.suffix = b.all ? std::min(kCap, a.suffix + b.len) : b.suffix;
  r.run = std::max({a.run, b.run, std::min(kCap, a.suffix + b.prefix)});
  return r;
}

Digits Either(const Digits& a, const Digits& b) {
  return {a.has && b.has, a.all && b.all, std::min(a.len, b.len), std::min(a.prefix, b.prefix),
          std::min(a.suffix, b.suffix), std::min(a.run, b.run)};
}

// x{min,...}: at least min copies of x, each holding what x holds.
Digits Repeat(const Digits& x, uint64_t min) {
  if (min == 0) return {false, x.all, 0, 0, 0, 0};
  Digits r = x;
  r.len = std::min(kCap, x.len * min);
  if (x.all) {
    r.prefix = r.suffix = r.run = r.len;
  } else if (min >= 2) {
    r.run = std::max(x.run, std::min(kCap, x.suffix + x.prefix));
  }
  return r;
}

// A recursive-descent reader of the regex subset the rule packs use. Each
// reading method returns what every match of what it read holds, or
// nullopt for syntax it does not model (the caller then assumes nothing).
class Reader {
 public:
  explicit Reader(std::string_view re) : re_(re) {}

  std::optional<Digits> Whole() {
    auto r = Alternation();
    if (!r || pos_ != re_.size()) return std::nullopt;
    return r;
  }

 private:
  bool AtEnd() const { return pos_ >= re_.size(); }
  char Peek() const { return re_[pos_]; }

  // a|b|c: what every branch holds.
  std::optional<Digits> Alternation() {
    std::optional<Digits> all;
    for (;;) {
      auto branch = Sequence();
      if (!branch) return std::nullopt;
      all = all ? Either(*all, *branch) : *branch;
      if (AtEnd() || Peek() != '|') return all;
      ++pos_;
    }
  }

  // abc: its items one after another.
  std::optional<Digits> Sequence() {
    Digits seq = Digits::Empty();
    while (!AtEnd() && Peek() != '|' && Peek() != ')') {
      auto atom = Atom();
      if (!atom) return std::nullopt;
      auto min = Quantifier();
      if (!min) return std::nullopt;
      seq = Concat(seq, Repeat(*atom, *min));
    }
    return seq;
  }

  // Minimum repeat count of the quantifier after an atom (1 if none).
  std::optional<unsigned> Quantifier() {
    if (AtEnd()) return 1u;
    unsigned min = 1;
    char c = Peek();
    if (c == '?' || c == '*') {
      min = 0;
      ++pos_;
    } else if (c == '+') {
      ++pos_;
    } else if (c == '{') {
      // Only {n}, {n,} and {n,m}; any other '{' is a literal to the
      // engines, and syntax this reader does not model.
      size_t at = pos_ + 1, digits = 0;
      while (at < re_.size() && IsDigit(static_cast<unsigned char>(re_[at]))) ++at, ++digits;
      if (digits == 0 || digits > 6) return std::nullopt;
      min = static_cast<unsigned>(std::stoul(std::string(re_.substr(pos_ + 1, digits))));
      if (at < re_.size() && re_[at] == ',') {
        ++at;
        size_t max_digits = 0;
        while (at < re_.size() && IsDigit(static_cast<unsigned char>(re_[at]))) ++at, ++max_digits;
        if (max_digits > 6) return std::nullopt;
      }
      if (at >= re_.size() || re_[at] != '}') return std::nullopt;
      pos_ = at + 1;
    } else {
      return 1u;
    }
    if (!AtEnd() && (Peek() == '?' || Peek() == '+')) ++pos_;  // lazy / possessive
    return min;
  }

  std::optional<Digits> Atom() {
    char c = re_[pos_++];
    switch (c) {
      case '(':
        return Group();
      case '[': {
        auto digits_only = Class();
        if (!digits_only) return std::nullopt;
        return Digits::Byte(*digits_only);
      }
      case '\\': {
        // Assertions match no byte.
        if (!AtEnd() && std::string_view("bBAzZ").find(Peek()) != std::string_view::npos) {
          ++pos_;
          return Digits::Empty();
        }
        auto digit = Escape(/*in_class=*/false, nullptr);
        if (!digit) return std::nullopt;
        return Digits::Byte(*digit);
      }
      case '^':
      case '$':
        return Digits::Empty();
      case '.':
        return Digits::Byte(false);
      case '*':
      case '+':
      case '?':
      case '{':
        return std::nullopt;  // a quantifier with nothing to repeat
      default:
        return Digits::Byte(IsDigit(static_cast<unsigned char>(c)));
    }
  }

  std::optional<Digits> Group() {
    if (!AtEnd() && Peek() == '?') {
      // Only (?:...) and (?flags:...) with flags i, m, s, U are modelled:
      // not lookaround, named groups, flag changes for the rest of the
      // pattern, nor x (extended syntax, where '#' starts a comment).
      constexpr std::string_view kFlags = "imsU-";
      size_t colon = pos_ + 1;
      while (colon < re_.size() && kFlags.find(re_[colon]) != std::string_view::npos) ++colon;
      if (colon >= re_.size() || re_[colon] != ':') return std::nullopt;
      pos_ = colon + 1;
    }
    auto inner = Alternation();
    if (!inner || AtEnd() || Peek() != ')') return std::nullopt;
    ++pos_;
    return inner;
  }

  // An escape outside or inside a class. Sets *byte to the literal byte it
  // stands for, if it is one; returns whether it can only match digits.
  std::optional<bool> Escape(bool in_class, int* byte) {
    if (AtEnd()) return std::nullopt;
    char c = re_[pos_++];
    if (byte) *byte = -1;
    switch (c) {
      case 'd':
        return true;
      case 'D':
      case 'w':
      case 'W':
      case 's':
      case 'S':
        return false;
      case 'b':
      case 'B':
      case 'A':
      case 'z':
      case 'Z':
        if (in_class) return std::nullopt;
        return false;  // assertions match no byte
      case 'n':
      case 't':
      case 'r':
      case 'f':
      case 'v':
        if (byte) *byte = c == 'n' ? '\n' : c == 't' ? '\t' : c == 'r' ? '\r' : c == 'f' ? '\f' : '\v';
        return false;
      case 'x': {
        const int value = HexByte(re_, pos_);
        if (value < 0) return std::nullopt;
        pos_ += 2;
        if (byte) *byte = value;
        return IsDigit(static_cast<unsigned char>(value));
      }
      default:
        // Escaped punctuation is itself; any other escaped letter or digit
        // (\p, \Q, \1...) is syntax this reader does not model.
        if (std::isalnum(static_cast<unsigned char>(c))) return std::nullopt;
        if (byte) *byte = static_cast<unsigned char>(c);
        return false;
    }
  }

  // [...]: true if it can only match digits (not negated, digits only).
  std::optional<bool> Class() {
    bool negated = !AtEnd() && Peek() == '^';
    if (negated) ++pos_;
    bool digits_only = true;
    bool first = true;
    for (;;) {
      if (AtEnd()) return std::nullopt;
      char c = re_[pos_];
      if (c == ']' && !first) {
        ++pos_;
        break;
      }
      first = false;
      if (c == '[') return std::nullopt;  // [:alpha:] and the like
      int lo;
      if (c == '\\') {
        ++pos_;
        auto e = Escape(/*in_class=*/true, &lo);
        if (!e) return std::nullopt;
        if (lo < 0) {  // a class escape such as \d or \w
          digits_only = digits_only && *e;
          continue;
        }
      } else {
        lo = static_cast<unsigned char>(c);
        ++pos_;
      }
      int hi = lo;
      if (pos_ + 1 < re_.size() && re_[pos_] == '-' && re_[pos_ + 1] != ']') {
        ++pos_;
        if (re_[pos_] == '\\') {
          ++pos_;
          auto e = Escape(/*in_class=*/true, &hi);
          if (!e || hi < 0) return std::nullopt;
        } else {
          hi = static_cast<unsigned char>(re_[pos_++]);
        }
      }
      if (hi < lo) return std::nullopt;
      digits_only = digits_only && lo >= '0' && hi <= '9';
    }
    return digits_only && !negated;
  }

  std::string_view re_;
  size_t pos_ = 0;
};

}  // namespace

int HexByte(std::string_view s, size_t at) {
  if (at + 2 > s.size()) return -1;
  const int hi = HexValue(s[at]), lo = HexValue(s[at + 1]);
  return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
}

bool EveryMatchHasDigit(std::string_view regex) {
  auto r = Reader(regex).Whole();
  return r && r->has;
}

unsigned MinDigitRun(std::string_view regex) {
  auto r = Reader(regex).Whole();
  return r ? static_cast<unsigned>(r->run) : 0;
}

std::vector<std::string> TopLevelAlternatives(std::string_view regex) {
  // Splitting is safe only if the reader understands the whole pattern
  // (no inline flags that would carry across a '|').
  if (!Reader(regex).Whole()) return {std::string(regex)};
  std::vector<std::string> out;
  int depth = 0;
  size_t start = 0;
  for (size_t i = 0; i < regex.size(); ++i) {
    char c = regex[i];
    if (c == '\\') {
      ++i;
    } else if (c == '[') {
      // Skip the class: a ']' first (after an optional '^') is a member.
      size_t j = i + 1;
      if (j < regex.size() && regex[j] == '^') ++j;
      if (j < regex.size() && regex[j] == ']') ++j;
      while (j < regex.size() && regex[j] != ']') j += regex[j] == '\\' ? 2 : 1;
      i = j;
    } else if (c == '(') {
      ++depth;
    } else if (c == ')') {
      --depth;
    } else if (c == '|' && depth == 0) {
      out.emplace_back(regex.substr(start, i - start));
      start = i + 1;
    }
  }
  out.emplace_back(regex.substr(start));
  return out;
}

bool SameInHyperscanAndRe2(std::string_view regex) {
  auto printable = [](char c) { return c >= 0x20 && c < 0x7F; };
  auto punctuation = [&](char c) {
    return printable(c) && c != ' ' && !std::isalnum(static_cast<unsigned char>(c));
  };
  bool in_class = false;
  for (size_t i = 0; i < regex.size(); ++i) {
    const char c = regex[i];
    if (!printable(c)) return false;
    if (c == '\\') {
      if (++i == regex.size()) return false;
      const char e = regex[i];
      // \b in a class is a backspace to one engine and an error to the other.
      const bool known = e == 'd' || (e == 'b' && !in_class) || punctuation(e);
      if (!known) return false;
    } else if (in_class) {
      if (c == '[') return false;  // [:alpha:] and friends
      if (c == ']') in_class = false;
    } else if (c == '[') {
      // A class opening with '^' (negated) or ']' (a member) is left out.
      if (i + 1 == regex.size() || regex[i + 1] == '^' || regex[i + 1] == ']') return false;
      in_class = true;
    } else if (c == '(') {
      if (i + 1 < regex.size() && regex[i + 1] == '?' &&
          (i + 2 == regex.size() || regex[i + 2] != ':')) {
        return false;  // inline flags, lookaround, named groups
      }
    } else if (c == '.' || c == '^' || c == '$') {
      return false;
    }
  }
  return !in_class;
}

}  // namespace phiscan::classifiers::internal
