#include "classifiers/validators.h"

#include <array>
#include <cstring>

namespace phiscan::classifiers {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }

// Copies the digits of `s` into `out` (at most N). Returns the digit count,
// or N + 1 if there were more than N.
template <size_t N>
size_t Digits(std::string_view s, std::array<char, N>& out) {
  size_t n = 0;
  for (char c : s) {
    if (!IsDigit(c)) continue;
    if (n == N) return N + 1;
    out[n++] = c;
  }
  return n;
}

int Num(const char* d, size_t len) {
  int v = 0;
  for (size_t i = 0; i < len; ++i) v = v * 10 + (d[i] - '0');
  return v;
}

bool AllSame(const char* d, size_t len) {
  for (size_t i = 1; i < len; ++i) {
    if (d[i] != d[0]) return false;
  }
  return true;
}

// Luhn over d[0..len), with `extra` added to the sum (used for NPI's prefix).
bool LuhnDigits(const char* d, size_t len, int extra) {
  int sum = extra;
  bool dbl = false;
  for (size_t i = len; i-- > 0;) {
    int v = d[i] - '0';
    if (dbl) {
      v *= 2;
      if (v > 9) v -= 9;
    }
    sum += v;
    dbl = !dbl;
  }
  return sum % 10 == 0;
}

}  // namespace

bool LuhnValid(std::string_view s) {
  std::array<char, 64> d;
  size_t n = Digits(s, d);
  if (n < 2 || n > d.size()) return false;
  return LuhnDigits(d.data(), n, 0);
}

bool CreditCardValid(std::string_view s) {
  std::array<char, 19> d;
  size_t n = Digits(s, d);
  if (n < 13 || n > 19) return false;
  if (AllSame(d.data(), n)) return false;
  int p2 = Num(d.data(), 2), p3 = Num(d.data(), 3), p4 = Num(d.data(), 4);
  bool brand = false;
  if (d[0] == '4') {
    brand = n == 13 || n == 16 || n == 19;                              // Visa
  } else if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) {
    brand = n == 16;                                                    // Mastercard
  } else if (p2 == 34 || p2 == 37) {
    brand = n == 15;                                                    // Amex
  } else if (p4 == 6011 || (p3 >= 644 && p3 <= 649) || p2 == 65) {
    brand = n >= 16;                                                    // Discover
  } else if (p4 >= 3528 && p4 <= 3589) {
    brand = n >= 16;                                                    // JCB
  } else if ((p3 >= 300 && p3 <= 305) || p2 == 36 || p2 == 38 || p2 == 39) {
    brand = n >= 14;                                                    // Diners
  } else if (p2 == 62) {
    brand = n >= 16;                                                    // UnionPay
  }
  return brand && LuhnDigits(d.data(), n, 0);
}

bool SsnValid(std::string_view s) {
  // Separators, if any, must be the same character in both places.
  char sep = 0;
  for (char c : s) {
    if (IsDigit(c)) continue;
    if (sep != 0 && c != sep) return false;
    sep = c;
  }
  std::array<char, 9> d;
  if (Digits(s, d) != 9) return false;
  int area = Num(d.data(), 3), group = Num(d.data() + 3, 2), serial = Num(d.data() + 5, 4);
  if (area == 0 || area == 666 || area >= 900) return false;
  if (group == 0 || serial == 0) return false;
  std::string_view v(d.data(), 9);
  if (v == "078051120" || v == "219099999" || v == "123456789") return false;
  if (v.substr(0, 8) == "98765432") return false;  // 987-65-4320..4329, advertising range
  return true;
}

bool NpiValid(std::string_view s) {
  std::array<char, 10> d;
  if (Digits(s, d) != 10) return false;
  if (d[0] != '1' && d[0] != '2') return false;
  // Luhn over "80840" + NPI: the prefix contributes a constant 24.
  return LuhnDigits(d.data(), 10, 24);
}

