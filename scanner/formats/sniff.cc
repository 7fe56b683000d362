#include "scanner/formats/sniff.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <string>

#include "common/ascii.h"
#include "scanner/formats/dicom.h"
#include "scanner/formats/little_endian.h"

namespace phiscan::scanner::formats {
namespace {

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

bool HasExt(std::string_view name, std::initializer_list<const char*> exts) {
  char buf[16];
  std::string_view ext = Extension(name, buf, sizeof buf);
  for (const char* e : exts) {
    if (ext == e) return true;
  }
  return false;
}

bool ContainsNoCase(std::string_view hay, std::string_view needle) {
  auto it = std::search(hay.begin(), hay.end(), needle.begin(), needle.end(),
                        [](char a, char b) { return AsciiLower(a) == AsciiLower(b); });
  return it != hay.end();
}

// A byte HL7 v2 and X12 can declare a separator: not a letter, digit or blank.
bool IsSeparatorByte(char c) {
  return !std::isalnum(static_cast<unsigned char>(c)) && c != ' ' && c != '\n' && c != '\r';
}

// Whether `s` starts with a message header in full: MSH, the field
// separator, four or five distinct encoding characters (^~\& and, since
// v2.7, #), the separator again. Stricter than the test at the file's start,
// as it is for a line further in: a pipe-delimited table may have a row
// whose first cell is MSH (a site's code), and its header is evidence.
bool OpensHl7Message(std::string_view s) {
  if (!StartsWith(s, "MSH") || s.size() < 9 || !IsSeparatorByte(s[3])) return false;
  const char sep = s[3];
  size_t n = 0;
  for (; 4 + n < s.size() && s[4 + n] != sep && n < 6; ++n) {
    const char c = s[4 + n];
    if (!IsSeparatorByte(c) || s.substr(4, n).find(c) != std::string_view::npos) return false;
  }
  return (n == 4 || n == 5) && 4 + n < s.size() && s[4 + n] == sep;
}

// Lines a message may follow and still make the text HL7: a ticket's or
// log entry's heading before the message it holds. Further in, the text is
// something else that quotes a message.
constexpr int kHl7LeadLines = 8;

// Whether one of the first kHl7LeadLines lines after the first opens a
// message (the first is SniffTextFormat's own test).
bool Hl7AfterLead(std::string_view t) {
  int lines = 0;
  for (size_t i = 1; i < t.size() && lines < kHl7LeadLines; ++i) {
    if (t[i - 1] != '\n' && t[i - 1] != '\r') continue;
    if (t[i] == '\n' && t[i - 1] == '\r') continue;  // CR LF ends one line
    ++lines;
    if (OpensHl7Message(t.substr(i))) return true;
  }
  return false;
}

// Number of `delim` outside double quotes in `line`.
size_t CountDelims(std::string_view line, char delim) {
  size_t n = 0;
  bool quoted = false;
  for (char c : line) {
    if (c == '"') quoted = !quoted;
    else if (c == delim && !quoted) ++n;
  }
  return n;
}

// A delimited table: every complete line in the sample (at least two) has the
// same non-zero number of delimiters outside quotes. Returns that number, or
// 0 if the sample is not such a table.
size_t DelimitedColumns(std::string_view sample, char delim) {
  size_t lines = 0, expected = 0;
  while (!sample.empty()) {
    size_t nl = sample.find('\n');
    if (nl == std::string_view::npos) break;  // the last line may be cut
    std::string_view line = sample.substr(0, nl);
    sample.remove_prefix(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    size_t n = CountDelims(line, delim);
    if (lines == 0) {
      if (n == 0) return 0;
      expected = n;
    } else if (n != expected) {
      return 0;
    }
    if (++lines >= 20) break;
  }
  return lines >= 3 || (lines == 2 && sample.empty()) ? expected : 0;
}

// Rows an export may write above its header: a title, a run date, blank
// lines. A header further down is taken for data.
constexpr size_t kMaxTitleRows = 3;

// A column name is no longer than this (a title or a note is).
constexpr size_t kMaxLabelBytes = 64;

// What SniffHeaderRow needs to know of one cell.
struct CellShape {
  size_t letters = 0, digits = 0, filled = 0;  // filled: bytes but blanks
  void Add(char c) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalpha(u) || u >= 0x80) ++letters;  // a UTF-8 byte: "Número"
    if (std::isdigit(u)) ++digits;
    if (c != ' ' && c != '\t' && c != '\r') ++filled;
  }
  // A column name: a word, no more digits than letters ("Member #",
  // "Address 2"), short; not a date, number or identifier ("03/12/2024",
  // "MRN0012345") or a sentence.
  bool Label() const { return letters > 0 && digits <= letters && filled <= kMaxLabelBytes; }
};

struct RowShape {
  size_t cells = 0;
  size_t filled = 0;  // cells with anything but blanks in them
  size_t labels = 0;  // filled cells that read as column names
  void Add(const CellShape& cell) {
    ++cells;
    if (cell.filled == 0) return;
    ++filled;
    if (cell.Label()) ++labels;
  }
};

// Reads the row at the start of `s` as the Delimited reader cuts it (a quote
// opens a quoted part only at a cell's start; in one, a doubled quote is a
// quote, and delimiters and line ends are text) and moves `s` past it.
// False when `s` is empty.
bool NextRow(std::string_view& s, char delim, RowShape& row) {
  if (s.empty()) return false;
  row = {};
  CellShape cell;
  bool quoted = false, at_start = true;
  size_t i = 0;
  for (; i < s.size(); ++i) {
    const char c = s[i];
    if (quoted) {
      if (c != '"') {
        cell.Add(c);
      } else if (i + 1 < s.size() && s[i + 1] == '"') {
        cell.Add(c);
        ++i;
      } else {
        quoted = false;
      }
    } else if (c == delim || c == '\n') {
      row.Add(cell);
      cell = {};
      at_start = true;
      if (c == '\n') break;
    } else if (c == '"' && at_start) {
      quoted = true;
      at_start = false;
    } else {
      cell.Add(c);
      at_start = false;
    }
  }
  if (i == s.size()) row.Add(cell);  // cut by the sample's end
  s.remove_prefix(std::min(i + 1, s.size()));
  return true;
}

// The cells of a Markdown table row: its '|' but a leading and a trailing
// one, plus one; 0 for a line without a '|' (no row). The pipe-table reader
// (structured.h) counts them the same way.
size_t PipeCells(std::string_view line) {
  const size_t first = line.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) return 0;
  const size_t last = line.find_last_not_of(" \t\r");
  line = line.substr(first, last - first + 1);
  const auto pipes = static_cast<size_t>(std::count(line.begin(), line.end(), '|'));
  if (pipes == 0) return 0;
  return pipes + 1 - (line.front() == '|') - (line.size() > 1 && line.back() == '|');
}

