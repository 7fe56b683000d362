// AssetAggregator: turns the matches of one asset into its catalog summary.
//
// Collects matches (as a MatchSink), keeps per type the count, the number of
// distinct values, the highest score and the first `max_locators` locators,
// then applies the rule pack's label rules (with the context keyword lists
// the matcher reported). Matches below `min_score` are dropped.
//
// Thread safety: one per asset, used by one thread at a time.
#ifndef PHISCAN_CLASSIFIERS_AGGREGATE_H_
#define PHISCAN_CLASSIFIERS_AGGREGATE_H_

#include <string>
#include <vector>

#include "classifiers/matcher.h"
#include "classifiers/ruleset.h"
#include "common/model.h"

namespace phiscan::classifiers {

constexpr int kDefaultMaxLocators = 15;

struct Label {
  std::string label = "NONE";
  std::string rule;  // "labels[N]" of the merged pack, or "" for NONE
};

// Applies `rules.labels()` in order to per-type summaries. `keyword_lists`
// names the context keyword lists that occurred in the asset (see
// MatchSink::OnKeywordList).
Label ApplyLabelRules(const RuleSet& rules, const std::vector<TypeSummary>& types,
                      const std::vector<std::string>& keyword_lists = {});

class AssetAggregator : public MatchSink {
 public:
  explicit AssetAggregator(const RuleSet& rules, int max_locators = kDefaultMaxLocators,
                           int min_score = 1);
  void OnMatch(const Match& match) override;
  bool WantsLocator(int type_index) const override;
  void OnKeywordList(const std::string& list) override;
  void Reset();

  // Moves summaries, locators and the label into `record`.
  void FillRecord(AssetRecord& record);

  uint64_t total_matches() const { return total_; }

 private:
  struct PerType {
    uint64_t count = 0;
    int max_score = 0;
    // Distinct values are counted by 64-bit hashes of their normalized
    // values (Match::value_hash; a collision among a million values has
    // odds of about 1 in 30 million), kept in an open-addressing set
    // (linear probing, at most half full, 0 marks a free slot). A dense
    // export has a new value at nearly every match: an insert is a probe or
    // two, where sorting the hashes at each doubling cost about 50 ns each.
    std::vector<uint64_t> value_slots;
    size_t values = 0;         // slots in use
    bool values_full = false;  // kMaxTrackedValues distinct seen: stop counting
    std::vector<FindingRecord> locators;
  };
  static void TrackValue(PerType& t, uint64_t value_hash);
  static void GrowValues(PerType& t);
  const RuleSet& rules_;
  int max_locators_;
  int min_score_;
  std::vector<PerType> per_type_;
  std::vector<std::string> keyword_lists_;
  uint64_t total_ = 0;
};

}  // namespace phiscan::classifiers

#endif  // PHISCAN_CLASSIFIERS_AGGREGATE_H_
