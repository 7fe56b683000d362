// The record model shared by the pipeline stages: what the scanner produces
// for each asset and what the catalog persists.
//
// Nothing here holds a raw matched value. A finding carries a locator, a
// masked preview that keeps only the shape, and a keyed HMAC token.
//
// The numeric values of AssetStatus and AssetKind are persisted in the
// catalog: never renumber them, only append.
#ifndef PHISCAN_COMMON_MODEL_H_
#define PHISCAN_COMMON_MODEL_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace phiscan {

// Coverage status of one asset. Persisted: values are stable.
enum class AssetStatus : int {
  kComplete = 0,           // every byte was classified
  kPartial = 1,            // some content was classified; `reason` says what stopped it
  kEncrypted = 2,          // content could not be read without a key
  kSkipped = 3,            // deliberately not classified; `reason` says why
  kUnreadable = 4,         // open or read failed (permissions, I/O)
  kVanished = 5,           // deleted between walk and open
  kChangedDuringScan = 6,  // identity changed while it was read; findings kept
  kSpecial = 7,            // FIFO, socket or device node: never opened for reading
  kLoop = 8,               // directory already on the current path (bind mount loop)
};
const char* AssetStatusName(AssetStatus status);
std::optional<AssetStatus> ParseAssetStatus(std::string_view name);

// What an asset's content was read as (AssetRecord::format, assets.format).
// Persisted and shown: names are stable, only added to.
inline constexpr std::array<std::string_view, 18> kAssetFormats = {
    "text", "binary", "archive", "compressed", "ooxml", "odf",        "pdf",
    "sqlite", "dicom", "rtf",    "doc",        "xls",   "ppt",        "msg",
    "ole",  "tnef",   "sqlite-wal", "sqlite-shm"};

// What an asset row describes. Persisted: values are stable.
enum class AssetKind : int {
  kFile = 0,       // a regular file reached by the walker
  kDirectory = 1,  // a directory; recorded only when it is a coverage gap
  kMember = 2,     // a member inside a container (archive, mail, document)
  kSpecialFile = 3,
  kStream = 4,     // standard input (classify only)
};
const char* AssetKindName(AssetKind kind);

// Confidence buckets over the 1..100 score (Purview: 65 low, 75 medium, 85 high).
enum class Confidence : int { kLow = 1, kMedium = 2, kHigh = 3 };
constexpr int kMinScore = 1;
constexpr int kLowScore = 65;
constexpr int kMediumScore = 75;
constexpr int kHighScore = 85;
Confidence ConfidenceFromScore(int score);
const char* ConfidenceName(Confidence c);
std::optional<Confidence> ParseConfidence(std::string_view name);
int MinScoreFor(Confidence c);  // lowest score that maps to `c`
// The score a rule given a confidence word yields: 65, 75 or 85 (a
// pattern's `confidence: low` is 65, not the lowest low score, 1).
int ScoreFor(Confidence c);

// HMAC-SHA-256 of a normalised value under the installation's key.
using Token = std::array<uint8_t, 32>;

// One located occurrence of a sensitive type.
struct FindingRecord {
  std::string type_id;   // e.g. "US_SSN"
  int score = 0;         // 1..100
  uint64_t start = 0;    // byte offset of the first byte in the asset's text
  uint64_t end = 0;      // byte offset one past the last byte
  uint64_t line = 0;     // 1-based line of `start`
  std::string masked;    // shape only, e.g. "***-**-****"
  Token token{};         // keyed token of the normalised value; all zero if no key
};

// Per asset and type: the summary the catalog keeps even when locators are capped.
struct TypeSummary {
  std::string type_id;
  uint64_t count = 0;         // occurrences at or above the reporting floor
  uint64_t unique_count = 0;  // distinct tokens among them
  int max_score = 0;
};

// The POSIX access ACL of a file beyond its mode bits, as the front end read
// it (read-only). Used to say who besides owner, group and others can read.
struct AclSummary {
  uint32_t named_entries = 0;  // ACL_USER and ACL_GROUP entries
  uint32_t named_readers = 0;  // of those, entries whose permissions (after the mask) include read
  bool group_readable = false; // the owning group's entry, after the mask, includes read
};

// Everything the catalog needs to know about one asset after it was processed.
struct AssetRecord {
  std::string path;                   // raw bytes of the top-level file's path
  std::optional<std::string> member;  // path inside a container ("a/b.txt!c.csv"), or none
  AssetKind kind = AssetKind::kFile;
  AssetStatus status = AssetStatus::kComplete;
  std::string reason;                 // stable reason id ("permission_denied"), or empty
  std::string detail;                 // human detail for the reason; never content
  std::string format;                 // what its content was read as: one of kAssetFormats;
                                      // empty if none of it was read
  uint64_t size = 0;                  // bytes on disk (or member size)
  int64_t mtime_ns = 0;               // modification time, ns since the epoch
  int64_t ctime_ns = 0;
  uint64_t dev = 0;
  uint64_t ino = 0;
  uint32_t mode = 0;                  // st_mode
  uint32_t uid = 0;
  uint32_t gid = 0;
  // Whether others (not owner, not group) may search every directory from
  // "/" down to the file's own: without it, others cannot reach the file
  // whatever its mode says. A member has its container file's.
  bool others_can_reach = true;
  // Whether members of the file's owning group may search every directory
  // from "/" down: each grants others search, or grants its group search
  // and belongs to the file's group. A member has its container file's.
  bool group_can_reach = true;
  uint64_t bytes_scanned = 0;         // bytes of text that went through the classifiers
  // True when an incremental scan found the file unchanged (same identity and
  // rules) and did not read it: the catalog keeps the previous results, and
  // only path and identity fields here are meaningful.
  bool unchanged = false;
  // The file's access ACL; none when nobody looked (the scanner does not;
  // `phiscan scan` does for every file it classifies). A file without an
  // extended ACL has named_entries == 0 and group_readable from its mode.
  std::optional<AclSummary> acl;
  std::string label;                  // e.g. "PHI", "PII", "PCI", "NONE"; empty when none of
                                      // its content was read (ContentWasRead)
  std::string label_rule;             // which labelling rule produced `label`
  std::vector<TypeSummary> types;
  std::vector<FindingRecord> findings;  // at most the locator cap per type
};

// Whether any of an asset's content was read: it is complete (an empty
// file too), or some of its text went through the classifiers, or a type
// was found, or `has_members` (members below it were read: a container).
// An asset of which nothing was read (encrypted, skipped, unreadable, a
// container cut at the depth limit...) carries no label: `NONE` says "read,
// nothing found" (scanner/extract.cc, catalog/migrations/v7.sql).
bool ContentWasRead(const AssetRecord& record, bool has_members);

}  // namespace phiscan

#endif  // PHISCAN_COMMON_MODEL_H_
