// Test-fixture builders for legacy (binary, OLE compound file) Office formats.
//
// Every builder returns the bytes of one or more *streams*; wrapping them in a
// compound file (CFB) is done elsewhere. Paths are '/'-separated inside the
// compound file; storages are implied by the paths.
//
// All multi-byte integers are little-endian. Every builder is deterministic
// (no clocks, no randomness). Builders throw std::invalid_argument when the
// input cannot be represented in the requested form (noted per function).
//
// Spec references: [MS-DOC], [MS-XLS], [MS-PPT], [MS-OXMSG], [MS-OXPROPS],
// [MS-OXCMSG], [MS-OLEDS], [MS-OFFCRYPTO].

#ifndef PHISCAN_TESTING_LEGACY_OFFICE_BUILDER_H_
#define PHISCAN_TESTING_LEGACY_OFFICE_BUILDER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace phiscan::testing {

struct StreamBytes {
  std::string path;  // '/'-separated within the compound file.
  std::string data;
};

// ---------------------------------------------------------------------------
// Word 97-2003 (.doc)
// ---------------------------------------------------------------------------

struct WordPiece {
  std::string utf8;
  bool compressed;  // true: 8-bit (Windows-1252) text; false: UTF-16LE text.
};

struct WordOptions {
  bool table_stream_one = true;  // "1Table" + fWhichTblStm=1, else "0Table".
  bool with_prc = true;          // Two Prc entries precede the Pcdt in the Clx.
  bool encrypted = false;        // Sets FibBase.fEncrypted (content NOT encrypted).
  bool fast_saved = true;        // Sets FibBase.fComplex (pieces are stored out
                                 // of CP order, as after a fast save).
};

// ASCII bytes placed in the WordDocument stream between piece texts but not
// referenced by any piece. A reader that honours the piece table never outputs
// them; a reader that dumps the stream does.
inline constexpr char kWordDecoyText[] = "DECOY-NOT-IN-PIECE-TABLE";

// Produces two streams: "WordDocument" and "1Table" (or "0Table").
//
// WordDocument stream:
//   [0, 900)  Fib for nFib 0x00C1 ([MS-DOC] 2.5.1):
//     FibBase (32 bytes, 2.5.2): wIdent=0xA5EC @0, nFib=0x00C1 @2, lid=0x0409 @6,
//       flags u16 @10 = fExtChar 0x1000 | fWhichTblStm 0x0200 (if table one)
//       | fEncrypted 0x0100 (if encrypted) | fComplex 0x0004 (if fast_saved);
//       nFibBack=0x00BF @12; lKey @14 (= 52 if encrypted, else 0).
//     csw=0x000E @32, fibRgW (28 bytes, zero) @34,
//     cslw=0x0016 @62, fibRgLw (88 bytes) @64: cbMac @64 = stream size,
//       ccpText @76 = total CP count (all pieces); other ccp* = 0,
//     cbRgFcLcb=0x005D @152, FibRgFcLcb97 (744 bytes) @154: all pairs zero
//       except fcClx @418 (0x1A2) / lcbClx @422 (0x1A6),
//     cswNew=0 @898.
//   [900, 1024) zero padding.
//   [1024, ...) piece texts in REVERSE piece order (last piece first), each
//     piece start 2-byte aligned, with kWordDecoyText written after every piece.
//     Compressed pieces: Windows-1252 bytes at offset X, Pcd.fc = (2*X) |
//     0x40000000 (fCompressed; text read at fc/2). Uncompressed pieces:
//     UTF-16LE at offset X, Pcd.fc = X.
//   Then zero padding up to max(4096, next multiple of 512) bytes.
// Table stream:
//   [encrypted only] 52-byte RC4 EncryptionHeader stand-in ([MS-OFFCRYPTO]
//     2.3.6.1: vMajor=1, vMinor=1, 16-byte salt, verifier, verifier hash;
//     dummy values) at offset 0; FibBase.lKey = 52.
//   Clx at fcClx ([MS-DOC] 2.9.38):
//     with_prc: Prc{clxt=0x01, cbGrpprl=3 (i16), grpprl=35 08 01 (sprmCFBold=1)}
//               Prc{clxt=0x01, cbGrpprl=3, grpprl=36 08 01 (sprmCFItalic=1)}
//     Pcdt{clxt=0x02, lcb u32, PlcPcd}: (n+1) u32 CPs [0, c1, ..., ccpText],
//       then n 8-byte Pcd {u16 flags (fNoParaLast=1 iff the piece has no
//       '\r'), u32 fc (FcCompressed), u16 prm}. With with_prc, piece 0 has
//       prm=0x0001 (Prm1 -> RgPrc[0]) and piece 1 prm=0x0003 (-> RgPrc[1]);
//       all other prm = 0.
// CP counting: one CP per byte for compressed pieces, one CP per UTF-16 code
// unit for uncompressed pieces. No paragraph mark is appended.
// Throws std::invalid_argument if a compressed piece holds a character that
// has no byte in the [MS-DOC] 2.9.73 FcCompressed mapping (ASCII, U+00A0..
// U+00FF, and the 0x82..0x9F table; note 0x80/0x8E/0x9E are NOT mapped).
std::vector<StreamBytes> BuildWordDocument(const std::vector<WordPiece>& pieces,
                                           const WordOptions& o = {});

