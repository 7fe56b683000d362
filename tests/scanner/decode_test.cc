#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "scanner/decode.h"

using namespace phiscan::scanner;

namespace {

struct Piece {
  std::string text;
  uint64_t src_begin, src_end;
};

// Collects decoded text and the map built from the pieces.
struct Collect : TextConsumer {
  std::string text;
  OffsetMap map;
  std::vector<Piece> pieces;
  void OnText(std::string_view t, uint64_t b, uint64_t e) override {
    map.Add(text.size(), t.size(), b, e - b);
    text += t;
    pieces.push_back({std::string(t), b, e});
  }
};

Collect DecodeSplit(TextEncoding enc, std::string_view bytes, size_t split, size_t bom = 0) {
  Collect c;
  TextDecoder d(enc, bom);
  bytes.remove_prefix(bom);
  for (size_t i = 0; i < bytes.size(); i += split) d.Decode(bytes.substr(i, split), c);
  d.Finish(c);
  return c;
}

std::string Utf16(std::u16string_view s, bool le) {
  std::string out;
  for (char16_t u : s) {
    char lo = static_cast<char>(u & 0xFF), hi = static_cast<char>(u >> 8);
    out += le ? lo : hi;
    out += le ? hi : lo;
  }
  return out;
}

std::string Utf32(std::u32string_view s, bool le) {
  std::string out;
  for (char32_t u : s) {
    for (int k = 0; k < 4; ++k) {
      out += static_cast<char>(le ? (u >> (8 * k)) & 0xFF : (u >> (8 * (3 - k))) & 0xFF);
    }
  }
  return out;
}

}  // namespace

TEST_CASE("SniffEncoding: ASCII with NULs at one parity is binary, other alphabets stay UTF-16") {
  // A NUL every few bytes puts them all at one parity; read as UTF-16 the
  // text would become CJK ideographs and the SSN vanish from a clean record.
  std::string padded = "SSN 536-22-8726";
  for (int i = 0; i < 100; ++i) padded += std::string("hello\0", 6);
  CHECK(SniffEncoding(padded).encoding == TextEncoding::kBinary);
  std::string padded4 = "SSN 536-22-8726 ";
  for (int i = 0; i < 100; ++i) padded4 += std::string("abc\0", 4);
  CHECK(SniffEncoding(padded4).encoding == TextEncoding::kBinary);
  // Without a BOM: Cyrillic and Greek text with spaces and digits.
  for (bool le : {true, false}) {
    std::string ru = Utf16(u"\u041f\u0430\u0446\u0438\u0435\u043d\u0442 "
                           u"\u0418\u0432\u0430\u043d\u043e\u0432, "
                           u"\u0421\u041d\u0418\u041b\u0421 112-233-445 95, 1980",
                           le);
    CHECK(SniffEncoding(ru).encoding == (le ? TextEncoding::kUtf16Le : TextEncoding::kUtf16Be));
    std::string el =
        Utf16(u"\u0391\u03c3\u03b8\u03b5\u03bd\u03ae\u03c2 12 \u03b1\u03c0\u03cc 2024", le);
    CHECK(SniffEncoding(el).encoding == (le ? TextEncoding::kUtf16Le : TextEncoding::kUtf16Be));
  }
}

