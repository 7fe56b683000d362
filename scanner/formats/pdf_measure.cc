#include "scanner/formats/pdf_measure.h"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/hex.h"

namespace phiscan::scanner::formats {
namespace {

constexpr size_t kPiece = 64 << 10;  // decoded bytes handed on at a time
constexpr size_t kInput = 1 << 20;   // raw bytes given to the first filter at a time
// How far back from `stream` its dictionary is looked for. Stream
// dictionaries are small; the bound keeps the walk linear on a file of
// nothing but `stream` keywords.
constexpr size_t kDictWindow = 64 << 10;

bool IsWhite(char c) {
  return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == '\0';
}
bool IsDelim(char c) {
  return c == '(' || c == ')' || c == '<' || c == '>' || c == '[' || c == ']' || c == '{' ||
         c == '}' || c == '/' || c == '%';
}
bool IsRegular(char c) { return !IsWhite(c) && !IsDelim(c); }
// Receives a filter's output; false: no more is wanted.
using Out = std::function<bool(std::string_view)>;

// One filter of a stream's chain. Feed() consumes all of `in` unless the
// filter reached its end-of-data mark, an error, or `out` refused more
// (then done), and returns how much it consumed. Finish() hands on what is
// still buffered.
class Filter {
 public:
  virtual ~Filter() = default;
  virtual size_t Feed(std::string_view in, const Out& out) = 0;
  virtual void Finish(const Out& out) {}
  bool done() const { return done_; }

 protected:
  bool done_ = false;
};

// Filters that produce a byte at a time collect their output here.
class ByteFilter : public Filter {
 public:
  void Finish(const Out& out) override { Flush(out); }

 protected:
  void Put(char c, const Out& out) {
    buf_[n_++] = c;
    if (n_ == buf_.size()) Flush(out);
  }
  void Flush(const Out& out) {
    if (n_ > 0 && !out(std::string_view(buf_.data(), n_))) done_ = true;
    n_ = 0;
  }

 private:
  std::array<char, kPiece> buf_;
  size_t n_ = 0;
};

// FlateDecode. The zlib header is checked as poppler checks it and the rest
// inflated raw over a window of zeros: poppler's own inflater neither checks
// the Adler-32 trailer nor stops at a distance reaching before the start of
// the output (it reads its zeroed window), so zlib must not stop there
// either, or a bomb could hide behind one such reference.
class Flate : public Filter {
 public:
  Flate() {
    ok_ = inflateInit2(&z_, -MAX_WBITS) == Z_OK;
    if (!ok_) done_ = true;
  }
  ~Flate() override {
    if (ok_) inflateEnd(&z_);
  }
  size_t Feed(std::string_view in, const Out& out) override {
    size_t used = 0;
    while (header_ < 2 && used < in.size()) {
      cmf_flg_[header_++] = static_cast<unsigned char>(in[used++]);
    }
    if (header_ < 2) return used;
    if (header_ == 2) {
      header_ = 3;
      unsigned cmf = cmf_flg_[0], flg = cmf_flg_[1];
      if ((cmf & 0x0f) != 8 || ((cmf << 8) + flg) % 31 != 0 || (flg & 0x20) != 0) {
        done_ = true;
        return used;
      }
      static const std::array<Bytef, 32768> zeros{};
      inflateSetDictionary(&z_, zeros.data(), zeros.size());
    }
    z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data() + used));
    z_.avail_in = static_cast<uInt>(in.size() - used);
    while (!done_) {
      z_.next_out = reinterpret_cast<Bytef*>(buf_.data());
      z_.avail_out = static_cast<uInt>(buf_.size());
      int rc = inflate(&z_, Z_NO_FLUSH);
      size_t got = buf_.size() - z_.avail_out;
      if (got > 0 && !out(std::string_view(buf_.data(), got))) done_ = true;
      if (rc != Z_OK) {
        // Z_BUF_ERROR with input left cannot happen (output room was given);
        // without input it only asks for more.
        if (rc == Z_BUF_ERROR && z_.avail_in == 0) break;
        done_ = true;
      }
      if (z_.avail_in == 0 && z_.avail_out != 0) break;
    }
    return in.size() - z_.avail_in;
  }

