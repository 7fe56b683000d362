// DICOM: the header's text attributes, one line each ("Patient ID: ..."),
// every value declared under its attribute's evidence name. Offsets are in
// this extracted text.
#include "scanner/formats/dicom.h"
#include "scanner/formats/extract_impl.h"

namespace phiscan::scanner {
namespace {

// Elements between time and stop checks.
constexpr int kElementsPerCheck = 256;

class DicomText : public formats::dicom::Visitor {
 public:
  DicomText(formats::TextSink& sink, Budget& budget) : sink_(sink), budget_(budget) {}

  bool OnElement(const formats::dicom::Element& e) override {
    std::string_view name = formats::dicom::AttributeName(e.tag);
    if (name.empty()) {
      static const char kHex[] = "0123456789ABCDEF";
      unknown_ = "(";
      for (int shift = 28; shift >= 0; shift -= 4) {
        unknown_ += kHex[(e.tag >> shift) & 0xF];
        if (shift == 16) unknown_ += ',';
      }
      unknown_ += ')';
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
    text.reserve(value_.size());
    for (size_t i = 0; i < value_.size(); ++i) {
      char c = value_[i];
      if (c == '\\') {
        text += "; ";  // value multiplicity separator
      } else if (pn && (c == '^' || c == '=')) {
        // PN components (Family^Given^Middle^Prefix^Suffix) and groups.
        if (!text.empty() && text.back() != ' ') text += ' ';
      } else {
        text += c;
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
