#include "scanner/formats/legacy_office.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <cmath>
#include <cstring>
#include <vector>

#include <zlib.h>

#include "scanner/decode.h"
#include "scanner/formats/little_endian.h"
#include "scanner/formats/number_format.h"

namespace phiscan::scanner::formats {
namespace {

double LeDouble(std::string_view b, size_t at) {
  uint64_t bits = Le32(b, at) | static_cast<uint64_t>(Le32(b, at + 4)) << 32;
  double d;
  std::memcpy(&d, &bits, sizeof d);
  return d;
}

// Calls fn(code point) for each character of UTF-16LE `bytes`, surrogate
// pairs joined (an unpaired one passed on as is), until fn returns false.
template <typename Fn>
void ForEachUtf16(std::string_view bytes, Fn&& fn) {
  for (size_t i = 0; i + 1 < bytes.size(); i += 2) {
    uint32_t c = Le16(bytes, i);
    if (c >= 0xD800 && c < 0xDC00 && i + 3 < bytes.size()) {
      const uint32_t low = Le16(bytes, i + 2);
      if (low >= 0xDC00 && low < 0xE000) {
        c = 0x10000 + ((c - 0xD800) << 10) + (low - 0xDC00);
        i += 2;
      }
    }
    if (!fn(c)) return;
  }
}

// ---- Word ------------------------------------------------------------------

// Word's control characters in document text ([MS-DOC] 2.8.x): marks that
// separate text become line ends, tabs or spaces; anchors of pictures,
// notes and objects disappear.
void AppendWordChar(uint32_t c, std::string& out) {
  switch (c) {
    case 0x0D:  // paragraph end
    case 0x0B:  // line break
    case 0x0C:  // page or section break
    case 0x0E:  // column break
      out += '\n';
      return;
    case 0x07:
      out += '\t';
      return;  // cell or row end
    case 0x09:
      out += '\t';
      return;
    case 0x13:  // field begin: its instructions follow
    case 0x14:  // field separator: its result follows
    case 0x15:  // field end
    case 0xA0:  // no-break space
      out += ' ';
      return;
    case 0x1E:
      out += '-';
      return;  // non-breaking hyphen
    case 0x1F:
      return;  // optional hyphen
    default:
      if (c < 0x20) return;  // anchors: pictures (0x01), notes (0x02), objects (0x08)
      AppendUtf8(c, out);
  }
}

}  // namespace

void AppendUtf16Le(std::string_view bytes, std::string& out) {
  ForEachUtf16(bytes, [&](uint32_t c) {
    if (c != 0) AppendUtf8(c, out);  // an unpaired surrogate becomes U+FFFD
    return true;
  });
}

void AppendCp1252(std::string_view bytes, std::string& out) {
  for (char b : bytes) {
    if (b != 0) AppendUtf8(Cp1252CodePoint(static_cast<uint8_t>(b)), out);
  }
}

Result<WordFib> ReadWordFib(std::string_view w) {
  // FibBase is 32 bytes; then csw and fibRgW (csw 16-bit words), cslw and
  // fibRgLw (cslw 32-bit words), cbRgFcLcb and fibRgFcLcbBlob (pairs of
  // 32-bit fc/lcb), whose 34th pair (index 33) is fcClx/lcbClx.
  if (w.size() < 0x22 || Le16(w, 0) != 0xA5EC) return Status::Corrupt("Word: no FIB signature");
  if (Le16(w, 2) < 0xC0) return Status::Unsupported("Word 6/95 or older document");
  WordFib fib;
  const uint16_t flags = Le16(w, 0x0A);
  fib.encrypted = flags & 0x0100;
  fib.table_one = flags & 0x0200;
  // An encrypted document keeps only its first 68 bytes in the clear: the
  // rest of the FIB is ciphertext.
  if (fib.encrypted) return fib;
  size_t at = 0x20;
  const size_t csw = Le16(w, at);
  at += 2 + 2 * csw;
  if (at + 2 > w.size()) return Status::Corrupt("Word: FIB cut short");
  const size_t cslw = Le16(w, at);
  at += 2 + 4 * cslw;
  if (at + 2 > w.size()) return Status::Corrupt("Word: FIB cut short");
  const size_t pairs = Le16(w, at);
  at += 2;
  constexpr size_t kClxPair = 33;
  if (pairs <= kClxPair || at + 8 * (kClxPair + 1) > w.size()) {
    return Status::Corrupt("Word: FIB has no piece table entry");
  }
  fib.fc_clx = Le32(w, at + 8 * kClxPair);
  fib.lcb_clx = Le32(w, at + 8 * kClxPair + 4);
  return fib;
}

Status WordText(std::string_view w, std::string_view table, const WordFib& fib, TextOut& text) {
  std::string& out = text.buffer();
  if (fib.encrypted)
    return Status(StatusCode::kEncrypted, "Word document encrypted with a password");
  if (fib.fc_clx >= table.size() || fib.lcb_clx > table.size() - fib.fc_clx) {
    return Status::Corrupt("Word: piece table outside the table stream");
  }
  std::string_view clx = table.substr(fib.fc_clx, fib.lcb_clx);
  // Clx: formatting entries (Prc: 0x01, a 16-bit size, the bytes), then the
  // piece table (Pcdt: 0x02, a 32-bit size, PlcPcd).
  size_t at = 0;
  while (at < clx.size() && clx[at] == 0x01) {
    if (at + 3 > clx.size()) return Status::Corrupt("Word: formatting entry cut short");
    at += 3 + size_t{Le16(clx, at + 1)};
  }
  if (at + 5 > clx.size() || clx[at] != 0x02) return Status::Corrupt("Word: no piece table");
  const uint32_t lcb = Le32(clx, at + 1);
  at += 5;
  if (lcb > clx.size() - at || lcb < 4) return Status::Corrupt("Word: piece table cut short");
  std::string_view plc = clx.substr(at, lcb);
  // PlcPcd: n+1 character positions, then n 8-byte piece descriptors.
  // Every piece is checked before any is written, so a damaged table
  // writes nothing (the caller can fall back without repeating text).
  const size_t n = (plc.size() - 4) / 12;
  struct Piece {
    std::string_view bytes;
    bool compressed;
  };
  std::vector<Piece> pieces;
  // Pieces in character order that together cover no more than the stream:
  // overlapping pieces would decode the same bytes again and again.
  uint64_t total = 0;
  for (size_t i = 0; i < n; ++i) {
    const uint32_t cp0 = Le32(plc, 4 * i), cp1 = Le32(plc, 4 * (i + 1));
    if (cp1 < cp0) return Status::Corrupt("Word: piece table out of order");
    if (cp1 == cp0) continue;
    const uint64_t chars = cp1 - cp0;
    const uint32_t fc_field = Le32(plc, 4 * (n + 1) + 8 * i + 2);
    const bool compressed = fc_field & 0x40000000;
    const uint64_t fc = fc_field & 0x3FFFFFFF;
    const uint64_t begin = compressed ? fc / 2 : fc;
    const uint64_t bytes = compressed ? chars : 2 * chars;
    if (begin >= w.size() || bytes > w.size() - begin) {
      return Status::Corrupt("Word: piece " + std::to_string(i) + " outside the document stream");
    }
    total += bytes;
    if (total > w.size()) return Status::Corrupt("Word: pieces overlap");
    pieces.push_back({w.substr(begin, bytes), compressed});
  }
  for (const auto& [piece, compressed] : pieces) {
    if (compressed) {
      for (char b : piece) {
        AppendWordChar(Cp1252CodePoint(static_cast<uint8_t>(b)), out);
        if (!text.Check()) return Status::Ok();
      }
    } else {
      ForEachUtf16(piece, [&](uint32_t c) {
        AppendWordChar(c, out);
        return text.Check();
      });
      if (text.stopped()) return Status::Ok();
    }
  }
  return Status::Ok();
}

// ---- Excel -----------------------------------------------------------------

namespace {

constexpr uint16_t kFormat = 0x041E, kXf = 0x00E0, kDate1904 = 0x0022;
constexpr uint16_t kBof = 0x0809, kEof = 0x000A, kFilePass = 0x002F, kSst = 0x00FC,
                   kContinue = 0x003C, kBoundSheet = 0x0085, kLabelSst = 0x00FD, kLabel = 0x0204,
                   kNumber = 0x0203, kRk = 0x027E, kMulRk = 0x00BD, kFormula = 0x0006,
                   kString = 0x0207;
// A sheet's page header and footer, its drawing objects, their text
// (a comment's, a text box's) and its comments' cell notes.
constexpr uint16_t kHeader = 0x0014, kFooter = 0x0015, kObj = 0x005D, kTxo = 0x01B6,
                   kNote = 0x001C;

// The bytes of a record and the CONTINUE records after it, read as one
// stream in which a string's characters may cross into the next record;
// there the record starts with a fresh option byte (8-bit or UTF-16).
class Segments {
 public:
  void Add(std::string_view s) { parts_.push_back(s); }
  bool Bytes(size_t n, std::string* out) {
    while (n > 0) {
      if (!Ready()) return false;
      const size_t k = std::min(n, parts_[part_].size() - pos_);
      if (out) out->append(parts_[part_].substr(pos_, k));
      pos_ += k;
      n -= k;
    }
    return true;
  }
  bool U8(uint8_t& v) {
    std::string b;
    if (!Bytes(1, &b)) return false;
    v = static_cast<uint8_t>(b[0]);
    return true;
  }
  bool U16(uint16_t& v) {
    std::string b;
    if (!Bytes(2, &b)) return false;
    v = Le16(b, 0);
    return true;
  }
  bool U32(uint32_t& v) {
    std::string b;
    if (!Bytes(4, &b)) return false;
    v = Le32(b, 0);
    return true;
  }
  // `count` characters, 8-bit or UTF-16 as `wide` says, switching where a
  // record boundary brings a new option byte. Appends up to `max` bytes
  // of UTF-8.
  bool Chars(size_t count, bool wide, size_t max, std::string& out) {
    // Characters that begin in the next record (the string's header ended
    // its record) start with an option byte there too.
    at_boundary_ = count > 0;
    while (count > 0) {
      if (!Ready()) return false;
      if (pos_ == 0 && part_ > 0 && at_boundary_) {
        wide = static_cast<uint8_t>(parts_[part_][0]) & 0x01;
        pos_ = 1;
        if (!Ready()) return false;
      }
      const size_t unit = wide ? 2 : 1;
      const size_t avail = (parts_[part_].size() - pos_) / unit;
      if (avail == 0) return false;  // a UTF-16 unit split across records
      const size_t k = std::min(count, avail);
      std::string_view chunk = parts_[part_].substr(pos_, k * unit);
      if (out.size() < max) {
        std::string text;
        if (wide) {
          AppendUtf16Le(chunk, text);
        } else {
          AppendCp1252(chunk, text);
        }
        out.append(text.substr(0, max - out.size()));
      }
      pos_ += k * unit;
      count -= k;
      at_boundary_ = true;
    }
    at_boundary_ = false;
    return true;
  }

