// Job files: named scan jobs for scheduled discovery (`phiscan run JOB`).
//
//   defaults:                 # optional; every job inherits these
//     catalog: /var/lib/phiscan/phiscan.db
//     threads: 4
//   jobs:
//     - name: finance
//       roots: [/srv/shares/finance]
//       exclude: ["*.tmp", "node_modules/"]
//       include: []
//       exclude_from: /etc/phiscan/finance.exclude
//       rules: [/etc/phiscan/site.yaml]
//       catalog: /var/lib/phiscan/finance.db
//       threads: 2
//       max_file_size: 1073741824
//       one_file_system: true
//       follow_symlinks: false
//       fail_on: PHI            # a label or type id; see phiscan's exit codes
//       schedule: daily         # a hint for the timer unit; phiscan does not schedule
//
// Errors are "FILE:LINE: job NAME: what is wrong". Thread safety: plain values.
#ifndef PHISCAN_TOOLS_JOBS_H_
#define PHISCAN_TOOLS_JOBS_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "classifiers/ruleset.h"
#include "common/status.h"

namespace phiscan::tools {

struct JobSpec {
  std::string name;
  std::vector<std::string> roots;
  std::vector<std::string> include;
  std::vector<std::string> exclude;
  std::string exclude_from;
  std::vector<std::string> rules;
  std::string catalog;
  int threads = 0;             // 0: the CPUs it may run on (also the most)
  uint64_t max_file_size = 0;  // 0: no limit
  bool one_file_system = false;
  bool follow_symlinks = false;
  std::string fail_on;
  std::string schedule;
  int line = 0;
  std::map<std::string, int> key_lines;  // where each key was set (defaults or the job)
};

// Loads and validates a job file. Job names must be unique and made of
// letters, digits, '-', '_' and '.' (they name systemd units and lock files).
Result<std::vector<JobSpec>> LoadJobsFile(const std::string& path);

// Checks what a job's values name: its rule packs load, its fail_on is a
// type id or label of them, its include/exclude globs parse and its
// exclude_from file can be read. Errors are "FILE:LINE: job NAME: key: what"
// (FILE is `path`, the job file), so a bad job file is found by `jobs list`
// and `run` alike, not half-way into a run's start. The rule set it loaded
// to check fail_on (if the job names rules or fail_on) goes to *rules, if
// given, so that `run` need not compile the packs again.
Status CheckJob(const JobSpec& job, const std::string& path,
                std::shared_ptr<const classifiers::RuleSet>* rules = nullptr);

// Whether `fail_on` (--fail-on, a job's fail_on) names what `rules` can
// report: a type id or a label, and not NONE, the label of an asset with
// nothing sensitive, on which every scan with a clean file would fail.
// kInvalidArgument says why, as "'VALUE' is ..." (the value quoted only if
// it may be: common/escape.h).
Status CheckFailOn(const std::string& fail_on, const classifiers::RuleSet& rules);

// The score at which a finding of type `type_id` reaches --fail-on: medium
// confidence, or the best a type that is never more than low can reach
// (DATE, whose patterns all score low), so that naming it is not a
// condition that can never fire.
int FailOnMinScore(const std::string& type_id, const classifiers::RuleSet& rules);

// Finds a job by name; kNotFound lists the names that exist.
Result<JobSpec> FindJob(const std::vector<JobSpec>& jobs, const std::string& name);

// The job file used when --config is not given: $PHISCAN_CONFIG, else
// /etc/phiscan/jobs.yaml.
std::string DefaultJobsFile();

}  // namespace phiscan::tools

#endif  // PHISCAN_TOOLS_JOBS_H_
