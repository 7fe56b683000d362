// Formats whose extractors are not written yet: recorded skipped(unsupported)
// so they are never reported clean.
#include "scanner/formats/extract_impl.h"

namespace phiscan::scanner {
namespace {
void Unsupported(AssetRecord& rec, const char* what) {
  rec.status = AssetStatus::kSkipped;
  rec.reason = "unsupported";
  rec.detail = what;
}
}  // namespace

void Extractor::Impl::Mail(formats::PeekSource&, size_t idx, int, Records& out) {
  Unsupported(out[idx], "mail");
}
void Extractor::Impl::Pdf(formats::PeekSource&, size_t idx, int, Records& out) {
  Unsupported(out[idx], "PDF (built without poppler-cpp)");
}
void Extractor::Impl::Dicom(formats::PeekSource&, size_t idx, int, Records& out) {
  Unsupported(out[idx], "DICOM");
}
bool Extractor::PdfSupported() { return false; }

}  // namespace phiscan::scanner