 private:
  // Moves to the next record when this one is used up.
  bool Ready() {
    while (part_ < parts_.size() && pos_ >= parts_[part_].size()) {
      ++part_;
      pos_ = 0;
    }
    return part_ < parts_.size();
  }
  std::vector<std::string_view> parts_;
  size_t part_ = 0, pos_ = 0;
  bool at_boundary_ = false;
};

// XLUnicodeRichExtendedString ([MS-XLS] 2.5.293).
bool ReadSstString(Segments& s, size_t max, std::string& out) {
  uint16_t cch;
  uint8_t flags;
  if (!s.U16(cch) || !s.U8(flags)) return false;
  uint16_t runs = 0;
  uint32_t ext = 0;
  if ((flags & 0x08) && !s.U16(runs)) return false;
  if ((flags & 0x04) && !s.U32(ext)) return false;
  if (!s.Chars(cch, flags & 0x01, max, out)) return false;
  return s.Bytes(4 * static_cast<size_t>(runs), nullptr) && s.Bytes(ext, nullptr);
}

// Whether an object of type `ot` (FtCmo.ot, [MS-XLS] 2.5.143) carries a
// ControlInfo in its TxO: the form controls with text.
bool HasControlInfo(uint16_t ot) {
  return ot == 0x00 || ot == 0x05 || ot == 0x07 || ot == 0x0B || ot == 0x0C || ot == 0x0E;
}

}  // namespace

Status WorkbookCells(std::string_view wb, size_t max_cell, size_t max_table, CellSink& sink) {
  size_t table_bytes = 0;
  // Cell formats (XF records, numbered in order) by their number format,
  // and which custom number formats show dates: a date cell holds a serial
  // day number, written as the date it shows.
  std::vector<uint16_t> xf_format;
  std::vector<bool> custom_date;
  std::vector<std::string> custom_digits;  // DigitPattern by format, as 000-00-0000
  bool date1904 = false;
  auto number = [&](double v, uint16_t ixfe) {
    if (ixfe < xf_format.size()) {
      const uint16_t f = xf_format[ixfe];
      if (IsDateFormat(f, {}) || (f < custom_date.size() && custom_date[f])) {
        std::string date = SerialDate(v, date1904);
        if (!date.empty()) return date;
      }
      if (f < custom_digits.size() && !custom_digits[f].empty()) {
        return ApplyDigitPattern(v, custom_digits[f]);
      }
    }
    return FormatNumber(v);
  };
  std::vector<std::string> sst;
  std::vector<bool> sst_used;
  // Sheet names by where their BOF record starts (BOUNDSHEET's lbPlyPos):
  // the list also names chart and macro sheets, so counting worksheets
  // would shift the names.
  std::map<uint64_t, std::string> sheet_names;
  bool biff8 = true;
  uint16_t object_type = 0xFFFF;  // of the last OBJ record: its TXO's layout
  bool pending_string = false;  // a FORMULA's string result comes in the next STRING
  uint32_t pending_row = 0, pending_col = 0;
  size_t at = 0;
  bool stop = false;
  auto cell = [&](uint32_t row, uint32_t col, std::string_view text) {
    if (!text.empty() && !stop) stop = !sink.OnCell(row, col, text.substr(0, max_cell));
  };
  // XLUnicodeString (BIFF8: 16-bit count and an option byte) or BIFF5's
  // 8-bit string with a 16-bit count.
  auto inline_string = [&](std::string_view r, size_t off) {
    std::string text;
    if (off + 2 > r.size()) return text;
    const size_t cch = Le16(r, off);
    if (!biff8) {
      AppendCp1252(r.substr(off + 2, std::min(cch, max_cell)), text);
      return text;
    }
    if (off + 3 > r.size()) return text;
    const bool wide = r[off + 2] & 0x01;
    std::string_view chars = r.substr(off + 3, std::min(cch, max_cell) * (wide ? 2 : 1));
    if (wide) {
      AppendUtf16Le(chars, text);
    } else {
      AppendCp1252(chars, text);
    }
    return text;
  };
  // The CONTINUE records after the current one.
  auto continues = [&](Segments& s) {
    while (at + 4 <= wb.size() && Le16(wb, at) == kContinue) {
      const uint16_t clen = Le16(wb, at + 2);
      if (clen > wb.size() - at - 4) break;
      s.Add(wb.substr(at + 4, clen));
      at += 4 + clen;
    }
  };
  auto loose_text = [&](std::string_view t) {
    if (!t.empty() && !stop) sink.OnText(t.substr(0, max_cell));
  };
  while (at + 4 <= wb.size() && !stop) {
    const uint64_t record_at = at;
    const uint16_t type = Le16(wb, at);
    const uint16_t len = Le16(wb, at + 2);
    if (len > wb.size() - at - 4) return Status::Corrupt("xls: record runs past the stream's end");
    std::string_view r = wb.substr(at + 4, len);
    at += 4 + len;
    switch (type) {
      case kBof:
        if (r.size() >= 4) {
          biff8 = Le16(r, 0) == 0x0600;
          if (Le16(r, 2) == 0x0010) {
            auto name = sheet_names.find(record_at);
            sink.OnSheet(name != sheet_names.end() ? name->second : std::string_view());
          }
        }
        break;
      case kFilePass:
        return Status(StatusCode::kEncrypted, "Excel workbook encrypted with a password");
      case kXf:
        if (r.size() >= 4) xf_format.push_back(Le16(r, 2));
        break;
      case kFormat:
        if (r.size() >= 2) {
          const uint16_t ifmt = Le16(r, 0);
          if (custom_date.size() <= ifmt) custom_date.resize(size_t{ifmt} + 1, false);
          const std::string code = inline_string(r, 2);
          custom_date[ifmt] = IsDateFormat(ifmt, code);
          if (!custom_date[ifmt]) {
            std::string digits = DigitPattern(code);
            if (!digits.empty()) {
              if (custom_digits.size() <= ifmt) custom_digits.resize(size_t{ifmt} + 1);
              custom_digits[ifmt] = std::move(digits);
            }
          }
        }
        break;
      case kDate1904:
        if (r.size() >= 2) date1904 = Le16(r, 0) == 1;
        break;
      case kBoundSheet:
        if (r.size() >= 8) {
          const size_t cch = static_cast<uint8_t>(r[6]);
          std::string name;
          if (biff8 && r.size() >= 8 && (r[7] & 0x01)) {
            AppendUtf16Le(r.substr(8, 2 * cch), name);
          } else {
            AppendCp1252(r.substr(biff8 ? 8 : 7, cch), name);
          }
          sheet_names[Le32(r, 0)] = std::move(name);
        }
        break;
      case kSst: {
        Segments s;
        s.Add(r.size() >= 8 ? r.substr(8) : std::string_view());
        continues(s);
        const uint32_t unique = r.size() >= 8 ? Le32(r, 4) : 0;
        for (uint32_t i = 0; i < unique; ++i) {
          std::string text;
          if (!ReadSstString(s, max_cell, text)) break;
          table_bytes += text.size() + 32;
          if (table_bytes > max_table) {
            if (!text.empty()) sink.OnText(text);
          } else {
            sst.push_back(std::move(text));
          }
        }
        sst_used.assign(sst.size(), false);
        break;
      }
      case kLabelSst:
        if (r.size() >= 10) {
          const uint32_t i = Le32(r, 6);
          if (i < sst.size()) {
            sst_used[i] = true;
            cell(Le16(r, 0), Le16(r, 2), sst[i]);
          }
        }
        break;
      case kLabel:
        if (r.size() >= 8) cell(Le16(r, 0), Le16(r, 2), inline_string(r, 6));
        break;
      case kNumber:
        if (r.size() >= 14) cell(Le16(r, 0), Le16(r, 2), number(LeDouble(r, 6), Le16(r, 4)));
        break;
      case kRk:
        if (r.size() >= 10) cell(Le16(r, 0), Le16(r, 2), number(RkValue(Le32(r, 6)), Le16(r, 4)));
        break;
      case kMulRk:
        if (r.size() >= 6) {
          const uint16_t row = Le16(r, 0), first = Le16(r, 2);
          const size_t n = (r.size() - 6) / 6;
          for (size_t k = 0; k < n; ++k) {
            cell(row, first + static_cast<uint32_t>(k),
                 number(RkValue(Le32(r, 4 + 6 * k + 2)), Le16(r, 4 + 6 * k)));
          }
        }
        break;
      case kFormula:
        if (r.size() >= 14) {
          // FormulaValue: a double, unless its last two bytes are 0xFFFF;
          // then its first byte says string (0), boolean, error or blank.
          if (Le16(r, 12) == 0xFFFF) {
            pending_string = r[6] == 0;
            pending_row = Le16(r, 0);
            pending_col = Le16(r, 2);
          } else {
            cell(Le16(r, 0), Le16(r, 2), number(LeDouble(r, 6), Le16(r, 4)));
          }
        }
        break;
      case kString:
        if (pending_string) cell(pending_row, pending_col, inline_string(r, 0));
        pending_string = false;
        break;
      case kHeader:
      case kFooter:
        if (biff8 && !r.empty()) loose_text(HeaderFooterText(inline_string(r, 0)));
        break;
      case kObj:
        // FtCmo first: ft 0x15, cb, ot.
        object_type = r.size() >= 6 && Le16(r, 0) == 0x15 ? Le16(r, 4) : 0xFFFF;
        break;
      case kTxo: {
        // The text is in the CONTINUE records that follow: an option byte
        // and its characters, a fresh option byte in each further record;
        // then the formatting runs.
        Segments s;
        continues(s);
        const size_t count_at = HasControlInfo(object_type) ? 16 : 10;
        if (!biff8 || r.size() < count_at + 2) break;
        std::string t;
        uint8_t option = 0;
        if (s.U8(option)) (void)s.Chars(Le16(r, count_at), option & 0x01, max_cell, t);
        loose_text(t);  // what could be read, if its records are cut short
        break;
      }
      case kNote:
        // A comment's cell and its author (NoteSh: row, column, flags,
        // object id, XLUnicodeString); its text is the object's TXO.
        if (biff8 && r.size() >= 11) loose_text(inline_string(r, 8));
        break;
      case kEof:
      default:
        break;
    }
  }
  // Shared strings no cell showed (as in xlsx: nothing in the table goes
  // unread).
  for (size_t i = 0; i < sst.size() && !stop; ++i) {
    if (!sst_used[i] && !sst[i].empty()) sink.OnText(sst[i]);
  }
  return Status::Ok();
}

// ---- PowerPoint --------------------------------------------------------------

Status PowerPointText(std::string_view s, TextOut& text, std::vector<PptStorage>* storages,
                      size_t max_storages) {
  std::string& out = text.buffer();
  constexpr uint16_t kTextChars = 0x0FA0, kTextBytes = 0x0FA8, kCString = 0x0FBA,
                     kStorage = 0x1011;
  size_t at = 0;
  while (at + 8 <= s.size()) {
    const uint16_t ver_instance = Le16(s, at);
    const uint16_t type = Le16(s, at + 2);
    const uint32_t len = Le32(s, at + 4);
    at += 8;
    // A container's children follow its header; walking on visits them.
    if ((ver_instance & 0x0F) == 0x0F) continue;
    if (len > s.size() - at) return Status::Corrupt("ppt: record runs past the stream's end");
    std::string_view body = s.substr(at, len);
    at += len;
    if (type == kTextChars || type == kCString) {
      AppendUtf16Le(body, out);
    } else if (type == kTextBytes) {
      // TextBytesAtom holds the low bytes of UTF-16 units: Latin-1.
      for (char b : body) {
        if (b != 0) AppendUtf8(static_cast<uint8_t>(b), out);
      }
    } else {
      if (type == kStorage && storages != nullptr && storages->size() < max_storages) {
        storages->push_back({body, (ver_instance >> 4) == 1});
      }
      continue;
    }
    out += '\n';
    if (!text.Check()) break;
  }
  return Status::Ok();
}

Status PowerPointStorage(const PptStorage& storage, size_t max_bytes, std::string& out) {
  out.clear();
  if (!storage.compressed) {
    out.assign(storage.body.substr(0, max_bytes));
    return storage.body.size() > max_bytes
               ? Status::LimitExceeded("ppt: embedded storage over the buffered member limit")
               : Status::Ok();
  }
  if (storage.body.size() < 4) return Status::Corrupt("ppt: compressed storage without its size");
  const uint32_t size = Le32(storage.body, 0);
  const std::string_view in = storage.body.substr(4);
  const size_t want = std::min<size_t>(size, max_bytes);
  // Deflate expands at most 1032 times: a size that the data cannot reach
  // gets no buffer of that size.
  const size_t room = std::min(want, in.size() * 1032 + 1024);
  z_stream z{};
  if (inflateInit(&z) != Z_OK) return Status::Corrupt("ppt: zlib would not start");
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());  // a record's body: under 4 GiB
  out.resize(room);
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(room);
  int rc = Z_OK;
  while (z.avail_out > 0 && rc == Z_OK) rc = inflate(&z, Z_NO_FLUSH);
  const size_t got = room - z.avail_out;
  // Data past the size is never asked for: a stream that goes on is cut.
  inflateEnd(&z);
  out.resize(got);
  if (got < want) {
    return Status::Corrupt(rc == Z_STREAM_END ? "ppt: compressed storage shorter than its size"
                                              : "ppt: compressed storage damaged");
  }
  if (size > max_bytes) {
    return Status::LimitExceeded("ppt: embedded storage over the buffered member limit");
  }
  return Status::Ok();
}

