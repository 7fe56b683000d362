// Annotators for delimited tables, JSON, HL7 v2 and X12: text passes through
// unchanged; value spans are declared with their field names.
#include "scanner/formats/structured.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <algorithm>
#include <array>
#include <cstring>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include "common/ascii.h"

namespace phiscan::scanner::formats {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (IsSpace(s.front()) || s.front() == '"')) s.remove_prefix(1);
  while (!s.empty() && (IsSpace(s.back()) || s.back() == '"')) s.remove_suffix(1);
  return s;
}

void AppendCapped(std::string& s, char c, size_t cap) {
  if (s.size() < cap) s += c;
}

// The first byte at or after `from` that is one of `set`, or text.size().
// The annotators step byte by byte only where the state can change; a
// cell's or field's other bytes are skipped 16 at a time.
template <size_t N>
size_t FindAnyOf(std::string_view text, size_t from, const std::array<char, N>& set) {
  const char* p = text.data();
  const size_t n = text.size();
  size_t i = from;
#if defined(__SSE2__)
  __m128i needles[N];
  for (size_t j = 0; j < N; ++j) needles[j] = _mm_set1_epi8(set[j]);
  for (; i + 16 <= n; i += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    __m128i hit = _mm_cmpeq_epi8(v, needles[0]);
    for (size_t j = 1; j < N; ++j) hit = _mm_or_si128(hit, _mm_cmpeq_epi8(v, needles[j]));
    if (const auto mask = static_cast<unsigned>(_mm_movemask_epi8(hit))) {
      return i + static_cast<size_t>(__builtin_ctz(mask));
    }
  }
#endif
  for (; i < n; ++i) {
    if (std::find(set.begin(), set.end(), p[i]) != set.end()) return i;
  }
  return n;
}

// ---- CSV / TSV ------------------------------------------------------------

// RFC 4180 with any delimiter: quoted cells may hold delimiters, newlines and
// doubled quotes. Row `header_row` names the columns; the rows above it are
// each declared apart. In a table of names and values (entity-attribute-
// value: `record_id,field,value`, `name,value`, `question,answer`), a
// value cell is also named by its row's name cell, which comes before it:
// `r0210,Patient Name,Corwin Thornbury` is a patient's name.
class Delimited : public StructuredText {
 public:
  Delimited(TextSink& sink, char delim, const ScanLimits& limits, size_t header_row)
      : sink_(sink),
        delim_(delim),
        limits_(limits),
        header_(header_row == 0),
        title_rows_(header_row) {}

  void OnText(std::string_view text, uint64_t src_begin, uint64_t src_end) override {
    const uint64_t base = sink_.position();
    for (size_t k = 0; k < text.size(); ++k) {
      // A data row's name cell is read byte by byte, as a header is.
      if (!header_ && col_ != name_col_) {
        // In a data row only a delimiter, a line end or a cell's opening
        // quote changes the state, inside quotes only a quote.
        size_t stop = k;
        if (!quoted_) {
          stop = FindAnyOf<3>(text, k, {delim_, '\n', '"'});
          if (stop > k) at_start_ = false;
        } else if (!quote_pending_) {
          stop = FindAnyOf<1>(text, k, {'"'});
        }
        k = stop;
        if (k == text.size()) break;
      }
      Step(text[k], base + k);
    }
    sink_.OnText(text, src_begin, src_end);
  }
  void End() override { EndCell(sink_.position()); }

 private:
  void Step(char c, uint64_t pos) {
    if (quoted_) {
      if (quote_pending_) {
        quote_pending_ = false;
        if (c == '"') {  // doubled quote: a literal quote
          if (Reading()) AppendCapped(cell_, c, limits_.max_field_name);
          return;
        }
        quoted_ = false;  // that quote closed the cell's quoted part
      } else {
        if (c == '"') quote_pending_ = true;
        else if (Reading())
          AppendCapped(cell_, c, limits_.max_field_name);
        return;
      }
    }
    if (c == delim_) {
      EndCell(pos);
      ++col_;
      cell_start_ = pos + 1;
      at_start_ = true;
    } else if (c == '\n') {
      EndCell(pos);
      if (title_rows_ > 0) {
        sink_.Apart(row_start_, pos);
        header_ = --title_rows_ == 0;
      } else {
        if (header_) FindNameValueColumns();
        header_ = false;
      }
      row_name_.clear();
      row_start_ = pos + 1;
      col_ = 0;
      cell_start_ = pos + 1;
      at_start_ = true;
    } else if (c == '"' && at_start_) {
      quoted_ = true;
      at_start_ = false;
    } else {
      if (Reading()) AppendCapped(cell_, c, limits_.max_field_name);
      at_start_ = false;
    }
  }

