#include "classifiers/matcher.h"

#include <algorithm>
#include <array>
#include <cassert>
#include <cstring>
#include <iterator>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <optional>
#include <set>
#include <span>
#include <vector>

#include "classifiers/internal/compiled.h"
#include "classifiers/internal/latin_fold.h"
#include "classifiers/internal/nearly_sorted.h"

namespace phiscan::classifiers {
namespace {

// Bytes held back at the end of each chunk so that a boundary assertion at
// a match's end has seen the byte after it. Only matches ending at or before
// total - kLookahead are accepted until the stream ends. With exclude
// expressions the margin grows by the widest one, so that every exclude
// match overlapping an accepted match has been seen whole. The margin also
// grows by the widest regex (lookahead_), so that the RE2 window around a hit
// (up to that width past it) never ends where the buffered text does:
// there RE2 sees the end of the text, at which \b holds, and may prefer a
// longer match that ends there to the one the whole text has.
//
// 64 bytes at least, for builds against Vectorscan 5.4.9 (Debian 12 has no
// Hyperscan outside amd64): in block mode it can miss a match that ends
// within the last 32 bytes of the scanned block, depending on the block's
// address (a database of `Y\d` alone missed 7.6 % of the placements in
// blocks of up to 300 bytes), never seen with the built-in pack's database.
// Held back by this much, a match is accepted only from a pass where at
// least 64 bytes follow it. The stream's last bytes, the ends of digit and
// keyword windows, and Vectorscan's other fault (a hit reported at the
// wrong offset, mid-block) stay exposed (README, Limits). Hyperscan 5.4.0,
// what amd64 builds use, has neither fault.
constexpr uint64_t kLookahead = 64;

// An ASCII letter, either case.
bool IsAsciiLetter(char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }

// Enclosing field spans examined per candidate (structured evidence).
constexpr int kMaxNestedFields = 8;

struct HsEvent {
  unsigned id;
  uint64_t end;  // absolute stream offset
};

// A match of an exclude expression, [start, end) in stream offsets.
struct ExcludeSpan {
  uint64_t start;
  uint64_t end;
  int exclude;  // CompiledRules::excludes index
};

struct KeywordHit {
  uint64_t end;  // absolute
  int list;
};

// A structured field's value span and the keyword lists its name matched
// (owned by CompiledRules::field_terms, so a span costs no allocation).
struct FieldSpan {
  uint64_t start;
  uint64_t end;
  const std::vector<int>* lists;
};

// A FIFO with contiguous storage: pushed at the back, dropped from the
// front, read through plain pointers (EvidenceCursor). The dropped prefix
// is reclaimed once it is at least half the storage, so memory stays
// proportional to what is held.
template <typename T>
class FrontQueue {
 public:
  static_assert(std::is_trivially_copyable_v<T>);
  bool empty() const { return head_ == items_.size(); }
  const T& front() const { return items_[head_]; }
  const T* begin() const { return items_.data() + head_; }
  const T* end() const { return items_.data() + items_.size(); }
  void push_back(const T& item) { items_.push_back(item); }
  void pop_front() {
    if (++head_ == items_.size()) {
      items_.clear();
      head_ = 0;
    } else if (head_ >= 1024 && head_ * 2 >= items_.size()) {
      items_.erase(items_.begin(), items_.begin() + static_cast<std::ptrdiff_t>(head_));
      head_ = 0;
    }
  }
  void clear() {
    items_.clear();
    head_ = 0;
  }

 private:
  std::vector<T> items_;
  size_t head_ = 0;
};

// The first element of [from, end) for which `pred` is false, where it is
// true before that one and false after (a partition, as for
// std::partition_point), found by galloping forward from `from`: a few
// steps when the answer is near, where a binary search over the whole
// range takes log2(size) steps, most of them cache misses.
template <typename T, typename Pred>
const T* GallopPartition(const T* from, const T* end, Pred pred) {
  if (from == end || !pred(*from)) return from;
  const T* lo = from;  // pred(*lo) holds
  for (size_t step = 1;; step *= 2) {
    const T* probe = static_cast<size_t>(end - lo) > step ? lo + step : end;
    if (probe == end || !pred(*probe)) return std::partition_point(lo + 1, probe, pred);
    lo = probe;
  }
}

// A confirmed, validated primary match waiting for its right-hand evidence.
// Trivially copyable, so that sorting and moving candidates (dense exports
// have one per few dozen bytes) copies a few words, never a string.
struct Candidate {
  int pattern = 0;   // index into CompiledRules::patterns
  uint32_t value_len = 0;
  uint64_t value_at = 0;  // the matched bytes: Matcher::Impl::values_[value_at, +value_len)
  uint64_t start = 0;
  uint64_t end = 0;
  uint64_t ready_at = 0;  // stream must reach this offset before evidence is final
  uint64_t line = 0;
};
static_assert(std::is_trivially_copyable_v<Candidate>);

// Order in which ready candidates are judged: by start, longer first, then
// by pattern, so that the outcome never depends on arrival order.
bool JudgedBefore(const Candidate& a, const Candidate& b) {
  if (a.start != b.start) return a.start < b.start;
  if (a.end != b.end) return a.end > b.end;
  return a.pattern < b.pattern;
}

#if defined(__SSE2__)
// Bit k set if p[k] is an ASCII digit, for the 16 bytes at p.
unsigned DigitMask16(const char* p) {
  const __m128i below = _mm_set1_epi8('0' - 1), above = _mm_set1_epi8('9' + 1);
  __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  // Signed compares are right for ASCII digits: bytes >= 0x80 are negative.
  __m128i digit = _mm_and_si128(_mm_cmpgt_epi8(v, below), _mm_cmplt_epi8(v, above));
  return static_cast<unsigned>(_mm_movemask_epi8(digit));
}
#endif

// Offset of the first ASCII digit in b[from, to), or `to`.
size_t FindDigit(const char* b, size_t from, size_t to) {
  size_t i = from;
#if defined(__SSE2__)
  for (; i + 16 <= to; i += 16) {
    if (unsigned mask = DigitMask16(b + i)) return i + static_cast<size_t>(__builtin_ctz(mask));
  }
#endif
  for (; i < to; ++i) {
    if (b[i] >= '0' && b[i] <= '9') return i;
  }
  return to;
}

// Offset of the last ASCII digit in b[from, to), or `to` if there is none.
size_t FindLastDigit(const char* b, size_t from, size_t to) {
  size_t i = to;
#if defined(__SSE2__)
  for (; i >= from + 16; i -= 16) {
    if (unsigned mask = DigitMask16(b + i - 16)) {
      return i - 16 + static_cast<size_t>(31 - __builtin_clz(mask));
    }
  }
#endif
  while (i > from) {
    --i;
    if (b[i] >= '0' && b[i] <= '9') return i;
  }
  return to;
}

#if defined(__SSE2__)
// 0xFF for each of the 16 bytes at p that ends a line: LF, or CR with no LF
// after it (the 16 bytes at p + 1, which must be readable).
inline __m128i LineBreakMask16(const char* p, __m128i lf, __m128i cr) {
  __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  __m128i after = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 1));
  __m128i lone_cr = _mm_andnot_si128(_mm_cmpeq_epi8(after, lf), _mm_cmpeq_epi8(v, cr));
  return _mm_or_si128(_mm_cmpeq_epi8(v, lf), lone_cr);
}

// The sum of the 16 byte counters in `counts`.
inline uint64_t SumBytes16(__m128i counts) {
  const __m128i sums = _mm_sad_epu8(counts, _mm_setzero_si128());  // two 64-bit lanes
  return static_cast<uint64_t>(_mm_cvtsi128_si64(sums)) +
         static_cast<uint64_t>(_mm_cvtsi128_si64(_mm_unpackhi_epi64(sums, sums)));
}
#endif

}  // namespace

// Every byte of every stream passes through here (Matcher's line cursor),
// so 32 bytes at a time: each mask's -1 bytes are subtracted into two sets
// of 16 byte counters (two, so that consecutive blocks do not wait on one
// another: a quarter faster than one), which are summed (SAD against zero)
// before any can pass 255. No popcount: without a -mpopcnt build it is a
// library call per 16 bytes (2-4 % of a prose scan).
uint64_t internal::CountLineBreaksLong(const char* p, const char* end, char next) {
  uint64_t n = 0;
#if defined(__SSE2__)
  const __m128i lf = _mm_set1_epi8('\n'), cr = _mm_set1_epi8('\r');
  // Only blocks whose every byte has its next byte in [p, end).
  while (end - p > 32) {
    __m128i c0 = _mm_setzero_si128(), c1 = _mm_setzero_si128();
    for (int k = 0; k < 255 && end - p > 32; ++k, p += 32) {
      c0 = _mm_sub_epi8(c0, LineBreakMask16(p, lf, cr));
      c1 = _mm_sub_epi8(c1, LineBreakMask16(p + 16, lf, cr));
    }
    n += SumBytes16(c0) + SumBytes16(c1);
  }
  if (end - p > 16) {
    n += SumBytes16(_mm_sub_epi8(_mm_setzero_si128(), LineBreakMask16(p, lf, cr)));
    p += 16;
  }
#endif
  return n + internal::CountLineBreaksShort(p, end, next);
}

