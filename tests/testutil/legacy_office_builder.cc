#include "tests/testutil/legacy_office_builder.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <stdexcept>
#include <tuple>

#include <zlib.h>

#include "tests/testutil/utf.h"

namespace phiscan::testing {
namespace {

// ---------------------------------------------------------------------------
// Little-endian writers.
// ---------------------------------------------------------------------------

void PutU8(std::string* s, uint32_t v) { s->push_back(static_cast<char>(v & 0xFF)); }
void PutU16(std::string* s, uint32_t v) {
  PutU8(s, v);
  PutU8(s, v >> 8);
}
void PutU32(std::string* s, uint32_t v) {
  PutU16(s, v & 0xFFFF);
  PutU16(s, v >> 16);
}
void PutU64(std::string* s, uint64_t v) {
  PutU32(s, static_cast<uint32_t>(v));
  PutU32(s, static_cast<uint32_t>(v >> 32));
}
void PutF64(std::string* s, double d) {
  uint64_t bits;
  std::memcpy(&bits, &d, sizeof bits);
  PutU64(s, bits);
}
void SetU16(std::string* s, size_t at, uint32_t v) {
  (*s)[at] = static_cast<char>(v & 0xFF);
  (*s)[at + 1] = static_cast<char>((v >> 8) & 0xFF);
}
void SetU32(std::string* s, size_t at, uint32_t v) {
  SetU16(s, at, v & 0xFFFF);
  SetU16(s, at + 2, v >> 16);
}
void PutUtf16Le(std::string* s, const std::u16string& u) {
  for (char16_t c : u) PutU16(s, c);
}

// ---------------------------------------------------------------------------
// Text encodings.
// ---------------------------------------------------------------------------

// Windows-1252 bytes 0x80..0x9F. 0 = undefined in cp1252.
constexpr char16_t kCp1252High[32] = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};

// Word's FcCompressed mapping ([MS-DOC] 2.9.73): like cp1252 but without
// 0x80, 0x8E and 0x9E, which map to U+0080, U+008E, U+009E.
bool CodePointToWordCompressed(char32_t cp, unsigned char* out) {
  if (cp < 0x80 || (cp >= 0xA0 && cp <= 0xFF)) {
    *out = static_cast<unsigned char>(cp);
    return true;
  }
  for (int b = 0; b < 32; ++b) {
    if (b == 0x00 || b == 0x0E || b == 0x1E) continue;
    if (kCp1252High[b] != 0 && kCp1252High[b] == cp) {
      *out = static_cast<unsigned char>(0x80 + b);
      return true;
    }
  }
  return false;
}

std::string ToWordCompressed(const std::string& utf8) {
  std::string out;
  for (char32_t cp : Utf8ToCodePoints(utf8)) {
    unsigned char b;
    if (!CodePointToWordCompressed(cp, &b)) {
      throw std::invalid_argument(
          "BuildWordDocument: character not representable in a compressed piece");
    }
    out.push_back(static_cast<char>(b));
  }
  return out;
}

std::string ToCp1252Lossy(const std::string& utf8) {
  std::string out;
  for (char32_t cp : Utf8ToCodePoints(utf8)) {
    unsigned char b;
    if (!CodePointToCp1252(cp, &b)) b = '?';
    out.push_back(static_cast<char>(b));
  }
  return out;
}

// Latin-1 (high byte 0) bytes; throws if a unit is > 0xFF.
std::string ToLatin1Strict(const std::u16string& u, const char* who) {
  std::string out;
  for (char16_t c : u) {
    if (c > 0xFF) throw std::invalid_argument(std::string(who) + ": char > U+00FF");
    out.push_back(static_cast<char>(c));
  }
  return out;
}

bool AllLatin1(const std::u16string& u, size_t from, size_t to) {
  for (size_t i = from; i < to; ++i)
    if (u[i] > 0xFF) return false;
  return true;
}

// ---------------------------------------------------------------------------
// Word.
// ---------------------------------------------------------------------------

constexpr size_t kFibSize = 900;           // 32+2+28+2+88+2+744+2
constexpr size_t kFibRgFcLcbOffset = 154;  // 32 + 2 + 28 + 2 + 88 + 2
constexpr size_t kFcClxIndex = 33;         // pair index in FibRgFcLcb97
constexpr size_t kPieceTextStart = 1024;
constexpr size_t kRc4HeaderSize = 52;

void PutRc4HeaderStandIn(std::string* s) {
  PutU16(s, 1);                                            // vMajor
  PutU16(s, 1);                                            // vMinor
  for (int i = 0; i < 48; ++i) PutU8(s, 0xA0 + (i % 16));  // salt/verifier/hash
}

}  // namespace

std::u16string Utf8ToUtf16(const std::string& utf8) {
  return CodePointsToUtf16(Utf8ToCodePoints(utf8));
}

bool CodePointToCp1252(char32_t cp, unsigned char* out) {
  if (cp < 0x80 || (cp >= 0xA0 && cp <= 0xFF)) {
    *out = static_cast<unsigned char>(cp);
    return true;
  }
  for (int b = 0; b < 32; ++b) {
    if (kCp1252High[b] != 0 && kCp1252High[b] == cp) {
      *out = static_cast<unsigned char>(0x80 + b);
      return true;
    }
  }
  return false;
}

