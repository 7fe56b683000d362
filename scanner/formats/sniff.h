// Content sniffing: what an asset is, by magic bytes and structure. The
// name's extension is only a hint, used where the content is ambiguous (a
// zip that is an Office document, a CSV without a telling first line).
//
// Thread safety: pure functions.
#ifndef PHISCAN_SCANNER_FORMATS_SNIFF_H_
#define PHISCAN_SCANNER_FORMATS_SNIFF_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace phiscan::scanner::formats {

enum class ContentKind {
  kText,        // decode and look closer with SniffTextFormat
  kBinary,      // no extractor: skipped(binary) unless --scan-binary
  kArchive,     // zip, tar, 7z, possibly compressed (libarchive)
  kCompressed,  // gzip/bzip2/xz/zstd: a tar inside, or a single stream
  kOoxml,       // docx/xlsx/pptx (a zip with [Content_Types].xml)
  kOdf,         // odt/ods/odp (a zip whose first member is "mimetype")
  kPdf,
  kSqlite,
  kDicom,
  kOle,         // Compound File: legacy Office, Outlook .msg, an encrypted OOXML package
  kRtf,
  kTnef,        // an Outlook message's winmail.dat (formats/tnef.h)
  // An SQLite database's companions, by name and content: its write-ahead
  // log (NAME-wal, the log's magic) and the log's shared-memory index
  // (NAME-shm, the index's version). Read with the database, if at all.
  kSqliteWal,
  kSqliteShm,
};
const char* ContentKindName(ContentKind kind);

// `head` is the first bytes of the asset (ScanLimits::sniff_bytes); `name`
// its file or member name.
ContentKind SniffContent(std::string_view head, std::string_view name);

// True for a 7z signature (needs random access to read).
bool IsSevenZip(std::string_view head);

// True for a tar header: "ustar" at 257 and a right checksum (a word such
// as "mustard" at 257 makes no tar).
bool IsTarHeader(std::string_view head);

// Where the central directory of a zip at the end of a file starts: `tail`
// is the file's last bytes (up to its whole length), `size` the file's
// length. Recognised: an end-of-central-directory record whose comment runs
// exactly to the end of the file, of a single-disk archive with at least
// one entry, whose directory fits in front of it. Returns the file offset
// where a central directory header ("PK\1\2", or a zip64 locator "PK\6\7")
// must be for it to be a zip, or -1. Used for a zip with data in front of
// it (a self-extracting archive, a script stub), which no magic at the
// start reveals. When `declared` is given it receives the directory's
// offset as the end record states it: relative to the zip's own start when
// data was put in front without adjusting the offsets (`cat stub zip`), so
// the difference is that data's length.
int64_t ZipDirectoryStart(std::string_view tail, uint64_t size, uint64_t* declared = nullptr);

// kMarkdown: text with pipe tables (GitHub Flavored Markdown) among other
// lines: a .md file, or text with such a table in its sample.
enum class TextFormat { kPlain, kCsv, kTsv, kJson, kXml, kHtml, kHl7, kX12, kMail, kMarkdown };
const char* TextFormatName(TextFormat format);

// `sample` is the start of the decoded (UTF-8) text. kCsv stands for any
// delimited table but a tab-separated one (SniffDelimiter says which).
TextFormat SniffTextFormat(std::string_view sample, std::string_view name);

// The delimiter of a table: ',', tab, ';' or '|', whichever every line of
// the sample has the same number of (outside quotes), the most if several
// do; 0 if none does.
char SniffDelimiter(std::string_view sample);

// The row of a delimited table that names its columns (0-based; the
// reader's rows, quoted line ends inside them): the first, unless it is
// blank or a title (at most one cell with anything in it, as an export
// writes "Patient Extract run 03/12/2024,,,,," above its header), up to
// three such rows; then the next row, if every filled cell of it reads as
// a column name (a word, not a date, number or id), at least half its
// cells are filled, and the row under it is no wider and holds a value.
// Otherwise 0: a headerless table keeps its first row as header, as before.
size_t SniffHeaderRow(std::string_view sample, char delim);

// Lower-cased extension of `name` without the dot ("" if none).
std::string_view Extension(std::string_view name, char* buf, size_t buf_size);

}  // namespace phiscan::scanner::formats

#endif  // PHISCAN_SCANNER_FORMATS_SNIFF_H_
