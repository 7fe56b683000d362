// Content sniffing: what an asset is, by magic bytes and structure. The
// name's extension is only a hint, used where the content is ambiguous (a
// zip that is an Office document, a CSV without a telling first line).
//
// Thread safety: pure functions.
#ifndef PHISCAN_SCANNER_FORMATS_SNIFF_H_
#define PHISCAN_SCANNER_FORMATS_SNIFF_H_

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
  kOle,         // Compound File: legacy Office, or an encrypted OOXML package
  kRtf,
};
const char* ContentKindName(ContentKind kind);

// `head` is the first bytes of the asset (ScanLimits::sniff_bytes); `name`
// its file or member name.
ContentKind SniffContent(std::string_view head, std::string_view name);

// True for a 7z signature (needs random access to read).
bool IsSevenZip(std::string_view head);
// True for an OLE compound file whose directory names an EncryptedPackage
// stream (an OOXML file saved with a password).
bool IsEncryptedOle(std::string_view head);

enum class TextFormat { kPlain, kCsv, kTsv, kJson, kXml, kHtml, kHl7, kX12, kMail };
const char* TextFormatName(TextFormat format);

// `sample` is the start of the decoded (UTF-8) text. kCsv stands for any
// delimited table but a tab-separated one (SniffDelimiter says which).
TextFormat SniffTextFormat(std::string_view sample, std::string_view name);

// The delimiter of a table: ',', tab, ';' or '|', whichever every line of
// the sample has the same number of (outside quotes), the most if several
// do; 0 if none does.
char SniffDelimiter(std::string_view sample);

// Lower-cased extension of `name` without the dot ("" if none).
std::string_view Extension(std::string_view name, char* buf, size_t buf_size);

}  // namespace phiscan::scanner::formats

#endif  // PHISCAN_SCANNER_FORMATS_SNIFF_H_