// ---------------------------------------------------------------------------
// Excel 97-2003 (.xls), BIFF8
// ---------------------------------------------------------------------------

struct XlsCell {
  uint16_t row;
  uint16_t col;
  std::string text;   // kSst, kLabel, kFormulaString.
  double number = 0;  // kNumber, kRk.
  enum Kind { kSst, kLabel, kNumber, kRk, kFormulaString } kind = kSst;
  bool rich = false;   // kSst only: fRichSt, cRun=2 formatting runs.
  bool ext = false;    // kSst only: fExtSt, cbExtRst=14 (empty phonetic block).
  bool utf16 = false;  // Force UTF-16 storage even for Latin-1-only text.
};

// A cell comment: its OBJ (ot 0x19), TXO and text, and its NOTE.
struct XlsComment {
  uint16_t row = 0, col = 0;
  std::string author{}, text{};
  size_t chars_per_record = 8000;  // text characters per CONTINUE record
  bool utf16 = false;              // the text stored as UTF-16
};

struct XlsSheet {
  std::string name;  // 1..31 characters.
  std::vector<XlsCell> cells;
  std::string header{}, footer{};  // page setup strings, codes included ("&LPatient: ...")
  std::vector<XlsComment> comments{};
  std::string text_box{};  // a text box's text (OBJ ot 0x06 and TXO), when non-empty
  uint16_t text_box_type = 0x06;  // or a form control's: 0x0B, a check box
};

struct XlsOptions {
  size_t sst_record_limit = 8224;  // Max record *data* bytes for SST/CONTINUE.
  bool use_mulrk = true;
  bool encrypted = false;  // FILEPASS right after the globals BOF.
};

