// Text of legacy binary Office files and Outlook messages, from the streams
// of their compound file (formats/cfb.h):
//   - Word 97-2003 (.doc): the piece table ([MS-DOC] Clx) in the table
//     stream names where each run of characters sits in the WordDocument
//     stream, 8-bit Windows-1252 or UTF-16; the text comes out in character
//     order, with Word's paragraph, cell and field marks as line ends,
//     tabs and spaces.
//   - Excel 97-2003 (.xls, BIFF8; and BIFF5's inline strings): cells from
//     the Workbook stream's records: shared strings (SST with CONTINUE),
//     LABEL, NUMBER, RK, MULRK and formula results.
//   - PowerPoint 97-2003 (.ppt): every text atom of the PowerPoint Document
//     stream's record tree, older saved copies of a slide included.
//   - Outlook (.msg, [MS-OXMSG]): property stream names; the extractor
//     walks the storages.
//   - OLE packages ([MS-OLEDS] "\x01Ole10Native"): a file embedded in a
//     document.
// Everything here reads bytes already in memory and bounds every count by
// them.
//
// Thread safety: pure functions; a CellSink is the caller's.
#ifndef PHISCAN_SCANNER_FORMATS_LEGACY_OFFICE_H_
#define PHISCAN_SCANNER_FORMATS_LEGACY_OFFICE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace phiscan::scanner::formats {

// UTF-16LE bytes (an odd last byte ignored) to UTF-8, appended to `out`;
// unpaired surrogates become U+FFFD, NULs are dropped.
void AppendUtf16Le(std::string_view bytes, std::string& out);
// Windows-1252 bytes to UTF-8, appended to `out`; NULs are dropped.
void AppendCp1252(std::string_view bytes, std::string& out);

// Decoded text, handed on in pieces so that a document's text is never held
// whole: decoders append to buffer() and call Check(), which passes the
// buffer to `emit` once it holds kPieceBytes; the owner calls Flush() at the
// end. `emit` returns false when it wants no more (the matcher's cap or the
// budget stopped it); from then on Check() returns false and decoders stop.
// Thread safety: the caller's.
class TextOut {
 public:
  static constexpr size_t kPieceBytes = 64 << 10;
  explicit TextOut(std::function<bool(std::string_view)> emit) : emit_(std::move(emit)) {}
  std::string& buffer() { return buf_; }
  bool Check() {
    if (buf_.size() >= kPieceBytes) Flush();
    return !stopped_;
  }
  bool Flush() {
    if (!buf_.empty() && !stopped_) stopped_ = !emit_(buf_);
    buf_.clear();
    return !stopped_;
  }
  bool stopped() const { return stopped_; }

 private:
  std::function<bool(std::string_view)> emit_;
  std::string buf_;
  bool stopped_ = false;
};

// UTF-16LE or Windows-1252 text, written to `out` as UTF-8 (NULs dropped).
void Utf16LeText(std::string_view bytes, TextOut& out);
void Cp1252Text(std::string_view bytes, TextOut& out);

// Runs of at least 4 printable ASCII characters, 8-bit or UTF-16LE, one per
// line: the text of a stream whose format is not read.
void PrintableRuns(std::string_view bytes, TextOut& out);

// ---- Word ------------------------------------------------------------------

struct WordFib {
  bool encrypted = false;  // fEncrypted: the text is encrypted or obfuscated
  bool table_one = false;  // fWhichTblStm: the table stream is "1Table", else "0Table"
  uint32_t fc_clx = 0;     // where the piece table sits in the table stream
  uint32_t lcb_clx = 0;
};
// The File Information Block at the start of a WordDocument stream.
// Errors: kUnsupported for a Word 6/95 or older file (its FIB has no piece
// table where Word 97's has), kCorrupt when it is too short or misses the
// Word signature.
Result<WordFib> ReadWordFib(std::string_view word_document);

// Writes the document's text (body, notes, headers, comments, text boxes:
// everything the piece table lists) to `out` as UTF-8. Errors (nothing
// written): kEncrypted; kCorrupt when the piece table cannot be read or a
// piece lies outside the document stream.
Status WordText(std::string_view word_document, std::string_view table, const WordFib& fib,
                TextOut& out);

// ---- Excel -----------------------------------------------------------------

class CellSink {
 public:
  virtual ~CellSink() = default;
  // A worksheet starts (its name from the workbook's sheet list, or "").
  virtual void OnSheet(std::string_view name) = 0;
  // A cell with text, in the order the workbook stores them (rows in
  // increasing order within a sheet). Numbers come as their shortest
  // decimal form ("123456789", "0.5"), dates as YYYY-MM-DD. Returns false to
  // stop reading (the budget or the matcher's cap is spent: a small file
  // can show one long string in millions of cells).
  virtual bool OnCell(uint32_t row, uint32_t col, std::string_view utf8) = 0;
  // Text without a cell: a shared string past the table's memory bound (the
  // cells that use it are then skipped), or one no cell showed; a sheet's
  // page header or footer (without its codes), a comment's text and author,
  // a text box's text (BIFF8 only).
  virtual void OnText(std::string_view utf8) = 0;
};

