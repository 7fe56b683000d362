#include "classifiers/validators.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <ctime>
#include <iterator>
#include <limits>

#include "common/ascii.h"
#include "common/hex.h"

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

// True if every separator of `s` (a non-digit; a UTF-8 no-break space
// C2 A0, en dash E2 80 93 or em dash E2 80 94 taken as one) is the same (or
// there is none).
bool ConsistentSeparators(std::string_view s) {
  int sep = -1;
  for (size_t i = 0; i < s.size(); ++i) {
    int c = static_cast<unsigned char>(s[i]);
    if (IsDigit(s[i])) continue;
    if (c == 0xC2 && i + 1 < s.size() && s[i + 1] == '\xA0') {
      c = 0xA0 << 8;  // U+00A0, as one
      ++i;
    } else if (c == 0xE2 && i + 2 < s.size() && s[i + 1] == '\x80' &&
               (s[i + 2] == '\x93' || s[i + 2] == '\x94')) {
      c = static_cast<unsigned char>(s[i + 2]) << 8;  // U+2013, U+2014
      i += 2;
    }
    if (sep != -1 && c != sep) return false;
    sep = c;
  }
  return true;
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
  } else if (p4 == 5018 || p4 == 5020 || p4 == 5038 || p4 == 5893 || p4 == 6304 ||
             (p4 >= 6759 && p4 <= 6763 && p4 != 6760)) {
    brand = true;                                                       // Maestro, 13-19
  }
  return brand && LuhnDigits(d.data(), n, 0);
}

bool PublishedTestCard(std::string_view s) {
  // Numbers the card networks and payment processors (Stripe, PayPal,
  // Braintree, Adyen) publish for testing: they fill integration tests,
  // sample data and documentation, and are never issued to a cardholder.
  static constexpr std::string_view kTestCards[] = {
      "4111111111111111", "4242424242424242", "4012888888881881", "4222222222222",
      "4000056655665556", "4000000000000002", "4000000000009995", "4005519200000004",
      "4444333322221111", "4917610000000000", "5555555555554444", "5105105105105100",
      "5200828282828210", "5454545454545454", "2223003122003222", "2222400070000005",
      "378282246310005",  "371449635398431",  "378734493671000",  "6011111111111117",
      "6011000990139424", "6011000400000000", "3530111333300000", "3566002020360505",
      "30569309025904",   "38520000023237",   "36227206271667",   "6200000000000005",
      // Stripe's cards for declines, 3D Secure and international cases.
      "4000002500003155", "4000002760003184", "4100000000000019", "6011981111111113",
      "3056930009020004",
  };
  // Sorted once, searched in a few compares: every card-shaped candidate of
  // a dense export comes through here.
  static const auto sorted = [] {
    std::array<std::string_view, std::size(kTestCards)> a;
    std::copy(std::begin(kTestCards), std::end(kTestCards), a.begin());
    std::sort(a.begin(), a.end());
    return a;
  }();
  std::array<char, 19> d;
  size_t n = Digits(s, d);
  if (n > d.size()) return false;
  const std::string_view digits(d.data(), n);
  // Eight zeros in a row: the processors' families of test numbers
  // (4000 0000 0000 0127, 4000 0000 0000 3220, ...), which no issuer's
  // account numbering reaches.
  if (digits.find("00000000") != std::string_view::npos) return true;
  return std::binary_search(sorted.begin(), sorted.end(), digits);
}

bool IssuedCreditCardValid(std::string_view s) {
  return CreditCardValid(s) && !PublishedTestCard(s);
}