 private:
  z_stream z_{};
  bool ok_ = false;
  int header_ = 0;
  unsigned char cmf_flg_[2] = {0, 0};
  std::array<char, kPiece> buf_;
};

// LZWDecode, as poppler's LZWStream reads it (9 to 12-bit codes, the table
// full at 4097 entries, EarlyChange).
class Lzw : public ByteFilter {
 public:
  explicit Lzw(int early) : early_(early) { Clear(); }
  size_t Feed(std::string_view in, const Out& out) override {
    size_t used = 0;
    while (!done_ && used < in.size()) {
      bits_ = (bits_ << 8) | static_cast<unsigned char>(in[used++]);
      nbits_ += 8;
      while (!done_ && nbits_ >= code_bits_) {
        int code = static_cast<int>((bits_ >> (nbits_ - code_bits_)) & ((1u << code_bits_) - 1));
        nbits_ -= code_bits_;
        Code(code, out);
      }
    }
    return used;
  }

 private:
  void Clear() {
    next_ = 258;
    code_bits_ = 9;
    seq_len_ = 0;
    first_ = true;
  }
  void Code(int code, const Out& out) {
    if (code == 257) {
      done_ = true;
      return;
    }
    if (code == 256) {
      Clear();
      return;
    }
    if (next_ >= 4097) Clear();
    int next_len = seq_len_ + 1;
    if (code < 256) {
      seq_[0] = static_cast<char>(code);
      seq_len_ = 1;
    } else if (code < next_) {
      seq_len_ = len_[code];
      int j = code;
      for (int i = seq_len_ - 1; i > 0; --i) {
        seq_[i] = tail_[j];
        j = head_[j];
      }
      seq_[0] = static_cast<char>(j);
    } else if (code == next_) {
      seq_[seq_len_++] = new_char_;
    } else {
      done_ = true;
      return;
    }
    new_char_ = seq_[0];
    if (first_) {
      first_ = false;
    } else {
      if (next_ < 4097) {
        len_[next_] = next_len;
        head_[next_] = prev_;
        tail_[next_] = new_char_;
        ++next_;
      }
      if (next_ + early_ == 512) code_bits_ = 10;
      else if (next_ + early_ == 1024) code_bits_ = 11;
      else if (next_ + early_ == 2048) code_bits_ = 12;
    }
    prev_ = code;
    for (int i = 0; i < seq_len_ && !done_; ++i) Put(seq_[i], out);
  }

  int early_;
  uint32_t bits_ = 0;
  int nbits_ = 0;
  int code_bits_ = 9;
  int next_ = 258;
  int prev_ = 0;
  bool first_ = true;
  char new_char_ = 0;
  int seq_len_ = 0;
  std::array<char, 4097 + 1> seq_{};
  std::array<int, 4097 + 1> len_{};
  std::array<int, 4097 + 1> head_{};
  std::array<char, 4097 + 1> tail_{};
};

// RunLengthDecode: a length byte, then that many + 1 literal bytes (0-127)
// or one byte repeated 257 - length times (129-255); 128 ends the data.
class RunLength : public ByteFilter {
 public:
  size_t Feed(std::string_view in, const Out& out) override {
    size_t used = 0;
    while (!done_ && used < in.size()) {
      unsigned char c = static_cast<unsigned char>(in[used++]);
      if (literal_ > 0) {
        Put(static_cast<char>(c), out);
        --literal_;
      } else if (repeat_ > 0) {
        for (int i = 0; i < repeat_ && !done_; ++i) Put(static_cast<char>(c), out);
        repeat_ = 0;
      } else if (c == 128) {
        done_ = true;
      } else if (c < 128) {
        literal_ = c + 1;
      } else {
        repeat_ = 257 - c;
      }
    }
    return used;
  }

 private:
  int literal_ = 0;
  int repeat_ = 0;
};

// ASCIIHexDecode: whitespace skipped, `>` ends the data; like poppler, any
// other character counts as a (zero) digit.
class AsciiHex : public ByteFilter {
 public:
  size_t Feed(std::string_view in, const Out& out) override {
    size_t used = 0;
    while (!done_ && used < in.size()) {
      char c = in[used++];
      if (IsWhite(c)) continue;
      if (c == '>') {
        Finish(out);
        done_ = true;
        break;
      }
      int v = std::max(HexValue(c), 0);
      if (high_ < 0) {
        high_ = v;
      } else {
        Put(static_cast<char>(high_ << 4 | v), out);
        high_ = -1;
      }
    }
    return used;
  }
  void Finish(const Out& out) override {
    if (high_ >= 0 && !done_) Put(static_cast<char>(high_ << 4), out);
    high_ = -1;
    ByteFilter::Finish(out);
  }