  // Whether the cell being read is kept: a header's, or a data row's name.
  bool Reading() const { return header_ || col_ == name_col_; }

  // A name column and a value column after it, both named so, make the
  // table one of names and values.
  void FindNameValueColumns() {
    static constexpr std::string_view kNames[] = {
        "field", "field_name", "fieldname", "attribute", "attribute_name", "key",      "name",
        "item",  "element",    "parameter", "variable",  "property",       "question", "label"};
    static constexpr std::string_view kValues[] = {
        "value", "field_value", "attribute_value", "val", "answer", "response", "result_value"};
    auto is = [](const std::string& cell, auto& set) {
      return std::any_of(std::begin(set), std::end(set),
                         [&](std::string_view name) { return EqualsNoCase(cell, name); });
    };
    size_t name = kNone;
    for (size_t i = 0; i < names_.size(); ++i) {
      if (name == kNone && is(names_[i], kNames)) {
        name = i;
      } else if (name != kNone && is(names_[i], kValues)) {
        name_col_ = name;
        value_col_ = i;
        return;
      }
    }
  }

  void EndCell(uint64_t end) {
    if (header_) {
      if (names_.size() < limits_.max_columns) names_.emplace_back(Trim(cell_));
      cell_.clear();
      return;
    }
    if (col_ == name_col_) {
      row_name_.assign(Trim(cell_));
      cell_.clear();
    }
    if (col_ < names_.size() && end > cell_start_) {
      sink_.Field(cell_start_, end, names_[col_]);
      if (col_ == value_col_) sink_.Field(cell_start_, end, row_name_);
    }
  }

  TextSink& sink_;
  const char delim_;
  const ScanLimits& limits_;
  bool header_;
  size_t title_rows_;  // rows above the header not yet passed
  bool quoted_ = false, quote_pending_ = false, at_start_ = true;
  size_t col_ = 0;
  uint64_t cell_start_ = 0, row_start_ = 0;
  std::string cell_;
  std::vector<std::string> names_;
  // A table of names and values: its columns, and the current row's name.
  static constexpr size_t kNone = static_cast<size_t>(-1);
  size_t name_col_ = kNone, value_col_ = kNone;
  std::string row_name_;
};

// ---- Markdown pipe tables -------------------------------------------------

// GFM tables among other lines. A line is a row when it has a '|'; a leading
// and a trailing '|' open and close its first and last cell, so a row's
// cells are numbered alike with or without them (sniff.cc's PipeCells
// counts them so). The cells of a row outside a table are kept (capped, as
// a CSV header's) until the next line says whether they are a header: a
// delimiter row of as many cells starts a table, and the first line
// without a '|' ends it. Inside a table nothing is kept; each cell is
// declared under its column's name as it ends.
class PipeTables : public StructuredText {
 public:
  PipeTables(TextSink& sink, const ScanLimits& limits) : sink_(sink), limits_(limits) {}

  void OnText(std::string_view text, uint64_t src_begin, uint64_t src_end) override {
    const uint64_t base = sink_.position();
    for (size_t k = 0; k < text.size();) {
      const size_t stop = FindAnyOf<2>(text, k, {'|', '\n'});
      if (stop > k) Run(text.substr(k, stop - k));
      if (stop == text.size()) break;
      Step(text[stop], base + stop);
      k = stop + 1;
    }
    sink_.OnText(text, src_begin, src_end);
  }
  void End() override { EndLine(sink_.position()); }

 private:
  static bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

  // Bytes of a cell: neither '|' nor a line end.
  void Run(std::string_view run) {
    const size_t last = run.find_last_not_of(" \t\r");
    if (last != std::string_view::npos) {
      started_ = true;
      trailing_pipe_ = false;
    }
    for (size_t i = 0; delimiter_row_ && i < run.size(); ++i) {
      const char c = run[i];
      if (c == '-') {
        dash_ = true;
      } else if (c != ':' && !IsBlank(c)) {
        delimiter_row_ = false;
      }
    }
    if (!in_table_ && cell_.size() < limits_.max_field_name) {
      cell_.append(run.substr(0, limits_.max_field_name - cell_.size()));
    }
  }

  void Step(char c, uint64_t pos) {
    if (c == '\n') {
      EndLine(pos);
      return;
    }
    // '|'
    if (!started_) {  // a leading pipe: the first cell starts after it
      started_ = true;
      leading_pipe_ = true;
      cell_.clear();
    } else {
      EndCell(pos);
      ++col_;
      trailing_pipe_ = true;
    }
    cell_start_ = pos + 1;
  }