// Produces the "Workbook" stream (BIFF8). Every record: u16 type, u16 size,
// data. Layout:
//   Globals: BOF(0x0809: vers=0x0600, dt=0x0005, rupBuild=0x0DBB,
//     rupYear=0x07CC, flags=0x00000009, verLowestBiff=6 -> 16 bytes)
//     [FILEPASS(0x002F): wEncryptionType=1, RC4 header vMajor=1 vMinor=1 +
//      48 dummy bytes -> 54 bytes; the following records are NOT encrypted]
//     INTERFACEHDR(0x00E1, 0x04B0), MMS(0x00C1, 0), INTERFACEEND(0x00E2),
//     CODEPAGE(0x0042, 0x04B0), FONT(0x0031, "Arial"), 16 x XF(0x00E0, 20
//     bytes: ifnt 0, ifmt 0, flags 0xFFF5 for style XFs 0..14, 0x0001 for
//     cell XF 15, 14 zero bytes), one BOUNDSHEET8(0x0085) per sheet {lbPlyPos
//     u32 = stream offset of the sheet's BOF, hsState=0, dt=0,
//     ShortXLUnicodeString name}, SST(0x00FC){cstTotal u32 = number of kSst
//     cells, cstUnique u32, strings} + CONTINUE(0x003C) records,
//     EXTSST(0x00FF){dsst u16, ISSTInf{ib u32, cbOffset u16, 0 u16}...},
//     EOF(0x000A).
//   Per sheet: BOF(dt=0x0010), WSBOOL(0x0081, 0x04C1), [HEADER(0x0014),
//     FOOTER(0x0015): XLUnicodeString], DIMENSIONS(0x0200:
//     rwMic u32, rwMac u32 (last+1), colMic u16, colMac u16 (last+1), 0 u16),
//     cells sorted by (row, col), then per comment (id 1, 2, ...) and for
//     the text box: OBJ(0x005D: FtCmo {0x15, 0x12, ot (0x19 comment, 0x06
//     text box), id, flags 0x4011, 12 zero bytes}, a comment's FtNts {0x0D,
//     0x16, 22 zero bytes}, FtEnd {0, 0}), TXO(0x01B6: flags 0x0212, rot 0,
//     6 reserved, [a form control's ControlInfo: 6 zero bytes], cchText,
//     cbRuns 16, ifntEmpty 0, cbFmla 0), CONTINUE
//     records of the text (each: option byte 0x00 or 0x01, then at most
//     chars_per_record characters), CONTINUE of the runs (two 8-byte
//     runs: {0, font 0}, {cchText, 0}); then per comment NOTE(0x001C: rw,
//     col, grbit 0, idObj, XLUnicodeString author, one zero byte), EOF.
// Cells (ixfe = 0x000F for all):
//   kSst    -> LABELSST(0x00FD){rw, col, ixfe, isst u32}; identical
//              (text, rich, ext, utf16) share one SST entry.
//   kLabel  -> LABEL(0x0204){rw, col, ixfe, XLUnicodeString{cch u16, flags
//              u8, chars}} (<= 255 characters).
//   kNumber -> NUMBER(0x0203){rw, col, ixfe, IEEE double}.
//   kRk     -> RK(0x027E){rw, col, ixfe, RK u32} (EncodeRk); runs of >= 2
//              RK cells in one row with consecutive columns become
//              MULRK(0x00BD){rw, colFirst, n x {ixfe u16, RK u32}, colLast}
//              when use_mulrk (max 256 per record). A value EncodeRk cannot
//              represent is written as NUMBER instead.
//   kFormulaString -> FORMULA(0x0006){rw, col, ixfe, FormulaValue = 00 00 00
//              00 00 00 FF FF (string result), flags u16 = 0, chn u32 = 0,
//              cce u16 = 5, rgce = PtgRef 24 00 00 00 00 (=$A$1)} followed by
//              STRING(0x0207){XLUnicodeString} holding `text` (the formula
//              tokens never contain the text).
// SST strings are XLUnicodeRichExtendedString {cch u16, flags u8 (0x01
// fHighByte, 0x04 fExtSt, 0x08 fRichSt), [cRun u16], [cbExtRst i32], chars,
// [cRun x {ich u16, ifnt u16}], [ExtRst: 01 00, cb=10, phs 4 bytes, crun=0,
// cch=0, st.cch=0]}. Splitting rules (at most sst_record_limit data bytes per
// SST/CONTINUE record):
//   * cch/flags/cRun/cbExtRst are never split from the string's first chars;
//     if they do not fit, a new CONTINUE starts with that string (no flag
//     byte).
//   * Character data may be split; each CONTINUE that resumes characters
//     starts with one byte 0x00 (8-bit) or 0x01 (UTF-16) for the chars in that
//     record. A segment is 8-bit iff utf16 is false and the next
//     min(remaining chars, room) characters are all <= U+00FF, so a Latin-1
//     head followed by e.g. U+0141 switches 8-bit -> UTF-16 at the boundary.
//   * Formatting runs and ExtRst are never split: if they do not fit after the
//     last characters, the split is moved back by one character (or two for a
//     surrogate pair) so the run/ExtRst bytes follow chars in the next record.
//   * A surrogate pair is never split.
// Throws std::invalid_argument for sst_record_limit < 32 or > 8224, text that
// does not fit LABEL/STRING, or sheet names of invalid length.
StreamBytes BuildWorkbook(const std::vector<XlsSheet>& sheets, const XlsOptions& o = {});

