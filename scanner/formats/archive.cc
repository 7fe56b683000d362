#include "scanner/formats/archive.h"

#include <archive.h>
#include <archive_entry.h>
#include <locale.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <mutex>

namespace phiscan::scanner::formats {
namespace {

// Bytes handed to libarchive per read callback.
constexpr size_t kReadBlock = 64 << 10;

using FilterFn = int (*)(struct archive*);
struct Filter {
  const char* name;
  FilterFn fn;
};
constexpr Filter kFilters[] = {
    {"gzip", archive_read_support_filter_gzip},
    {"bzip2", archive_read_support_filter_bzip2},
    {"xz", archive_read_support_filter_xz},
    {"lzma", archive_read_support_filter_lzma},
    {"zstd", archive_read_support_filter_zstd},
};

// Which allowlisted filters libarchive implements in-process. Registration
// answers ARCHIVE_WARN when it would fall back to an external program; those
// are never enabled. Probed once per process on a throwaway handle.
const std::vector<const Filter*>& InProcess() {
  static std::vector<const Filter*> ok;
  static std::once_flag once;
  std::call_once(once, [] {
    for (const auto& f : kFilters) {
      struct archive* a = archive_read_new();
      if (a == nullptr) continue;
      if (f.fn(a) == ARCHIVE_OK) ok.push_back(&f);
      archive_read_free(a);
    }
  });
  return ok;
}

// "Crypto": 7z's "Crypto codec not supported yet", for an AES-encrypted folder.
bool MentionsEncryption(const char* msg) {
  if (msg == nullptr) return false;
  for (const char* word : {"ncrypt", "Crypto", "assphrase", "password"}) {
    if (std::strstr(msg, word) != nullptr) return true;
  }
  return false;
}

// What libarchive's message is about, by the words its messages use
// (archive_set_error in its zip, tar and 7z readers and filters); the first
// row that matches wins, so an end of input reads as truncated whatever
// else the message says. Each phrase is phiscan's own.
struct ErrorWords {
  std::array<const char*, 4> needles;  // up to the first null
  const char* phrase;
};
const ErrorWords kErrorWords[] = {
    {{"Unrecognized archive format"}, "not a zip, tar or 7z archive"},
    {{"runcated", "Premature end", "nexpected end", "nexpected EOF"},
     "archive ends early (truncated)"},
    {{"CRC", "hecksum"}, "data does not match its checksum"},
    {{"ecompress", "ecoding", "data error", "nflat"}, "compressed data is damaged"},
    {{"nsupported", "not supported", "codec"}, kUnsupportedArchiveFeature},
};

// libarchive converts an entry's name to the charset of the current
// locale, and in the C locale phiscan runs in, a name that is not ASCII
// (a zip's UTF-8 `café.txt`, a pax header's `résumé.txt`) cannot be
// converted: every accessor answered NULL and the member lost its name.
// Names are read under a UTF-8 LC_CTYPE, for this thread only and only
// around the calls that convert them.
class Utf8Names {
 public:
  Utf8Names() {
    static const locale_t utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(0));
    if (utf8 != static_cast<locale_t>(0)) previous_ = uselocale(utf8);
  }
  ~Utf8Names() {
    if (previous_ != static_cast<locale_t>(0)) uselocale(previous_);
  }
  Utf8Names(const Utf8Names&) = delete;
  Utf8Names& operator=(const Utf8Names&) = delete;

 private:
  locale_t previous_ = static_cast<locale_t>(0);
};

}  // namespace

std::string ArchiveErrorDetail(const char* libarchive_message) {
  if (libarchive_message == nullptr) return kDamagedArchive;
  if (MentionsEncryption(libarchive_message)) return kEncryptedArchive;
  for (const ErrorWords& w : kErrorWords) {
    for (const char* needle : w.needles) {
      if (needle == nullptr) break;
      if (std::strstr(libarchive_message, needle) != nullptr) return w.phrase;
    }
  }
  return kDamagedArchive;
}

