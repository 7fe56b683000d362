#include "classifiers/internal/backtrack.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <optional>
#include <utility>

#include "classifiers/internal/digit_gate.h"

namespace phiscan::classifiers::internal {
namespace {

using Table = Backtracker::Table;
using Inst = Backtracker::Inst;

enum Op : uint8_t { kByte, kClass, kRun, kSplit, kJmp, kSave, kBoundary, kNonBoundary, kMatch };

// Kinds of Backtracker::Frame.
enum FrameKind : uint32_t {
  kTry,      // resume at pc, position a
  kRestore,  // group slot pc was a
  kShorter,  // greedy run at pc: least end a, current end b
  kLonger,   // lazy run at pc: current end a, greatest end b
};

constexpr size_t kMaxInsts = 20000;
constexpr int kMaxDepth = 100;  // nested groups
constexpr int kMaxRepeat = 1000;  // RE2's limit
constexpr uint32_t kNoBound = UINT32_MAX;

// Budget of a search: steps per byte of the window, plus a constant, up to
// a cap. A search that needs more goes to RE2, whose time is linear in the
// window.
constexpr size_t kStepsPerByte = 16;
constexpr size_t kBaseSteps = 512;
constexpr size_t kMaxSteps = 1 << 15;

constexpr std::array<bool, 256> kWordTable = [] {
  std::array<bool, 256> t{};
  for (int b = 0; b < 256; ++b) t[static_cast<size_t>(b)] = IsWordByte(static_cast<uint8_t>(b));
  return t;
}();

Table Range(int lo, int hi) {
  Table t{};
  for (int b = lo; b <= hi; ++b) t[static_cast<size_t>(b)] = true;
  return t;
}

void Add(Table* to, const Table& from) {
  for (size_t b = 0; b < 256; ++b) to->at(b) = to->at(b) || from[b];
}

// The one byte `t` holds, or -1 if it holds none or several.
int OnlyByte(const Table& t) {
  if (std::count(t.begin(), t.end(), true) != 1) return -1;
  return static_cast<int>(std::find(t.begin(), t.end(), true) - t.begin());
}

Table Negate(const Table& t) {
  Table out{};
  for (size_t b = 0; b < 256; ++b) out[b] = !t[b];
  return out;
}

// As RE2 reads them (Perl classes, ASCII only).
Table Digit() { return Range('0', '9'); }
Table Word() {
  Table t = Range('0', '9');
  Add(&t, Range('A', 'Z'));
  Add(&t, Range('a', 'z'));
  t['_'] = true;
  return t;
}
Table Space() {
  Table t{};
  for (char c : {'\t', '\n', '\f', '\r', ' '}) t[static_cast<unsigned char>(c)] = true;
  return t;
}

// Adds the other case of each ASCII letter. With case folding on, a class
// naming some bytes above 0x7F but not all of them is refused: RE2 folds
// Latin-1 letters too, which this engine does not model.
std::optional<Table> Fold(Table t) {
  int high = 0;
  for (size_t b = 0x80; b < 256; ++b) high += t[b] ? 1 : 0;
  if (high != 0 && high != 0x80) return std::nullopt;
  for (size_t b = 'A'; b <= 'Z'; ++b) {
    const bool either = t[b] || t[b + 32];
    t[b] = t[b + 32] = either;
  }
  return t;
}

struct Node {
  enum Kind : uint8_t { kClass, kEmpty, kConcat, kAlt, kRepeat, kCapture, kBoundary, kNonBoundary };
  Kind kind = kEmpty;
  bool greedy = true;
  int min = 0, max = 0;  // kRepeat; max -1: no bound
  int index = 0;         // kClass: class table; kCapture: group number
  std::vector<int> kids;
};

// Reads a regex into Nodes; any syntax outside the subset ends the reading
// with nullopt.
class Parser {
 public:
  explicit Parser(std::string_view s) : s_(s) {}

  std::optional<int> Whole() {
    auto n = Alternation();
    if (!n || at_ != s_.size()) return std::nullopt;
    return n;
  }

  std::vector<Node> nodes;
  std::vector<Table> classes;

