#include "scanner/formats/tnef.h"

#include <cstdint>

#include "scanner/formats/legacy_office.h"
#include "scanner/formats/little_endian.h"

namespace phiscan::scanner::formats {
namespace {

constexpr uint32_t kSignature = 0x223E9F78;
constexpr uint8_t kLevelAttachment = 0x02;

// Attribute ids (the low 16 bits of an attribute's id; [MS-OXTNEF] 2.1.3.3).
constexpr uint16_t kAttFrom = 0x8000;
constexpr uint16_t kAttSubject = 0x8004;
constexpr uint16_t kAttBody = 0x800C;
constexpr uint16_t kAttAttachData = 0x800F;
constexpr uint16_t kAttAttachTitle = 0x8010;
constexpr uint16_t kAttAttachRendData = 0x9002;
constexpr uint16_t kAttMsgProps = 0x9003;
constexpr uint16_t kAttRecipTable = 0x9004;
constexpr uint16_t kAttAttachment = 0x9005;

// MAPI properties read here.
constexpr uint16_t kPropBody = 0x1000;
constexpr uint16_t kPropRtfCompressed = 0x1009;
constexpr uint16_t kPropHtml = 0x1013;
constexpr uint16_t kPropDisplayName = 0x3001;
constexpr uint16_t kPropAttachData = 0x3701;
constexpr uint16_t kPropAttachLongFilename = 0x3707;

constexpr size_t kMaxNameBytes = 4096;

// IID_IMessage, {00020307-0000-0000-C000-000000000046}, as stored.
constexpr std::string_view kIidMessage(
    "\x07\x03\x02\x00\x00\x00\x00\x00\xC0\x00\x00\x00\x00\x00\x00\x46", 16);

// Little-endian reads over a view; a read past its end fails and consumes
// nothing.
class Reader {
 public:
  explicit Reader(std::string_view d) : d_(d) {}
  bool U8(uint8_t& v) {
    if (left() < 1) return false;
    v = static_cast<uint8_t>(d_[at_++]);
    return true;
  }
  bool U16(uint16_t& v) {
    if (left() < 2) return false;
    v = Le16(d_, at_);
    at_ += 2;
    return true;
  }
  bool U32(uint32_t& v) {
    if (left() < 4) return false;
    v = Le32(d_, at_);
    at_ += 4;
    return true;
  }
  bool Bytes(uint64_t n, std::string_view& v) {
    if (left() < n) return false;
    v = d_.substr(at_, n);
    at_ += n;
    return true;
  }
  bool Skip(uint64_t n) {
    std::string_view ignored;
    return Bytes(n, ignored);
  }
  size_t left() const { return d_.size() - at_; }