void Utf16LeText(std::string_view bytes, TextOut& text) {
  std::string& out = text.buffer();
  ForEachUtf16(bytes, [&](uint32_t c) {
    if (c != 0) AppendUtf8(c, out);
    return text.Check();
  });
}

void Cp1252Text(std::string_view bytes, TextOut& text) {
  std::string& out = text.buffer();
  for (char b : bytes) {
    if (b == 0) continue;
    AppendUtf8(Cp1252CodePoint(static_cast<uint8_t>(b)), out);
    if (!text.Check()) return;
  }
}

void PrintableRuns(std::string_view b, TextOut& text) {
  constexpr size_t kMinRun = 4;
  std::string& out = text.buffer();
  auto printable = [](char c) { return (c >= 0x20 && c < 0x7F) || c == '\t'; };
  for (size_t i = 0; i < b.size();) {
    size_t j = i;
    while (j < b.size() && printable(b[j])) ++j;
    if (j - i >= kMinRun) {
      for (size_t k = i; k < j; k += TextOut::kPieceBytes) {
        out.append(b.substr(k, std::min(j - k, TextOut::kPieceBytes)));
        if (!text.Check()) return;
      }
      out += '\n';
    }
    i = j + 1;
  }
  for (size_t i = 0; i + 1 < b.size();) {
    size_t j = i;
    while (j + 1 < b.size() && printable(b[j]) && b[j + 1] == 0) j += 2;
    if ((j - i) / 2 >= kMinRun) {
      for (size_t k = i; k < j; k += 2) {
        out += b[k];
        if (!text.Check()) return;
      }
      out += '\n';
      i = j;
    } else {
      ++i;
    }
  }
  text.Check();
}