 private:
  int high_ = -1;
};

// ASCII85Decode: groups of five digits, `z` for four zero bytes, `~` ends
// the data (a short last group gives one byte fewer than its digits).
class Ascii85 : public ByteFilter {
 public:
  size_t Feed(std::string_view in, const Out& out) override {
    size_t used = 0;
    while (!done_ && used < in.size()) {
      char c = in[used++];
      if (IsWhite(c)) continue;
      if (c == '~') {
        Finish(out);
        done_ = true;
        break;
      }
      if (c == 'z' && n_ == 0) {
        for (int i = 0; i < 4; ++i) Put(0, out);
        continue;
      }
      group_ = group_ * 85 + static_cast<uint32_t>(static_cast<unsigned char>(c) - 33);
      if (++n_ == 5) {
        Emit(4, out);
        n_ = 0;
        group_ = 0;
      }
    }
    return used;
  }
  void Finish(const Out& out) override {
    if (n_ > 1 && !done_) {
      for (int i = n_; i < 5; ++i) group_ = group_ * 85 + 84;
      Emit(n_ - 1, out);
    }
    n_ = 0;
    ByteFilter::Finish(out);
  }

 private:
  void Emit(int bytes, const Out& out) {
    for (int i = 0; i < bytes; ++i) Put(static_cast<char>(group_ >> (24 - 8 * i)), out);
  }
  uint32_t group_ = 0;
  int n_ = 0;
};

// The end of the chain: counts decoded bytes and the string operands of
// text-showing operators, as a content stream's tokenizer would see them.
class Counter {
 public:
  Counter(uint64_t max_text, const std::function<bool(uint64_t)>& charge)
      : max_text_(max_text), charge_(charge) {}

  bool Feed(std::string_view d) {
    decoded_ += d.size();
    if (!charge_(d.size())) return Stop();
    for (char c : d) Step(c);
    if (max_text_ > 0 && text_ > max_text_) return Stop();
    return true;
  }
  void Finish() { EndToken(); }

  uint64_t decoded() const { return decoded_; }
  uint64_t text() const { return text_; }
  uint64_t draws() const { return draws_; }  // `Do` operators
  bool stopped() const { return stopped_; }

 private:
  enum class State { kNormal, kLiteral, kLess, kHex, kComment };

  bool Stop() {
    stopped_ = true;
    return false;
  }
  void Step(char c) {
    switch (state_) {
      case State::kLiteral:
        if (escape_) {
          escape_ = false;
        } else if (c == '\\') {
          escape_ = true;
        } else if (c == '(') {
          ++depth_;
        } else if (c == ')' && --depth_ == 0) {
          state_ = State::kNormal;
          return;
        }
        ++pending_;
        return;
      case State::kLess:
        state_ = c == '<' ? State::kNormal : State::kHex;
        if (c == '<') return;
        [[fallthrough]];
      case State::kHex:
        if (c == '>') {
          pending_ += (nibbles_ + 1) / 2;
          nibbles_ = 0;
          state_ = State::kNormal;
        } else if (!IsWhite(c)) {
          ++nibbles_;
        }
        return;
      case State::kComment:
        if (c == '\n' || c == '\r') state_ = State::kNormal;
        return;
      case State::kNormal:
        break;
    }
    if (IsRegular(c)) {
      if (tok_len_ < tok_.size()) tok_[tok_len_] = c;
      ++tok_len_;
      return;
    }
    EndToken();
    if (c == '(') {
      state_ = State::kLiteral;
      depth_ = 1;
    } else if (c == '<') {
      state_ = State::kLess;
    } else if (c == '%') {
      state_ = State::kComment;
    } else if (c == '/') {
      name_ = true;  // a name's characters follow; never an operator
    }
  }
  void EndToken() {
    if (tok_len_ > 0 && !name_) {
      std::string_view t(tok_.data(), std::min<size_t>(tok_len_, tok_.size()));
      bool shows = tok_len_ <= 2 && (t == "Tj" || t == "TJ" || t == "'" || t == "\"");
      if (tok_len_ == 2 && t == "Do") ++draws_;
      char f = tok_[0];
      if (shows) {
        text_ += pending_;
        pending_ = 0;
      } else if ((f >= 'a' && f <= 'z') || (f >= 'A' && f <= 'Z') || f == '\'' || f == '"') {
        pending_ = 0;  // any other operator clears the operand stack
      }
    }
    name_ = false;
    tok_len_ = 0;
  }