bool MbiValid(std::string_view s) {
  static constexpr const char* kLetters = "ACDEFGHJKMNPQRTUVWXY";
  auto letter = [](char c) { return IsUpper(c) && std::strchr(kLetters, c) != nullptr; };
  std::array<char, 11> v;
  size_t n = 0;
  for (char c : s) {
    if (c == '-') continue;
    if (n == v.size()) return false;
    v[n++] = c;
  }
  if (n != 11) return false;
  // Position classes: C A AN N A AN N A A N N (C = digit 1-9).
  if (v[0] < '1' || v[0] > '9') return false;
  for (int i : {1, 4, 7, 8}) {
    if (!letter(v[i])) return false;
  }
  for (int i : {2, 5}) {
    if (!letter(v[i]) && !IsDigit(v[i])) return false;
  }
  for (int i : {3, 6, 9, 10}) {
    if (!IsDigit(v[i])) return false;
  }
  return true;
}

bool NanpPhoneValid(std::string_view s) {
  std::array<char, 11> d;
  size_t n = Digits(s, d);
  const char* p = d.data();
  if (n == 11 && d[0] == '1') {
    ++p;
    n = 10;
  }
  if (n != 10) return false;
  if (p[0] < '2' || p[3] < '2') return false;       // area and exchange start 2-9
  if (p[1] == '1' && p[2] == '1') return false;     // N11 service codes
  if (Num(p + 3, 3) == 555 && Num(p + 6, 2) == 1) return false;  // 555-01xx fictional
  return true;
}

bool EmailValid(std::string_view s) {
  size_t at = s.find('@');
  if (at == std::string_view::npos || at == 0 || at > 64) return false;
  if (s.find('@', at + 1) != std::string_view::npos) return false;
  std::string_view local = s.substr(0, at), domain = s.substr(at + 1);
  if (local.front() == '.' || local.back() == '.' ||
      local.find("..") != std::string_view::npos) {
    return false;
  }
  size_t dot = domain.rfind('.');
  if (dot == std::string_view::npos) return false;
  std::string_view tld = domain.substr(dot + 1);
  if (tld.size() < 2 || tld.size() > 24) return false;
  std::array<char, 25> lower{};
  for (size_t i = 0; i < tld.size(); ++i) {
    char c = tld[i];
    if (!((c >= 'a' && c <= 'z') || IsUpper(c))) return false;
    lower[i] = IsUpper(c) ? static_cast<char>(c - 'A' + 'a') : c;
  }
  // File names like icon@2x.png look like addresses; their "TLD" gives them away.
  static constexpr std::string_view kFileExtensions[] = {
      "png", "jpg", "jpeg", "gif", "svg", "css", "js", "webp", "ico", "bmp", "pdf", "tif", "tiff"};
  std::string_view t(lower.data(), tld.size());
  for (auto ext : kFileExtensions) {
    if (t == ext) return false;
  }
  // Labels: non-empty, not starting or ending with '-'.
  size_t start = 0;
  while (start <= domain.size()) {
    size_t end = domain.find('.', start);
    if (end == std::string_view::npos) end = domain.size();
    std::string_view label = domain.substr(start, end - start);
    if (label.empty() || label.front() == '-' || label.back() == '-') return false;
    start = end + 1;
  }
  return true;
}

namespace {
struct NamedValidator {
  const char* name;
  Validator fn;
};
constexpr NamedValidator kValidators[] = {
    {"luhn", &LuhnValid},        {"credit_card", &CreditCardValid}, {"ssn", &SsnValid},
    {"npi", &NpiValid},          {"mbi", &MbiValid},                {"nanp_phone", &NanpPhoneValid},
    {"email", &EmailValid},
};
constexpr const char* kValidatorNames[] = {"luhn", "credit_card", "ssn",   "npi",
                                           "mbi",  "nanp_phone",  "email", nullptr};
}  // namespace

Validator FindValidator(std::string_view name) {
  for (const auto& v : kValidators) {
    if (name == v.name) return v.fn;
  }
  return nullptr;
}

const char* const* ValidatorNames() { return kValidatorNames; }

}  // namespace phiscan::classifiers
