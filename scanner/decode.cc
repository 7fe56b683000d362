#include "scanner/decode.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <algorithm>
#include <cstring>
#include <iterator>

namespace phiscan::scanner {
namespace {

// Windows-1252 code points for bytes 0x80-0x9F; 0xA0-0xFF equal Latin-1.
// The five undefined positions keep their C1 control code point.
constexpr uint16_t kCp1252High[32] = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
    0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178};

uint32_t Cp1252(unsigned char b) { return b >= 0x80 && b < 0xA0 ? kCp1252High[b - 0x80] : b; }

// Length of the valid UTF-8 sequence at p (RFC 3629: no overlongs, no
// surrogates, nothing past U+10FFFF); 0 if invalid; -1 if the `avail` bytes
// are a valid but incomplete prefix.
int Utf8SequenceLength(const unsigned char* p, size_t avail) {
  unsigned char c = p[0];
  int need;
  unsigned char lo = 0x80, hi = 0xBF;
  if (c < 0x80) return 1;
  if (c < 0xC2) return 0;
  if (c < 0xE0) {
    need = 2;
  } else if (c < 0xF0) {
    need = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c < 0xF5) {
    need = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  for (int k = 1; k < need; ++k) {
    if (static_cast<size_t>(k) >= avail) return -1;
    unsigned char b = p[k];
    if (k == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xBF)) return 0;
  }
  return need;
}

// At least 32 bytes, no NUL among them, and valid UTF-8 (a sequence cut
// at the end allowed).
bool LooksLikeUtf8(std::string_view s) {
  if (s.size() < 32 || std::memchr(s.data(), '\0', s.size()) != nullptr) return false;
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  for (size_t i = 0; i < s.size();) {
    const int len = Utf8SequenceLength(p + i, s.size() - i);
    if (len < 0) return true;
    if (len == 0) return false;
    i += static_cast<size_t>(len);
  }
  return true;
}

}  // namespace

uint32_t Cp1252CodePoint(uint8_t b) {
  static const uint16_t kHigh[32] = {
      0x20AC, 0x81,   0x201A, 0x192,  0x201E, 0x2026, 0x2020, 0x2021, 0x2C6,  0x2030, 0x160,
      0x2039, 0x152,  0x8D,   0x17D,  0x8F,   0x90,   0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
      0x2013, 0x2014, 0x2DC,  0x2122, 0x161,  0x203A, 0x153,  0x9D,   0x17E,  0x178};
  return b >= 0x80 && b < 0xA0 ? kHigh[b - 0x80] : b;
}

