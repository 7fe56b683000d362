// Internal: a backtracking search that returns what RE2 returns, for the
// small windows in which the Matcher confirms Hyperscan's hits.
//
// RE2 finds a match's span with a forward and a reverse DFA pass, and each
// call costs about 2,500 instructions even on a 30-byte window: on a record
// export, where every cell is an identifier, that was over a quarter of the
// matcher's instructions.
// This engine tries each start in turn and, at each, the regex's choices in
// RE2's order of preference (leftmost-first, as in Perl): the first match it
// meets is the one RE2 reports. A greedy run of one byte class is one
// instruction that backs off a byte at a time, and none at all when what
// follows cannot begin with a byte of the run (`[A-Za-z0-9._%+-]{1,64}@`).
//
// It reads only syntax whose meaning it models exactly (Compile), and it
// gives up after a budget of steps proportional to the window, so a text
// that would make it backtrack at length goes to RE2 instead: the answer is
// always RE2's. The differential tests and fuzz targets compare the two.
#ifndef PHISCAN_CLASSIFIERS_INTERNAL_BACKTRACK_H_
#define PHISCAN_CLASSIFIERS_INTERNAL_BACKTRACK_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

namespace phiscan::classifiers::internal {

// \w in Hyperscan's and RE2's byte mode: what a \b boundary separates.
constexpr bool IsWordByte(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

class Backtracker {
 public:
  // One pending choice of a search (internal to Match; public so that a
  // Scratch can hold them).
  struct Frame {
    uint32_t kind;
    uint32_t pc;
    size_t a;
    size_t b;
  };
  // Per-thread working memory, reused from call to call.
  struct Scratch {
    std::vector<Frame> stack;
  };

  enum class Outcome { kNoMatch, kMatch, kGaveUp };

  // Offsets of a match and of capturing group 1; kUnset where group 1 took
  // no part in the match (or was not asked for).
  static constexpr size_t kUnset = static_cast<size_t>(-1);
  struct Spans {
    size_t start = kUnset, end = kUnset;
    size_t group_start = kUnset, group_end = kUnset;
  };

  // Null when `regex` (RE2 syntax, read as Latin-1 bytes as PatternOptions
  // compiles it) uses syntax outside the modelled subset, can match the
  // empty string, or is too large. The subset: literal bytes, escaped
  // punctuation, \d \D \w \W \s \S \b \B, \xHH, \t \n \r \f \v \a, '.',
  // bracket classes of those (not POSIX names), groups (capturing,
  // (?:...) and (?i:...)), alternation, and the quantifiers ? * + {n}
  // {n,} {n,m}, greedy or lazy. Case folding is modelled for ASCII only:
  // a (?i:...) group naming a byte above 0x7F is refused. So are a
  // repeated group that can match the empty string, where RE2 and Perl
  // part; a count with a leading zero, which RE2 reads as literal text;
  // alternatives sharing a literal start with a byte above 0x7F, whose
  // matches RE2 20220601 misses (SharedStartsAscii); and groups nested
  // past 100 levels.
  static std::unique_ptr<const Backtracker> Compile(std::string_view regex);

  // As RE2::Match(text, pos, endpos, anchor_start ? ANCHOR_START :
  // UNANCHORED, ...): the leftmost-first match starting at or after `pos`
  // (at `pos` if anchor_start) and ending at or before `endpos`. \b and \B
  // see the bytes of `text` outside [pos, endpos), as RE2 does. kGaveUp
  // when the search ran out of steps: the caller then asks RE2.
  Outcome Match(std::string_view text, size_t pos, size_t endpos, bool anchor_start,
                Spans* spans, Scratch* scratch) const;


  struct Inst {
    uint8_t op = 0;
    uint8_t byte = 0;       // kByte
    bool greedy = true;     // kRun
    bool possessive = false;  // kRun: a shorter run never leads to a match
    uint32_t cls = 0;       // kClass, kRun: index into classes_;
                            // kSplit: its two branches in branches_
    uint32_t x = 0;         // kSplit: preferred branch; kJmp: target;
                            // kSave: slot; kRun: least count
    uint32_t y = 0;         // kSplit: other branch; kRun: greatest count
  };
  using Table = std::array<bool, 256>;

  Backtracker(std::vector<Inst> prog, std::vector<Table> classes);

 private:
  static constexpr uint32_t kNone = UINT32_MAX;
  // One call's state.
  struct Search {
    const uint8_t* t = nullptr;
    size_t len = 0;
    size_t endpos = 0;
    size_t steps = 0;
    size_t budget = 0;
    std::vector<Frame>* stack = nullptr;
    Spans* spans = nullptr;
  };
  // The search from start s: the highest-preferred match starting there.
  Outcome TryAt(Search* q, size_t s) const;
  bool MayStart(const uint8_t* t, size_t s, size_t endpos) const;
  bool Resume(const uint8_t* t, size_t endpos, uint32_t* pc, size_t* p, size_t* group,
              std::vector<Frame>* stack, size_t* steps) const;

  std::vector<Inst> prog_;
  std::vector<Table> classes_;
  Table first_{};   // bytes a match can begin with
  Table second_{};  // bytes its second byte can be
  bool second_any_ = false;  // a match can be one byte long
  // A split's branch: the bytes it can begin with, and whether it can reach
  // the end of the regex without taking one.
  struct Branch {
    uint64_t bytes[4] = {0, 0, 0, 0};
    bool empty = false;
    bool MayTake(const uint8_t* t, size_t p, size_t endpos) const {
      return empty || (p < endpos && ((bytes[t[p] >> 6] >> (t[p] & 63)) & 1) != 0);
    }
  };
  std::vector<Branch> branches_;  // two per split, from Inst::cls
  // Index of a possessive run that every match begins with (after a \b and
  // lead_byte_), followed by a byte outside its class; kNone if there is none.
  uint32_t lead_run_ = kNone;
  // The lead run has one byte of a narrower class before it.
  bool lead_byte_ = false;
  bool lead_boundary_ = false;  // the program begins with \b
};

}  // namespace phiscan::classifiers::internal

#endif  // PHISCAN_CLASSIFIERS_INTERNAL_BACKTRACK_H_
