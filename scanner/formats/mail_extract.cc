// Mail (.eml, mbox): headers and inline text bodies are the message's own
// text; every other leaf part (a named file, a non-text part, an attached
// message) is a member, recursed into like an archive member.
//
// Member names: an .eml's attachment is its file name ("scan.pdf"); in an
// mbox each message is a member "msg-N" (N counted from 1), and its
// attachments "msg-N/<file name>". A part without a file name is
// "part-K" (K: its leaf part number in the message; "part-K.eml" for an
// attached message); a name used twice in one message gets "part-K-" in
// front. Path separators and '!' in names are replaced by '_'. Offsets are in
// the extracted text ("Name: value" lines for headers, then the bodies).
#include <cstring>
#include <set>

#include "scanner/formats/extract_impl.h"
#include "scanner/formats/mail.h"
#include "scanner/formats/structured.h"

namespace phiscan::scanner {
namespace {

namespace mail = formats::mail;

// Transport and structure headers: machine data, never shown as text.
bool SkipHeader(std::string_view name) {
  auto is = [&](std::string_view h) {
    if (name.size() < h.size()) return false;
    for (size_t i = 0; i < h.size(); ++i) {
      char c = name[i];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      if (c != h[i]) return false;
    }
    return true;
  };
  auto exact = [&](std::string_view h) { return name.size() == h.size() && is(h); };
  return exact("received") || exact("received-spf") || exact("dkim-signature") ||
         exact("domainkey-signature") || is("arc-") || exact("authentication-results") ||
         exact("message-id") || exact("references") || exact("in-reply-to") ||
         exact("mime-version") || is("content-") || exact("date") || is("x-ms-exchange-") ||
         is("x-google-") || exact("list-unsubscribe");
}

bool AddressHeader(std::string_view name) {
  std::string n(name);
  for (char& c : n) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return n == "from" || n == "to" || n == "cc" || n == "bcc" || n == "reply-to" || n == "sender" ||
         n == "delivered-to" || n == "return-path";
}

bool SubjectHeader(std::string_view name) {
  return name.size() == 7 && (name[0] == 'S' || name[0] == 's') && name.substr(1) == "ubject";
}

// Stops reading a top-level message at ScanLimits::max_file_size.
class CappedSource : public formats::ByteSource {
 public:
  CappedSource(formats::ByteSource& inner, uint64_t cap) : inner_(inner), cap_(cap) {}
  Result<size_t> Read(std::span<char> buf) override {
    if (cap_ > 0 && read_ >= cap_) {
      char probe;
      auto more = inner_.Read({&probe, 1});
      if (more.ok() && more.value() > 0) return Status::LimitExceeded(SizeLimitDetail(cap_));
      return more;
    }
    if (cap_ > 0 && buf.size() > cap_ - read_) buf = buf.first(cap_ - read_);
    auto n = inner_.Read(buf);
    if (n.ok()) read_ += n.value();
    return n;
  }

 private:
  formats::ByteSource& inner_;
  uint64_t cap_;
  uint64_t read_ = 0;
};

std::string MemberName(const mail::Part& p, std::set<std::string>& used) {
  std::string base = p.filename;
  size_t slash = base.find_last_of("/\\");
  if (slash != std::string::npos) base = base.substr(slash + 1);
  for (char& c : base) {
    if (c == '!' || static_cast<unsigned char>(c) < 0x20) c = '_';
  }
  if (base.size() > 255) base.resize(255);
  std::string part = "part-" + std::to_string(p.index);
  if (base.empty() || base == "." || base == "..") {
    base = part + (p.media_type == "message/rfc822" ? ".eml" : "");
  }
  if (!used.insert(base).second) {
    base = part + "-" + base;
    used.insert(base);
  }
  return base;
}

// An attachment's decoded bytes, pulled from the MIME reader until its part
// ends, charged to the budget like an archive member's.
class PartSource : public formats::ByteSource {
 public:
  PartSource(mail::MimeReader& reader, Budget& budget) : reader_(reader), budget_(budget) {}

  Result<size_t> Read(std::span<char> buf) override {
    while (pos_ >= data_.size()) {
      if (ended_) return size_t{0};
      if (!budget_.CheckTime() || budget_.exhausted()) {
        return Status::LimitExceeded(std::string("budget: ") + budget_.reason());
      }
      auto n = reader_.Next();
      if (!n.ok()) {
        ended_ = true;
        error_ = n.status();
        return n.status();
      }
      if (!n.value() || reader_.kind() != mail::EventKind::kBody) {
        ended_ = true;  // kPartEnd (or the end of the input)
        return size_t{0};
      }
      data_ = reader_.data();
      pos_ = 0;
      bytes_ += data_.size();
      if (!budget_.ChargeBytes(data_.size())) {
        return Status::LimitExceeded(std::string("budget: ") + budget_.reason());
      }
    }
    size_t n = std::min(buf.size(), data_.size() - pos_);
    std::memcpy(buf.data(), data_.data() + pos_, n);
    pos_ += n;
    return n;
  }

  // Reads what the member's extractor left unread, up to the part's end.
  Status Drain() {
    char scratch[4096];
    for (;;) {
      auto n = Read({scratch, sizeof scratch});
      if (!n.ok()) return n.status();
      if (n.value() == 0) return error_;
    }
  }
  uint64_t bytes() const { return bytes_; }