 private:
  int Make(Node n) {
    nodes.push_back(std::move(n));
    return static_cast<int>(nodes.size() - 1);
  }
  // A class node; equal classes share one table (a list of names is
  // thousands of letters, each a class of one byte).
  int MakeClass(const Table& t) {
    auto [it, fresh] = class_index_.emplace(t, static_cast<int>(classes.size()));
    if (fresh) classes.push_back(t);
    Node n;
    n.kind = Node::kClass;
    n.index = it->second;
    return Make(std::move(n));
  }
  bool More() const { return at_ < s_.size(); }
  char Peek() const { return s_[at_]; }

  std::optional<int> Alternation() {
    Node alt;
    alt.kind = Node::kAlt;
    for (;;) {
      auto c = Concatenation();
      if (!c) return std::nullopt;
      alt.kids.push_back(*c);
      if (!More() || Peek() != '|') break;
      ++at_;
    }
    if (alt.kids.size() == 1) return alt.kids[0];
    return Make(std::move(alt));
  }

  std::optional<int> Concatenation() {
    Node cat;
    cat.kind = Node::kConcat;
    while (More() && Peek() != '|' && Peek() != ')') {
      auto r = Repetition();
      if (!r) return std::nullopt;
      cat.kids.push_back(*r);
    }
    if (cat.kids.empty()) return Make(Node{});
    if (cat.kids.size() == 1) return cat.kids[0];
    return Make(std::move(cat));
  }

  std::optional<int> Repetition() {
    auto atom = Atom();
    if (!atom || !More()) return atom;
    int min = 0, max = 0;
    switch (Peek()) {
      case '?': min = 0, max = 1; break;
      case '*': min = 0, max = -1; break;
      case '+': min = 1, max = -1; break;
      case '{':
        if (!Counts(&min, &max)) return std::nullopt;
        break;
      default: return atom;
    }
    ++at_;  // Counts leaves at_ on the '}'
    bool greedy = true;
    if (More() && Peek() == '?') {
      greedy = false;
      ++at_;
    }
    // Stacked quantifiers (RE2 refuses most of them) are refused here.
    if (More() && std::string_view("?*+{").find(Peek()) != std::string_view::npos) {
      return std::nullopt;
    }
    Node rep;
    rep.kind = Node::kRepeat;
    rep.min = min;
    rep.max = max;
    rep.greedy = greedy;
    rep.kids = {*atom};
    return Make(std::move(rep));
  }

  // {n}, {n,} or {n,m} at at_; leaves at_ on the closing brace.
  bool Counts(int* min, int* max) {
    size_t i = at_ + 1;
    auto number = [&](int* out) {
      size_t digits = 0;
      int n = 0;
      while (i < s_.size() && s_[i] >= '0' && s_[i] <= '9' && digits < 4) {
        n = n * 10 + (s_[i++] - '0');
        ++digits;
      }
      *out = n;
      // RE2 reads "{01}" as literal text, not as a count.
      const bool leading_zero = digits > 1 && s_[i - digits] == '0';
      return digits > 0 && !leading_zero && n <= kMaxRepeat;
    };
    if (!number(min)) return false;
    *max = *min;
    if (i < s_.size() && s_[i] == ',') {
      ++i;
      if (i < s_.size() && s_[i] == '}') {
        *max = -1;
      } else if (!number(max) || *max < *min) {
        return false;
      }
    }
    if (i >= s_.size() || s_[i] != '}') return false;
    at_ = i;
    return true;
  }

  std::optional<int> Atom() {
    const char c = s_[at_++];
    switch (c) {
      case '(': return Group();
      case '[': return Bracket();
      case '.': return Literal(Negate(Range('\n', '\n')));
      case '\\': {
        if (More() && (Peek() == 'b' || Peek() == 'B')) {
          Node n;
          n.kind = s_[at_++] == 'b' ? Node::kBoundary : Node::kNonBoundary;
          return Make(std::move(n));
        }
        auto t = Escape();
        if (!t) return std::nullopt;
        return Literal(*t);
      }
      default:
        if (std::string_view("^$|)?*+{}]").find(c) != std::string_view::npos) return std::nullopt;
        return Literal(Range(static_cast<unsigned char>(c), static_cast<unsigned char>(c)));
    }
  }