  uint64_t max_text_;
  const std::function<bool(uint64_t)>& charge_;
  uint64_t decoded_ = 0;
  uint64_t text_ = 0;
  uint64_t draws_ = 0;
  uint64_t pending_ = 0;  // string bytes among the operands so far
  bool stopped_ = false;
  State state_ = State::kNormal;
  bool escape_ = false;
  int depth_ = 0;
  uint64_t nibbles_ = 0;
  std::array<char, 3> tok_{};
  size_t tok_len_ = 0;
  bool name_ = false;
};

// `text` with every #xx of its names decoded, as poppler's lexer reads names.
std::string DecodeNames(std::string_view text) {
  std::string s;
  s.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '#' && i + 2 < text.size() && HexValue(text[i + 1]) >= 0 &&
        HexValue(text[i + 2]) >= 0) {
      s += static_cast<char>(HexValue(text[i + 1]) << 4 | HexValue(text[i + 2]));
      i += 2;
    } else {
      s += text[i];
    }
  }
  return s;
}

// Position just after the key `/key` (not a longer name) in `dict`, or npos.
size_t FindKey(std::string_view dict, std::string_view key) {
  for (size_t at = dict.find(key); at != std::string_view::npos; at = dict.find(key, at + 1)) {
    size_t end = at + key.size();
    if (end >= dict.size() || !IsRegular(dict[end])) return end;
  }
  return std::string_view::npos;
}

// The value of a direct object at `at`: a name or an array of names, as
// the list of names it holds.
std::vector<std::string> NamesAt(std::string_view s, size_t at) {
  std::vector<std::string> names;
  while (at < s.size() && IsWhite(s[at])) ++at;
  if (at >= s.size()) return names;
  bool array = s[at] == '[';
  if (array) ++at;
  for (;;) {
    while (at < s.size() && IsWhite(s[at])) ++at;
    if (at >= s.size() || s[at] != '/') break;
    size_t b = ++at;
    while (at < s.size() && IsRegular(s[at])) ++at;
    names.emplace_back(s.substr(b, at - b));
    if (!array) break;
  }
  return names;
}

// `/Filter N G R`: the object `N G obj` found anywhere in the file.
std::vector<std::string> ResolveNames(std::string_view pdf, std::string_view dict, size_t at) {
  size_t b = at;
  while (b < dict.size() && IsWhite(dict[b])) ++b;
  size_t e = b;
  while (e < dict.size() && dict[e] != 'R' && dict[e] != '/' && dict[e] != '>' && e - b < 32) ++e;
  if (e >= dict.size() || dict[e] != 'R') return {};
  std::string ref(dict.substr(b, e - b));
  while (!ref.empty() && IsWhite(ref.back())) ref.pop_back();
  std::string head = ref + " obj";
  for (size_t p = pdf.find(head); p != std::string_view::npos; p = pdf.find(head, p + 1)) {
    if (p > 0 && IsRegular(pdf[p - 1])) continue;
    size_t v = p + head.size();
    return NamesAt(DecodeNames(pdf.substr(v, std::min<size_t>(256, pdf.size() - v))), 0);
  }
  return {};
}

// A direct non-negative integer after `/key`, or -1.
int64_t IntAfter(std::string_view dict, std::string_view key) {
  size_t at = FindKey(dict, key);
  if (at == std::string_view::npos) return -1;
  while (at < dict.size() && IsWhite(dict[at])) ++at;
  int64_t v = -1;
  while (at < dict.size() && dict[at] >= '0' && dict[at] <= '9' && v < (int64_t{1} << 40)) {
    v = (v < 0 ? 0 : v * 10) + (dict[at++] - '0');
  }
  // `4 0 R` is a reference, not a length.
  size_t r = at;
  while (r < dict.size() && (IsWhite(dict[r]) || (dict[r] >= '0' && dict[r] <= '9'))) ++r;
  if (r < dict.size() && dict[r] == 'R' && r > at) return -1;
  return v;
}

