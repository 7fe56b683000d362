// RTF: text without control words. Destinations that hold no document text
// (font and colour tables, stylesheets, pictures, embedded object data,
// themes, \* extensions) are skipped, except comments (\*\annotation and
// their author, \*\atnauthor), whose text is the reviewers'; \'hh is read as Windows-1252, \uN as a
// code point (its \ucN fallback characters dropped); \par, \line, \tab,
// \cell and \row separate. \binN's N bytes are raw data, skipped by count
// (an object's, in \objdata, are its bytes): braces or backslashes among
// them no longer end or open groups. Offsets are those of the source bytes.
#include <algorithm>
#include <array>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "common/hex.h"
#include "scanner/formats/extract_impl.h"
#include "scanner/formats/legacy_office.h"

namespace phiscan::scanner {
namespace {

bool IsSkippedDestination(std::string_view w) {
  static const char* kSkip[] = {"fonttbl", "colortbl", "stylesheet", "pict", "objdata",
                                "themedata", "colorschememapping", "datastore",
                                "latentstyles", "listtable", "listoverridetable", "rsidtbl",
                                "generator", "xmlnstbl", "filetbl", "revtbl",
                                "fldinst", "mmathPr", "wgrffmtfilter", "pgptbl"};
  for (const char* s : kSkip) {
    if (w == s) return true;
  }
  return false;
}

// \* destinations whose text is read: a comment and its author's name.
bool IsReadStarDestination(std::string_view w) { return w == "annotation" || w == "atnauthor"; }

class RtfText {
 public:
  // An embedded object's bytes (its \objdata hex, decoded), the first
  // `max_object` of them; `cut` when there were more. A file that ends
  // inside them hands on what there was (which reads as damaged).
  using OnObject = std::function<void(std::string_view bytes, bool cut)>;
  RtfText(formats::TextSink& sink, size_t max_object, OnObject on_object)
      : sink_(sink), max_object_(max_object), on_object_(std::move(on_object)) {
    sink_.TrackSourceLines();
  }

  // The file ended: an object still open is handed on as it is.
  void Finish() {
    if (obj_depth_ > 0) EndObject();
  }
  // True if the file ended inside \binN's bytes: it is cut short.
  bool in_binary() const { return bin_left_ > 0; }

  void Feed(std::string_view bytes, uint64_t base) {
    lines_.Next(bytes);
    for (size_t k = 0; k < bytes.size(); ++k) {
      if (bin_left_ > 0) {  // \binN's bytes, taken whole
        const size_t n = static_cast<size_t>(std::min<uint64_t>(bin_left_, bytes.size() - k));
        if (in_object()) ObjectBytes(bytes.substr(k, n));
        bin_left_ -= n;
        k += n - 1;
        continue;
      }
      at_ = k;
      Step(bytes[k], base + k);
    }
    Flush();
    lines_.Finish();
  }

 private:
  enum class State { kText, kBackslash, kWord, kParam, kHex1, kHex2 };

  bool skipping() const { return skip_depth_ > 0 && depth_ >= skip_depth_; }
  bool in_object() const { return obj_depth_ > 0 && depth_ >= obj_depth_; }

  // A character of an object's hex: pairs of digits are its bytes; spaces
  // and line breaks between them are not.
  void ObjectHex(char c) {
    const int v = HexValue(c);
    if (v < 0) return;
    if (obj_nibble_ < 0) {
      obj_nibble_ = v;
      return;
    }
    const char byte = static_cast<char>(obj_nibble_ * 16 + v);
    ObjectBytes(std::string_view(&byte, 1));
    obj_nibble_ = -1;
  }
  // An object's bytes, the first max_object_ of them kept: from its hex, or
  // given raw (\binN).
  void ObjectBytes(std::string_view b) {
    const size_t room = max_object_ - std::min(max_object_, obj_.size());
    obj_.append(b.substr(0, room));
    if (b.size() > room) obj_cut_ = true;
  }
  void EndObject() {
    obj_depth_ = 0;
    on_object_(obj_, obj_cut_);
    obj_.clear();
  }

  // Text from source [sb, se), on the line of the byte being stepped.
  void Out(std::string_view s, uint64_t sb, uint64_t se) {
    if (skipping() || s.empty()) return;
    if (fallback_ > 0) {  // \uN's fallback characters
      --fallback_;
      return;
    }
    // Only pieces that are their source bytes are merged: the offset map is
    // linear within one piece. They hold no line break (CR and LF are not
    // text), so the merged piece is on one source line.
    bool identity = s.size() == se - sb;
    if (!pending_.empty() && (pending_end_ != sb || !identity)) Flush();
    if (!identity) {
      sink_.OnText(s, sb, se, lines_.LineOf(at_));
      return;
    }
    if (pending_.empty()) {
      pending_begin_ = sb;
      pending_line_ = lines_.LineOf(at_);
    }
    pending_ += s;
    pending_end_ = se;
  }
  void Flush() {
    if (!pending_.empty()) sink_.OnText(pending_, pending_begin_, pending_end_, pending_line_);
    pending_.clear();
  }

