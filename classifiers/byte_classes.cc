#include "classifiers/internal/byte_classes.h"

#include <cctype>

#include "classifiers/internal/digit_gate.h"

namespace phiscan::classifiers::internal {
namespace {

constexpr size_t kMaxClasses = 64;

ByteClass Range(int lo, int hi) {
  ByteClass c;
  for (int b = lo; b <= hi; ++b) c.set(static_cast<size_t>(b));
  return c;
}

ByteClass Word() { return Range('0', '9') | Range('A', 'Z') | Range('a', 'z') | Range('_', '_'); }

// Reads expr left to right; any syntax outside the modelled subset ends the
// reading with nullopt.
class Parser {
 public:
  explicit Parser(std::string_view expr) : s_(expr) {}

  std::optional<std::vector<ByteClass>> Sequence() {
    std::vector<ByteClass> out;
    while (at_ < s_.size()) {
      auto one = Atom();
      if (!one) return std::nullopt;
      auto times = Repeat();
      if (!times || out.size() + *times > kMaxClasses) return std::nullopt;
      out.insert(out.end(), *times, *one);
    }
    if (out.empty()) return std::nullopt;
    return out;
  }

 private:
  // {n}, or once.
  std::optional<size_t> Repeat() {
    if (at_ >= s_.size()) return 1;
    const char c = s_[at_];
    if (c == '?' || c == '*' || c == '+') return std::nullopt;
    if (c != '{') return 1;
    size_t n = 0, digits = 0, i = at_ + 1;
    for (; i < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i])) && digits < 3; ++i) {
      n = n * 10 + static_cast<size_t>(s_[i] - '0');
      ++digits;
    }
    if (digits == 0 || n == 0 || i >= s_.size() || s_[i] != '}') return std::nullopt;
    at_ = i + 1;
    return n;
  }

  std::optional<ByteClass> Atom() {
    const char c = s_[at_++];
    if (c == '\\') return Escape();
    if (c == '[') return Bracket();
    if (std::string_view("^$.|?*+()[]{}").find(c) != std::string_view::npos) return std::nullopt;
    return Range(static_cast<unsigned char>(c), static_cast<unsigned char>(c));
  }

  // After a backslash, in or out of brackets.
  std::optional<ByteClass> Escape() {
    if (at_ >= s_.size()) return std::nullopt;
    const char c = s_[at_++];
    switch (c) {
      case 'd':
        return Range('0', '9');
      case 'D':
        return ~Range('0', '9');
      case 'w':
        return Word();
      case 'W':
        return ~Word();
      case 't':
        return Range('\t', '\t');
      case 'n':
        return Range('\n', '\n');
      case 'r':
        return Range('\r', '\r');
      case 'x': {
        const int value = HexByte(s_, at_);
        if (value < 0) return std::nullopt;
        at_ += 2;
        return Range(value, value);
      }
      default: {
        // Escaped ASCII punctuation is itself; other escapes (\s, \b, \p,
        // back-references...) are not modelled.
        const auto u = static_cast<unsigned char>(c);
        if (u >= 0x80 || !std::ispunct(u)) return std::nullopt;
        return Range(u, u);
      }
    }
  }

  // One member of a bracket class: a byte, or (b < 0) a class escape in *set.
  std::optional<int> Member(ByteClass* set) {
    const char c = s_[at_];
    if (c == '[') return std::nullopt;  // [:alpha:] and the like
    if (c != '\\') {
      ++at_;
      return static_cast<unsigned char>(c);
    }
    ++at_;
    auto e = Escape();
    if (!e) return std::nullopt;
    if (e->count() == 1) {
      for (int b = 0; b < 256; ++b) {
        if (e->test(static_cast<size_t>(b))) return b;
      }
    }
    *set = *e;
    return -1;
  }

  std::optional<ByteClass> Bracket() {
    ByteClass out;
    const bool negated = at_ < s_.size() && s_[at_] == '^';
    if (negated) ++at_;
    bool first = true;
    for (;;) {
      if (at_ >= s_.size()) return std::nullopt;
      if (s_[at_] == ']') {
        if (first) return std::nullopt;  // ']' as a member: not modelled
        ++at_;
        break;
      }
      first = false;
      ByteClass set;
      auto lo = Member(&set);
      if (!lo) return std::nullopt;
      if (*lo < 0) {
        out |= set;
        continue;
      }
      int hi = *lo;
      if (at_ + 1 < s_.size() && s_[at_] == '-' && s_[at_ + 1] != ']') {
        ++at_;
        auto h = Member(&set);
        if (!h || *h < 0 || *h < *lo) return std::nullopt;
        hi = *h;
      }
      out |= Range(*lo, hi);
    }
    if (negated) out.flip();
    if (out.none()) return std::nullopt;
    return out;
  }

  std::string_view s_;
  size_t at_ = 0;
};

}  // namespace

std::optional<std::vector<ByteClass>> ParseByteClasses(std::string_view expr) {
  return Parser(expr).Sequence();
}

void AddToBanks(const std::vector<ByteClass>& classes, int exclude, std::vector<VetoBank>* banks) {
  const auto width = static_cast<unsigned>(classes.size());
  VetoBank* bank = nullptr;
  for (auto& b : *banks) {
    if (b.width == width && (b.excludes.size() + 1) * width <= 64) bank = &b;
  }
  if (bank == nullptr) {
    bank = &banks->emplace_back();
    bank->width = width;
  }
  const unsigned first = static_cast<unsigned>(bank->excludes.size()) * width;
  bank->starts |= uint64_t{1} << first;
  bank->finals |= uint64_t{1} << (first + width - 1);
  for (unsigned k = 0; k < width; ++k) {
    for (size_t b = 0; b < 256; ++b) {
      if (classes[k].test(b)) bank->mask[b] |= uint64_t{1} << (first + k);
    }
  }
  bank->excludes.push_back(exclude);
}

}  // namespace phiscan::classifiers::internal
