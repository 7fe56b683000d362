#include "tools/output.h"

#include <charconv>
#include <cerrno>
#include <cstring>
#include <iostream>

#include <algorithm>
#include <cstdint>
#include <ctime>
#include <utility>

#include "common/escape.h"

namespace phiscan::tools {

using nlohmann::json;

std::optional<Format> ParseFormat(std::string_view name) {
  if (name == "table") return Format::kTable;
  if (name == "json") return Format::kJson;
  if (name == "jsonl") return Format::kJsonl;
  if (name == "csv") return Format::kCsv;
  return std::nullopt;
}

json PathValue(std::string_view raw) { return EscapeBytes(raw); }

json OptionalPathValue(const std::optional<std::string>& raw) {
  return raw ? PathValue(*raw) : json(nullptr);
}

json IsoSeconds(int64_t secs) {
  const time_t t = static_cast<time_t>(secs);
  tm utc{};
  if (gmtime_r(&t, &utc) == nullptr) return nullptr;
  const int64_t year = int64_t{utc.tm_year} + 1900;
  if (year < 0 || year > 9999) {  // more than four digits: strftime's way
    char buf[64];
    if (std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &utc) == 0) return nullptr;
    return std::string(buf);
  }
  // Written by hand: strftime consults the locale on every call, and a
  // large listing calls it once a row. Years below 1000 get their four
  // digits, as ISO 8601 has them (strftime wrote "394-04-18...").
  std::string text = "0000-00-00T00:00:00Z";
  auto put = [&](size_t end, int64_t v) {
    for (size_t i = end; v > 0; v /= 10) text[--i] = static_cast<char>('0' + v % 10);
  };
  put(4, year);
  put(7, utc.tm_mon + 1);
  put(10, utc.tm_mday);
  put(13, utc.tm_hour);
  put(16, utc.tm_min);
  put(19, utc.tm_sec);
  return text;
}

std::string TerminalSafe(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<uint8_t>(s[i]);
    bool c1 = c == 0xC2 && i + 1 < s.size() && static_cast<uint8_t>(s[i + 1]) < 0xA0 &&
              static_cast<uint8_t>(s[i + 1]) >= 0x80;
    if (c < 0x20 || c == 0x7F || c1) {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
      if (c1) {
        ++i;
        c = static_cast<uint8_t>(s[i]);
        out += "\\x";
        out += kHex[c >> 4];
        out += kHex[c & 0xF];
      }
      continue;
    }
    out += s[i];
  }
  return out;
}

Status FlushStandardOutput() {
  errno = 0;
  std::cout.flush();
  if (!std::cout.fail()) return Status::Ok();
  // errno tells why only when this flush was the write that failed; the
  // stream keeps no reason for an earlier one.
  const int err = errno;
  return Status::IoError(std::string("cannot write standard output: ") +
                         (err != 0 ? std::strerror(err) : "a write failed") +
                         "; the output is incomplete");
}

namespace {

// Compact JSON. Strings that break the valid-UTF-8 contract get U+FFFD
// instead of throwing halfway through a report.
std::string Dump(const json& v) { return v.dump(-1, ' ', false, json::error_handler_t::replace); }

// Appends `s` as a JSON string if it is printable ASCII, as Dump would
// write it; false (and nothing appended) otherwise, for Dump to check its
// UTF-8 and escape it.
bool AppendAsciiString(const std::string& s, std::string& out) {
  for (char c : s) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte > 0x7E) return false;
  }
  out += '"';
  size_t plain = 0;  // start of the run not yet appended
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '"' || s[i] == '\\') {
      out.append(s, plain, i - plain);
      out += '\\';
      plain = i;
    }
  }
  out.append(s, plain, std::string::npos);
  out += '"';
  return true;
}

// Appends `v` as compact JSON, as Dump does. Integers, booleans, null,
// ASCII strings and the objects and arrays made of them are written
// directly: the library's serializer is set up anew for every value, and
// that was a third of a large listing's formatting time.
void AppendJson(const json& v, std::string& out) {
  char digits[24];
  if (v.is_string() && AppendAsciiString(v.get_ref<const std::string&>(), out)) return;
  if (v.is_object()) {
    out += '{';
    bool first = true;
    for (const auto& [key, value] : v.items()) {
      if (!first) out += ',';
      first = false;
      if (!AppendAsciiString(key, out)) out += Dump(json(key));
      out += ':';
      AppendJson(value, out);
    }
    out += '}';
  } else if (v.is_array()) {
    out += '[';
    for (size_t i = 0; i < v.size(); ++i) {
      if (i > 0) out += ',';
      AppendJson(v[i], out);
    }
    out += ']';
  } else if (v.is_number_unsigned()) {
    auto r = std::to_chars(digits, digits + sizeof(digits), v.get<uint64_t>());
    out.append(digits, r.ptr);
  } else if (v.is_number_integer()) {
    auto r = std::to_chars(digits, digits + sizeof(digits), v.get<int64_t>());
    out.append(digits, r.ptr);
  } else if (v.is_boolean()) {
    out += v.get<bool>() ? "true" : "false";
  } else if (v.is_null()) {
    out += "null";
  } else {
    out += Dump(v);
  }
}

