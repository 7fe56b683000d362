// Mail: RFC 5322 messages (.eml) and mbox files, MIME (RFC 2045-2047, 2231)
// as a streaming pull parser, and its pure decoding pieces.
//
// MimeReader reads a message, or an mbox of many (a file whose first line
// starts with "From "; a later "From " line after an empty line starts the
// next message), line by line from a ByteSource and reports events: a new
// mbox message, each header of a header block (unfolded; a longer one than
// kMaxHeader in pieces), the start of each leaf part with its media type,
// charset, file name and whether it is an attachment, its body decoded from
// quoted-printable or base64 in pieces of at most kBodyPiece bytes, and its
// end. Multipart bodies nest to `max_depth` levels (deeper ones are read as
// one opaque leaf); message/rfc822 parts are leaves (an attachment whose
// content is a message). Memory is bounded by kMaxLine, kMaxHeader and
// kBodyPiece whatever the input: nothing holds a whole part.
//
// The decoders (QuotedPrintable, Base64, DecodeEncodedWords, HeaderParam)
// take any split of their input and never fail: bytes that are not valid in
// their encoding are kept as they are (QP) or skipped (base64).
//
// Thread safety: plain objects, one owner at a time.
#ifndef PHISCAN_SCANNER_FORMATS_MAIL_H_
#define PHISCAN_SCANNER_FORMATS_MAIL_H_

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "scanner/decode.h"
#include "scanner/formats/byte_source.h"

namespace phiscan::scanner::formats::mail {

inline constexpr size_t kMaxLine = 64 << 10;    // longer lines are read in pieces
// Unfolded header: a longer one is reported as several headers of its name,
// each cut at white space or a comma (Content-* headers are cut).
inline constexpr size_t kMaxHeader = 16 << 10;
inline constexpr size_t kBodyPiece = 64 << 10;  // decoded bytes per body event

// Streaming quoted-printable decoder (RFC 2045 6.7): "=XX" is a byte, "="
// at a line end a soft break; anything else, including a malformed escape,
// is kept literally. Line ends are expected as "\n" (CRLF is accepted).
class QuotedPrintable {
 public:
  void Decode(std::string_view in, std::string& out);
  void Finish(std::string& out);

 private:
  char pending_[3] = {};
  size_t pending_len_ = 0;
};

// Streaming base64 decoder: characters outside the alphabet (line ends,
// spaces) are skipped; '=' ends a group.
class Base64 {
 public:
  void Decode(std::string_view in, std::string& out);
  void Finish(std::string&) {}

 private:
  uint32_t acc_ = 0;
  int bits_ = 0;
};

// Decodes RFC 2047 encoded-words ("=?utf-8?Q?Jos=C3=A9?=", "=?UTF-8?B?...?=")
// in a header value to UTF-8; white space between two encoded-words is
// dropped; everything else is copied unchanged.
std::string DecodeEncodedWords(std::string_view value);

// The encoding a MIME charset name is read with: UTF-16 for utf-16*,
// otherwise UTF-8 (whose decoder reads invalid bytes as Windows-1252, which
// covers us-ascii, iso-8859-1 and windows-1252).
TextEncoding CharsetEncoding(std::string_view charset);

// A parameter of a structured header value ("text/plain; charset=utf-8"):
// quoted or plain, RFC 2231 extended (name*=utf-8''a%20b) and continued
// (name*0=, name*1=), encoded-words decoded. "" when absent.
std::string HeaderParam(std::string_view value, std::string_view param);
// The lower-cased "type/subtype" of a Content-Type value ("" if none).
std::string MediaType(std::string_view value);

struct Part {
  std::string media_type;   // lower case; "text/plain" when not given
  std::string charset;      // lower case, "" when not given
  std::string encoding;     // content-transfer-encoding, lower case
  std::string filename;     // decoded file name, "" when none
  int depth = 0;            // multipart nesting; 0 is the message itself
  int index = 0;            // leaf parts of the message counted from 1
  bool attachment = false;  // not inline text: a file, or not text/*
};

enum class EventKind {
  kMessage,  // an mbox message starts (message() is its 1-based number)
  kHeader,   // name(), value() (raw, unfolded) of a header at header_depth()
  kPart,     // a leaf part starts: part()
  kBody,     // data(): decoded bytes of the current leaf part
  kPartEnd,  // the current leaf part ended
  // The message ended inside a multipart, before its closing boundary (cut
  // short, or its parts use another boundary than it declares); what it
  // held was read. Comes before the next kMessage, or at the end.
  kUnclosed,
};

class MimeReader {
 public:
  // REQUIRES: `src` outlives the reader and is at its start.
  MimeReader(ByteSource& src, size_t max_depth);

