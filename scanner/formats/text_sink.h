// TextSink: the end of every extraction path. Takes UTF-8 text with the
// source range it came from, streams it through the worker's Matcher in
// chunks, and translates each match's offsets back to source bytes (an
// OffsetMap applied in a MatchSink wrapper before aggregation).
//
// Formats with structure declare field spans through Field() (CSV header,
// JSON key, HL7 field, ...), in text offsets as returned by position().
// REQUIRES: a span is declared before any text past its end is appended, and
// spans in increasing start order (the Matcher's AddFieldContext contract).
//
// Thread safety: one per stream, on the thread that owns the Matcher.
#ifndef PHISCAN_SCANNER_FORMATS_TEXT_SINK_H_
#define PHISCAN_SCANNER_FORMATS_TEXT_SINK_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "classifiers/aggregate.h"
#include "classifiers/matcher.h"
#include "common/model.h"
#include "scanner/budget.h"
#include "scanner/decode.h"

namespace phiscan::scanner::formats {

class TextSink : public TextConsumer {
 public:
  // Begins a stream on `matcher`. REQUIRES: both outlive the TextSink.
  TextSink(classifiers::Matcher& matcher, Budget& budget, int max_locators);
  ~TextSink() override;
  TextSink(const TextSink&) = delete;
  TextSink& operator=(const TextSink&) = delete;

  void OnText(std::string_view utf8, uint64_t src_begin, uint64_t src_end) override;
  // Text whose bytes are the source bytes [src_begin, src_begin + size).
  void Identity(std::string_view utf8, uint64_t src_begin) {
    OnText(utf8, src_begin, src_begin + utf8.size());
  }
  // Text the extractor inserts (a separator between cells or parts); it maps
  // to the source position `at`.
  void Synthetic(std::string_view utf8, uint64_t at) { OnText(utf8, at, at); }

  void Field(uint64_t text_begin, uint64_t text_end, std::string_view name);

  // Report offsets into the extracted text instead of source bytes: for
  // text assembled from many parts (Office, PDF, mail), where source offsets
  // of one part mean nothing for the asset. Call before the first OnText.
  void ReportTextOffsets() { text_offsets_ = true; }

  // Text bytes appended so far (the offset the next byte will have).
  uint64_t position() const { return text_pos_; }
  // True once the Matcher's candidate cap or the Budget stopped the stream;
  // producers should stop reading.
  bool stopped() const { return !classify_.ok() || budget_.exhausted(); }

  // Ends the stream and fills `rec`: types, findings (source offsets), label,
  // bytes_scanned. A candidate cap makes it partial(match_cap); an exhausted
  // budget partial(<budget reason>). Leaves other statuses alone.
  void Finish(AssetRecord& rec);

 private:
  class Mapper : public classifiers::MatchSink {
   public:
    Mapper(const OffsetMap& map, classifiers::MatchSink& next) : map_(map), next_(next) {}
    void OnMatch(const classifiers::Match& match) override;
    void OnKeywordList(const std::string& list) override { next_.OnKeywordList(list); }
    bool WantsLocator(int type_index) const override { return next_.WantsLocator(type_index); }

   private:
    const OffsetMap& map_;
    classifiers::MatchSink& next_;
  };
  void CommitChunk();

  classifiers::Matcher& matcher_;
  Budget& budget_;
  classifiers::AssetAggregator aggregator_;
  OffsetMap map_;
  Mapper mapper_;
  std::span<char> chunk_;
  size_t fill_ = 0;
  uint64_t text_pos_ = 0;
  Status classify_;
  bool finished_ = false;
  bool text_offsets_ = false;
};

}  // namespace phiscan::scanner::formats

#endif  // PHISCAN_SCANNER_FORMATS_TEXT_SINK_H_
