#include "tests/testutil/rules.h"

#include <catch2/catch.hpp>

#include "tools/rule_cache.h"

namespace phiscan::testing {

void ReadyRules(const classifiers::RuleSet& rules) {
  const Status s = tools::RuleCache::FromEnvironment().LoadOrCompile(rules);
  INFO(s.message());
  REQUIRE(s.ok());
}

std::shared_ptr<const classifiers::RuleSet> BuiltinRules() {
  static const auto rules = [] {
    auto r = classifiers::RuleSet::LoadWithBuiltins({});
    REQUIRE(r.ok());
    ReadyRules(*r.value());
    return r.value();
  }();
  return rules;
}

}  // namespace phiscan::testing
