// Parsing JSON Lines output (phireport/phiscan --format jsonl) in tests.
#ifndef PHISCAN_TESTS_TESTUTIL_JSONL_H_
#define PHISCAN_TESTS_TESTUTIL_JSONL_H_

#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace phiscan::testing {

// One JSON value per non-empty line; throws on a line that is not JSON.
inline std::vector<nlohmann::json> ParseJsonl(const std::string& text) {
  std::vector<nlohmann::json> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) out.push_back(nlohmann::json::parse(line));
  }
  return out;
}

}  // namespace phiscan::testing

#endif  // PHISCAN_TESTS_TESTUTIL_JSONL_H_