// RK encoding ([MS-XLS] 2.5.217 RkNumber: bit0 fX100, bit1 fInt, bits 2..31
// num). Tries, in order: 30-bit signed integer (fInt=1), IEEE high 30 bits
// with low 34 bits zero (fInt=0), integer x100 (fInt=1, fX100=1), IEEE x100
// (fX100=1); the candidate is accepted only if DecodeRk returns exactly v.
// Returns false if none applies.
bool EncodeRk(double v, uint32_t* rk);
// Decodes an RK value: fInt ? (double)(int32 rk >> 2) : double with high 32
// bits = rk & 0xFFFFFFFC and low 32 bits 0; then / 100 if fX100.
double DecodeRk(uint32_t rk);

// ---------------------------------------------------------------------------
// PowerPoint 97-2003 (.ppt)
// ---------------------------------------------------------------------------

// UTF-16 text of the CString atom that every built presentation contains
// (inside an ExHyperlinkContainer), and of a decoy in an unknown record type
// (0x2EEE) that readers must skip.
inline constexpr char kPptCStringText[] = "mailto:cstring.check@example.com";
inline constexpr char kPptDecoyText[] = "DECOY-UNKNOWN-RECORD";

// Produces the "PowerPoint Document" stream. RecordHeader ([MS-PPT] 2.3.1):
// u16 (recVer low 4 bits | recInstance << 4), u16 recType, u32 recLen;
// containers have recVer 0xF. Layout:
//   @0 DocumentContainer(0x03E8, F)
//        DocumentAtom(0x03E9, ver 1, len 40)
//        ExObjListContainer(0x0409, F)
//          ExObjListAtom(0x040A, len 4: seed 1)
//          ExHyperlinkContainer(0x0FD7, F)
//            ExHyperlinkAtom(0x0FD3, len 4: id 1)
//            CString(0x0FBA, ver 0, inst 0, UTF-16LE kPptCStringText)
//        Unknown atom(0x2EEE, len = UTF-16LE kPptDecoyText)
//        SlideListWithTextContainer(0x0FF0, F, inst 0)
//          per text i: SlidePersistAtom(0x03F3, len 20: persistIdRef 2+i,
//            flags 0, cTexts 1, slideId 256+i, 0), TextHeaderAtom(0x0F9F,
//            len 4: textType 0 (title) for i==0 else 1 (body)),
//            then TextBytesAtom(0x0FA8, Latin-1 bytes) if the bool is true,
//            else TextCharsAtom(0x0FA0, UTF-16LE).
//        EndDocumentAtom(0x03EA, len 0)
//   per storage k: ExOleObjStg(0x1011, ver 0, inst 1 compressed: u32 size,
//     zlib stream (compress2, level 9); inst 0: the bytes as they are)
//   PersistDirectoryAtom(0x1772: u32 persistId 1 | cPersist 1 << 20,
//     u32 offset 0; with storages, u32 persistId 1000 | cPersist n << 20
//     and their n offsets)
//   UserEditAtom(0x0FF5, len 28): lastSlideIdRef 256, version 0, minor 0,
//     major 3, offsetLastEdit 0, offsetPersistDirectory, docPersistIdRef 1,
//     persistIdSeed 1, lastView 1, unused 0.
// Slide persist ids 2.. are not in the persist directory (no SlideContainer
// is written); text lives only in the SlideListWithText.
// Throws std::invalid_argument if a bytes-atom text has a char > U+00FF.
struct PptStorageSpec {
  std::string bytes;  // the storage: a compound file (WriteCompoundFile)
  bool compressed = true;
};
StreamBytes BuildPowerPointDocument(
    const std::vector<std::pair<std::string, bool /*bytes atom*/>>& texts,
    const std::vector<PptStorageSpec>& storages = {});