  void EndCell(uint64_t end) {
    if (!in_table_) {
      cells_.Add(Trim(cell_), limits_.max_columns);
      cell_.clear();
    } else if (col_ < names_.size && end > cell_start_) {
      sink_.Field(cell_start_, end, names_.text[col_]);
    }
  }

  void EndLine(uint64_t end) {
    const bool row = leading_pipe_ || col_ > 0;
    if (row) EndCell(end);
    // As PipeCells: the line's '|' but a leading and a trailing one, plus one.
    const size_t cells = row ? col_ + 1 - (trailing_pipe_ && col_ > 0 ? 1 : 0) : 0;
    if (in_table_) {
      if (!row) in_table_ = false;
      header_cells_ = 0;
    } else if (row && delimiter_row_ && dash_ && cells == header_cells_) {
      std::swap(names_, header_);
      in_table_ = true;
    } else {
      std::swap(header_, cells_);
      header_cells_ = cells;
    }
    cells_.size = 0;
    cell_.clear();
    col_ = 0;
    started_ = leading_pipe_ = trailing_pipe_ = dash_ = false;
    delimiter_row_ = true;
    cell_start_ = end + 1;
  }

  // Cells' text, up to a cap, in strings kept from line to line: a row
  // read outside a table costs no allocation once one as wide was read.
  struct Cells {
    std::vector<std::string> text;
    size_t size = 0;
    void Add(std::string_view cell, size_t cap) {
      if (size == cap) return;
      if (size == text.size()) text.emplace_back();
      text[size++].assign(cell);
    }
  };

  TextSink& sink_;
  const ScanLimits& limits_;
  bool in_table_ = false;
  Cells names_;              // the current table's column names
  Cells header_;             // the last line's cells, if it was a row
  size_t header_cells_ = 0;  // and how many it had (0: no row)
  Cells cells_;              // this line's cells, outside a table
  std::string cell_;
  size_t col_ = 0;
  uint64_t cell_start_ = 0;
  // This line so far: a byte but blanks seen; a '|' first; a '|' last; only
  // '-', ':', '|' and blanks, at least one '-'.
  bool started_ = false, leading_pipe_ = false, trailing_pipe_ = false;
  bool delimiter_row_ = true, dash_ = false;
};

// ---- JSON / NDJSON / FHIR -------------------------------------------------

// Identifier type codes (HL7 table 0203: an HL7 v2 CX.5, a FHIR
// Identifier.type's coding) that say what an identifier is, by the keyword
// term that names it. Any other code, or none, leaves the field's own name.
struct Hl7IdentifierType {
  std::string_view code;
  const char* name;
};
constexpr Hl7IdentifierType kHl7IdentifierTypes[] = {
    {"SS", "ssn"},
    {"MR", "mrn"},
    {"MRT", "mrn"},
    {"PI", "patient id"},
    {"PT", "patient id"},
    {"MB", "member id"},
    {"SN", "subscriber number"},
    {"MA", "medicaid number"},
    {"MC", "medicare number"},
    {"DL", "driver license"},
    {"PPN", "passport number"},
    {"NPI", "npi"},
    {"AN", "patient account number"},
};

// The term kHl7IdentifierTypes gives `code`, or null.
const char* IdentifierTypeName(std::string_view code) {
  for (const auto& t : kHl7IdentifierTypes) {
    if (t.code == code) return t.name;
  }
  return nullptr;
}

// Tracks objects and arrays with the key that named each; every scalar value
// is declared under its key (or, inside an array, the array's key), its
// parent's key, and for FHIR Identifier/ContactPoint objects the name their
// "system" implies ("ssn", "npi", "phone", ...) or, for an Identifier whose
// system names nothing known (a site's own OID), the name its type's code
// gives (v2-0203 MR: "mrn"), when the type comes before the value as FHIR
// writes it.
class Json : public StructuredText {
 public:
  Json(TextSink& sink, const ScanLimits& limits) : sink_(sink), limits_(limits) {
    frames_.reserve(64);
  }

  void OnText(std::string_view text, uint64_t src_begin, uint64_t src_end) override {
    const uint64_t base = sink_.position();
    for (size_t k = 0; k < text.size(); ++k) {
      if (in_string_ && !escape_) {
        // Inside a string only '"' and '\\' change the state: the bytes
        // before the first of them are taken in one step (a FHIR export is
        // mostly strings).
        const size_t stop = StringRunEnd(text, k);
        if (capturing_ && capture_.size() < limits_.max_field_name) {
          capture_.append(text.substr(k, std::min(stop - k,
                                                  limits_.max_field_name - capture_.size())));
        }
        k = stop;
        if (k == text.size()) break;
      }
      Step(text[k], base + k);
    }
    sink_.OnText(text, src_begin, src_end);
  }
  void End() override { EndScalar(sink_.position()); }