// A Markdown (GFM) table's delimiter row: cells of '-' and ':' between '|',
// blanks around them ("|---|:--:|", "--- | ---").
bool IsDelimiterRow(std::string_view line) {
  bool dash = false, pipe = false;
  for (char c : line) {
    if (c == '-') {
      dash = true;
    } else if (c == '|') {
      pipe = true;
    } else if (c != ':' && c != ' ' && c != '\t' && c != '\r') {
      return false;
    }
  }
  return dash && pipe;
}

// Whether `sample` holds a Markdown table: a line with a '|' followed by a
// delimiter row of as many cells (the count GFM requires of a table, and
// that a setext heading's underline, "---" under a line, does not have).
bool HasPipeTable(std::string_view sample) {
  std::string_view prev;
  while (!sample.empty()) {
    const size_t nl = sample.find('\n');
    if (nl == std::string_view::npos) break;  // the last line may be cut
    std::string_view line = sample.substr(0, nl);
    sample.remove_prefix(nl + 1);
    if (IsDelimiterRow(line) && PipeCells(prev) != 0 && PipeCells(prev) == PipeCells(line)) {
      return true;
    }
    prev = line;
  }
  return false;
}

bool LooksLikeMail(std::string_view s) {
  // Blank lines before the first header (a message saved by a script that
  // wrote one first) are no part of it.
  s.remove_prefix(std::min(s.size(), s.find_first_not_of("\r\n")));
  if (StartsWith(s, "From ")) {  // mbox separator line
    size_t nl = s.find('\n');
    if (nl == std::string_view::npos) return false;
    s.remove_prefix(nl + 1);
  }
  static const char* kHeaders[] = {"from", "to", "subject", "date", "message-id",
                                   "mime-version", "received", "return-path", "cc",
                                   "content-type", "delivered-to", "reply-to"};
  int known = 0, lines = 0;
  while (!s.empty() && lines < 64) {
    size_t nl = s.find('\n');
    std::string_view line = s.substr(0, nl);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) break;  // end of the header block
    ++lines;
    if (line[0] != ' ' && line[0] != '\t') {
      size_t colon = line.find(':');
      if (colon == std::string_view::npos || colon == 0) return false;
      std::string_view name = line.substr(0, colon);
      for (char c : name) {
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-')) return false;
      }
      for (const char* h : kHeaders) {
        if (name.size() == std::strlen(h) && ContainsNoCase(name, h)) ++known;
      }
    }
    if (nl == std::string_view::npos) break;
    s.remove_prefix(nl + 1);
  }
  return known >= 2;
}

}  // namespace

