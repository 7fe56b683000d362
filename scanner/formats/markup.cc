// Markup transformer: XML, HTML and Office XML parts to plain text.
#include <cctype>
#include <cstring>
#include <string>
#include <vector>

#include "common/ascii.h"
#include "scanner/formats/structured.h"

namespace phiscan::scanner::formats {

bool DecodeEntity(std::string_view body, std::string& out) {
  static const std::pair<const char*, uint32_t> kNamed[] = {
      {"amp", '&'},      {"lt", '<'},        {"gt", '>'},        {"quot", '"'},
      {"apos", '\''},    {"nbsp", ' '},      {"ndash", 0x2013},  {"mdash", 0x2014},
      {"hellip", 0x2026}, {"copy", 0xA9},    {"reg", 0xAE},      {"trade", 0x2122},
      {"lsquo", 0x2018}, {"rsquo", 0x2019},  {"ldquo", 0x201C},  {"rdquo", 0x201D},
      {"bull", 0x2022},  {"middot", 0xB7},   {"eacute", 0xE9},   {"egrave", 0xE8},
      {"aacute", 0xE1},  {"iacute", 0xED},   {"oacute", 0xF3},   {"uacute", 0xFA},
      {"ntilde", 0xF1},  {"uuml", 0xFC},     {"ouml", 0xF6},     {"auml", 0xE4},
      {"szlig", 0xDF},   {"ccedil", 0xE7},   {"deg", 0xB0},      {"sect", 0xA7},
      {"para", 0xB6},    {"shy", 0xAD},      {"ensp", ' '},      {"emsp", ' '},
      {"thinsp", ' '},   {"euro", 0x20AC},   {"pound", 0xA3},    {"cent", 0xA2},
  };
  uint32_t cp = 0;
  if (!body.empty() && body[0] == '#') {
    bool hex = body.size() > 1 && (body[1] == 'x' || body[1] == 'X');
    std::string_view digits = body.substr(hex ? 2 : 1);
    if (digits.empty() || digits.size() > 8) return false;
    for (char c : digits) {
      int v = c >= '0' && c <= '9' ? c - '0'
              : hex && c >= 'a' && c <= 'f' ? c - 'a' + 10
              : hex && c >= 'A' && c <= 'F' ? c - 'A' + 10
                                            : -1;
      if (v < 0) return false;
      cp = cp * (hex ? 16 : 10) + static_cast<uint32_t>(v);
    }
    if (cp == 0) cp = 0xFFFD;  // AppendUtf8 replaces surrogates and values past U+10FFFF
    if (cp == 0xA0) cp = ' ';
  } else {
    bool found = false;
    for (const auto& [name, value] : kNamed) {
      if (body == name) {
        cp = value;
        found = true;
        break;
      }
    }
    if (!found) return false;
  }
  AppendUtf8(cp, out);
  return true;
}

namespace {

bool IsNameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == ':' || c == '_' || c == '-' ||
         c == '.' || static_cast<unsigned char>(c) >= 0x80;
}
bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view LocalName(std::string_view n) {
  size_t colon = n.rfind(':');
  return colon == std::string_view::npos ? n : n.substr(colon + 1);
}

bool OneOf(std::string_view n, std::initializer_list<const char*> names) {
  for (const char* x : names) {
    if (EqualsNoCase(n, x)) return true;
  }
  return false;
}

// HTML's phrasing elements: a browser draws them inside the line around
// them, with no space, and EHR print views and Word's "Save as HTML" wrap
// part of a value in one (346-38-<span class=mask>9110</span>), so their
// tags separate nothing. "<b>John</b><i>Smith</i>" shows as "JohnSmith" and
// is read so. The whole name is compared: a prefixed one (Word's o:p,
// st1:City) is another vocabulary. Every element not listed keeps its
// separator: joining two cells' numbers would make a finding the page does
// not show.
bool IsInlineHtml(std::string_view name) {
  return OneOf(
      name,
      {"a",     "abbr", "acronym", "b",      "bdi", "bdo", "big",  "cite", "code", "data", "del",
       "dfn",   "em",   "font",    "i",      "ins", "kbd", "mark", "nobr", "q",    "s",    "samp",
       "small", "span", "strike",  "strong", "sub", "sup", "time", "tt",   "u",    "var",  "wbr"});
}


class Markup : public StructuredText {
 public:
  Markup(TextSink& sink, MarkupMode mode, const ScanLimits& limits)
      : sink_(sink), mode_(mode), limits_(limits), track_lines_(sink_.TrackSourceLines()) {}

