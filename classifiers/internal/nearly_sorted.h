// Internal: sorting a run that is nearly in order already.
//
// The Matcher's candidates from field values come field by field, out of
// order only within a field (a JSON value declared under its key and its
// parent's key yields candidates for the same span twice). An insertion
// sort moves each the few places it is out, where std::sort takes
// n log n steps whatever the order.
#ifndef PHISCAN_CLASSIFIERS_INTERNAL_NEARLY_SORTED_H_
#define PHISCAN_CLASSIFIERS_INTERNAL_NEARLY_SORTED_H_

#include <algorithm>
#include <cstddef>
#include <vector>

namespace phiscan::classifiers::internal {

// Sorts v[from, end) by `less`. After 8 moves per element (plus 64) the
// insertion sort stops and std::sort sorts the range, so no order costs
// much more than std::sort would.
template <typename T, typename Less>
void SortNearlySorted(std::vector<T>& v, size_t from, Less less) {
  size_t moves = 0;
  const size_t budget = 8 * (v.size() - from) + 64;
  for (size_t i = from + 1; i < v.size(); ++i) {
    if (!less(v[i], v[i - 1])) continue;
    const T item = v[i];
    size_t j = i;
    do {
      v[j] = v[j - 1];
      --j;
    } while (j > from && less(item, v[j - 1]) && ++moves <= budget);
    v[j] = item;  // in order unless the budget ran out; a permutation either way
    if (moves > budget) {
      std::sort(v.begin() + static_cast<std::ptrdiff_t>(from), v.end(), less);
      return;
    }
  }
}

}  // namespace phiscan::classifiers::internal

#endif  // PHISCAN_CLASSIFIERS_INTERNAL_NEARLY_SORTED_H_