 private:
  struct Frame {
    bool object = false;
    std::string name;    // key that named this container
    std::string key;     // current key (objects)
    std::string system;  // field name implied by a "system" member
  };

  Frame* Top() { return depth_ > 0 && depth_ <= frames_.size() ? &frames_[depth_ - 1] : nullptr; }
  bool InObject() { return depth_ > 0 && depth_ <= frames_.size() && frames_[depth_ - 1].object; }

  void Step(char c, uint64_t pos) {
    if (in_string_) {
      if (escape_) {
        escape_ = false;
      } else if (c == '\\') {
        escape_ = true;
      } else if (c == '"') {
        in_string_ = false;
        if (string_is_key_) {
          if (Frame* f = Top()) f->key = capture_;
        } else {
          Value(string_start_, pos);
        }
        return;
      }
      if (capturing_) AppendCapped(capture_, c, limits_.max_field_name);
      return;
    }
    switch (c) {
      case '"':
        EndScalar(pos);
        in_string_ = true;
        string_is_key_ = InObject() && expect_key_;
        string_start_ = pos + 1;
        capture_.clear();
        capturing_ = string_is_key_ || CurrentKeyIs("system") || CurrentKeyIs("code");
        break;
      case '{':
      case '[':
        EndScalar(pos);
        Push(c == '{');
        break;
      case '}':
      case ']':
        EndScalar(pos);
        if (depth_ > 0) --depth_;
        expect_key_ = false;
        break;
      case ':':
        EndScalar(pos);
        expect_key_ = false;
        break;
      case ',':
        EndScalar(pos);
        expect_key_ = InObject();
        break;
      default:
        if (IsSpace(c)) {
          EndScalar(pos);
        } else if (!in_scalar_) {
          in_scalar_ = true;
          scalar_start_ = pos;
        }
    }
  }

  // The first '"' or '\\' at or after `from` in text, or text.size().
  static size_t StringRunEnd(std::string_view text, size_t from) {
    const char* p = text.data();
    const size_t n = text.size();
    const void* quote = std::memchr(p + from, '"', n - from);
    const size_t q = quote ? static_cast<size_t>(static_cast<const char*>(quote) - p) : n;
    const void* slash = std::memchr(p + from, '\\', q - from);
    return slash ? static_cast<size_t>(static_cast<const char*>(slash) - p) : q;
  }

  bool CurrentKeyIs(std::string_view k) {
    Frame* f = Top();
    return f != nullptr && f->object && !expect_key_ && f->key == k;
  }

  void Push(bool object) {
    std::string name;
    if (Frame* f = Top()) name = f->object ? f->key : f->name;
    ++depth_;
    if (depth_ <= limits_.max_structure_depth) {
      if (frames_.size() < depth_) frames_.emplace_back();
      Frame& nf = frames_[depth_ - 1];
      nf.object = object;
      nf.name = name;
      nf.key.clear();
      nf.system.clear();
    }
    expect_key_ = object;
  }

  void EndScalar(uint64_t pos) {
    if (!in_scalar_) return;
    in_scalar_ = false;
    Value(scalar_start_, pos);
  }

  void Value(uint64_t start, uint64_t end) {
    Frame* f = Top();
    if (f == nullptr || end <= start) return;
    if (f->object) {
      if (f->key == "system") {
        if (std::string_view name = IdentifierSystemName(capture_); !name.empty()) {
          f->system = std::string(name);
        } else if (capture_ == "phone" || capture_ == "fax" || capture_ == "email" ||
                   capture_ == "sms") {
          // FHIR ContactPoint.system is a plain code: phone, fax, email, ...
          f->system = capture_;
        }
      } else if (f->key == "code") {
        TypeCode();
      }
      sink_.Field(start, end, f->key);
      if (!f->name.empty()) sink_.Field(start, end, f->name);
      if (!f->system.empty() && f->key == "value") sink_.Field(start, end, f->system);
    } else {
      sink_.Field(start, end, f->name);
    }
  }

