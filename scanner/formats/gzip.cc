#include "scanner/formats/gzip.h"

#include <cstring>

namespace phiscan::scanner::formats {

bool IsGzip(std::string_view head) {
  return head.size() >= 3 && head[0] == '\x1f' && head[1] == '\x8b' && head[2] == '\x08';
}

GzipSource::GzipSource(ByteSource& in)
    : in_(in), header_name_(1024), header_comment_(64 << 10), input_(64 << 10) {}

GzipSource::~GzipSource() {
  if (started_) inflateEnd(&z_);
}

bool GzipSource::Fill() {
  auto n = in_.Read({reinterpret_cast<char*>(input_.data()), input_.size()});
  if (!n.ok()) {
    error_ = n.status();
    return false;
  }
  z_.next_in = input_.data();
  z_.avail_in = static_cast<uInt>(n.value());
  return n.value() > 0;
}

void GzipSource::MemberEnded() {
  // Another member right after this one continues the stream; zeros are
  // padding; anything else is data no reader of the stream sees.
  if (z_.avail_in == 0 && !Fill()) {
    ended_ = true;
    return;
  }
  if (z_.next_in[0] == 0x1f) {
    inflateReset(&z_);
    return;
  }
  for (;;) {
    for (; z_.avail_in > 0; ++z_.next_in, --z_.avail_in) {
      if (z_.next_in[0] != 0) {
        trailing_data_ = true;
        ended_ = true;
        return;
      }
    }
    if (!Fill()) break;
  }
  ended_ = true;
}

Result<size_t> GzipSource::Read(std::span<char> buf) {
  if (!started_) {
    started_ = true;
    if (inflateInit2(&z_, 15 + 16) != Z_OK) {  // 16: gzip framing, CRC-32 and length checked
      ended_ = true;
      error_ = Status::IoError("gzip: out of memory");
    } else {
      header_.name = reinterpret_cast<Bytef*>(header_name_.data());
      header_.name_max = static_cast<uInt>(header_name_.size() - 1);
      header_.comment = reinterpret_cast<Bytef*>(header_comment_.data());
      header_.comm_max = static_cast<uInt>(header_comment_.size() - 1);
      inflateGetHeader(&z_, &header_);
    }
  }
  size_t produced = 0;
  while (produced == 0 && !ended_ && !buf.empty()) {
    if (z_.avail_in == 0 && !Fill()) {
      ended_ = true;
      if (error_.ok()) error_ = Status::Corrupt("gzip stream truncated");
      break;
    }
    z_.next_out = reinterpret_cast<Bytef*>(buf.data());
    z_.avail_out = static_cast<uInt>(std::min<size_t>(buf.size(), 1u << 30));
    const uInt room = z_.avail_out;
    const int rc = inflate(&z_, Z_NO_FLUSH);
    produced = room - z_.avail_out;
    if (!header_read_ && header_.done == 1) {
      header_read_ = true;
      if (header_.name != nullptr) {
        name_.assign(header_name_.data(), strnlen(header_name_.data(), header_name_.size()));
      }
      if (header_.comment != nullptr) {  // zlib sets it null when there is none
        comment_.assign(header_comment_.data(),
                        strnlen(header_comment_.data(), header_comment_.size()));
      }
      if (header_.time != 0) mtime_ns_ = static_cast<int64_t>(header_.time) * 1'000'000'000;
    }
    if (rc == Z_STREAM_END) {
      MemberEnded();
    } else if (rc == Z_DATA_ERROR) {
      ended_ = true;
      // zlib's words for a failed trailer check; its others may be quoted
      // from nowhere, but are replaced all the same.
      const bool check = z_.msg != nullptr && (std::strcmp(z_.msg, "incorrect data check") == 0 ||
                                               std::strcmp(z_.msg, "incorrect length check") == 0);
      error_ = Status::Corrupt(check ? "gzip CRC or length does not match the data"
                                     : "gzip data damaged");
    } else if (rc == Z_MEM_ERROR) {
      ended_ = true;
      error_ = Status::IoError("gzip: out of memory");
    } else if (rc != Z_OK && rc != Z_BUF_ERROR) {  // Z_NEED_DICT: no gzip member asks for one
      ended_ = true;
      error_ = Status::Corrupt("gzip data damaged");
    }
  }
  if (produced > 0) return produced;
  if (!error_.ok()) return error_;
  return size_t{0};
}

}  // namespace phiscan::scanner::formats