class Matcher::Impl {
 public:
  Impl(std::shared_ptr<const RuleSet> rules, const TokenKey* key, MatcherOptions options)
      : rules_(std::move(rules)),
        c_(rules_->compiled()),
        key_(key),
        options_(options),
        overlap_(rules_->overlap_bytes()),
        lookahead_(kLookahead + c_.exclude_width + c_.max_width) {
    // The next pass's windows reach a regex's width (and an exclude's) back
    // from the last pass's limit, lookahead_ before the end of what was
    // buffered: the prefix kept (RuleSet::overlap_bytes) must hold that.
    assert(overlap_ >= lookahead_ + c_.max_width + 1 + c_.exclude_width);
    hs_scratch_t* s = nullptr;
    db_status_ = c_.EnsureDatabase();
    if (db_status_.ok() && hs_clone_scratch(c_.prototype_scratch.get(), &s) == HS_SUCCESS) {
      scratch_.reset(s);
    } else if (db_status_.ok()) {
      db_status_ = Status::InvalidArgument("cannot allocate Hyperscan scratch");
    }
    buf_.resize(overlap_ + options_.chunk_size);
    cursor_.resize(c_.regexes.size());
    re_.resize(c_.regexes.size());
    gave_up_.resize(c_.regexes.size());
    per_regex_.resize(c_.regexes.size());
    context_seen_.resize(c_.keyword_lists.size());
    held_.resize(rules_->types().size());
    deferred_of_.resize(rules_->types().size());
    judge_delay_.resize(rules_->types().size());
    for (const auto& cp : c_.patterns) {
      uint64_t& delay = judge_delay_[cp.type_index];
      delay = std::max(delay, c_.regexes[cp.regex].max_width + static_cast<uint64_t>(cp.proximity));
    }
    cr_delay_.resize(c_.regexes.size());
    for (const auto& cp : c_.patterns) {
      cr_delay_[cp.regex] = std::max(cr_delay_[cp.regex], judge_delay_[cp.type_index]);
    }
  }

  void Begin(MatchSink* sink) {
    sink_ = sink;
    base_ = 0;
    held_len_ = 0;
    total_ = 0;
    candidate_cap_ = CandidateCap();
    accepted_ = 0;
    line_pos_ = 0;
    line_no_ = 1;
    candidates_seen_ = 0;
    limit_hit_ = false;
    keywords_.clear();
    fields_.clear();
    field_values_.clear();
    pending_.clear();
    values_.clear();
    std::fill(cursor_.begin(), cursor_.end(), 0);
    std::fill(gave_up_.begin(), gave_up_.end(), 0);
    std::fill(context_seen_.begin(), context_seen_.end(), false);
    for (auto& h : held_) h.reset();
    deferred_.clear();
    std::fill(deferred_of_.begin(), deferred_of_.end(), 0);
    reported_.clear();
  }

  std::span<char> WritableChunk() { return {buf_.data() + held_len_, options_.chunk_size}; }

  void AddFieldContext(uint64_t start, uint64_t end, std::string_view field) {
    if (end <= start) return;
    const FieldName& name = LookUpField(field);
    if (name.lists == nullptr) return;
    fields_.push_back({start, end, name.lists});
    if (name.run_field_regexes) field_values_.push_back({start, end, name.lists});
  }

  void AddApartSpan(uint64_t start, uint64_t end) {
    // A span that names no list confines a candidate's evidence to it
    // (NamedOtherwise) and is evidence for none (FieldHit).
    static const std::vector<int> kNoLists;
    if (end > start) fields_.push_back({start, end, &kNoLists});
  }

  Status Commit(size_t n) {
    if (!db_status_.ok()) return db_status_;  // nothing can be classified
    if (limit_hit_) return LimitStatus();
    n = std::min(n, options_.chunk_size);
    total_ += n;
    candidate_cap_ = CandidateCap();  // a division: not per candidate
    Process(held_len_ + n, /*final=*/false);
    Slide(held_len_ + n);
    return limit_hit_ ? LimitStatus() : Status::Ok();
  }

  Status Finish() {
    if (!limit_hit_) Process(held_len_, /*final=*/true);
    FinalizeReady(UINT64_MAX);
    for (auto& h : held_) {
      if (h) Emit(*h);
      h.reset();
    }
    ReleaseDeferred(UINT64_MAX, /*final=*/true);
    if (sink_ != nullptr) {
      for (size_t li = 0; li < context_seen_.size(); ++li) {
        if (context_seen_[li]) sink_->OnKeywordList(c_.keyword_lists[li]);
      }
    }
    return limit_hit_ ? LimitStatus() : Status::Ok();
  }

  uint64_t bytes_fed() const { return total_; }
  const RuleSet& rules() const { return *rules_; }
  uint64_t undelivered_floor() const {
    uint64_t floor = base_;  // candidates not yet confirmed start inside buf_
    for (const auto& p : pending_) floor = std::min(floor, p.start);
    for (const auto& h : held_) {
      if (h) floor = std::min(floor, h->start);
    }
    for (const auto& d : deferred_) floor = std::min(floor, d.start);
    return std::min(floor, FieldValueFloor());
  }
  size_t chunk_size() const { return options_.chunk_size; }

 private:
  uint64_t CandidateCap() const {
    uint64_t by_size = options_.bytes_per_candidate > 0 ? total_ / options_.bytes_per_candidate : 0;
    return std::max(options_.max_candidates, by_size);
  }

  Status LimitStatus() const {
    return Status::LimitExceeded("more than " + std::to_string(CandidateCap()) +
                                 " candidate matches");
  }

  static int OnHsMatch(unsigned id, unsigned long long, unsigned long long to, unsigned,
                       void* ctx) {
    auto* self = static_cast<Impl*>(ctx);
    self->events_.push_back({id, self->base_ + self->scan_at_ + to});
    return 0;
  }

  // A hit of a context-only list (its own database). One ending in the
  // lookahead margin waits for the next pass, as in Process, where the byte
  // after it (what \b looks at) is known; the first other marks the list
  // seen and stops the scan.
  static int OnContextMatch(unsigned id, unsigned long long, unsigned long long to, unsigned,
                            void* ctx) {
    auto* self = static_cast<Impl*>(ctx);
    if (self->base_ + to > self->context_limit_) return 0;
    self->context_seen_[self->c_.keyword_exprs[id - self->c_.keyword_base].list] = true;
    return 1;  // non-zero: scan no further
  }

  // Scans buf_[0, len) and processes every match ending in (accepted_, limit].
  void Process(size_t len, bool final) {
    uint64_t limit = final ? total_ : (total_ > lookahead_ ? total_ - lookahead_ : 0);
    if (limit <= accepted_ || scratch_ == nullptr) return;
    context_limit_ = limit;
    for (size_t i = 0; i < c_.context_dbs.size(); ++i) {
      if (context_seen_[c_.context_db_lists[i]]) continue;
      hs_scan(c_.context_dbs[i].get(), buf_.data(), static_cast<unsigned>(len), 0, scratch_.get(),
              &OnContextMatch, this);
    }
    events_.clear();
    scan_at_ = 0;
    if (!c_.digit_db || !FindDigitWindows(len)) {
      hs_scan(c_.db.get(), buf_.data(), static_cast<unsigned>(len), 0, scratch_.get(), &OnHsMatch,
              this);
    } else {
      if (c_.sparse_db) {  // null if every regex is digit-bound
        hs_scan(c_.sparse_db.get(), buf_.data(), static_cast<unsigned>(len), 0, scratch_.get(),
                &OnHsMatch, this);
      }
      for (auto [ws, we] : windows_) {
        scan_at_ = ws;
        hs_scan(c_.digit_db.get(), buf_.data() + ws, static_cast<unsigned>(we - ws), 0,
                scratch_.get(), &OnHsMatch, this);
      }
      scan_at_ = 0;
      if (c_.keyword_db) ScanKeywordWindows(len, limit);
    }
    // One hs_scan reports in order of end already; the windows' scans
    // interleave with the sparse one's.
    auto by_end = [](const HsEvent& a, const HsEvent& b) { return a.end < b.end; };
    if (!std::is_sorted(events_.begin(), events_.end(), by_end)) {
      std::stable_sort(events_.begin(), events_.end(), by_end);
    }

    confirmed_.clear();
    // Keyword hits are positions only. Primaries are grouped per regex.
    for (auto& ends : per_regex_) ends.clear();
    exclude_spans_.clear();
    for (const auto& ev : events_) {
      if (ev.id >= c_.exclude_base) {  // any end: it may veto a match ending before it
        const int x = static_cast<int>(ev.id - c_.exclude_base);
        exclude_spans_.push_back({ev.end - c_.excludes[x].width, ev.end, x});
        continue;
      }
      if (ev.end > limit) continue;
      if (ev.id >= c_.keyword_base) {
        if (ev.end <= accepted_) continue;
        const auto& kx = c_.keyword_exprs[ev.id - c_.keyword_base];
        if (!WordBounded(kx, ev.end)) continue;
        int list = kx.list;
        keywords_.push_back({ev.end, list});
        if (c_.context_lists[list]) context_seen_[list] = true;
      } else {
        // A prefilter hit ends inside its match, so a match ending after the
        // last pass's limit can have its hit up to max_width before it.
        int r = c_.hs_regex[ev.id];
        const auto& cr = c_.regexes[r];
        uint64_t floor = cr.prefiltered ? (accepted_ > cr.max_width ? accepted_ - cr.max_width : 0)
                                        : accepted_;
        if (ev.end <= floor) continue;
        per_regex_[r].push_back(ev.end);
      }
    }
    runs_.assign(1, 0);
    field_floor_ = FieldValueFloor();
    for (size_t r = 0; r < per_regex_.size() && !limit_hit_; ++r) {
      if (per_regex_[r].empty()) continue;
      PrepareVeto(static_cast<int>(r));
      if (!veto_.empty() || !banks_->empty()) {
        DropExcludedHits(per_regex_[r], len);
        if (per_regex_[r].empty()) continue;
      }
      Confirm(static_cast<int>(r), per_regex_[r], len, limit);
      if (confirmed_.size() > runs_.back()) runs_.push_back(confirmed_.size());
    }
    ConfirmFieldValues(len, limit);
    if (confirmed_.size() > runs_.back()) {
      internal::SortNearlySorted(confirmed_, runs_.back(), JudgedBefore);
      runs_.push_back(confirmed_.size());
    }
    const size_t first_new = pending_.size();
    MergeRunsInto(pending_);
    // Line numbers with one sweep in start order.
    for (size_t i = first_new; i < pending_.size(); ++i) {
      pending_[i].line = LineAt(pending_[i].start);
    }
    accepted_ = limit;
    FinalizeReady(final ? UINT64_MAX : limit);
    ReleaseDeferred(final ? UINT64_MAX : limit, /*final=*/false);
    PruneKeywords(limit);
    CompactValues();
  }