void AppendUtf8(uint32_t cp, std::string& out) {
  if (cp > 0x10FFFF || (cp >= 0xD800 && cp < 0xE000)) cp = 0xFFFD;
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

const char* TextEncodingName(TextEncoding encoding) {
  switch (encoding) {
    case TextEncoding::kUtf8: return "utf-8";
    case TextEncoding::kUtf16Le: return "utf-16le";
    case TextEncoding::kUtf16Be: return "utf-16be";
    case TextEncoding::kUtf32Le: return "utf-32le";
    case TextEncoding::kUtf32Be: return "utf-32be";
    case TextEncoding::kBinary: return "binary";
  }
  return "?";
}

EncodingGuess SniffEncoding(std::string_view head) {
  auto b = [&](size_t i) { return static_cast<unsigned char>(head[i]); };
  if (head.size() >= 3 && b(0) == 0xEF && b(1) == 0xBB && b(2) == 0xBF) {
    return {TextEncoding::kUtf8, 3};
  }
  // UTF-32's little-endian BOM begins with UTF-16's.
  if (head.size() >= 4 && b(0) == 0xFF && b(1) == 0xFE && b(2) == 0 && b(3) == 0) {
    return {TextEncoding::kUtf32Le, 4};
  }
  if (head.size() >= 4 && b(0) == 0 && b(1) == 0 && b(2) == 0xFE && b(3) == 0xFF) {
    return {TextEncoding::kUtf32Be, 4};
  }
  if (head.size() >= 2 && ((b(0) == 0xFF && b(1) == 0xFE) || (b(0) == 0xFE && b(1) == 0xFF))) {
    // A UTF-16 BOM in front of UTF-8 (two bytes put before a file, by
    // mistake or on purpose): UTF-16 text of any script holds NULs (the
    // high byte of its spaces and line ends), UTF-8 never does. Read as
    // UTF-16 it decoded to ideographs, and its identifiers went unseen
    // while the file read as clean.
    if (LooksLikeUtf8(head.substr(2))) return {TextEncoding::kUtf8, 2};
    return {b(0) == 0xFF ? TextEncoding::kUtf16Le : TextEncoding::kUtf16Be, 2};
  }
  if (std::memchr(head.data(), '\0', head.size()) == nullptr) return {TextEncoding::kUtf8, 0};
  // UTF-16 without a BOM: text in Latin scripts has a NUL in nearly every
  // high byte and almost never in a low byte. Random binary has NULs at both
  // parities about equally (1/256 each), so it never passes both thresholds.
  // Text in other alphabets (Cyrillic, Greek, Hebrew, Arabic, Indic) keeps
  // NULs in the high bytes of its spaces, digits and punctuation, and its
  // letters' high bytes are small (U+0370-0DFF). ASCII text with a NUL every
  // few bytes (padding, or a NUL inserted on purpose) has the parity too,
  // but read as UTF-16 most of its units are two printable ASCII bytes, CJK
  // ideographs made up of letter pairs: that is binary, a recorded gap, not
  // text that decodes to nothing and reads as clean.
  size_t pairs = head.size() / 2;
  if (pairs >= 2) {
    size_t even = 0, odd = 0, ascii_pairs = 0;
    auto printable = [](unsigned char c) { return c >= 0x20 && c < 0x7F; };
    for (size_t i = 0; i < pairs * 2; i += 2) {
      even += head[i] == '\0';
      odd += head[i + 1] == '\0';
      ascii_pairs += printable(b(i)) && printable(b(i + 1));
    }
    const bool text_like = ascii_pairs * 10 <= pairs;
    if (odd * 10 >= pairs * 3 && even * 20 <= pairs && text_like) {
      return {TextEncoding::kUtf16Le, 0};
    }
    if (even * 10 >= pairs * 3 && odd * 20 <= pairs && text_like) {
      return {TextEncoding::kUtf16Be, 0};
    }
  }
  return {TextEncoding::kBinary, 0};
}

TextDecoder::TextDecoder(TextEncoding encoding, uint64_t src_offset)
    : encoding_(encoding), pos_(src_offset) {}

void TextDecoder::EmitScratch(TextConsumer& out) {
  if (!scratch_.empty()) out.OnText(scratch_, scratch_src_, scratch_src_end_);
  scratch_.clear();
  scratch_class_ = -1;
}

void TextDecoder::Decode(std::string_view bytes, TextConsumer& out) {
  if (encoding_ == TextEncoding::kUtf8) {
    DecodeUtf8(bytes, out);
  } else if (UnitBytes() == 2) {
    DecodeUtf16(bytes, out);
  } else {
    DecodeUtf32(bytes, out);
  }
}

size_t TextDecoder::UnitBytes() const {
  switch (encoding_) {
    case TextEncoding::kUtf16Le:
    case TextEncoding::kUtf16Be: return 2;
    case TextEncoding::kUtf32Le:
    case TextEncoding::kUtf32Be: return 4;
    default: return 1;
  }
}

std::string_view TextDecoder::JoinCarry(std::string_view bytes, std::string& joined) {
  if (carry_len_ == 0) return bytes;
  joined.assign(carry_, carry_len_);
  joined.append(bytes);
  carry_len_ = 0;
  return joined;
}

void TextDecoder::KeepCarry(const unsigned char* rest, size_t len, uint64_t rest_pos) {
  carry_len_ = len;
  std::memcpy(carry_, rest, len);
  pos_ = rest_pos;
}

void TextDecoder::DecodeUtf8(std::string_view bytes, TextConsumer& out) {
  std::string joined;  // only when a sequence was cut by the previous split
  bytes = JoinCarry(bytes, joined);
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const size_t n = bytes.size();
  const uint64_t base = pos_;
  size_t run = 0, i = 0;
  auto flush_run = [&] {
    if (i > run) {
      EmitScratch(out);
      out.OnText(bytes.substr(run, i - run), base + run, base + i);
    }
  };
  while (i < n) {
    // ASCII fast path, 32 bytes at a time, then eight.
#if defined(__SSE2__)
    while (i + 32 <= n) {
      const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
      const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i + 16));
      if (_mm_movemask_epi8(_mm_or_si128(a, b)) != 0) break;
      i += 32;
    }
#endif
    while (i + 8 <= n) {
      uint64_t w;
      std::memcpy(&w, p + i, 8);
      if (w & 0x8080808080808080ull) break;
      i += 8;
    }
    if (i >= n) break;
    if (p[i] < 0x80) {
      ++i;
      continue;
    }
    int len = Utf8SequenceLength(p + i, n - i);
    if (len > 0) {
      i += static_cast<size_t>(len);
      continue;
    }
    if (len < 0) {  // cut by the split: finish it next time
      flush_run();
      KeepCarry(p + i, n - i, base + i);
      return;
    }
    flush_run();
    // One invalid byte read as Windows-1252. Consecutive ones with the same
    // output length share one piece.
    uint32_t cp = Cp1252(p[i]);
    int cls = cp < 0x800 ? 2 : 3;
    if (scratch_class_ != cls || scratch_src_end_ != base + i) EmitScratch(out);
    if (scratch_.empty()) scratch_src_ = base + i;
    AppendUtf8(cp, scratch_);
    scratch_class_ = cls;
    scratch_src_end_ = base + i + 1;
    ++i;
    run = i;
  }
  flush_run();
  EmitScratch(out);
  pos_ = base + n;
}