  // A code in an Identifier's type ({"type": {"coding": [{"code": "MR"}]}}):
  // the Identifier's frame is three above the coding's. A system known by
  // name comes first; a type code does not replace it.
  void TypeCode() {
    if (depth_ < 4 || depth_ > frames_.size()) return;
    Frame& id = frames_[depth_ - 4];
    if (!id.object || id.key != "type" || frames_[depth_ - 3].key != "coding" ||
        frames_[depth_ - 2].object || !id.system.empty()) {
      return;
    }
    if (const char* name = IdentifierTypeName(capture_)) id.system = name;
  }

  TextSink& sink_;
  const ScanLimits& limits_;
  std::vector<Frame> frames_;
  size_t depth_ = 0;
  bool in_string_ = false, escape_ = false, string_is_key_ = false, capturing_ = false;
  bool expect_key_ = false, in_scalar_ = false;
  uint64_t string_start_ = 0, scalar_start_ = 0;
  std::string capture_;
};

// ---- HL7 v2 ---------------------------------------------------------------

// How a field's value is declared.
enum class Hl7Value : uint8_t {
  kWhole,           // the field as one span
  kIdentifierList,  // CX: each repetition apart, named by its identifier type code (CX.5)
  kCode,            // CE/CWE, DLN: the first component of each repetition (the code, the
                    // number), not its text, coding system or expiry date
};

struct Hl7Field {
  const char* segment;
  int field;
  const char* name;  // a keyword term where one fits, so the field is evidence
  Hl7Value value = Hl7Value::kWhole;
};
// The fields that carry identifiers and contact data (HL7 v2.5 chapters 3, 6
// and 8), grouped by segment. Names are chosen to equal keyword terms of the
// built-in pack. Not IN1-8 (group number): it names the employer's group,
// shared by all its members, not a person.
constexpr Hl7Field kHl7Fields[] = {
    {"PID", 2, "patient id", Hl7Value::kIdentifierList},
    {"PID", 3, "patient id", Hl7Value::kIdentifierList},
    {"PID", 4, "patient id", Hl7Value::kIdentifierList},
    {"PID", 5, "patient name"},
    {"PID", 7, "birth date"},
    {"PID", 11, "address"},
    {"PID", 13, "home phone"},
    {"PID", 14, "work phone"},
    {"PID", 18, "patient account number", Hl7Value::kIdentifierList},
    {"PID", 19, "ssn"},
    {"PID", 20, "driver license", Hl7Value::kCode},
    {"MRG", 1, "patient id", Hl7Value::kIdentifierList},
    {"NK1", 2, "name"},
    {"NK1", 4, "address"},
    {"NK1", 5, "phone"},
    {"NK1", 6, "work phone"},
    {"NK1", 37, "ssn"},
    {"GT1", 3, "name"},
    {"GT1", 5, "address"},
    {"GT1", 6, "home phone"},
    {"GT1", 7, "work phone"},
    {"GT1", 12, "ssn"},
    {"IN1", 2, "plan id"},
    {"IN1", 16, "insured name"},
    {"IN1", 19, "address"},
    {"IN1", 36, "policy number"},
    {"IN1", 49, "insured id", Hl7Value::kIdentifierList},
    {"IN2", 2, "ssn"},
    {"IN2", 8, "medicare number"},
    {"DG1", 3, "diagnosis code", Hl7Value::kCode},
    {"FT1", 19, "diagnosis code", Hl7Value::kCode},
    {"PV1", 7, "attending provider"},
    {"PV1", 8, "provider id"},
    {"PV1", 9, "provider id"},
    {"PV1", 17, "provider id"},
    {"ORC", 12, "provider id"},
    {"OBR", 16, "provider id"},
    {"PRD", 7, "provider id"},
    {"STF", 2, "provider id"},
};

constexpr bool SameSegment(const Hl7Field& a, const Hl7Field& b) {
  return a.segment[0] == b.segment[0] && a.segment[1] == b.segment[1] &&
         a.segment[2] == b.segment[2];
}
// Each segment's entries together, in field order (Hl7 walks them so).
constexpr bool Hl7FieldsOrdered() {
  for (size_t i = 1; i < std::size(kHl7Fields); ++i) {
    const Hl7Field& prev = kHl7Fields[i - 1];
    const Hl7Field& f = kHl7Fields[i];
    if (SameSegment(prev, f)) {
      if (prev.field >= f.field) return false;
      continue;
    }
    for (size_t j = 0; j + 1 < i; ++j) {
      if (SameSegment(kHl7Fields[j], f)) return false;
    }
  }
  return true;
}
static_assert(Hl7FieldsOrdered(), "kHl7Fields: group entries by segment, in field order");

// Segments end at CR (or LF); fields split at the separator MSH declares,
// and the fields that need it into repetitions and components at the
// separators MSH-2 declares.
class Hl7 : public StructuredText {
 public:
  explicit Hl7(TextSink& sink) : sink_(sink) {}

