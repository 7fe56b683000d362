#include "scanner/formats/xlsx.h"

#include <charconv>
#include <cstdint>

#include "scanner/formats/archive.h"
#include "scanner/formats/number_format.h"
#include "scanner/formats/structured.h"
#include "scanner/formats/xlsb.h"

namespace phiscan::scanner::formats {
namespace {

// Longest tag (with its attributes) looked at; the rest is ignored.
constexpr size_t kMaxTag = 1024;

std::string_view LocalName(std::string_view n) {
  size_t colon = n.rfind(':');
  return colon == std::string_view::npos ? n : n.substr(colon + 1);
}

// The value of attribute `name` in the attribute text of a tag, or "".
std::string_view Attr(std::string_view attrs, std::string_view name) {
  size_t at = 0;
  while ((at = attrs.find(name, at)) != std::string_view::npos) {
    bool starts = at == 0 || attrs[at - 1] == ' ' || attrs[at - 1] == '\t' ||
                  attrs[at - 1] == '\n' || attrs[at - 1] == '\r';
    size_t k = at + name.size();
    if (starts && k + 1 < attrs.size() && attrs[k] == '=' &&
        (attrs[k + 1] == '"' || attrs[k + 1] == '\'')) {
      char q = attrs[k + 1];
      size_t end = attrs.find(q, k + 2);
      if (end == std::string_view::npos) return {};
      return attrs.substr(k + 2, end - k - 2);
    }
    at = k;
  }
  return {};
}

// A minimal XML tokenizer for the two SpreadsheetML parts: start and end
// tags with their attribute text, and text with entities decoded. `H` has
// Start(local, attrs, self_closing), End(local) and Text(text).
template <typename H>
class XmlScan {
 public:
  explicit XmlScan(H& h) : h_(h) {}

  void Feed(std::string_view s) {
    for (char c : s) {
      switch (state_) {
        case State::kText:
          if (c == '<') {
            FlushText();
            state_ = State::kTag;
            tag_.clear();
          } else if (c == '&') {
            FlushText();
            state_ = State::kEntity;
            entity_.clear();
          } else {
            text_ += c;
            if (text_.size() >= 4096) FlushText();
          }
          break;
        case State::kEntity:
          if (c == ';' || entity_.size() > 12) {
            std::string decoded;
            if (c == ';') {
              if (!DecodeEntity(entity_, decoded)) decoded = "&" + entity_ + ";";
            } else {
              decoded = "&" + entity_ + c;
            }
            h_.Text(decoded);
            state_ = State::kText;
          } else {
            entity_ += c;
          }
          break;
        case State::kTag:
          if (c == '>') {
            EndTag();
            state_ = State::kText;
          } else if (tag_.size() < kMaxTag) {
            tag_ += c;
          }
          break;
      }
    }
    FlushText();
  }

 private:
  enum class State { kText, kEntity, kTag };

  void FlushText() {
    if (text_.empty()) return;
    h_.Text(text_);
    text_.clear();
  }

  void EndTag() {
    std::string_view t = tag_;
    if (t.empty() || t[0] == '?' || t[0] == '!') return;  // declarations, comments
    if (t[0] == '/') {
      h_.End(LocalName(t.substr(1, t.find_first_of(" \t\r\n", 1) - 1)));
      return;
    }
    bool self_closing = t.back() == '/';
    if (self_closing) t.remove_suffix(1);
    size_t sp = t.find_first_of(" \t\r\n");
    std::string_view name = LocalName(t.substr(0, sp));
    std::string_view attrs = sp == std::string_view::npos ? std::string_view() : t.substr(sp + 1);
    h_.Start(name, attrs, self_closing);
    if (self_closing) h_.End(name);
  }

  H& h_;
  State state_ = State::kText;
  std::string tag_, text_, entity_;
};

// xl/sharedStrings.xml: each <si> is one string, the text of its <t>
// elements (rich-text runs joined; phonetic <rPh> runs left out).
class SstHandler {
 public:
  SstHandler(SharedStrings& out, size_t max_bytes) : out_(out), max_bytes_(max_bytes) {}
  void Start(std::string_view n, std::string_view, bool) {
    if (n == "si") {
      in_si_ = true;
      cur_.clear();
    } else if (n == "rPh") {
      in_rph_ = true;
    } else if (n == "t") {
      in_t_ = true;
    }
  }
  void End(std::string_view n) {
    if (n == "si" && in_si_) {
      in_si_ = false;
      // What the string costs in memory, not only its text: an empty <si/>
      // is five bytes of XML that compress to nothing, and tens of millions
      // of them held gigabytes of empty strings.
      bytes_ += cur_.size() + sizeof(std::string) + 1;
      if (bytes_ > max_bytes_) {
        overflow_ = true;
        return;
      }
      out_.strings.push_back(cur_);
    } else if (n == "rPh") {
      in_rph_ = false;
    } else if (n == "t") {
      in_t_ = false;
    }
  }
  void Text(std::string_view t) {
    if (in_si_ && in_t_ && !in_rph_ && cur_.size() < kMaxCell) {
      cur_.append(t.substr(0, kMaxCell - cur_.size()));
    }
  }
  bool overflow() const { return overflow_; }