// ---- Outlook ---------------------------------------------------------------

std::optional<MsgPropertyName> ParseMsgPropertyName(std::string_view name) {
  constexpr std::string_view kPrefix = "__substg1.0_";
  if (name.size() != kPrefix.size() + 8 || !name.starts_with(kPrefix)) return std::nullopt;
  uint32_t v = 0;
  auto r = std::from_chars(name.data() + kPrefix.size(), name.data() + name.size(), v, 16);
  if (r.ec != std::errc() || r.ptr != name.data() + name.size()) return std::nullopt;
  return MsgPropertyName{static_cast<uint16_t>(v >> 16), static_cast<uint16_t>(v & 0xFFFF)};
}

// ---- OLE packages ------------------------------------------------------------

Result<PackagedFile> ReadOle10Native(std::string_view s) {
  // u32 size of what follows; u16 type; label, NUL-terminated; source
  // path, NUL-terminated; two u16; u32 length and the temporary path; u32
  // length and the file's bytes.
  size_t at = 4 + 2;
  auto cstring = [&](std::string& v) {
    const size_t end = s.find('\0', at);
    if (end == std::string_view::npos || end - at > 4096) return false;
    v.assign(s.substr(at, end - at));
    at = end + 1;
    return true;
  };
  std::string label, path, temp;
  if (s.size() < at || !cstring(label) || !cstring(path)) {
    return Status::Corrupt("OLE package: no file names");
  }
  at += 4;
  if (at + 4 > s.size()) return Status::Corrupt("OLE package cut short");
  const uint32_t temp_len = Le32(s, at);
  at += 4;
  if (temp_len > s.size() - at) return Status::Corrupt("OLE package cut short");
  at += temp_len;
  if (at + 4 > s.size()) return Status::Corrupt("OLE package cut short");
  const uint32_t data_len = Le32(s, at);
  at += 4;
  if (data_len > s.size() - at) return Status::Corrupt("OLE package: file runs past the stream");
  PackagedFile file;
  std::string base = path;
  const size_t slash = base.find_last_of("/\\");
  if (slash != std::string::npos) base = base.substr(slash + 1);
  std::string name = label.empty() ? base : label;
  AppendCp1252(name, file.name);
  file.data = s.substr(at, data_len);
  return file;
}