// Produces {"PowerPoint Document", "Current User"}. Current User holds one
// CurrentUserAtom ([MS-PPT] 2.3.2): rh(ver 0, type 0x0FF6), size=0x14,
// headerToken=0xE391C05F, offsetToCurrentEdit = offset of the UserEditAtom,
// lenUserName, docFileVersion=0x03F4, major=3, minor=0, unused=0,
// ansiUserName "phiscan-test", relVersion=8, UTF-16 user name.
std::vector<StreamBytes> BuildPowerPointFile(
    const std::vector<std::pair<std::string, bool /*bytes atom*/>>& texts,
    const std::vector<PptStorageSpec>& storages = {});

// ---------------------------------------------------------------------------
// Outlook .msg ([MS-OXMSG])
// ---------------------------------------------------------------------------

struct MsgAttachment {
  std::string filename;
  std::string data;
};

struct MsgOptions {
  bool unicode = true;  // PtypString 0x001F (UTF-16LE) vs PtypString8 0x001E
                        // (Windows-1252, '?' for unmappable characters).
};

struct MsgSpec {
  std::string subject, body, sender_name, sender_email, display_to;
  // PidTagRtfCompressed (1009 0102) as stored, e.g. CompressRtf(...); none
  // when empty.
  std::string rtf_compressed;
  std::vector<std::pair<std::string, std::string>> recipients;  // name, email
  std::vector<MsgAttachment> attachments;
  std::vector<MsgSpec> embedded;
};

// An Outlook compressed RTF body ([MS-OXRTFCP]): a 16-byte header (size of
// the rest, raw size, magic "LZFu" or "MELA", CRC-32 of the data after the
// header, from 0 without final inversion; 0 for MELA), then LZ77 tokens over
// a 4,096-byte dictionary primed with the format's 207-byte prologue: a
// control byte per 8 tokens (bit set = a big-endian 16-bit reference,
// offset << 4 | length - 2, else a literal), greedy matches of 3 to 17 bytes
// whose source lies before the write position, and a reference to the write
// position at the end. Valid, not Outlook's exact bytes.
std::string CompressRtf(std::string_view rtf, bool compressed = true);

// Produces every stream of a .msg file (storages implied by the paths).
// "__properties_version1.0" = header + 16-byte entries ([MS-OXMSG] 2.4):
//   header: top level 32 bytes {8 reserved, next recipient id, next attachment
//   id, recipient count, attachment count, 8 reserved}; embedded message 24
//   bytes (same without the last 8); recipient/attachment 8 reserved bytes.
//   entry: u32 tag (id << 16 | type), u32 flags (0x00000006 =
//   READABLE|WRITABLE), then 8 bytes: fixed-length value (int32 in the low 4
//   bytes / FILETIME), or {u32 size, u32 reserved 0} for stream properties:
//   size = stream bytes + 2 (0x001F), + 1 (0x001E), = bytes (0x0102),
//   0xFFFFFFFF for the embedded message object (0x000D).
// String streams "__substg1.0_IIIITTTT" (uppercase hex) hold the value
// without a terminator; empty strings are omitted (the spec forbids them).
// Message properties: 001A MessageClass "IPM.Note", 0037 subject, 1000 body,
//   1009 0102 compressed RTF body (when given),
//   0C1A sender name, 0C1F sender email, 0E04 display to, 0E060040 delivery
//   time (fixed FILETIME), 0E070003 message flags = 1; top level only:
//   340D0003 StoreSupportMask = 0x00040000 (unicode) or 0; 8-bit mode also
//   3FDE0003 and 3FFD0003 = 1252.
// Recipients "__recip_version1.0_#%08X": 3000 0003 rowid, 0C15 0003 = 1 (To),
//   3001 display name, 3002 "SMTP", 3003 email.
// Attachments "__attach_version1.0_#%08X" (regular ones first, then one per
//   embedded message): 0E21 0003 attach number, 3705 0003 method,
//   by value (1): 3707 long filename, 3704 8.3 short filename, 3701 0102 data;
//   embedded (5): 3001 display name (= embedded subject), 3701 000D entry and
//   storage "__substg1.0_3701000D/" holding the embedded message's streams
//   (24-byte header, no __nameid_version1.0).
// Top level only: "__nameid_version1.0/__substg1.0_00020102", "..00030102",
//   "..00040102", all empty.
std::vector<StreamBytes> BuildMsg(const MsgSpec& m, const MsgOptions& o = {});