  // Appends confirmed_ to `out` in judging order (so also by start).
  // confirmed_ is a series of runs, runs_ their bounds, each already in that
  // order: one regex's matches come in order of start, its patterns in index
  // order. Merging them pairwise moves each candidate log2(runs) times,
  // where sorting a dense export's pass (a dozen runs, thousands of
  // candidates) cost several times more; the last merge writes to `out`.
  // The merged pairs are appended in order, so merged_ is never resized:
  // growing it value-initialised the new candidates, a memset of the whole
  // vector per file (1.2 % of the instructions on CSV).
  void MergeRunsInto(std::vector<Candidate>& out) {
    auto at = [&](size_t k) { return confirmed_.begin() + static_cast<std::ptrdiff_t>(k); };
    while (runs_.size() > 3) {
      merged_.clear();
      size_t kept = 1;
      for (size_t j = 0; j + 1 < runs_.size(); j += 2) {
        const size_t a = runs_[j], b = runs_[j + 1];
        const size_t c = j + 2 < runs_.size() ? runs_[j + 2] : b;
        std::merge(at(a), at(b), at(b), at(c), std::back_inserter(merged_), JudgedBefore);
        runs_[kept++] = c;
      }
      runs_.resize(kept);
      confirmed_.swap(merged_);
    }
    out.reserve(out.size() + confirmed_.size());
    if (runs_.size() == 3) {
      std::merge(at(0), at(runs_[1]), at(runs_[1]), confirmed_.end(), std::back_inserter(out),
                 JudgedBefore);
    } else {
      out.insert(out.end(), confirmed_.begin(), confirmed_.end());
    }
  }

  // This Matcher's own copy of regex r, made on first use. An RE2 shared
  // between threads takes a shared lock on its DFA cache for every search,
  // and the lock's counter bounces between the cores' caches.
  const RE2& Re(int r) {
    auto& re = re_[r];
    if (!re) re = std::make_unique<RE2>(c_.regexes[r].re->pattern(), c_.regexes[r].re->options());
    return *re;
  }

  // RE2::Match of regex r over text [pos, endpos), by the backtracking
  // search where the regex has one (internal/backtrack.h): the same answer
  // for a fraction of the cost. Where that search gives up, RE2 answers;
  // after a few such searches in a stream, RE2 answers every search of the
  // regex, so a text made to defeat the backtracking costs little more than
  // RE2 alone.
  bool Search(int r, re2::StringPiece text, size_t pos, size_t endpos, RE2::Anchor anchor,
              re2::StringPiece* m, int groups) {
    constexpr uint8_t kGiveUpsAllowed = 4;
    const auto* bt = c_.regexes[r].backtracker.get();
    if (bt != nullptr && gave_up_[r] < kGiveUpsAllowed) {
      internal::Backtracker::Spans sp;
      switch (bt->Match(std::string_view(text.data(), text.size()), pos, endpos,
                        anchor == RE2::ANCHOR_START, &sp, &bt_scratch_)) {
        case internal::Backtracker::Outcome::kNoMatch:
          return false;
        case internal::Backtracker::Outcome::kMatch:
          m[0] = re2::StringPiece(text.data() + sp.start, sp.end - sp.start);
          if (groups > 1) {
            m[1] = sp.group_start == internal::Backtracker::kUnset
                       ? re2::StringPiece()
                       : re2::StringPiece(text.data() + sp.group_start,
                                          sp.group_end - sp.group_start);
          }
          return true;
        case internal::Backtracker::Outcome::kGaveUp:
          ++gave_up_[r];
          break;
      }
    }
    return Re(r).Match(text, pos, endpos, anchor, m, groups);
  }

  // Sets windows_ to the spans of buf_[0, len) around its digits, for the
  // digit database; false if they would cover much of the chunk (the
  // combined database is then cheaper). A window reaches digit_window + 1
  // bytes past each digit: every match of a digit-gated expression contains
  // a digit and is at most digit_window bytes wide, so it lies inside a
  // window with the byte on either side of it (what \b looks at). Hits that
  // a window's edge makes up (a cut run of digits looks bounded) are only
  // prefilter hits: RE2 confirms every hit against the whole buffer.
  bool FindDigitWindows(size_t len) {
    const char* b = buf_.data();
    const size_t reach = c_.digit_window + 1;
    // Windows closer than this are scanned as one: each hs_scan call costs
    // about as much as scanning this many bytes.
    constexpr size_t kJoinGap = 256;
    windows_.clear();
    size_t covered = 0;
    for (size_t at = FindDigit(b, 0, len); at < len;) {
      size_t ws = at > reach ? at - reach : 0;
      size_t last = at;
      // Extend the window to the last digit within reach of the previous
      // one, until a gap: the same end as stepping digit by digit, in one
      // step per reach instead of one per digit (logs are dense with them).
      for (;;) {
        size_t bound = std::min(len, last + 2 * reach + kJoinGap);
        size_t next = FindLastDigit(b, last + 1, bound);
        if (next >= bound) break;
        last = next;
        if (covered + (last - ws) > len / 4) return false;  // dense: stop looking
      }
      size_t we = std::min(len, last + reach + 1);
      windows_.push_back({ws, we});
      covered += we - ws;
      if (covered > len / 4) return false;
      at = FindDigit(b, we, len);
    }
    return true;
  }

  // Scans the evidence keywords (keyword_db) where a keyword can be
  // evidence for, or open the gate of, something this pass or the next
  // judges; elsewhere no keyword can change a result. Keyword ends in
  // (accepted_, limit] are needed:
  //   - within the widest proximity (P) of this pass's primary hits: a
  //     match holding a hit's end e lies in [e - w, e + w] (w its regex's
  //     width), so its evidence and its gate in [e - w - P, e + w + P];
  //   - within P of every field value still to be confirmed;
  //   - the first P bytes: right-hand evidence of earlier candidates;
  //   - the last 2 w_max + P bytes, and P before the next pass's buffer:
  //     left-hand evidence of the next pass's candidates and field values
  //     (its matches end after limit), whose bytes will be gone.
  // A window starts a keyword's width before its first needed end, and its
  // edges move out to a non-word byte, so \b at an edge is what it is in the
  // stream and a window finds exactly the stream's keywords inside it. No
  // byte is walked twice (a run of letters with a hit every few bytes would
  // otherwise cost its length per hit). Where the windows would cover most
  // of the chunk it is scanned whole.
  void ScanKeywordWindows(size_t len, uint64_t limit) {
    const uint64_t lo = accepted_, hi = limit;  // keyword ends wanted in (lo, hi]
    const uint64_t prox = static_cast<uint64_t>(c_.max_proximity) + 1;
    needed_.clear();
    auto need = [&](uint64_t a, uint64_t b) {
      a = std::max(a, lo + 1);
      b = std::min(b, hi);
      if (a <= b) needed_.push_back({a, b});
    };
    need(lo + 1, lo + prox);
    const uint64_t next_base = base_ + len - std::min(overlap_, len);
    const uint64_t tail = std::min(hi > 2 * c_.max_width + prox ? hi - 2 * c_.max_width - prox : 0,
                                   next_base > prox ? next_base - prox : 0);
    need(tail, hi);
    for (const auto& ev : events_) {
      if (ev.id >= c_.keyword_base || ev.end > limit) continue;
      const uint64_t w = c_.regexes[c_.hs_regex[ev.id]].max_width;
      need(ev.end > w + prox ? ev.end - w - prox : 0, ev.end + w + prox);
    }
    for (const auto& f : field_values_) need(f.start > prox ? f.start - prox : 0, f.end + prox);
    std::sort(needed_.begin(), needed_.end());
    // Buffer spans: widened by a keyword's width, edges on non-word bytes,
    // joined when close (an hs_scan call costs about 256 bytes of scanning).
    constexpr size_t kJoinGap = 256;
    const auto* b = reinterpret_cast<const unsigned char*>(buf_.data());
    auto word_end = [&](size_t at) {
      while (at < len && internal::IsWordByte(b[at])) ++at;
      return at;
    };
    windows_.clear();
    size_t covered = 0;
    for (auto [a, z] : needed_) {
      size_t ws = a - base_ > c_.keyword_width ? a - base_ - c_.keyword_width : 0;
      const size_t we = std::min<size_t>(len, z - base_ + 1);
      const size_t floor = windows_.empty() ? 0 : windows_.back().second;
      if (!windows_.empty() && we <= floor) continue;  // inside the last window
      while (ws > floor && internal::IsWordByte(b[ws - 1])) --ws;
      if (!windows_.empty() && ws <= floor + kJoinGap) {
        const size_t end = word_end(we);
        covered += end - floor;
        windows_.back().second = end;
      } else {
        const size_t end = word_end(we);
        windows_.push_back({ws, end});
        covered += end - ws;
      }
    }
    if (covered > len / 2) windows_.assign(1, {0, len});
    for (auto [ws, we] : windows_) {
      scan_at_ = ws;
      hs_scan(c_.keyword_db.get(), buf_.data() + ws, static_cast<unsigned>(we - ws), 0,
              scratch_.get(), &OnHsMatch, this);
    }
    scan_at_ = 0;
  }