bool SsnValid(std::string_view s) {
  if (!ConsistentSeparators(s)) return false;
  std::array<char, 9> d;
  if (Digits(s, d) != 9) return false;
  int area = Num(d.data(), 3), group = Num(d.data() + 3, 2), serial = Num(d.data() + 5, 4);
  if (area == 0 || area == 666 || area >= 900) return false;
  if (group == 0 || serial == 0) return false;
  // Nine of one digit (111-11-1111) is a form's placeholder, never issued.
  if (AllSame(d.data(), d.size())) return false;
  std::string_view v(d.data(), 9);
  return v != "078051120" && v != "219099999" && v != "123456789";
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
    if (c == '-' || c == ' ') continue;
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
  if (p[1] == '9') return false;                    // N9X: reserved, never assigned
  if (Num(p + 3, 3) == 555 && Num(p + 6, 2) == 1) return false;  // 555-01xx fictional
  // Toll-free (800, 833, 844, 855, 866, 877, 888): a business's line, never
  // a person's.
  if (p[0] == '8' && ((p[1] == '0' && p[2] == '0') || (p[1] == p[2] && p[1] >= '3'))) {
    return false;
  }
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

bool IsAlpha(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
bool IsAlnum(char c) { return IsDigit(c) || IsAlpha(c); }
bool InRanges(int v, std::initializer_list<std::pair<int, int>> ranges) {
  for (auto [lo, hi] : ranges) {
    if (v >= lo && v <= hi) return true;
  }
  return false;
}

}  // namespace

bool PersonalEmailValid(std::string_view s) {
  if (!EmailValid(s)) return false;
  std::string_view local = s.substr(0, s.find('@'));
  local = local.substr(0, local.find('+'));
  if (local.size() > 24) return true;
  char lower[24];
  for (size_t i = 0; i < local.size(); ++i) lower[i] = AsciiLower(local[i]);
  // Sorted, for the binary search.
  // Invoices' and statements' headers carry the finance and supply ones
  // (remit@, ar@, payroll@; buchhaltung@, compta@).
  static constexpr std::string_view kRoles[] = {
      "abuse", "accounts", "accountspayable", "accountsreceivable", "admin", "administrator", "ap",
      "appointments", "ar", "billing", "buchhaltung", "careers", "compta", "comptabilite",
      "contact", "contactus", "creditcontrol", "customercare", "customerservice", "debitoren",
      "do-not-reply", "donotreply", "enquiries", "feedback", "finance", "hello", "help", "helpdesk",
      "hostmaster", "hr", "info", "inquiries", "invoices", "invoicing", "jobs", "mailer-daemon",
      "marketing", "media", "news", "newsletter", "no-reply", "no_reply", "noreply",
      "notifications", "office", "orders", "payments", "payroll", "postmaster", "press", "privacy",
      "procurement", "purchasing", "receiving", "reception", "remit", "remittance", "root", "sales",
      "scheduling", "security", "service", "shipping", "support", "team", "techsupport",
      "webmaster"};
  static_assert(std::is_sorted(std::begin(kRoles), std::end(kRoles)));
  const std::string_view name(lower, local.size());
  if (std::binary_search(std::begin(kRoles), std::end(kRoles), name)) return false;
  // A machine's or a group's mailbox: release-bot, build_bot, ap-team,
  // it.alerts, git (git@github.com), deploy; a distribution list
  // (4w-nurses, nursing-education, icu.staff, all-staff).
  if (name.size() > 4 && name.starts_with("all") &&
      (name[3] == '-' || name[3] == '_' || name[3] == '.')) {
    return false;
  }
  for (std::string_view w :
       {"bot",         "team",       "alerts",    "alert",      "git",         "deploy",
        "jenkins",     "ci",         "cron",      "monitoring", "integration", "desk",
        "servicedesk", "helpdesk",   "support",   "admin",      "ops",         "noc",
        "svc",         "help",       "nurses",    "nursing",    "staff",       "education",
        "dept",        "department", "committee", "group",      "list"}) {
    if (name == w) return false;
    if (name.size() > w.size() && name.ends_with(w)) {
      const char sep = name[name.size() - w.size() - 1];
      if (sep == '-' || sep == '_' || sep == '.') return false;
    }
  }
  // No one's name ends in these, so they need no separator (bedsupport@,
  // itservicedesk@).
  for (std::string_view w : {"support", "servicedesk", "helpdesk"}) {
    if (name.ends_with(w)) return false;
  }
  return true;
}

bool E164PhoneValid(std::string_view s) {
  if (s.empty() || s[0] != '+') return false;
  s.remove_prefix(1);
  if (!ConsistentSeparators(s)) return false;
  std::array<char, 15> d;
  size_t n = Digits(s, d);
  return n >= 8 && n <= 15 && d[0] >= '2';
}

bool ItinValid(std::string_view s) {
  if (!ConsistentSeparators(s)) return false;
  std::array<char, 9> d;
  if (Digits(s, d) != 9 || d[0] != '9') return false;
  // 987-65-4320 to 987-65-4329: the SSA's range for advertisements.
  if (std::string_view(d.data(), 8) == "98765432") return false;
  return InRanges(Num(d.data() + 3, 2), {{50, 65}, {70, 88}, {90, 92}, {94, 99}});
}

bool DeaValid(std::string_view s) {
  if (s.size() != 9) return false;
  char type = static_cast<char>(s[0] & ~0x20), second = s[1];
  static constexpr std::string_view kTypes = "ABCDEFGHJKLMNPQRSTUX";
  if (kTypes.find(type) == std::string_view::npos) return false;
  if (!(IsAlpha(second) || second == '9')) return false;
  for (size_t i = 2; i < 9; ++i) {
    if (!IsDigit(s[i])) return false;
  }
  const char* d = s.data() + 2;
  int sum = (d[0] - '0') + (d[2] - '0') + (d[4] - '0') +
            2 * ((d[1] - '0') + (d[3] - '0') + (d[5] - '0'));
  return sum % 10 == d[6] - '0';
}

bool AbaValid(std::string_view s) {
  if (!ConsistentSeparators(s)) return false;
  std::array<char, 9> d;
  if (Digits(s, d) != 9 || AllSame(d.data(), 9)) return false;
  if (!InRanges(Num(d.data(), 2), {{0, 12}, {21, 32}, {61, 72}, {80, 80}})) return false;
  static constexpr int kWeights[] = {3, 7, 1, 3, 7, 1, 3, 7, 1};
  int sum = 0;
  for (int i = 0; i < 9; ++i) sum += kWeights[i] * (d[i] - '0');
  return sum % 10 == 0;
}

bool IbanValid(std::string_view s) {
  // Registered IBAN lengths by country (SWIFT IBAN registry).
  struct Country {
    char code[3];
    int length;
  };
  static constexpr Country kCountries[] = {
      {"AD", 24}, {"AE", 23}, {"AL", 28}, {"AT", 20}, {"AZ", 28}, {"BA", 20}, {"BE", 16},
      {"BG", 22}, {"BH", 22}, {"BR", 29}, {"BY", 28}, {"CH", 21}, {"CR", 22}, {"CY", 28},
      {"CZ", 24}, {"DE", 22}, {"DK", 18}, {"DO", 28}, {"EE", 20}, {"EG", 29}, {"ES", 24},
      {"FI", 18}, {"FO", 18}, {"FR", 27}, {"GB", 22}, {"GE", 22}, {"GI", 23}, {"GL", 18},
      {"GR", 27}, {"GT", 28}, {"HR", 21}, {"HU", 28}, {"IE", 22}, {"IL", 23}, {"IQ", 23},
      {"IS", 26}, {"IT", 27}, {"JO", 30}, {"KW", 30}, {"KZ", 20}, {"LB", 28}, {"LC", 32},
      {"LI", 21}, {"LT", 20}, {"LU", 20}, {"LV", 21}, {"MC", 27}, {"MD", 24}, {"ME", 22},
      {"MK", 19}, {"MR", 27}, {"MT", 31}, {"MU", 30}, {"NL", 18}, {"NO", 15}, {"PK", 24},
      {"PL", 28}, {"PS", 29}, {"PT", 25}, {"QA", 29}, {"RO", 24}, {"RS", 22}, {"SA", 24},
      {"SC", 31}, {"SE", 24}, {"SI", 19}, {"SK", 24}, {"SM", 27}, {"ST", 25}, {"SV", 28},
      {"TL", 23}, {"TN", 24}, {"TR", 26}, {"UA", 29}, {"VA", 22}, {"VG", 24}, {"XK", 20},
  };
  std::array<char, 34> v;
  size_t n = 0;
  for (char c : s) {
    if (c == ' ') continue;
    if (!IsAlnum(c) || n == v.size()) return false;
    v[n++] = static_cast<char>(IsAlpha(c) ? (c & ~0x20) : c);
  }
  if (n < 15 || !IsUpper(v[0]) || !IsUpper(v[1]) || !IsDigit(v[2]) || !IsDigit(v[3])) {
    return false;
  }
  int length = 0;
  for (const auto& c : kCountries) {
    if (c.code[0] == v[0] && c.code[1] == v[1]) length = c.length;
  }
  if (length == 0 || static_cast<size_t>(length) != n) return false;
  // Mod 97 over BBAN + country + check digits, letters as 10..35, digit by digit.
  int rem = 0;
  for (size_t k = 0; k < n; ++k) {
    char c = v[(k + 4) % n];
    if (IsDigit(c)) {
      rem = (rem * 10 + (c - '0')) % 97;
    } else {
      rem = (rem * 100 + (c - 'A' + 10)) % 97;
    }
  }
  return rem == 1;
}

bool NhsValid(std::string_view s) {
  if (!ConsistentSeparators(s)) return false;
  std::array<char, 10> d;
  if (Digits(s, d) != 10 || AllSame(d.data(), 10)) return false;
  int sum = 0;
  for (int i = 0; i < 9; ++i) sum += (10 - i) * (d[i] - '0');
  int check = 11 - sum % 11;
  if (check == 11) check = 0;
  return check != 10 && check == d[9] - '0';
}

bool SinValid(std::string_view s) {
  if (!ConsistentSeparators(s)) return false;
  std::array<char, 9> d;
  if (Digits(s, d) != 9 || d[0] == '0' || d[0] == '8') return false;
  return LuhnDigits(d.data(), 9, 0);
}

bool AuMedicareValid(std::string_view s) {
  if (!ConsistentSeparators(s)) return false;
  std::array<char, 11> d;
  size_t n = Digits(s, d);
  if (n != 10 && n != 11) return false;
  if (d[0] < '2' || d[0] > '6' || d[9] == '0') return false;
  static constexpr int kWeights[] = {1, 3, 7, 9, 1, 3, 7, 9};
  int sum = 0;
  for (int i = 0; i < 8; ++i) sum += kWeights[i] * (d[i] - '0');
  return sum % 10 == d[8] - '0';
}

bool VinValid(std::string_view s) {
  if (s.size() != 17) return false;
  // Transliteration of letters (I, O, Q never occur) and position weights.
  static constexpr int kLetterValue[26] = {1, 2, 3, 4, 5, 6, 7, 8, 0, 1, 2, 3, 4,
                                           5, 0, 7, 0, 9, 2, 3, 4, 5, 6, 7, 8, 9};
  static constexpr int kWeights[17] = {8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2};
  int sum = 0;
  bool letter = false;
  for (size_t i = 0; i < 17; ++i) {
    char c = s[i];
    int v;
    if (IsDigit(c)) {
      v = c - '0';
    } else if (IsUpper(c) && c != 'I' && c != 'O' && c != 'Q') {
      v = kLetterValue[c - 'A'];
      letter = true;
    } else {
      return false;
    }
    sum += v * kWeights[i];
  }
  if (!letter) return false;  // 17 digits is some other number
  int check = sum % 11;
  return s[8] == (check == 10 ? 'X' : static_cast<char>('0' + check));
}

bool Ipv4Valid(std::string_view s) {
  int octets = 0, value = 0, digits = 0, first = -1;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == '.') {
      if (digits == 0 || value > 255) return false;
      if (octets == 0) first = value;
      ++octets;
      value = digits = 0;
      continue;
    }
    if (!IsDigit(s[i])) return false;
    if (digits == 1 && value == 0) return false;  // leading zero: "010"
    value = value * 10 + (s[i] - '0');
    if (++digits > 3) return false;
  }
  // A first octet of 0 ("this network": 0.0.0.0, a wildcard mask such as
  // 0.0.0.255) or 255 (a netmask such as 255.255.255.0, the broadcast
  // address) is no host's address.
  return octets == 4 && first != 0 && first != 255;
}

