// GzipSource: the decompressed bytes of a gzip file (RFC 1952), through
// zlib, as a ByteSource.
//
// libarchive's gzip filter decompresses into 64 KiB blocks and drops the
// block it was filling when the input ends early or a check fails: a gzip
// cut anywhere lost up to 64 KiB of text that did decompress, and a small
// tar.gz cut in its trailer lost every member. Here every byte zlib
// produces is handed out before the error that ends the stream, so what
// decompresses is classified and the damage is a recorded status.
//
// Members written one after another (`cat a.gz b.gz`) are one stream, as
// gunzip reads them; zero bytes after the last member are padding; anything
// else after it is never decompressed and is reported by trailing_data().
// Each member's CRC-32 and length are checked (zlib does it), so a member
// whose data does not match its trailer ends in an error, after its bytes.
//
// Thread safety: one owner at a time.
#ifndef PHISCAN_SCANNER_FORMATS_GZIP_H_
#define PHISCAN_SCANNER_FORMATS_GZIP_H_

#include <zlib.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "scanner/formats/byte_source.h"

namespace phiscan::scanner::formats {

// Whether `head` starts like a gzip member (magic 1F 8B, method deflate).
bool IsGzip(std::string_view head);

class GzipSource : public ByteSource {
 public:
  // REQUIRES: `in` outlives this and is at the start of the gzip data.
  explicit GzipSource(ByteSource& in);
  ~GzipSource() override;
  GzipSource(const GzipSource&) = delete;
  GzipSource& operator=(const GzipSource&) = delete;

  // Decompressed bytes; 0 at the end. A truncated or damaged stream gives
  // kCorrupt, once everything before the damage has been read.
  Result<size_t> Read(std::span<char> buf) override;

  // The first member's stored file name (FNAME), without its directories
  // checked by anyone: the caller decides what to make of it. Known after
  // the first Read().
  const std::string& stored_name() const { return name_; }
  // The first member's modification time (MTIME) in nanoseconds since the
  // epoch, if it gives one. Known after the first Read().
  std::optional<int64_t> mtime_ns() const { return mtime_ns_; }
  // The first member's comment (FCOMMENT), up to 64 KiB of it: text that
  // travels with the file and that gunzip never shows. Known after the
  // first Read().
  const std::string& comment() const { return comment_; }
  // Whether the comment filled those 64 KiB: the rest, if any, was not read.
  bool comment_cut() const { return comment_.size() + 1 >= header_comment_.size(); }
  // After the end: bytes other than zeros followed the last member.
  bool trailing_data() const { return trailing_data_; }

 private:
  // Refills the input buffer; false at the end of `in` (error_ set on a
  // read error).
  bool Fill();
  // After a member's end: starts the next one, or looks at what follows.
  void MemberEnded();

  ByteSource& in_;
  z_stream z_{};
  gz_header header_{};
  std::vector<char> header_name_;
  std::vector<char> header_comment_;
  std::vector<unsigned char> input_;
  bool started_ = false;
  bool ended_ = false;
  bool header_read_ = false;
  bool trailing_data_ = false;
  Status error_;  // handed out once the bytes before it are read
  std::string name_;
  std::string comment_;
  std::optional<int64_t> mtime_ns_;
};

}  // namespace phiscan::scanner::formats

#endif  // PHISCAN_SCANNER_FORMATS_GZIP_H_