std::vector<std::string> ArchiveReader::InProcessFilters() {
  std::vector<std::string> names;
  for (const auto* f : InProcess()) names.emplace_back(f->name);
  return names;
}

ArchiveReader::ArchiveReader(ByteSource& src) : src_(src) { bufs_[0].resize(kReadBlock); }

ArchiveReader::~ArchiveReader() {
  if (a_ != nullptr) archive_read_free(a_);
}

long ArchiveReader::ReadCallback(struct archive* a, void* client, const void** buffer) {  // NOLINT
  auto* self = static_cast<ArchiveReader*>(client);
  // The other buffer of a stream reader; the current one keeps its bytes
  // until a read returns some.
  const int next = self->bufs_[1].empty() ? 0 : self->cur_ ^ 1;
  std::vector<char>& buf = self->bufs_[next];
  *buffer = buf.data();
  if (self->budget_ != nullptr && !self->budget_->CheckTime()) {
    self->source_error_ = Status::LimitExceeded(std::string("budget: ") + self->budget_->reason());
    archive_set_error(a, EINTR, "budget exhausted");
    return -1;
  }
  Result<size_t> n = self->src_.seekable()
                         ? self->src_.ReadAt(self->pos_, {buf.data(), buf.size()})
                         : self->src_.Read({buf.data(), buf.size()});
  if (!n.ok()) {
    self->source_error_ = n.status();
    archive_set_error(a, EIO, "source read failed");
    return -1;
  }
  self->pos_ += n.value();
  if (n.value() > 0) {
    self->cur_ = next;
    self->lens_[next] = n.value();
  }
  return static_cast<long>(n.value());  // NOLINT
}

int64_t ArchiveReader::SeekCallback(struct archive*, void* client, int64_t offset, int whence) {
  auto* self = static_cast<ArchiveReader*>(client);
  int64_t base = whence == SEEK_SET   ? 0
                 : whence == SEEK_CUR ? static_cast<int64_t>(self->pos_)
                                      : static_cast<int64_t>(self->src_.size());
  int64_t target = base + offset;
  if (target < 0) return ARCHIVE_FATAL;
  self->pos_ = static_cast<uint64_t>(target);
  return target;
}

int64_t ArchiveReader::SkipCallback(struct archive*, void* client, int64_t request) {
  auto* self = static_cast<ArchiveReader*>(client);
  uint64_t room = self->src_.size() > self->pos_ ? self->src_.size() - self->pos_ : 0;
  uint64_t n = std::min<uint64_t>(static_cast<uint64_t>(std::max<int64_t>(request, 0)), room);
  self->pos_ += n;
  return static_cast<int64_t>(n);
}

Result<std::unique_ptr<ArchiveReader>> ArchiveReader::Open(ByteSource& src, Content content,
                                                           Budget* budget) {
  std::unique_ptr<ArchiveReader> r(new ArchiveReader(src));
  r->budget_ = budget;
  r->a_ = archive_read_new();
  if (r->a_ == nullptr) return Status::IoError("libarchive: out of memory");
  for (const auto* f : InProcess()) f->fn(r->a_);
  if (content == Content::kStream) {
    r->bufs_[1].resize(kReadBlock);
    archive_read_support_format_raw(r->a_);
  } else {
    archive_read_support_format_zip(r->a_);
    archive_read_support_format_tar(r->a_);
    archive_read_support_format_7zip(r->a_);
    // Without it the first zero block ends the archive, and whatever
    // follows (a second archive appended with cat, any hidden data) is
    // never read while the archive reads as complete.
    if (archive_read_set_format_option(r->a_, "tar", "read_concatenated_archives", "1") !=
        ARCHIVE_OK) {
      return Status::IoError("libarchive: tar:read_concatenated_archives not supported");
    }
  }
  archive_read_set_read_callback(r->a_, &ReadCallback);
  archive_read_set_callback_data(r->a_, r.get());
  if (src.seekable()) {
    archive_read_set_seek_callback(r->a_, &SeekCallback);
    archive_read_set_skip_callback(r->a_, &SkipCallback);
  }
  int rc = archive_read_open1(r->a_);
  if (rc != ARCHIVE_OK) return r->ErrorStatus(rc, false);
  return r;
}

