#include "scanner/formats/text_sink.h"

#include <cassert>
#include <cstring>

namespace phiscan::scanner::formats {

void TextSink::Mapper::OnMatch(const classifiers::Match& match) {
  classifiers::Match m = match;
  m.start = map_.MapStart(match.start);
  m.end = map_.MapEnd(match.end);
  if (m.end < m.start) m.end = m.start;
  if (const int64_t delta = map_.LineDelta(match.start); delta != 0) {
    const int64_t line = static_cast<int64_t>(match.line) + delta;
    m.line = line > 0 ? static_cast<uint64_t>(line) : 1;
  }
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

bool TextSink::TrackSourceLines() {
  if (text_offsets_) return false;
  assert(text_pos_ == 0);
  source_lines_ = true;
  return true;
}

void TextSink::CountLines(std::string_view utf8, uint64_t src_line) {
  const uint64_t before = text_breaks_ + (text_cr_ && utf8.front() != '\n' ? 1 : 0);
  if (src_line != 0) {
    const int64_t text_line = static_cast<int64_t>(before + 1);
    map_.SetLineDelta(text_pos_, static_cast<int64_t>(src_line) - text_line);
  }
  const char* p = utf8.data();
  text_breaks_ = before + classifiers::CountLineBreaks(p, p + utf8.size(), '\n');
  text_cr_ = utf8.back() == '\r';
}

void TextSink::Append(std::string_view utf8, uint64_t src_begin, uint64_t src_end,
                      uint64_t src_line) {
  if (utf8.empty() || !classify_.ok()) return;
  if (!text_offsets_) {
    if (source_lines_) CountLines(utf8, src_line);
    map_.Add(text_pos_, utf8.size(), src_begin, src_end - src_begin);
  }
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

void TextSink::Apart(uint64_t text_begin, uint64_t text_end) {
  if (text_end > text_begin) matcher_.AddApartSpan(text_begin, text_end);
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
