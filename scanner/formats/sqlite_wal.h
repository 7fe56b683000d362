// SQLite databases in write-ahead-log mode, read without touching them.
//
// A database in WAL mode keeps its latest transactions in `NAME-wal` until a
// checkpoint copies them into the database file; a live application's
// newest rows are often only there. Opening the database immutable (no
// locks, no files written) ignores the log, and SQLite cannot apply a log
// to a database held in memory. So the scanner reads the database and the
// log itself and applies the log's committed frames to the in-memory image
// (the SQLite file format, section "The WAL File Format": a 32-byte header,
// then frames of a 24-byte header and one page, valid while their salts
// match the header's and their running checksum holds; a frame with a
// database size ends a transaction). No lock is taken and nothing is written.
#ifndef PHISCAN_SCANNER_FORMATS_SQLITE_WAL_H_
#define PHISCAN_SCANNER_FORMATS_SQLITE_WAL_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace phiscan::scanner::formats {

// Whether SQLite's file header says a database is in WAL mode (its file
// format write and read versions, bytes 18 and 19, are 2).
inline bool SqliteHeaderSaysWal(std::string_view image) {
  return image.size() >= 20 && image[18] == 2 && image[19] == 2;
}

// Sets a database image's header to rollback-journal mode, so SQLite reads
// it from memory (it would look for a log a memory image cannot have).
void MarkRollbackMode(std::string& image);

struct WalResult {
  enum class Outcome {
    kApplied,   // committed frames copied into the image
    kNothing,   // no valid header or no committed frame: the image is as it was
    kTooLarge,  // the committed database would exceed the limit: the image is as it was
  };
  Outcome outcome = Outcome::kNothing;
  uint32_t frames = 0;  // committed frames applied
};

// Applies the committed transactions of `wal` to `image`, a database file's
// bytes (empty when the database file is: every page is then in the log).
// Ignores a log whose page size differs from the database's, and stops at
// the first frame that fails its salt or checksum (the end of what was
// written, or a log left from before a reset). The resulting database may
// not exceed `max_bytes`.
WalResult ApplyWal(std::string& image, std::string_view wal, uint64_t max_bytes);

}  // namespace phiscan::scanner::formats

#endif  // PHISCAN_SCANNER_FORMATS_SQLITE_WAL_H_