  // Whether a bare keyword literal ending at `end` is a whole word where it
  // must be (what \b around it would assert). The byte before it is in the
  // buffer unless the stream began less than a term ago; the byte after it
  // is, since only ends before the lookahead margin are accepted.
  bool WordBounded(const internal::CompiledRules::KeywordExpr& kx, uint64_t end) const {
    using internal::IsWordByte;
    uint64_t start = end - kx.len;
    if (kx.left && start > base_ && IsWordByte(buf_[start - 1 - base_])) return false;
    if (kx.right && end < total_ && IsWordByte(buf_[end - base_])) return false;
    return true;
  }

  // Runs the regex's RE2 over merged windows around Hyperscan's match ends
  // and, for each exact match whose end was accepted in this pass, evaluates
  // every pattern that shares the regex (validator, dictionary) on its value.
  void Confirm(int r, const std::vector<uint64_t>& ends, size_t len, uint64_t limit) {
    const auto& cr = c_.regexes[r];
    re2::StringPiece text(buf_.data(), len);
    re2::StringPiece m[2];
    const int groups = cr.has_group ? 2 : 1;
    GateCursor gate{keywords_.begin(), fields_.begin()};
    size_t i = 0;
    while (i < ends.size()) {
      // Window: from one byte before the widest match ending at ends[i] to
      // max_width past the last end it merges with (so a longer match that
      // extends past an early end is seen whole, not cut short).
      const size_t first = i;
      uint64_t ws = ends[i] > cr.max_width + 1 ? ends[i] - cr.max_width - 1 : 0;
      uint64_t we = ends[i];
      while (i < ends.size() && ends[i] <= we + cr.max_width) we = ends[i++];
      ws = std::max({ws, base_, cursor_[r]});
      uint64_t we_ext = std::min<uint64_t>(we + cr.max_width, base_ + len);
      if (Gated(r, ws, we_ext, i < ends.size() ? ends[i] : UINT64_MAX, limit, gate)) continue;
      if (cr.exact_width != 0) {
        if (!AcceptExact(r, std::span(ends).subspan(first, i - first), ws, limit)) return;
        continue;
      }
      size_t pos = ws - base_, endpos = we_ext - base_;
      while (pos < endpos && Search(r, text, pos, endpos, RE2::UNANCHORED, m, groups)) {
        size_t s = m[0].data() - buf_.data(), t = s + m[0].size();
        uint64_t t_abs = base_ + t;
        // A match holds a hit's end (s < e <= t), so one starting at or after
        // the window's last hit holds none of its hits. It belongs to a later
        // hit (one past this pass's limit) and is found whole with it. Here
        // RE2 searched only up to we_ext, which may cut it: it then returns
        // a shorter match at the same start ("2001:db8" of "2001:db8::1",
        // a match too, but not the one RE2 prefers in the whole text). A
        // match starting before `we` ends before we_ext, so is never cut.
        if (base_ + s >= we) break;
        if (t_abs > limit) break;  // found again, whole, in a later pass
        pos = t > s ? t : s + 1;
        // A match ending at or before accepted_ was judged in an earlier
        // pass. One that is vetoed is no candidate, but the search goes on
        // from its end, as it does in the whole text; a later pass's window
        // must not start before it either, or it meets a match overlapping
        // this one that the whole text's search skips.
        const bool fresh = t_abs > accepted_;
        if (fresh) cursor_[r] = t_abs;
        if (fresh && !Vetoed(base_ + s, t_abs, len)) {
          // With a capturing group the value is group 1; the rest is anchor.
          if (!cr.has_group) {
            const size_t before = confirmed_.size();
            if (!AddCandidates(cr, s, t)) return;
            if (cr.retry_shorter && confirmed_.size() == before && !RetryShorter(cr, r, s, t, len)) {
              return;
            }
          } else if (m[1].data() != nullptr && !m[1].empty()) {
            const size_t vs = m[1].data() - buf_.data();
            if (!AddCandidates(cr, vs, vs + m[1].size())) return;
          }
        }
        // Every match holds a hit's end (a match ends where Hyperscan
        // reported one; a prefilter's hit ends inside its match), so no
        // match follows one that ends at or after the window's last hit.
        // Stopping here spares the search of the window's rest, which found
        // nothing, and was half of all RE2 calls.
        if (t_abs >= we) break;
      }
    }
  }

  // What the RE2 search of Confirm finds in a window from `ws` when regex r
  // has an exact width (CompiledRegex::exact_width): its hits' ends are
  // its matches' ends, each match the width before its end. RE2 finds them
  // in order of start, which for one width is the order of end, each
  // starting at or after the last one's end: a hit overlapping the match
  // before it (or a second hit at the same end) is no match it finds. Such
  // a regex has no exclude expression (RuleSet::Compile), so no veto.
  bool AcceptExact(int r, std::span<const uint64_t> hits, uint64_t ws, uint64_t limit) {
    const auto& cr = c_.regexes[r];
    const uint64_t width = cr.exact_width;
    uint64_t pos = ws;
    for (uint64_t t : hits) {
      if (t < width || t - width < pos) continue;
      if (t > limit) break;  // found again, whole, in a later pass
      const uint64_t s = t - width;
      pos = t;
      if (t <= accepted_) continue;  // judged in an earlier pass
      cursor_[r] = t;
      if (!AddCandidates(cr, s - base_, t - base_)) return false;
    }
    return true;
  }

  // A match [s, t) of a retry_shorter regex that no pattern accepted: tries
  // the longest match from s ending before t (RE2 sees the bytes after the
  // shorter end, so \b still holds there), and so on until a pattern
  // accepts one or none is left. Runs only after a rejection, which the
  // regexes that ask for it (IBAN) seldom meet. False once the candidate cap
  // is hit.
  bool RetryShorter(const internal::CompiledRegex& cr, int r, size_t s, size_t t, size_t len) {
    const re2::StringPiece text(buf_.data(), len);
    re2::StringPiece m[1];
    for (size_t end = t; end > s + 1;) {
      if (!Search(r, text, s, end - 1, RE2::ANCHOR_START, m, 1)) return true;
      end = s + m[0].size();
      const size_t before = confirmed_.size();
      if (!AddCandidates(cr, s, end)) return false;
      if (confirmed_.size() > before) return true;
    }
    return true;
  }

  // Where Gated's searches of keywords_ and fields_ stopped (Confirm keeps
  // one per regex and pass).
  struct GateCursor {
    const KeywordHit* keyword;
    const FieldSpan* field;
  };

  // Whether a window [ws, we_ext) of a gated regex (CompiledRegex::gate_lists)
  // can be skipped: none of its lists occurs where the evidence of a match
  // inside it would be looked for. Decided only where the answer and what
  // skipping leaves out are this pass's alone, so the results are those of
  // confirming the window and judging its candidates:
  //   - every candidate in it is judged by this pass's FinalizeReady (it
  //     starts by we_ext and is ready its type's judge delay later, by
  //     `limit`; no field value waiting for the field-only regexes starts
  //     before it), with the same keywords and field spans as seen here;
  //   - the RE2 search position its matches would set (cursor_) cannot
  //     matter: the regex's next window in this pass, `next_hit` less its
  //     width, and the next pass's (2 widths before `limit` at the
  //     earliest) start after it.
  // `at`: where the previous window of this Confirm left the searches of
  // keywords_ and fields_; windows come in order, so they only move forward.
  bool Gated(int r, uint64_t ws, uint64_t we_ext, uint64_t next_hit, uint64_t limit,
             GateCursor& at) const {
    const auto& cr = c_.regexes[r];
    if (cr.gate_lists.empty()) return false;
    const uint64_t w = cr.max_width;
    const uint64_t reach = std::max<uint64_t>({cr.gate_proximity, 2 * w + 1, cr_delay_[r]});
    if (we_ext + reach > limit) return false;
    if (field_floor_ <= we_ext) return false;
    if (next_hit != UINT64_MAX && next_hit < we_ext + w + 1) return false;
    // Keyword hits ending in [ws - proximity, we_ext + proximity].
    const uint64_t lo = ws > cr.gate_proximity ? ws - cr.gate_proximity : 0;
    const uint64_t hi = we_ext + cr.gate_proximity;
    at.keyword = GallopPartition(at.keyword, keywords_.end(),
                                 [&](const KeywordHit& h) { return h.end < lo; });
    const KeywordHit* k = at.keyword;
    for (; k != keywords_.end() && k->end <= hi; ++k) {
      if (cr.gate_lists[k->list]) return false;
    }
    // Field spans FieldHit could consult for a candidate starting in
    // [ws, we_ext]: those starting in that range and the kMaxNestedFields
    // latest before it, if they reach into the window.
    at.field = GallopPartition(at.field, fields_.end(),
                               [&](const FieldSpan& f) { return f.start <= we_ext; });
    const FieldSpan* upto = at.field;
    for (int before = 0; upto != fields_.begin() && before < kMaxNestedFields;) {
      const FieldSpan& f = *--upto;
      if (f.start < ws) ++before;
      if (f.end <= ws) continue;
      for (int li : *f.lists) {
        if (cr.gate_lists[li]) return false;
      }
    }
    return true;
  }

