#include "classifiers/aggregate.h"

#include <algorithm>

namespace phiscan::classifiers {
namespace {

// Distinct values tracked per type before unique_count saturates; bounds
// memory on assets with millions of occurrences.
constexpr size_t kMaxTrackedValues = 1 << 16;
// Slots of a type's value set when its first value arrives, and the most
// an asset leaves allocated for the next one (a bigger set is freed, so
// Reset costs little and one huge asset does not pin memory).
constexpr size_t kInitialValueSlots = 64;
constexpr size_t kKeptValueSlots = 4096;

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

Label ApplyLabelRules(const RuleSet& rules, const std::vector<TypeSummary>& types,
                      const std::vector<std::string>& keyword_lists) {
  const auto& labels = rules.labels();
  for (size_t i = 0; i < labels.size(); ++i) {
    const LabelRule& rule = labels[i];
    bool fired = false;
    bool required = rule.requires_category.empty() && rule.requires_type.empty() &&
                    rule.requires_keywords.empty();
    for (const auto& ts : types) {
      if (ts.count == 0) continue;
      int ti = rules.FindType(ts.type_id);
      const std::string category = ti >= 0 ? rules.types()[ti].category : "";
      // Context counts at any score: a low-confidence ICD-10 code is still
      // health context for a high-confidence identifier.
      if (Contains(rule.requires_category, category) || Contains(rule.requires_type, ts.type_id)) {
        required = true;
      }
      if (ts.max_score < rule.min_score || ts.unique_count < rule.min_unique) continue;
      if (Contains(rule.any_category, category) || Contains(rule.any_type, ts.type_id)) {
        fired = true;
      }
    }
    for (const auto& list : rule.requires_keywords) {
      if (Contains(keyword_lists, list)) required = true;
    }
    if (fired && required) {
      return {rule.label, !rule.id.empty() ? rule.id : "labels[" + std::to_string(i) + "]"};
    }
  }
  return {};
}

AssetAggregator::AssetAggregator(const RuleSet& rules, int max_locators, int min_score)
    : rules_(rules), max_locators_(max_locators), min_score_(min_score) {
  per_type_.resize(rules.types().size());
}

void AssetAggregator::Reset() {
  for (auto& t : per_type_) {  // clear() keeps the capacity for the next asset
    t.count = 0;
    t.max_score = 0;
    if (t.value_slots.size() > kKeptValueSlots) {
      std::vector<uint64_t>().swap(t.value_slots);
    } else if (t.values > 0) {
      std::fill(t.value_slots.begin(), t.value_slots.end(), 0);
    }
    t.values = 0;
    t.values_full = false;
    t.locators.clear();
  }
  keyword_lists_.clear();
  total_ = 0;
}

void AssetAggregator::OnKeywordList(const std::string& list) {
  if (!Contains(keyword_lists_, list)) keyword_lists_.push_back(list);
}

void AssetAggregator::TrackValue(PerType& t, uint64_t value_hash) {
  if (t.values_full) return;
  if (2 * (t.values + 1) > t.value_slots.size()) GrowValues(t);
  const uint64_t h = value_hash == 0 ? 1 : value_hash;  // 0 marks a free slot
  const size_t mask = t.value_slots.size() - 1;
  // The hash's high bits pick the slot: value hashes are std::hash outputs,
  // well mixed, but the low bits of a test's arithmetic sequence are not.
  for (size_t i = static_cast<size_t>((h * 0x9E3779B97F4A7C15ull) >> 32) & mask;;
       i = (i + 1) & mask) {
    if (t.value_slots[i] == h) return;
    if (t.value_slots[i] == 0) {
      t.value_slots[i] = h;
      if (++t.values >= kMaxTrackedValues) t.values_full = true;
      return;
    }
  }
}

// Doubles the value set (or allocates it) and reinserts what it holds.
void AssetAggregator::GrowValues(PerType& t) {
  std::vector<uint64_t> old;
  old.swap(t.value_slots);
  t.value_slots.assign(std::max(kInitialValueSlots, 2 * old.size()), 0);
  t.values = 0;
  for (uint64_t h : old) {
    if (h != 0) TrackValue(t, h);
  }
}

bool AssetAggregator::WantsLocator(int type_index) const {
  return static_cast<int>(per_type_[type_index].locators.size()) < max_locators_;
}

void AssetAggregator::OnMatch(const Match& match) {
  if (match.score < min_score_) return;
  PerType& t = per_type_[match.type_index];
  ++t.count;
  ++total_;
  t.max_score = std::max(t.max_score, match.score);
  TrackValue(t, match.value_hash);
  if (static_cast<int>(t.locators.size()) < max_locators_) {
    FindingRecord f;
    f.type_id = rules_.types()[match.type_index].id;
    f.score = match.score;
    f.start = match.start;
    f.end = match.end;
    f.line = match.line;
    f.masked = match.masked;
    f.token = match.token;
    t.locators.push_back(std::move(f));
  }
}

void AssetAggregator::FillRecord(AssetRecord& record) {
  record.types.clear();
  record.findings.clear();
  for (size_t i = 0; i < per_type_.size(); ++i) {
    PerType& t = per_type_[i];
    if (t.count == 0) continue;
    record.types.push_back({rules_.types()[i].id, t.count, t.values, t.max_score});
    for (auto& f : t.locators) record.findings.push_back(std::move(f));
  }
  std::sort(record.findings.begin(), record.findings.end(),
            [](const FindingRecord& a, const FindingRecord& b) {
              return a.start != b.start ? a.start < b.start : a.type_id < b.type_id;
            });
  Label label = ApplyLabelRules(rules_, record.types, keyword_lists_);
  record.label = label.label;
  record.label_rule = label.rule;
  Reset();
}

}  // namespace phiscan::classifiers