TEST_CASE("UTF-32 with a BOM decodes in any split, offsets exact") {
  std::u32string s = U"Caf\u00e9 SSN 536-22-8726 \U0001F600 end";
  const std::string want = "Caf\xC3\xA9 SSN 536-22-8726 \xF0\x9F\x98\x80 end";
  for (bool le : {true, false}) {
    const std::string bom = le ? std::string("\xFF\xFE\0\0", 4) : std::string("\0\0\xFE\xFF", 4);
    const std::string bytes = bom + Utf32(s, le);
    EncodingGuess g = SniffEncoding(bytes);
    CHECK(g.encoding == (le ? TextEncoding::kUtf32Le : TextEncoding::kUtf32Be));
    CHECK(g.bom_bytes == 4);
    for (size_t split : {1, 2, 3, 5, 4096}) {
      Collect c = DecodeSplit(g.encoding, bytes, split, 4);
      REQUIRE(c.text == want);
      const size_t ssn = want.find("536");
      CHECK(c.map.MapStart(ssn) == 4 + 4 * 9);  // U"Café SSN " is 9 code points
      CHECK(c.map.MapEnd(ssn + 11) == 4 + 4 * 20);
    }
  }
  // A value past U+10FFFF and a cut last unit become U+FFFD.
  Collect c = DecodeSplit(TextEncoding::kUtf32Le, std::string("\0\0\x11\0A\0\0\0B\0", 10), 3);
  CHECK(c.text == "\xEF\xBF\xBD" "A" "\xEF\xBF\xBD");
}

TEST_CASE("SniffEncoding: BOMs, the UTF-16 NUL pattern, binary") {
  CHECK(SniffEncoding("plain text").encoding == TextEncoding::kUtf8);
  CHECK(SniffEncoding("\xEF\xBB\xBFtext").bom_bytes == 3);
  CHECK(SniffEncoding("\xFF\xFEt\0e\0").encoding == TextEncoding::kUtf16Le);
  CHECK(SniffEncoding("\xFE\xFF\0t\0e").encoding == TextEncoding::kUtf16Be);
  std::string le = Utf16(u"Patient SSN 536-22-8726\n", true);
  std::string be = Utf16(u"Patient SSN 536-22-8726\n", false);
  CHECK(SniffEncoding(le).encoding == TextEncoding::kUtf16Le);
  CHECK(SniffEncoding(le).bom_bytes == 0);
  CHECK(SniffEncoding(be).encoding == TextEncoding::kUtf16Be);
  // Random-looking bytes with a NUL are binary, not UTF-16.
  std::string blob;
  uint32_t x = 12345;
  for (int i = 0; i < 4096; ++i) {
    x = x * 1103515245u + 12345u;
    blob += static_cast<char>(x >> 16);
  }
  blob[100] = '\0';
  CHECK(SniffEncoding(blob).encoding == TextEncoding::kBinary);
  CHECK(SniffEncoding(std::string("PHXB\0\x01\0\0", 8) + "\xda\x01\x89\x37").encoding ==
        TextEncoding::kBinary);
  // A UTF-16 BOM in front of UTF-8 text: no NUL follows, so it is UTF-8,
  // the BOM's two bytes passed over; real UTF-16 text keeps its BOM's word.
  for (const char* bom : {"\xFF\xFE", "\xFE\xFF"}) {
    const std::string utf8 = "Patient SSN 536-22-8726, seen 03/14/2023 at the clinic\n";
    CHECK(SniffEncoding(bom + utf8).encoding == TextEncoding::kUtf8);
    CHECK(SniffEncoding(bom + utf8).bom_bytes == 2);
    CHECK(SniffEncoding(bom + std::string("caf\xC3\xA9 ") + utf8).encoding ==
          TextEncoding::kUtf8);
    // Too short to tell, or not UTF-8: as the BOM says.
    CHECK(SniffEncoding(bom + std::string("SSN 536-22-8726")).encoding != TextEncoding::kUtf8);
    CHECK(SniffEncoding(bom + std::string("\xE9\xE9") + utf8).encoding != TextEncoding::kUtf8);
  }
  CHECK(SniffEncoding("\xFF\xFE" + le).encoding == TextEncoding::kUtf16Le);
  CHECK(SniffEncoding("\xFE\xFF" + be).encoding == TextEncoding::kUtf16Be);
}