std::vector<StreamBytes> BuildWordDocument(const std::vector<WordPiece>& pieces,
                                           const WordOptions& o) {
  struct Encoded {
    std::string bytes;
    uint32_t cch;
    bool compressed;
    bool has_para_mark;
  };
  std::vector<Encoded> enc;
  for (const WordPiece& p : pieces) {
    Encoded e;
    e.compressed = p.compressed;
    e.has_para_mark = p.utf8.find('\r') != std::string::npos;
    if (p.compressed) {
      e.bytes = ToWordCompressed(p.utf8);
      e.cch = static_cast<uint32_t>(e.bytes.size());
    } else {
      std::u16string u = Utf8ToUtf16(p.utf8);
      PutUtf16Le(&e.bytes, u);
      e.cch = static_cast<uint32_t>(u.size());
    }
    enc.push_back(std::move(e));
  }

  // WordDocument: FIB placeholder, padding, piece texts in reverse order.
  std::string wd(kPieceTextStart, '\0');
  std::vector<uint32_t> piece_fc(enc.size());
  for (size_t k = enc.size(); k-- > 0;) {
    if (wd.size() % 2) wd.push_back('\0');
    const uint32_t off = static_cast<uint32_t>(wd.size());
    piece_fc[k] = enc[k].compressed ? ((off * 2u) | 0x40000000u) : off;
    wd += enc[k].bytes;
    wd += kWordDecoyText;
  }
  // Zero padding: at least 4096 bytes, a multiple of 512 (real files are
  // sector-sized; some readers reject tiny WordDocument streams).
  const size_t padded = std::max<size_t>(4096, (wd.size() + 511) / 512 * 512);
  wd.resize(padded, '\0');
  uint32_t ccp_text = 0;
  for (const Encoded& e : enc) ccp_text += e.cch;

  // Table stream.
  std::string tbl;
  if (o.encrypted) PutRc4HeaderStandIn(&tbl);
  const uint32_t fc_clx = static_cast<uint32_t>(tbl.size());
  if (o.with_prc) {
    PutU8(&tbl, 0x01);     // clxt: Prc
    PutU16(&tbl, 3);       // cbGrpprl
    PutU16(&tbl, 0x0835);  // sprmCFBold
    PutU8(&tbl, 0x01);
    PutU8(&tbl, 0x01);  // clxt: Prc
    PutU16(&tbl, 3);
    PutU16(&tbl, 0x0836);  // sprmCFItalic
    PutU8(&tbl, 0x01);
  }
  std::string plc;
  uint32_t cp = 0;
  PutU32(&plc, 0);
  for (const Encoded& e : enc) {
    cp += e.cch;
    PutU32(&plc, cp);
  }
  for (size_t k = 0; k < enc.size(); ++k) {
    PutU16(&plc, enc[k].has_para_mark ? 0x0000 : 0x0001);  // fNoParaLast
    PutU32(&plc, piece_fc[k]);
    uint32_t prm = 0;
    if (o.with_prc && k < 2) prm = (static_cast<uint32_t>(k) << 1) | 1u;  // Prm1
    PutU16(&plc, prm);
  }
  PutU8(&tbl, 0x02);  // clxt: Pcdt
  PutU32(&tbl, static_cast<uint32_t>(plc.size()));
  tbl += plc;
  const uint32_t lcb_clx = static_cast<uint32_t>(tbl.size()) - fc_clx;

  // FIB.
  std::string fib;
  PutU16(&fib, 0xA5EC);     // wIdent
  PutU16(&fib, 0x00C1);     // nFib
  PutU16(&fib, 0);          // unused
  PutU16(&fib, 0x0409);     // lid
  PutU16(&fib, 0);          // pnNext
  uint32_t flags = 0x1000;  // fExtChar
  if (o.table_stream_one) flags |= 0x0200;
  if (o.encrypted) flags |= 0x0100;
  if (o.fast_saved) flags |= 0x0004;
  PutU16(&fib, flags);
  PutU16(&fib, 0x00BF);                            // nFibBack
  PutU32(&fib, o.encrypted ? kRc4HeaderSize : 0);  // lKey
  PutU8(&fib, 0);                                  // envr
  PutU8(&fib, 0);                                  // fMac.. flags
  PutU16(&fib, 0);                                 // reserved3
  PutU16(&fib, 0);                                 // reserved4
  PutU32(&fib, 0);                                 // reserved5
  PutU32(&fib, 0);                                 // reserved6
  PutU16(&fib, 0x000E);                            // csw
  fib.append(28, '\0');                            // fibRgW
  PutU16(&fib, 0x0016);                            // cslw
  PutU32(&fib, static_cast<uint32_t>(wd.size()));  // cbMac
  PutU32(&fib, 0);                                 // reserved1
  PutU32(&fib, 0);                                 // reserved2
  PutU32(&fib, ccp_text);                          // ccpText
  fib.append(88 - 16, '\0');                       // ccpFtn .. reserved14
  PutU16(&fib, 0x005D);                            // cbRgFcLcb
  const size_t fclcb = fib.size();
  fib.append(0x5D * 8, '\0');
  SetU32(&fib, fclcb + kFcClxIndex * 8, fc_clx);
  SetU32(&fib, fclcb + kFcClxIndex * 8 + 4, lcb_clx);
  PutU16(&fib, 0);  // cswNew
  if (fib.size() != kFibSize || fclcb != kFibRgFcLcbOffset) {
    throw std::logic_error("FIB size mismatch");
  }
  wd.replace(0, fib.size(), fib);

  return {{"WordDocument", std::move(wd)},
          {o.table_stream_one ? "1Table" : "0Table", std::move(tbl)}};
}

// ---------------------------------------------------------------------------
// Excel.
// ---------------------------------------------------------------------------

double DecodeRk(uint32_t rk) {
  double v;
  if (rk & 0x02) {
    v = static_cast<double>(static_cast<int32_t>(rk) >> 2);
  } else {
    uint64_t bits = static_cast<uint64_t>(rk & 0xFFFFFFFCu) << 32;
    std::memcpy(&v, &bits, sizeof v);
  }
  if (rk & 0x01) v /= 100;
  return v;
}

bool EncodeRk(double v, uint32_t* rk) {
  if (!std::isfinite(v)) return false;
  auto try_candidate = [&](uint32_t cand) {
    const double d = DecodeRk(cand);
    if (d == v && std::signbit(d) == std::signbit(v)) {
      *rk = cand;
      return true;
    }
    return false;
  };
  constexpr double kLo = -536870912.0, kHi = 536870911.0;  // 30-bit signed
  if (v == std::floor(v) && v >= kLo && v <= kHi) {
    if (try_candidate((static_cast<uint32_t>(static_cast<int32_t>(v)) << 2) | 2u)) return true;
  }
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  if ((bits & 0x3FFFFFFFFull) == 0) {
    if (try_candidate(static_cast<uint32_t>(bits >> 32) & 0xFFFFFFFCu)) return true;
  }
  const double x100 = v * 100;
  if (std::isfinite(x100)) {
    const double r = std::round(x100);
    if (r >= kLo && r <= kHi) {
      if (try_candidate((static_cast<uint32_t>(static_cast<int32_t>(r)) << 2) | 3u)) return true;
    }
    uint64_t b100;
    std::memcpy(&b100, &x100, sizeof b100);
    if ((b100 & 0x3FFFFFFFFull) == 0) {
      if (try_candidate((static_cast<uint32_t>(b100 >> 32) & 0xFFFFFFFCu) | 1u)) return true;
    }
  }
  return false;
}