  std::optional<int> Literal(const Table& t) {
    if (!fold_) return MakeClass(t);
    auto folded = Fold(t);
    if (!folded) return std::nullopt;
    return MakeClass(*folded);
  }

  std::optional<int> Group() {
    // Deep nesting is refused rather than recursed into (RE2 allows 1,000
    // levels; the passes over the tree recurse once per level).
    if (++depth_ > kMaxDepth) return std::nullopt;
    struct Leave {
      int& depth;
      ~Leave() { --depth; }
    } leave{depth_};
    bool capture = true, fold = fold_;
    if (More() && Peek() == '?') {
      if (s_.substr(at_, 2) == "?:") {
        at_ += 2;
      } else if (s_.substr(at_, 3) == "?i:") {
        at_ += 3;
        fold = true;
      } else {
        return std::nullopt;
      }
      capture = false;
    }
    const int group = capture ? ++groups_ : 0;
    const bool outer = fold_;
    fold_ = fold;
    auto inner = Alternation();
    fold_ = outer;
    if (!inner || !More() || Peek() != ')') return std::nullopt;
    ++at_;
    if (!capture) return inner;
    Node n;
    n.kind = Node::kCapture;
    n.index = group;
    n.kids = {*inner};
    return Make(std::move(n));
  }

  // After a backslash, outside or inside a class: the bytes it stands for.
  std::optional<Table> Escape() {
    if (!More()) return std::nullopt;
    const char c = s_[at_++];
    switch (c) {
      case 'd': return Digit();
      case 'D': return Negate(Digit());
      case 'w': return Word();
      case 'W': return Negate(Word());
      case 's': return Space();
      case 'S': return Negate(Space());
      case 'n': return Range('\n', '\n');
      case 't': return Range('\t', '\t');
      case 'r': return Range('\r', '\r');
      case 'f': return Range('\f', '\f');
      case 'v': return Range('\v', '\v');
      case 'a': return Range('\a', '\a');
      case 'x': {
        const int value = HexByte(s_, at_);
        if (value < 0) return std::nullopt;
        at_ += 2;
        return Range(value, value);
      }
      default: {
        const auto u = static_cast<unsigned char>(c);
        // Escaped punctuation (and space) is the byte itself.
        const bool punct = u >= 0x20 && u < 0x7F && !IsWordByte(u);
        if (!punct && c != '_') return std::nullopt;
        return Range(u, u);
      }
    }
  }

  // One member of a bracket class as a single byte (-1 for a class escape
  // such as \d, in *set).
  std::optional<int> Member(Table* set) {
    const char c = s_[at_++];
    if (c == '[') return std::nullopt;  // POSIX names, or a '[' RE2 may read otherwise
    if (c != '\\') return static_cast<unsigned char>(c);
    if (More() && (Peek() == 'b' || Peek() == 'B')) return std::nullopt;
    auto t = Escape();
    if (!t) return std::nullopt;
    const int b = OnlyByte(*t);
    if (b < 0) *set = *t;
    return b;
  }

  std::optional<int> Bracket() {
    bool negated = false;
    if (More() && Peek() == '^') {
      negated = true;
      ++at_;
    }
    // A ']' or '-' first is a member to RE2; refused here rather than
    // modelled.
    if (!More() || Peek() == ']') return std::nullopt;
    Table t{};
    bool first = true;
    while (More() && Peek() != ']') {
      if (Peek() == '-' && !first && at_ + 1 < s_.size() && s_[at_ + 1] != ']') {
        return std::nullopt;  // a '-' that is neither first, last nor a range's
      }
      Table set{};
      auto lo = Member(&set);
      if (!lo) return std::nullopt;
      first = false;
      if (*lo < 0) {
        Add(&t, set);
        continue;
      }
      int hi = *lo;
      if (More() && Peek() == '-' && at_ + 1 < s_.size() && s_[at_ + 1] != ']') {
        ++at_;
        auto h = Member(&set);
        if (!h || *h < 0 || *h < *lo) return std::nullopt;
        hi = *h;
      }
      Add(&t, Range(*lo, hi));
    }
    if (!More()) return std::nullopt;
    ++at_;  // ']'
    if (fold_) {
      auto folded = Fold(t);
      if (!folded) return std::nullopt;
      t = *folded;
    }
    return MakeClass(negated ? Negate(t) : t);
  }

