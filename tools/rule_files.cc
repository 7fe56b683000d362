#include "tools/rule_files.h"

#include "common/config_text.h"
#include "common/escape.h"
#include "tools/rule_cache.h"

namespace phiscan::tools {

Result<classifiers::PackText> ReadRulePackFile(const std::string& path) {
  auto text = ReadConfigFile(path);
  if (!text.ok()) {
    return Status::NotFound(EscapeBytes(path) + ": cannot read rule pack: " +
                            text.status().message());
  }
  return classifiers::PackText{path, std::move(text).value()};
}

Result<std::shared_ptr<const classifiers::RuleSet>> LoadRulePacks(
    const std::vector<std::string>& paths) {
  std::vector<classifiers::PackText> packs;
  for (const auto& path : paths) {
    auto pack = ReadRulePackFile(path);
    if (!pack.ok()) return pack.status();
    packs.push_back(std::move(pack).value());
  }
  // What Hyperscan said of the expressions in earlier runs (rule_cache.h).
  const RuleCache cache = RuleCache::FromEnvironment();
  cache.LoadWidths();
  auto rules = classifiers::RuleSet::LoadWithBuiltins(packs);
  cache.StoreWidths();
  return rules;
}

}  // namespace phiscan::tools
