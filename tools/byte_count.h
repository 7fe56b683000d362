// Sizes in bytes as the user writes them ("100M"), for the command line
// (tools/subcommand.h) and job files (tools/jobs.h) alike. Kept apart from
// subcommand.h so that a job file's reader does not compile CLI11.
//
// Thread safety: stateless.
#ifndef PHISCAN_TOOLS_BYTE_COUNT_H_
#define PHISCAN_TOOLS_BYTE_COUNT_H_

#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/escape.h"

namespace phiscan::tools {

// A size in bytes from `min` to `max`: a whole number with an optional
// suffix K, M, G or T (powers of 1024, as ripgrep's --max-filesize; KB,
// KiB and lower case too): "100M". Sets *bytes, or returns why not.
inline std::string ParseByteCount(const std::string& text, uint64_t min, uint64_t max,
                                  uint64_t* bytes) {
  const std::string bad = QuoteNumberValue(text) +
                          " is not a size in bytes (a whole number, optionally "
                          "with K, M, G or T: 100M)";
  const size_t digits = text.find_first_not_of("0123456789");
  if (digits == 0 || text.empty()) return bad;
  std::string unit = digits == std::string::npos ? "" : text.substr(digits);
  for (char& c : unit) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  unsigned shift = 0;
  if (!unit.empty()) {
    const size_t at = std::string_view("KMGT").find(unit[0]);
    const std::string rest = unit.substr(1);
    if (at == std::string::npos || !(rest.empty() || rest == "B" || rest == "IB")) return bad;
    shift = 10 * static_cast<unsigned>(at + 1);
  }
  errno = 0;
  const unsigned long long n = std::strtoull(text.substr(0, digits).c_str(), nullptr, 10);
  if (errno == ERANGE || n > (max >> shift)) {
    return QuoteNumberValue(text) + " is too large (at most " + std::to_string(max) + " bytes)";
  }
  *bytes = static_cast<uint64_t>(n) << shift;
  if (*bytes < min)
    return QuoteNumberValue(text) + " is less than " + std::to_string(min) + " bytes";
  return "";
}

}  // namespace phiscan::tools

#endif  // PHISCAN_TOOLS_BYTE_COUNT_H_
