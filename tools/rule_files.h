// Rule pack files: reading them is the front end's job. The classifiers
// module compiles rule pack text and never opens a file (RuleSet takes
// PackText), so the file a pack came from only names it in errors.
//
// Thread safety: stateless functions.
#ifndef PHISCAN_TOOLS_RULE_FILES_H_
#define PHISCAN_TOOLS_RULE_FILES_H_

#include <memory>
#include <string>
#include <vector>

#include "classifiers/ruleset.h"
#include "common/status.h"

namespace phiscan::tools {

// The text of the rule pack at `path`, named by its path; kNotFound with
// "PATH: cannot read rule pack: REASON" (the path escaped, the reason from
// errno: No such file or directory, Is a directory, Permission denied...).
Result<classifiers::PackText> ReadRulePackFile(const std::string& path);

// The built-in pack followed by the packs at `paths`, in that order (a later
// pack may use an earlier one's keyword lists and overrides its types): the
// rule set `scan`, `classify` and `rules list` run with. The first file that
// cannot be read or does not compile is the error.
Result<std::shared_ptr<const classifiers::RuleSet>> LoadRulePacks(
    const std::vector<std::string>& paths);

}  // namespace phiscan::tools

#endif  // PHISCAN_TOOLS_RULE_FILES_H_