  void OnText(std::string_view text, uint64_t src_begin, uint64_t src_end) override {
    text_ = text;
    src_begin_ = src_begin;
    src_len_ = src_end - src_begin;
    run_ = kNoRun;
    if (track_lines_) lines_.Next(text);
    for (size_t k = 0; k < text.size(); ++k) Step(text[k], k);
    FlushRun(text.size());
    lines_.Finish();
  }

  void End() override {
    if (state_ == State::kEntity) {
      // The entity runs to the end, after every line break.
      std::string lit = "&" + entity_;
      Emit(lit, entity_src_, src_begin_ + src_len_, track_lines_ ? lines_.line() : 0);
    }
    EndContent();
  }

 private:
  enum class State {
    kText, kLt, kBang, kComment, kCData, kDecl, kTagName, kEndTagName, kInTag,
    kAttrName, kAfterAttrName, kBeforeValue, kValue, kBareValue, kEntity, kDeclLiteral,
  };
  static constexpr size_t kNoRun = static_cast<size_t>(-1);

  uint64_t Src(size_t k) const {
    if (text_.size() == src_len_) return src_begin_ + k;
    return src_begin_ + (text_.empty() ? 0 : k * src_len_ / text_.size());
  }

  void FlushRun(size_t k) {
    if (run_ == kNoRun) return;
    if (k > run_) Emit(text_.substr(run_, k - run_), Src(run_), Src(k), run_line_);
    run_ = kNoRun;
  }

  // Outputs text from source [sb, se), sb on source line `line`; a pending
  // separator goes first unless the text starts with whitespace of its own
  // (so "a</b> c" gives one space, not two).
  void Emit(std::string_view s, uint64_t sb, uint64_t se, uint64_t line) {
    if (s.empty()) return;
    if (pending_sep_ != '\0') {
      if (!IsSpace(s.front())) {
        char sep[1] = {pending_sep_};
        sink_.OnText({sep, 1}, sb, sb, line);
      }
      pending_sep_ = '\0';
    }
    sink_.OnText(s, sb, se, line);
    last_ = s.back();
  }

  // Markup between two pieces of text separates them: "<td>a</td><td>b"
  // is "a b", never "ab". Deferred until the next text.
  void Separator(const char* sep, size_t) {
    if (last_ == ' ' || last_ == '\n' || last_ == '\0') return;
    if (pending_sep_ != '\n') pending_sep_ = sep[0];
  }

  // A content character (text, attribute value, comment, CDATA) at k.
  void Content(char c, size_t k) {
    if (c == '&') {
      FlushRun(k);
      BeginContent();
      state_before_entity_ = state_;
      state_ = State::kEntity;
      entity_.clear();
      entity_src_ = Src(k);
      return;
    }
    if (run_ == kNoRun) {
      BeginContent();
      StartRun(k);
    }
  }

  // The source line of text_[k], if the sink uses lines (else 0).
  uint64_t LineOf(size_t k) { return track_lines_ ? lines_.LineOf(k) : 0; }

  void StartRun(size_t k) {
    run_ = k;
    run_line_ = LineOf(k);
  }

  void BeginContent() {
    if (!in_content_) {
      in_content_ = true;
      content_start_ = sink_.position();
    }
  }

  // Declares the finished text node or attribute value under its names.
  void EndContent() {
    if (!in_content_) return;
    in_content_ = false;
    uint64_t end = sink_.position();
    if (end <= content_start_ || mode_ == MarkupMode::kOffice) return;
    if (!content_field_.empty()) sink_.Field(content_start_, end, content_field_);
    if (!content_field2_.empty()) sink_.Field(content_start_, end, content_field2_);
    if (!content_field3_.empty()) sink_.Field(content_start_, end, content_field3_);
  }

  // Names the content about to start: `field`, and nothing else yet.
  void NameContent(std::string_view field) {
    content_field_.assign(field);
    content_field2_.clear();
    content_field3_.clear();
  }

