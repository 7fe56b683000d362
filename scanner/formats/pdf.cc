// PDF: the text of every page, and the document information (title,
// author, subject, keywords), through poppler-cpp. Compiled only when
// poppler-cpp is found (scanner/CMakeLists.txt); pending.cc has the stub.
//
// The file is read into memory (up to ScanLimits::max_buffered_member) and
// parsed from there: poppler never gets a path, and nothing is written to
// disk. A document that needs a user password is encrypted(password_protected);
// one poppler cannot open is partial(corrupt); a larger one partial(limit_size).
// Offsets are in the extracted text. poppler's own error output is silenced:
// its messages can quote document content.
//
// Files attached to the document (its EmbeddedFiles, a portfolio's files)
// are members, read like archive members: "referral.pdf!labs.csv". poppler
// decodes an attachment whole, so one is read only when the measured
// streams show that none decodes to more than max_buffered_member bytes,
// and no image codec's output (a JPEG's declared pixels, a fax's rows) may
// exceed it either (pdf_measure.h); otherwise it is recorded
// partial(limit_size) unread.
//
// Before poppler is given the document its streams are decoded and counted
// (pdf_measure.h): poppler cannot be stopped inside a page, and a small
// file can inflate to a page that takes gigabytes to lay out. The decoded
// bytes are charged to the budget (beyond it poppler is not called at all);
// a stream showing more than ScanLimits::max_pdf_stream_text bytes of text
// leaves every page unread, the document information still classified, and
// the file partial(limit_bytes).
#include <poppler-document.h>
#include <poppler-embedded-file.h>
#include <poppler-global.h>
#include <poppler-page.h>

#include <mutex>
#include <string>

#include "scanner/formats/extract_impl.h"
#include "scanner/formats/pdf_measure.h"

namespace phiscan::scanner {
namespace {

void Quiet(const std::string&, void*) {}

void SilencePoppler() {
  static std::once_flag once;
  std::call_once(once, [] { poppler::set_debug_error_function(&Quiet, nullptr); });
}

void Append(formats::TextSink& sink, const poppler::ustring& text) {
  if (text.empty()) return;
  poppler::byte_array utf8 = text.to_utf8();
  if (utf8.empty()) return;
  TextDecoder decoder(TextEncoding::kUtf8);
  decoder.Decode(std::string_view(utf8.data(), utf8.size()), sink);
  decoder.Finish(sink);
  sink.Synthetic("\n", sink.position());
}

}  // namespace

bool Extractor::PdfSupported() { return true; }

void Extractor::Impl::Pdf(formats::PeekSource& in, size_t idx, int depth, Records& out) {
  SilencePoppler();
  std::string bytes;
  if (!BufferAll(in, bytes, out[idx])) return;
  if (bytes.size() > static_cast<size_t>(INT32_MAX)) {
    MarkPartial(out[idx], "limit_size", "PDF larger than 2 GiB");
    return;
  }
  formats::TextSink sink(MatcherAt(depth), budget(), limits().max_locators);
  sink.ReportTextOffsets();
  uint64_t pieces = 0;
  formats::PdfStreamStats streams = formats::MeasurePdfStreams(
      bytes, limits().max_pdf_stream_text, [&](uint64_t n) {
        return budget().ChargeBytes(n) && (++pieces % 16 != 0 || budget().CheckTime());
      });
  if (budget().exhausted()) {
    // Past the expansion budget (or out of time) before poppler parsed
    // anything; the sink records the budget's reason.
    sink.Finish(out[idx]);
    return;
  }
  const bool pages_fit = !streams.stopped;
  try {
    std::unique_ptr<poppler::document> doc(
        poppler::document::load_from_raw_data(bytes.data(), static_cast<int>(bytes.size())));
    if (!doc) {
      MarkPartial(out[idx], "corrupt", "PDF could not be parsed");
    } else if (doc->is_locked()) {
      out[idx].status = AssetStatus::kEncrypted;
      out[idx].reason = "password_protected";
      out[idx].detail = "PDF needs a password to open";
    } else {
      for (const char* key : {"Title", "Author", "Subject", "Keywords"}) {
        Append(sink, doc->info_key(key));
      }
      if (!pages_fit) {
        MarkPartial(
            out[idx], "limit_bytes",
            std::string(streams.max_text > limits().max_pdf_stream_text
                            ? "PDF stream shows"
                            : "PDF page draws its streams or forms over and over, showing") +
                " more than " + std::to_string(limits().max_pdf_stream_text) +
                " bytes of text; pages not read");
      }
      const int pages = pages_fit ? doc->pages() : 0;
      for (int i = 0; i < pages; ++i) {
        if (!budget().CheckTime() || sink.stopped()) break;
        std::unique_ptr<poppler::page> page(doc->create_page(i));
        if (!page) {
          MarkPartial(out[idx], "corrupt", "PDF page " + std::to_string(i + 1) + " unreadable");
          continue;
        }
        Append(sink, page->text(poppler::rectf(), poppler::page::raw_order_layout));
      }
      // A page tree whose /Count or /Kids lie (a /Count of 0, a page listed
      // ten times) gives poppler no page at all: the text its streams draw
      // was not read, and the file must not pass for complete and clean.
      if (pages_fit && pages == 0 && streams.max_text > 0) {
        MarkPartial(out[idx], "corrupt",
                    "PDF: no page could be read, though its streams show text");
      }
      // poppler decodes an attached file whole, through whatever filters
      // it names: every stream, image codecs included, must be known to
      // decode within the in-memory limit.
      const bool bounded = pages_fit && streams.max_decoded <= limits().max_buffered_member &&
                           streams.max_codec_output <= limits().max_buffered_member;
      MemberNames names;  // '!' made '_', a repeated name "part-K-"
      int k = 0;
      for (poppler::embedded_file* file :
           doc->has_embedded_files() ? doc->embedded_files()
                                     : std::vector<poppler::embedded_file*>()) {
        ++k;
        if (file == nullptr || !file->is_valid()) continue;
        if (!budget().CheckTime() || !budget().TakeMember()) {
          MarkPartial(out[idx], budget().reason());
          break;
        }
        std::string name = CarriedFileName(file->name());
        if (name.empty()) name = "attachment-" + std::to_string(k);
        name = names.Take(name);
        size_t m = AddMember(name, idx, file->size(), out[idx].mtime_ns, out);
        if (!NestingAllowed(depth + 1, out[m])) continue;
        if (!bounded || file->size() > static_cast<int64_t>(limits().max_buffered_member)) {
          MarkPartial(out[m], pages_fit ? "limit_size" : "limit_bytes",
                      "attached file not measured within the in-memory limit (" +
                          std::to_string(limits().max_buffered_member) + " bytes)");
          continue;
        }
        poppler::byte_array data = file->data();
        formats::MemorySource src(std::string_view(data.data(), data.size()));
        Process(src, name, m, depth + 1, out);
        out[m].size = data.size();
        if (budget().exhausted()) {
          MarkPartial(out[idx], budget().reason());
          break;
        }
      }
    }
  } catch (const std::exception&) {
    MarkPartial(out[idx], "corrupt", "PDF: poppler failed");
  }
  sink.Finish(out[idx]);
  if (out[idx].status == AssetStatus::kEncrypted) out[idx].bytes_scanned = 0;
}

}  // namespace phiscan::scanner