void TextDecoder::DecodeUtf16(std::string_view bytes, TextConsumer& out) {
  std::string joined;
  bytes = JoinCarry(bytes, joined);
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const size_t n = bytes.size();
  const uint64_t base = pos_;
  const bool le = encoding_ == TextEncoding::kUtf16Le;
  auto unit = [&](size_t i) -> uint32_t {
    return le ? (p[i] | (p[i + 1] << 8)) : ((p[i] << 8) | p[i + 1]);
  };
  size_t i = 0;
  while (i + 2 <= n) {
    uint32_t u = unit(i);
    uint32_t cp = u;
    size_t src = 2;
    if (u >= 0xD800 && u < 0xDC00) {
      if (i + 4 > n) break;  // its pair may follow in the next split
      uint32_t u2 = unit(i + 2);
      if (u2 >= 0xDC00 && u2 < 0xE000) {
        cp = 0x10000 + ((u - 0xD800) << 10) + (u2 - 0xDC00);
        src = 4;
      } else {
        cp = 0xFFFD;
      }
    } else if (u >= 0xDC00 && u < 0xE000) {
      cp = 0xFFFD;
    }
    size_t out_len = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    int cls = static_cast<int>(out_len * 4 / src);  // output bytes per source byte, x4
    if (cls != scratch_class_) EmitScratch(out);
    if (scratch_.empty()) scratch_src_ = base + i;
    AppendUtf8(cp, scratch_);
    scratch_class_ = cls;
    i += src;
    scratch_src_end_ = base + i;
  }
  EmitScratch(out);
  KeepCarry(p + i, n - i, base + i);
}

void TextDecoder::DecodeUtf32(std::string_view bytes, TextConsumer& out) {
  std::string joined;
  bytes = JoinCarry(bytes, joined);
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const size_t n = bytes.size();
  const uint64_t base = pos_;
  const bool le = encoding_ == TextEncoding::kUtf32Le;
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const uint32_t cp =
        le ? (p[i] | (p[i + 1] << 8) | (p[i + 2] << 16) | (uint32_t{p[i + 3]} << 24))
           : ((uint32_t{p[i]} << 24) | (p[i + 1] << 16) | (p[i + 2] << 8) | p[i + 3]);
    size_t out_len = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    int cls = static_cast<int>(out_len);  // output bytes per source byte, x4: out_len * 4 / 4
    if (cls != scratch_class_) EmitScratch(out);
    if (scratch_.empty()) scratch_src_ = base + i;
    AppendUtf8(cp, scratch_);  // a surrogate or a value past U+10FFFF: U+FFFD
    scratch_class_ = cls;
    scratch_src_end_ = base + i + 4;
  }
  EmitScratch(out);
  KeepCarry(p + i, n - i, base + i);
}

void SniffingDecoder::Decode(std::string_view bytes, TextConsumer& out) {
  if (started_) return decoder_.Decode(bytes, out);
  head_.append(bytes);
  if (head_.size() >= kSniffBytes) Start(out);
}

void SniffingDecoder::Finish(TextConsumer& out) {
  if (!started_) Start(out);
  decoder_.Finish(out);
}

void SniffingDecoder::Start(TextConsumer& out) {
  started_ = true;
  EncodingGuess guess = SniffEncoding(head_);
  if (guess.encoding == TextEncoding::kBinary) guess = {};
  decoder_ = TextDecoder(guess.encoding, guess.bom_bytes);
  decoder_.Decode(std::string_view(head_).substr(guess.bom_bytes), out);
  head_.clear();
  head_.shrink_to_fit();
}