namespace {

// Groups written in a valid IPv6 address (an IPv4 tail counts two), or -1
// if `s` is not one.
int Ipv6Groups(std::string_view s) {
  if (s.size() < 2) return -1;
  size_t dbl = s.find("::");
  if (dbl != std::string_view::npos && s.find("::", dbl + 1) != std::string_view::npos) {
    return -1;
  }
  int groups = 0;
  bool all_two = true;
  size_t i = 0;
  if (dbl == 0) i = 2;
  while (i < s.size()) {
    size_t j = i;
    while (j < s.size() && s[j] != ':') ++j;
    std::string_view g = s.substr(i, j - i);
    if (g.empty()) return -1;
    if (g.find('.') != std::string_view::npos) {
      if (j != s.size() || !Ipv4Valid(g)) return -1;  // IPv4 tail, last only
      groups += 2;
    } else {
      if (g.size() > 4) return -1;
      all_two = all_two && g.size() == 2;
      for (char c : g) {
        if (HexValue(c) < 0) return -1;
      }
      ++groups;
    }
    if (j == s.size()) break;
    if (j == dbl) {
      i = j + 2;
      if (i == s.size()) break;  // trailing "::"
    } else {
      i = j + 1;
      if (i == s.size()) return -1;  // trailing single ':'
    }
  }
  // Eight groups of two hex digits each is a Fibre Channel WWPN or an
  // EUI-64 (50:06:01:60:3b:20:19:c3), as SAN and switch configs list them.
  if (dbl == std::string_view::npos && groups == 8 && all_two) return -1;
  if (dbl == std::string_view::npos) return groups == 8 ? groups : -1;
  return groups >= 2 && groups <= 7 ? groups : -1;
}

}  // namespace