  std::string_view CurrentElement() const {
    return depth_ > 0 && depth_ <= stack_.size() ? std::string_view(stack_[depth_ - 1])
                                                 : std::string_view();
  }

  bool OutputAttribute(std::string_view attr) const {
    std::string_view local = LocalName(attr);
    switch (mode_) {
      case MarkupMode::kXml:
        return !(attr.substr(0, 5) == "xmlns" || OneOf(local, {"schemaLocation", "root",
                                                               "codeSystem", "templateId"}));
      case MarkupMode::kHtml:
        return OneOf(local, {"alt", "title", "value", "content", "placeholder", "label", "href"});
      case MarkupMode::kOffice:
        return OneOf(local, {"value", "string-value", "date-value"});
    }
    return false;
  }

  void OpenElementDone(bool self_closing, size_t k) {
    if (self_closing) key_.clear();  // it names the element's own text: none
    std::string_view local = LocalName(tag_);
    bool is_void = mode_ == MarkupMode::kHtml &&
                   OneOf(local, {"area", "base", "br", "col", "embed", "hr", "img", "input",
                                 "link", "meta", "param", "source", "track", "wbr"});
    if (mode_ == MarkupMode::kOffice) {
      if (OneOf(local, {"tab", "br", "cr", "s", "line-break"})) Separator(" ", k);
    }
    if (!self_closing && !is_void) {
      // A <value> child without a key of its own holds its parent's value:
      // Spring's <property name="password"><value>...</value></property>
      // and <entry key="db.password"><value>...</value></entry>.
      if (mode_ == MarkupMode::kXml && key_.empty() && local == "value" && depth_ > 0 &&
          depth_ <= keys_.size()) {
        key_ = keys_[depth_ - 1];
      }
      ++depth_;
      if (depth_ <= limits_.max_structure_depth) {
        if (stack_.size() < depth_) stack_.emplace_back();
        if (keys_.size() < depth_) keys_.emplace_back();
        stack_[depth_ - 1].assign(local);
        keys_[depth_ - 1].assign(key_);
      }
    } else if (mode_ == MarkupMode::kOffice) {
      CloseSeparator(local, k);
    }
  }

  // Whether the start or end tag just read (tag_) separates the text around
  // it. Office parts separate at the elements CloseSeparator names instead;
  // in XML every element name is a field, so each one is a value's edge.
  bool TagSeparates() const {
    if (mode_ == MarkupMode::kOffice) return false;
    return mode_ != MarkupMode::kHtml || !IsInlineHtml(tag_);
  }

  void CloseSeparator(std::string_view local, size_t k) {
    if (mode_ != MarkupMode::kOffice) return;
    if (OneOf(local, {"p", "tr", "row", "si", "h", "table-row", "sld", "txBody"})) {
      Separator("\n", k);
    } else if (OneOf(local, {"tc", "c", "v", "table-cell", "is"})) {
      Separator(" ", k);
    }
  }

  void CloseElement(size_t k) {
    std::string_view local = LocalName(tag_);
    CloseSeparator(local, k);
    if (depth_ == 0) return;
    if (mode_ == MarkupMode::kHtml) {
      // Unbalanced HTML: close up to the matching element if it is near.
      for (size_t d = depth_; d > 0 && depth_ - d < 16; --d) {
        if (d <= stack_.size() && EqualsNoCase(stack_[d - 1], local)) {
          depth_ = d - 1;
          return;
        }
      }
      return;
    }
    --depth_;
  }