  void Word(uint64_t at) {
    std::string_view w(word_);
    if (w == "objdata" && on_object_ && !skipping() && obj_depth_ == 0) {
      // Its text is skipped as any object data's is (below); its hex is
      // gathered as the object's bytes.
      obj_depth_ = depth_;
      obj_cut_ = false;
      obj_nibble_ = -1;
    }
    if (star_ && !skipping()) {
      if (IsReadStarDestination(w)) {
        Out("\n", at, at);  // apart from the text it is anchored in
      } else {
        skip_depth_ = depth_;  // \*\unknown: an ignorable destination
      }
    }
    star_ = false;
    if (IsSkippedDestination(w) && !skipping()) skip_depth_ = depth_;
    if (w == "bin" && has_param_ && param_ > 0) bin_left_ = static_cast<uint64_t>(param_);
    if (w == "par" || w == "line" || w == "row" || w == "sect" || w == "page") {
      Out("\n", at, at);
    } else if (w == "tab" || w == "cell") {
      Out(" ", at, at);
    } else if (w == "uc" && has_param_) {
      // The fallback of one character is a few bytes; a hostile \uc999999999
      // would hide everything after each \u.
      uc_ = static_cast<int>(std::clamp<long>(param_, 0, kMaxFallback));
    } else if (w == "u" && has_param_) {
      long cp = param_ < 0 ? param_ + 65536 : param_;
      std::string s;
      AppendUtf8(static_cast<uint32_t>(cp), s);
      Out(s, word_start_, at);
      fallback_ = uc_;
    }
  }

  void Step(char c, uint64_t pos) {
    if (bin_left_ > 0) {  // the first of \binN's bytes, right after its number
      --bin_left_;
      if (in_object()) ObjectBytes(std::string_view(&c, 1));
      return;
    }
    switch (state_) {
      case State::kText:
        if (c == '\\') {
          state_ = State::kBackslash;
          word_start_ = pos;
        } else if (c == '{') {
          ++depth_;
          fallback_ = 0;  // a group ends a \uN's fallback
        } else if (c == '}') {
          fallback_ = 0;
          if (obj_depth_ > 0 && depth_ <= obj_depth_) EndObject();
          if (skip_depth_ > 0 && depth_ <= skip_depth_) skip_depth_ = 0;
          if (depth_ > 0) --depth_;
        } else if (in_object()) {
          ObjectHex(c);
        } else if (c != '\r' && c != '\n') {
          if (static_cast<unsigned char>(c) >= 0x80) {
            std::string s;
            AppendUtf8(static_cast<unsigned char>(c), s);
            Out(s, pos, pos + 1);
          } else {
            Out(std::string_view(&c, 1), pos, pos + 1);
          }
        }
        return;
      case State::kBackslash:
        if (std::isalpha(static_cast<unsigned char>(c))) {
          word_.assign(1, c);
          has_param_ = false;
          param_ = 0;
          neg_ = false;
          state_ = State::kWord;
        } else if (c == '\'') {
          state_ = State::kHex1;
        } else {
          state_ = State::kText;
          if (c == '*') {
            star_ = true;
          } else if (c == '\\' || c == '{' || c == '}') {
            Out(std::string_view(&c, 1), word_start_, pos + 1);
          } else if (c == '~') {
            Out(" ", word_start_, pos + 1);
          } else if (c == '_') {
            Out("-", word_start_, pos + 1);
          } else if (c == '\n' || c == '\r') {
            Out("\n", word_start_, pos + 1);
          }
        }
        return;
      case State::kWord:
        if (std::isalpha(static_cast<unsigned char>(c)) && word_.size() < 32) {
          word_ += c;
          return;
        }
        if (c == '-' || std::isdigit(static_cast<unsigned char>(c))) {
          neg_ = c == '-';
          has_param_ = c != '-';
          param_ = c == '-' ? 0 : c - '0';
          state_ = State::kParam;
          return;
        }
        state_ = State::kText;
        Word(pos);
        if (c != ' ') Step(c, pos);
        return;
      case State::kParam:
        if (std::isdigit(static_cast<unsigned char>(c))) {
          has_param_ = true;
          if (param_ < 100000000) param_ = param_ * 10 + (c - '0');
          return;
        }
        if (neg_) param_ = -param_;
        state_ = State::kText;
        Word(pos);
        if (c != ' ') Step(c, pos);
        return;
      case State::kHex1:
      case State::kHex2: {
        const int v = HexValue(c);
        if (v < 0) {
          state_ = State::kText;
          Step(c, pos);
          return;
        }
        hex_ = state_ == State::kHex1 ? v : hex_ * 16 + v;
        if (state_ == State::kHex1) {
          state_ = State::kHex2;
          return;
        }
        state_ = State::kText;
        // Windows-1252, the RTF default code page (\ansicpg1252).
        const uint32_t cp = Cp1252CodePoint(static_cast<uint8_t>(hex_));
        std::string s;
        AppendUtf8(cp, s);
        Out(s, word_start_, pos + 1);
        return;
      }
    }
  }

