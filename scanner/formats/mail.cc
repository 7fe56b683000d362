#include "scanner/formats/mail.h"

#include <cstring>
#include <map>

#include "common/ascii.h"
#include "common/hex.h"

namespace phiscan::scanner::formats::mail {
namespace {

std::string LowerStr(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = AsciiLower(c);
  return out;
}

bool IsWs(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsWs(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsWs(s.back())) s.remove_suffix(1);
  return s;
}

bool StartsWithNoCase(std::string_view s, std::string_view p) {
  if (s.size() < p.size()) return false;
  for (size_t i = 0; i < p.size(); ++i) {
    if (AsciiLower(s[i]) != AsciiLower(p[i])) return false;
  }
  return true;
}

class Collect : public TextConsumer {
 public:
  explicit Collect(std::string& out) : out_(out) {}
  void OnText(std::string_view t, uint64_t, uint64_t) override { out_ += t; }

 private:
  std::string& out_;
};

// Bytes in `charset` to UTF-8.
void ToUtf8(std::string_view bytes, std::string_view charset, std::string& out) {
  Collect c(out);
  TextDecoder d(CharsetEncoding(charset));
  d.Decode(bytes, c);
  d.Finish(c);
}

std::string PercentDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && HexValue(s[i + 1]) >= 0 && HexValue(s[i + 2]) >= 0) {
      out += static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// RFC 2231 extended value: charset'language'percent-encoded.
std::string ExtendedValue(std::string_view v, bool first) {
  std::string charset;
  if (first) {
    size_t q1 = v.find('\'');
    size_t q2 = q1 == std::string_view::npos ? q1 : v.find('\'', q1 + 1);
    if (q2 != std::string_view::npos) {
      charset = LowerStr(v.substr(0, q1));
      v.remove_prefix(q2 + 1);
    }
  }
  std::string raw = PercentDecode(v);
  std::string out;
  ToUtf8(raw, charset, out);
  return out;
}

}  // namespace

// ---- Decoders ----------------------------------------------------------------

void QuotedPrintable::Decode(std::string_view in, std::string& out) {
  size_t i = 0;
  while (i < in.size()) {
    char c = in[i];
    if (pending_len_ == 0) {
      if (c == '=') {
        pending_[0] = '=';
        pending_len_ = 1;
      } else {
        out += c;
      }
      ++i;
      continue;
    }
    if (pending_len_ == 1) {
      if (c == '\n') {  // soft line break
        pending_len_ = 0;
        ++i;
      } else if (c == '\r' || HexValue(c) >= 0) {
        pending_[1] = c;
        pending_len_ = 2;
        ++i;
      } else {  // not an escape: the '=' is literal, c is read again
        out += '=';
        pending_len_ = 0;
      }
      continue;
    }
    // pending_len_ == 2
    if (pending_[1] == '\r') {
      pending_len_ = 0;
      if (c == '\n') {
        ++i;
      } else {
        out += "=\r";
      }
    } else if (HexValue(c) >= 0) {
      out += static_cast<char>(HexValue(pending_[1]) * 16 + HexValue(c));
      pending_len_ = 0;
      ++i;
    } else {
      out.append(pending_, 2);
      pending_len_ = 0;
    }
  }
}

void QuotedPrintable::Finish(std::string& out) {
  // A lone '=' at the very end is a soft break with its line end dropped.
  if (pending_len_ == 2 && pending_[1] != '\r') out.append(pending_, 2);
  pending_len_ = 0;
}

void Base64::Decode(std::string_view in, std::string& out) {
  for (char c : in) {
    int v;
    if (c >= 'A' && c <= 'Z')
      v = c - 'A';
    else if (c >= 'a' && c <= 'z')
      v = c - 'a' + 26;
    else if (c >= '0' && c <= '9')
      v = c - '0' + 52;
    else if (c == '+' || c == '-')
      v = 62;
    else if (c == '/' || c == '_')
      v = 63;
    else {
      if (c == '=') {  // padding: the group is over
        acc_ = 0;
        bits_ = 0;
      }
      continue;
    }
    acc_ = (acc_ << 6) | static_cast<uint32_t>(v);
    bits_ += 6;
    if (bits_ >= 8) {
      bits_ -= 8;
      out += static_cast<char>((acc_ >> bits_) & 0xFF);
      acc_ &= (1u << bits_) - 1;
    }
  }
}

TextEncoding CharsetEncoding(std::string_view charset) {
  std::string c = LowerStr(Trim(charset));
  if (c == "utf-16be" || c == "unicodefffe") return TextEncoding::kUtf16Be;
  if (c.rfind("utf-16", 0) == 0 || c == "unicode" || c == "ucs-2") return TextEncoding::kUtf16Le;
  return TextEncoding::kUtf8;
}

std::string DecodeEncodedWords(std::string_view v) {
  std::string out;
  size_t after_word = std::string::npos;  // out.size() right after the last encoded-word
  size_t i = 0;
  while (i < v.size()) {
    if (v[i] == '=' && i + 1 < v.size() && v[i + 1] == '?') {
      size_t q1 = v.find('?', i + 2);
      if (q1 != std::string_view::npos && q1 + 2 < v.size() && v[q1 + 2] == '?') {
        char enc = AsciiLower(v[q1 + 1]);
        size_t end = v.find("?=", q1 + 3);
        if ((enc == 'q' || enc == 'b') && end != std::string_view::npos) {
          std::string_view charset = v.substr(i + 2, q1 - i - 2);
          size_t star = charset.find('*');  // RFC 2231 language suffix
          if (star != std::string_view::npos) charset = charset.substr(0, star);
          std::string_view text = v.substr(q1 + 3, end - q1 - 3);
          std::string raw;
          if (enc == 'b') {
            Base64 b;
            b.Decode(text, raw);
          } else {
            for (size_t k = 0; k < text.size(); ++k) {
              if (text[k] == '_') {
                raw += ' ';
              } else if (text[k] == '=' && k + 2 < text.size() && HexValue(text[k + 1]) >= 0 &&
                         HexValue(text[k + 2]) >= 0) {
                raw += static_cast<char>(HexValue(text[k + 1]) * 16 + HexValue(text[k + 2]));
                k += 2;
              } else {
                raw += text[k];
              }
            }
          }
          // White space between two encoded-words is not part of the text.
          if (after_word != std::string::npos) out.resize(after_word);
          ToUtf8(raw, charset, out);
          after_word = out.size();
          i = end + 2;
          continue;
        }
      }
    }
    out += v[i];
    if (!IsWs(v[i])) after_word = std::string::npos;
    ++i;
  }
  return out;
}

std::string MediaType(std::string_view value) {
  size_t semi = value.find(';');
  return LowerStr(Trim(value.substr(0, semi)));
}

std::string HeaderParam(std::string_view value, std::string_view param) {
  std::string plain, extended;
  bool have_plain = false, have_extended = false;
  std::map<int, std::pair<std::string, bool>> parts;  // name*N[*]
  size_t i = value.find(';');
  while (i != std::string_view::npos && i < value.size()) {
    ++i;  // past ';'
    size_t eq = value.find('=', i);
    if (eq == std::string_view::npos) break;
    std::string name = LowerStr(Trim(value.substr(i, eq - i)));
    size_t k = eq + 1;
    while (k < value.size() && IsWs(value[k])) ++k;
    std::string val;
    if (k < value.size() && value[k] == '"') {
      ++k;
      while (k < value.size() && value[k] != '"') {
        if (value[k] == '\\' && k + 1 < value.size()) ++k;
        val += value[k++];
      }
      if (k < value.size()) ++k;  // closing quote
      i = value.find(';', k);
    } else {
      size_t semi = value.find(';', k);
      val = std::string(Trim(value.substr(k, semi == std::string_view::npos ? semi : semi - k)));
      i = semi;
    }
    if (name.size() < param.size() || !StartsWithNoCase(name, param)) continue;
    std::string_view rest = std::string_view(name).substr(param.size());
    if (rest.empty()) {
      plain = val;
      have_plain = true;
    } else if (rest == "*") {
      extended = ExtendedValue(val, true);
      have_extended = true;
    } else if (rest[0] == '*' && rest.size() <= 6) {
      bool ext = rest.back() == '*';
      std::string_view digits = rest.substr(1, rest.size() - 1 - (ext ? 1 : 0));
      int n = 0;
      bool ok = !digits.empty();
      for (char c : digits) {
        if (c < '0' || c > '9')
          ok = false;
        else
          n = n * 10 + (c - '0');
      }
      if (ok && parts.size() < 64) parts[n] = {val, ext};
    }
  }
  if (!parts.empty()) {
    std::string out;
    for (const auto& [n, p] : parts) {
      out += p.second ? ExtendedValue(p.first, n == 0) : p.first;
    }
    return out;
  }
  if (have_extended) return extended;
  return have_plain ? DecodeEncodedWords(plain) : std::string();
}

// ---- MimeReader ----------------------------------------------------------------

MimeReader::MimeReader(ByteSource& src, size_t max_depth)
    : src_(src), max_depth_(max_depth), buf_(kMaxLine) {}

Status MimeReader::ReadLine(std::string_view& line, bool& ends, bool& eof) {
  eof = false;
  for (;;) {
    const char* base = buf_.data();
    const void* nl = std::memchr(base + begin_, '\n', end_ - begin_);
    if (nl != nullptr) {
      size_t at = static_cast<size_t>(static_cast<const char*>(nl) - base);
      line = std::string_view(base + begin_, at - begin_);
      raw_pos_ += at + 1 - begin_;
      begin_ = at + 1;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      ends = true;
      return Status::Ok();
    }
    if (end_ - begin_ == buf_.size() || (src_eof_ && end_ > begin_)) {
      // A line longer than the buffer goes out in pieces; the last line
      // may lack its line end.
      line = std::string_view(base + begin_, end_ - begin_);
      raw_pos_ += end_ - begin_;
      ends = src_eof_;
      begin_ = end_ = 0;
      return Status::Ok();
    }
    if (src_eof_) {
      eof = true;
      return Status::Ok();
    }
    if (begin_ > 0) {
      std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
      end_ -= begin_;
      begin_ = 0;
    }
    auto n = src_.Read({buf_.data() + end_, buf_.size() - end_});
    if (!n.ok()) return n.status();
    if (n.value() == 0) src_eof_ = true;
    end_ += n.value();
  }
}

Result<bool> MimeReader::Next() {
  while (queue_.empty()) {
    if (done_) return false;
    std::string_view line;
    bool ends = false, eof = false;
    Status s = ReadLine(line, ends, eof);
    if (!s.ok()) {
      done_ = true;
      return s;
    }
    if (eof) {
      OnEof();
      done_ = true;
      continue;
    }
    bool at_start = !mid_line_;
    mid_line_ = !ends;
    // A piece of a long line is never a boundary or a header start.
    OnLine(line, at_start && ends, at_start);
  }
  ev_ = std::move(queue_.front());
  queue_.pop_front();
  return true;
}

void MimeReader::Push(EventKind kind) {
  queue_.emplace_back();
  queue_.back().kind = kind;
}

void MimeReader::StartMessage() {
  if (!open_.empty()) Push(EventKind::kUnclosed);  // the message before this one
  ++message_;
  Push(EventKind::kMessage);
  open_.clear();
  depth_ = 0;
  leaf_index_ = 0;
  state_ = State::kHeaders;
  header_.clear();
  content_type_.clear();
  transfer_encoding_.clear();
  disposition_.clear();
}

void MimeReader::OnLine(std::string_view line, bool whole, bool line_start) {
  if (state_ == State::kStart) {
    // A byte-order mark (a message saved by a Windows editor or script):
    // left in, the first header was no header and every header, the
    // message's MIME structure included, was read as body text.
    if (line.starts_with("\xEF\xBB\xBF")) line.remove_prefix(3);
    if (whole && line.empty()) return;  // blank lines before the first header
    if (whole && line.substr(0, 5) == "From ") {
      mbox_ = true;
      StartMessage();
      prev_blank_ = false;
      return;
    }
    state_ = State::kHeaders;
  }
  const bool was_blank = prev_blank_;
  prev_blank_ = whole && line.empty();
  if (mbox_ && whole && was_blank && line.substr(0, 5) == "From ") {
    if (state_ == State::kHeaders) {
      FlushHeader();
      EndHeaders();
    }
    if (state_ == State::kBody) EndLeaf();
    StartMessage();
    return;
  }
  // mboxrd quoting: a line of a message that starts with "From " is stored
  // as ">From ", and one that starts with ">From " as ">>From "; a reader
  // removes one '>'. (In the older mboxo form only the first was quoted;
  // its rare ">From " line in a message then loses a '>' it had.)
  if (mbox_ && line_start && line.size() > 5 && line[0] == '>') {
    const size_t from = line.find_first_not_of('>');
    if (from != std::string_view::npos && line.substr(from, 5) == "From ") line.remove_prefix(1);
  }
  bool close = false;
  switch (state_) {
    case State::kStart:
    case State::kHeaders: {
      // A later piece of a line longer than the buffer continues the header
      // it began. (Its first piece starts a line like any other: taken for
      // a continuation, a long "Subject:" was glued to the header before it.)
      if (!line_start && !header_.empty()) {
        AppendHeader(line);
        return;
      }
      if (whole && line.empty()) {
        FlushHeader();
        EndHeaders();
        return;
      }
      if (!line.empty() && (line[0] == ' ' || line[0] == '\t') && !header_.empty()) {
        AppendHeader(line);
        return;
      }
      int b = whole ? BoundaryOf(line, &close) : -1;
      if (b >= 0) {  // a part that ends inside its header block
        FlushHeader();
        EndHeaders();
        if (state_ == State::kBody) EndLeaf();
        OnBoundary(b, close);
        return;
      }
      size_t colon = line.find(':');
      bool header = colon != std::string_view::npos && colon > 0 && colon < 128;
      for (size_t k = 0; header && k < colon; ++k) {
        unsigned char c = static_cast<unsigned char>(line[k]);
        if (c <= ' ' || c >= 0x7F) header = false;
      }
      FlushHeader();
      if (header) {
        AppendHeader(line);
        return;
      }
      // Not a header: the body starts here (a message without the empty
      // line, or a part without headers).
      EndHeaders();
      if (state_ == State::kBody) BodyLine(line, whole);
      return;
    }
    case State::kSkip: {
      int b = whole ? BoundaryOf(line, &close) : -1;
      if (b >= 0) OnBoundary(b, close);
      return;
    }
    case State::kLoose: {
      int b = whole ? BoundaryOf(line, &close) : -1;
      if (b >= 0) {
        OnBoundary(b, close);
      } else {
        LooseLine(line, whole);
      }
      return;
    }
    case State::kBody: {
      int b = whole ? BoundaryOf(line, &close) : -1;
      if (b >= 0) {
        EndLeaf();
        OnBoundary(b, close);
        return;
      }
      BodyLine(line, whole);
      return;
    }
  }
}

void MimeReader::OnEof() {
  if (state_ == State::kStart) return;
  if (state_ == State::kHeaders) {
    FlushHeader();
    EndHeaders();
  }
  if (state_ == State::kBody) EndLeaf();
  if (!open_.empty()) Push(EventKind::kUnclosed);
}

int MimeReader::BoundaryOf(std::string_view line, bool* close) const {
  if (open_.empty() || line.size() < 3 || line[0] != '-' || line[1] != '-') return -1;
  for (size_t i = open_.size(); i-- > 0;) {
    const std::string& b = open_[i].boundary;
    if (line.size() < 2 + b.size() || line.substr(2, b.size()) != b) continue;
    std::string_view rest = line.substr(2 + b.size());
    *close = rest.substr(0, 2) == "--";
    if (*close) rest.remove_prefix(2);
    if (!Trim(rest).empty()) continue;
    return static_cast<int>(i);
  }
  return -1;
}

void MimeReader::OnBoundary(int which, bool close) {
  open_.resize(static_cast<size_t>(which) + 1);
  if (close) {
    open_.pop_back();
    depth_ = static_cast<int>(open_.size());
    state_ = State::kLoose;  // the epilogue, up to a parent's boundary
    return;
  }
  depth_ = which + 1;
  state_ = State::kHeaders;
  header_.clear();
  content_type_.clear();
  transfer_encoding_.clear();
  disposition_.clear();
}

void MimeReader::AppendHeader(std::string_view piece) {
  header_.append(piece);  // at most kMaxLine
  if (header_.size() <= kMaxHeader) return;
  const size_t colon = header_.find(':');
  if (StartsWithNoCase(header_, "content-") || colon == std::string::npos ||
      colon + 1 >= kMaxHeader / 2) {
    header_.resize(kMaxHeader);  // structure, not text: what it declares comes first
    return;
  }
  // A To: of a thousand patients' addresses is text to read whole: it goes
  // out as several headers of the same name, cut at white space or after a
  // comma (between addresses and words), so that none is cut in two.
  const std::string name = header_.substr(0, colon + 1);
  while (header_.size() > kMaxHeader) {
    size_t cut = header_.find_last_of(" \t,", kMaxHeader - 1);
    if (cut != std::string::npos && header_[cut] == ',') ++cut;
    // Each piece leaves less behind: the rest gets the name, colon and a space.
    if (cut == std::string::npos || cut <= colon + 2) cut = kMaxHeader;
    std::string rest = name + ' ' + header_.substr(cut);
    header_.resize(cut);
    FlushHeader();
    header_ = std::move(rest);
  }
}

void MimeReader::FlushHeader() {
  if (header_.empty()) return;
  std::string_view h = header_;
  size_t colon = h.find(':');
  if (colon != std::string_view::npos) {
    std::string_view name = Trim(h.substr(0, colon));
    std::string_view value = Trim(h.substr(colon + 1));
    if (EqualsNoCase(name, "content-type")) content_type_.assign(value);
    if (EqualsNoCase(name, "content-transfer-encoding")) transfer_encoding_.assign(value);
    if (EqualsNoCase(name, "content-disposition")) disposition_.assign(value);
    Push(EventKind::kHeader);
    queue_.back().name.assign(name);
    queue_.back().value.assign(value);
    queue_.back().part.depth = depth_;
  }
  header_.clear();
}

void MimeReader::EndHeaders() {
  std::string media = MediaType(content_type_);
  if (media.empty()) media = "text/plain";
  if (media.rfind("multipart/", 0) == 0 && open_.size() < max_depth_) {
    std::string boundary = HeaderParam(content_type_, "boundary");
    if (!boundary.empty() && boundary.size() <= 200) {
      open_.push_back({boundary});
      state_ = State::kLoose;  // the preamble: a part from its first text line
      return;
    }
  }
  leaf_ = Part();
  leaf_.media_type = media;
  leaf_.charset = LowerStr(HeaderParam(content_type_, "charset"));
  leaf_.encoding = LowerStr(Trim(transfer_encoding_));
  leaf_.filename = HeaderParam(disposition_, "filename");
  if (leaf_.filename.empty()) leaf_.filename = HeaderParam(content_type_, "name");
  leaf_.depth = depth_;
  leaf_.index = ++leaf_index_;
  leaf_.attachment = MediaType(disposition_) == "attachment" || !leaf_.filename.empty() ||
                     media.rfind("text/", 0) != 0;
  BeginLeaf();
}

void MimeReader::BeginLeaf() {
  Push(EventKind::kPart);
  queue_.back().part = leaf_;
  state_ = State::kBody;
  newline_pending_ = false;
  qp_ = QuotedPrintable();
  b64_ = Base64();
  body_.clear();
}

void MimeReader::LooseLine(std::string_view line, bool whole) {
  if (Trim(line).empty() && !mid_line_) return;  // blank lines lose nothing
  leaf_ = Part();
  leaf_.media_type = "text/plain";
  leaf_.depth = depth_;
  leaf_.index = 0;  // no part's number: the parts after it keep theirs
  BeginLeaf();
  BodyLine(line, whole);
}

void MimeReader::BodyLine(std::string_view line, bool whole) {
  const bool base64 = leaf_.encoding == "base64";
  const bool qp = leaf_.encoding == "quoted-printable";
  if (base64) {
    b64_.Decode(line, body_);
  } else {
    // A line end is written only once the next line comes: the one before
    // a boundary belongs to the boundary.
    if (newline_pending_) {
      if (qp)
        qp_.Decode("\n", body_);
      else
        body_ += '\n';
    }
    if (qp)
      qp_.Decode(line, body_);
    else
      body_.append(line);
    (void)whole;
    newline_pending_ = !mid_line_;  // this piece ended its line
  }
  FlushBody(false);
}

void MimeReader::FlushBody(bool force) {
  if (body_.size() >= kBodyPiece || (force && !body_.empty())) {
    Push(EventKind::kBody);
    queue_.back().data.swap(body_);
    body_.clear();
  }
}

void MimeReader::EndLeaf() {
  if (leaf_.encoding == "quoted-printable") qp_.Finish(body_);
  FlushBody(true);
  Push(EventKind::kPartEnd);
  state_ = State::kSkip;
}

}  // namespace phiscan::scanner::formats::mail