  void Step(char c, size_t k) {
    switch (state_) {
      case State::kText:
        if (c == '<') {
          FlushRun(k);
          EndContent();
          state_ = State::kLt;
        } else {
          if (!in_content_) {
            NameContent(CurrentElement());
            // An XML element's text is also named by its key or name
            // (<entry key="db.password">...</entry>, <column name="ssn">).
            if (mode_ == MarkupMode::kXml) content_field3_.assign(key_);
          }
          Content(c, k);
        }
        return;
      case State::kEntity:
        if (c == ';' || entity_.size() > 32 || !(std::isalnum(static_cast<unsigned char>(c)) || c == '#')) {
          std::string out;
          if (c == ';' && DecodeEntity(entity_, out)) {
            Emit(out, entity_src_, Src(k + 1), LineOf(k));
            state_ = state_before_entity_;
            return;
          }
          std::string lit = "&" + entity_;
          Emit(lit, entity_src_, Src(k), LineOf(k));
          state_ = state_before_entity_;
          Step(c, k);  // not an entity: the character is ordinary content
          return;
        }
        entity_ += c;
        return;
      case State::kLt:
        if (c == '/') {
          state_ = State::kEndTagName;
          tag_.clear();
          key_.clear();
        } else if (c == '!') {
          state_ = State::kBang;
          bang_.clear();
        } else if (c == '?') {
          state_ = State::kDecl;
          decl_ = Decl{};
        } else if (IsNameChar(c)) {
          state_ = State::kTagName;
          tag_.assign(1, c);
          root_.clear();
          key_.clear();
        } else {  // a literal '<' in sloppy HTML
          // '<' ends no line: it is on the line of k
          Emit("<", Src(k - (k > 0 ? 1 : 0)), Src(k), LineOf(k));
          state_ = State::kText;
          content_field_.assign(CurrentElement());
          Step(c, k);
        }
        return;
      case State::kBang:
        bang_ += c;
        if (bang_ == "--") {
          state_ = State::kComment;
          dashes_ = 0;
          if (mode_ != MarkupMode::kOffice) Separator(" ", k);
        } else if (bang_ == "[CDATA[") {
          state_ = State::kCData;
          NameContent(CurrentElement());
        } else if (std::string_view("--").substr(0, bang_.size()) != bang_ &&
                   std::string_view("[CDATA[").substr(0, bang_.size()) != bang_) {
          state_ = State::kDecl;
          decl_ = Decl{};
          decl_.bang = true;
          decl_.keyword = bang_;
        }
        return;
      case State::kComment:
        if (c == '>' && dashes_ >= 2) {
          FlushRun(k);
          EndContent();
          state_ = State::kText;
          return;
        }
        dashes_ = c == '-' ? dashes_ + 1 : 0;
        if (mode_ != MarkupMode::kOffice) Content(c, k);
        return;
      case State::kCData:
        if (c == '>' && brackets_ >= 2) {
          FlushRun(k);
          EndContent();
          state_ = State::kText;
          return;
        }
        brackets_ = c == ']' ? brackets_ + 1 : 0;
        if (run_ == kNoRun) {
          BeginContent();
          StartRun(k);
        }
        return;
      case State::kDecl:
        Declaration(c, k);
        return;
      case State::kDeclLiteral:
        if (c == quote_) {
          FlushRun(k);
          EndContent();
          Separator(" ", k);
          state_ = State::kDecl;
          return;
        }
        Content(c, k);
        return;
      case State::kTagName:
        if (IsNameChar(c)) {
          if (tag_.size() < limits_.max_field_name) tag_ += c;
          return;
        }
        state_ = State::kInTag;
        [[fallthrough]];
      case State::kInTag:
        if (c == '>') {
          OpenElementDone(slash_, k);
          slash_ = false;
          state_ = State::kText;
          if (TagSeparates()) Separator(" ", k);
        } else if (c == '/') {
          slash_ = true;
        } else if (IsNameChar(c)) {
          slash_ = false;
          attr_.assign(1, c);
          state_ = State::kAttrName;
        }
        return;
      case State::kEndTagName:
        if (c == '>') {
          CloseElement(k);
          state_ = State::kText;
          if (TagSeparates()) Separator(" ", k);
        } else if (IsNameChar(c) && tag_.size() < limits_.max_field_name) {
          tag_ += c;
        }
        return;
      case State::kAttrName:
        if (IsNameChar(c)) {
          if (attr_.size() < limits_.max_field_name) attr_ += c;
          return;
        }
        state_ = State::kAfterAttrName;
        [[fallthrough]];
      case State::kAfterAttrName:
        if (c == '=') {
          state_ = State::kBeforeValue;
        } else if (!IsSpace(c)) {
          state_ = State::kInTag;
          Step(c, k);
        }
        return;
      case State::kBeforeValue:
        if (IsSpace(c)) return;
        BeginAttribute(k);
        if (c == '"' || c == '\'') {
          quote_ = c;
          state_ = State::kValue;
        } else {
          quote_ = 0;
          state_ = State::kBareValue;
          AttrChar(c, k);
        }
        return;
      case State::kValue:
        if (c == quote_) {
          EndAttribute(k);
          state_ = State::kInTag;
          return;
        }
        AttrChar(c, k);
        return;
      case State::kBareValue:
        if (IsSpace(c) || c == '>') {
          EndAttribute(k);
          state_ = State::kInTag;
          if (c == '>') Step(c, k);
          return;
        }
        AttrChar(c, k);
        return;
    }
  }