 private:
  SharedStrings& out_;
  size_t max_bytes_;
  size_t bytes_ = 0;
  std::string cur_;
  bool in_si_ = false, in_rph_ = false, in_t_ = false, overflow_ = false;
};

// An attribute value with its entities decoded (a format code's quoted
// text is written &quot;...&quot;).
std::string DecodeAttr(std::string_view v) {
  std::string out;
  while (!v.empty()) {
    const size_t amp = v.find('&');
    out.append(v.substr(0, amp));
    if (amp == std::string_view::npos) break;
    const size_t semi = v.find(';', amp);
    std::string decoded;
    if (semi != std::string_view::npos && semi - amp <= 12 &&
        DecodeEntity(v.substr(amp + 1, semi - amp - 1), decoded)) {
      out += decoded;
      v.remove_prefix(semi + 1);
    } else {
      out += '&';
      v.remove_prefix(amp + 1);
    }
  }
  return out;
}

// xl/styles.xml: which cell formats (<cellXfs><xf numFmtId=...>, by
// position) show dates, from the built-in ids and the <numFmts> codes.
class StylesHandler {
 public:
  StylesHandler(std::vector<bool>& out, std::vector<std::string>& digits)
      : styles_(out, &digits) {}
  void Start(std::string_view n, std::string_view attrs, bool) {
    if (n == "numFmt") {
      uint32_t id = 0;
      std::string_view v = Attr(attrs, "numFmtId");
      if (std::from_chars(v.data(), v.data() + v.size(), id).ec == std::errc()) {
        styles_.CustomFormat(id, DecodeAttr(Attr(attrs, "formatCode")));
      }
    } else if (n == "cellXfs") {
      in_cell_xfs_ = true;
    } else if (n == "xf" && in_cell_xfs_) {
      uint32_t id = 0;
      std::string_view v = Attr(attrs, "numFmtId");
      std::from_chars(v.data(), v.data() + v.size(), id);
      styles_.CellFormat(id);
    }
  }
  void End(std::string_view n) {
    if (n == "cellXfs") in_cell_xfs_ = false;
  }
  void Text(std::string_view) {}

 private:
  DateStyles styles_;
  bool in_cell_xfs_ = false;
};

// Column index from a cell reference ("B6" → 1), or -1.
long ColumnOf(std::string_view ref) {
  long col = 0;
  size_t i = 0;
  for (; i < ref.size() && i < 4 && ref[i] >= 'A' && ref[i] <= 'Z'; ++i) {
    col = col * 26 + (ref[i] - 'A' + 1);
  }
  return i == 0 ? -1 : col - 1;
}

class Sheet : public StructuredText {
 public:
  Sheet(TextSink& sink, SharedStrings& strings, const ScanLimits& limits)
      : strings_(strings), scan_(*this), cells_(sink, limits) {}

  void OnText(std::string_view utf8, uint64_t, uint64_t) override { scan_.Feed(utf8); }
  void End() override { cells_.End(); }

  void Start(std::string_view n, std::string_view attrs, bool) {
    if (n == "row") {
      cells_.StartRow();
      col_ = -1;
    } else if (n == "c") {
      long c = ColumnOf(Attr(attrs, "r"));
      col_ = c >= 0 ? c : col_ + 1;
      type_.assign(Attr(attrs, "t"));
      std::string_view s = Attr(attrs, "s");
      style_ = 0;
      std::from_chars(s.data(), s.data() + s.size(), style_);
      cell_.clear();
      in_cell_ = true;
    } else if (in_cell_ && (n == "v" || n == "t")) {
      in_value_ = true;
    } else if (n == "rPh") {
      in_rph_ = true;
    } else if (IsHeaderFooter(n)) {
      header_footer_.clear();
      in_header_footer_ = true;
    }
  }

  void End(std::string_view n) {
    if (n == "v" || n == "t") {
      in_value_ = false;
    } else if (n == "rPh") {
      in_rph_ = false;
    } else if (n == "c" && in_cell_) {
      in_cell_ = false;
      Cell();
    } else if (in_header_footer_ && IsHeaderFooter(n)) {
      in_header_footer_ = false;
      cells_.Text(HeaderFooterText(header_footer_));
    }
  }

