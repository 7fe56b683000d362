// Every limit and default of the scan, in one place, each with its reason.
#ifndef PHISCAN_SCANNER_LIMITS_H_
#define PHISCAN_SCANNER_LIMITS_H_

#include <cstddef>
#include <cstdint>

namespace phiscan::scanner {

struct ScanLimits {
  // Bytes read per pread() and fed to the classifier at once. 1 MiB amortises
  // syscalls (ripgrep uses 64 KiB–8 MiB) while keeping memory per thread fixed.
  size_t chunk_size = 1 << 20;

  // Bytes read from the start of a file to decide whether it is text. A NUL in
  // the first 8 KiB is ripgrep's binary heuristic.
  size_t sniff_bytes = 8 << 10;

  // Files larger than this are classified up to the limit and marked
  // partial(limit_size). 0 = no limit. Default none: text is streamed in
  // constant memory, so size costs only time.
  uint64_t max_file_size = 0;

  // Candidate matches per asset before it is marked partial(match_cap), or
  // one per 64 bytes of its text if that is more (MatcherOptions): guards
  // against content that makes patterns match everywhere (yara's
  // YR_MAX_STRING_MATCHES plays the same role) without cutting short a big
  // file whose identifiers are merely dense.
  uint64_t max_candidates_per_asset = 1'000'000;

  // Walk items buffered between walker threads and the pipeline. Bounds memory
  // and open directory descriptors (each queued file pins its parent's fd).
  size_t walk_queue_capacity = 256;

  // Assets in flight in the classify pipeline per worker thread.
  size_t tokens_per_thread = 4;

  // Locators kept per asset and type (Macie keeps 15 samples).
  int max_locators = 15;

  // ---- Per top-level file budget (extraction). One Budget covers the file
  // and everything inside it, depth-first (ClamAV's model: MaxScanSize,
  // MaxFiles, MaxRecursion, MaxScanTime). A limit hit marks the member being
  // read and every container still open `partial(limit_*)`; it never makes an
  // asset look clean.

  // Bytes produced by decompression and decoding of members, summed over all
  // nesting levels (ClamAV counts a 1M file inside a 1M archive as 2M).
  // Stops bombs (42.zip, overlapping-entry zips: libarchive has no ratio
  // check) while real exports of several hundred MB pass. 0 = no limit.
  uint64_t max_expanded_bytes = 1ull << 30;

  // Members examined per top-level file (ClamAV MaxFiles 10000): bounds the
  // records one file can add to the catalog and the time spent listing.
  uint64_t max_members = 10'000;

  // Entries an archive may list before its listing is read whole. Both
  // libarchive readers that need one hold the whole listing before the
  // first member, about 100-180 bytes an entry (a zip of a million entries
  // took 189 MB, a 7z of 3 million 415 MB; measured). Far above
  // max_members, so such an archive is partial(limit_members) either way,
  // unless that limit was raised. Above it a zip on disk is read as a
  // stream, from its local headers, never through its central directory;
  // a 7z, which cannot be read as a stream, is not opened:
  // partial(limit_members). 262,144 entries are about 50 MB. 0 = no limit.
  uint64_t max_listed_entries = 1 << 18;

  // Bytes a 7z archive's header (its listing, usually LZMA-packed, and very
  // compressible) may unpack to: it is unpacked once to count its entries
  // (formats/seven_zip.h) and again by libarchive. Larger: not opened,
  // partial(limit_members). 16 MiB is about 450,000 entries with names.
  uint64_t max_7z_header = 16 << 20;

  // Container nesting below the top-level file (zip in tar in zip is 3):
  // how many levels of containers are opened; 1 opens a top-level archive
  // but no archive inside it, 0 opens none. ClamAV uses 17; 8 covers every
  // real export while stopping recursive bombs early. The container at the
  // limit is recorded partial(limit_depth).
  int max_depth = 8;

  // Wall time per top-level file, in milliseconds, checked every chunk
  // (ClamAV MaxScanTime 120 s, added after CVE-2019-12625 showed structural
  // checks alone are bypassed). 10 minutes leaves multi-GB text files (about
  // 0.4 GB/s per core) untouched and still ends parser loops. 0 = none.
  uint64_t max_time_ms = 600'000;

  // Content that can only be read with random access is buffered in memory
  // up to this size: 7z, SQLite and xlsx workbooks found inside another
  // container, and every PDF (poppler parses from memory, never from a
  // path); larger ones are recorded partial(limit_size). Bounds memory per
  // worker: depth-first, one such buffer at a time per nesting level.
  uint64_t max_buffered_member = 64ull << 20;

  // Bytes of text one PDF stream may show (the strings of its Tj, TJ, ' and "
  // operators, counted after decoding, before poppler runs: pdf_measure.h).
  // poppler lays out a whole page at once, up to about 1.5 KB per glyph, and
  // cannot be interrupted inside it: this keeps one stream under about 100 MB
  // while the densest real page (5,000-20,000 glyphs) fits three times. Beyond it
  // no page of the document is read: partial(limit_bytes). 0 = no limit.
  uint64_t max_pdf_stream_text = 64 << 10;

  // Longest element or field name kept for structured evidence (CSV header
  // cell, JSON key, XML element): longer names are cut. Keeps the tokenizers'
  // state constant-size whatever the input.
  size_t max_field_name = 128;

  // Columns remembered from a CSV/TSV header row; cells beyond get no field
  // evidence. Real extracts stay under a few hundred columns.
  size_t max_columns = 4096;

  // XML/JSON nesting remembered for field names; deeper levels still have
  // their text classified, only without a field name. Hostile documents nest
  // millions deep.
  size_t max_structure_depth = 256;

  // Classify the raw bytes of binary files that no extractor understands
  // (`--scan-binary`). Off by default: raw bytes give noisy matches, so such
  // files are recorded skipped(binary) instead.
  bool scan_binary = false;
};

}  // namespace phiscan::scanner

#endif  // PHISCAN_SCANNER_LIMITS_H_