std::string_view Extension(std::string_view name, char* buf, size_t buf_size) {
  size_t slash = name.find_last_of("/!");
  if (slash != std::string_view::npos) name.remove_prefix(slash + 1);
  size_t dot = name.rfind('.');
  if (dot == std::string_view::npos || name.size() - dot - 1 >= buf_size) return {};
  size_t n = name.size() - dot - 1;
  for (size_t i = 0; i < n; ++i) buf[i] = AsciiLower(name[dot + 1 + i]);
  return {buf, n};
}

const char* ContentKindName(ContentKind kind) {
  switch (kind) {
    case ContentKind::kText: return "text";
    case ContentKind::kBinary: return "binary";
    case ContentKind::kArchive: return "archive";
    case ContentKind::kCompressed: return "compressed";
    case ContentKind::kOoxml: return "ooxml";
    case ContentKind::kOdf: return "odf";
    case ContentKind::kPdf: return "pdf";
    case ContentKind::kSqlite: return "sqlite";
    case ContentKind::kSqliteWal: return "sqlite-wal";
    case ContentKind::kSqliteShm: return "sqlite-shm";
    case ContentKind::kDicom: return "dicom";
    case ContentKind::kOle: return "ole";
    case ContentKind::kRtf: return "rtf";
    case ContentKind::kTnef: return "tnef";
  }
  return "?";
}

const char* TextFormatName(TextFormat format) {
  switch (format) {
    case TextFormat::kPlain: return "plain";
    case TextFormat::kCsv: return "csv";
    case TextFormat::kTsv: return "tsv";
    case TextFormat::kJson: return "json";
    case TextFormat::kXml: return "xml";
    case TextFormat::kHtml: return "html";
    case TextFormat::kHl7: return "hl7";
    case TextFormat::kX12: return "x12";
    case TextFormat::kMail: return "mail";
    case TextFormat::kMarkdown: return "markdown";
  }
  return "?";
}

// A ustar header: "ustar" at 257 and the header's checksum (the sum of its
// 512 bytes, the checksum field counted as spaces, in octal at 148) right.
// Text with "ustar" at 257 (a word such as "mustard" there) is no tar.
bool IsTarHeader(std::string_view h) {
  if (h.size() < 512 || h.substr(257, 5) != "ustar") return false;
  unsigned sum = 0;
  for (size_t i = 0; i < 512; ++i) {
    sum += i >= 148 && i < 156 ? ' ' : static_cast<unsigned char>(h[i]);
  }
  unsigned stored = 0;
  size_t i = 148;
  while (i < 156 && h[i] == ' ') ++i;
  const size_t digits = i;
  while (i < 156 && h[i] >= '0' && h[i] <= '7') {
    stored = stored * 8 + static_cast<unsigned>(h[i++] - '0');
  }
  return i > digits && stored == sum;
}

namespace {

// The start of a gzip, bzip2, xz or zstd stream (lzma-alone has no magic:
// only with its extension). Two or three magic bytes in front of text are
// none: read as a compressed stream that is not one, the file was no
// stream libarchive could decode, passed through as itself, sniffed again
// at every level down to the depth limit, and its text never read.
bool IsCompressedStream(std::string_view h, std::string_view name) {
  // gzip's one method, deflate.
  if (StartsWith(h, std::string_view("\x1F\x8B\x08", 3))) return true;
  // "BZh", the block size, then a block's magic (pi) or the end of an
  // empty stream (sqrt(pi)).
  if (StartsWith(h, "BZh") && h.size() >= 10 && h[3] >= '1' && h[3] <= '9' &&
      (h.substr(4, 6) == "\x31\x41\x59\x26\x53\x59" ||
       h.substr(4, 6) == "\x17\x72\x45\x38\x50\x90")) {
    return true;
  }
  if (StartsWith(h, std::string_view("\xFD" "7zXZ\0", 6))) return true;
  if (StartsWith(h, "\x28\xB5\x2F\xFD")) return true;
  return StartsWith(h, std::string_view("\x5D\x00\x00", 3)) && HasExt(name, {"lzma"});
}

// "%PDF-" within the first KiB: at the start, or after bytes that are no
// text (a MacBinary or mail-system header in front of a PDF). After text
// alone it is text that mentions a PDF (a log line), not one.
bool IsPdfStart(std::string_view h) {
  const size_t at = h.substr(0, 1024).find("%PDF-");
  if (at == std::string_view::npos) return false;
  return at == 0 ||
         std::any_of(h.begin(), h.begin() + static_cast<std::ptrdiff_t>(at), [](char c) {
           const auto b = static_cast<unsigned char>(c);
           return b < 0x20 && b != '\t' && b != '\n' && b != '\r' && b != '\f';
         });
}

}  // namespace