 private:
  mail::MimeReader& reader_;
  Budget& budget_;
  std::string_view data_;
  size_t pos_ = 0;
  bool ended_ = false;
  uint64_t bytes_ = 0;
  Status error_;
};

}  // namespace

void Extractor::Impl::Mail(formats::PeekSource& in, size_t idx, int depth, Records& out) {
  CappedSource capped(in, limits_.max_file_size);
  mail::MimeReader reader(capped, limits_.max_structure_depth);
  std::optional<formats::TextSink> sink;
  size_t msg = idx;  // the record whose text is being written
  int msg_depth = depth;
  uint64_t msg_start = 0;
  std::set<std::string> used;
  std::optional<TextDecoder> decoder;
  std::unique_ptr<formats::StructuredText> markup;
  bool stop = false;

  auto close_message = [&] {
    if (!sink) return;
    sink->Finish(out[msg]);
    sink.reset();
    if (msg != idx) out[msg].size = reader.raw_position() - msg_start;
  };
  auto ensure_message = [&] {
    if (sink) return;
    sink.emplace(MatcherAt(msg_depth), *budget_, limits_.max_locators);
    sink->ReportTextOffsets();
  };
  auto stop_all = [&](const std::string& reason) {
    MarkPartial(out[msg], reason);
    MarkPartial(out[idx], reason);
  };

  for (;;) {
    auto next = reader.Next();
    if (!next.ok()) {
      MarkFailure(out[msg], next.status(), sink && sink->position() > 0);
      if (msg != idx) MarkFailure(out[idx], next.status(), true);
      break;
    }
    if (!next.value()) break;
    switch (reader.kind()) {
      case mail::EventKind::kMessage: {
        close_message();
        if (!budget_->TakeMember()) {
          MarkPartial(out[idx], budget_->reason());
          msg = idx;
          stop = true;
          break;
        }
        msg =
            AddMember("msg-" + std::to_string(reader.message()), idx, 0, out[idx].mtime_ns, out);
        msg_depth = depth + 1;
        msg_start = reader.raw_position();
        used.clear();
        ensure_message();
        break;
      }
      case mail::EventKind::kHeader: {
        ensure_message();
        if (reader.header_depth() != 0 || SkipHeader(reader.name())) break;
        std::string value = mail::DecodeEncodedWords(reader.value());
        sink->Synthetic(reader.name(), sink->position());
        sink->Synthetic(": ", sink->position());
        uint64_t start = sink->position();
        TextDecoder d(TextEncoding::kUtf8);
        d.Decode(value, *sink);
        d.Finish(*sink);
        uint64_t end = sink->position();
        if (AddressHeader(reader.name())) {
          sink->Field(start, end, "email");
          sink->Field(start, end, "name");
        } else if (!SubjectHeader(reader.name())) {
          sink->Field(start, end, reader.name());
        }
        sink->Synthetic("\n", end);
        break;
      }
      case mail::EventKind::kPart: {
        ensure_message();
        const mail::Part& p = reader.part();
        if (!p.attachment) {
          sink->Synthetic("\n", sink->position());
          decoder.emplace(mail::CharsetEncoding(p.charset));
          if (p.media_type == "text/html") {
            markup = formats::MakeMarkup(*sink, formats::MarkupMode::kHtml, limits_);
          }
          break;
        }
        std::string name = MemberName(p, used);
        if (!budget_->TakeMember()) {
          stop_all(budget_->reason());
          stop = true;
          break;
        }
        std::string member =
            msg == idx ? name : "msg-" + std::to_string(reader.message()) + "/" + name;
        size_t a = AddMember(member, idx, 0, out[msg].mtime_ns, out);
        PartSource ps(reader, *budget_);
        if (!budget_->DepthAllowed(msg_depth + 1)) {
          MarkPartial(out[a], "limit_depth",
                      "container nested deeper than " + std::to_string(limits_.max_depth));
        } else {
          Process(ps, name, a, msg_depth + 1, out);
        }
        Status drained = ps.Drain();
        out[a].size = ps.bytes();
        if (!drained.ok()) MarkFailure(out[msg], drained, true);
        if (budget_->exhausted()) {
          stop_all(budget_->reason());
          stop = true;
          break;
        }
        break;
      }
      case mail::EventKind::kBody: {
        if (!decoder) break;
        if (!budget_->ChargeBytes(reader.data().size())) {
          stop_all(budget_->reason());
          stop = true;
          break;
        }
        TextConsumer& consumer = markup ? static_cast<TextConsumer&>(*markup) : *sink;
        decoder->Decode(reader.data(), consumer);
        break;
      }
      case mail::EventKind::kUnclosed:
        MarkPartial(out[msg], "corrupt",
                    "the message ends before the closing boundary of a multipart");
        break;
      case mail::EventKind::kPartEnd: {
        if (decoder) {
          TextConsumer& consumer = markup ? static_cast<TextConsumer&>(*markup) : *sink;
          decoder->Finish(consumer);
          if (markup) markup->End();
          sink->Synthetic("\n", sink->position());
        }
        decoder.reset();
        markup.reset();
        break;
      }
    }
    if (stop) break;
    if ((sink && sink->stopped()) || !budget_->CheckTime()) {
      if (budget_->exhausted()) stop_all(budget_->reason());
      break;
    }
  }
  markup.reset();
  if (!sink && msg == idx) ensure_message();
  close_message();
  if (budget_->exhausted()) MarkPartial(out[idx], budget_->reason());
}

}  // namespace phiscan::scanner
