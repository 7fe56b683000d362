#include "tools/jobs.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <set>

#include "common/config_text.h"
#include "common/escape.h"
#include "common/model.h"
#include "scanner/path_filter.h"
#include "common/did_you_mean.h"
#include "tools/rule_files.h"
#include "tools/byte_count.h"

namespace phiscan::tools {
namespace {

struct JobError {
  int line;
  std::string job;
  std::string what;
  int null_pos = -1;  // an empty value's mark: its key's line is found from it
};

int LineOf(const YAML::Node& n) { return n.Mark().line >= 0 ? n.Mark().line + 1 : 0; }

[[noreturn]] void Fail(const YAML::Node& n, const std::string& job, const std::string& what) {
  throw JobError{LineOf(n), job, what, n.IsDefined() && n.IsNull() ? n.Mark().pos : -1};
}

std::string Str(const YAML::Node& n, const std::string& job, const char* what) {
  if (!n.IsScalar()) Fail(n, job, std::string(what) + " must be a string");
  return n.as<std::string>();
}

std::vector<std::string> StrList(const YAML::Node& n, const std::string& job, const char* what) {
  if (n.IsScalar()) return {n.as<std::string>()};
  if (!n.IsSequence()) Fail(n, job, std::string(what) + " must be a list of strings");
  std::vector<std::string> out;
  for (const auto& item : n) out.push_back(Str(item, job, what));
  return out;
}

// `expect` says what the value must be: "a whole number", "true or false".
template <typename T>
T Scalar(const YAML::Node& n, const std::string& job, const char* what, const char* expect) {
  T v;
  if (!n.IsScalar() || !YAML::convert<T>::decode(n, v)) {
    Fail(n, job, std::string(what) + " must be " + expect);
  }
  return v;
}

constexpr const char* kBool = "true or false";

// Applies the keys of `n` onto `job`. `job.name` names errors.
void Apply(const YAML::Node& n, JobSpec& job, bool allow_name) {
  static const std::set<std::string> kKeys = {
      "name", "roots", "include", "exclude", "exclude_from", "rules", "catalog", "threads",
      "max_file_size", "one_file_system", "follow_symlinks", "fail_on", "schedule"};
  if (!n.IsMap()) Fail(n, job.name, "must be a mapping");
  for (const auto& kv : n) {
    const auto key = kv.first.as<std::string>();
    const YAML::Node& v = kv.second;
    if (!kKeys.count(key) || (key == "name" && !allow_name)) {
      Fail(kv.first, job.name,
           "unknown key " + NameOrColumn(key, kv.first.Mark().column) +
               DidYouMean(NearestNames(key, {kKeys.begin(), kKeys.end()}, 1)));
    }
    job.key_lines[key] = LineOf(v);
    if (key == "roots") job.roots = StrList(v, job.name, "roots");
    if (key == "include") job.include = StrList(v, job.name, "include");
    if (key == "exclude") job.exclude = StrList(v, job.name, "exclude");
    if (key == "exclude_from") job.exclude_from = Str(v, job.name, "exclude_from");
    if (key == "rules") job.rules = StrList(v, job.name, "rules");
    if (key == "catalog") job.catalog = Str(v, job.name, "catalog");
    if (key == "threads") {
      job.threads = Scalar<int>(v, job.name, "threads", "a whole number");
      if (job.threads < 1 || job.threads > 1024) Fail(v, job.name, "threads must be 1-1024");
    }
    if (key == "max_file_size") {  // bytes, or with a suffix as the flag takes: 4G
      if (!v.IsScalar()) Fail(v, job.name, "max_file_size must be a size (4G, 100M, bytes)");
      const std::string why = ParseByteCount(v.Scalar(), 0, UINT64_MAX, &job.max_file_size);
      if (!why.empty()) Fail(v, job.name, "max_file_size: " + why);
    }
    if (key == "one_file_system") {
      job.one_file_system = Scalar<bool>(v, job.name, "one_file_system", kBool);
    }
    if (key == "follow_symlinks") {
      job.follow_symlinks = Scalar<bool>(v, job.name, "follow_symlinks", kBool);
    }
    if (key == "fail_on") job.fail_on = Str(v, job.name, "fail_on");
    if (key == "schedule") job.schedule = Str(v, job.name, "schedule");
  }
}

bool ValidName(const std::string& name) {
  if (name.empty() || name.size() > 64 || name[0] == '.' || name[0] == '-') return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

// A relative path in a job file is relative to the file's directory, not to
// wherever phiscan runs from (a systemd service runs in /).
void ResolvePaths(const std::string& job_file, JobSpec& job) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path base = fs::absolute(fs::path(job_file), ec).parent_path();
  if (ec) return;
  auto resolve = [&](std::string& p) {
    if (!p.empty() && fs::path(p).is_relative()) p = (base / p).lexically_normal().string();
  };
  for (auto& r : job.roots) resolve(r);
  for (auto& r : job.rules) resolve(r);
  resolve(job.catalog);
  resolve(job.exclude_from);
}

}  // namespace

Result<std::vector<JobSpec>> LoadJobsFile(const std::string& path) {
  auto read = ReadConfigFile(path);
  if (!read.ok()) {
    return Status::NotFound("cannot read job file " + EscapeBytes(path) + ": " +
                            read.status().message());
  }
  const std::string text = std::move(read).value();
  // A file that is no job file at all (records, a binary, a rule pack) is
  // one error that quotes nothing of it.
  const std::set<std::string> kFileKeys = {"defaults", "jobs"};
  const Status not_a_job_file = Status::InvalidArgument(
      EscapeBytes(path) + ": not a job file (expected a YAML mapping with a 'jobs' list)");
  // What YAML would report late or not at all (a quote left open, bytes
  // that are not UTF-8, a second document).
  if (HasTopLevelKey(text, kFileKeys)) {
    if (const TextProblem problem = CheckConfigText(text); problem.line != 0) {
      return Status::InvalidArgument(EscapeBytes(path) + ":" + std::to_string(problem.line) +
                                     ": " + problem.what);
    }
  }
  if (!IsConfigText(text)) return not_a_job_file;
  try {
    YAML::Node root;
    try {
      root = YAML::Load(text);
    } catch (const YAML::Exception&) {
      if (!HasTopLevelKey(text, kFileKeys)) return not_a_job_file;
      throw;
    }
    if (!root.IsMap() || std::none_of(root.begin(), root.end(), [&](const auto& kv) {
          return kv.first.IsScalar() && kFileKeys.count(kv.first.Scalar()) > 0;
        })) {
      return not_a_job_file;
    }
    for (const auto& kv : root) {
      auto key = kv.first.as<std::string>();
      if (!kFileKeys.count(key)) {
        Fail(kv.first, "",
             "unknown key " + NameOrColumn(key, kv.first.Mark().column) +
                 DidYouMean(NearestNames(key, {kFileKeys.begin(), kFileKeys.end()}, 1)));
      }
    }
    JobSpec defaults;
    if (root["defaults"]) Apply(root["defaults"], defaults, /*allow_name=*/false);
    if (!root["jobs"] || !root["jobs"].IsSequence()) {
      Fail(root, "", "a job file needs a 'jobs' list");
    }
    std::vector<JobSpec> jobs;
    std::set<std::string> names;
    for (const auto& n : root["jobs"]) {
      JobSpec job = defaults;
      job.line = LineOf(n);
      if (!n.IsMap() || !n["name"]) Fail(n, "", "every job needs a 'name'");
      job.name = Str(n["name"], "", "name");
      if (!ValidName(job.name)) {
        Fail(n["name"], "", "job names use letters, digits, '-', '_' and '.' only");
      }
      Apply(n, job, /*allow_name=*/true);
      if (job.roots.empty()) Fail(n, job.name, "needs at least one root");
      if (!names.insert(job.name).second) Fail(n, job.name, "duplicate job name");
      if (job.catalog.empty()) Fail(n, job.name, "needs a catalog (here or in defaults)");
      ResolvePaths(path, job);
      jobs.push_back(std::move(job));
    }
    return jobs;
  } catch (const JobError& e) {
    const int line =
        e.null_pos >= 0 ? ContentLineBefore(text, static_cast<size_t>(e.null_pos)) : e.line;
    std::string msg = EscapeBytes(path) + ":" + std::to_string(line) + ": ";
    if (!e.job.empty()) msg += NameOrKind("job", e.job) + ": ";
    return Status::InvalidArgument(msg + e.what);
  } catch (const YAML::Exception& e) {
    // yaml-cpp's reason only: its message may quote a key or value.
    return Status::InvalidArgument(EscapeBytes(path) + ":" + std::to_string(e.mark.line + 1) +
                                   ": " + YamlErrorText(e.msg, e.mark.column));
  }
}

Status CheckJob(const JobSpec& job, const std::string& path,
                std::shared_ptr<const classifiers::RuleSet>* rules_out) {
  auto fail = [&](const std::string& key, const std::string& what) {
    auto it = job.key_lines.find(key);
    const int line = it != job.key_lines.end() ? it->second : job.line;
    return Status::InvalidArgument(EscapeBytes(path) + ":" + std::to_string(line) + ": " +
                                   NameOrKind("job", job.name) + ": " + key + ": " + what);
  };
  scanner::PathFilter filter;
  for (const auto& g : job.include) {
    if (Status s = filter.AddInclude(g); !s.ok()) return fail("include", s.message());
  }
  for (const auto& g : job.exclude) {
    if (Status s = filter.AddExclude(g); !s.ok()) return fail("exclude", s.message());
  }
  if (!job.exclude_from.empty()) {
    if (Status s = filter.AddExcludesFromFile(job.exclude_from); !s.ok()) {
      return fail("exclude_from", s.message());
    }
  }
  if (job.rules.empty() && job.fail_on.empty()) return Status::Ok();
  auto rules = LoadRulePacks(job.rules);
  if (!rules.ok()) return fail("rules", rules.status().message());
  if (!job.fail_on.empty()) {
    if (Status s = CheckFailOn(job.fail_on, *rules.value()); !s.ok()) {
      return fail("fail_on", s.message());
    }
  }
  if (rules_out != nullptr) *rules_out = std::move(rules).value();
  return Status::Ok();
}

Status CheckFailOn(const std::string& fail_on, const classifiers::RuleSet& rules) {
  if (fail_on == "NONE") {
    return Status::InvalidArgument(
        "NONE is the label of assets with nothing sensitive: every clean file would fail the "
        "scan; name a label such as PHI or a type such as US_SSN");
  }
  const auto& labels = rules.labels();
  const bool label = std::any_of(labels.begin(), labels.end(),
                                 [&](const auto& l) { return l.label == fail_on; });
  if (rules.FindType(fail_on) < 0 && !label) {
    std::vector<std::string> known;
    for (const auto& l : labels) {
      if (l.label != "NONE" && std::find(known.begin(), known.end(), l.label) == known.end()) {
        known.push_back(l.label);
      }
    }
    for (const auto& t : rules.types()) known.push_back(t.id);
    return Status::InvalidArgument(QuoteName(fail_on, "the value") +
                                   " is neither a type id nor a label" +
                                   DidYouMean(NearestNames(fail_on, known)));
  }
  return Status::Ok();
}

int FailOnMinScore(const std::string& type_id, const classifiers::RuleSet& rules) {
  const int index = rules.FindType(type_id);
  if (index < 0) return kMediumScore;
  int best = 0;
  for (const auto& p : rules.types()[static_cast<size_t>(index)].patterns) {
    best = std::max(best, p.score);
  }
  return std::clamp(best, 1, kMediumScore);
}

Result<JobSpec> FindJob(const std::vector<JobSpec>& jobs, const std::string& name) {
  std::string known;
  for (const auto& j : jobs) {
    if (j.name == name) return j;
    known += (known.empty() ? "" : ", ") + j.name;
  }
  return Status::NotFound("no job named " + QuoteValue(name) + " (jobs: " + known + ")");
}

std::string DefaultJobsFile() {
  const char* env = std::getenv("PHISCAN_CONFIG");
  return env && *env ? env : "/etc/phiscan/jobs.yaml";
}

}  // namespace phiscan::tools