// The first bytes of what reaches a filter the walk does not decode, and
// how many there are.
struct CodecInput {
  static constexpr size_t kHead = 64 << 10;
  uint64_t bytes = 0;
  std::string head;
  void Add(std::string_view d) {
    bytes += d.size();
    if (head.size() < kHead) head.append(d.substr(0, kHead - head.size()));
  }
};

uint64_t SaturatingMul(uint64_t a, uint64_t b) {
  return a != 0 && b > UINT64_MAX / a ? UINT64_MAX : a * b;
}

// width x height x components of the first frame header (SOFn) of the JPEG
// in `d`, which poppler (libjpeg) decodes to 8 bits a component; UINT64_MAX
// if none is found in `d`. poppler skips bytes before the FF D8 start.
uint64_t JpegPixels(std::string_view d) {
  size_t at = d.find("\xFF\xD8");
  if (at == std::string_view::npos) return UINT64_MAX;
  at += 2;
  auto u8 = [&](size_t i) { return static_cast<unsigned char>(d[i]); };
  while (at + 4 <= d.size()) {
    if (u8(at) != 0xFF) return UINT64_MAX;
    const unsigned m = u8(at + 1);
    if (m == 0xFF) {  // fill byte
      ++at;
      continue;
    }
    if (m == 0x01 || (m >= 0xD0 && m <= 0xD7)) {  // no length
      at += 2;
      continue;
    }
    if (m == 0xD9 || m == 0xDA) return UINT64_MAX;  // image data before any frame
    const size_t len = size_t{u8(at + 2)} << 8 | u8(at + 3);
    const bool sof = m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
    if (sof) {
      if (at + 10 > d.size()) return UINT64_MAX;
      const uint64_t h = uint64_t{u8(at + 5)} << 8 | u8(at + 6);
      const uint64_t w = uint64_t{u8(at + 7)} << 8 | u8(at + 8);
      const uint64_t c = u8(at + 9);
      return SaturatingMul(SaturatingMul(w, h), std::max<uint64_t>(c, 1));
    }
    at += 2 + len;
  }
  return UINT64_MAX;
}

// Most bytes filter `name`, the last of its stream's chain, may output for
// `in` (see PdfStreamStats::max_codec_output).
uint64_t CodecBound(const std::string& name, const CodecInput& in, std::string_view dict) {
  if (name == "DCTDecode" || name == "DCT") return JpegPixels(in.head);
  if (name == "CCITTFaxDecode" || name == "CCF") {
    // poppler's defaults: 1728 columns, rows until the data ends. Each row
    // takes at least one bit of input.
    int64_t cols =
        FindKey(dict, "/Columns") == std::string_view::npos ? 1728 : IntAfter(dict, "/Columns");
    int64_t rows = FindKey(dict, "/Rows") == std::string_view::npos ? 0 : IntAfter(dict, "/Rows");
    if (cols < 0 || rows < 0) return UINT64_MAX;  // not a direct number
    const uint64_t row_bytes = (static_cast<uint64_t>(std::max<int64_t>(cols, 1)) + 7) / 8;
    const uint64_t most_rows =
        std::max(static_cast<uint64_t>(rows), SaturatingMul(in.bytes, 8) + 1);
    return SaturatingMul(row_bytes, most_rows);
  }
  return UINT64_MAX;
}

std::unique_ptr<Filter> MakeFilter(const std::string& name, int early) {
  if (name == "FlateDecode" || name == "Fl") return std::make_unique<Flate>();
  if (name == "LZWDecode" || name == "LZW") return std::make_unique<Lzw>(early);
  if (name == "RunLengthDecode" || name == "RL") return std::make_unique<RunLength>();
  if (name == "ASCIIHexDecode" || name == "AHx") return std::make_unique<AsciiHex>();
  if (name == "ASCII85Decode" || name == "A85") return std::make_unique<Ascii85>();
  return nullptr;  // image codecs and Crypt: not decoded for text
}

}  // namespace