  void OnText(std::string_view text, uint64_t src_begin, uint64_t src_end) override {
    const uint64_t base = sink_.position();
    for (size_t k = 0; k < text.size(); ++k) {
      // Inside a field only a separator or a segment end matters; inside one
      // read by its parts, the component and repetition separators too; the
      // encoding characters and an identifier type code are read byte by byte.
      if (field_ >= 0 && scan_ != Scan::kBytes) {
        k = scan_ == Scan::kFields
                ? FindAnyOf<5>(text, k, {sep_, '\r', '\n', '\x1C', '\x0B'})
                : FindAnyOf<7>(text, k, {sep_, comp_, rep_, '\r', '\n', '\x1C', '\x0B'});
        if (k == text.size()) break;
      }
      Step(text[k], base + k);
    }
    sink_.OnText(text, src_begin, src_end);
  }
  void End() override { EndField(sink_.position()); }

 private:
  // CR or LF end a segment; FS and VT frame MLLP messages.
  static bool IsSegmentEnd(char c) { return c == '\r' || c == '\n' || c == '\x1C' || c == '\x0B'; }

  // What the next byte of a field can change, so what OnText may skip to.
  enum class Scan : uint8_t {
    kFields,  // a field read whole: its end
    kParts,   // a field read by its parts: its end, a component or repetition
    kBytes,   // the encoding characters (MSH-2), an identifier type code
  };
  void SetScan() {
    if ((header_ && field_ == 2) || (value_ == Hl7Value::kIdentifierList && component_ == 5)) {
      scan_ = Scan::kBytes;
    } else {
      scan_ = value_ == Hl7Value::kWhole ? Scan::kFields : Scan::kParts;
    }
  }

  void Step(char c, uint64_t pos) {
    if (IsSegmentEnd(c)) {
      EndField(pos);
      seg_len_ = 0;
      field_ = -1;
      value_ = Hl7Value::kWhole;
      return;
    }
    if (field_ < 0) {  // reading the segment id
      if (seg_len_ < 3) {
        seg_[seg_len_++] = c;
        return;
      }
      // MSH, and the batch headers FHS and BHS, declare the separators.
      header_ = (seg_[0] == 'M' && seg_[1] == 'S' && seg_[2] == 'H') ||
                ((seg_[0] == 'F' || seg_[0] == 'B') && seg_[1] == 'H' && seg_[2] == 'S');
      if (seg_len_ == 3 && header_) SetSeparator(c);
      if (c != sep_) return;
      // MSH-1 is the separator itself, so the text after it is MSH-2.
      field_ = header_ ? 2 : 1;
      field_start_ = pos + 1;
      FindSegmentFields();
      StartField();
      return;
    }
    if (c == sep_) {
      EndField(pos);
      ++field_;
      field_start_ = pos + 1;
      StartField();
      return;
    }
    if (header_ && field_ == 2) {
      ReadEncodingCharacter(c, pos);
      return;
    }
    if (value_ == Hl7Value::kWhole) return;
    if (c == rep_) {
      EndRepetition(pos);
      rep_start_ = pos + 1;
      id_end_ = kNoEnd;
      component_ = 1;
      code_len_ = 0;
      SetScan();
    } else if (c == comp_) {
      if (component_ == 1) {
        if (value_ == Hl7Value::kCode) Declare(rep_start_, pos, entry_->name);
        id_end_ = pos;
      }
      if (component_ < 6) ++component_;
      SetScan();
    } else if (component_ == 5) {  // the identifier type code
      code_len_ = code_len_ < sizeof(code_) ? code_len_ + 1 : sizeof(code_) + 1;
      if (code_len_ <= sizeof(code_)) code_[code_len_ - 1] = c;
    }
  }

  // MSH-2: the component, repetition, escape and subcomponent separators,
  // in that order; only the first two matter here.
  void ReadEncodingCharacter(char c, uint64_t pos) {
    const uint64_t at = pos - field_start_;
    if (c == sep_ || IsSegmentEnd(c)) return;
    if (at == 0) comp_ = c;
    if (at == 1 && c != comp_) rep_ = c;
  }

  void SetSeparator(char c) {
    if (IsSegmentEnd(c)) return;  // keeps the old ones
    sep_ = c;
    comp_ = '^';
    rep_ = '~';
  }

