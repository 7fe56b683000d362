// DICOM: the header's text attributes, one line each ("Patient ID: ..."),
// every value declared under its attribute's evidence name. Offsets are in
// this extracted text.
#include <cstdio>

#include "scanner/formats/dicom.h"
#include "scanner/formats/extract_impl.h"

namespace phiscan::scanner {
namespace {

// Elements between time and stop checks.
constexpr int kElementsPerCheck = 256;

// A PN value as a name is written in a record: each name (values split at
// '\\') as "Family, Given Middle Prefix Suffix" (its '^' components, empty
// ones left out), its alphabetic, ideographic and phonetic groups ('=')
// apart. Modalities write names in upper case (SMITH^JOHN), which read as
// SMITH JOHN is no name to anyone; SMITH, JOHN is, as an EHR writes it.
void PersonNames(std::string_view value, std::string& text) {
  auto split = [](std::string_view s, char sep, auto&& each) {
    for (;;) {
      size_t at = s.find(sep);
      each(s.substr(0, at));
      if (at == std::string_view::npos) return;
      s.remove_prefix(at + 1);
    }
  };
  std::string group_text;
  split(value, '\\', [&](std::string_view name) {
    const size_t before = text.size();
    if (!text.empty()) text += "; ";
    const size_t start = text.size();
    bool first_group = true;
    split(name, '=', [&](std::string_view group) {
      group_text.clear();
      int component = 0;
      bool after_family = false;  // the next component written follows the family name
      split(group, '^', [&](std::string_view c) {
        while (!c.empty() && c.front() == ' ') c.remove_prefix(1);
        while (!c.empty() && c.back() == ' ') c.remove_suffix(1);
        if (!c.empty()) {
          if (!group_text.empty()) group_text += after_family ? ", " : " ";
          after_family = component == 0;
          group_text += c;
        }
        ++component;
      });
      if (group_text.empty()) return;
      if (!first_group) text += " = ";
      first_group = false;
      text += group_text;
    });
    if (text.size() == start) text.resize(before);  // an empty name
  });
}

class DicomText : public formats::dicom::Visitor {
 public:
  DicomText(formats::TextSink& sink, Budget& budget) : sink_(sink), budget_(budget) {}

  bool OnElement(const formats::dicom::Element& e) override {
    std::string_view name = formats::dicom::AttributeName(e.tag);
    if (name.empty()) {
      char tag[16];
      std::snprintf(tag, sizeof tag, "(%04X,%04X)", static_cast<unsigned>(e.tag >> 16),
                    static_cast<unsigned>(e.tag & 0xFFFF));
      unknown_.assign(tag);
      name = unknown_;
    }
    value_.assign(e.value);
    const bool pn = e.vr[0] == 'P' && e.vr[1] == 'N';
    const bool da = e.vr[0] == 'D' && e.vr[1] == 'A';
    if (da && value_.size() == 8 && value_.find_first_not_of("0123456789") == std::string::npos) {
      // DA is YYYYMMDD; written as YYYY-MM-DD it reads as the date it is.
      value_ = value_.substr(0, 4) + "-" + value_.substr(4, 2) + "-" + value_.substr(6, 2);
    }
    std::string text;
    text.reserve(value_.size() + 8);
    if (pn) {
      PersonNames(value_, text);
    } else {
      for (char c : value_) {
        if (c == '\\') {
          text += "; ";  // value multiplicity separator
        } else {
          text += c;
        }
      }
    }
    while (!text.empty() && text.back() == ' ') text.pop_back();
    sink_.Synthetic(name, sink_.position());
    sink_.Synthetic(": ", sink_.position());
    uint64_t start = sink_.position();
    TextDecoder decoder(TextEncoding::kUtf8);
    decoder.Decode(text, sink_);
    decoder.Finish(sink_);
    std::string_view evidence = formats::dicom::EvidenceName(e.tag);
    if (!evidence.empty()) sink_.Field(start, sink_.position(), evidence);
    sink_.Synthetic("\n", sink_.position());
    if (e.cut) cut_ = true;
    if (++elements_ % kElementsPerCheck == 0 && !budget_.CheckTime()) return false;
    return !sink_.stopped();
  }
  bool cut() const { return cut_; }

 private:
  formats::TextSink& sink_;
  Budget& budget_;
  std::string unknown_, value_;
  int elements_ = 0;
  bool cut_ = false;
};

}  // namespace

void Extractor::Impl::Dicom(formats::PeekSource& in, size_t idx, int depth, Records& out) {
  formats::TextSink sink(MatcherAt(depth), budget(), limits().max_locators);
  sink.ReportTextOffsets();
  DicomText text(sink, budget());
  Status s = formats::dicom::Parse(in, limits().max_structure_depth, text);
  if (s.code() == StatusCode::kUnsupported) {
    MarkPartial(out[idx], "unsupported", s.message());
  } else if (!s.ok()) {
    MarkFailure(out[idx], s, sink.position() > 0);
  }
  if (text.cut()) {
    MarkPartial(out[idx], "limit_size",
                "a DICOM value longer than " + std::to_string(formats::dicom::kMaxValue) +
                    " bytes was cut");
  }
  if (!budget().CheckTime()) MarkPartial(out[idx], budget().reason());
  sink.Finish(out[idx]);
}

}  // namespace phiscan::scanner