 private:
  std::string_view d_;
  size_t at_ = 0;
};

uint64_t Pad4(uint64_t n) { return (n + 3) & ~uint64_t{3}; }

// A fixed-size property type's size in a TNEF property list (padded to 4),
// or 0 for a type of variable size or unknown.
uint32_t FixedSize(uint16_t type) {
  switch (type) {
    case 0x0001:  // PtypNull
    case 0x0002:  // PtypInteger16
    case 0x0003:  // PtypInteger32
    case 0x0004:  // PtypFloating32
    case 0x000A:  // PtypErrorCode
    case 0x000B:  // PtypBoolean
      return 4;
    case 0x0005:  // PtypFloating64
    case 0x0006:  // PtypCurrency
    case 0x0007:  // PtypFloatingTime
    case 0x0014:  // PtypInteger64
    case 0x0040:  // PtypTime
      return 8;
    case 0x0048:  // PtypGuid
      return 16;
    default:
      return 0;
  }
}

bool VariableSize(uint16_t type) {
  return type == kMsgString8 || type == kMsgUnicode || type == kMsgBinary || type == kMsgObject;
}

// Calls `on(id, type, value)` for each value of a variable-size property in
// a counted property list ([MS-OXTNEF] 2.1.3.4); fixed-size values are
// skipped. False when the list runs past its bytes or holds a type whose
// size is unknown (values before it were passed on).
template <typename On>
bool ForEachProperty(Reader& r, On&& on) {
  uint32_t count = 0;
  if (!r.U32(count)) return false;
  for (uint32_t i = 0; i < count; ++i) {
    uint32_t tag = 0;
    if (!r.U32(tag)) return false;
    const uint16_t id = static_cast<uint16_t>(tag >> 16);
    const uint16_t type = static_cast<uint16_t>(tag & 0xFFFF);
    if (id >= 0x8000) {  // a named property: its GUID and its name
      uint32_t kind = 0;
      if (!r.Skip(16) || !r.U32(kind)) return false;
      if (kind == 0) {
        if (!r.Skip(4)) return false;
      } else if (kind == 1) {
        uint32_t len = 0;
        if (!r.U32(len) || !r.Skip(Pad4(len))) return false;
      } else {
        return false;
      }
    }
    const bool multi = (type & 0x1000) != 0;
    const uint16_t base = type & 0x0FFF;
    uint32_t values = 1;
    if (multi || VariableSize(base)) {
      if (!r.U32(values)) return false;
      if (values > r.left() / 4) return false;  // each value takes 4 bytes or more
    }
    for (uint32_t v = 0; v < values; ++v) {
      if (VariableSize(base)) {
        uint32_t size = 0;
        std::string_view value;
        if (!r.U32(size) || !r.Bytes(size, value) || !r.Skip(Pad4(size) - size)) return false;
        on(id, base, value);
      } else if (const uint32_t fixed = FixedSize(base); fixed != 0) {
        if (!r.Skip(fixed)) return false;
      } else {
        return false;
      }
    }
  }
  return true;
}

// An 8-bit string attribute's text, without its terminating NULs.
std::string_view String8(std::string_view data) {
  while (!data.empty() && data.back() == '\0') data.remove_suffix(1);
  return data;
}

std::string DecodeName(std::string_view bytes, bool utf16) {
  std::string name;
  bytes = bytes.substr(0, kMaxNameBytes);
  if (utf16) {
    AppendUtf16Le(bytes, name);
  } else {
    AppendCp1252(String8(bytes), name);
  }
  return name;
}

// attFrom: a TRP header (id, size, name length, address length; 2 bytes
// each), the display name, then the address.
void FromText(std::string_view data, std::vector<TnefText>& text) {
  Reader r(data);
  uint16_t id = 0, size = 0, name_len = 0, address_len = 0;
  std::string_view name, address;
  if (!r.U16(id) || !r.U16(size) || !r.U16(name_len) || !r.U16(address_len)) return;
  if (r.Bytes(name_len, name)) text.push_back({String8(name), false, "name"});
  if (r.Bytes(address_len, address)) text.push_back({String8(address), false, "email"});
}

struct MessageState {
  bool plain_body = false;
  std::vector<TnefText> html;
  std::string_view rtf;
};

// A property list of the message or of a recipient row: its strings are
// text; the bodies are noted.
bool MessageProperties(Reader& r, MessageState& state, std::vector<TnefText>& text) {
  return ForEachProperty(r, [&](uint16_t id, uint16_t type, std::string_view value) {
    if (id == kPropRtfCompressed && type == kMsgBinary) {
      state.rtf = value;
      return;
    }
    if (id == kPropHtml && (type == kMsgBinary || type == kMsgString8 || type == kMsgUnicode)) {
      state.html.push_back({value, type == kMsgUnicode});
      return;
    }
    if (type != kMsgString8 && type != kMsgUnicode) return;
    if (SkipMessageProperty(id)) return;
    if (id == kPropBody) state.plain_body = true;
    text.push_back({type == kMsgString8 ? String8(value) : value, type == kMsgUnicode,
                    MessagePropertyField(id)});
  });
}

struct AttachmentNames {
  std::string long_name, title, display;
};

}  // namespace

bool IsTnef(std::string_view head) {
  Reader r(head);
  uint32_t signature = 0;
  return r.U32(signature) && signature == kSignature;
}

Status ParseTnef(std::string_view in, TnefMessage& out) {
  out = TnefMessage();
  Reader r(in);
  uint32_t signature = 0;
  uint16_t key = 0;
  if (!r.U32(signature) || signature != kSignature || !r.U16(key)) {
    return Status::Corrupt("TNEF: no signature");
  }
  MessageState state;
  std::vector<AttachmentNames> names;
  std::string problem;
  auto current = [&]() -> TnefAttachment& {
    if (out.attachments.empty()) {  // attachment data before any rendering data
      out.attachments.emplace_back();
      names.emplace_back();
    }
    return out.attachments.back();
  };
  while (r.left() > 0) {
    uint8_t level = 0;
    uint32_t attribute = 0, length = 0;
    std::string_view data;
    uint16_t checksum = 0;
    if (!r.U8(level) || !r.U32(attribute) || !r.U32(length) || !r.Bytes(length, data) ||
        !r.U16(checksum)) {
      problem = "TNEF: attribute runs past the end of the data";
      break;
    }
    uint16_t sum = 0;
    for (unsigned char c : data) sum = static_cast<uint16_t>(sum + c);
    if (sum != checksum && problem.empty()) {
      problem = "TNEF: attribute checksum mismatch";
    }
    const uint16_t id = static_cast<uint16_t>(attribute & 0xFFFF);
    if (level == kLevelAttachment) {
      if (id == kAttAttachRendData) {
        out.attachments.emplace_back();
        names.emplace_back();
      } else if (id == kAttAttachTitle) {
        current();
        names.back().title = DecodeName(data, false);
      } else if (id == kAttAttachData) {
        current().data = data;
      } else if (id == kAttAttachment) {
        TnefAttachment& a = current();
        AttachmentNames& n = names.back();
        Reader props(data);
        const bool ok = ForEachProperty(props, [&](uint16_t pid, uint16_t type,
                                                   std::string_view value) {
          const bool string = type == kMsgString8 || type == kMsgUnicode;
          if (pid == kPropAttachLongFilename && string) {
            n.long_name = DecodeName(value, type == kMsgUnicode);
          } else if (pid == kPropDisplayName && string) {
            n.display = DecodeName(value, type == kMsgUnicode);
          } else if (pid == kPropAttachData && type == kMsgBinary && a.data.empty()) {
            a.data = value;
          } else if (pid == kPropAttachData && type == kMsgObject && value.size() >= 16) {
            // After the interface id: IID_IMessage for an attached message
            // (a TNEF stream), else an OLE object's storage or stream.
            a.data = value.substr(16);
            a.message = value.substr(0, 16) == kIidMessage;
          }
        });
        if (!ok && problem.empty()) problem = "TNEF: attachment property list damaged";
      }
      continue;
    }
    switch (id) {
      case kAttSubject:
        out.text.push_back({String8(data), false});
        break;
      case kAttBody:
        state.plain_body = true;
        out.text.push_back({String8(data), false});
        break;
      case kAttFrom:
        FromText(data, out.text);
        break;
      case kAttMsgProps: {
        Reader props(data);
        if (!MessageProperties(props, state, out.text) && problem.empty()) {
          problem = "TNEF: message property list damaged";
        }
        break;
      }
      case kAttRecipTable: {
        Reader rows(data);
        uint32_t count = 0;
        bool ok = rows.U32(count);
        for (uint32_t i = 0; ok && i < count; ++i) ok = MessageProperties(rows, state, out.text);
        if (!ok && problem.empty()) problem = "TNEF: recipient table damaged";
        break;
      }
      default:
        break;
    }
  }
  for (size_t i = 0; i < out.attachments.size(); ++i) {
    const AttachmentNames& n = names[i];
    out.attachments[i].name = !n.long_name.empty() ? n.long_name
                              : !n.title.empty()   ? n.title
                                                   : n.display;
  }
  if (!state.plain_body) {
    if (!state.html.empty()) {
      out.text.insert(out.text.end(), state.html.begin(), state.html.end());
    } else {
      out.rtf_compressed = state.rtf;
    }
  }
  return problem.empty() ? Status::Ok() : Status::Corrupt(problem);
}

}  // namespace phiscan::scanner::formats