  // The kHl7Fields entries of the current segment (they are grouped by
  // segment, in field order), so a field's start is compared with the next
  // entry only, not all.
  void FindSegmentFields() {
    next_field_ = fields_end_ = nullptr;
    for (const auto& f : kHl7Fields) {
      if (seg_[0] != f.segment[0] || seg_[1] != f.segment[1] || seg_[2] != f.segment[2]) {
        if (next_field_ != nullptr) break;
        continue;
      }
      if (next_field_ == nullptr) next_field_ = &f;
      fields_end_ = &f + 1;
    }
  }

  void StartField() {
    while (next_field_ != fields_end_ && next_field_->field < field_) ++next_field_;
    const bool listed = next_field_ != fields_end_ && next_field_->field == field_;
    entry_ = listed ? next_field_ : nullptr;
    value_ = entry_ != nullptr ? entry_->value : Hl7Value::kWhole;
    rep_start_ = field_start_;
    id_end_ = kNoEnd;
    component_ = 1;
    code_len_ = 0;
    SetScan();
  }

  void EndField(uint64_t end) {
    if (field_ < 1 || entry_ == nullptr) return;
    if (value_ == Hl7Value::kWhole) {
      Declare(field_start_, end, entry_->name);
    } else {
      EndRepetition(end);
    }
  }

  void EndRepetition(uint64_t end) {
    if (value_ == Hl7Value::kCode) {
      if (component_ == 1) Declare(rep_start_, end, entry_->name);
      return;
    }
    const char* name = entry_->name;
    const std::string_view code(code_, std::min<size_t>(code_len_, sizeof(code_)));
    if (code_len_ <= sizeof(code_)) {
      if (const char* typed = IdentifierTypeName(code)) name = typed;
    }
    // The ID number (CX.1) only: the assigning authority and facility
    // (CX.4, CX.6) are OIDs and names, not the patient's identifier.
    Declare(rep_start_, std::min(end, id_end_), name);
  }

  void Declare(uint64_t begin, uint64_t end, const char* name) {
    if (end > begin) sink_.Field(begin, end, name);
  }

  TextSink& sink_;
  char seg_[3] = {};
  int seg_len_ = 0;
  int field_ = -1;
  bool header_ = false;
  char sep_ = '|', comp_ = '^', rep_ = '~';
  // The current segment's kHl7Fields entries not yet passed, up to fields_end_.
  const Hl7Field* next_field_ = nullptr;
  const Hl7Field* fields_end_ = nullptr;
  const Hl7Field* entry_ = nullptr;  // the current field's, or null: not declared
  Hl7Value value_ = Hl7Value::kWhole;
  Scan scan_ = Scan::kFields;
  uint64_t field_start_ = 0;
  uint64_t rep_start_ = 0;
  static constexpr uint64_t kNoEnd = ~uint64_t{0};
  uint64_t id_end_ = kNoEnd;  // where the repetition's first component ends, once seen
  int component_ = 1;    // 1-based, counted to 6 (past the type code)
  char code_[4] = {};    // the repetition's identifier type code (the longest is 4)
  size_t code_len_ = 0;  // sizeof(code_) + 1: longer, so no known code
};

// ---- X12 (837/835) --------------------------------------------------------

// Element and segment separators come from the ISA header (positions 3 and
// 105). Values are named by their segment and the qualifier element before
// them: NM1-08 "34" makes NM1-09 an SSN, "XX" an NPI; REF-01 "SY" makes
// REF-02 an SSN; PER-03/05/07 "TE"/"EM"/"FX" name the contact after them;
// LIN-02 "N4" makes LIN-03 an NDC. A person's NM1 (NM1-02 "1") gives last
// and first name in NM1-03 and -04; HI's elements are diagnosis codes
// (ABK:E119, the code after the qualifier).
class X12 : public StructuredText {
 public:
  explicit X12(TextSink& sink) : sink_(sink) {}

  void OnText(std::string_view text, uint64_t src_begin, uint64_t src_end) override {
    const uint64_t base = sink_.position();
    for (size_t k = 0; k < text.size(); ++k) Step(text[k], base + k);
    sink_.OnText(text, src_begin, src_end);
  }
  void End() override { EndElement(sink_.position()); }

 private:
  void Step(char c, uint64_t pos) {
    if (seen_ < 106) {  // the fixed-width ISA segment
      if (seen_ == 3) elem_sep_ = c;
      if (seen_ == 105) {
        seg_term_ = c;
        NewSegment();
      }
      ++seen_;
      return;
    }
    if (c == seg_term_) {
      EndElement(pos);
      NewSegment();
      return;
    }
    if (elem_ == 0 && (c == '\r' || c == '\n') && seg_.empty()) return;
    if (c == elem_sep_) {
      EndElement(pos);
      ++elem_;
      elem_start_ = pos + 1;
      value_.clear();
      return;
    }
    if (elem_ == 0) {
      AppendCapped(seg_, c, 3);
    } else {
      AppendCapped(value_, c, 8);
    }
  }