  // Sets veto_ to this pass's matches of regex r's exclude expressions,
  // sorted by start, each with the furthest end of it and those before it.
  void PrepareVeto(int r) {
    veto_.clear();
    banks_ = &c_.regexes[r].veto_banks;
    const auto& excludes = c_.regexes[r].excludes;
    if (excludes.empty()) return;
    for (const auto& x : exclude_spans_) {
      if (std::find(excludes.begin(), excludes.end(), x.exclude) != excludes.end()) {
        veto_.push_back({x.start, x.end});
      }
    }
    // Spans of one width each come in order of end, so of start: on a log,
    // a timestamp's on every line, and sorting them again was not free.
    if (!std::is_sorted(veto_.begin(), veto_.end())) std::sort(veto_.begin(), veto_.end());
    for (size_t i = 1; i < veto_.size(); ++i) {
      veto_[i].second = std::max(veto_[i].second, veto_[i - 1].second);
    }
  }

  // Whether [start, end) overlaps a span of veto_ or a match of banks_ in
  // buf_[0, len), where Hyperscan would have found it.
  bool Vetoed(uint64_t start, uint64_t end, size_t len) const {
    if (BanksVeto(start, end, len)) return true;
    if (veto_.empty()) return false;
    // The spans starting before `end`; the furthest of their ends.
    auto after = std::partition_point(veto_.begin(), veto_.end(),
                                      [&](const auto& v) { return v.first < end; });
    return after != veto_.begin() && std::prev(after)->second > start;
  }

  bool BanksVeto(uint64_t start, uint64_t end, size_t len) const {
    const std::string_view text(buf_.data(), len);
    for (const auto& bank : *banks_) {
      if (internal::BankOverlaps(bank, text, start - base_, end - base_)) return true;
    }
    return false;
  }

  // Drops the hits that end inside a veto_ span or a match of banks_: every
  // match holding such a hit overlaps it (its last byte, end - 1, is in the
  // match), so RE2 need not look for one.
  // `ends` is in ascending order, so the spans starting before each end are
  // found by one walk along veto_, not a binary search per hit (a log has a
  // timestamp hit and a timestamp span on every line).
  void DropExcludedHits(std::vector<uint64_t>& ends, size_t len) const {
    size_t out = 0;
    size_t after = 0;  // veto_[0, after) start before the current end
    for (uint64_t e : ends) {
      while (after < veto_.size() && veto_[after].first < e) ++after;
      // As Vetoed(e - 1, e): a span starting before e and ending after e - 1.
      if ((after == 0 || veto_[after - 1].second <= e - 1) && !BanksVeto(e - 1, e, len)) {
        ends[out++] = e;
      }
    }
    ends.resize(out);
  }

  // Evaluates every pattern of `cr` on the value buf_[vs, ve) and queues a
  // candidate for each that passes its validator and dictionary. Returns
  // false once the candidate cap is hit.
  bool AddCandidates(const internal::CompiledRegex& cr, size_t vs, size_t ve) {
    std::string_view value(buf_.data() + vs, ve - vs);
    size_t value_at = SIZE_MAX;
    for (int p : cr.patterns) {
      const auto& cp = c_.patterns[p];
      if (cp.validator != nullptr && !cp.validator(value)) continue;
      if (cp.dictionary != nullptr && !InDictionary(*cp.dictionary, value)) continue;
      if (cp.labels != nullptr && Labelled(*cp.labels, vs)) continue;
      if (++candidates_seen_ > candidate_cap_) {
        limit_hit_ = true;
        return false;
      }
      // Built in place: filled field by field on the stack and then copied,
      // the copy's wide loads stalled on the narrow stores (on dense exports
      // that was most of this function's time).
      Candidate& cand = confirmed_.emplace_back();
      cand.pattern = p;
      cand.start = base_ + vs;
      cand.end = base_ + ve;
      // Judged once its evidence window has passed, and not before a
      // candidate of its type that starts earlier (Judge compares each with
      // the last of its type): a match of a pattern with a wider window
      // (a key=value regex's 300 bytes) is judged before a field-only
      // pattern's later match (none), whose window ends sooner. The
      // field-only regexes' candidates come when their field value ends:
      // FinalizeReady waits for those (FieldValueFloor).
      cand.ready_at = cand.start + judge_delay_[cp.type_index];
      // The matched bytes, in memory only: masked and tokenized when
      // emitted, so the many candidates that fail their evidence cost
      // neither. The patterns of one regex share one copy.
      if (value_at == SIZE_MAX) {
        value_at = values_.size();
        values_.append(value);
      }
      cand.value_at = value_at;
      cand.value_len = static_cast<uint32_t>(value.size());
    }
    return true;
  }

  // Whether the value starting at buf_[vs] is labelled with one of `terms`
  // (LabelTerm form): its last one to three words (letters, joined by up to
  // three spaces, tabs, '_' or '-'; a whole word on the left) end just
  // before it, or just before a number word between them ("Order number
  // 536228726", "Ref. No. 536228726", "Order ID: 536228726"), with only
  // separators (spaces, tabs, ':', '#', '.', '-', '=') on either side of
  // that word. At most kMaxLabelReach bytes are read; a pass holds at least
  // 64 before any match it confirms (RuleSet::overlap_bytes less the
  // lookahead and a regex's width), so the answer never depends on where a
  // chunk ends.
  bool Labelled(const internal::Dictionary& terms, size_t vs) const {
    static constexpr size_t kMaxLabelReach = 48, kMaxGlue = 16;
    auto separator = [](char c) {
      return c == ' ' || c == '\t' || c == ':' || c == '#' || c == '.' || c == '-' || c == '=';
    };
    const size_t floor = vs > kMaxLabelReach ? vs - kMaxLabelReach : 0;
    const size_t glue_floor = vs > kMaxGlue ? vs - kMaxGlue : 0;
    size_t at = vs;
    while (at > glue_floor && separator(buf_[at - 1])) --at;
    if (at == vs) return false;
    if (LabelWords(terms, at, floor)) return true;
    size_t word = at;
    while (word > glue_floor && IsAsciiLetter(buf_[word - 1])) --word;
    if (word == at || at - word > 6) return false;
    char lower[6];
    for (size_t i = word; i < at; ++i) lower[i - word] = static_cast<char>(buf_[i] | 0x20);
    const std::string_view w(lower, at - word);
    if (w != "number" && w != "no" && w != "num" && w != "nbr" && w != "id") return false;
    at = word;
    while (at > glue_floor && separator(buf_[at - 1])) --at;
    return at < word && LabelWords(terms, at, floor);
  }

  // Whether the last one, two or three words ending at buf_[end] are a term
  // of `terms`, the first of them a whole word; no byte before `floor` is
  // read.
  bool LabelWords(const internal::Dictionary& terms, size_t end, size_t floor) const {
    auto joiner = [](char c) { return c == ' ' || c == '\t' || c == '_' || c == '-'; };
    std::string phrase;  // the words read so far, LabelTerm form
    size_t at = end;
    for (int words = 0; words < 3; ++words) {
      size_t start = at;
      while (start > floor && IsAsciiLetter(buf_[start - 1])) --start;
      if (start == at) return false;
      std::string word(buf_.data() + start, at - start);
      for (char& c : word) c = static_cast<char>(c | 0x20);
      phrase = phrase.empty() ? word : word + ' ' + phrase;
      // A whole word: a non-word byte before it, or the stream's start.
      const bool bounded =
          start > floor ? !internal::IsWordByte(static_cast<unsigned char>(buf_[start - 1]))
                        : start == 0 && base_ == 0;
      if (bounded && terms.contains(phrase)) return true;
      size_t gap = start;
      while (gap > floor && start - gap < 3 && joiner(buf_[gap - 1])) --gap;
      if (gap == start) return false;
      at = gap;
    }
    return false;
  }

  // The longest run of consecutive digits in buf_[from, to).
  size_t LongestDigitRun(size_t from, size_t to) const {
    size_t best = 0, run = 0;
    for (size_t i = from; i < to; ++i) {
      const char c = buf_[i];
      run = c >= '0' && c <= '9' ? run + 1 : 0;
      best = std::max(best, run);
    }
    return best;
  }

  // Runs the field-only regexes on declared field values that are now wholly
  // accepted. A value already slid out of the buffer (longer than the
  // overlap) is dropped: field values are short by nature.
  void ConfirmFieldValues(size_t len, uint64_t limit) {
    re2::StringPiece text(buf_.data(), len);
    re2::StringPiece m[2];
    while (!field_values_.empty() && field_values_.front().end <= limit && !limit_hit_) {
      const FieldSpan f = field_values_.front();
      field_values_.pop_front();
      if (f.start < base_) continue;
      size_t digit_run = SIZE_MAX;  // the value's longest, counted when first needed
      for (int r : c_.field_regexes) {
        const auto& cr = c_.regexes[r];
        bool named = false;
        for (int li : cr.field_lists) {
          named = named || std::find(f.lists->begin(), f.lists->end(), li) != f.lists->end();
        }
        if (!named) continue;
        size_t pos = f.start - base_, endpos = f.end - base_;
        if (cr.field_digit_run > 0) {
          // A match lies inside the value, so the value must hold the run
          // every match has: a phone field's "(555) 010-0143" is no match
          // of \b1?\d{10}\b, and RE2 need not look.
          if (digit_run == SIZE_MAX) digit_run = LongestDigitRun(pos, endpos);
          if (digit_run < cr.field_digit_run) continue;
        }
        const int groups = cr.has_group ? 2 : 1;
        while (pos < endpos && Search(r, text, pos, endpos, RE2::UNANCHORED, m, groups)) {
          size_t s = m[0].data() - buf_.data(), t = s + m[0].size();
          pos = t > s ? t : s + 1;
          size_t vs = s, ve = t;
          if (cr.has_group) {
            if (m[1].data() == nullptr || m[1].empty()) continue;
            vs = m[1].data() - buf_.data();
            ve = vs + m[1].size();
          }
          if (!AddCandidates(cr, vs, ve)) return;
        }
      }
    }
  }