// Most times one object is named in one /Contents array of `pdf` (0 if no
// array): a page draws its content streams in turn, each as often as it
// is named, and a generator names each once.
uint64_t MaxContentsRepeats(std::string_view pdf) {
  uint64_t most = 0;
  std::unordered_map<uint64_t, uint64_t> named;
  // The next key is looked for after the array just read: an array left
  // open does not make every later key read to the file's end again.
  size_t next = 0;
  for (size_t at = pdf.find("/Contents"); at != std::string_view::npos;
       at = pdf.find("/Contents", std::max(at + 9, next))) {
    size_t i = at + 9;
    if (i < pdf.size() && IsRegular(pdf[i])) continue;  // a longer name
    while (i < pdf.size() && IsWhite(pdf[i])) ++i;
    if (i >= pdf.size() || pdf[i] != '[') continue;
    named.clear();
    // "N G R": N is the first number after the last reference or '['.
    bool first = true;
    uint64_t number = 0;
    for (++i; i < pdf.size() && pdf[i] != ']'; ++i) {
      const char c = pdf[i];
      if (c >= '0' && c <= '9' && first && (i == 0 || !IsRegular(pdf[i - 1]))) {
        number = 0;
        while (i < pdf.size() && pdf[i] >= '0' && pdf[i] <= '9' && number < (uint64_t{1} << 40)) {
          number = number * 10 + static_cast<uint64_t>(pdf[i++] - '0');
        }
        first = false;
        --i;
      } else if (c == 'R' && !IsRegular(pdf[i - 1]) &&
                 (i + 1 == pdf.size() || !IsRegular(pdf[i + 1]))) {
        if (!first) most = std::max(most, ++named[number]);
        first = true;
      }
    }
    next = i;
  }
  return most;
}

// Whether a stream's dictionary says /Subtype /Form.
bool IsForm(std::string_view dict) {
  size_t at = FindKey(dict, "/Subtype");
  if (at == std::string_view::npos) return false;
  while (at < dict.size() && IsWhite(dict[at])) ++at;
  return dict.substr(at, 5) == "/Form" && (at + 5 == dict.size() || !IsRegular(dict[at + 5]));
}