bool Ipv6Valid(std::string_view s) { return Ipv6Groups(s) >= 2; }

bool Ipv6GroupedValid(std::string_view s) { return Ipv6Groups(s) >= 3; }

namespace {

// The leading octets of a dotted quad Ipv4Valid accepted.
std::array<int, 3> LeadingOctets(std::string_view s) {
  std::array<int, 3> o{};
  size_t i = 0;
  for (int& v : o) {
    for (; s[i] != '.'; ++i) v = v * 10 + (s[i] - '0');
    ++i;
  }
  return o;
}

// Whether a valid IPv4 address names no host on the internet: this host
// (127/8), a private network (10/8, 172.16/12, 192.168/16), carrier NAT
// (100.64/10), link-local (169.254/16), documentation (192.0.2/24,
// 198.51.100/24, 203.0.113/24), multicast or reserved (224/3).
bool InternalIpv4(std::string_view s) {
  const auto [a, b, c] = LeadingOctets(s);
  return a == 10 || a == 127 || a >= 224 || (a == 172 && b >= 16 && b <= 31) ||
         (a == 192 && b == 168) || (a == 100 && b >= 64 && b <= 127) ||
         (a == 169 && b == 254) || (a == 192 && b == 0 && c == 2) ||
         (a == 198 && b == 51 && c == 100) || (a == 203 && b == 0 && c == 113);
}

// The value of the hex group at s[i..] (up to ':' or the end), or 0 if s[i]
// is ':' or the end (a group "::" leaves out).
unsigned HexGroupAt(std::string_view s, size_t i) {
  unsigned v = 0;
  for (; i < s.size() && s[i] != ':'; ++i) v = v * 16 + static_cast<unsigned>(HexValue(s[i]));
  return v;
}

// Whether a valid IPv6 address names no host on the internet: loopback and
// the unspecified address (::1, ::), link-local (fe80::/10), unique local
// (fc00::/7), multicast (ff00::/8), documentation (2001:db8::/32), or an
// IPv4-mapped address (::ffff:10.0.0.1) of an internal IPv4 one.
bool InternalIpv6(std::string_view s) {
  if (s.starts_with("::")) {
    const size_t colon = s.rfind(':');
    const std::string_view tail = s.substr(colon + 1);
    return tail.find('.') == std::string_view::npos || InternalIpv4(tail);
  }
  const unsigned first = HexGroupAt(s, 0);
  const size_t colon = s.find(':');
  const unsigned second = HexGroupAt(s, colon + 1);
  return (first & 0xffc0) == 0xfe80 || (first & 0xfe00) == 0xfc00 || (first & 0xff00) == 0xff00 ||
         (first == 0x2001 && second == 0x0db8);
}

}  // namespace

bool PublicIpv4Valid(std::string_view s) { return Ipv4Valid(s) && !InternalIpv4(s); }

bool PublicIpv6Valid(std::string_view s) { return Ipv6Valid(s) && !InternalIpv6(s); }

bool PublicIpv6GroupedValid(std::string_view s) {
  return Ipv6GroupedValid(s) && !InternalIpv6(s);
}

