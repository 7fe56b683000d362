// Matcher: the per-thread scanner that runs a RuleSet over one text stream.
//
// Usage, per asset:
//   matcher.Begin(sink);
//   while (more) { auto buf = matcher.WritableChunk(); n = read(buf); matcher.Commit(n); }
//   matcher.Finish();
// or Feed(bytes) instead of WritableChunk/Commit when the bytes are already
// in memory. Offsets in reported matches are byte offsets from the start of
// the stream. Chunk boundaries never change what is found: the matcher keeps
// the last RuleSet::overlap_bytes() of the previous chunk, scans overlap+chunk
// with the Hyperscan prefilter, confirms each hit with RE2 in a window of at
// most kMaxPatternWidth bytes (a regex shared by several patterns is scanned
// and confirmed once), runs each pattern's validator and dictionary check on
// the value (capturing group 1 if the regex has one), and holds a candidate until
// the stream has advanced past its evidence window (the type's proximity),
// so keywords after the value count too.
//
// Sinks receive matches in order of finalisation (roughly by end offset). A
// value never leaves the matcher: a Match carries its masked shape and token.
//
// Thread safety: one Matcher per thread; it owns Hyperscan scratch and
// buffers. The RuleSet it holds is shared and immutable.
#ifndef PHISCAN_CLASSIFIERS_MATCHER_H_
#define PHISCAN_CLASSIFIERS_MATCHER_H_

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "classifiers/ruleset.h"
#include "classifiers/token.h"
#include "common/model.h"
#include "common/status.h"

namespace phiscan::classifiers {

struct Match {
  int type_index = -1;   // index into RuleSet::types()
  int pattern_index = -1;
  int score = 0;
  uint64_t start = 0;
  uint64_t end = 0;
  uint64_t line = 0;     // 1-based line of start in the stream (CountLineBreaks)
  // Set only when the sink wants the locator (MatchSink::WantsLocator):
  std::string masked;
  Token token{};
  // Every match: a plain (unkeyed) 64-bit hash of the normalized value, for
  // counting distinct values in memory. Never stored or shown.
  uint64_t value_hash = 0;
};

namespace internal {
// CountLineBreaks one byte at a time, for a few bytes (an extractor's piece
// of text), where the 16-byte blocks of CountLineBreaksLong do not pay for
// the call.
inline uint64_t CountLineBreaksShort(const char* p, const char* end, char next) {
  uint64_t n = 0;
  for (; p < end; ++p) {
    if (static_cast<unsigned char>(*p) > '\r') continue;  // most bytes: one compare
    if (*p == '\n') {
      ++n;
    } else if (*p == '\r') {
      n += (p + 1 < end ? p[1] : next) != '\n' ? 1 : 0;
    }
  }
  return n;
}
uint64_t CountLineBreaksLong(const char* p, const char* end, char next);
}  // namespace internal

// Line breaks as Match::line counts them: LF, CR LF (one break), and a CR
// with no LF after it (HL7 v2 ends its segments with a lone CR, and so did
// classic Mac OS text). Returns how many end in [p, end); the byte after
// end - 1 is taken to be `next` (pass '\n' when it is not known yet: a CR
// there is then left for the caller to count once it is).
inline uint64_t CountLineBreaks(const char* p, const char* end, char next) {
  return end - p < 32 ? internal::CountLineBreaksShort(p, end, next)
                      : internal::CountLineBreaksLong(p, end, next);
}

class MatchSink {
 public:
  virtual ~MatchSink() = default;
  virtual void OnMatch(const Match& match) = 0;
  // Whether the next match of this type will be kept as a locator and so
  // needs Match::masked and Match::token. The Matcher masks and tokenizes
  // (HMAC) only then: dense assets have millions of matches and keep 15
  // locators per type. A sink that forwards matches should forward this too.
  virtual bool WantsLocator(int type_index) const {
    (void)type_index;
    return true;
  }
  // Called by Finish(), once per keyword list that a label rule names as
  // context (`requires_keywords`) and that occurred anywhere in the stream.
  // A sink that forwards matches should forward this too.
  virtual void OnKeywordList(const std::string& list) { (void)list; }
};

struct MatcherOptions {
  size_t chunk_size = 1 << 20;            // bytes per WritableChunk()
  // Candidate matches per stream; beyond them: LimitExceeded. The cap grows
  // with the stream to one candidate per `bytes_per_candidate` bytes, so a
  // big file with realistically dense identifiers is classified to its end
  // while content that matches everywhere (a candidate every few bytes) is
  // still cut short. 0 = a fixed cap.
  uint64_t max_candidates = 1'000'000;
  uint64_t bytes_per_candidate = 64;
};

class Matcher {
 public:
  // REQUIRES: `rules` outlives nothing in particular (shared); `key` may be
  // null (tokens are then all zero) and must outlive the Matcher otherwise.
  Matcher(std::shared_ptr<const RuleSet> rules, const TokenKey* key,
          MatcherOptions options = {});
  ~Matcher();
  Matcher(const Matcher&) = delete;
  Matcher& operator=(const Matcher&) = delete;

  // Starts a new stream. REQUIRES: `sink` outlives the stream (until Finish).
  void Begin(MatchSink* sink);

  // Space for the next chunk; fill up to size() bytes then call Commit(n).
  std::span<char> WritableChunk();
  // Classifies the n bytes just written. Returns LimitExceeded once the
  // candidate cap is hit (the stream is then only partly classified; further
  // input is ignored).
  Status Commit(size_t n);

  // Copies `bytes` through WritableChunk/Commit (any length, any split).
  Status Feed(std::string_view bytes);

  // Structured evidence: declares that stream bytes [start, end) hold the
  // value of a field named `field` (a CSV column header, a JSON key, an HL7 or
  // FHIR field name). If the name equals a keyword term of some list (compared
  // case-insensitively with '_', '-', '.', '/' and whitespace runs as one
  // space; the last component of a dotted or slashed path is tried too), that
  // list counts as evidence for every candidate lying inside the span.
  // REQUIRES: spans are declared in increasing `start` order, before the
  // bytes past `end` are committed.
  void AddFieldContext(uint64_t start, uint64_t end, std::string_view field);

  // Declares stream bytes [start, end) text apart from the text around them
  // (a title row above a table's header): as a field named for no list, a
  // keyword outside it is no evidence for a candidate inside it, one inside
  // it still is. REQUIRES: as AddFieldContext, in one order with its spans.
  void AddApartSpan(uint64_t start, uint64_t end);

  // Ends the stream: the tail is classified and every pending match is
  // delivered to the sink.
  Status Finish();

  uint64_t bytes_fed() const;
  const RuleSet& rules() const;

  // Every match of the current stream not yet delivered to the sink starts at
  // or after this offset. Lets a sink that translates offsets (the scanner's
  // decoded-text-to-source map) forget everything before it.
  uint64_t undelivered_floor() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace phiscan::classifiers

#endif  // PHISCAN_CLASSIFIERS_MATCHER_H_
