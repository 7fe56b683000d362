// DICOM Part 10 header parser: the text attributes of a DICOM file, without
// its pixel data.
//
// Reads the 128-byte preamble and "DICM" (or a bare data set without them,
// see SniffBareDataSet), the file meta group (0002, always
// explicit VR little endian), then the data set in the transfer syntax the
// meta group names: implicit VR little endian, explicit VR little endian (also
// every encapsulated/compressed syntax, whose data set is explicit LE), and
// explicit VR big endian. Sequences (SQ, and undefined-length elements in
// implicit VR) are walked iteratively with their items, defined or undefined
// length, up to `max_depth` levels. Every text value (VRs AE AS CS DA DT LO
// LT PN SH ST TM UC UI UR UT, and short printable values of unknown VR) is
// reported to the visitor; binary values are skipped without being kept.
// Parsing stops at the top-level PixelData (7FE0,0010): tags are in
// ascending order, so nothing that follows it is a patient attribute, and
// the image is never read.
//
// Memory is bounded: a 64 KiB read buffer plus one value of at most
// kMaxValue bytes (longer values are cut, and Element::cut says so).
//
// Thread safety: pure functions over the given source.
#ifndef PHISCAN_SCANNER_FORMATS_DICOM_H_
#define PHISCAN_SCANNER_FORMATS_DICOM_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"
#include "scanner/formats/byte_source.h"

namespace phiscan::scanner::formats::dicom {

// Longest value kept for one element.
inline constexpr size_t kMaxValue = 1 << 20;

struct Element {
  uint32_t tag = 0;        // (group << 16) | element
  char vr[3] = {};         // "PN", "LO", ...; "UN" for an unknown VR
  int depth = 0;           // sequence nesting: 0 is the top-level data set
  std::string_view value;  // raw bytes, trailing spaces and NULs removed
  bool cut = false;        // the value was longer than kMaxValue
};

class Visitor {
 public:
  virtual ~Visitor() = default;
  // Returns false to stop parsing (Parse then returns OK).
  virtual bool OnElement(const Element& element) = 0;
};

struct Info {
  std::string transfer_syntax;  // UID from (0002,0010), "" if absent
  bool pixel_data = false;      // parsing stopped at the PixelData element
};

// How a file without the Part 10 preamble encodes its data set, judged from
// its first bytes. Some archives and older modalities store a data set bare:
// no preamble and "DICM", often no meta group either, little endian. One is
// recognised when it starts with an element of group 0002 (meta) or 0008
// (the first group of every image's data set) whose VR, or in implicit VR
// whose even length, leads exactly to a second element in ascending tag
// order. Big endian bare data sets are not recognised.
enum class BareSyntax { kNone, kExplicitLittle, kImplicitLittle };
BareSyntax SniffBareDataSet(std::string_view head);

// Parses `src` from its first byte: a Part 10 file, or a bare data set that
// SniffBareDataSet recognises. Errors: kCorrupt (neither, a
// length beyond its container or the end of the file, a truncated element,
// unbalanced delimiters, nesting deeper than `max_depth`), kUnsupported (the
// deflated transfer syntax), or the source's own read error. Elements
// reported before an error stay reported.
Status Parse(ByteSource& src, size_t max_depth, Visitor& visitor, Info* info = nullptr);

// The same over bytes in memory (fuzz targets, tests).
Status ParseBytes(std::string_view bytes, size_t max_depth, Visitor& visitor, Info* info = nullptr);

// The standard's attribute name ("Patient's Name") for tags this parser
// knows, or "".
std::string_view AttributeName(uint32_t tag);
// The field name that stands for the attribute in evidence terms ("patient
// name", "birth date", "patient id", "address", "phone"), or "".
std::string_view EvidenceName(uint32_t tag);

}  // namespace phiscan::scanner::formats::dicom

#endif  // PHISCAN_SCANNER_FORMATS_DICOM_H_