namespace {

bool LeapYear(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

bool RealDate(int y, int m, int d) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < 1900 || y > 2099 || m < 1 || m > 12 || d < 1) return false;
  int days = kDays[m - 1] + (m == 2 && LeapYear(y) ? 1 : 0);
  return d <= days;
}

// Month 1..12 from a written month ("Mar", "March", "Sept"), or 0.
int MonthFromName(std::string_view w) {
  static constexpr std::string_view kMonths[] = {"january", "february", "march",     "april",
                                                 "may",     "june",     "july",      "august",
                                                 "september", "october", "november", "december"};
  if (w.size() < 3 || w.size() > 9) return 0;
  for (int m = 0; m < 12; ++m) {
    std::string_view full = kMonths[m];
    if (w.size() > full.size()) continue;
    bool ok = true;
    for (size_t i = 0; i < w.size() && ok; ++i) ok = AsciiLower(w[i]) == full[i];
    if (ok && (w.size() == 3 || w.size() == full.size() || (m == 8 && w.size() == 4))) {
      return m + 1;
    }
  }
  return 0;
}

// The DateValid rules, with each reading of the value (month or day first,
// either century of a two-digit year) taken only if it falls on or before
// `latest` (as yyyymmdd).
bool DateOnOrBefore(std::string_view s, int latest) {
  auto ok = [latest](int y, int m, int d) {
    return RealDate(y, m, d) && y * 10000 + m * 100 + d <= latest;
  };
  if (s.find(':') != std::string_view::npos) return false;  // a timestamp
  // Up to three numbers (value, digit count) and one month word.
  int num[3] = {0, 0, 0}, len[3] = {0, 0, 0};
  int nums = 0, month_word = 0;
  char sep = 0;
  size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    if (IsDigit(c)) {
      if (nums == 3) return false;
      int v = 0, n = 0;
      while (i < s.size() && IsDigit(s[i])) {
        if (++n > 8) return false;
        v = v * 10 + (s[i++] - '0');
      }
      num[nums] = v;
      len[nums++] = n;
      // Ordinal suffix on a day ("3rd").
      if (i + 1 < s.size() && IsAlpha(s[i]) && IsAlpha(s[i + 1])) {
        char a = AsciiLower(s[i]), b = AsciiLower(s[i + 1]);
        if ((a == 's' && b == 't') || (a == 'n' && b == 'd') || (a == 'r' && b == 'd') ||
            (a == 't' && b == 'h')) {
          i += 2;
        }
      }
    } else if (IsAlpha(c)) {
      size_t j = i;
      while (j < s.size() && IsAlpha(s[j])) ++j;
      if (month_word != 0) return false;
      month_word = MonthFromName(s.substr(i, j - i));
      if (month_word == 0) return false;
      i = j;
    } else {
      if (c == '/' || c == '-' || c == '.') {
        if (sep != 0 && sep != c && month_word == 0) return false;
        if (month_word == 0) sep = c;
      }
      ++i;
    }
  }
  if (month_word != 0) {
    if (nums != 2) return false;
    int year = len[1] == 4 ? num[1] : (len[0] == 4 ? num[0] : -1);
    int day = len[1] == 4 ? num[0] : num[1];
    return year > 0 && ok(year, month_word, day);
  }
  if (nums == 1 && len[0] == 8) {  // YYYYMMDD
    return ok(num[0] / 10000, num[0] / 100 % 100, num[0] % 100);
  }
  if (nums != 3) return false;
  if (len[0] == 4) return len[1] <= 2 && len[2] <= 2 && ok(num[0], num[1], num[2]);
  if (len[0] > 2 || len[1] > 2) return false;
  int year;
  if (len[2] == 4) {
    year = num[2];
  } else if (len[2] == 2) {
    year = num[2] + 1900;  // two-digit years: both centuries are plausible
    if (!ok(year, num[0], num[1]) && !ok(year, num[1], num[0])) year += 100;
  } else {
    return false;
  }
  // Month first (US) or day first (most of the world; dotted dates).
  return ok(year, num[0], num[1]) || ok(year, num[1], num[0]);
}

}  // namespace

bool DateValid(std::string_view s) { return DateOnOrBefore(s, std::numeric_limits<int>::max()); }

bool BirthDateValid(std::string_view s) {
  // Tomorrow in UTC: somewhere it is already that day.
  const time_t t = time(nullptr) + 24 * 60 * 60;
  struct tm utc {};
  if (gmtime_r(&t, &utc) == nullptr) return DateValid(s);
  return DateOnOrBefore(s, (utc.tm_year + 1900) * 10000 + (utc.tm_mon + 1) * 100 + utc.tm_mday);
}

bool Icd10Valid(std::string_view s) {
  if (s.size() < 3 || s.size() > 8) return false;
  if (!IsUpper(s[0]) || !IsDigit(s[1])) return false;
  if (IsUpper(s[2])) {
    // The only categories with a letter third: "A1C" (HbA1c) and "H1N1" are
    // not codes.
    static constexpr std::string_view kLetterCategories[] = {"C4A", "C7A", "C7B", "D3A",
                                                             "M1A", "O9A", "Z3A"};
    if (std::find(std::begin(kLetterCategories), std::end(kLetterCategories), s.substr(0, 3)) ==
        std::end(kLetterCategories)) {
      return false;
    }
  } else if (!IsDigit(s[2])) {
    return false;
  }
  if (s.size() == 3) return true;
  if (s[3] != '.') {
    // Without the dot, as claims and billing exports write it (E119,
    // S72001A): the subcategory's digits or X placeholders, and a seventh
    // character that may be a letter.
    if (s.size() > 7) return false;
    for (size_t i = 3; i < s.size(); ++i) {
      const bool ok = IsDigit(s[i]) || (i < 6 ? s[i] == 'X' : IsUpper(s[i]));
      if (!ok) return false;
    }
    return true;
  }
  if (s.size() < 5) return false;
  for (size_t i = 4; i < s.size(); ++i) {
    if (!(IsDigit(s[i]) || IsUpper(s[i]))) return false;
  }
  return true;
}

