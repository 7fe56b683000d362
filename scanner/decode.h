// Text decoding: from the bytes of an asset to the UTF-8 the classifiers
// read, and from offsets in that UTF-8 back to offsets in the bytes.
//
// SniffEncoding() looks at the first bytes of a stream: a UTF-8 or UTF-16
// byte-order mark (a UTF-16 one followed by NUL-free, valid UTF-8 is UTF-8
// after it), else the NUL pattern of UTF-16 text without one (NULs at
// nearly every odd or every even position, ripgrep's and ClamAV's heuristic),
// else any NUL means binary, else UTF-8.
//
// TextDecoder converts a stream in any split to UTF-8 and hands it to a
// TextConsumer in pieces, each labelled with the source byte range it came
// from; within one piece the mapping is linear (every code point in it has the
// same encoded length in source and output), so an offset map built from the
// pieces is exact at code point boundaries. Invalid UTF-8 bytes are read as
// Windows-1252 (Latin-1 plus the 0x80-0x9F punctuation), one byte at a time,
// so mixed files keep their valid UTF-8; an unpaired UTF-16 surrogate or a
// dangling odd byte becomes U+FFFD. Valid UTF-8 input is passed through
// without copying.
//
// OffsetMap keeps those pieces as runs and answers "which source bytes hold
// decoded [start, end)". Runs with the same ratio that touch are merged, so
// ASCII-only UTF-16 is one run; ForgetBefore() drops runs no pending match can
// need, which keeps memory constant on long streams. Where the text leaves
// out or adds line breaks (markup), it also answers "on which source line",
// from the points where the difference between the two lines changes.
//
// Thread safety: plain objects, one owner at a time.
#ifndef PHISCAN_SCANNER_DECODE_H_
#define PHISCAN_SCANNER_DECODE_H_

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>

namespace phiscan::scanner {

// Appends code point `cp` as UTF-8; a surrogate or a value past U+10FFFF
// becomes U+FFFD. Shared by the decoder and the format transformers.
void AppendUtf8(uint32_t cp, std::string& out);

// The code point of byte `b` in Windows-1252 (the 8-bit code page of RTF,
// legacy Office and Outlook): Latin-1 but for 0x80-0x9F.
uint32_t Cp1252CodePoint(uint8_t b);

enum class TextEncoding { kUtf8, kUtf16Le, kUtf16Be, kUtf32Le, kUtf32Be, kBinary };
const char* TextEncodingName(TextEncoding encoding);

struct EncodingGuess {
  TextEncoding encoding = TextEncoding::kUtf8;
  size_t bom_bytes = 0;  // bytes of byte-order mark to skip
};

// Decides the encoding from the first bytes of a stream (the caller passes
// what it has, ideally ScanLimits::sniff_bytes).
EncodingGuess SniffEncoding(std::string_view head);

class TextConsumer {
 public:
  virtual ~TextConsumer() = default;
  // `utf8` was decoded from source bytes [src_begin, src_end). The view is
  // valid only during the call.
  virtual void OnText(std::string_view utf8, uint64_t src_begin, uint64_t src_end) = 0;
};

class TextDecoder {
 public:
  // REQUIRES: encoding is not kBinary. `src_offset` is the source offset of
  // the first byte passed to Decode() (after a skipped BOM, the BOM length).
  explicit TextDecoder(TextEncoding encoding, uint64_t src_offset = 0);

  // Decodes `bytes`, which follow the previous call's. A sequence cut by the
  // split is completed on the next call.
  void Decode(std::string_view bytes, TextConsumer& out);
  // Flushes an incomplete trailing sequence.
  void Finish(TextConsumer& out);

  // The next n source bytes are zeros (a hole in a sparse file). Decodes the
  // first kHoleText of them like any zeros, which ends any cut sequence and
  // is wider than any match or evidence window, and moves the source offset
  // past the rest without emitting them, so text after the hole keeps its
  // true source offsets. Returns n, or 0 (nothing done: decode the bytes
  // instead) when n is too short or would break UTF-16 unit alignment.
  uint64_t SkipZeros(uint64_t n, TextConsumer& out);
  static constexpr size_t kHoleText = 64 << 10;

