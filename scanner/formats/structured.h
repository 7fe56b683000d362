// Structured text: consumers that sit between the TextDecoder and the
// TextSink and understand a format.
//
// Annotators (delimited tables, JSON/NDJSON/FHIR, HL7 v2, X12) pass the text
// through unchanged, so findings keep exact source offsets, and declare each
// value's span with the name of the field that holds it (a CSV header, a
// JSON key or FHIR identifier system, an HL7 field such as PID-19 → "ssn" (a
// PID-3 repetition by its identifier type code, SS → "ssn"), an
// X12 element qualified by its segment). The Matcher counts a field name
// that equals a keyword term as evidence for values inside the span.
//
// The markup transformer (XML, HTML, Office XML parts) outputs text without
// markup, entities decoded, with each piece mapped to the source bytes it
// came from, and declares element and attribute names as fields.
//
// Every one is a constant-size state machine: names are cut at
// ScanLimits::max_field_name, nesting remembered to max_structure_depth,
// columns to max_columns; nothing buffers a value.
//
// Thread safety: one per stream.
#ifndef PHISCAN_SCANNER_FORMATS_STRUCTURED_H_
#define PHISCAN_SCANNER_FORMATS_STRUCTURED_H_

#include <memory>

#include "scanner/decode.h"
#include "scanner/formats/text_sink.h"
#include "scanner/limits.h"

namespace phiscan::scanner::formats {

class StructuredText : public TextConsumer {
 public:
  // Called once after the last text: closes an open value or element.
  virtual void End() {}
};

// Decodes an XML/HTML entity body (between '&' and ';') to UTF-8: the XML
// five, common HTML names, and numeric references. False if unknown.
bool DecodeEntity(std::string_view body, std::string& out);

// REQUIRES for all: `sink` and `limits` outlive the returned object.
//
// A delimited table whose row `header_row` (0-based, SniffHeaderRow) names
// the columns. The rows above it (a title, a run date) are text apart
// (TextSink::Apart): the header's keywords under them are no evidence for
// what they hold.
std::unique_ptr<StructuredText> MakeDelimited(TextSink& sink, char delim, const ScanLimits& limits,
                                              size_t header_row = 0);
// Text with Markdown (GFM) pipe tables: the row above a delimiter row
// ("|---|:--:|") of as many cells names the columns of the rows under it,
// up to the first line without a '|'. Each table has its own header; other
// lines are text, no field.
std::unique_ptr<StructuredText> MakePipeTables(TextSink& sink, const ScanLimits& limits);
std::unique_ptr<StructuredText> MakeJson(TextSink& sink, const ScanLimits& limits);
std::unique_ptr<StructuredText> MakeHl7(TextSink& sink, const ScanLimits& limits);
std::unique_ptr<StructuredText> MakeX12(TextSink& sink, const ScanLimits& limits);

enum class MarkupMode {
  kXml,     // text, attribute values, element names as fields (C-CDA aware)
  kHtml,    // text; a few attribute values (alt, title, value, content)
  kOffice,  // OOXML/ODF parts: text only, separators at paragraph, cell, tab
};
std::unique_ptr<StructuredText> MakeMarkup(TextSink& sink, MarkupMode mode,
                                           const ScanLimits& limits);

// Field name for an identifier system or OID (FHIR Identifier.system, C-CDA
// id/@root): "ssn", "npi", "mbi", "mrn" (a site namespace ending in /mrn), or
// "" when unknown.
std::string_view IdentifierSystemName(std::string_view system);

}  // namespace phiscan::scanner::formats

#endif  // PHISCAN_SCANNER_FORMATS_STRUCTURED_H_
