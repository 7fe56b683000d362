#include "classifiers/matcher.h"

#include <algorithm>
#include <cstring>
#include <deque>
#include <optional>
#include <vector>

#include "classifiers/internal/compiled.h"

namespace phiscan::classifiers {
namespace {

// Bytes held back at the end of each chunk so that a boundary assertion at
// a match's end has seen the byte after it. Only matches ending at or before
// total - kLookahead are accepted until the stream ends.
constexpr uint64_t kLookahead = 8;

struct HsEvent {
  unsigned id;
  uint64_t end;  // absolute stream offset
};

struct KeywordHit {
  uint64_t end;  // absolute
  int list;
};

// A structured field's value span and the keyword lists its name matched.
struct FieldSpan {
  uint64_t start;
  uint64_t end;
  std::vector<int> lists;
};

// A confirmed, validated primary match waiting for its right-hand evidence.
struct Candidate {
  int pattern = 0;   // index into CompiledRules::patterns
  uint64_t start = 0;
  uint64_t end = 0;
  uint64_t ready_at = 0;  // stream must reach this offset before evidence is final
  uint64_t line = 0;
  std::string masked;
  Token token{};
};

}  // namespace

class Matcher::Impl {
 public:
  Impl(std::shared_ptr<const RuleSet> rules, const TokenKey* key, MatcherOptions options)
      : rules_(std::move(rules)),
        c_(rules_->compiled()),
        key_(key),
        options_(options),
        overlap_(rules_->overlap_bytes()) {
    hs_scratch_t* s = nullptr;
    if (hs_clone_scratch(c_.prototype_scratch.get(), &s) == HS_SUCCESS) scratch_.reset(s);
    buf_.resize(overlap_ + options_.chunk_size);
    cursor_.resize(c_.patterns.size());
    held_.resize(rules_->types().size());
  }

  void Begin(MatchSink* sink) {
    sink_ = sink;
    base_ = 0;
    held_len_ = 0;
    total_ = 0;
    accepted_ = 0;
    line_pos_ = 0;
    line_no_ = 1;
    candidates_seen_ = 0;
    limit_hit_ = false;
    keywords_.clear();
    fields_.clear();
    pending_.clear();
    std::fill(cursor_.begin(), cursor_.end(), 0);
    for (auto& h : held_) h.reset();
  }

  std::span<char> WritableChunk() { return {buf_.data() + held_len_, options_.chunk_size}; }

  void AddFieldContext(uint64_t start, uint64_t end, std::string_view field) {
    if (end <= start) return;
    const std::vector<int>* lists = FindFieldLists(field);
    if (lists == nullptr) {
      // "patient.ssn" or "Patient/identifier/ssn": try the last component.
      size_t cut = field.find_last_of("./");
      if (cut != std::string_view::npos) lists = FindFieldLists(field.substr(cut + 1));
    }
    if (lists != nullptr) fields_.push_back({start, end, *lists});
  }

  Status Commit(size_t n) {
    if (limit_hit_) return LimitStatus();
    n = std::min(n, options_.chunk_size);
    total_ += n;
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
    return limit_hit_ ? LimitStatus() : Status::Ok();
  }

  uint64_t bytes_fed() const { return total_; }
  const RuleSet& rules() const { return *rules_; }
  size_t chunk_size() const { return options_.chunk_size; }

 private:
  Status LimitStatus() const {
    return Status::LimitExceeded("more than " + std::to_string(options_.max_candidates) +
                                 " candidate matches");
  }

  static int OnHsMatch(unsigned id, unsigned long long, unsigned long long to, unsigned,
                       void* ctx) {
    auto* self = static_cast<Impl*>(ctx);
    self->events_.push_back({id, self->base_ + to});
    return 0;
  }