  void Text(std::string_view t) {
    if (in_cell_ && in_value_ && !in_rph_ && cell_.size() < kMaxCell) {
      cell_.append(t.substr(0, kMaxCell - cell_.size()));
    } else if (in_header_footer_ && header_footer_.size() < kMaxCell) {
      header_footer_.append(t.substr(0, kMaxCell - header_footer_.size()));
    }
  }

 private:
  // The page headers and footers of <headerFooter>.
  static bool IsHeaderFooter(std::string_view n) {
    return n == "oddHeader" || n == "oddFooter" || n == "evenHeader" || n == "evenFooter" ||
           n == "firstHeader" || n == "firstFooter";
  }

  void Cell() {
    std::string_view text = cell_;
    if (type_ == "s") {
      size_t idx = 0;
      auto r = std::from_chars(cell_.data(), cell_.data() + cell_.size(), idx);
      if (r.ec != std::errc() || idx >= strings_.strings.size()) return;
      strings_.used[idx] = true;
      text = strings_.strings[idx];
    }
    std::string date;
    if ((type_.empty() || type_ == "n") && style_ < strings_.date_styles.size() &&
        strings_.date_styles[style_]) {
      double serial = 0;
      if (std::from_chars(cell_.data(), cell_.data() + cell_.size(), serial).ec == std::errc()) {
        date = SerialDate(serial, strings_.date1904);
      }
      if (!date.empty()) text = date;
    } else if ((type_.empty() || type_ == "n") && style_ < strings_.digit_styles.size() &&
               !strings_.digit_styles[style_].empty()) {
      double v = 0;
      if (std::from_chars(cell_.data(), cell_.data() + cell_.size(), v).ec == std::errc()) {
        date = ApplyDigitPattern(v, strings_.digit_styles[style_]);
        text = date;
      }
    }
    cells_.Cell(static_cast<size_t>(col_), text);
  }

  SharedStrings& strings_;
  XmlScan<Sheet> scan_;
  SheetCells cells_;
  std::string type_, cell_, header_footer_;
  size_t style_ = 0;
  long col_ = -1;
  bool in_cell_ = false, in_value_ = false, in_rph_ = false, in_header_footer_ = false;
};

}  // namespace

void SheetCells::StartRow() {
  if (rows_++ > 0) sink_.Synthetic("\n", sink_.position());
  cells_in_row_ = 0;
}

void SheetCells::Cell(size_t col, std::string_view text) {
  if (text.empty()) return;
  if (cells_in_row_++ > 0) sink_.Synthetic(" ", sink_.position());
  const uint64_t start = sink_.position();
  sink_.Synthetic(text, start);
  if (rows_ <= 1) {
    if (col < limits_.max_columns) {
      if (headers_.size() <= col) headers_.resize(col + 1);
      headers_[col].assign(text.substr(0, limits_.max_field_name));
    }
  } else if (col < headers_.size() && !headers_[col].empty()) {
    sink_.Field(start, sink_.position(), headers_[col]);
  }
}

void SheetCells::Text(std::string_view text) {
  if (text.empty()) return;
  if (cells_in_row_ > 0) sink_.Synthetic("\n", sink_.position());
  cells_in_row_ = 0;
  sink_.Synthetic(text, sink_.position());
  sink_.Synthetic("\n", sink_.position());
}

void SheetCells::End() {
  if (rows_ > 0) sink_.Synthetic("\n", sink_.position());
}

bool IsWorksheetPart(std::string_view n) {
  return n.substr(0, 19) == "xl/worksheets/sheet" && n.size() > 4 &&
         n.substr(n.size() - 4) == ".xml";
}

bool ParseSharedStrings(std::string_view xml, size_t max_bytes, SharedStrings& out) {
  SstHandler h(out, max_bytes);
  XmlScan<SstHandler> scan(h);
  scan.Feed(xml);
  out.used.assign(out.strings.size(), false);
  out.loaded = !h.overflow();
  return out.loaded;
}

namespace {

// <workbookPr date1904="1"/> in xl/workbook.xml: the workbook counts days
// from 1904 (Excel for Mac's old default).
class WorkbookHandler {
 public:
  explicit WorkbookHandler(bool& date1904) : date1904_(date1904) {}
  void Start(std::string_view n, std::string_view attrs, bool) {
    if (n != "workbookPr") return;
    std::string_view v = Attr(attrs, "date1904");
    date1904_ = v == "1" || v == "true";
  }
  void End(std::string_view) {}
  void Text(std::string_view) {}