Status ArchiveReader::ErrorStatus(int rc, bool reading_data) {
  if (rc == ARCHIVE_FATAL) fatal_ = true;
  if (!source_error_.ok()) {
    fatal_ = true;
    return source_error_;
  }
  // libarchive's message decides the status and the words, but is never
  // passed on: it may quote the archive (ArchiveErrorDetail).
  const char* msg = archive_error_string(a_);
  // After a failed open libarchive has no format to ask about encryption
  // (asking then crashes inside libarchive: a fuzzer-found reproducer).
  const bool opened = archive_format(a_) != 0;
  if ((reading_data && entry_encrypted_) || MentionsEncryption(msg) ||
      (opened && archive_read_has_encrypted_entries(a_) > 0)) {
    return Status(StatusCode::kEncrypted, kEncryptedArchive);
  }
  std::string detail = ArchiveErrorDetail(msg);
  if (detail == kUnsupportedArchiveFeature) return Status::Unsupported(std::move(detail));
  return Status::Corrupt(std::move(detail));
}

Result<bool> ArchiveReader::Next(ArchiveEntry& entry) {
  struct archive_entry* e = nullptr;
  int rc;
  Utf8Names utf8_names;
  for (;;) {
    rc = archive_read_next_header(a_, &e);
    if (rc != ARCHIVE_RETRY) break;
    skipped_damage_ = true;
  }
  if (rc == ARCHIVE_EOF) return false;
  if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) return ErrorStatus(rc, false);
  const char* name = archive_entry_pathname_utf8(e);
  if (name == nullptr) name = archive_entry_pathname(e);
  entry.name = name != nullptr ? name : "";
  entry.regular = archive_entry_filetype(e) == AE_IFREG;
  entry.encrypted = archive_entry_is_encrypted(e) != 0;
  entry_encrypted_ = entry.encrypted;
  entry.size = archive_entry_size_is_set(e) ? archive_entry_size(e) : -1;
  entry.mtime_ns = archive_entry_mtime_is_set(e)
                       ? static_cast<int64_t>(archive_entry_mtime(e)) * 1'000'000'000 +
                             archive_entry_mtime_nsec(e)
                       : 0;
  entry.mode = archive_entry_mode(e);
  block_ = nullptr;
  block_left_ = 0;
  block_offset_ = out_offset_ = 0;
  entry_done_ = false;
  data_damaged_ = false;
  data_warning_.clear();
  return true;
}