  // True if a word of `value` (letters, apostrophes, hyphens) is in `dict`,
  // compared lower-case, accented Latin letters as the letter they are
  // written on (García: garcia). Words longer than the buffer never match.
  static bool InDictionary(const internal::Dictionary& dict, std::string_view value) {
    char word[48];
    size_t n = 0;
    bool too_long = false;
    for (size_t i = 0; i <= value.size(); ++i) {
      char c = i < value.size() ? value[i] : ' ';
      if (i < value.size()) {
        if (const char folded = internal::FoldLatin1At(value, i)) c = folded;
      }
      bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '\'' || c == '-';
      if (letter) {
        if (n == sizeof(word)) too_long = true;
        else word[n++] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
        continue;
      }
      if (n > 0 && !too_long && dict.find(std::string_view(word, n)) != dict.end()) return true;
      n = 0;
      too_long = false;
    }
    return false;
  }

  // 1-based line of absolute offset `pos`, which must lie in the buffer
  // (so must the byte at pos, which tells whether a CR before it ends a line).
  uint64_t LineAt(uint64_t pos) {
    const char* at = buf_.data() + (pos - base_);
    const char* cursor = buf_.data() + (line_pos_ - base_);
    if (pos >= line_pos_) {
      line_no_ += CountLineBreaks(cursor, at, *at);
    } else {
      line_no_ -= CountLineBreaks(at, cursor, *cursor);
    }
    line_pos_ = pos;
    return line_no_;
  }

  // Keeps the last overlap_ bytes of buf_[0, len) as the next chunk's prefix.
  void Slide(size_t len) {
    size_t keep = std::min(overlap_, len);
    uint64_t new_base = base_ + (len - keep);
    if (line_pos_ < new_base) LineAt(new_base);
    std::memmove(buf_.data(), buf_.data() + (len - keep), keep);
    base_ = new_base;
    held_len_ = keep;
  }

  // What a field name means, remembered per raw name: a CSV export repeats
  // its column names on every row and a JSON export its keys on every
  // record, and normalising a name costs more than looking it up.
  struct FieldName {
    const std::vector<int>* lists = nullptr;  // keyword lists it names; null = none
    bool run_field_regexes = false;           // some field-only regex wants its values
  };
  const FieldName& LookUpField(std::string_view field) {
    // Extractors pass the same name storage again and again (a CSV header
    // cell per column, an HL7 field table entry, a JSON frame's key buffer
    // holding each key of a record in turn): a slot per storage address and
    // leading bytes, confirmed by comparing the bytes, spares hashing the
    // name. Fibonacci hashing: names stored side by side (SSO strings in a
    // vector, 32 bytes apart) land in different slots.
    uint64_t head = 0;
    if (!field.empty()) std::memcpy(&head, field.data(), std::min(field.size(), sizeof(head)));
    const uint64_t at = reinterpret_cast<uintptr_t>(field.data()) ^ (head * 0xC2B2AE3D27D4EB4Full) ^
                        field.size();
    RecentField& recent = recent_fields_[(at * 0x9E3779B97F4A7C15ull) >> (64 - kRecentFieldBits)];
    if (recent.key != nullptr && recent.data == field.data() && *recent.key == field) {
      return *recent.name;
    }
    const auto& entry = FindOrAddField(field);
    recent = {field.data(), &entry.first, &entry.second};
    return entry.second;
  }
  const std::pair<const std::string, FieldName>& FindOrAddField(std::string_view field) {
    if (auto it = field_names_.find(field); it != field_names_.end()) return *it;
    if (field_names_.size() >= kMaxFieldNames) {
      field_names_.clear();
      recent_fields_.fill({});
    }
    FieldName name;
    name.lists = FindNameLists(field);
    if (name.lists == nullptr) {
      // A numbered column (dx1, diag_2, phone_3, ICD_DGNS_CD12): its name
      // without the number.
      size_t cut = field.size();
      while (cut > 0 && field[cut - 1] >= '0' && field[cut - 1] <= '9') --cut;
      if (cut < field.size() && cut > 0) {
        std::string_view base = field.substr(0, cut);
        if (base.back() == '_' || base.back() == '-' || base.back() == ' ') base.remove_suffix(1);
        if (!base.empty()) name.lists = FindNameLists(base);
      }
    }
    if (name.lists != nullptr) {
      for (int r : c_.field_regexes) {
        for (int li : c_.regexes[r].field_lists) {
          if (std::find(name.lists->begin(), name.lists->end(), li) != name.lists->end()) {
            name.run_field_regexes = true;
          }
        }
      }
    }
    return *field_names_.emplace(std::string(field), name).first;
  }
  static constexpr size_t kMaxFieldNames = 4096;
  // A remembered name: where the caller's bytes were, and its map entry
  // (nodes of field_names_ stay put until it is cleared).
  struct RecentField {
    const char* data = nullptr;
    const std::string* key = nullptr;
    const FieldName* name = nullptr;
  };
  static constexpr int kRecentFieldBits = 6;
  std::array<RecentField, size_t{1} << kRecentFieldBits> recent_fields_{};

  // The lists a field's name gives: the whole name; else, for a name of
  // alternatives ("SSN/TIN", "Phone/Fax"), those of every alternative that
  // names some; else its last path component ("patient.ssn",
  // "Patient/identifier/ssn"); else its trailing words (FindSuffixLists).
  const std::vector<int>* FindNameLists(std::string_view field) {
    const std::vector<int>* lists = FindFieldLists(field);
    if (lists == nullptr) lists = FindAlternativesLists(field);
    if (lists == nullptr) {
      size_t cut = field.find_last_of("./");
      if (cut != std::string_view::npos) lists = FindFieldLists(field.substr(cut + 1));
    }
    return lists != nullptr ? lists : FindSuffixLists(field);
  }

  // The union of the lists of a name's '/'-separated parts, if two or more
  // of them name some (a path such as Patient/identifier/ssn names one).
  const std::vector<int>* FindAlternativesLists(std::string_view field) {
    if (field.find('/') == std::string_view::npos) return nullptr;
    std::vector<int> all;
    int named = 0;
    for (size_t start = 0; start <= field.size();) {
      const size_t slash = std::min(field.find('/', start), field.size());
      if (const auto* lists = FindFieldLists(field.substr(start, slash - start))) {
        ++named;
        all.insert(all.end(), lists->begin(), lists->end());
      }
      start = slash + 1;
    }
    if (named < 2 || merged_lists_.size() >= kMaxMergedLists) return nullptr;
    std::sort(all.begin(), all.end());
    all.erase(std::unique(all.begin(), all.end()), all.end());
    return &*merged_lists_.insert(std::move(all)).first;
  }
  // Kept for the Matcher's life (field spans point at them); a pack has few
  // lists, so few distinct unions.
  static constexpr size_t kMaxMergedLists = 256;

  // The lists of a field's name as it is spelt, else of its words split
  // where camelCase starts one (SocialSecurityNumber, patientId), else of
  // those words without a last one that only says "number" (SSN_NO,
  // CreditCardNo, "Social Security #").
  const std::vector<int>* FindFieldLists(std::string_view field) const {
    const std::string name = internal::NormalizeFieldName(field);
    if (const auto* lists = TermLists(name)) return lists;
    const std::string words = internal::FieldNameWords(field);
    if (words != name) {
      if (const auto* lists = TermLists(words)) return lists;
    }
    return TermLists(internal::WithoutNumberWord(words));
  }

  const std::vector<int>* TermLists(std::string_view name) const {
    if (name.empty()) return nullptr;
    auto it = c_.field_terms.find(std::string(name));
    return it == c_.field_terms.end() ? nullptr : &it->second;
  }

  // The lists of the longest trailing words of `field` that are a term of
  // the pack's field_name_suffixes list (patient_ssn, subscriberDOB,
  // patient-date-of-birth, MemberSSN_No), or null. Words as FieldNameWords
  // splits them, also without a last word that only says "number".
  const std::vector<int>* FindSuffixLists(std::string_view field) const {
    if (c_.field_suffixes.empty()) return nullptr;
    const std::string words = internal::FieldNameWords(field);
    for (std::string_view w : {std::string_view(words), internal::WithoutNumberWord(words)}) {
      for (size_t sp = w.find(' '); sp != std::string_view::npos; sp = w.find(' ', sp + 1)) {
        const std::string suffix(w.substr(sp + 1));
        if (!c_.field_suffixes.contains(suffix)) continue;
        if (const auto* lists = TermLists(suffix)) return lists;
      }
    }
    return nullptr;
  }

  // Whether a field span ending at or after the candidate, among the few
  // latest starting at or before it (`upto`: one past the last such span),
  // names `list`. Nested spans (JSON objects) are rare and shallow, so only
  // kMaxNestedFields spans are examined, never the whole history.
  bool FieldHit(int list, const Candidate& cand, const FieldSpan* upto) const {
    const FieldSpan* first = fields_.begin();
    for (int looked = 0; upto != first && looked < kMaxNestedFields; ++looked) {
      const FieldSpan& f = *--upto;
      if (cand.end <= f.end &&
          std::find(f.lists->begin(), f.lists->end(), list) != f.lists->end()) {
        return true;
      }
    }
    return false;
  }