  void NewSegment() {
    seg_.clear();
    elem_ = 0;
    qualifier_.clear();
    entity_.clear();
    value_.clear();
  }

  void EndElement(uint64_t end) {
    if (elem_ < 1) return;
    const char* name = Name();
    if (name != nullptr && end > elem_start_) sink_.Field(elem_start_, end, name);
    // Remember qualifiers for the element that follows them.
    if ((seg_ == "NM1" && elem_ == 8) || (seg_ == "REF" && elem_ == 1) ||
        (seg_ == "PER" && (elem_ == 3 || elem_ == 5 || elem_ == 7)) ||
        (seg_ == "LIN" && elem_ >= 2 && elem_ % 2 == 0)) {
      qualifier_ = value_;
    }
    if (seg_ == "NM1" && elem_ == 2) entity_ = value_;
  }

  const char* Name() const {
    if (seg_ == "NM1" && elem_ == 9) {
      if (qualifier_ == "34") return "ssn";
      if (qualifier_ == "XX") return "npi";
      if (qualifier_ == "MI") return "member id";
      return "identifier";
    }
    if (seg_ == "REF" && elem_ == 2) {
      if (qualifier_ == "SY") return "ssn";
      if (qualifier_ == "F6") return "medicare number";
      if (qualifier_ == "HPI") return "npi";
      return "reference";
    }
    if (seg_ == "PER" && (elem_ == 4 || elem_ == 6 || elem_ == 8)) {
      if (qualifier_ == "TE") return "phone";
      if (qualifier_ == "EM") return "email";
      if (qualifier_ == "FX") return "fax";
      return nullptr;
    }
    if (seg_ == "LIN" && elem_ >= 3 && elem_ % 2 == 1) {
      return qualifier_ == "N4" ? "ndc" : nullptr;
    }
    if (seg_ == "DMG" && elem_ == 2) return "birth date";
    if (seg_ == "N3") return "address";
    if (seg_ == "HI") return "diagnosis";
    if (seg_ == "NM1" && (elem_ == 3 || elem_ == 4)) {
      if (entity_ != "1") return "name";  // an organisation's
      return elem_ == 3 ? "last name" : "first name";
    }
    return nullptr;
  }

  TextSink& sink_;
  uint64_t seen_ = 0;
  char elem_sep_ = '*';
  char seg_term_ = '~';
  std::string seg_, qualifier_, entity_, value_;
  int elem_ = 0;
  uint64_t elem_start_ = 0;
};

}  // namespace

std::string_view IdentifierSystemName(std::string_view s) {
  auto has = [&](std::string_view p) { return s.find(p) != std::string_view::npos; };
  // OIDs: 2.16.840.1.113883.4.1 is the SSA's SSN, .4.6 CMS's NPI, .4.927 the MBI.
  if (has("us-ssn") || s == "2.16.840.1.113883.4.1" || s == "urn:oid:2.16.840.1.113883.4.1") {
    return "ssn";
  }
  if (has("us-npi") || s == "2.16.840.1.113883.4.6" || s == "urn:oid:2.16.840.1.113883.4.6") {
    return "npi";
  }
  if (has("us-mbi") || has("2.16.840.1.113883.4.927")) return "mbi";
  // A site's own record-number namespace: https://hospital.example.org/mrn.
  if (s.ends_with("/mrn") || has("/mrn/") || has("medical-record")) return "mrn";
  return {};
}

std::unique_ptr<StructuredText> MakeDelimited(TextSink& sink, char delim, const ScanLimits& limits,
                                              size_t header_row) {
  return std::make_unique<Delimited>(sink, delim, limits, header_row);
}
std::unique_ptr<StructuredText> MakePipeTables(TextSink& sink, const ScanLimits& limits) {
  return std::make_unique<PipeTables>(sink, limits);
}
std::unique_ptr<StructuredText> MakeJson(TextSink& sink, const ScanLimits& limits) {
  return std::make_unique<Json>(sink, limits);
}
std::unique_ptr<StructuredText> MakeHl7(TextSink& sink, const ScanLimits&) {
  return std::make_unique<Hl7>(sink);
}
std::unique_ptr<StructuredText> MakeX12(TextSink& sink, const ScanLimits&) {
  return std::make_unique<X12>(sink);
}

}  // namespace phiscan::scanner::formats
