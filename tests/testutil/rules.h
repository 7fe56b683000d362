// The rule sets tests scan with, their Hyperscan databases shared between
// the test programs of a build: compiling the built-in pack takes about a
// second (6-9 s under ASan), and a dozen test programs need it. CTest points
// PHISCAN_CACHE_DIR at the build tree's test-rule-cache (CMakeLists.txt), so
// the first program to need a rule set compiles and stores it, and the
// others load it (tools/rule_cache.h).
#ifndef PHISCAN_TESTS_TESTUTIL_RULES_H_
#define PHISCAN_TESTS_TESTUTIL_RULES_H_

#include <memory>

#include "classifiers/ruleset.h"

namespace phiscan::testing {

// Makes `rules` ready to scan: its databases from the rule cache, else
// compiled (a failure fails the test) and stored there.
void ReadyRules(const classifiers::RuleSet& rules);

// The built-in pack, ready; one rule set per process.
std::shared_ptr<const classifiers::RuleSet> BuiltinRules();

}  // namespace phiscan::testing

#endif  // PHISCAN_TESTS_TESTUTIL_RULES_H_