  // Whether the candidate lies in a field named for another kind of value:
  // its innermost field, among the spans FieldHit examines, names some list
  // but none of `lists`. The innermost field is every span holding it that
  // starts where the last one does: a JSON value is declared under its own
  // key and again under its parent's ({"claim": {"ssn": ...}} names both
  // claim and ssn). Sets *own to one of them.
  bool NamedOtherwise(const Candidate& cand, const FieldSpan* upto, const std::vector<int>& lists,
                      const FieldSpan** own) const {
    const FieldSpan* first = fields_.begin();
    bool found = false;
    uint64_t start = 0;
    for (int looked = 0; upto != first && looked < kMaxNestedFields; ++looked) {
      const FieldSpan& f = *--upto;
      if (found && f.start != start) break;
      if (cand.end > f.end) continue;
      if (Names(f, lists)) return false;
      if (!found) {
        found = true;
        start = f.start;
        *own = &f;
      }
    }
    return found;
  }

  static bool Names(const FieldSpan& f, const std::vector<int>& lists) {
    for (int li : lists) {
      if (std::find(f.lists->begin(), f.lists->end(), li) != f.lists->end()) return true;
    }
    return false;
  }

  // Whether a keyword of `list` ends in [lo, hi]; `from`: the first keyword
  // hit ending at or after lo.
  bool ListHit(int list, const KeywordHit* from, uint64_t hi) const {
    for (const KeywordHit* k = from; k != keywords_.end() && k->end <= hi; ++k) {
      if (k->list == list) return true;
    }
    return false;
  }

  // Cursors into keywords_ and fields_ for candidates judged in order of
  // start: they only move forward, so judging a pass's candidates walks
  // each queue once instead of searching it per candidate.
  struct EvidenceCursor {
    const KeywordHit* keyword;  // first hit ending at or after start - max_proximity
    const FieldSpan* field;     // first span starting after start
  };

  bool EvidenceHolds(const Candidate& cand, EvidenceCursor& at) const {
    const auto& cp = c_.patterns[cand.pattern];
    if (cp.evidence.empty()) return true;
    const auto prox = static_cast<uint64_t>(cp.proximity);
    uint64_t lo = cand.start > prox ? cand.start - prox : 0;
    uint64_t hi = cand.end + prox;
    const auto max_prox = static_cast<uint64_t>(c_.max_proximity);
    const uint64_t floor = cand.start > max_prox ? cand.start - max_prox : 0;
    while (at.keyword != keywords_.end() && at.keyword->end < floor) ++at.keyword;
    while (at.field != fields_.end() && at.field->start <= cand.start) ++at.field;
    const KeywordHit* from = at.keyword;
    while (from != keywords_.end() && from->end < lo) ++from;
    const FieldSpan* upto = at.field;
    // A value inside a structured field named for another kind of value (an
    // account_no column beside an ssn column, a JSON key order_id): its name
    // says what it is, so a keyword outside the field (the other column's
    // header) is no evidence that it is this type; one inside it (a
    // free-text field) still is. Vetoes (none_of) are looked for as before.
    const FieldSpan* own = nullptr;
    const bool confined =
        NamedOtherwise(cand, upto, c_.required_lists[cp.type_index], &own);
    const uint64_t own_lo = confined ? std::max(lo, own->start) : lo;
    const uint64_t own_hi = confined ? std::min(hi, own->end) : hi;
    const KeywordHit* own_from = from;
    while (own_from != keywords_.end() && own_from->end < own_lo) ++own_from;
    for (const auto& group : cp.evidence) {
      int hits = 0;
      const bool veto = group.kind == EvidenceGroup::Kind::kNoneOf;
      for (int list : group.lists) {
        if (veto || !confined) {
          hits += (ListHit(list, from, hi) || FieldHit(list, cand, upto)) ? 1 : 0;
        } else {
          hits += ListHit(list, own_from, own_hi) ? 1 : 0;
        }
      }
      switch (group.kind) {
        case EvidenceGroup::Kind::kAnyOf:
          if (hits < 1) return false;
          break;
        case EvidenceGroup::Kind::kAtLeast:
          if (hits < group.min_lists) return false;
          break;
        case EvidenceGroup::Kind::kNoneOf:
          if (hits > 0) return false;
          break;
      }
    }
    return true;
  }

  // Where the earliest field value still waiting for the field-only regexes
  // (ConfirmFieldValues) starts; UINT64_MAX if none waits.
  uint64_t FieldValueFloor() const {
    uint64_t floor = UINT64_MAX;
    for (const auto& f : field_values_) floor = std::min(floor, f.start);
    return floor;
  }

  // Evaluates candidates whose evidence window the stream has passed; for
  // overlapping candidates of one type the highest score wins.
  void FinalizeReady(uint64_t reached) {
    if (pending_.empty()) return;
    // A field value not yet run through the field-only regexes may still
    // give candidates from its start on: those after it wait for them.
    const uint64_t floor = reached == UINT64_MAX ? UINT64_MAX : FieldValueFloor();
    auto ready = [&](const Candidate& cand) {
      return cand.ready_at <= reached && cand.start < floor;
    };
    EvidenceCursor at{keywords_.begin(), fields_.begin()};
    // Usually pending_ is in judging order already (each pass queues its
    // candidates sorted after the few left from the last), and so are its
    // ready candidates: they are judged where they are, and the rest moved
    // to the front.
    if (std::is_sorted(pending_.begin(), pending_.end(), JudgedBefore)) {
      size_t kept = 0;
      for (size_t i = 0; i < pending_.size(); ++i) {
        if (!ready(pending_[i])) {
          pending_[kept++] = pending_[i];
        } else {
          Judge(pending_[i], at);
        }
      }
      pending_.resize(kept);
      return;
    }
    ready_.clear();
    size_t kept = 0;
    for (const Candidate& cand : pending_) {
      if (ready(cand)) {
        ready_.push_back(cand);
      } else {
        pending_[kept++] = cand;
      }
    }
    pending_.resize(kept);
    std::sort(ready_.begin(), ready_.end(), JudgedBefore);
    for (const Candidate& cand : ready_) Judge(cand, at);
  }

  // One ready candidate, in judging order: dropped if its evidence does not
  // hold; of overlapping candidates of one type the highest score wins.
  void Judge(const Candidate& cand, EvidenceCursor& at) {
    if (!EvidenceHolds(cand, at)) return;
    const auto& cp = c_.patterns[cand.pattern];
    auto& held = held_[cp.type_index];
    if (held && cand.start < held->end) {
      if (Outranks(cand, *held)) *held = cand;
      return;
    }
    if (held) Emit(*held);
    held = cand;
  }

  // Drops the bytes of candidates already judged from values_, keeping those
  // still pending or held. Only once it has grown, so a pass that confirmed
  // little copies nothing.
  void CompactValues() {
    if (values_.size() < kCompactValuesAt) return;
    spare_values_.clear();
    auto keep = [&](Candidate& cand) {
      uint64_t at = spare_values_.size();
      spare_values_.append(values_, cand.value_at, cand.value_len);
      cand.value_at = at;
    };
    for (Candidate& cand : pending_) keep(cand);
    for (auto& held : held_) {
      if (held) keep(*held);
    }
    for (Candidate& cand : deferred_) keep(cand);
    values_.swap(spare_values_);
  }

  std::string_view ValueOf(const Candidate& cand) const {
    return std::string_view(values_).substr(cand.value_at, cand.value_len);
  }

  // Of two overlapping candidates of one type: the higher score, then the
  // longer span, then the earlier start. An order, not the arrival sequence,
  // so the result does not depend on where chunks happen to end.
  bool Outranks(const Candidate& a, const Candidate& b) const {
    int sa = c_.patterns[a.pattern].score, sb = c_.patterns[b.pattern].score;
    if (sa != sb) return sa > sb;
    if (a.end - a.start != b.end - b.start) return a.end - a.start > b.end - b.start;
    return a.start < b.start;
  }

  void PruneKeywords(uint64_t limit) {
    uint64_t oldest = limit > c_.max_width ? limit - c_.max_width : 0;
    for (const auto& p : pending_) oldest = std::min(oldest, p.start);
    uint64_t keep_from = oldest > static_cast<uint64_t>(c_.max_proximity)
                             ? oldest - static_cast<uint64_t>(c_.max_proximity)
                             : 0;
    while (!keywords_.empty() && keywords_.front().end < keep_from) keywords_.pop_front();
    while (!fields_.empty() && fields_.front().end < oldest) fields_.pop_front();
  }

  // Where a match of a type others yield to lies (TypeSpec::yields_to).
  struct Span {
    uint64_t start;
    uint64_t end;
    int type;
  };

  // A judged candidate to report: at once, or held back while a type it
  // yields to may still report an overlapping match.
  void Emit(const Candidate& cand) {
    const int type = c_.patterns[cand.pattern].type_index;
    if (c_.yields_to[type].empty()) {
      Deliver(cand);
      return;
    }
    deferred_.push_back(cand);
    ++deferred_of_[type];
  }