 private:
  bool& date1904_;
};

// Hands the current entry of `reader` to `fn(bytes)` in pieces. False when
// it cannot be read, passes `max_bytes`, runs out of budget, or `fn` gives
// up (returns false).
template <typename Fn>
bool ReadPartBytes(ArchiveReader& reader, uint64_t max_bytes, Budget& budget, Fn&& fn) {
  std::vector<char> buf(64 << 10);
  uint64_t total = 0;
  for (;;) {
    if (!budget.CheckTime()) return false;
    auto n = reader.ReadData({buf.data(), buf.size()});
    if (!n.ok()) return false;
    if (n.value() == 0) return true;
    total += n.value();
    if (total > max_bytes || !budget.ChargeBytes(n.value())) return false;
    if (!fn(std::string_view(buf.data(), n.value()))) return false;
  }
}

// Reads the current entry of `reader` through `h`, as ReadPartBytes; a
// handler with overflow() gives up with it (the shared-strings table past
// its bound).
template <typename H>
bool ReadPart(ArchiveReader& reader, uint64_t max_bytes, Budget& budget, H& h) {
  XmlScan<H> scan(h);
  SniffingDecoder decoder;  // UTF-8 or UTF-16
  class Feed : public TextConsumer {
   public:
    explicit Feed(XmlScan<H>& s) : s_(s) {}
    void OnText(std::string_view t, uint64_t, uint64_t) override { s_.Feed(t); }

   private:
    XmlScan<H>& s_;
  } feed(scan);
  const bool read = ReadPartBytes(reader, max_bytes, budget, [&](std::string_view bytes) {
    decoder.Decode(bytes, feed);
    if constexpr (requires { h.overflow(); }) return !h.overflow();
    return true;
  });
  if (read) decoder.Finish(feed);
  return read;
}

}  // namespace

std::optional<SharedStrings> LoadSharedStrings(ByteSource& src, const ScanLimits& limits,
                                               Budget& budget) {
  auto reader = ArchiveReader::Open(src, ArchiveReader::Content::kArchive);
  if (!reader.ok()) return std::nullopt;
  SharedStrings table;
  bool sheets = false;
  ArchiveEntry entry;
  for (;;) {
    auto next = reader.value()->Next(entry);
    if (!next.ok()) return std::nullopt;
    if (!next.value()) break;
    if (IsWorksheetPart(entry.name) || IsXlsbWorksheetPart(entry.name)) sheets = true;
    if (XlsbTablePart::Reads(entry.name) && !entry.encrypted) {
      // An .xlsb's: its strings as the table, like sharedStrings.xml's; its
      // styles and workbook as those of an xlsx.
      const bool strings = entry.name == "xl/sharedStrings.bin";
      if (strings && table.loaded) continue;
      XlsbTablePart part(entry.name, table, limits.max_buffered_member);
      const bool read = ReadPartBytes(
          *reader.value(), strings ? UINT64_MAX : limits.max_buffered_member, budget,
          [&](std::string_view bytes) {
            part.Feed(bytes);
            return !part.overflow();
          });
      if (strings) {
        if (!read || !reader.value()->data_warning().empty()) return std::nullopt;
        table.loaded = true;
      } else if (!read && budget.exhausted()) {
        return std::nullopt;
      }
      continue;
    }
    if (entry.name == "xl/styles.xml" && !entry.encrypted && table.date_styles.empty()) {
      // Without its styles a workbook is still read, its dates as numbers.
      StylesHandler h(table.date_styles, table.digit_styles);
      if (!ReadPart(*reader.value(), limits.max_buffered_member, budget, h)) {
        if (budget.exhausted()) return std::nullopt;
        table.date_styles.clear();
        table.digit_styles.clear();
      }
      continue;
    }
    if (entry.name == "xl/workbook.xml" && !entry.encrypted) {
      WorkbookHandler h(table.date1904);
      if (!ReadPart(*reader.value(), limits.max_buffered_member, budget, h) &&
          budget.exhausted()) {
        return std::nullopt;
      }
      continue;
    }
    if (entry.name != "xl/sharedStrings.xml" || entry.encrypted || table.loaded) continue;
    SstHandler h(table, limits.max_buffered_member);
    if (!ReadPart(*reader.value(), UINT64_MAX, budget, h)) return std::nullopt;
    // A damaged part is read again with the others, where its damage is
    // recorded.
    if (!reader.value()->data_warning().empty()) return std::nullopt;
    table.loaded = true;
  }
  if (!sheets) return std::nullopt;
  table.used.assign(table.strings.size(), false);
  return table;
}

std::unique_ptr<StructuredText> MakeSheet(TextSink& sink, SharedStrings& strings,
                                          const ScanLimits& limits) {
  return std::make_unique<Sheet>(sink, strings, limits);
}

void WriteUnusedStrings(TextSink& sink, const SharedStrings& strings) {
  for (size_t i = 0; i < strings.strings.size(); ++i) {
    if (strings.used[i] || strings.strings[i].empty()) continue;
    sink.Synthetic(strings.strings[i], sink.position());
    sink.Synthetic("\n", sink.position());
  }
}

}  // namespace phiscan::scanner::formats