bool NdcValid(std::string_view s) {
  int seg[3] = {0, 0, 0};
  bool nonzero[3] = {false, false, false};
  int n = 0;
  for (char c : s) {
    if (c == '-') {
      if (++n > 2) return false;
      continue;
    }
    if (!IsDigit(c)) return false;
    ++seg[n];
    nonzero[n] = nonzero[n] || c != '0';
  }
  if (n == 0 && seg[0] == 11) {  // the 11-digit 5-4-2 billing form, without hyphens
    return s.substr(0, 5).find_first_not_of('0') != std::string_view::npos &&
           s.substr(5, 4).find_first_not_of('0') != std::string_view::npos;
  }
  if (n != 2 || !nonzero[0] || !nonzero[1]) return false;  // package code 0 exists
  return (seg[0] == 4 && seg[1] == 4 && seg[2] == 2) || (seg[0] == 5 && seg[1] == 3 && seg[2] == 2) ||
         (seg[0] == 5 && seg[1] == 4 && seg[2] == 1) || (seg[0] == 5 && seg[1] == 4 && seg[2] == 2);
}

bool JwtValid(std::string_view s) {
  size_t dot = s.find('.');
  // The payload follows; the signature may not (a long token is matched
  // from its header to its payload's first bytes).
  if (dot == std::string_view::npos || dot < 4 || dot > 400) return false;
  // The token every JWT tutorial and library README shows (jwt.io's, for
  // "John Doe"): documentation, not a session.
  if (s.substr(dot + 1).starts_with("eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0Ij"
                                    "oxNTE2MjM5MDIyfQ")) {
    return false;
  }
  // Decode the header (base64url, no padding) into a small buffer.
  std::array<char, 300> out;
  size_t n = 0;
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < dot; ++i) {
    char c = s[i];
    int v;
    if (IsUpper(c)) v = c - 'A';
    else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    else if (IsDigit(c)) v = c - '0' + 52;
    else if (c == '-' || c == '+') v = 62;
    else if (c == '_' || c == '/') v = 63;
    else return false;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (n == out.size()) return false;
      out[n++] = static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  std::string_view header(out.data(), n);
  size_t lead = header.find_first_not_of(" \t\r\n");
  return lead != std::string_view::npos && header[lead] == '{' &&
         header.find("\"alg\"") != std::string_view::npos;
}

