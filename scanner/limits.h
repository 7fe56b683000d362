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

  // Candidate matches per asset before it is marked partial(match_cap): guards
  // against content that makes patterns match everywhere (yara's
  // YR_MAX_STRING_MATCHES plays the same role).
  uint64_t max_candidates_per_asset = 1'000'000;

  // Walk items buffered between walker threads and the pipeline. Bounds memory
  // and open directory descriptors (each queued file pins its parent's fd).
  size_t walk_queue_capacity = 256;

  // Assets in flight in the classify pipeline per worker thread.
  size_t tokens_per_thread = 4;

  // Locators kept per asset and type (Macie keeps 15 samples).
  int max_locators = 15;
};

}  // namespace phiscan::scanner

#endif  // PHISCAN_SCANNER_LIMITS_H_
