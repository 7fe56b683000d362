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
// A finding's line is the Matcher's: its line in the text. Where the text is
// the source's own bytes, decoded or not (plain text, the annotators), that
// is its line in the source. An extractor whose text leaves out or adds
// line breaks of its own (markup, RTF) calls TrackSourceLines() and gives
// the source line of each piece of text: the sink counts the text's line
// breaks, and the offset map keeps the difference, so a finding's line is
// the source line of its start.
//
// Thread safety: one per stream, on the thread that owns the Matcher.
#ifndef PHISCAN_SCANNER_FORMATS_TEXT_SINK_H_
#define PHISCAN_SCANNER_FORMATS_TEXT_SINK_H_

#include <cassert>
#include <cstdint>
#include <string>
#include <string_view>

#include "classifiers/aggregate.h"
#include "classifiers/matcher.h"
#include "common/model.h"
#include "scanner/budget.h"
#include "scanner/decode.h"

namespace phiscan::scanner::formats {

// The source lines of the text an extractor reads piece by piece, counted as
// the Matcher counts lines (classifiers::CountLineBreaks), a piece's bytes
// only up to where a line is asked for: no work per byte in the
// extractor's own loop.
class LineCursor {
 public:
  // The next piece of source text (decoded or not). REQUIRES: the previous
  // piece was finished; this one stays valid until Finish().
  void Next(std::string_view piece) {
    assert(piece_.empty());
    if (piece.empty()) return;
    if (cr_ && piece.front() != '\n') ++line_;  // the CR ending the last piece ended a line
    cr_ = false;
    piece_ = piece;
    at_ = 0;
  }
  // The 1-based line of piece[k]. REQUIRES: k < piece size, and k at or after
  // the k of the previous call for this piece.
  uint64_t LineOf(size_t k) {
    line_ += classifiers::CountLineBreaks(piece_.data() + at_, piece_.data() + k, piece_[k]);
    at_ = k;
    return line_;
  }
  // Counts the rest of the current piece (if any). line() is then the line
  // of text after it, unless it ended with a CR and the text after it is no
  // LF.
  void Finish() {
    if (piece_.empty()) return;
    const char* end = piece_.data() + piece_.size();
    line_ += classifiers::CountLineBreaks(piece_.data() + at_, end, '\n');
    cr_ = piece_.back() == '\r';
    piece_ = {};
  }
  uint64_t line() const { return line_; }

 private:
  std::string_view piece_;
  size_t at_ = 0;      // piece_[0, at_) is counted
  uint64_t line_ = 1;  // the line of piece_[at_]
  bool cr_ = false;    // the previous piece ended with CR
};

class TextSink : public TextConsumer {
 public:
  // Begins a stream on `matcher`. REQUIRES: both outlive the TextSink.
  TextSink(classifiers::Matcher& matcher, Budget& budget, int max_locators);
  ~TextSink() override;
  TextSink(const TextSink&) = delete;
  TextSink& operator=(const TextSink&) = delete;

  void OnText(std::string_view utf8, uint64_t src_begin, uint64_t src_end) override {
    Append(utf8, src_begin, src_end, 0);
  }
  // Text from source [src_begin, src_end), where src_begin is on the 1-based
  // source line `src_line`. Text passed without a line continues the lines
  // of the text before it. REQUIRES: text and source have the same line
  // breaks within the piece (the piece is its source bytes, or is one
  // character).
  void OnText(std::string_view utf8, uint64_t src_begin, uint64_t src_end, uint64_t src_line) {
    Append(utf8, src_begin, src_end, src_line);
  }
  // Text whose bytes are the source bytes [src_begin, src_begin + size).
  void Identity(std::string_view utf8, uint64_t src_begin) {
    OnText(utf8, src_begin, src_begin + utf8.size());
  }
  // Text the extractor inserts (a separator between cells or parts); it maps
  // to the source position `at`.
  void Synthetic(std::string_view utf8, uint64_t at) { OnText(utf8, at, at); }

  void Field(uint64_t text_begin, uint64_t text_end, std::string_view name);
  // Text that stands apart from the text around it (a title row above a
  // table's header): a keyword outside it is no evidence for a value inside
  // it. Same REQUIRES as Field, whose spans it is ordered with.
  void Apart(uint64_t text_begin, uint64_t text_end);

  // Report offsets into the extracted text instead of source bytes: for
  // text assembled from many parts (Office, PDF, mail), where source offsets
  // of one part mean nothing for the asset. Call before the first OnText.
  void ReportTextOffsets() { text_offsets_ = true; }

  // Findings' lines are source lines, from the lines given with the text
  // (see above). REQUIRES: called before the first OnText. No effect after
  // ReportTextOffsets(): lines are then, like offsets, the text's. Returns
  // whether the lines given are used (else the caller may give 0).
  bool TrackSourceLines();

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
  void Append(std::string_view utf8, uint64_t src_begin, uint64_t src_end, uint64_t src_line);
  // Counts the line breaks of `utf8`, about to be appended, and sets
  // the map's line delta from `src_line` (0: keep it).
  void CountLines(std::string_view utf8, uint64_t src_line);
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
  // TrackSourceLines(): line breaks of the text so far, as the Matcher counts
  // them, but for a CR at its end (text_cr_), which is one unless the next
  // text starts with LF.
  bool source_lines_ = false;
  uint64_t text_breaks_ = 0;
  bool text_cr_ = false;
};

}  // namespace phiscan::scanner::formats

#endif  // PHISCAN_SCANNER_FORMATS_TEXT_SINK_H_