TEST_CASE("UTF-8 passes through unchanged, invalid bytes read as Windows-1252") {
  std::string valid = "na\xC3\xAFve caf\xC3\xA9 \xE2\x80\x93 \xF0\x9F\x98\x80 ok";
  for (size_t split : {1, 2, 3, 5, 1000}) {
    Collect c = DecodeSplit(TextEncoding::kUtf8, valid, split);
    CHECK(c.text == valid);
    CHECK(c.map.MapStart(4) == 4);
  }
  // "Café" in Windows-1252, an en dash (0x96), a euro sign (0x80).
  std::string cp = "Caf\xE9 \x96 \x80 536-22-8726";
  for (size_t split : {1, 2, 4, 1000}) {
    Collect c = DecodeSplit(TextEncoding::kUtf8, cp, split);
    CHECK(c.text == "Caf\xC3\xA9 \xE2\x80\x93 \xE2\x82\xAC 536-22-8726");
    size_t at = c.text.find("536");
    CHECK(c.map.MapStart(at) == cp.find("536"));
    CHECK(c.map.MapEnd(at + 11) == cp.size());
  }
  // A truncated sequence at the very end is decoded byte by byte.
  Collect c = DecodeSplit(TextEncoding::kUtf8, "ab\xE2\x80", 1);
  CHECK(c.text == "ab\xC3\xA2\xE2\x82\xAC");
}

TEST_CASE("UTF-8: a non-ASCII byte is seen wherever it falls in a block of ASCII") {
  // ASCII is passed over 32 and then 8 bytes at a time (DecodeUtf8): a
  // byte above 0x7F at any place in a block must stop it.
  const std::string ascii(80, 'a');
  for (size_t at = 0; at < 64; ++at) {
    INFO("at " << at);
    std::string valid = ascii;
    valid.insert(at, "\xC3\xA9");  // U+00E9, valid UTF-8
    CHECK(DecodeSplit(TextEncoding::kUtf8, valid, 1000).text == valid);
    std::string cp = ascii;
    cp[at] = '\xE9';  // the same letter in Windows-1252
    Collect c = DecodeSplit(TextEncoding::kUtf8, cp, 1000);
    std::string want = ascii;
    want.replace(at, 1, "\xC3\xA9");
    CHECK(c.text == want);
    CHECK(c.map.MapStart(at + 2) == at + 1);
  }
}

TEST_CASE("UTF-16 decodes in any split, surrogates included, offsets exact") {
  std::u16string s = u"Caf\u00e9 SSN 536-22-8726 \U0001F600 NPI 1234567893";
  for (bool le : {true, false}) {
    std::string bytes = (le ? std::string("\xFF\xFE") : std::string("\xFE\xFF")) + Utf16(s, le);
    std::string want = "Caf\xC3\xA9 SSN 536-22-8726 \xF0\x9F\x98\x80 NPI 1234567893";
    for (size_t split : {1, 2, 3, 7, 4096}) {
      Collect c = DecodeSplit(le ? TextEncoding::kUtf16Le : TextEncoding::kUtf16Be, bytes, split, 2);
      REQUIRE(c.text == want);
      size_t ssn = want.find("536");
      // u"Café SSN " is 9 code units after the 2-byte BOM.
      CHECK(c.map.MapStart(ssn) == 2 + 2 * 9);
      CHECK(c.map.MapEnd(ssn + 11) == 2 + 2 * 20);
      size_t npi = want.find("1234567893");
      CHECK(c.map.MapStart(npi) == bytes.size() - 20);
      CHECK(c.map.MapEnd(npi + 10) == bytes.size());
    }
  }
  // A lone surrogate and a dangling odd byte become U+FFFD.
  Collect c = DecodeSplit(TextEncoding::kUtf16Le, std::string("\x00\xD8" "A\0" "B", 5), 1);
  CHECK(c.text == "\xEF\xBF\xBD" "A" "\xEF\xBF\xBD");
}