  std::string_view s_;
  size_t at_ = 0;
  bool fold_ = false;
  int groups_ = 0;
  int depth_ = 0;
  std::map<Table, int> class_index_;
};

bool Nullable(const std::vector<Node>& nodes, int i) {
  const Node& n = nodes[static_cast<size_t>(i)];
  switch (n.kind) {
    case Node::kClass: return false;
    case Node::kEmpty:
    case Node::kBoundary:
    case Node::kNonBoundary: return true;
    case Node::kConcat:
      return std::all_of(n.kids.begin(), n.kids.end(), [&](int k) { return Nullable(nodes, k); });
    case Node::kAlt:
      return std::any_of(n.kids.begin(), n.kids.end(), [&](int k) { return Nullable(nodes, k); });
    case Node::kRepeat: return n.min == 0 || Nullable(nodes, n.kids[0]);
    case Node::kCapture: return Nullable(nodes, n.kids[0]);
  }
  return true;
}

// The literal bytes node i begins with: single-byte classes at the start of
// a concatenation (a group inside it included).
void LeadingLiterals(const std::vector<Node>& nodes, const std::vector<Table>& classes, int i,
                     std::vector<int>* out, bool* stopped) {
  const Node& n = nodes[static_cast<size_t>(i)];
  if (n.kind == Node::kClass) {
    const int b = OnlyByte(classes[static_cast<size_t>(n.index)]);
    if (b >= 0) {
      out->push_back(b);
      return;
    }
  }
  if (n.kind == Node::kConcat) {
    for (int k : n.kids) {
      LeadingLiterals(nodes, classes, k, out, stopped);
      if (*stopped) return;
    }
    return;
  }
  *stopped = true;
}

// RE2 20220601 (Debian 12's) merges the literal start that adjacent
// alternatives share and then looks for it in its UTF-8 spelling, not as
// Latin-1 bytes: an unanchored search of \xE9b|\xE9c misses "\xE9c". A
// regex with such a shared start holding a byte above 0x7F is left to RE2,
// whose answer (a miss) this engine would not give.
bool SharedStartsAscii(const std::vector<Node>& nodes, const std::vector<Table>& classes, int i) {
  const Node& n = nodes[static_cast<size_t>(i)];
  if (n.kind == Node::kAlt) {
    std::vector<int> prev;
    for (size_t k = 0; k < n.kids.size(); ++k) {
      std::vector<int> lead;
      bool stopped = false;
      LeadingLiterals(nodes, classes, n.kids[k], &lead, &stopped);
      for (size_t j = 0; k > 0 && j < std::min(prev.size(), lead.size()) && prev[j] == lead[j];
           ++j) {
        if (lead[j] >= 0x80) return false;
      }
      prev = std::move(lead);
    }
  }
  return std::all_of(n.kids.begin(), n.kids.end(),
                     [&](int k) { return SharedStartsAscii(nodes, classes, k); });
}

// Refuses a repeated node (more than once) that can match the empty string:
// RE2 and a backtracker treat an empty iteration differently.
bool LoopsSafe(const std::vector<Node>& nodes, int i) {
  const Node& n = nodes[static_cast<size_t>(i)];
  if (n.kind == Node::kRepeat && n.max != 0 && n.max != 1 && Nullable(nodes, n.kids[0])) {
    return false;
  }
  return std::all_of(n.kids.begin(), n.kids.end(), [&](int k) { return LoopsSafe(nodes, k); });
}

// Emits the program of a Node tree: a split prefers its x branch, so the
// program tries choices in RE2's order of preference.
class Emitter {
 public:
  Emitter(const std::vector<Node>& nodes, const std::vector<Table>& classes)
      : nodes_(nodes), classes_(classes) {}