// Reads the cells of a BIFF8 (or BIFF5) Workbook stream into `sink`, each
// cell's text cut at `max_cell` bytes. The shared-string table is held in
// memory up to `max_table` bytes (text plus 32 bytes of bookkeeping per
// string, so millions of empty strings count too); strings past it go to
// OnText, as are strings no cell showed. Errors: kEncrypted (a FILEPASS
// record: the workbook is saved with a password); kCorrupt for a record
// that runs past the stream's end (cells before it were delivered).
Status WorkbookCells(std::string_view workbook, size_t max_cell, size_t max_table,
                     CellSink& sink);

// ---- PowerPoint --------------------------------------------------------------

// A storage a presentation holds: an embedded OLE object's (a workbook, a
// document, a packaged file), a VBA project's or an ActiveX control's, each
// an ExOleObjStg record ([MS-PPT] 2.10.34) of the PowerPoint Document
// stream, whose body is the storage, compressed or not.
struct PptStorage {
  std::string_view body;
  bool compressed = false;  // recInstance 1: ExOleObjStgCompressedAtom
};

// Writes the text of every text atom (TextCharsAtom, TextBytesAtom,
// CString) in a PowerPoint Document stream to `out`, one line each, and
// when `storages` is given appends the embedded storages to it, in stream
// order (views into `stream`), the first `max_storages` only (a stream of
// millions of empty records stays a short list). Errors: kCorrupt for a
// record that runs past the end (text and storages before it kept).
Status PowerPointText(std::string_view stream, TextOut& out,
                      std::vector<PptStorage>* storages = nullptr,
                      size_t max_storages = SIZE_MAX);

// The compound file `storage` holds, in `out` (cleared first): a
// compressed one (ExOleObjStgCompressedAtom: its size, then a zlib stream)
// inflated. Returns Ok (the whole storage; a compressed one as long as its
// header says, whether or not its stream ends there, as PowerPoint's do
// not always); Corrupt when its data is not zlib or ends before that size
// (`out` holds what inflated); LimitExceeded for a size over `max_bytes`
// (`out` holds its first `max_bytes` bytes).
Status PowerPointStorage(const PptStorage& storage, size_t max_bytes, std::string& out);

// ---- Outlook ---------------------------------------------------------------

// A property stream's name, "__substg1.0_XXXXTTTT": property id XXXX, type
// TTTT (0x001F UTF-16 string, 0x001E 8-bit string, 0x0102 binary,
// 0x000D object storage).
struct MsgPropertyName {
  uint16_t id = 0;
  uint16_t type = 0;
};
std::optional<MsgPropertyName> ParseMsgPropertyName(std::string_view name);

inline constexpr uint16_t kMsgUnicode = 0x001F;
inline constexpr uint16_t kMsgString8 = 0x001E;
inline constexpr uint16_t kMsgBinary = 0x0102;
inline constexpr uint16_t kMsgObject = 0x000D;

// Message properties that repeat another (the subject without its prefix,
// the conversation topic) or are transport data (headers as received,
// message ids, the message class): read, they would only count the subject
// twice or match machine identifiers.
inline bool SkipMessageProperty(uint16_t id) {
  return id == 0x0E1D || id == 0x0070 || id == 0x007D || id == 0x1035 || id == 0x1039 ||
         id == 0x1042 || id == 0x001A;
}

// The field a message property's value is, as a mail header's would be:
// "name" for a sender's, recipient's or display name, "email" for an
// address; null for any other.
inline const char* MessagePropertyField(uint16_t id) {
  switch (id) {
    case 0x0042:  // sent representing name
    case 0x0C1A:  // sender name
    case 0x0E02:  // display bcc
    case 0x0E03:  // display cc
    case 0x0E04:  // display to
    case 0x3001:  // display name (a recipient's)
      return "name";
    case 0x0065:  // sent representing email address
    case 0x0C1F:  // sender email address
    case 0x3003:  // email address
    case 0x39FE:  // SMTP address
    case 0x5D01:  // sender SMTP address
    case 0x5D02:  // sent representing SMTP address
      return "email";
    default:
      return nullptr;
  }
}

// ---- OLE packages ------------------------------------------------------------

struct PackagedFile {
  std::string name;  // the file name the package records (its label, else its path's last part)
  std::string_view data;  // the file's bytes, inside the stream
};
// The file in an "\x01Ole10Native" stream. Errors: kCorrupt when the stream
// is not a packaged file's layout.
Result<PackagedFile> ReadOle10Native(std::string_view stream);

// An object embedded in an RTF document (\objdata): an OLE 1.0 object
// ([MS-OLEDS] 2.2.4 EmbeddedObject: version, format id 2, class, topic and
// item names, the native data's size and the data).
struct Ole1Object {
  std::string class_name;  // "Excel.Sheet.8", "Word.Document.8", "Package"
  // From the native data's size on: for class "Package" the layout of an
  // "\x01Ole10Native" stream (ReadOle10Native); for others the size, then
  // the object's compound file.
  std::string_view native;
  std::string_view data;  // the native data alone
};
// Errors: kUnsupported for a linked object (its data is elsewhere);
// kCorrupt when the header or the data runs past `bytes` (`data` would
// then be cut: nothing is returned).
Result<Ole1Object> ReadOle1Object(std::string_view bytes);

}  // namespace phiscan::scanner::formats

#endif  // PHISCAN_SCANNER_FORMATS_LEGACY_OFFICE_H_