  formats::TextSink& sink_;
  size_t max_object_;
  OnObject on_object_;
  size_t obj_depth_ = 0;  // the \objdata group's depth while in it, else 0
  std::string obj_;
  int obj_nibble_ = -1;  // a byte's first hex digit
  bool obj_cut_ = false;
  uint64_t bin_left_ = 0;  // \binN's bytes still to come
  State state_ = State::kText;
  size_t depth_ = 0;
  size_t skip_depth_ = 0;
  std::string word_;
  bool has_param_ = false, neg_ = false, star_ = false;
  long param_ = 0;
  int hex_ = 0;
  static constexpr long kMaxFallback = 16;
  int uc_ = 1;
  int fallback_ = 0;
  uint64_t word_start_ = 0;
  std::string pending_;
  uint64_t pending_begin_ = 0, pending_end_ = 0;
  // Source lines, the byte being stepped (its index in the piece Feed() was
  // given) and the line of pending_. Text is put out as its last source
  // byte is stepped, and a control word, \'hh or escape is on one line, that
  // of its last byte (a line break there, an escaped LF or CR, belongs to
  // the line it ends).
  formats::LineCursor lines_;
  size_t at_ = 0;
  uint64_t pending_line_ = 1;
};

}  // namespace

void Extractor::Impl::Rtf(formats::PeekSource& in, size_t idx, int depth, Records& out) {
  formats::TextSink sink(MatcherAt(depth), *budget_, limits_.max_locators);
  MemberNames names;
  int objects = 0;
  bool members_left = true;
  RtfText rtf(sink, limits_.max_buffered_member, [&](std::string_view bytes, bool cut) {
    if (!members_left) return;
    if (!budget_->CheckTime() || !budget_->TakeMember()) {
      MarkPartial(out[idx], budget_->reason());
      members_left = false;
      return;
    }
    RtfObject(bytes, cut, ++objects, names, idx, depth, out);
    if (budget_->exhausted()) {
      MarkPartial(out[idx], budget_->reason());
      members_left = false;
    }
  });
  uint64_t pos = 0;
  Pump(in, depth, out[idx], true, [&](std::string_view bytes) {
    rtf.Feed(bytes, pos);
    pos += bytes.size();
    return !sink.stopped();
  });
  rtf.Finish();
  if (rtf.in_binary() && !sink.stopped()) {
    MarkPartial(out[idx], "corrupt", "the file ends inside \\bin data");
  }
  sink.Finish(out[idx]);
}

void Extractor::Impl::RtfObject(std::string_view bytes, bool cut, int n, MemberNames& names,
                                size_t idx, int depth, Records& out) {
  auto object = formats::ReadOle1Object(bytes);
  // A linked object: its data is elsewhere, nothing to read here.
  if (!object.ok() && object.status().code() == StatusCode::kUnsupported) return;
  // A packaged file is the file it carries, under its own name, as in a
  // compound file's "\x01Ole10Native" stream; any other object is its
  // compound file.
  std::string_view data;
  std::string name;
  if (object.ok()) {
    data = object.value().data;
    if (object.value().class_name == "Package") {
      auto file = formats::ReadOle10Native(object.value().native);
      if (file.ok()) {
        data = file.value().data;
        name = CarriedFileName(file.value().name);
      }
    }
  }
  const std::string member = names.Take(name.empty() ? "object-" + std::to_string(n) : name);
  const size_t m =
      AddMember(member, idx, static_cast<int64_t>(bytes.size()), out[idx].mtime_ns, out);
  if (!budget_->ChargeBytes(bytes.size())) {
    MarkPartial(out[m], budget_->reason());
    return;
  }
  if (!object.ok()) {
    // Data cut at --max-buffered-member reads as a header that runs past
    // its bytes; so does a file that ends inside it, which is damage.
    if (cut && object.status().code() == StatusCode::kCorrupt) {
      MarkPartial(out[m], "limit_size", "embedded object over --max-buffered-member, not read");
    } else {
      MarkFailure(out[m], object.status(), false);
    }
    return;
  }
  OleMember(data, member, m, depth, out);
}

}  // namespace phiscan::scanner