TEST_CASE("SniffingDecoder reads UTF-16 by its BOM or NULs, anything else as UTF-8") {
  // Long enough that the sniffed head is decoded before the rest arrives.
  std::u16string s = u"<t>Caf\u00e9 SSN 536-22-8726</t>";
  std::string want = "<t>Caf\xC3\xA9 SSN 536-22-8726</t>";
  for (int i = 0; i < 40; ++i) {
    s += u" <t>NPI 1234567893</t>";
    want += " <t>NPI 1234567893</t>";
  }
  auto decode = [](std::string_view bytes, size_t split) {
    Collect c;
    SniffingDecoder d;
    for (size_t i = 0; i < bytes.size(); i += split) d.Decode(bytes.substr(i, split), c);
    d.Finish(c);
    return c;
  };
  for (bool le : {true, false}) {
    for (bool bom : {true, false}) {
      const std::string prefix = !bom ? "" : le ? "\xFF\xFE" : "\xFE\xFF";
      const std::string bytes = prefix + Utf16(s, le);
      for (size_t split : {1, 3, 511, 4096}) {
        INFO("le " << le << " bom " << bom << " split " << split);
        Collect c = decode(bytes, split);
        REQUIRE(c.text == want);
        // Offsets are the source's, BOM included.
        CHECK(c.map.MapStart(want.find("536")) == prefix.size() + 2 * 12);
      }
    }
  }
  // UTF-8 (its BOM skipped) and bytes that
  // look binary pass as UTF-8; a short part is decoded at Finish.
  CHECK(decode("<t>SSN 536-22-8726</t>", 4096).text == "<t>SSN 536-22-8726</t>");
  CHECK(decode("\xEF\xBB\xBF<t>SSN</t>", 2).text == "<t>SSN</t>");
  CHECK(decode(std::string("a\0\0\0b", 5), 1).text == std::string("a\0\0\0b", 5));
}

TEST_CASE("OffsetMap merges runs, maps gaps, forgets old runs") {
  OffsetMap m;
  m.Add(0, 10, 0, 20);   // UTF-16 ASCII
  m.Add(10, 10, 20, 10); // a different ratio: a new run
  m.Add(20, 5, 40, 10);  // ratio 1:2 again but not contiguous with run 1
  CHECK(m.runs() == 3);
  m.Add(25, 5, 50, 10);  // contiguous, same ratio: merged
  CHECK(m.runs() == 3);
  CHECK(m.MapStart(3) == 6);
  CHECK(m.MapEnd(3) == 6);
  CHECK(m.MapStart(12) == 22);
  CHECK(m.MapEnd(30) == 60);
  // Text the extractor inserted (a gap) maps to the neighbouring source.
  OffsetMap g;
  g.Add(0, 4, 100, 4);
  g.Add(6, 4, 200, 4);
  CHECK(g.MapStart(4) == 200);
  CHECK(g.MapEnd(5) == 104);
  g.ForgetBefore(5);
  CHECK(g.runs() == 1);
  CHECK(g.MapStart(7) == 201);
}

TEST_CASE("OffsetMap: line deltas hold from where they are set, whatever the runs") {
  OffsetMap m;
  CHECK(m.LineDelta(0) == 0);  // plain text sets none
  m.Add(0, 10, 0, 10);
  m.SetLineDelta(0, 0);
  m.Add(10, 5, 10, 5);  // merged with the run before: offsets are linear across
  m.SetLineDelta(10, 2);  // but a tag with two line breaks came before it
  CHECK(m.runs() == 1);
  m.Add(15, 1, 15, 0);
  m.SetLineDelta(15, 2);  // unchanged: no step
  m.Add(16, 1, 15, 0);
  m.SetLineDelta(16, 1);  // after a separator that is a line break of its own
  CHECK(m.LineDelta(9) == 0);
  CHECK(m.LineDelta(10) == 2);
  CHECK(m.LineDelta(15) == 2);
  CHECK(m.LineDelta(16) == 1);
  CHECK(m.LineDelta(99) == 1);
  // Forgetting keeps the delta the offsets from there on are under.
  m.ForgetBefore(12);
  CHECK(m.LineDelta(12) == 2);
  CHECK(m.LineDelta(16) == 1);
  m.ForgetBefore(16);
  CHECK(m.LineDelta(16) == 1);
  m.Clear();
  CHECK(m.LineDelta(16) == 0);
}