 private:
  void DecodeUtf8(std::string_view bytes, TextConsumer& out);
  void DecodeUtf16(std::string_view bytes, TextConsumer& out);
  void DecodeUtf32(std::string_view bytes, TextConsumer& out);
  // Bytes per code unit: 1, 2 or 4.
  size_t UnitBytes() const;
  // `bytes` after the sequence the previous split cut (kept in carry_),
  // joined in `joined` if there is one.
  std::string_view JoinCarry(std::string_view bytes, std::string& joined);
  // Keeps the cut sequence `rest` (len bytes, at source offset rest_pos) for
  // the next call; the source offset moves to it.
  void KeepCarry(const unsigned char* rest, size_t len, uint64_t rest_pos);
  void EmitScratch(TextConsumer& out);

  TextEncoding encoding_;
  uint64_t pos_;            // source offset of the next unconsumed byte
  char carry_[4] = {};      // bytes of a sequence cut by the previous split
  size_t carry_len_ = 0;
  std::string scratch_;     // converted output, reused
  uint64_t scratch_src_ = 0;  // source range of the piece in scratch_
  uint64_t scratch_src_end_ = 0;
  int scratch_class_ = -1;  // (output bytes per source unit) of the piece
};

// A TextDecoder for a part whose encoding its first bytes say: an XML part
// of an Office package or an OpenDocument is UTF-8 or UTF-16 (ECMA-376 Part
// 2 allows both), with a byte-order mark or with NULs that SniffEncoding
// reads as UTF-16; anything else, binary-looking bytes included, is read as
// UTF-8, as a plain TextDecoder(kUtf8) would.
class SniffingDecoder {
 public:
  void Decode(std::string_view bytes, TextConsumer& out);
  void Finish(TextConsumer& out);

 private:
  static constexpr size_t kSniffBytes = 512;
  void Start(TextConsumer& out);

  std::string head_;  // the first bytes, until kSniffBytes are in
  TextDecoder decoder_{TextEncoding::kUtf8};
  bool started_ = false;
};

class OffsetMap {
 public:
  // Records that text [text_begin, text_begin + text_len) came from source
  // [src_begin, src_begin + src_len). REQUIRES: text_begin is at or after the
  // end of the previous run.
  void Add(uint64_t text_begin, uint64_t text_len, uint64_t src_begin, uint64_t src_len);

  // Source offset of the first byte of the value starting at text offset
  // `text`, and one past the last byte of a value ending at `text`. Offsets
  // in a gap between runs (text that came from nowhere, e.g. a separator the
  // extractor inserted) map to the next run's start / previous run's end.
  uint64_t MapStart(uint64_t text) const;
  uint64_t MapEnd(uint64_t text) const;

  // From text offset `text_begin` on, the source line of a byte is its line
  // in the text plus `line_delta` (before the first call: plus 0).
  // REQUIRES: text_begin at or after that of the previous call.
  void SetLineDelta(uint64_t text_begin, int64_t line_delta);
  // The line_delta in force at text offset `text`.
  int64_t LineDelta(uint64_t text) const {
    return line_steps_.empty() ? 0 : SteppedLineDelta(text);  // plain text: none
  }

  // Forgets runs that end at or before `text`, and line deltas no offset from
  // `text` on is under; later calls must not ask about offsets before it.
  void ForgetBefore(uint64_t text);
  void Clear() {
    runs_.clear();
    line_steps_.clear();
  }
  size_t runs() const { return runs_.size(); }

 private:
  struct Run {
    uint64_t text_begin, text_len, src_begin, src_len;
  };
  // Where the line delta changes. Apart from the runs, so that plain text,
  // which has none, pays nothing for them, and a run stays 32 bytes (a
  // deque of them finds one with shifts, not divisions).
  struct LineStep {
    uint64_t text_begin;
    int64_t line_delta;
  };
  int64_t SteppedLineDelta(uint64_t text) const;
  static uint64_t Scale(uint64_t d, uint64_t num, uint64_t den, bool round_up);
  std::deque<Run> runs_;
  std::deque<LineStep> line_steps_;
};

}  // namespace phiscan::scanner

#endif  // PHISCAN_SCANNER_DECODE_H_
