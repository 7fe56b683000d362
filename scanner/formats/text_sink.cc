#include "scanner/formats/text_sink.h"

#include <cstring>

namespace phiscan::scanner::formats {

void TextSink::Mapper::OnMatch(const classifiers::Match& match) {
  classifiers::Match m = match;
  m.start = map_.MapStart(match.start);
  m.end = map_.MapEnd(match.end);
  if (m.end < m.start) m.end = m.start;
  next_.OnMatch(m);
}

TextSink::TextSink(classifiers::Matcher& matcher, Budget& budget, int max_locators)
    : matcher_(matcher),
      budget_(budget),
      aggregator_(matcher.rules(), max_locators),
      mapper_(map_, aggregator_) {
  matcher_.Begin(&mapper_);
  chunk_ = matcher_.WritableChunk();
}

TextSink::~TextSink() {
  // A sink abandoned without Finish() (an exception unwinding) must not leave
  // the Matcher pointing at it.
  if (!finished_) matcher_.Begin(nullptr);
}

void TextSink::CommitChunk() {
  if (fill_ == 0) return;
  if (classify_.ok()) classify_ = matcher_.Commit(fill_);
  fill_ = 0;
  chunk_ = matcher_.WritableChunk();
  map_.ForgetBefore(matcher_.undelivered_floor());
  budget_.CheckTime();
}

void TextSink::OnText(std::string_view utf8, uint64_t src_begin, uint64_t src_end) {
  if (utf8.empty() || !classify_.ok()) return;
  if (!text_offsets_) map_.Add(text_pos_, utf8.size(), src_begin, src_end - src_begin);
  text_pos_ += utf8.size();
  while (!utf8.empty()) {
    size_t n = std::min(utf8.size(), chunk_.size() - fill_);
    std::memcpy(chunk_.data() + fill_, utf8.data(), n);
    fill_ += n;
    utf8.remove_prefix(n);
    if (fill_ == chunk_.size()) CommitChunk();
  }
}

void TextSink::Field(uint64_t text_begin, uint64_t text_end, std::string_view name) {
  if (name.empty() || text_end <= text_begin) return;
  matcher_.AddFieldContext(text_begin, text_end, name);
}

void TextSink::Finish(AssetRecord& rec) {
  CommitChunk();
  Status fin = matcher_.Finish();
  finished_ = true;
  if (!classify_.ok() || !fin.ok()) {
    rec.status = AssetStatus::kPartial;
    rec.reason = "match_cap";
    rec.detail = (!classify_.ok() ? classify_ : fin).message();
  } else if (budget_.exhausted() && rec.status == AssetStatus::kComplete) {
    rec.status = AssetStatus::kPartial;
    rec.reason = budget_.reason();
  }
  rec.bytes_scanned = matcher_.bytes_fed();
  aggregator_.FillRecord(rec);
}

}  // namespace phiscan::scanner::formats