const json& Cell(const json& row, const std::string& column) {
  static const json kNull;
  if (!row.is_object()) return kNull;
  auto it = row.find(column);
  return it == row.end() ? kNull : *it;
}

// A cell as plain text: strings unquoted, everything else compact JSON.
std::string PlainText(const json& v, const char* null_text) {
  if (v.is_null()) return null_text;
  if (v.is_string()) return v.get_ref<const std::string&>();
  return Dump(v);
}

// Terminal columns taken by UTF-8 text, counting one per code point.
size_t DisplayWidth(const std::string& s) {
  return static_cast<size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<uint8_t>(c) & 0xC0) != 0x80; }));
}

std::string CsvField(std::string text, bool guard) {
  // A spreadsheet runs a cell that starts with one of these as a formula.
  if (guard && !text.empty() && std::string_view("=+-@\t\r").find(text[0]) != std::string::npos) {
    text.insert(text.begin(), '\'');
  }
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string CsvCell(const json& v) {
  // Numbers are ours and may be negative; only text can carry a formula.
  return CsvField(PlainText(v, ""), v.is_string());
}

}  // namespace

RowWriter::RowWriter(Format format, std::ostream& out, std::vector<std::string> columns)
    : format_(format),
      out_(out),
      columns_(std::move(columns)),
      has_number_(columns_.size(), false),
      has_text_(columns_.size(), false) {
  for (const std::string& c : columns_) json_keys_.push_back(Dump(json(c)) + ":");
  if (format_ == Format::kCsv) {
    // The header is written even when no row follows, so an empty result
    // is still a well-formed file with known columns.
    for (size_t i = 0; i < columns_.size(); ++i) {
      if (i > 0) out_ << ',';
      out_ << CsvField(columns_[i], true);
    }
    out_ << "\r\n";
  }
}

RowWriter::~RowWriter() {
  try {
    Finish();
  } catch (...) {
    // A destructor must not throw; the stream's state tells the caller.
  }
}

void RowWriter::Row(const json& row) {
  Write([&](size_t i) -> const json& { return Cell(row, columns_[i]); });
}

void RowWriter::RowCells(const std::vector<json>& cells) {
  Write([&](size_t i) -> const json& { return cells[i]; });
}

template <typename CellFn>
void RowWriter::Write(CellFn&& cell) {
  if (finished_) return;
  switch (format_) {
    case Format::kTable: {
      std::vector<std::string> cells;
      cells.reserve(columns_.size());
      for (size_t i = 0; i < columns_.size(); ++i) {
        const json& v = cell(i);
        if (v.is_number()) has_number_[i] = true;
        if (!v.is_number() && !v.is_null()) has_text_[i] = true;
        cells.push_back(TerminalSafe(PlainText(v, "-")));
      }
      table_rows_.push_back(std::move(cells));
      break;
    }
    case Format::kJson:
    case Format::kJsonl: {
      // Built by hand to keep the declared column order (json objects sort
      // their keys).
      std::string& line = line_;
      line.assign(1, '{');
      for (size_t i = 0; i < columns_.size(); ++i) {
        if (i > 0) line += ',';
        line += json_keys_[i];
        AppendJson(cell(i), line);
      }
      line += '}';
      if (format_ == Format::kJson) out_ << (first_ ? "[\n" : ",\n");
      if (format_ == Format::kJsonl) line += '\n';
      out_.write(line.data(), static_cast<std::streamsize>(line.size()));
      break;
    }
    case Format::kCsv: {
      for (size_t i = 0; i < columns_.size(); ++i) {
        if (i > 0) out_ << ',';
        out_ << CsvCell(cell(i));
      }
      out_ << "\r\n";
      break;
    }
  }
  first_ = false;
}

void RowWriter::Finish() {
  if (finished_) return;
  finished_ = true;
  if (format_ == Format::kJson) out_ << (first_ ? "[]\n" : "\n]\n");
  if (format_ == Format::kTable) {
    const size_t n = columns_.size();
    std::vector<size_t> width(n);
    std::vector<bool> numeric(n);
    for (size_t i = 0; i < n; ++i) {
      width[i] = DisplayWidth(columns_[i]);
      for (const auto& cells : table_rows_) width[i] = std::max(width[i], DisplayWidth(cells[i]));
      numeric[i] = has_number_[i] && !has_text_[i];
    }
    auto print = [&](const std::vector<std::string>& cells) {
      std::string line;
      for (size_t i = 0; i < n; ++i) {
        const std::string& text = cells[i];
        size_t pad = width[i] - DisplayWidth(text);
        if (i > 0) line += "  ";
        if (numeric[i]) line.append(pad, ' ');
        line += text;
        if (!numeric[i] && i + 1 < n) line.append(pad, ' ');
      }
      // A trailing empty cell would otherwise leave the separator behind.
      while (!line.empty() && line.back() == ' ') line.pop_back();
      out_ << line << '\n';
    };
    std::vector<std::string> header;
    for (const std::string& c : columns_) header.push_back(TerminalSafe(c));
    print(header);
    for (const auto& cells : table_rows_) print(cells);
    table_rows_.clear();
  }
  out_.flush();
}

}  // namespace phiscan::tools