namespace {

struct Record {
  uint16_t type;
  std::string data;
};

void AppendRecord(std::string* out, const Record& r) {
  if (r.data.size() > 8224) throw std::logic_error("BIFF record too large");
  PutU16(out, r.type);
  PutU16(out, static_cast<uint32_t>(r.data.size()));
  *out += r.data;
}

Record Bof(uint16_t dt) {
  Record r{0x0809, {}};
  PutU16(&r.data, 0x0600);
  PutU16(&r.data, dt);
  PutU16(&r.data, 0x0DBB);
  PutU16(&r.data, 0x07CC);
  PutU32(&r.data, 0x00000009);  // fWin | fWinAny
  PutU32(&r.data, 0x00000006);  // verLowestBiff = 6
  return r;
}

// A drawing object with text (a comment's or a text box's): OBJ, TXO, the
// text's CONTINUE records, the runs' CONTINUE.
void AppendTextObject(std::vector<Record>& recs, uint16_t ot, uint16_t id, const std::string& text,
                      bool utf16, size_t chars_per_record) {
  Record obj{0x005D, {}};
  PutU16(&obj.data, 0x15);
  PutU16(&obj.data, 0x12);
  PutU16(&obj.data, ot);
  PutU16(&obj.data, id);
  PutU16(&obj.data, 0x4011);
  obj.data.append(12, '\0');
  if (ot == 0x19) {
    PutU16(&obj.data, 0x0D);
    PutU16(&obj.data, 0x16);
    obj.data.append(22, '\0');
  }
  PutU16(&obj.data, 0);
  PutU16(&obj.data, 0);
  recs.push_back(obj);
  const std::u16string u = Utf8ToUtf16(text);
  Record txo{0x01B6, {}};
  PutU16(&txo.data, 0x0212);
  PutU16(&txo.data, 0);
  txo.data.append(6, '\0');
  if (ot == 0x0B) txo.data.append(6, '\0');  // a check box's ControlInfo
  PutU16(&txo.data, static_cast<uint32_t>(u.size()));
  PutU16(&txo.data, 16);
  PutU16(&txo.data, 0);
  PutU16(&txo.data, 0);
  recs.push_back(txo);
  for (size_t at = 0; at < u.size(); at += chars_per_record) {
    const size_t n = std::min(chars_per_record, u.size() - at);
    const bool hi = utf16 || !AllLatin1(u, at, at + n);
    Record part{0x003C, {}};
    PutU8(&part.data, hi ? 1 : 0);
    for (size_t k = at; k < at + n; ++k) {
      if (hi) {
        PutU16(&part.data, u[k]);
      } else {
        PutU8(&part.data, u[k]);
      }
    }
    recs.push_back(part);
  }
  Record runs{0x003C, {}};
  runs.data.append(8, '\0');
  PutU16(&runs.data, static_cast<uint32_t>(u.size()));
  runs.data.append(6, '\0');
  recs.push_back(runs);
}

// XLUnicodeString: cch u16, flags u8, chars.
std::string XlUnicodeString(const std::u16string& u, bool force16, size_t max_cch) {
  if (u.size() > max_cch) throw std::invalid_argument("BuildWorkbook: string too long");
  std::string s;
  PutU16(&s, static_cast<uint32_t>(u.size()));
  const bool hi = force16 || !AllLatin1(u, 0, u.size());
  PutU8(&s, hi ? 1 : 0);
  for (char16_t c : u) {
    if (hi)
      PutU16(&s, c);
    else
      PutU8(&s, c);
  }
  return s;
}

struct SstKey {
  std::string text;
  bool rich, ext, utf16;
  bool operator<(const SstKey& o) const {
    return std::tie(text, rich, ext, utf16) < std::tie(o.text, o.rich, o.ext, o.utf16);
  }
};

// Builds SST + CONTINUE records. positions[i] = {record index, data offset}
// of string i's first byte.
class SstWriter {
 public:
  explicit SstWriter(size_t limit) : limit_(limit) {}

  void Begin(uint32_t total, uint32_t unique) {
    records_.push_back({0x00FC, {}});
    PutU32(&Cur(), total);
    PutU32(&Cur(), unique);
  }

  void AddString(const SstKey& k) {
    const std::u16string u = Utf8ToUtf16(k.text);
    const size_t n = u.size();
    if (n > 0xFFFF) throw std::invalid_argument("BuildWorkbook: SST string too long");
    const size_t header = 3 + (k.rich ? 2 : 0) + (k.ext ? 4 : 0);
    std::string trailer;
    if (k.rich) {
      PutU16(&trailer, 0);
      PutU16(&trailer, 0);  // run 0: ich 0, ifnt 0
      PutU16(&trailer, static_cast<uint32_t>(n / 2));
      PutU16(&trailer, 5);  // run 1: ich n/2, ifnt 5
    }
    if (k.ext) trailer += ExtRst();

    size_t p = 0;
    bool first = true;
    for (;;) {
      const size_t overhead = first ? header : 1;
      if (Room() < overhead) {
        if (!first) throw std::logic_error("SST: no room after CONTINUE");
        NewContinue();
        continue;
      }
      const size_t room = Room() - overhead;
      const size_t r = n - p;
      const size_t win8 = std::min(r, room);
      const bool comp = !k.utf16 && AllLatin1(u, p, p + win8);
      const size_t unit = comp ? 1 : 2;
      size_t kk = std::min(r, room / unit);
      if (kk < r && !comp && kk > 0 && u[p + kk - 1] >= 0xD800 && u[p + kk - 1] <= 0xDBFF) --kk;
      bool last = (p + kk == n);
      if (last && room - kk * unit < trailer.size()) {
        // Trailer does not fit: leave at least one char (pair) for next record.
        if (kk > 0) {
          --kk;
          if (kk > 0 && !comp && u[p + kk] >= 0xDC00 && u[p + kk] <= 0xDFFF &&
              u[p + kk - 1] >= 0xD800 && u[p + kk - 1] <= 0xDBFF)
            --kk;
        }
        last = false;
      }
      const bool empty_string_overflow = (n == 0 && !last);
      if ((kk == 0 && n > 0) || empty_string_overflow) {
        // Nothing useful fits here; move on to a fresh record.
        if (first) {
          if (Cur().size() == (records_.size() == 1 ? 8u : 0u))
            throw std::invalid_argument("BuildWorkbook: sst_record_limit too small");
          NewContinue();
          continue;
        }
        throw std::invalid_argument("BuildWorkbook: sst_record_limit too small");
      }
      if (first) {
        positions_.push_back({records_.size() - 1, Cur().size()});
        PutU16(&Cur(), static_cast<uint32_t>(n));
        uint32_t flags = comp ? 0 : 1;
        if (k.ext) flags |= 0x04;
        if (k.rich) flags |= 0x08;
        PutU8(&Cur(), flags);
        if (k.rich) PutU16(&Cur(), 2);
        if (k.ext) PutU32(&Cur(), static_cast<uint32_t>(ExtRst().size()));
      } else {
        PutU8(&Cur(), comp ? 0 : 1);
      }
      for (size_t i = p; i < p + kk; ++i) {
        if (comp)
          PutU8(&Cur(), u[i]);
        else
          PutU16(&Cur(), u[i]);
      }
      p += kk;
      if (last) {
        Cur() += trailer;
        return;
      }
      NewContinue();
      first = false;
    }
  }

  std::vector<Record>& records() { return records_; }
  const std::vector<std::pair<size_t, size_t>>& positions() const { return positions_; }

 private:
  static std::string ExtRst() {
    std::string e;
    PutU16(&e, 1);   // reserved
    PutU16(&e, 10);  // cb: phs(4) + rphssub(4 + 2)
    PutU16(&e, 0);   // phs.ifnt
    PutU16(&e, 0);   // phs.ph bits
    PutU16(&e, 0);   // rphssub.crun
    PutU16(&e, 0);   // rphssub.cch
    PutU16(&e, 0);   // rphssub.st.cch
    return e;
  }
  std::string& Cur() { return records_.back().data; }
  size_t Room() const { return limit_ - records_.back().data.size(); }
  void NewContinue() { records_.push_back({0x003C, {}}); }

  size_t limit_;
  std::vector<Record> records_;
  std::vector<std::pair<size_t, size_t>> positions_;
};

std::string CellHeader(uint16_t row, uint16_t col) {
  std::string s;
  PutU16(&s, row);
  PutU16(&s, col);
  PutU16(&s, 0x000F);  // ixfe
  return s;
}

}  // namespace