  // A <!...> declaration or <?...?> instruction, read for the values of a
  // DTD's internal entities: <!ENTITY ssn "536-22-8726"> is text the
  // document holds (&ssn;), so it is classified, named by the entity. Not
  // the other literals: a DOCTYPE's public and system ids, an external
  // entity's, an ATTLIST default, or a value that is a URI (a namespace,
  // as SVG editors declare them): no URL finding in every XHTML page or
  // SVG. A literal not read ends at its quote or at the first '>', as the
  // declaration does: an apostrophe in a comment or processing instruction
  // of the subset (<!-- the patient's record -->) passes over nothing
  // after it.
  void Declaration(char c, size_t k) {
    if (decl_.skip_literal) {
      if (c == '>') state_ = State::kText;
      if (c == quote_ || c == '>') decl_.skip_literal = false;
      return;
    }
    if (c == '>') {
      state_ = State::kText;
      return;
    }
    if (c == '[') decl_.subset = true;
    if (c == '"' || c == '\'') {
      quote_ = c;
      decl_.in_word = false;
      if (decl_.bang && decl_.keyword == "ENTITY" && !decl_.external && !UriAt(k + 1)) {
        state_ = State::kDeclLiteral;
        Separator(" ", k);
        NameContent(decl_.name);
      } else {
        decl_.skip_literal = true;
      }
      return;
    }
    if (c == '<' && decl_.subset) {  // a declaration inside the subset: its own keyword
      decl_.keyword.clear();
      decl_.word = -1;
      decl_.external = false;
    }
    if (IsSpace(c) || c == '%' || c == '[' || c == '<' || c == '!') {
      decl_.in_word = false;  // '%' marks a parameter entity, not its name
      return;
    }
    if (!decl_.in_word) {
      decl_.in_word = true;
      ++decl_.word;
      decl_.current.clear();
      if (decl_.word == 1) decl_.name.clear();
    }
    if (decl_.current.size() < 7) decl_.current += c;
    if (decl_.current == "SYSTEM" || decl_.current == "PUBLIC") decl_.external = true;
    if (decl_.word == 0 && decl_.keyword.size() < 8) decl_.keyword += c;
    if (decl_.word == 1 && decl_.name.size() < limits_.max_field_name) decl_.name += c;
  }

  // Whether the current piece holds a URI scheme (http:, https:, urn:) at k.
  bool UriAt(size_t k) const {
    const std::string_view rest = text_.substr(std::min(k, text_.size()));
    return rest.starts_with("http:") || rest.starts_with("https:") || rest.starts_with("urn:");
  }

  // Attributes that name the values after them in their element: a C-CDA
  // identifier's root (its system names the extension) and a setting's key
  // or name, whose value attribute is that setting's field (.NET's
  // <add key="SmtpPassword" value="..."/>, a Spring or Ant <property
  // name="db.password" value="..."/>, an HTML <input name=... value=...>).
  void BeginAttribute(size_t k) {
    attr_out_ = OutputAttribute(attr_);
    const std::string_view local = LocalName(attr_);
    captured_ = local == "root"                   ? &root_
                : local == "key" || local == "name" ? &key_
                                                    : nullptr;
    if (captured_) captured_->clear();
    if (attr_out_) {
      Separator(" ", k);
      NameContent(local);
      if (local == "extension") {
        const std::string root = root_.empty() ? AttributeAhead(k, {"root"}) : root_;
        if (!root.empty()) content_field2_.assign(IdentifierSystemName(root));
      } else if (local == "value") {
        content_field2_.assign(LocalName(tag_));
        content_field3_.assign(key_.empty() ? AttributeAhead(k, {"key", "name"}) : key_);
      }
    }
  }