bool SecretValueValid(std::string_view s) {
  if (s.size() < 6 || s.size() > 64) return false;
  char c0 = s[0];
  // A variable, a template, a mask, a path (PWD=/home/ana: the shell's
  // working directory).
  if (c0 == '$' || c0 == '%' || c0 == '{' || c0 == '<' || c0 == '*' || c0 == '@' || c0 == '/') {
    return false;
  }
  if (AllSame(s.data(), s.size())) return false;
  std::array<char, 65> low;
  for (size_t i = 0; i < s.size(); ++i) low[i] = AsciiLower(s[i]);
  std::string_view l(low.data(), s.size());
  // The value without the closing brackets of the code around it: in
  // Connection(password=password) the value read is "password)", in
  // Python's "def connect(password=None):" it is "None):".
  std::string_view core = s, lcore = l;
  while (core.size() > 1 && (core.back() == ')' || core.back() == ']' || core.back() == '}' ||
                             core.back() == ':')) {
    core.remove_suffix(1);
    lcore.remove_suffix(1);
  }
  // Whole-value placeholders seen in templates and documentation.
  static constexpr std::string_view kPlaceholders[] = {
      "null",  "none",     "true",     "false",    "password", "changeme", "example",
      "secret", "undefined", "required", "optional", "string",  "placeholder",
      "change_me", "change-me",
      // Java's keystore default, published with every JDK; the examples
      // every tutorial and test fixture uses (bash.org's, xkcd 936's).
      "changeit", "hunter2", "tr0ub4dor&3", "correcthorsebatterystaple",
      // A setting's or an event's state in a column named for a password
      // (reset_password=requested, ForgotPassword=enabled, show_secret=hidden).
      "enabled", "disabled", "requested", "expired", "hidden", "visible", "pending",
      "active", "inactive", "unknown", "default", "locked", "unlocked", "changed",
      "missing", "invalid", "never", "always", "masked", "encrypted", "hashed",
      "generated", "rotated", "success", "failed"};
  for (auto p : kPlaceholders) {
    if (l == p || lcore == p) return false;
  }
  // Masks, template markers ("your_api_key", "INSERT_KEY_HERE", "REPLACE_ME")
  // and code that fetches the secret rather than holding it (environment
  // lookups, Python type annotations) anywhere in the value.
  static constexpr std::string_view kMarkers[] = {
      "redacted", "filtered", "****",    "xxxxxx",      "<",         ">",        "_here",
      "-here",    "replace",  "environ", "getenv",      "getpass",   "process.env",
      "optional[", "secretstr",
      // An ellipsis cut the example short (sk_live_...); an example, a
      // fixture's or a template's value (xoxb-your-bot-token,
      // sample-api-key, dummy-password, TODO-generate-one, {{ lookup(...) }}).
      "...", "\xE2\x80\xA6", "your-", "your_", "sample", "dummy", "example", "todo",
      "fixme", "{{",
      // PowerShell reading or converting it ($password = Read-Host ...).
      "read-host", "convertto-securestring", "get-credential", "get-secret"};
  for (auto m : kMarkers) {
    if (l.find(m) != std::string_view::npos) return false;
  }
  // "your_password", "YOUR-TOKEN", "yourApiKey": a placeholder to fill in.
  if (l.starts_with("your")) {
    std::string_view rest = l.substr(4);
    if (rest.front() == '_' || rest.front() == '-') return false;
    for (std::string_view w : {"pass", "key", "secret", "token", "api"}) {
      if (rest.starts_with(w)) return false;
    }
  }
  // A YAML tag (!vault, !secret): the value is kept elsewhere; so is an
  // Octopus or Azure DevOps variable (#{PacsDbPassword}#).
  if (c0 == '!' || l.starts_with("#{")) return false;
  // A function the value is computed by (minified JS: secret:function(e){).
  if (l.starts_with("function(") || l.starts_with("function ")) return false;
  // The name of a Kubernetes or Vault secret that holds it, not its value
  // (DB_PASSWORD_SECRET: emr-db-credentials, auth-secret: basic-auth-secret).
  for (std::string_view suffix : {"-secret", "-secrets", "-credentials", "-creds"}) {
    if (lcore.ends_with(suffix)) return false;
  }
  // A PowerShell cmdlet whose output is assigned ($pw =
  // Add-MgApplicationPassword -ApplicationId ...): a verb, '-', a noun of
  // letters with two capitals or more (New-York, Get-Lucky stay secrets).
  if (const size_t dash = s.find('-'); dash != std::string_view::npos && dash + 1 < s.size() &&
                                       IsUpper(s[dash + 1])) {
    static constexpr std::string_view kVerbs[] = {
        "add",  "get",  "set",   "new",  "remove",    "invoke",      "import", "export",
        "read", "test", "reset", "update", "convertto", "convertfrom", "start"};
    const std::string_view verb = l.substr(0, dash);
    const std::string_view noun = s.substr(dash + 1);
    if (std::find(std::begin(kVerbs), std::end(kVerbs), verb) != std::end(kVerbs) &&
        std::all_of(noun.begin(), noun.end(), IsAlpha) &&
        std::count_if(noun.begin(), noun.end(), IsUpper) >= 2) {
      return false;
    }
  }
  // A path of lower-case names, where a secret store keeps it
  // (kv/data/alerts:slack_webhook in an Ansible lookup, secret/data/prod/db):
  // two slashes or more and no capital, which random text has.
  if (std::count(l.begin(), l.end(), '/') >= 2 && l.find("//") == std::string_view::npos &&
      std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || IsDigit(c) || c == '_' || c == '-' || c == '.' ||
               c == ':' || c == '/';
      })) {
    return false;
  }
  // A call, whole or cut at its first quoted argument: read_secret(),
  // config.get( -- the value is computed, not written down; and a
  // subscript cut at its quoted key: request.form[ .
  if (l.back() == '(' || l.back() == '[') return false;
  // A call cut at the comma after its first argument, an identifier:
  // try(var.reporting_password, lookup(var.secrets (Terraform); not
  // Summer(2024, whose "argument" is a number.
  {
    const size_t open = l.find('(');
    auto ident = [](char c) { return IsAlnum(c) || c == '_' || c == '.'; };
    if (open != std::string_view::npos && open > 0 && open + 1 < l.size() &&
        (IsAlpha(l[open + 1]) || l[open + 1] == '_') &&
        std::all_of(l.begin(), l.begin() + static_cast<std::ptrdiff_t>(open), ident) &&
        std::all_of(l.begin() + static_cast<std::ptrdiff_t>(open) + 1, l.end(), ident)) {
      return false;
    }
  }
  // An attribute read: a dotted chain of identifiers (form.password,
  // req.body.secret, settings.API_KEY, this.apiKey). A segment that starts
  // with a digit or holds other punctuation (Summer.2024, pa.ss!w0rd) is
  // no identifier, so such a value stays a secret.
  // Read up to the brackets that close the code around it: in minified
  // JS ({password:e.password})}) the value read is "e.password})})}var".
  {
    const std::string_view code = core.substr(0, core.find_first_of(")]}"));
    bool chain = true;
    size_t dots = 0;
    bool segment_start = true;
    // A segment of both cases with digits among them is random, no name: a
    // Vault token (hvs.CAESIJ4kXq9mW2pZ).
    int digits = 0, upper = 0, lower = 0;
    for (char c : code) {
      if (c == '.') {
        if (segment_start) chain = false;
        ++dots;
        segment_start = true;
        digits = upper = lower = 0;
      } else if (IsAlnum(c) || c == '_' || c == '$') {
        if (segment_start && IsDigit(c)) chain = false;
        segment_start = false;
        digits += IsDigit(c);
        upper += IsUpper(c);
        lower += c >= 'a' && c <= 'z';
        if (digits >= 2 && upper >= 2 && lower >= 2) chain = false;
      } else {
        chain = false;
      }
      if (!chain) break;
    }
    if (chain && dots > 0 && !segment_start) return false;
  }
  if (l.back() == ')') {
    size_t open = l.find('(');
    if (open != std::string_view::npos && open > 0 && IsAlnum(l[open - 1])) return false;
  }
  // A variable that holds the secret (password = db_password_from_vault,
  // password: hashedPassword): letters and underscores only, words joined
  // by '_' or camelCase, one of them naming a secret. A password of words
  // has a digit or a symbol, or names none.
  {
    bool identifier = true, joined = false;
    for (size_t i = 0; i < core.size() && identifier; ++i) {
      const char c = core[i];
      identifier = IsAlpha(c) || c == '_';
      if (i > 0 && (c == '_' || (IsUpper(c) && !IsUpper(core[i - 1])))) joined = true;
    }
    if (identifier && joined) {
      for (std::string_view w : {"pass", "pwd", "secret", "token", "key", "cred", "hash"}) {
        if (lcore.find(w) != std::string_view::npos) return false;
      }
    }
  }
  return true;
}
bool TypedPasswordValid(std::string_view s) {
  if (!SecretValueValid(s)) return false;
  bool lower = false, upper = false, digit = false, symbol = false;
  for (char c : s) {
    lower |= c >= 'a' && c <= 'z';
    upper |= IsUpper(c);
    digit |= IsDigit(c);
    // Not the joiners of words and versions: test_login_ok, v1.2-rc.
    symbol |= !IsAlnum(c) && c != '_' && c != '-' && c != '.';
  }
  return lower + upper + digit + symbol >= 3;
}
bool NotPlaceholderValid(std::string_view s) {
  size_t run = 0;
  for (char c : s) {
    run = (c == 'x' || c == 'X') ? run + 1 : 0;
    if (run == 12) return false;
  }
  return true;
}