StreamBytes BuildWorkbook(const std::vector<XlsSheet>& sheets, const XlsOptions& o) {
  if (o.sst_record_limit < 32 || o.sst_record_limit > 8224)
    throw std::invalid_argument("BuildWorkbook: sst_record_limit out of range");

  // Collect SST strings in first-use order.
  std::map<SstKey, uint32_t> sst_index;
  std::vector<SstKey> sst_strings;
  uint32_t sst_total = 0;
  for (const XlsSheet& sh : sheets) {
    for (const XlsCell& c : sh.cells) {
      if (c.kind != XlsCell::kSst) continue;
      ++sst_total;
      SstKey key{c.text, c.rich, c.ext, c.utf16};
      if (sst_index.emplace(key, static_cast<uint32_t>(sst_strings.size())).second)
        sst_strings.push_back(key);
    }
  }

  // Globals substream.
  std::vector<Record> globals;
  globals.push_back(Bof(0x0005));
  if (o.encrypted) {
    Record fp{0x002F, {}};
    PutU16(&fp.data, 0x0001);  // wEncryptionType: RC4
    PutRc4HeaderStandIn(&fp.data);
    globals.push_back(fp);
  }
  {
    Record r{0x00E1, {}};
    PutU16(&r.data, 0x04B0);
    globals.push_back(r);
    Record mms{0x00C1, {}};
    PutU16(&mms.data, 0);
    globals.push_back(mms);
    globals.push_back({0x00E2, {}});
    Record cp{0x0042, {}};
    PutU16(&cp.data, 0x04B0);
    globals.push_back(cp);
    // One FONT ("Arial", 10pt) and 16 XF records (15 style XFs + cell XF 15)
    // so that cell ixfe 0x000F resolves.
    Record font{0x0031, {}};
    PutU16(&font.data, 200);     // dyHeight (twips)
    PutU16(&font.data, 0);       // grbit
    PutU16(&font.data, 0x7FFF);  // icv
    PutU16(&font.data, 400);     // bls
    PutU16(&font.data, 0);       // sss
    PutU8(&font.data, 0);        // uls
    PutU8(&font.data, 0);        // bFamily
    PutU8(&font.data, 0);        // bCharSet
    PutU8(&font.data, 0);        // reserved
    PutU8(&font.data, 5);        // ShortXLUnicodeString cch
    PutU8(&font.data, 0);
    font.data += "Arial";
    globals.push_back(font);
    for (int i = 0; i < 16; ++i) {
      Record xf{0x00E0, {}};
      PutU16(&xf.data, 0);                         // ifnt
      PutU16(&xf.data, 0);                         // ifmt (General)
      PutU16(&xf.data, i < 15 ? 0xFFF5 : 0x0001);  // style: fLocked|fStyle|ixfParent=0xFFF
      xf.data.append(14, '\0');
      globals.push_back(xf);
    }
  }
  const size_t first_boundsheet = globals.size();
  for (const XlsSheet& sh : sheets) {
    std::u16string name = Utf8ToUtf16(sh.name);
    if (name.empty() || name.size() > 31)
      throw std::invalid_argument("BuildWorkbook: sheet name must be 1..31 chars");
    Record r{0x0085, {}};
    PutU32(&r.data, 0);  // lbPlyPos, patched below
    PutU8(&r.data, 0);   // hsState visible
    PutU8(&r.data, 0);   // dt worksheet
    const bool hi = !AllLatin1(name, 0, name.size());
    PutU8(&r.data, static_cast<uint32_t>(name.size()));
    PutU8(&r.data, hi ? 1 : 0);
    for (char16_t ch : name) {
      if (hi)
        PutU16(&r.data, ch);
      else
        PutU8(&r.data, ch);
    }
    globals.push_back(r);
  }
  SstWriter sst(o.sst_record_limit);
  sst.Begin(sst_total, static_cast<uint32_t>(sst_strings.size()));
  for (const SstKey& k : sst_strings) sst.AddString(k);
  const size_t first_sst = globals.size();
  for (Record& r : sst.records()) globals.push_back(std::move(r));
  const size_t extsst_index = globals.size();
  const uint16_t dsst =
      static_cast<uint16_t>(std::max<size_t>(8, (sst_strings.size() + 127) / 128));
  globals.push_back({0x00FF, {}});  // EXTSST, filled below
  globals.push_back({0x000A, {}});  // EOF

  // Record offsets in the globals (the globals start at stream offset 0).
  auto offsets_of = [](const std::vector<Record>& recs) {
    std::vector<size_t> off;
    size_t pos = 0;
    for (const Record& r : recs) {
      off.push_back(pos);
      pos += 4 + r.data.size();
    }
    off.push_back(pos);
    return off;
  };
  {
    std::string& ext = globals[extsst_index].data;
    PutU16(&ext, dsst);
    const std::vector<size_t> off = offsets_of(globals);  // EXTSST size unknown yet
    for (size_t i = 0; i < sst.positions().size(); i += dsst) {
      const auto [rec, data_off] = sst.positions()[i];
      const size_t rec_start = off[first_sst + rec];
      PutU32(&ext, static_cast<uint32_t>(rec_start + 4 + data_off));
      PutU16(&ext, static_cast<uint32_t>(4 + data_off));
      PutU16(&ext, 0);
    }
  }
  const std::vector<size_t> goff = offsets_of(globals);
  size_t globals_size = goff.back();

  // Sheet substreams.
  std::vector<std::string> sheet_bytes;
  for (const XlsSheet& sh : sheets) {
    std::vector<XlsCell> cells = sh.cells;
    std::stable_sort(cells.begin(), cells.end(), [](const XlsCell& a, const XlsCell& b) {
      return std::tie(a.row, a.col) < std::tie(b.row, b.col);
    });
    std::vector<Record> recs;
    recs.push_back(Bof(0x0010));
    Record wsbool{0x0081, {}};
    PutU16(&wsbool.data, 0x04C1);
    recs.push_back(wsbool);
    if (!sh.header.empty()) {
      recs.push_back({0x0014, XlUnicodeString(Utf8ToUtf16(sh.header), false, 255)});
    }
    if (!sh.footer.empty()) {
      recs.push_back({0x0015, XlUnicodeString(Utf8ToUtf16(sh.footer), false, 255)});
    }
    Record dim{0x0200, {}};
    if (cells.empty()) {
      dim.data.assign(14, '\0');
    } else {
      uint32_t rmin = 0xFFFF, rmax = 0, cmin = 0xFFFF, cmax = 0;
      for (const XlsCell& c : cells) {
        rmin = std::min<uint32_t>(rmin, c.row);
        rmax = std::max<uint32_t>(rmax, c.row);
        cmin = std::min<uint32_t>(cmin, c.col);
        cmax = std::max<uint32_t>(cmax, c.col);
      }
      PutU32(&dim.data, rmin);
      PutU32(&dim.data, rmax + 1);
      PutU16(&dim.data, cmin);
      PutU16(&dim.data, cmax + 1);
      PutU16(&dim.data, 0);
    }
    recs.push_back(dim);

    for (size_t i = 0; i < cells.size(); ++i) {
      const XlsCell& c = cells[i];
      switch (c.kind) {
        case XlsCell::kSst: {
          Record r{0x00FD, CellHeader(c.row, c.col)};
          PutU32(&r.data, sst_index.at(SstKey{c.text, c.rich, c.ext, c.utf16}));
          recs.push_back(r);
          break;
        }
        case XlsCell::kLabel: {
          Record r{0x0204, CellHeader(c.row, c.col)};
          r.data += XlUnicodeString(Utf8ToUtf16(c.text), c.utf16, 255);
          recs.push_back(r);
          break;
        }
        case XlsCell::kNumber: {
          Record r{0x0203, CellHeader(c.row, c.col)};
          PutF64(&r.data, c.number);
          recs.push_back(r);
          break;
        }
        case XlsCell::kRk: {
          uint32_t rk;
          if (!EncodeRk(c.number, &rk)) {
            Record r{0x0203, CellHeader(c.row, c.col)};
            PutF64(&r.data, c.number);
            recs.push_back(r);
            break;
          }
          // Collect a run of RK-encodable cells in this row, consecutive cols.
          std::vector<uint32_t> run{rk};
          size_t j = i + 1;
          while (o.use_mulrk && j < cells.size() && run.size() < 256 &&
                 cells[j].kind == XlsCell::kRk && cells[j].row == c.row &&
                 cells[j].col == c.col + run.size()) {
            uint32_t rk2;
            if (!EncodeRk(cells[j].number, &rk2)) break;
            run.push_back(rk2);
            ++j;
          }
          if (run.size() == 1) {
            Record r{0x027E, CellHeader(c.row, c.col)};
            PutU32(&r.data, rk);
            recs.push_back(r);
          } else {
            Record r{0x00BD, {}};
            PutU16(&r.data, c.row);
            PutU16(&r.data, c.col);
            for (uint32_t v : run) {
              PutU16(&r.data, 0x000F);
              PutU32(&r.data, v);
            }
            PutU16(&r.data, static_cast<uint32_t>(c.col + run.size() - 1));
            recs.push_back(r);
            i = j - 1;
          }
          break;
        }
        case XlsCell::kFormulaString: {
          Record f{0x0006, CellHeader(c.row, c.col)};
          const unsigned char kStringResult[8] = {0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
          f.data.append(reinterpret_cast<const char*>(kStringResult), 8);
          PutU16(&f.data, 0);    // flags
          PutU32(&f.data, 0);    // chn
          PutU16(&f.data, 5);    // cce
          PutU8(&f.data, 0x24);  // PtgRef
          PutU16(&f.data, 0);    // row 0
          PutU16(&f.data, 0);    // col 0, absolute
          recs.push_back(f);
          Record s{0x0207, XlUnicodeString(Utf8ToUtf16(c.text), c.utf16, (8224 - 3) / 2)};
          recs.push_back(s);
          break;
        }
      }
    }
    for (size_t k = 0; k < sh.comments.size(); ++k) {
      const XlsComment& c = sh.comments[k];
      AppendTextObject(recs, 0x19, static_cast<uint16_t>(k + 1), c.text, c.utf16,
                       c.chars_per_record);
    }
    if (!sh.text_box.empty()) {
      AppendTextObject(recs, sh.text_box_type, static_cast<uint16_t>(sh.comments.size() + 1),
                       sh.text_box, false, 8000);
    }
    for (size_t k = 0; k < sh.comments.size(); ++k) {
      const XlsComment& c = sh.comments[k];
      Record note{0x001C, {}};
      PutU16(&note.data, c.row);
      PutU16(&note.data, c.col);
      PutU16(&note.data, 0);
      PutU16(&note.data, static_cast<uint32_t>(k + 1));
      note.data += XlUnicodeString(Utf8ToUtf16(c.author), false, 255);
      PutU8(&note.data, 0);
      recs.push_back(note);
    }
    recs.push_back({0x000A, {}});
    std::string bytes;
    for (const Record& r : recs) AppendRecord(&bytes, r);
    sheet_bytes.push_back(std::move(bytes));
  }

  // Patch lbPlyPos.
  size_t pos = globals_size;
  for (size_t s = 0; s < sheets.size(); ++s) {
    SetU32(&globals[first_boundsheet + s].data, 0, static_cast<uint32_t>(pos));
    pos += sheet_bytes[s].size();
  }

  StreamBytes out{"Workbook", {}};
  for (const Record& r : globals) AppendRecord(&out.data, r);
  if (out.data.size() != globals_size) throw std::logic_error("globals size changed");
  for (const std::string& b : sheet_bytes) out.data += b;
  return out;
}

// ---------------------------------------------------------------------------
// PowerPoint.
// ---------------------------------------------------------------------------

namespace {

std::string PptRecord(uint16_t ver, uint16_t instance, uint16_t type, const std::string& body) {
  std::string s;
  PutU16(&s, (ver & 0xF) | (static_cast<uint32_t>(instance & 0xFFF) << 4));
  PutU16(&s, type);
  PutU32(&s, static_cast<uint32_t>(body.size()));
  return s + body;
}

std::string Utf16LeBytes(const std::string& utf8) {
  std::string s;
  PutUtf16Le(&s, Utf8ToUtf16(utf8));
  return s;
}

struct PptBuild {
  std::string doc;
  uint32_t user_edit_offset;
};

PptBuild BuildPpt(const std::vector<std::pair<std::string, bool>>& texts,
                  const std::vector<PptStorageSpec>& storages) {
  std::string doc_body;
  {
    std::string a;
    PutU32(&a, 5760);  // slideSize.x
    PutU32(&a, 4320);  // slideSize.y
    PutU32(&a, 4320);  // notesSize.x
    PutU32(&a, 5760);  // notesSize.y
    PutU32(&a, 1);     // serverZoom numer
    PutU32(&a, 2);     // serverZoom denom
    PutU32(&a, 0);     // notesMasterPersistIdRef
    PutU32(&a, 0);     // handoutMasterPersistIdRef
    PutU16(&a, 1);     // firstSlideNumber
    PutU16(&a, 0);     // slideSizeType
    PutU32(&a, 0);     // fSaveWithFonts, fOmitTitlePlace, fRightToLeft, fShowComments
    doc_body += PptRecord(1, 0, 0x03E9, a);
  }
  {
    std::string seed;
    PutU32(&seed, 1);
    std::string id;
    PutU32(&id, 1);
    std::string link =
        PptRecord(0, 0, 0x0FD3, id) + PptRecord(0, 0, 0x0FBA, Utf16LeBytes(kPptCStringText));
    doc_body +=
        PptRecord(0xF, 0, 0x0409, PptRecord(0, 0, 0x040A, seed) + PptRecord(0xF, 0, 0x0FD7, link));
  }
  doc_body += PptRecord(0, 0, 0x2EEE, Utf16LeBytes(kPptDecoyText));
  {
    std::string list;
    for (size_t i = 0; i < texts.size(); ++i) {
      std::string spa;
      PutU32(&spa, static_cast<uint32_t>(2 + i));    // persistIdRef
      PutU32(&spa, 0);                               // flags
      PutU32(&spa, 1);                               // cTexts
      PutU32(&spa, static_cast<uint32_t>(256 + i));  // slideId
      PutU32(&spa, 0);                               // reserved
      list += PptRecord(0, 0, 0x03F3, spa);
      std::string th;
      PutU32(&th, i == 0 ? 0 : 1);
      list += PptRecord(0, 0, 0x0F9F, th);
      const std::u16string u = Utf8ToUtf16(texts[i].first);
      if (texts[i].second) {
        list += PptRecord(0, 0, 0x0FA8, ToLatin1Strict(u, "BuildPowerPointDocument"));
      } else {
        std::string b;
        PutUtf16Le(&b, u);
        list += PptRecord(0, 0, 0x0FA0, b);
      }
    }
    doc_body += PptRecord(0xF, 0, 0x0FF0, list);
  }
  doc_body += PptRecord(0, 0, 0x03EA, "");

  PptBuild out;
  out.doc = PptRecord(0xF, 0, 0x03E8, doc_body);
  std::vector<uint32_t> storage_offsets;
  for (const PptStorageSpec& st : storages) {
    storage_offsets.push_back(static_cast<uint32_t>(out.doc.size()));
    if (!st.compressed) {
      out.doc += PptRecord(0, 0, 0x1011, st.bytes);
      continue;
    }
    uLongf packed_size = compressBound(st.bytes.size());
    std::string packed(packed_size, '\0');
    if (compress2(reinterpret_cast<Bytef*>(packed.data()), &packed_size,
                  reinterpret_cast<const Bytef*>(st.bytes.data()), st.bytes.size(), 9) != Z_OK) {
      throw std::runtime_error("BuildPowerPointDocument: compress2 failed");
    }
    packed.resize(packed_size);
    std::string body;
    PutU32(&body, static_cast<uint32_t>(st.bytes.size()));
    out.doc += PptRecord(0, 1, 0x1011, body + packed);
  }
  const uint32_t persist_dir_offset = static_cast<uint32_t>(out.doc.size());
  std::string pd;
  PutU32(&pd, 1u | (1u << 20));  // persistId 1, cPersist 1
  PutU32(&pd, 0);                // DocumentContainer at offset 0
  if (!storages.empty()) {
    PutU32(&pd, 1000u | static_cast<uint32_t>(storages.size() << 20));
    for (uint32_t offset : storage_offsets) PutU32(&pd, offset);
  }
  out.doc += PptRecord(0, 0, 0x1772, pd);
  out.user_edit_offset = static_cast<uint32_t>(out.doc.size());
  std::string ue;
  PutU32(&ue, 256);  // lastSlideIdRef
  PutU16(&ue, 0);    // version
  PutU8(&ue, 0);     // minorVersion
  PutU8(&ue, 3);     // majorVersion
  PutU32(&ue, 0);    // offsetLastEdit
  PutU32(&ue, persist_dir_offset);
  PutU32(&ue, 1);  // docPersistIdRef
  PutU32(&ue, 1);  // persistIdSeed
  PutU16(&ue, 1);  // lastView
  PutU16(&ue, 0);  // unused
  out.doc += PptRecord(0, 0, 0x0FF5, ue);
  return out;
}

}  // namespace

StreamBytes BuildPowerPointDocument(const std::vector<std::pair<std::string, bool>>& texts,
                                   const std::vector<PptStorageSpec>& storages) {
  return {"PowerPoint Document", BuildPpt(texts, storages).doc};
}

std::vector<StreamBytes> BuildPowerPointFile(const std::vector<std::pair<std::string, bool>>& texts,
                                             const std::vector<PptStorageSpec>& storages) {
  PptBuild b = BuildPpt(texts, storages);
  const std::string user = "phiscan-test";
  std::string body;
  PutU32(&body, 0x14);
  PutU32(&body, 0xE391C05F);
  PutU32(&body, b.user_edit_offset);
  PutU16(&body, static_cast<uint32_t>(user.size()));
  PutU16(&body, 0x03F4);
  PutU8(&body, 3);
  PutU8(&body, 0);
  PutU16(&body, 0);
  body += user;
  PutU32(&body, 8);  // relVersion
  body += Utf16LeBytes(user);
  return {{"PowerPoint Document", std::move(b.doc)},
          {"Current User", PptRecord(0, 0, 0x0FF6, body)}};
}

// ---------------------------------------------------------------------------
// MSG.
// ---------------------------------------------------------------------------

namespace {

constexpr uint32_t kPropFlags = 0x00000006;  // READABLE | WRITABLE

class PropWriter {
 public:
  PropWriter(std::string prefix, bool unicode) : prefix_(std::move(prefix)), unicode_(unicode) {}

  void String(uint16_t id, const std::string& utf8) {
    if (utf8.empty()) return;
    std::string bytes;
    uint32_t extra;
    uint16_t type;
    if (unicode_) {
      bytes = Utf16LeBytes(utf8);
      extra = 2;
      type = 0x001F;
    } else {
      bytes = ToCp1252Lossy(utf8);
      extra = 1;
      type = 0x001E;
    }
    Stream(id, type, bytes, static_cast<uint32_t>(bytes.size()) + extra);
  }
  void Binary(uint16_t id, const std::string& bytes) {
    Stream(id, 0x0102, bytes, static_cast<uint32_t>(bytes.size()));
  }
  void Int32(uint16_t id, uint32_t v) {
    PutU32(&entries_, (static_cast<uint32_t>(id) << 16) | 0x0003);
    PutU32(&entries_, kPropFlags);
    PutU32(&entries_, v);
    PutU32(&entries_, 0);
  }
  void Time(uint16_t id, uint64_t filetime) {
    PutU32(&entries_, (static_cast<uint32_t>(id) << 16) | 0x0040);
    PutU32(&entries_, kPropFlags);
    PutU64(&entries_, filetime);
  }
  void EmbeddedObject(uint16_t id) {
    PutU32(&entries_, (static_cast<uint32_t>(id) << 16) | 0x000D);
    PutU32(&entries_, kPropFlags);
    PutU32(&entries_, 0xFFFFFFFF);
    PutU32(&entries_, 0);
  }

  // Emits the property stream with `header` prepended, plus value streams.
  void Finish(const std::string& header, std::vector<StreamBytes>* out) {
    out->push_back({prefix_ + "__properties_version1.0", header + entries_});
    for (StreamBytes& s : streams_) out->push_back(std::move(s));
    streams_.clear();
  }

 private:
  void Stream(uint16_t id, uint16_t type, const std::string& bytes, uint32_t size) {
    const uint32_t tag = (static_cast<uint32_t>(id) << 16) | type;
    PutU32(&entries_, tag);
    PutU32(&entries_, kPropFlags);
    PutU32(&entries_, size);
    PutU32(&entries_, 0);
    char name[32];
    std::snprintf(name, sizeof name, "__substg1.0_%08X", tag);
    streams_.push_back({prefix_ + name, bytes});
  }

  std::string prefix_;
  bool unicode_;
  std::string entries_;
  std::vector<StreamBytes> streams_;
};

std::string ShortFilename(const std::string& name) {
  const size_t dot = name.rfind('.');
  std::string stem = dot == std::string::npos ? name : name.substr(0, dot);
  std::string ext = dot == std::string::npos ? "" : name.substr(dot + 1);
  auto clean = [](const std::string& s, size_t max) {
    std::string r;
    for (char c : s) {
      unsigned char uc = static_cast<unsigned char>(c);
      if (uc < 0x80 && (std::isalnum(uc) || c == '_' || c == '-'))
        r.push_back(static_cast<char>(std::toupper(uc)));
      if (r.size() == max) break;
    }
    return r;
  };
  std::string s = clean(stem, 6);
  if (s.empty()) s = "FILE";
  s += "~1";
  std::string e = clean(ext, 3);
  return e.empty() ? s : s + "." + e;
}

void BuildMsgInto(const MsgSpec& m, const MsgOptions& o, const std::string& prefix, bool top_level,
                  std::vector<StreamBytes>* out) {
  PropWriter props(prefix, o.unicode);
  props.String(0x001A, "IPM.Note");
  props.String(0x0037, m.subject);
  props.String(0x1000, m.body);
  if (!m.rtf_compressed.empty()) props.Binary(0x1009, m.rtf_compressed);
  props.String(0x0C1A, m.sender_name);
  props.String(0x0C1F, m.sender_email);
  props.String(0x0E04, m.display_to);
  props.Time(0x0E06, 0x01D9A1B2C3D4E5F6ull);
  props.Int32(0x0E07, 1);
  if (top_level) {
    props.Int32(0x340D, o.unicode ? 0x00040000u : 0u);
    if (!o.unicode) {
      props.Int32(0x3FDE, 1252);
      props.Int32(0x3FFD, 1252);
    }
  }

  const uint32_t n_recip = static_cast<uint32_t>(m.recipients.size());
  const uint32_t n_attach = static_cast<uint32_t>(m.attachments.size() + m.embedded.size());
  std::string header(8, '\0');
  PutU32(&header, n_recip);
  PutU32(&header, n_attach);
  PutU32(&header, n_recip);
  PutU32(&header, n_attach);
  if (top_level) header.append(8, '\0');
  props.Finish(header, out);

  char name[64];
  for (uint32_t i = 0; i < n_recip; ++i) {
    std::snprintf(name, sizeof name, "__recip_version1.0_#%08X/", i);
    PropWriter rp(prefix + name, o.unicode);
    rp.Int32(0x3000, i);
    rp.Int32(0x0C15, 1);
    rp.String(0x3001, m.recipients[i].first);
    rp.String(0x3002, "SMTP");
    rp.String(0x3003, m.recipients[i].second);
    rp.Finish(std::string(8, '\0'), out);
  }
  uint32_t idx = 0;
  for (const MsgAttachment& a : m.attachments) {
    std::snprintf(name, sizeof name, "__attach_version1.0_#%08X/", idx);
    PropWriter ap(prefix + name, o.unicode);
    ap.Int32(0x0E21, idx);
    ap.Int32(0x3705, 1);  // afByValue
    ap.String(0x3707, a.filename);
    ap.String(0x3704, ShortFilename(a.filename));
    ap.Binary(0x3701, a.data);
    ap.Finish(std::string(8, '\0'), out);
    ++idx;
  }
  for (const MsgSpec& e : m.embedded) {
    std::snprintf(name, sizeof name, "__attach_version1.0_#%08X/", idx);
    const std::string attach_prefix = prefix + name;
    PropWriter ap(attach_prefix, o.unicode);
    ap.Int32(0x0E21, idx);
    ap.Int32(0x3705, 5);  // afEmbeddedMessage
    ap.String(0x3001, e.subject);
    ap.EmbeddedObject(0x3701);
    ap.Finish(std::string(8, '\0'), out);
    BuildMsgInto(e, o, attach_prefix + "__substg1.0_3701000D/", false, out);
    ++idx;
  }
  if (top_level) {
    for (const char* s : {"__substg1.0_00020102", "__substg1.0_00030102", "__substg1.0_00040102"}) {
      out->push_back({prefix + "__nameid_version1.0/" + s, ""});
    }
  }
}

}  // namespace

std::string CompressRtf(std::string_view rtf, bool compressed) {
  static constexpr std::string_view kPrologue =
      "{\\rtf1\\ansi\\mac\\deff0\\deftab720{\\fonttbl;}{\\f0\\fnil \\froman \\fswiss "
      "\\fmodern \\fscript \\fdecor MS Sans SerifSymbolArialTimes New RomanCourier"
      "{\\colortbl\\red0\\green0\\blue0\r\n\\par \\pard\\plain\\f0\\fs20\\b\\i\\u\\tab\\tx";
  std::string data;
  if (!compressed) {
    data = std::string(rtf);
  } else {
    constexpr size_t kDict = 4096;
    std::string dict(kDict, '\0');
    dict.replace(0, kPrologue.size(), kPrologue);
    size_t write = kPrologue.size();
    std::string group;  // the current 8 tokens
    unsigned control = 0;
    int tokens = 0;
    auto end_token = [&]() {
      if (++tokens < 8) return;
      data.push_back(static_cast<char>(control));
      data += group;
      group.clear();
      control = 0;
      tokens = 0;
    };
    auto put = [&](char c) {
      dict[write] = c;
      write = (write + 1) % kDict;
    };
    size_t i = 0;
    while (i < rtf.size()) {
      size_t best_len = 0, best_from = 0;
      for (size_t from = 0; from < kDict; ++from) {
        // Only bytes already written (or the prologue): the source must not
        // reach the write position.
        const size_t room = (write + kDict - from) % kDict;
        size_t len = 0;
        while (len < 17 && len < room && i + len < rtf.size() &&
               dict[(from + len) % kDict] == rtf[i + len]) {
          ++len;
        }
        if (len > best_len) {
          best_len = len;
          best_from = from;
        }
      }
      if (best_len >= 3) {
        control |= 1u << tokens;
        const unsigned ref = static_cast<unsigned>(best_from << 4 | (best_len - 2));
        group.push_back(static_cast<char>(ref >> 8));
        group.push_back(static_cast<char>(ref & 0xFF));
        for (size_t k = 0; k < best_len; ++k) put(rtf[i + k]);
        i += best_len;
      } else {
        group.push_back(rtf[i]);
        put(rtf[i]);
        ++i;
      }
      end_token();
    }
    control |= 1u << tokens;  // the end: a reference to the write position
    const unsigned end = static_cast<unsigned>(write << 4);
    group.push_back(static_cast<char>(end >> 8));
    group.push_back(static_cast<char>(end & 0xFF));
    data.push_back(static_cast<char>(control));
    data += group;
  }
  uint32_t crc = 0;
  if (compressed) {
    for (unsigned char c : data) {
      crc ^= c;
      for (int b = 0; b < 8; ++b) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
  }
  std::string out;
  PutU32(&out, static_cast<uint32_t>(data.size() + 12));
  PutU32(&out, static_cast<uint32_t>(rtf.size()));
  PutU32(&out, compressed ? 0x75465A4Cu : 0x414C454Du);
  PutU32(&out, crc);
  return out + data;
}

std::vector<StreamBytes> BuildMsg(const MsgSpec& m, const MsgOptions& o) {
  std::vector<StreamBytes> out;
  BuildMsgInto(m, o, "", true, &out);
  return out;
}

// ---------------------------------------------------------------------------
// TNEF.
// ---------------------------------------------------------------------------

namespace {

void TnefAttribute(std::string* out, uint8_t level, uint32_t id, const std::string& data) {
  out->push_back(static_cast<char>(level));
  PutU32(out, id);
  PutU32(out, static_cast<uint32_t>(data.size()));
  *out += data;
  uint32_t sum = 0;
  for (unsigned char c : data) sum += c;
  PutU16(out, sum & 0xFFFF);
}

// Properties of a counted list, appended to `props`; `count` counts them.
struct TnefProps {
  std::string bytes;
  uint32_t count = 0;
  void Variable(uint32_t tag, const std::string& value) {
    PutU32(&bytes, tag);
    PutU32(&bytes, 1);
    PutU32(&bytes, static_cast<uint32_t>(value.size()));
    bytes += value;
    bytes.append((4 - value.size() % 4) % 4, '\0');
    ++count;
  }
  void Unicode(uint16_t id, const std::string& utf8) {
    Variable(static_cast<uint32_t>(id) << 16 | 0x001F, Utf16LeBytes(utf8) + std::string(2, '\0'));
  }
  std::string List() const {
    std::string out;
    PutU32(&out, count);
    return out + bytes;
  }
};

}  // namespace

std::string BuildTnef(const TnefSpec& t) {
  std::string out;
  PutU32(&out, 0x223E9F78);
  PutU16(&out, 0x0001);
  std::string version;
  PutU32(&version, 0x00010000);
  TnefAttribute(&out, 1, 0x00089006, version);
  if (!t.from_name.empty()) {
    const std::string name = t.from_name + '\0', address = t.from_address + '\0';
    std::string trp;
    PutU16(&trp, 0x0004);  // trpidOneOff
    PutU16(&trp, static_cast<uint32_t>(8 + name.size() + address.size()));
    PutU16(&trp, static_cast<uint32_t>(name.size()));
    PutU16(&trp, static_cast<uint32_t>(address.size()));
    TnefAttribute(&out, 1, 0x00008000, trp + name + address + std::string(8, '\0'));
  }
  if (!t.subject.empty()) TnefAttribute(&out, 1, 0x00018004, ToCp1252Lossy(t.subject) + '\0');
  if (!t.body.empty()) TnefAttribute(&out, 1, 0x0002800C, ToCp1252Lossy(t.body));
  TnefProps props;
  if (!t.named_value.empty()) {
    PutU32(&props.bytes, 0x8001001F);
    props.bytes += std::string("\x29\x03\x02\x00\x00\x00\x00\x00\xC0\x00\x00\x00\x00\x00\x00\x46",
                               16);
    PutU32(&props.bytes, 1);  // a string name
    // 26 bytes: padded to 28.
    const std::string name = Utf16LeBytes("x-site-notes") + std::string(2, '\0');
    PutU32(&props.bytes, static_cast<uint32_t>(name.size()));
    props.bytes += name;
    props.bytes.append((4 - name.size() % 4) % 4, '\0');
    const std::string value = Utf16LeBytes(t.named_value) + std::string(2, '\0');
    PutU32(&props.bytes, 1);
    PutU32(&props.bytes, static_cast<uint32_t>(value.size()));
    props.bytes += value;
    props.bytes.append((4 - value.size() % 4) % 4, '\0');
    ++props.count;
  }
  PutU32(&props.bytes, 0x0E070003);  // message flags
  PutU32(&props.bytes, 1);
  PutU32(&props.bytes, 0x0E060040);  // delivery time
  PutU64(&props.bytes, 0x01D9A1B2C3D4E5F6ull);
  PutU32(&props.bytes, 0x0E1F000B);  // a boolean: two bytes and padding
  PutU32(&props.bytes, 1);
  props.count += 3;
  if (!t.rtf_compressed.empty()) props.Variable(0x10090102, t.rtf_compressed);
  if (!t.html.empty()) props.Variable(0x10130102, t.html);
  if (!t.unicode_subject.empty()) props.Unicode(0x0037, t.unicode_subject);
  TnefAttribute(&out, 1, 0x00069003, props.List());
  if (!t.recipients.empty()) {
    std::string table;
    PutU32(&table, static_cast<uint32_t>(t.recipients.size()));
    for (const auto& [name, email] : t.recipients) {
      TnefProps row;
      row.Unicode(0x3001, name);
      row.Unicode(0x39FE, email);
      table += row.List();
    }
    TnefAttribute(&out, 1, 0x00069004, table);
  }
  std::string rend(14, '\0');
  rend[0] = 1;  // AttachTypeFile
  for (const MsgAttachment& a : t.attachments) {
    TnefAttribute(&out, 2, 0x00069002, rend);
    TnefAttribute(&out, 2, 0x00018010, ShortFilename(a.filename) + '\0');
    TnefAttribute(&out, 2, 0x0006800F, a.data);
    TnefProps ap;
    ap.Unicode(0x3707, a.filename);
    TnefAttribute(&out, 2, 0x00069005, ap.List());
  }
  for (const TnefSpec& e : t.embedded) {
    TnefAttribute(&out, 2, 0x00069002, rend);
    TnefProps ap;
    ap.Unicode(0x3001, e.subject);
    // IID_IMessage, 00020307-0000-0000-C000-000000000046.
    const std::string iid("\x07\x03\x02\x00\x00\x00\x00\x00\xC0\x00\x00\x00\x00\x00\x00\x46", 16);
    ap.Variable(0x3701000D, iid + BuildTnef(e));
    TnefAttribute(&out, 2, 0x00069005, ap.List());
  }
  return out;
}

// ---------------------------------------------------------------------------
// Ole10Native.
// ---------------------------------------------------------------------------

std::string BuildOle10NativeEx(const std::string& label, const std::string& file_path,
                               const std::string& temp_path, const std::string& data,
                               bool unicode_trailer) {
  std::string b;
  PutU16(&b, 0x0002);
  b += ToCp1252Lossy(label);
  b.push_back('\0');
  b += ToCp1252Lossy(file_path);
  b.push_back('\0');
  PutU16(&b, 0x0000);
  PutU16(&b, 0x0003);
  const std::string tp = ToCp1252Lossy(temp_path);
  PutU32(&b, static_cast<uint32_t>(tp.size() + 1));
  b += tp;
  b.push_back('\0');
  PutU32(&b, static_cast<uint32_t>(data.size()));
  b += data;
  if (unicode_trailer) {
    for (const std::string* s : {&temp_path, &label, &file_path}) {
      const std::u16string u = Utf8ToUtf16(*s);
      PutU32(&b, static_cast<uint32_t>(u.size()));
      PutUtf16Le(&b, u);
    }
  }
  std::string out;
  PutU32(&out, static_cast<uint32_t>(b.size()));
  return out + b;
}

std::string BuildOle10Native(const std::string& label, const std::string& file_path,
                             const std::string& data) {
  const size_t slash = file_path.find_last_of("\\/");
  const std::string base = slash == std::string::npos ? file_path : file_path.substr(slash + 1);
  return BuildOle10NativeEx(label, file_path, "C:\\Users\\phiscan\\AppData\\Local\\Temp\\" + base,
                            data, true);
}

}  // namespace phiscan::testing