  // The next event: true with it in kind()/..., false at the end. Errors:
  // the source's own read error (later calls return false).
  Result<bool> Next();

  EventKind kind() const { return ev_.kind; }
  std::string_view name() const { return ev_.name; }
  std::string_view value() const { return ev_.value; }
  std::string_view data() const { return ev_.data; }
  const Part& part() const { return ev_.part; }
  int header_depth() const { return ev_.part.depth; }
  int message() const { return message_; }
  bool mbox() const { return mbox_; }
  // Source bytes consumed so far.
  uint64_t raw_position() const { return raw_pos_; }

 private:
  struct Event {
    EventKind kind = EventKind::kMessage;
    std::string name, value, data;
    Part part;
  };
  struct Open {  // an open multipart: its boundary
    std::string boundary;
  };
  // kLoose: a multipart's preamble or epilogue, before any text.
  enum class State { kStart, kHeaders, kBody, kSkip, kLoose };

  Status ReadLine(std::string_view& line, bool& whole, bool& eof);
  // `whole`: the line entire; `line_start`: it begins a line (a whole line
  // or the first piece of a long one).
  void OnLine(std::string_view line, bool whole, bool line_start);
  void OnEof();
  void HeaderLine(std::string_view line);
  // Adds a line or a piece of one to the header being unfolded; beyond
  // kMaxHeader a text header goes out in pieces, a Content-* one is cut.
  void AppendHeader(std::string_view piece);
  void FlushHeader();
  void EndHeaders();
  // A line of a multipart's preamble or epilogue (State::kLoose), the text
  // outside its parts: read as a plain-text leaf (usually a line or
  // nothing; blank lines start none), so that a body whose declared
  // boundary never comes is not lost.
  void LooseLine(std::string_view line, bool whole);
  // Announces leaf_ (kPart) and starts reading its body.
  void BeginLeaf();
  void BodyLine(std::string_view line, bool whole);
  void EndLeaf();
  void StartMessage();
  // Which open multipart a line closes or continues: index, or -1.
  int BoundaryOf(std::string_view line, bool* close) const;
  void OnBoundary(int which, bool close);
  void Push(EventKind kind);
  void FlushBody(bool force);

  ByteSource& src_;
  size_t max_depth_;
  std::vector<char> buf_;
  size_t begin_ = 0, end_ = 0;
  bool src_eof_ = false, done_ = false;
  bool mid_line_ = false;  // the previous piece was cut (no line end yet)
  uint64_t raw_pos_ = 0;

  State state_ = State::kStart;
  bool mbox_ = false;
  int message_ = 0;
  bool prev_blank_ = true;
  std::vector<Open> open_;
  int depth_ = 0;  // depth of the part whose headers or body we are in
  int leaf_index_ = 0;
  std::string header_;  // header being unfolded
  std::string content_type_, transfer_encoding_, disposition_;
  Part leaf_;
  bool newline_pending_ = false;
  QuotedPrintable qp_;
  Base64 b64_;
  std::string body_;

  std::deque<Event> queue_;
  Event ev_;
};

}  // namespace phiscan::scanner::formats::mail

#endif  // PHISCAN_SCANNER_FORMATS_MAIL_H_
