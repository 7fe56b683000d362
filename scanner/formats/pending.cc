// Built without poppler-cpp: PDF files are recorded skipped(unsupported), so
// they are never reported clean. With poppler-cpp, formats/pdf.cc is built
// instead of this file.
#include "scanner/formats/extract_impl.h"

namespace phiscan::scanner {

void Extractor::Impl::Pdf(formats::PeekSource&, size_t idx, int, Records& out) {
  out[idx].status = AssetStatus::kSkipped;
  out[idx].reason = "unsupported";
  out[idx].detail = "PDF (built without poppler-cpp)";
}
bool Extractor::PdfSupported() { return false; }

}  // namespace phiscan::scanner