// ---------------------------------------------------------------------------
// TNEF, winmail.dat ([MS-OXTNEF])
// ---------------------------------------------------------------------------

struct TnefSpec {
  std::string subject, body;            // attSubject (0x00018004), attBody (0x0002800C)
  std::string from_name, from_address;  // attFrom (0x00008000): TRP header, name, address
  // In attMsgProps (0x00069003), in this order: a named property (PS_PUBLIC_STRINGS
  // GUID, a string name) holding `named_value`, a PtypInteger32, a PtypTime, a
  // PtypBoolean, then 1009 0102 compressed RTF, 1013 0102 HTML body, 0037 001F
  // subject again; each only when non-empty.
  std::string named_value, rtf_compressed, html, unicode_subject;
  // attRecipTable (0x00069004): a row per recipient, 3001 001F display name
  // and 39FE 001F SMTP address.
  std::vector<std::pair<std::string, std::string>> recipients;
  // Each: attAttachRendData (0x00069002), attAttachTitle (0x00018010, the
  // 8.3 name), attAttachData (0x0006800F), attAttachment (0x00069005:
  // 3707 001F long file name).
  std::vector<MsgAttachment> attachments;
  // Each: attAttachRendData, then attAttachment holding 3001 001F display
  // name (= its subject) and 3701 000D: the 16-byte IID_IMessage and the
  // message as TNEF.
  std::vector<TnefSpec> embedded;
};
// The stream: signature 0x223E9F78, key 0x0001, attTnefVersion, then the
// attributes above; each attribute: level (1 message, 2 attachment), u32
// id, u32 length, data, u16 checksum (byte sum). Property lists: u32
// count; per property u32 tag, for a named one the GUID, u32 kind (1 =
// string), u32 length and UTF-16 name padded to 4; variable-size values as
// u32 count (1), u32 size, bytes padded to 4; fixed ones padded to 4.
std::string BuildTnef(const TnefSpec& t);

// ---------------------------------------------------------------------------
// OLE packaged object ("\x01Ole10Native")
// ---------------------------------------------------------------------------

// Produces the "\x01Ole10Native" stream bytes. [MS-OLEDS] 2.3.6 specifies only
// {u32 NativeDataSize, NativeData}; the NativeData layout written by the
// Windows Packager ("Package" class) is not in the spec and follows the
// widely implemented community layout:
//   u32 size of everything that follows
//   u16 0x0002
//   label       ANSI (Windows-1252), NUL-terminated
//   file_path   ANSI, NUL-terminated           (original path)
//   u16 0x0000, u16 0x0003
//   u32 length of temp path including NUL
//   temp path   ANSI, NUL-terminated
//   u32 data size, data bytes
//   [unicode trailer: u32 cch + UTF-16LE temp path, u32 cch + UTF-16LE label,
//    u32 cch + UTF-16LE file_path; cch in UTF-16 units, no NULs]
// BuildOle10Native uses temp path "C:\Users\phiscan\AppData\Local\Temp\" +
// basename(file_path) and writes the unicode trailer.
std::string BuildOle10Native(const std::string& label, const std::string& file_path,
                             const std::string& data);
// Same with an explicit temp path and optional unicode trailer.
std::string BuildOle10NativeEx(const std::string& label, const std::string& file_path,
                               const std::string& temp_path, const std::string& data,
                               bool unicode_trailer);

// ---------------------------------------------------------------------------
// Encoding helpers (exposed for tests that compute expectations).
// ---------------------------------------------------------------------------

// UTF-8 -> UTF-16 code units; invalid sequences become U+FFFD.
std::u16string Utf8ToUtf16(const std::string& utf8);
// Code point -> Windows-1252 byte; returns false if unmappable.
bool CodePointToCp1252(char32_t cp, unsigned char* out);

}  // namespace phiscan::testing

#endif  // PHISCAN_TESTING_LEGACY_OFFICE_BUILDER_H_
