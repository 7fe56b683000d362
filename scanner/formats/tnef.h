// TNEF, the Transport Neutral Encapsulation Format ([MS-OXTNEF]): how
// Outlook and Exchange carry a rich-text message's body, properties and
// attachments inside an e-mail, as the attachment winmail.dat
// (application/ms-tnef). A signature (0x223E9F78) and a key, then
// attributes: a level (the message, or its current attachment), an id and
// type, a length, the data and a 16-bit checksum. Message text lives in
// legacy attributes (attSubject, attBody, attFrom), in counted MAPI
// property lists (attMsgProps, each recipient row of attRecipTable) and in
// the compressed RTF property; each attachment starts with
// attAttachRendData and carries its title, its data (attAttachData) and
// properties (attAttachment: the long file name, the data again, or an
// attached message as a TNEF stream of its own).
//
// Everything parsed is a view into the input; nothing is read past it, and
// every count is checked against the bytes left. Pure function;
// thread-safe.
#ifndef PHISCAN_SCANNER_FORMATS_TNEF_H_
#define PHISCAN_SCANNER_FORMATS_TNEF_H_

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace phiscan::scanner::formats {

// True when `head` starts with the TNEF signature.
bool IsTnef(std::string_view head);

struct TnefText {
  std::string_view bytes;
  bool utf16 = false;           // UTF-16LE; else Windows-1252
  const char* field = nullptr;  // "name", "email" (MessagePropertyField), or none
};

struct TnefAttachment {
  std::string name;       // UTF-8: the long file name, else the title, else the display name
  std::string_view data;  // the attached file (or message) bytes; empty for none
  bool message = false;   // an attached message, itself TNEF
};

struct TnefMessage {
  // The message's text in the order found: subject, sender, body, string
  // properties (transport ones left out, formats::SkipMessageProperty),
  // recipients' names and addresses. The HTML body only when there is no
  // plain one (it repeats it).
  std::vector<TnefText> text;
  // PidTagRtfCompressed, when the message has neither a plain nor an HTML
  // body; else empty.
  std::string_view rtf_compressed;
  std::vector<TnefAttachment> attachments;
};

// Parses `in` into `out` (cleared first).
// Returns Ok, or Corrupt (what was parsed before the fault stays in `out`)
// for no signature, an attribute or property list running past its bytes,
// a property type whose size is unknown, or an attribute whose checksum
// does not hold (parsing goes on past that one).
Status ParseTnef(std::string_view in, TnefMessage& out);

}  // namespace phiscan::scanner::formats

#endif  // PHISCAN_SCANNER_FORMATS_TNEF_H_