bool WholeNameValid(std::string_view s) {
  static constexpr std::string_view kNoOnes[] = {
      "unknown",   "unk",          "not",       "none",     "see",      "same",      "above",
      "below",     "pending",      "refused",   "declined", "deceased", "anonymous", "redacted",
      "withheld",  "confidential", "test",      "sample",   "dummy",    "patient",   "provided",
      "available", "applicable",   "discharge", "summary",  "stable",   "steady",    "overnight",
      "routine",   "followup",     "follow",    "gait",     "normal",   "improved",  "resolved",
      "chart",     "record",       "note",      "report",   "review"};
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && !std::isalpha(static_cast<unsigned char>(s[i]))) ++i;
    size_t end = i;
    while (end < s.size() && std::isalpha(static_cast<unsigned char>(s[end]))) ++end;
    const std::string_view word = s.substr(i, end - i);
    for (std::string_view no_one : kNoOnes) {
      if (EqualsNoCase(word, no_one)) return false;
    }
    i = end;
  }
  return true;
}

namespace {
struct NamedValidator {
  const char* name;
  Validator fn;
};
constexpr NamedValidator kValidators[] = {
    {"luhn", &LuhnValid},
    {"credit_card", &CreditCardValid},
    {"ssn", &SsnValid},
    {"npi", &NpiValid},
    {"mbi", &MbiValid},
    {"nanp_phone", &NanpPhoneValid},
    {"email", &EmailValid},
    {"itin", &ItinValid},
    {"dea", &DeaValid},
    {"aba", &AbaValid},
    {"iban", &IbanValid},
    {"nhs", &NhsValid},
    {"sin", &SinValid},
    {"au_medicare", &AuMedicareValid},
    {"vin", &VinValid},
    {"ipv4", &Ipv4Valid},
    {"ipv6", &Ipv6Valid},
    {"date", &DateValid},
    {"birth_date", &BirthDateValid},
    {"icd10", &Icd10Valid},
    {"ndc", &NdcValid},
    {"jwt", &JwtValid},
    {"secret_value", &SecretValueValid},
    {"typed_password", &TypedPasswordValid},
    {"e164_phone", &E164PhoneValid},
    {"ipv6_grouped", &Ipv6GroupedValid},
    {"public_ipv4", &PublicIpv4Valid},
    {"public_ipv6", &PublicIpv6Valid},
    {"public_ipv6_grouped", &PublicIpv6GroupedValid},
    {"issued_card", &IssuedCreditCardValid},
    {"not_placeholder", &NotPlaceholderValid},
    {"personal_email", &PersonalEmailValid},
    {"whole_name", &WholeNameValid},
};
// The names again, as the null-terminated list ValidatorNames() hands out.
constexpr auto kValidatorNames = [] {
  std::array<const char*, std::size(kValidators) + 1> names{};
  for (size_t i = 0; i < std::size(kValidators); ++i) names[i] = kValidators[i].name;
  return names;  // the last stays nullptr
}();
}  // namespace

Validator FindValidator(std::string_view name) {
  for (const auto& v : kValidators) {
    if (name == v.name) return v.fn;
  }
  return nullptr;
}

const char* const* ValidatorNames() { return kValidatorNames.data(); }

}  // namespace phiscan::classifiers