  bool Emit(int i) {
    if (prog.size() > kMaxInsts) return false;
    const Node& n = nodes_[static_cast<size_t>(i)];
    switch (n.kind) {
      case Node::kEmpty: return true;
      case Node::kClass: {
        Inst in;
        const int b = OnlyByte(classes_[static_cast<size_t>(n.index)]);
        if (b >= 0) {
          in.op = kByte;
          in.byte = static_cast<uint8_t>(b);
        } else {
          in.op = kClass;
          in.cls = static_cast<uint32_t>(n.index);
        }
        prog.push_back(in);
        return true;
      }
      case Node::kBoundary:
      case Node::kNonBoundary: {
        Inst in;
        in.op = n.kind == Node::kBoundary ? kBoundary : kNonBoundary;
        prog.push_back(in);
        return true;
      }
      case Node::kConcat:
        return std::all_of(n.kids.begin(), n.kids.end(), [&](int k) { return Emit(k); });
      case Node::kCapture: {
        // Only group 1 is reported; other groups need no slots.
        if (n.index != 1) return Emit(n.kids[0]);
        Save(2);
        if (!Emit(n.kids[0])) return false;
        Save(3);
        return true;
      }
      case Node::kAlt: {
        std::vector<size_t> jumps;
        for (size_t k = 0; k + 1 < n.kids.size(); ++k) {
          const size_t split = Split();
          prog[split].x = Here();
          if (!Emit(n.kids[k])) return false;
          jumps.push_back(prog.size());
          Inst jmp;
          jmp.op = kJmp;
          prog.push_back(jmp);
          prog[split].y = Here();
        }
        if (!Emit(n.kids.back())) return false;
        for (size_t j : jumps) prog[j].x = Here();
        return true;
      }
      case Node::kRepeat: return Repeat(n);
    }
    return false;
  }

  std::vector<Inst> prog;

 private:
  uint32_t Here() const { return static_cast<uint32_t>(prog.size()); }
  void Save(uint32_t slot) {
    Inst in;
    in.op = kSave;
    in.x = slot;
    prog.push_back(in);
  }
  size_t Split() {
    Inst in;
    in.op = kSplit;
    prog.push_back(in);
    return prog.size() - 1;
  }
  // A split whose preferred branch is the next instruction (greedy) or `out`.
  void Prefer(size_t split, bool greedy, uint32_t body, uint32_t out) {
    prog[split].x = greedy ? body : out;
    prog[split].y = greedy ? out : body;
  }

  bool Repeat(const Node& n) {
    const Node& body = nodes_[static_cast<size_t>(n.kids[0])];
    if (body.kind == Node::kClass) {
      Inst in;
      in.op = kRun;
      in.cls = static_cast<uint32_t>(body.index);
      in.x = static_cast<uint32_t>(n.min);
      in.y = n.max < 0 ? kNoBound : static_cast<uint32_t>(n.max);
      in.greedy = n.greedy;
      prog.push_back(in);
      return true;
    }
    for (int k = 0; k < n.min; ++k) {
      if (!Emit(n.kids[0])) return false;
    }
    if (n.max < 0) {
      // loop: split(body, out); body; jmp loop
      const size_t loop = Split();
      if (!Emit(n.kids[0])) return false;
      Inst jmp;
      jmp.op = kJmp;
      jmp.x = static_cast<uint32_t>(loop);
      prog.push_back(jmp);
      Prefer(loop, n.greedy, static_cast<uint32_t>(loop + 1), Here());
      return true;
    }
    // Nested optional copies, as RE2 expands x{n,m}: x(x(x)?)?, each split
    // leaving for the common end.
    std::vector<size_t> splits;
    for (int k = n.min; k < n.max; ++k) {
      splits.push_back(Split());
      if (!Emit(n.kids[0])) return false;
    }
    for (size_t s : splits) Prefer(s, n.greedy, static_cast<uint32_t>(s + 1), Here());
    return true;
  }