  // Reports or drops the deferred candidates whose fate is known. Every
  // candidate starting before one's end has been judged once the stream is
  // past that end by a match width, the bytes a field value may span, and
  // an evidence window (`reached`); one that a type it yields to holds
  // (held_) or defers in turn waits for that one's fate, and so do the
  // later ones of its type (each type's matches are reported in order of
  // start). All of them when `final` (yields_to has no cycles, so each
  // round settles some). Overlaps are looked up in spans sorted by start:
  // a dense export defers and reports thousands a pass.
  void ReleaseDeferred(uint64_t reached, bool final) {
    const uint64_t horizon =
        overlap_ + c_.max_width + static_cast<uint64_t>(c_.max_proximity) + 1;
    std::vector<uint8_t>& blocked = blocked_types_;
    for (bool settled = true; settled && !deferred_.empty();) {
      settled = false;
      blocked.assign(deferred_of_.size(), 0);
      SortSpans(reported_);
      waiting_.clear();  // dominant candidates still deferred, as this round starts
      for (const Candidate& d : deferred_) {
        const int type = c_.patterns[d.pattern].type_index;
        if (c_.dominant[type]) waiting_.push_back({d.start, d.end, type});
      }
      SortSpans(waiting_);
      size_t kept = 0;
      for (size_t i = 0; i < deferred_.size(); ++i) {
        const Candidate cand = deferred_[i];
        const int type = c_.patterns[cand.pattern].type_index;
        const auto& yields = c_.yields_to[type];
        bool wait = blocked[type] || (!final && reached < cand.end + horizon);
        bool dominant_deferred = false;
        for (int d : yields) {
          const auto& held = held_[d];
          wait = wait || (!final && held && held->start < cand.end && cand.start < held->end);
          dominant_deferred = dominant_deferred || deferred_of_[d] > 0;
        }
        wait = wait || (dominant_deferred && Overlapping(waiting_, cand, yields));
        if (wait) {
          blocked[type] = 1;
          deferred_[kept++] = cand;
          continue;
        }
        settled = true;
        --deferred_of_[type];
        if (!Overlapping(reported_, cand, yields)) Deliver(cand);
      }
      deferred_.resize(kept);
      if (!final) break;
    }
    PruneReported();
  }

  static void SortSpans(std::vector<Span>& spans) {
    if (!std::is_sorted(spans.begin(), spans.end(), SpanBefore)) {
      std::sort(spans.begin(), spans.end(), SpanBefore);
    }
  }
  static bool SpanBefore(const Span& a, const Span& b) { return a.start < b.start; }

  // Whether a span of `spans` (sorted by start) of one of `types` overlaps
  // `cand`. A span is at most max_width wide, so only those starting in
  // [cand.start - max_width, cand.end) are looked at.
  bool Overlapping(const std::vector<Span>& spans, const Candidate& cand,
                   const std::vector<int>& types) const {
    const uint64_t from = cand.start > c_.max_width ? cand.start - c_.max_width : 0;
    auto it = std::lower_bound(spans.begin(), spans.end(), Span{from, 0, 0}, SpanBefore);
    for (; it != spans.end() && it->start < cand.end; ++it) {
      if (it->end > cand.start && std::find(types.begin(), types.end(), it->type) != types.end()) {
        return true;
      }
    }
    return false;
  }

  // Forgets the reported dominant spans that end before anything that can
  // still be deferred could start: what is deferred, a yielding type's held
  // or pending candidate, a field value not yet run, or a match not yet
  // confirmed (from base_ on).
  void PruneReported() {
    if (reported_.empty()) return;
    uint64_t floor = base_;
    for (const auto& d : deferred_) floor = std::min(floor, d.start);
    for (const auto& p : pending_) {
      if (!c_.yields_to[c_.patterns[p.pattern].type_index].empty()) {
        floor = std::min(floor, p.start);
      }
    }
    for (size_t t = 0; t < held_.size(); ++t) {
      if (held_[t] && !c_.yields_to[t].empty()) floor = std::min(floor, held_[t]->start);
    }
    floor = std::min(floor, FieldValueFloor());
    reported_.erase(std::remove_if(reported_.begin(), reported_.end(),
                                   [&](const Span& r) { return r.end <= floor; }),
                    reported_.end());
  }

  void Deliver(const Candidate& cand) {
    const auto& cp = c_.patterns[cand.pattern];
    if (c_.dominant[cp.type_index]) reported_.push_back({cand.start, cand.end, cp.type_index});
    if (sink_ == nullptr) return;
    Match m;
    m.type_index = cp.type_index;
    m.pattern_index = cp.pattern_index;
    m.score = cp.score;
    m.start = cand.start;
    m.end = cand.end;
    m.line = cand.line;
    std::string_view value = ValueOf(cand);
    const TypeInfo& type = rules_->types()[cp.type_index];
    NormalizeValueInto(value, type.normalize, normalized_);
    m.value_hash = std::hash<std::string_view>{}(normalized_);
    if (sink_->WantsLocator(cp.type_index)) {
      m.masked = MaskForCategory(value, type.category);
      if (key_ != nullptr) m.token = key_->Tokenize(normalized_);
    }
    sink_->OnMatch(m);
  }

  std::shared_ptr<const RuleSet> rules_;
  const internal::CompiledRules& c_;
  const TokenKey* key_;
  MatcherOptions options_;
  size_t overlap_;
  uint64_t lookahead_;  // bytes held back at a chunk's end (kLookahead)
  internal::HsScratch scratch_;
  Status db_status_;  // why scratch_ is null, if it is

  MatchSink* sink_ = nullptr;
  std::vector<char> buf_;   // [0, held_len_) retained tail, then the new chunk
  uint64_t base_ = 0;       // stream offset of buf_[0]
  size_t held_len_ = 0;
  uint64_t total_ = 0;      // bytes committed so far
  uint64_t accepted_ = 0;   // match ends <= this have been processed
  uint64_t line_pos_ = 0;   // line cursor: offset and its 1-based line
  uint64_t line_no_ = 1;
  uint64_t candidates_seen_ = 0;
  uint64_t candidate_cap_ = 0;  // CandidateCap() for the bytes committed so far
  bool limit_hit_ = false;

  std::vector<HsEvent> events_;
  size_t scan_at_ = 0;  // offset in buf_ of the bytes hs_scan is scanning
  std::vector<std::pair<size_t, size_t>> windows_;  // digit (then keyword) windows of this pass
  std::vector<std::pair<uint64_t, uint64_t>> needed_;  // ScanKeywordWindows: keyword ends wanted
  std::vector<std::vector<uint64_t>> per_regex_;  // Hyperscan match ends per regex
  std::vector<uint64_t> cursor_;          // per regex: next RE2 search may not start before
  std::vector<std::unique_ptr<RE2>> re_;  // per regex: this thread's copy (Re())
  internal::Backtracker::Scratch bt_scratch_;  // Search's
  std::vector<uint8_t> gave_up_;  // per regex: backtracking searches given up in this stream
  std::unordered_map<std::string, FieldName, internal::StringHash, std::equal_to<>> field_names_;
  std::set<std::vector<int>> merged_lists_;  // FindAlternativesLists' unions
  std::vector<bool> context_seen_;        // per keyword list: occurred in this stream
  uint64_t context_limit_ = 0;            // OnContextMatch: the pass's limit
  std::vector<ExcludeSpan> exclude_spans_;  // this pass's exclude matches
  std::vector<std::pair<uint64_t, uint64_t>> veto_;  // PrepareVeto: (start, furthest end)
  const std::vector<internal::VetoBank>* banks_ = nullptr;  // PrepareVeto: its regex's
  FrontQueue<KeywordHit> keywords_;       // sorted by end
  FrontQueue<FieldSpan> fields_;          // sorted by start
  FrontQueue<FieldSpan> field_values_;    // fields awaiting the field-only regexes
  std::vector<Candidate> confirmed_;
  std::vector<size_t> runs_;          // bounds of confirmed_'s sorted runs (MergeRunsInto)
  std::vector<Candidate> merged_;     // MergeRunsInto's second buffer, reused
  std::vector<Candidate> pending_;
  std::vector<Candidate> ready_;
  std::string values_;        // matched bytes of the candidates (see Candidate)
  std::string spare_values_;  // CompactValues' second buffer, reused
  std::string normalized_;    // Deliver's normalised value, reused
  static constexpr size_t kCompactValuesAt = 64 << 10;
  std::vector<std::optional<Candidate>> held_;  // per type: last finalized, not yet emitted
  // Per type: its widest match and evidence window, from a candidate's
  // start to when it is judged (Candidate::ready_at).
  std::vector<uint64_t> judge_delay_;
  uint64_t field_floor_ = UINT64_MAX;  // FieldValueFloor() as this pass's Confirm began
  std::vector<uint64_t> cr_delay_;  // per regex: the longest judge delay of its patterns' types
  // Judged candidates of a type that yields to others (TypeSpec::yields_to),
  // not yet reported; and the recent reported spans of the types yielded to.
  std::vector<Candidate> deferred_;
  std::vector<uint32_t> deferred_of_;  // per type: how many deferred_ holds
  std::vector<Span> reported_;
  std::vector<Span> waiting_;          // ReleaseDeferred's, reused
  std::vector<uint8_t> blocked_types_;  // ReleaseDeferred's, reused
};

Matcher::Matcher(std::shared_ptr<const RuleSet> rules, const TokenKey* key,
                 MatcherOptions options)
    : impl_(std::make_unique<Impl>(std::move(rules), key, options)) {}
Matcher::~Matcher() = default;
void Matcher::Begin(MatchSink* sink) { impl_->Begin(sink); }
std::span<char> Matcher::WritableChunk() { return impl_->WritableChunk(); }
Status Matcher::Commit(size_t n) { return impl_->Commit(n); }
Status Matcher::Finish() { return impl_->Finish(); }
void Matcher::AddFieldContext(uint64_t start, uint64_t end, std::string_view field) {
  impl_->AddFieldContext(start, end, field);
}
void Matcher::AddApartSpan(uint64_t start, uint64_t end) { impl_->AddApartSpan(start, end); }
uint64_t Matcher::bytes_fed() const { return impl_->bytes_fed(); }
const RuleSet& Matcher::rules() const { return impl_->rules(); }
uint64_t Matcher::undelivered_floor() const { return impl_->undelivered_floor(); }

Status Matcher::Feed(std::string_view bytes) {
  while (!bytes.empty()) {
    auto chunk = impl_->WritableChunk();
    size_t n = std::min(chunk.size(), bytes.size());
    std::memcpy(chunk.data(), bytes.data(), n);
    bytes.remove_prefix(n);
    Status s = impl_->Commit(n);
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

}  // namespace phiscan::classifiers
