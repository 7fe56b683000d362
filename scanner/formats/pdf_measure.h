// Measures a PDF's streams before poppler is given the document.
//
// poppler decodes a page's content streams whole and keeps a layout object
// per glyph (about 1.5 KB each when every glyph is its own word), with no
// way through poppler-cpp to stop it inside a page: an 18 KB file whose one
// FlateDecode stream inflates to 5 MB of `(text) Tj` lines took 907 MB.
// So the raw file is walked first: every `stream` keyword's data is decoded
// through its filters (FlateDecode with zlib, LZWDecode, RunLengthDecode,
// ASCIIHexDecode, ASCII85Decode; chains too) in fixed-size pieces that are
// counted and dropped, and the strings a text-showing operator (Tj, TJ, ',
// ") would draw are counted per stream. Nothing is trusted that poppler does
// not trust either: a stream is measured whatever its dictionary says it is
// (an /Image can still be named as a page's /Contents), a filtered stream is
// decoded to its end-of-data mark rather than to its /Length, and names are
// read with their #xx escapes.
//
// Not measured: streams of an encrypted document (ciphertext does not
// inflate), image codecs (DCT, JPX, JBIG2, CCITT: poppler's text output
// never decodes images drawn as images; their output is only bounded, for
// attached files, see max_codec_output). Repetition is bounded, not
// followed: a stream named many times in a page's /Contents array shows its
// text that many times, and a form (an XObject of /Subtype /Form) is drawn
// by `Do` in a page or in another form, so a page drawing a form 1,000 times
// that draws another 20 times... lays out the product (a 14 KB file drew
// 40 million strings, for hours, in gigabytes, poppler past every time
// limit). The walk does not resolve which form a `Do` names: it takes the
// most draws in one non-form stream times the draws of every form that
// draws two or more, as if they nested, and the text of the form showing
// the most (drawn_text_bound).
#ifndef PHISCAN_SCANNER_FORMATS_PDF_MEASURE_H_
#define PHISCAN_SCANNER_FORMATS_PDF_MEASURE_H_

#include <cstdint>
#include <functional>
#include <string_view>

namespace phiscan::scanner::formats {

struct PdfStreamStats {
  uint64_t streams = 0;        // stream keywords whose data was decoded
  uint64_t decoded_bytes = 0;  // their data after every known filter
  uint64_t max_text = 0;       // most bytes shown by text operators in one stream
  uint64_t max_decoded = 0;    // most decoded bytes of one stream
  // Most bytes the output of one stream ending in a filter this walk does
  // not decode may reach: poppler decodes it whole when the stream is an
  // attached file (a 1 KB JPEG header declaring 30000 x 30000 pixels, a
  // CCITT fax of 60000 columns, took gigabytes). DCTDecode: width x height
  // x components of its frame header; CCITTFaxDecode: row bytes x rows (at
  // most one row per input bit, or /Rows); UINT64_MAX when not known
  // (JBIG2Decode, JPXDecode, Crypt, any other, a JPEG without a frame
  // header, a filter after such a one).
  uint64_t max_codec_output = 0;
  // Most text a page could lay out through repetition: the most times one
  // stream is named in one /Contents array times max_text, or the most `Do` in one
  // non-form stream times the product of the `Do` counts of the forms that
  // draw two or more times the most text one form shows; saturates at
  // UINT64_MAX. Compared with max_stream_text like max_text.
  uint64_t drawn_text_bound = 0;
  // The walk stopped early: `charge` returned false, or a stream's shown
  // text or drawn_text_bound passed max_stream_text. The counts are then
  // lower bounds.
  bool stopped = false;
};

// Walks `pdf` and decodes every stream. `charge(n)` is called for each piece
// of decoded output (at most 64 KiB); returning false stops the walk. It
// also stops as soon as one stream shows more than `max_stream_text` bytes
// (0 = no limit).
PdfStreamStats MeasurePdfStreams(std::string_view pdf, uint64_t max_stream_text,
                                 const std::function<bool(uint64_t)>& charge);

}  // namespace phiscan::scanner::formats

#endif  // PHISCAN_SCANNER_FORMATS_PDF_MEASURE_H_