Result<size_t> ArchiveReader::ReadData(std::span<char> buf) {
  // archive_read_data() would be simpler, but when libarchive answers
  // ARCHIVE_WARN together with an entry's last block (a zip member whose
  // CRC or size does not match) it returns the code instead of the bytes,
  // and the bytes it had copied were lost: the member read as empty and
  // clean. The block interface hands out the data and the warning apart.
  for (;;) {
    if (block_left_ > 0) {
      if (out_offset_ < block_offset_) {  // a hole of a sparse entry
        size_t n = static_cast<size_t>(
            std::min<int64_t>(static_cast<int64_t>(buf.size()), block_offset_ - out_offset_));
        std::memset(buf.data(), 0, n);
        out_offset_ += static_cast<int64_t>(n);
        return n;
      }
      size_t n = std::min(buf.size(), block_left_);
      std::memcpy(buf.data(), block_, n);
      block_ += n;
      block_left_ -= n;
      block_offset_ += static_cast<int64_t>(n);
      out_offset_ += static_cast<int64_t>(n);
      return n;
    }
    if (entry_done_) return size_t{0};
    const void* data = nullptr;
    size_t size = 0;
    la_int64_t offset = 0;
    int rc = archive_read_data_block(a_, &data, &size, &offset);
    if (rc == ARCHIVE_RETRY) continue;
    if (rc == ARCHIVE_EOF) {
      entry_done_ = true;
      return size_t{0};
    }
    if (rc == ARCHIVE_WARN) {
      // Not libarchive's message: it quotes the CRC computed over the data,
      // an unkeyed hash of what may be a single identifier.
      const char* msg = archive_error_string(a_);
      data_warning_ = msg != nullptr && std::strstr(msg, "CRC") != nullptr
                          ? "member data does not match the CRC in its header"
                      : msg != nullptr && std::strstr(msg, "size") != nullptr
                          ? "member data does not match the size in its header"
                          : "damaged member data";
      entry_done_ = true;  // libarchive warns at an entry's end
    } else if (rc != ARCHIVE_OK) {
      Status error = ErrorStatus(rc, true);
      data_damaged_ = source_error_.ok() && error.code() != StatusCode::kEncrypted;
      return error;
    }
    if (size == 0) continue;
    if (offset < out_offset_) {
      fatal_ = true;
      data_damaged_ = true;
      return Status::Corrupt("archive entry blocks out of order");
    }
    block_ = static_cast<const char*>(data);
    block_left_ = size;
    block_offset_ = offset;
  }
}

Result<bool> ArchiveReader::DataAfterStream() {
  auto nonzero = [](const char* p, size_t n) {
    return std::any_of(p, p + n, [](char c) { return c != 0; });
  };
  // What libarchive fetched but did not consume: the tail of the last
  // block, and of the one before when a header's peek crossed into it.
  const uint64_t consumed = static_cast<uint64_t>(archive_filter_bytes(a_, -1));
  uint64_t fetched = pos_ > consumed ? pos_ - consumed : 0;
  for (int k = 0; k < 2 && fetched > 0; ++k) {
    const int b = cur_ ^ k;
    const size_t len = bufs_[b].empty() ? 0 : lens_[b];
    const size_t n = static_cast<size_t>(std::min<uint64_t>(fetched, len));
    if (nonzero(bufs_[b].data() + len - n, n)) return true;
    fetched -= n;
  }
  if (fetched > 0) return true;  // not kept: cannot be shown to be padding
  // The rest of the input, which libarchive never asked for.
  std::vector<char> chunk(kReadBlock);
  for (;;) {
    if (budget_ != nullptr && !budget_->CheckTime()) {
      return Status::LimitExceeded(std::string("budget: ") + budget_->reason());
    }
    Result<size_t> n = src_.seekable() ? src_.ReadAt(pos_, {chunk.data(), chunk.size()})
                                       : src_.Read({chunk.data(), chunk.size()});
    if (!n.ok()) return n.status();
    if (n.value() == 0) return false;
    pos_ += n.value();
    if (nonzero(chunk.data(), n.value())) return true;
  }
}

uint64_t ArchiveReader::consumed() const {
  return static_cast<uint64_t>(std::max<la_int64_t>(archive_filter_bytes(a_, -1), 0));
}

uint64_t ArchiveReader::header_position() const {
  return static_cast<uint64_t>(std::max<la_int64_t>(archive_read_header_position(a_), 0));
}

bool ArchiveReader::zip() const {
  return (archive_format(a_) & ARCHIVE_FORMAT_BASE_MASK) == ARCHIVE_FORMAT_ZIP;
}

bool ArchiveReader::decompressing() const {
  return archive_filter_code(a_, 0) != ARCHIVE_FILTER_NONE;
}

std::string ArchiveReader::format_name() const {
  const char* n = archive_format_name(a_);
  return n != nullptr ? n : "";
}

}  // namespace phiscan::scanner::formats