bool IsSevenZip(std::string_view h) { return StartsWith(h, std::string_view("7z\xBC\xAF\x27\x1C", 6)); }

ContentKind SniffContent(std::string_view h, std::string_view name) {
  if (StartsWith(h, "PK\x03\x04")) {
    if (h.size() >= 30) {
      size_t name_len = Le16(h, 26), extra = Le16(h, 28);
      std::string_view first = h.substr(30, name_len);
      if (first == "[Content_Types].xml" || StartsWith(first, "_rels/") ||
          StartsWith(first, "word/") || StartsWith(first, "xl/") || StartsWith(first, "ppt/")) {
        return ContentKind::kOoxml;
      }
      if (first == "mimetype" && h.size() > 30 + name_len + extra &&
          h.substr(30 + name_len + extra).substr(0, 64).find("opendocument") !=
              std::string_view::npos) {
        return ContentKind::kOdf;
      }
    }
    if (HasExt(name, {"docx", "docm", "xlsx", "xlsm", "pptx", "pptm"})) return ContentKind::kOoxml;
    if (HasExt(name, {"odt", "ods", "odp"})) return ContentKind::kOdf;
    return ContentKind::kArchive;
  }
  if (StartsWith(h, "PK\x05\x06") || StartsWith(h, "PK\x07\x08") || IsSevenZip(h)) {
    return ContentKind::kArchive;
  }
  if (IsTarHeader(h)) return ContentKind::kArchive;
  if (IsCompressedStream(h, name)) return ContentKind::kCompressed;
  // Magic at a fixed place says what a file is before the PDF test below,
  // which looks for "%PDF-" anywhere in the first KiB: a winmail.dat
  // carrying a small PDF, or a DICOM encapsulated PDF, has one there.
  if (h.size() >= 132 && h.substr(128, 4) == "DICM") return ContentKind::kDicom;
  if (StartsWith(h, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1")) return ContentKind::kOle;
  if (StartsWith(h, "{\\rtf")) return ContentKind::kRtf;
  if (StartsWith(h, "\x78\x9F\x3E\x22")) return ContentKind::kTnef;
  if (StartsWith(h, std::string_view("SQLite format 3\0", 16))) return ContentKind::kSqlite;
  if (IsPdfStart(h)) return ContentKind::kPdf;
  // The log's magic is 0x377f0682 or 0x377f0683, big-endian; the index
  // starts with its version, 3007000, in the writer's byte order.
  if (name.ends_with("-wal") &&
      (StartsWith(h, "\x37\x7f\x06\x82") || StartsWith(h, "\x37\x7f\x06\x83"))) {
    return ContentKind::kSqliteWal;
  }
  if (name.ends_with("-shm") && (StartsWith(h, std::string_view("\x18\xe2\x2d\x00", 4)) ||
                                 StartsWith(h, std::string_view("\x00\x2d\xe2\x18", 4)))) {
    return ContentKind::kSqliteShm;
  }
  if (dicom::SniffBareDataSet(h) != dicom::BareSyntax::kNone) return ContentKind::kDicom;
  return ContentKind::kText;
}

int64_t ZipDirectoryStart(std::string_view tail, uint64_t size, uint64_t* declared) {
  if (tail.size() < 22 || tail.size() > size) return -1;
  const uint64_t tail_at = size - tail.size();
  for (size_t i = tail.size() - 22 + 1; i-- > 0;) {
    if (tail.substr(i, 4) != "PK\x05\x06") continue;
    if (i + 22 + Le16(tail, i + 20) != tail.size()) continue;  // comment to the end
    if (Le16(tail, i + 4) != 0 || Le16(tail, i + 6) != 0) continue;  // one disk
    if (Le16(tail, i + 10) == 0) continue;
    const uint64_t cd_size = Le16(tail, i + 12) | (uint64_t{Le16(tail, i + 14)} << 16);
    const uint64_t at = tail_at + i;
    if (cd_size == 0xFFFFFFFF) return at >= 20 ? static_cast<int64_t>(at - 20) : -1;  // zip64
    if (cd_size > at) continue;
    if (declared != nullptr) {
      *declared = Le16(tail, i + 16) | (uint64_t{Le16(tail, i + 18)} << 16);
    }
    return static_cast<int64_t>(at - cd_size);
  }
  return -1;
}

TextFormat SniffTextFormat(std::string_view s, std::string_view name) {
  size_t skip = 0;
  while (skip < s.size() && (s[skip] == ' ' || s[skip] == '\t' || s[skip] == '\r' ||
                             s[skip] == '\n' || s[skip] == '\x0B')) {
    ++skip;
  }
  std::string_view t = s.substr(skip);
  // A message starts with MSH; a batch file with its file (FHS) or batch
  // (BHS) header, which declare the separators the same way.
  if (t.size() >= 8 && StartsWith(t, "MSH") && IsSeparatorByte(t[3])) return TextFormat::kHl7;
  if (t.size() >= 8 && (StartsWith(t, "FHS") || StartsWith(t, "BHS")) && IsSeparatorByte(t[3]) &&
      t.substr(4, 4).find(t[3]) == std::string_view::npos) {
    return TextFormat::kHl7;
  }
  if (t.size() >= 106 && StartsWith(t, "ISA") && IsSeparatorByte(t[3])) return TextFormat::kX12;
  if (LooksLikeMail(s)) return TextFormat::kMail;
  if (!t.empty() && (t[0] == '{' || t[0] == '[')) return TextFormat::kJson;
  if (!t.empty() && t[0] == '<') {
    std::string_view lead = t.substr(0, 2048);
    if (ContainsNoCase(lead, "<!doctype html") || ContainsNoCase(lead, "<html")) {
      return TextFormat::kHtml;
    }
    return TextFormat::kXml;
  }
  // A ticket or log entry that holds a message has a line or two before its
  // MSH. Read as a pipe-delimited table or plain text, the message lost its
  // fields: PID-19's bare SSN had no evidence.
  if (Hl7AfterLead(t)) return TextFormat::kHl7;
  if (HasExt(name, {"csv"})) return TextFormat::kCsv;
  if (HasExt(name, {"tsv", "tab"})) return TextFormat::kTsv;
  if (HasExt(name, {"htm", "html"})) return TextFormat::kHtml;
  if (HasExt(name, {"hl7"})) return TextFormat::kHl7;
  // Markdown's tables sit among headings and prose, where no delimiter is
  // on every line: read as plain text, their header cells named nothing.
  if (HasExt(name, {"md", "markdown"}) || HasPipeTable(s)) return TextFormat::kMarkdown;
  switch (SniffDelimiter(s)) {
    case '\t': return TextFormat::kTsv;
    case 0: return TextFormat::kPlain;
    default: return TextFormat::kCsv;
  }
}

char SniffDelimiter(std::string_view sample) {
  // Of the delimiters that make a table of the sample, the one that cuts
  // its lines into the most cells: "Doe, John|078-05-1120|..." has a comma
  // on every line too.
  char best = 0;
  size_t most = 0;
  for (char delim : {',', '\t', ';', '|'}) {
    size_t n = DelimitedColumns(sample, delim);
    if (n > most) {
      most = n;
      best = delim;
    }
  }
  return best;
}

}  // namespace phiscan::scanner::formats

namespace phiscan::scanner::formats {

size_t SniffHeaderRow(std::string_view sample, char delim) {
  RowShape row, next;
  for (size_t r = 0; r <= kMaxTitleRows && NextRow(sample, delim, row); ++r) {
    if (row.filled <= 1) continue;  // blank, or a title
    // The first row with cells is the header unless a title was above it:
    // then it must read as one, as wide as the row under it, which holds
    // values (a headerless table's first row of names is no header).
    if (r == 0) return 0;
    if (!NextRow(sample, delim, next)) return 0;  // nothing under it to name
    const bool header = row.labels == row.filled && 2 * row.filled >= row.cells &&
                        row.cells >= next.cells && next.labels < next.filled;
    return header ? r : 0;
  }
  return 0;
}

}  // namespace phiscan::scanner::formats