  // The value of the first attribute named one of `names` later in the tag
  // whose attribute value starts at k: the root after an extension (<id
  // extension="536228726" root="2.16.840.1.113883.4.1"/>, as some EHRs
  // write it), the key after a value (<add value="..." key="SmtpPassword"/>).
  // Read ahead within this piece and 1 KiB; empty if there is none or the
  // tag goes on past them.
  std::string AttributeAhead(size_t k, std::initializer_list<std::string_view> names) const {
    const std::string_view rest = text_.substr(std::min(k, text_.size()), 1024);
    constexpr size_t npos = std::string_view::npos;
    size_t i = 0;
    auto skip_space = [&] {
      while (i < rest.size() && IsSpace(rest[i])) ++i;
    };
    if (!rest.empty() && (rest[0] == '"' || rest[0] == '\'')) {
      i = rest.find(rest[0], 1);
      if (i == npos) return {};
      ++i;
    } else {
      while (i < rest.size() && !IsSpace(rest[i]) && rest[i] != '>') ++i;
    }
    for (;;) {
      skip_space();
      if (i >= rest.size() || rest[i] == '>' || rest[i] == '/') return {};
      const size_t name_at = i;
      while (i < rest.size() && !IsSpace(rest[i]) && rest[i] != '=' && rest[i] != '>') ++i;
      const std::string_view name = rest.substr(name_at, i - name_at);
      skip_space();
      if (i >= rest.size() || rest[i] != '=') return {};
      ++i;
      skip_space();
      if (i >= rest.size() || (rest[i] != '"' && rest[i] != '\'')) return {};
      const size_t close = rest.find(rest[i], i + 1);
      if (close == npos) return {};
      if (std::find(names.begin(), names.end(), LocalName(name)) != names.end()) {
        return std::string(rest.substr(i + 1, std::min<size_t>(close - i - 1, 64)));
      }
      i = close + 1;
    }
  }

  void AttrChar(char c, size_t k) {
    if (captured_ && captured_->size() < 64) *captured_ += c;
    if (attr_out_) Content(c, k);
  }

  void EndAttribute(size_t k) {
    if (!attr_out_) return;
    FlushRun(k);
    EndContent();
    Separator(" ", k);
  }

  TextSink& sink_;
  const MarkupMode mode_;
  const ScanLimits& limits_;
  State state_ = State::kText;
  State state_before_entity_ = State::kText;
  std::string_view text_;
  uint64_t src_begin_ = 0, src_len_ = 0;
  size_t run_ = kNoRun;
  // Source lines, and the line of run_. An entity is on one line, that of
  // the character ending it (a line break there belongs to the line it
  // ends), so it is put out on that character's.
  const bool track_lines_;
  LineCursor lines_;
  uint64_t run_line_ = 1;
  char last_ = '\0';
  char pending_sep_ = '\0';
  bool in_content_ = false;
  uint64_t content_start_ = 0;
  std::string content_field_, content_field2_, content_field3_;
  std::string entity_;
  uint64_t entity_src_ = 0;
  std::string tag_, attr_, bang_, root_, key_;
  std::string* captured_ = nullptr;  // root_ or key_ while its attribute is read
  bool slash_ = false, attr_out_ = false;
  char quote_ = 0;
  int dashes_ = 0, brackets_ = 0;
  // The declaration being read: from <! or <?, its keyword (ENTITY,
  // DOCTYPE), its first name after it, whether an internal subset ([) began.
  struct Decl {
    bool bang = false, subset = false, in_word = true;
    bool external = false;       // SYSTEM or PUBLIC: its literals are ids, not text
    bool skip_literal = false;   // in a literal that is not read
    int word = 0;
    std::string keyword, name, current;
  } decl_;
  std::vector<std::string> stack_;
  std::vector<std::string> keys_;  // each open element's key or name attribute (XML)
  size_t depth_ = 0;
};

}  // namespace

std::unique_ptr<StructuredText> MakeMarkup(TextSink& sink, MarkupMode mode,
                                           const ScanLimits& limits) {
  return std::make_unique<Markup>(sink, mode, limits);
}

}  // namespace phiscan::scanner::formats