PdfStreamStats MeasurePdfStreams(std::string_view pdf, uint64_t max_stream_text,
                                 const std::function<bool(uint64_t)>& charge) {
  PdfStreamStats stats;
  const uint64_t contents_repeats = MaxContentsRepeats(pdf);
  uint64_t page_draws = 0;  // most `Do` in one stream that is no form
  uint64_t form_draws = 1;  // product of the `Do` counts of forms drawing 2 or more
  uint64_t form_text = 0;   // most text one form shows
  auto bound = [&] {
    const uint64_t repeated = SaturatingMul(contents_repeats, stats.max_text);
    const uint64_t drawn =
        form_text == 0 ? 0 : SaturatingMul(SaturatingMul(page_draws, form_draws), form_text);
    return std::max(repeated, drawn);
  };
  size_t pos = 0;
  size_t floor = 0;  // end of the last stream's data: no dictionary before it
  while (!stats.stopped) {
    size_t k = pdf.find("stream", pos);
    if (k == std::string_view::npos) break;
    pos = k + 6;
    // The keyword, not `endstream` or part of a name; poppler skips the rest
    // of its line.
    if (k > 0 && IsRegular(pdf[k - 1])) continue;
    if (pos < pdf.size() && !IsWhite(pdf[pos])) continue;
    size_t data = pos;
    while (data < pdf.size() && pdf[data] != '\n' && pdf[data] != '\r') ++data;
    if (data < pdf.size() && pdf[data] == '\r') ++data;
    if (data < pdf.size() && pdf[data] == '\n') ++data;

    size_t window = std::max(floor, k > kDictWindow ? k - kDictWindow : size_t{0});
    std::string_view before = pdf.substr(window, k - window);
    size_t obj = before.rfind("obj");
    while (obj != std::string_view::npos && obj > 0 && IsRegular(before[obj - 1])) {
      obj = obj == 0 ? std::string_view::npos : before.rfind("obj", obj - 1);
    }
    std::string dict = DecodeNames(obj == std::string_view::npos ? before : before.substr(obj + 3));

    std::vector<std::string> names;
    size_t f = FindKey(dict, "/Filter");
    if (f != std::string_view::npos) {
      names = NamesAt(dict, f);
      if (names.empty()) names = ResolveNames(pdf, dict, f);
    }
    if (f != std::string_view::npos && names.empty()) {
      // A filter this walk cannot read: decoded as FlateDecode if it starts
      // like zlib data, which is what such a stream nearly always is.
      names.push_back("FlateDecode");
    }
    int early = IntAfter(dict, "/EarlyChange") == 0 ? 0 : 1;
    std::vector<std::unique_ptr<Filter>> chain;
    for (const auto& n : names) {
      auto filter = MakeFilter(n, early);
      if (!filter) break;
      chain.push_back(std::move(filter));
    }

    Counter counter(max_stream_text, charge);
    // What reaches the first filter the walk does not decode, if any.
    const bool codec = chain.size() < names.size();
    CodecInput codec_in;
    // outs[i] takes filter i's output: the next filter's input, or the counter.
    std::vector<Out> outs(chain.size());
    for (size_t i = chain.size(); i-- > 0;) {
      if (i + 1 == chain.size()) {
        outs[i] = [&counter, &codec_in, codec](std::string_view d) {
          if (codec) codec_in.Add(d);
          return counter.Feed(d);
        };
      } else {
        outs[i] = [&chain, &outs, i](std::string_view d) {
          Filter& next = *chain[i + 1];
          while (!d.empty() && !next.done()) d.remove_prefix(next.Feed(d, outs[i + 1]));
          return !next.done();
        };
      }
    }

    size_t end = data;
    // Unfiltered data: up to `endstream`, or to /Length if that is further
    // (poppler trusts a direct /Length).
    auto raw_end = [&] {
      size_t stop = pdf.find("endstream", data);
      if (stop == std::string_view::npos) stop = pdf.size();
      int64_t length = IntAfter(dict, "/Length");
      if (length > 0 && static_cast<uint64_t>(length) <= pdf.size() - data) {
        stop = std::max(stop, data + static_cast<size_t>(length));
      }
      return stop;
    };
    if (chain.empty() && codec) {
      // The first filter is one the walk does not decode: its input is the
      // raw data.
      end = raw_end();
      codec_in.Add(pdf.substr(data, end - data));
    } else if (chain.empty()) {
      const size_t stop = raw_end();
      for (end = data; end < stop && !counter.stopped();) {
        size_t n = std::min(stop - end, kInput);
        counter.Feed(pdf.substr(end, n));
        end += n;
      }
    } else if (!chain.empty()) {
      // Filtered: to the first filter's end of data, not to /Length, which
      // could stop short of what poppler reads.
      Filter& first = *chain[0];
      while (end < pdf.size() && !first.done() && !counter.stopped()) {
        std::string_view in = pdf.substr(end, std::min(pdf.size() - end, kInput));
        size_t used = first.Feed(in, outs[0]);
        end += used;
        if (used < in.size()) break;
      }
      // Flush what each filter still buffers, in chain order.
      for (size_t i = 0; i < chain.size() && !counter.stopped(); ++i) chain[i]->Finish(outs[i]);
    }
    counter.Finish();
    if (codec && !counter.stopped()) {
      // Only the last filter's output is bounded; one after it could
      // inflate that.
      const uint64_t bound = chain.size() + 1 == names.size()
                                 ? CodecBound(names[chain.size()], codec_in, dict)
                                 : UINT64_MAX;
      stats.max_codec_output = std::max(stats.max_codec_output, bound);
    }
    ++stats.streams;
    stats.decoded_bytes += counter.decoded();
    stats.max_text = std::max(stats.max_text, counter.text());
    stats.max_decoded = std::max(stats.max_decoded, counter.decoded());
    if (IsForm(dict)) {
      if (counter.draws() >= 2) form_draws = SaturatingMul(form_draws, counter.draws());
      form_text = std::max(form_text, counter.text());
    } else {
      page_draws = std::max(page_draws, counter.draws());
    }
    stats.drawn_text_bound = bound();
    if (counter.stopped() || (max_stream_text > 0 && (counter.text() > max_stream_text ||
                                                      stats.drawn_text_bound > max_stream_text))) {
      stats.stopped = true;
    }
    floor = std::max(floor, end);
    pos = std::max(pos, end);
  }
  return stats;
}

}  // namespace phiscan::scanner::formats