  // Scans buf_[0, len) and processes every match ending in (accepted_, limit].
  void Process(size_t len, bool final) {
    uint64_t limit = final ? total_ : (total_ > kLookahead ? total_ - kLookahead : 0);
    if (limit <= accepted_ || scratch_ == nullptr) return;
    events_.clear();
    hs_scan(c_.db.get(), buf_.data(), static_cast<unsigned>(len), 0, scratch_.get(), &OnHsMatch,
            this);
    std::stable_sort(events_.begin(), events_.end(),
                     [](const HsEvent& a, const HsEvent& b) { return a.end < b.end; });

    confirmed_.clear();
    // Keyword hits are positions only. Primaries are grouped per pattern.
    per_pattern_.assign(c_.patterns.size(), {});
    for (const auto& ev : events_) {
      if (ev.end <= accepted_ || ev.end > limit) continue;
      if (ev.id >= c_.keyword_base) {
        keywords_.push_back({ev.end, static_cast<int>(ev.id - c_.keyword_base)});
      } else {
        per_pattern_[ev.id].push_back(ev.end);
      }
    }
    for (size_t p = 0; p < per_pattern_.size() && !limit_hit_; ++p) {
      if (!per_pattern_[p].empty()) Confirm(static_cast<int>(p), per_pattern_[p], len, limit);
    }
    // Line numbers with one sweep in start order.
    std::sort(confirmed_.begin(), confirmed_.end(),
              [](const Candidate& a, const Candidate& b) { return a.start < b.start; });
    for (auto& cand : confirmed_) {
      cand.line = LineAt(cand.start);
      pending_.push_back(std::move(cand));
    }
    accepted_ = limit;
    FinalizeReady(final ? UINT64_MAX : limit);
    PruneKeywords(limit);
  }

  // Runs the pattern's RE2 over merged windows around Hyperscan's match ends
  // and records each exact match whose end was accepted in this pass.
  void Confirm(int p, const std::vector<uint64_t>& ends, size_t len, uint64_t limit) {
    const auto& cp = c_.patterns[p];
    const TypeInfo& type = rules_->types()[cp.type_index];
    re2::StringPiece text(buf_.data(), len);
    size_t i = 0;
    while (i < ends.size()) {
      // Window: from one byte before the widest match ending at ends[i] to
      // max_width past the last end it merges with (so a longer match that
      // extends past an early end is seen whole, not cut short).
      uint64_t ws = ends[i] > cp.max_width + 1 ? ends[i] - cp.max_width - 1 : 0;
      uint64_t we = ends[i];
      while (i < ends.size() && ends[i] <= we + cp.max_width) we = ends[i++];
      ws = std::max({ws, base_, cursor_[p]});
      uint64_t we_ext = std::min<uint64_t>(we + cp.max_width, base_ + len);
      size_t pos = ws - base_, endpos = we_ext - base_;
      re2::StringPiece m;
      while (pos < endpos &&
             cp.re->Match(text, pos, endpos, RE2::UNANCHORED, &m, 1)) {
        size_t s = m.data() - buf_.data(), t = s + m.size();
        uint64_t t_abs = base_ + t;
        if (t_abs > limit) break;  // found again, whole, in a later pass
        pos = t > s ? t : s + 1;
        if (t_abs <= accepted_) continue;  // accepted in an earlier pass
        cursor_[p] = t_abs;
        std::string_view value(buf_.data() + s, t - s);
        if (cp.validator != nullptr && !cp.validator(value)) continue;
        if (++candidates_seen_ > options_.max_candidates) {
          limit_hit_ = true;
          return;
        }
        Candidate cand;
        cand.pattern = p;
        cand.start = base_ + s;
        cand.end = t_abs;
        cand.ready_at = t_abs + static_cast<uint64_t>(type.proximity);
        cand.masked = MaskValue(value);
        if (key_ != nullptr) cand.token = key_->Tokenize(NormalizeValue(value, type.normalize));
        confirmed_.push_back(std::move(cand));
      }
    }
  }