void TextDecoder::Finish(TextConsumer& out) {
  EmitScratch(out);
  for (size_t k = 0; k < carry_len_;) {
    std::string piece;
    size_t src = 1;
    if (encoding_ == TextEncoding::kUtf8) {
      AppendUtf8(Cp1252(static_cast<unsigned char>(carry_[k])), piece);
    } else {
      src = std::min(carry_len_ - k, UnitBytes());  // a cut unit
      AppendUtf8(0xFFFD, piece);
    }
    out.OnText(piece, pos_ + k, pos_ + k + src);
    k += src;
  }
  pos_ += carry_len_;
  carry_len_ = 0;
}

uint64_t TextDecoder::SkipZeros(uint64_t n, TextConsumer& out) {
  static const std::string kZeros(kHoleText + 3, '\0');  // up to a unit more
  const size_t unit = UnitBytes();
  size_t z = kHoleText;
  while ((carry_len_ + z) % unit != 0) ++z;  // end on a unit
  if (n <= z) return 0;
  const uint64_t skip = n - z;
  if (skip % unit != 0) return 0;
  Decode(std::string_view(kZeros.data(), z), out);
  EmitScratch(out);  // a run of text must not span the skipped bytes
  pos_ += skip;
  return n;
}

// ---- OffsetMap ----------------------------------------------------------

uint64_t OffsetMap::Scale(uint64_t d, uint64_t num, uint64_t den, bool round_up) {
  if (num == den) return d;
  unsigned __int128 x = static_cast<unsigned __int128>(d) * num;
  if (round_up) x += den - 1;
  return static_cast<uint64_t>(x / den);
}

void OffsetMap::Add(uint64_t text_begin, uint64_t text_len, uint64_t src_begin,
                    uint64_t src_len) {
  if (text_len == 0) return;
  if (!runs_.empty()) {
    Run& last = runs_.back();
    if (last.text_begin + last.text_len == text_begin &&
        last.src_begin + last.src_len == src_begin &&
        static_cast<unsigned __int128>(last.text_len) * src_len ==
            static_cast<unsigned __int128>(text_len) * last.src_len) {
      last.text_len += text_len;
      last.src_len += src_len;
      return;
    }
  }
  runs_.push_back({text_begin, text_len, src_begin, src_len});
}

uint64_t OffsetMap::MapStart(uint64_t text) const {
  if (runs_.empty()) return text;
  // First run that ends after `text`.
  auto it = std::upper_bound(runs_.begin(), runs_.end(), text, [](uint64_t t, const Run& r) {
    return t < r.text_begin + r.text_len;
  });
  if (it == runs_.end()) return runs_.back().src_begin + runs_.back().src_len;
  if (text < it->text_begin) return it->src_begin;
  return it->src_begin + Scale(text - it->text_begin, it->src_len, it->text_len, false);
}

uint64_t OffsetMap::MapEnd(uint64_t text) const {
  if (runs_.empty()) return text;
  // Last run that starts before `text`.
  auto it = std::lower_bound(runs_.begin(), runs_.end(), text,
                             [](const Run& r, uint64_t t) { return r.text_begin < t; });
  if (it == runs_.begin()) return runs_.front().src_begin;
  --it;
  if (text >= it->text_begin + it->text_len) return it->src_begin + it->src_len;
  return it->src_begin + Scale(text - it->text_begin, it->src_len, it->text_len, true);
}

void OffsetMap::SetLineDelta(uint64_t text_begin, int64_t line_delta) {
  if (line_delta == (line_steps_.empty() ? 0 : line_steps_.back().line_delta)) return;
  if (!line_steps_.empty() && line_steps_.back().text_begin == text_begin) {
    line_steps_.back().line_delta = line_delta;
  } else {
    line_steps_.push_back({text_begin, line_delta});
  }
}

int64_t OffsetMap::SteppedLineDelta(uint64_t text) const {
  // The last step at or before `text`.
  auto it = std::upper_bound(line_steps_.begin(), line_steps_.end(), text,
                             [](uint64_t t, const LineStep& s) { return t < s.text_begin; });
  return it == line_steps_.begin() ? 0 : std::prev(it)->line_delta;
}

void OffsetMap::ForgetBefore(uint64_t text) {
  // Keep at least one run so offsets in a trailing gap still map.
  while (runs_.size() > 1 && runs_.front().text_begin + runs_.front().text_len <= text) {
    runs_.pop_front();
  }
  // Keep the step `text` is under.
  while (line_steps_.size() > 1 && line_steps_[1].text_begin <= text) line_steps_.pop_front();
}

}  // namespace phiscan::scanner
