// The near misses of a name a user typed, for "did you mean ...?" hints:
// `--type US_SNN` should point at US_SSN, `--label phi` at PHI, instead of an
// empty answer that reads as "nothing sensitive here".
//
// Thread safety: stateless.
#ifndef PHISCAN_COMMON_DID_YOU_MEAN_H_
#define PHISCAN_COMMON_DID_YOU_MEAN_H_

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace phiscan {

// Edits between `a` and `b`, ignoring ASCII case: insertions, deletions,
// substitutions and swaps of two neighbours (US_SNN -> US_SSN is one), each
// one edit (the optimal string alignment distance).
inline size_t NameDistance(std::string_view a, std::string_view b) {
  auto same = [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  };
  // Three rows: the swap looks two rows back.
  std::vector<size_t> back2(b.size() + 1), back1(b.size() + 1), row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) back1[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t substitute = back1[j - 1] + (same(a[i - 1], b[j - 1]) ? 0 : 1);
      row[j] = std::min({back1[j] + 1, row[j - 1] + 1, substitute});
      if (i > 1 && j > 1 && same(a[i - 1], b[j - 2]) && same(a[i - 2], b[j - 1])) {
        row[j] = std::min(row[j], back2[j - 2] + 1);
      }
    }
    std::swap(back2, back1);
    std::swap(back1, row);
  }
  return back1[b.size()];
}

// The known names nearest to `typed`, in the order `known` gives them (at
// most `max` of them), or none if even the nearest is more than `limit`
// edits away.
inline std::vector<std::string> NearestNamesWithin(std::string_view typed,
                                                   const std::vector<std::string>& known,
                                                   size_t limit, size_t max = 3) {
  size_t best = limit + 1;
  std::vector<std::string> nearest;
  for (const std::string& name : known) {
    const size_t d = NameDistance(typed, name);
    if (d > limit || d > best) continue;
    if (d < best) nearest.clear();
    best = d;
    if (nearest.size() < max) nearest.push_back(name);
  }
  return nearest;
}

// NearestNamesWithin a third of the typed length (at least one edit, so a
// wrong case or one wrong letter of a short label is always caught).
inline std::vector<std::string> NearestNames(std::string_view typed,
                                             const std::vector<std::string>& known,
                                             size_t max = 3) {
  return NearestNamesWithin(typed, known, std::max<size_t>(1, typed.size() / 3), max);
}

// " (did you mean A?)", " (did you mean A or B?)", " (did you mean A, B or C?)",
// or "" for no names.
inline std::string DidYouMean(const std::vector<std::string>& names) {
  if (names.empty()) return "";
  std::string out = " (did you mean ";
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += i + 1 == names.size() ? " or " : ", ";
    out += names[i];
  }
  return out + "?)";
}

}  // namespace phiscan

#endif  // PHISCAN_COMMON_DID_YOU_MEAN_H_