  const std::vector<Node>& nodes_;
  const std::vector<Table>& classes_;
};

// True if every byte of `a` is in `b`.
bool Within(const Table& a, const Table& b) {
  for (size_t c = 0; c < a.size(); ++c) {
    if (a[c] && !b[c]) return false;
  }
  return true;
}

bool Intersect(const Table& a, const Table& b) {
  for (size_t i = 0; i < 256; ++i) {
    if (a[i] && b[i]) return true;
  }
  return false;
}

// The bytes the instructions reachable from pc without consuming can
// consume first, and whether a match is reachable so (through zero-width
// instructions and runs that may take nothing).
struct Follow {
  Table bytes{};
  bool match = false;
  std::vector<uint32_t> takers;  // the consuming instructions reached
};

Follow FollowFrom(const std::vector<Inst>& prog, const std::vector<Table>& classes, uint32_t pc) {
  Follow f;
  std::vector<bool> seen(prog.size() + 1, false);
  std::vector<uint32_t> todo = {pc};
  while (!todo.empty()) {
    const uint32_t at = todo.back();
    todo.pop_back();
    if (at >= prog.size() || seen[at]) continue;
    seen[at] = true;
    const Inst& in = prog[at];
    if (in.op == kByte || in.op == kClass || in.op == kRun) f.takers.push_back(at);
    switch (in.op) {
      case kByte: f.bytes[in.byte] = true; break;
      case kClass: Add(&f.bytes, classes[in.cls]); break;
      case kRun:
        Add(&f.bytes, classes[in.cls]);
        if (in.x == 0) todo.push_back(at + 1);
        break;
      case kSplit:
        todo.push_back(in.x);
        todo.push_back(in.y);
        break;
      case kJmp: todo.push_back(in.x); break;
      case kSave:
      case kBoundary:
      case kNonBoundary: todo.push_back(at + 1); break;
      case kMatch: f.match = true; break;
    }
  }
  return f;
}

bool Boundary(const uint8_t* t, size_t len, size_t p) {
  const bool before = p > 0 && kWordTable[t[p - 1]];
  const bool after = p < len && kWordTable[t[p]];
  return before != after;
}

}  // namespace

Backtracker::Backtracker(std::vector<Inst> prog, std::vector<Table> classes)
    : prog_(std::move(prog)), classes_(std::move(classes)) {
  // A greedy run is possessive when no path after it can take the byte it
  // would give back, nor match without taking one: every shorter run fails.
  for (uint32_t pc = 0; pc < prog_.size(); ++pc) {
    Inst& in = prog_[pc];
    if (in.op != kRun || !in.greedy) continue;
    const Follow f = FollowFrom(prog_, classes_, pc + 1);
    in.possessive = !f.match && !Intersect(f.bytes, classes_[in.cls]);
  }
  const Follow start = FollowFrom(prog_, classes_, 0);
  first_ = start.bytes;
  // The bytes a match's second byte can be: after each instruction that can
  // take the first, what follows it (and, for a run, more of the run). A
  // match one byte long leaves the second byte free.
  for (uint32_t at : start.takers) {
    const Inst& in = prog_[at];
    if (in.op == kRun && in.y != 1) Add(&second_, classes_[in.cls]);
    const Follow next = FollowFrom(prog_, classes_, at + 1);
    Add(&second_, next.bytes);
    if (next.match) second_any_ = true;
  }
  // Each split's branches with the bytes they can begin with: a branch that
  // cannot take the next byte (nor match without taking one) is not tried.
  for (uint32_t pc = 0; pc < prog_.size(); ++pc) {
    Inst& in = prog_[pc];
    if (in.op != kSplit) continue;
    in.cls = static_cast<uint32_t>(branches_.size());
    for (uint32_t to : {in.x, in.y}) {
      const Follow f = FollowFrom(prog_, classes_, to);
      Branch b;
      b.empty = f.match;
      for (size_t c = 0; c < 256; ++c) {
        if (f.bytes[c]) b.bytes[c / 64] |= uint64_t{1} << (c % 64);
      }
      branches_.push_back(b);
    }
  }
  // A lead run: [\b] [one byte of B, B within C] run-of-C byte-not-in-C ...
  // (an e-mail address's first character, the rest of its local part and
  // '@').
  lead_boundary_ = prog_[0].op == kBoundary;
  const uint32_t b = lead_boundary_ ? 1 : 0;
  const bool byte = b + 1 < prog_.size() && prog_[b].op == kClass && prog_[b + 1].op == kRun &&
                    Within(classes_[prog_[b].cls], classes_[prog_[b + 1].cls]);
  const uint32_t r = b + (byte ? 1 : 0);
  if (r + 1 < prog_.size() && prog_[r].op == kRun && prog_[r].greedy && prog_[r].possessive &&
      prog_[r + 1].op == kByte && !classes_[prog_[r].cls][prog_[r + 1].byte]) {
    lead_run_ = r;
    lead_byte_ = byte;
  }
}

std::unique_ptr<const Backtracker> Backtracker::Compile(std::string_view regex) {
  Parser parser(regex);
  auto root = parser.Whole();
  if (!root || Nullable(parser.nodes, *root) || !LoopsSafe(parser.nodes, *root)) return nullptr;
  if (!SharedStartsAscii(parser.nodes, parser.classes, *root)) return nullptr;
  Emitter emitter(parser.nodes, parser.classes);
  if (!emitter.Emit(*root) || emitter.prog.size() >= kMaxInsts) return nullptr;
  Inst match;
  match.op = kMatch;
  emitter.prog.push_back(match);
  return std::make_unique<const Backtracker>(std::move(emitter.prog), std::move(parser.classes));
}

// Takes the most recent pending choice: sets *pc and *p to where the search
// goes on, restoring group slots on the way. False when none is left.
bool Backtracker::Resume(const uint8_t* t, size_t endpos, uint32_t* pc, size_t* p, size_t* group,
                         std::vector<Frame>* stack, size_t* steps) const {
  while (!stack->empty()) {
    ++*steps;
    Frame& f = stack->back();
    switch (f.kind) {
      case kTry:
        *pc = f.pc;
        *p = f.a;
        stack->pop_back();
        return true;
      case kRestore:
        group[f.pc - 2] = f.a;
        stack->pop_back();
        continue;
      case kShorter:
        // One byte less; the frame stays while a shorter run is left.
        *pc = f.pc + 1;
        *p = --f.b;
        if (f.b == f.a) stack->pop_back();
        return true;
      case kLonger: {
        const Inst& in = prog_[f.pc];
        if (f.a < f.b && f.a < endpos && classes_[in.cls][t[f.a]]) {
          *pc = f.pc + 1;
          *p = ++f.a;
          return true;
        }
        stack->pop_back();
        continue;
      }
    }
  }
  return false;
}

// Most starts fail on their first two bytes or on a leading \b: these are
// checked before the search proper.
inline bool Backtracker::MayStart(const uint8_t* t, size_t s, size_t endpos) const {
  if (!first_[t[s]]) return false;
  if (!second_any_ && (s + 1 >= endpos || !second_[t[s + 1]])) return false;
  return !lead_boundary_ || kWordTable[t[s]] != (s > 0 && kWordTable[t[s - 1]]);
}

Backtracker::Outcome Backtracker::Match(std::string_view text, size_t pos, size_t endpos,
                                        bool anchor_start, Spans* spans, Scratch* scratch) const {
  Search q;
  q.t = reinterpret_cast<const uint8_t*>(text.data());
  q.len = text.size();
  // RE2 refuses such a pair (and logs it).
  if (pos > endpos || endpos > q.len) return Outcome::kNoMatch;
  q.endpos = endpos;
  q.budget = std::min(kMaxSteps, kBaseSteps + kStepsPerByte * (endpos - pos));
  q.stack = &scratch->stack;
  q.spans = spans;
  if (anchor_start) {
    return pos < q.endpos && MayStart(q.t, pos, q.endpos) ? TryAt(&q, pos) : Outcome::kNoMatch;
  }
  if (lead_run_ != kNone) {
    // Every match is a run of the lead class ending at the byte after it,
    // which the class lacks: only the starts in the run before each
    // occurrence of that byte can match.
    const Inst& run = prog_[lead_run_];
    const Table& cls = classes_[run.cls];
    const uint8_t stop = prog_[lead_run_ + 1].byte;
    // A lead byte is one more byte of the run's class (MayStart checks its own).
    const size_t lead = lead_byte_ ? 1 : 0;
    for (size_t from = pos; from < q.endpos;) {
      const void* hit = std::memchr(q.t + from, stop, q.endpos - from);
      if (hit == nullptr) break;
      const size_t a = static_cast<size_t>(static_cast<const uint8_t*>(hit) - q.t);
      size_t s = a;
      while (s > pos && cls[q.t[s - 1]] && (run.y == kNoBound || a - s < run.y + lead)) --s;
      for (; s + lead + run.x <= a; ++s) {
        if (!MayStart(q.t, s, q.endpos)) continue;
        if (const Outcome o = TryAt(&q, s); o != Outcome::kNoMatch) return o;
      }
      from = a + 1;
    }
    return Outcome::kNoMatch;
  }
  for (size_t s = pos; s < q.endpos; ++s) {
    if (!MayStart(q.t, s, q.endpos)) continue;
    if (const Outcome o = TryAt(&q, s); o != Outcome::kNoMatch) return o;
  }
  return Outcome::kNoMatch;
}

Backtracker::Outcome Backtracker::TryAt(Search* q, size_t s) const {
  const uint8_t* t = q->t;
  const size_t endpos = q->endpos;
  const Inst* prog = prog_.data();
  const Table* classes = classes_.data();
  std::vector<Frame>& stack = *q->stack;
  stack.clear();
  size_t group[2] = {kUnset, kUnset};
  uint32_t pc = lead_boundary_ ? 1 : 0;  // MayStart checked the \b
  size_t p = s;
  size_t steps = q->steps;
  const size_t budget = q->budget;
  for (;;) {
    if (++steps > budget) return Outcome::kGaveUp;
    const Inst& in = prog[pc];
    bool ok = false;
    switch (in.op) {
      case kByte:
        ok = p < endpos && t[p] == in.byte;
        if (ok) ++p, ++pc;
        break;
      case kClass:
        ok = p < endpos && classes[in.cls][t[p]];
        if (ok) ++p, ++pc;
        break;
      case kRun: {
        const Table& cls = classes[in.cls];
        const size_t most = in.y == kNoBound ? endpos : std::min(endpos, p + in.y);
        const size_t least = p + in.x;
        if (least > most) break;
        size_t r = p;
        if (in.greedy) {
          while (r < most && cls[t[r]]) ++r;
          steps += (r - p) / 16;
          if (r < least) break;
          if (!in.possessive && r > least) stack.push_back({kShorter, pc, least, r});
        } else {
          while (r < least && cls[t[r]]) ++r;
          steps += (r - p) / 16;
          if (r < least) break;
          if (r < most) stack.push_back({kLonger, pc, r, most});
        }
        p = r;
        ++pc;
        ok = true;
        break;
      }
      case kSplit: {
        const Branch* b = &branches_[in.cls];
        const bool x = b[0].MayTake(t, p, endpos), y = b[1].MayTake(t, p, endpos);
        if (x && y) stack.push_back({kTry, in.y, p, 0});
        pc = x ? in.x : in.y;
        ok = x || y;
        break;
      }
      case kJmp:
        pc = in.x;
        ok = true;
        break;
      case kSave:
        stack.push_back({kRestore, in.x, group[in.x - 2], 0});
        group[in.x - 2] = p;
        ++pc;
        ok = true;
        break;
      case kBoundary:
      case kNonBoundary:
        ok = Boundary(t, q->len, p) == (in.op == kBoundary);
        if (ok) ++pc;
        break;
      case kMatch:
        q->spans->start = s;
        q->spans->end = p;
        q->spans->group_start = group[0];
        q->spans->group_end = group[1];
        return Outcome::kMatch;
    }
    if (!ok && !Resume(t, endpos, &pc, &p, group, &stack, &steps)) {
      q->steps = steps;
      return Outcome::kNoMatch;
    }
  }
}

}  // namespace phiscan::classifiers::internal