Result<Ole1Object> ReadOle1Object(std::string_view s) {
  if (s.size() < 8) return Status::Corrupt("OLE 1.0 object: no header");
  const uint32_t format = Le32(s, 4);
  if (format == 1) return Status::Unsupported("OLE 1.0 object: linked, its data elsewhere");
  if (format != 2) return Status::Corrupt("OLE 1.0 object: unknown format id");
  size_t at = 8;
  Ole1Object o;
  // Class, topic and item: each a u32 length (with its NUL) and the bytes.
  for (int k = 0; k < 3; ++k) {
    if (at + 4 > s.size()) return Status::Corrupt("OLE 1.0 object: header cut short");
    const uint32_t len = Le32(s, at);
    at += 4;
    if (len > s.size() - at) return Status::Corrupt("OLE 1.0 object: header cut short");
    if (k == 0) {
      std::string_view name = s.substr(at, std::min<size_t>(len, 256));
      while (!name.empty() && name.back() == '\0') name.remove_suffix(1);
      o.class_name.assign(name);
    }
    at += len;
  }
  if (at + 4 > s.size()) return Status::Corrupt("OLE 1.0 object: no native data");
  const uint32_t size = Le32(s, at);
  if (size > s.size() - at - 4) return Status::Corrupt("OLE 1.0 object: native data cut short");
  o.native = s.substr(at, 4 + size_t{size});
  o.data = s.substr(at + 4, size);
  return o;
}

}  // namespace phiscan::scanner::formats