  // 1-based line of absolute offset `pos`, which must lie in the buffer.
  uint64_t LineAt(uint64_t pos) {
    const char* b = buf_.data();
    if (pos >= line_pos_) {
      line_no_ += std::count(b + (line_pos_ - base_), b + (pos - base_), '\n');
    } else {
      line_no_ -= std::count(b + (pos - base_), b + (line_pos_ - base_), '\n');
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

  const std::vector<int>* FindFieldLists(std::string_view field) const {
    auto it = c_.field_terms.find(internal::NormalizeFieldName(field));
    return it == c_.field_terms.end() ? nullptr : &it->second;
  }

  bool FieldHit(int list, const Candidate& cand) const {
    for (const auto& f : fields_) {
      if (f.start > cand.start) break;
      if (cand.end <= f.end &&
          std::find(f.lists.begin(), f.lists.end(), list) != f.lists.end()) {
        return true;
      }
    }
    return false;
  }

  bool ListHit(int list, uint64_t lo, uint64_t hi) const {
    auto it = std::lower_bound(keywords_.begin(), keywords_.end(), lo,
                               [](const KeywordHit& k, uint64_t v) { return k.end < v; });
    for (; it != keywords_.end() && it->end <= hi; ++it) {
      if (it->list == list) return true;
    }
    return false;
  }

  bool EvidenceHolds(const Candidate& cand) const {
    const auto& cp = c_.patterns[cand.pattern];
    const auto prox = static_cast<uint64_t>(rules_->types()[cp.type_index].proximity);
    uint64_t lo = cand.start > prox ? cand.start - prox : 0;
    uint64_t hi = cand.end + prox;
    for (const auto& group : cp.evidence) {
      int hits = 0;
      for (int list : group.lists) {
        hits += (ListHit(list, lo, hi) || FieldHit(list, cand)) ? 1 : 0;
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

  // Evaluates candidates whose evidence window the stream has passed; for
  // overlapping candidates of one type the highest score wins.
  void FinalizeReady(uint64_t reached) {
    if (pending_.empty()) return;
    std::stable_sort(pending_.begin(), pending_.end(),
                     [](const Candidate& a, const Candidate& b) { return a.ready_at < b.ready_at; });
    size_t n = 0;
    while (n < pending_.size() && pending_[n].ready_at <= reached) ++n;
    ready_.assign(std::make_move_iterator(pending_.begin()),
                  std::make_move_iterator(pending_.begin() + n));
    pending_.erase(pending_.begin(), pending_.begin() + n);
    std::sort(ready_.begin(), ready_.end(), [](const Candidate& a, const Candidate& b) {
      return a.start != b.start ? a.start < b.start : a.end > b.end;
    });
    for (auto& cand : ready_) {
      if (!EvidenceHolds(cand)) continue;
      const auto& cp = c_.patterns[cand.pattern];
      auto& held = held_[cp.type_index];
      if (held && cand.start < held->end) {
        if (cp.score > c_.patterns[held->pattern].score) *held = std::move(cand);
        continue;
      }
      if (held) Emit(*held);
      held = std::move(cand);
    }
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

  void Emit(const Candidate& cand) {
    if (sink_ == nullptr) return;
    const auto& cp = c_.patterns[cand.pattern];
    Match m;
    m.type_index = cp.type_index;
    m.pattern_index = cp.pattern_index;
    m.score = cp.score;
    m.start = cand.start;
    m.end = cand.end;
    m.line = cand.line;
    m.masked = cand.masked;
    m.token = cand.token;
    sink_->OnMatch(m);
  }

  std::shared_ptr<const RuleSet> rules_;
  const internal::CompiledRules& c_;
  const TokenKey* key_;
  MatcherOptions options_;
  size_t overlap_;
  internal::HsScratch scratch_;

  MatchSink* sink_ = nullptr;
  std::vector<char> buf_;   // [0, held_len_) retained tail, then the new chunk
  uint64_t base_ = 0;       // stream offset of buf_[0]
  size_t held_len_ = 0;
  uint64_t total_ = 0;      // bytes committed so far
  uint64_t accepted_ = 0;   // match ends <= this have been processed
  uint64_t line_pos_ = 0;   // line cursor: offset and its 1-based line
  uint64_t line_no_ = 1;
  uint64_t candidates_seen_ = 0;
  bool limit_hit_ = false;

  std::vector<HsEvent> events_;
  std::vector<std::vector<uint64_t>> per_pattern_;
  std::vector<uint64_t> cursor_;          // per pattern: next RE2 search may not start before
  std::deque<KeywordHit> keywords_;       // sorted by end
  std::deque<FieldSpan> fields_;          // sorted by start
  std::vector<Candidate> confirmed_;
  std::vector<Candidate> pending_;
  std::vector<Candidate> ready_;
  std::vector<std::optional<Candidate>> held_;  // per type: last finalized, not yet emitted
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
uint64_t Matcher::bytes_fed() const { return impl_->bytes_fed(); }
const RuleSet& Matcher::rules() const { return impl_->rules(); }

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
