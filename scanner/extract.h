// Extractor: from one top-level file to the AssetRecords of the file and of
// everything inside it.
//
// The content decides what a file is (formats/sniff.h: magic bytes and
// structure; the extension is only a hint): archives (zip, tar, 7z, gzip,
// bzip2, xz, zstd, any nesting) are opened through libarchive and each
// member becomes its own record; Office Open XML and OpenDocument files,
// RTF, HTML and XML become text without markup; mail (.eml, mbox) gives its
// headers and decoded bodies, and its attachments as members; PDF text
// through poppler-cpp when built with it; DICOM the attributes of its header;
// SQLite each table as a member. Text is decoded (UTF-8, UTF-16 with or
// without BOM, Windows-1252 for invalid UTF-8) and CSV/TSV, JSON/NDJSON/FHIR,
// HL7 v2 and X12 give their field names as evidence. Binary content no
// extractor understands is skipped(binary) unless ScanLimits::scan_binary.
//
// Records: the top-level record comes first, then one per member, depth
// first, in archive order. A member's `path` is the top-level file's path and
// its `member` the container path below it, each container level ending in
// '!': "dir/inner.tar!notes/a.txt". A container's own record has no findings
// (its members carry them) and is complete unless its walk stopped early
// (partial with the reason: limit_bytes, limit_members, limit_time, corrupt,
// ...); a member's status says what happened to it (encrypted,
// partial(limit_depth), skipped(binary), ...).
//
// Offsets: for text (any encoding) findings carry byte offsets into the
// asset's own bytes (the member's bytes for a member). For formats whose text
// is extracted from structure (Office, PDF, RTF, DICOM, SQLite, mail bodies),
// they are offsets into the extracted text.
//
// Resources: memory per file is constant (content is streamed in chunks;
// only members that need random access, such as a 7z inside a zip, are
// buffered, up to ScanLimits::max_buffered_member); nothing is written to
// disk; no external program is ever started. One Budget (scanner/budget.h)
// per top-level file bounds expanded bytes, members, depth and time.
//
// Thread safety: one Extractor per thread (it owns Matchers and buffers).
// The RuleSet is shared.
#ifndef PHISCAN_SCANNER_EXTRACT_H_
#define PHISCAN_SCANNER_EXTRACT_H_

#include <atomic>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "classifiers/matcher.h"
#include "classifiers/ruleset.h"
#include "classifiers/token.h"
#include "common/model.h"
#include "scanner/limits.h"

namespace phiscan::scanner {

class Extractor {
 public:
  // REQUIRES: `key` (may be null: tokens all zero) outlives the Extractor.
  Extractor(std::shared_ptr<const classifiers::RuleSet> rules, const classifiers::TokenKey* key,
            const ScanLimits& limits);
  ~Extractor();
  Extractor(const Extractor&) = delete;
  Extractor& operator=(const Extractor&) = delete;

  // Processes the content of `fd`: a regular file (`seekable`, `size` bytes,
  // read with pread from offset 0) or a pipe (read to EOF). `top` carries
  // path, kind and identity; `name` is the file name used as a hint. Appends
  // `top` completed with status, reason, findings and label, then one record
  // per member. `cancel`, if set, stops the work (partial(interrupted)).
  void ExtractDescriptor(int fd, bool seekable, uint64_t size, std::string_view name,
                         AssetRecord top, std::vector<AssetRecord>& out,
                         const std::atomic<bool>* cancel = nullptr);

  // The same for bytes already in memory (tests, tools).
  void ExtractBytes(std::string_view bytes, std::string_view name, AssetRecord top,
                    std::vector<AssetRecord>& out);

  // Whether PDF text extraction was compiled in (poppler-cpp).
  static bool PdfSupported();

  // Adds the bytes ExtractDescriptor reads from its descriptor to `counter`
  // as they are read (a progress display; null: none). Not owned.
  void CountReads(std::atomic<uint64_t>* counter) { read_counter_ = counter; }

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
  std::atomic<uint64_t>* read_counter_ = nullptr;
};

}  // namespace phiscan::scanner

#endif  // PHISCAN_SCANNER_EXTRACT_H_
