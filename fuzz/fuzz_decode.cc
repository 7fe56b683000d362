// libFuzzer target: the text decoder (scanner/decode.h). The first byte picks
// a split point, so decoding in two pieces must give the same text and the
// same text as decoding in one, and offsets stay inside the input.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "scanner/decode.h"

namespace {

using phiscan::scanner::TextConsumer;
using phiscan::scanner::TextDecoder;

class Collect : public TextConsumer {
 public:
  void OnText(std::string_view utf8, uint64_t src_begin, uint64_t src_end) override {
    if (src_end < src_begin) std::abort();
    last_end_ = std::max(last_end_, src_end);
    text += utf8;
  }
  std::string text;
  uint64_t last_end_ = 0;
};

std::string Decode(std::string_view in, size_t split, uint64_t* end) {
  auto guess = phiscan::scanner::SniffEncoding(in.substr(0, 8192));
  auto enc = guess.encoding == phiscan::scanner::TextEncoding::kBinary
                 ? phiscan::scanner::TextEncoding::kUtf8
                 : guess.encoding;
  TextDecoder decoder(enc, 0);
  Collect out;
  decoder.Decode(in.substr(0, split), out);
  decoder.Decode(in.substr(split), out);
  decoder.Finish(out);
  *end = out.last_end_;
  return out.text;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  size_t split = in.empty() ? 0 : data[0] % (in.size() + 1);
  uint64_t end_whole = 0, end_split = 0;
  std::string whole = Decode(in, in.size(), &end_whole);
  std::string pieces = Decode(in, split, &end_split);
  if (whole != pieces || end_whole > in.size() || end_split > in.size()) std::abort();
  return 0;
}
