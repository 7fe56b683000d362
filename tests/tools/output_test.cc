#include "tools/output.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace phiscan::tools {
namespace {

using nlohmann::json;

std::string Render(Format format, const std::vector<std::string>& columns,
                   const std::vector<json>& rows) {
  std::ostringstream out;
  {
    RowWriter writer(format, out, columns);
    for (const json& row : rows) writer.Row(row);
  }  // the destructor finishes
  return out.str();
}

std::vector<std::string> Lines(const std::string& text, const std::string& sep = "\n") {
  std::vector<std::string> lines;
  size_t start = 0;
  for (size_t pos; (pos = text.find(sep, start)) != std::string::npos; start = pos + sep.size()) {
    lines.push_back(text.substr(start, pos - start));
  }
  if (start < text.size()) lines.push_back(text.substr(start));
  return lines;
}

TEST_CASE("ParseFormat knows the four formats and nothing else") {
  CHECK(ParseFormat("table") == Format::kTable);
  CHECK(ParseFormat("json") == Format::kJson);
  CHECK(ParseFormat("jsonl") == Format::kJsonl);
  CHECK(ParseFormat("csv") == Format::kCsv);
  CHECK_FALSE(ParseFormat("xml").has_value());
  CHECK_FALSE(ParseFormat("CSV").has_value());
}

TEST_CASE("CSV cells that a spreadsheet would run as formulas are defused") {
  std::string out = Render(Format::kCsv, {"v"},
                           {{{"v", "=HYPERLINK(\"http://x\")"}},
                            {{"v", "+1"}},
                            {{"v", "-2"}},
                            {{"v", "@SUM(A1)"}},
                            {{"v", "\tcmd"}},
                            {{"v", "plain"}},
                            {{"v", -5}}});
  auto lines = Lines(out, "\r\n");
  REQUIRE(lines.size() == 8);
  CHECK(lines[0] == "v");
  CHECK(lines[1] == "\"'=HYPERLINK(\"\"http://x\"\")\"");
  CHECK(lines[2] == "'+1");
  CHECK(lines[3] == "'-2");
  CHECK(lines[4] == "'@SUM(A1)");
  CHECK(lines[5] == "'\tcmd");
  CHECK(lines[6] == "plain");
  CHECK(lines[7] == "-5");  // a number is data, not a formula
}

TEST_CASE("CSV follows RFC 4180 quoting, with a header and CRLF line ends") {
  std::string out = Render(
      Format::kCsv, {"path", "note", "count", "types"},
      {{{"path", "a,b.txt"}, {"note", "say \"hi\"\nbye"}, {"count", 3}, {"types", {{"US_SSN", 2}}}},
       {{"path", "c.txt"}, {"note", nullptr}, {"count", 0}}});
  CHECK(out ==
        "path,note,count,types\r\n"
        "\"a,b.txt\",\"say \"\"hi\"\"\nbye\",3,\"{\"\"US_SSN\"\":2}\"\r\n"
        "c.txt,,0,\r\n");
}

TEST_CASE("CSV with no rows is still a header line") {
  CHECK(Render(Format::kCsv, {"a", "b"}, {}) == "a,b\r\n");
}

TEST_CASE("JSONL is one parseable object per line, keys in column order") {
  std::string out = Render(Format::kJsonl, {"path", "member", "size"},
                           {{{"size", 10}, {"path", "x\ny"}, {"member", nullptr}},
                            {{"path", "z"}, {"size", 2}, {"extra", "dropped"}}});
  auto lines = Lines(out);
  REQUIRE(lines.size() == 2);
  CHECK(lines[0] == R"({"path":"x\ny","member":null,"size":10})");
  CHECK(lines[1] == R"({"path":"z","member":null,"size":2})");
  for (const auto& line : lines) CHECK(json::parse(line).is_object());
}

// AppendJson writes plain ASCII strings, and the objects and arrays made of
// them, itself; everything else goes through the library. Either way a
// cell must read exactly as the library's own dump of it.
TEST_CASE("JSONL cells are written exactly as the JSON library writes them") {
  const std::vector<json> cells = {
      "plain",
      R"(quote " and backslash \ and \\ twice)",
      "tab\tnewline\ncontrol\x01 del\x7f",
      "caf\xc3\xa9 \xe2\x82\xac",
      "bad \xff utf-8",
      "",
      json::object(),
      {{"b", 1}, {"a", "x\"y"}, {"\xc3\xa9", "k"}, {"ctl\x02", nullptr}},
      json::array({1, -2, "\xc3\xa9", nullptr, true, json::array({"\\"}), 1.5}),
      18446744073709551615ull,
      -9223372036854775807ll - 1,
      false,
  };
  std::vector<std::string> columns;
  json row = json::object();
  std::string expected = "{";
  for (size_t i = 0; i < cells.size(); ++i) {
    columns.push_back("c" + std::to_string(i));
    row[columns.back()] = cells[i];
    if (i > 0) expected += ",";
    expected += "\"" + columns.back() +
                "\":" + cells[i].dump(-1, ' ', false, json::error_handler_t::replace);
  }
  expected += "}";
  auto lines = Lines(Render(Format::kJsonl, columns, {row}));
  REQUIRE(lines.size() == 1);
  CHECK(lines[0] == expected);
  CHECK(json::parse(lines[0])["c4"] == "bad \xef\xbf\xbd utf-8");
}

TEST_CASE("IsoSeconds writes UTC times in ISO 8601, null when out of range") {
  CHECK(IsoSeconds(0) == "1970-01-01T00:00:00Z");
  CHECK(IsoSeconds(1'795'987'993) == "2026-11-29T21:33:13Z");
  CHECK(IsoSeconds(951'782'400) == "2000-02-29T00:00:00Z");
  CHECK(IsoSeconds(-1) == "1969-12-31T23:59:59Z");
  CHECK(IsoSeconds(-62'167'219'200) == "0000-01-01T00:00:00Z");
  CHECK(IsoSeconds(-49'724'444'319) == "0394-04-18T14:21:21Z");  // four digits, as ISO 8601
  CHECK(IsoSeconds(253'402'300'799) == "9999-12-31T23:59:59Z");
  CHECK(IsoSeconds(253'402'300'800) == "10000-01-01T00:00:00Z");
  CHECK(IsoSeconds(INT64_MAX).is_null());
}

TEST_CASE("JSON is a single array that parses, also when empty") {
  std::string out = Render(Format::kJson, {"a"}, {{{"a", 1}}, {{"a", "two"}}});
  json parsed = json::parse(out);
  REQUIRE(parsed.is_array());
  REQUIRE(parsed.size() == 2);
  CHECK(parsed[1]["a"] == "two");
  CHECK(json::parse(Render(Format::kJson, {"a"}, {})) == json::array());
}

TEST_CASE("Table columns line up, numbers to the right, nulls as a dash") {
  std::string out =
      Render(Format::kTable, {"path", "size", "label", "types"},
             {{{"path", "/r/a.txt"}, {"size", 5}, {"label", "PHI"}, {"types", {{"US_SSN", 2}}}},
              {{"path", "/r/longer-name.csv"},
               {"size", 12345},
               {"label", nullptr},
               {"types", json::object()}}});
  auto lines = Lines(out);
  REQUIRE(lines.size() == 3);
  CHECK(lines[0] == "path" + std::string(17, ' ') + "size  label  types");
  CHECK(lines[1] == "/r/a.txt" + std::string(16, ' ') + "5  PHI    {\"US_SSN\":2}");
  CHECK(lines[2] == "/r/longer-name.csv  12345  -      {}");
}

TEST_CASE("Table width counts characters, not bytes, and control bytes cannot reach the terminal") {
  std::string out = Render(Format::kTable, {"name", "n"},
                           {{{"name", "caf\xc3\xa9"}, {"n", 1}},
                            {{"name", "ab\x1b[2Jc"}, {"n", 2}},
                            {{"name", "xy"}, {"n", 3}}});
  auto lines = Lines(out);
  REQUIRE(lines.size() == 4);
  CHECK(out.find('\x1b') == std::string::npos);
  CHECK(lines[1] == "caf\xc3\xa9" + std::string(8, ' ') + "1");  // 4 columns wide, not 5 bytes
  CHECK(lines[2] == "ab\\x1b[2Jc  2");
  CHECK(lines[3] == "xy" + std::string(10, ' ') + "3");
}

TEST_CASE("Escaped paths survive every format intact and on one line") {
  const std::string raw = "/srv/Doe\nJohn\xff.csv";
  CHECK(PathValue(raw) == "/srv/Doe\\nJohn\\xff.csv");
  CHECK(PathValue("back\\slash") == "back\\\\slash");
  CHECK(OptionalPathValue(std::nullopt).is_null());
  CHECK(OptionalPathValue(std::string("m\x01")) == "m\\x01");

  const json row = {{"path", PathValue(raw)}};
  // Table and CSV show the escape verbatim, after a header line.
  for (Format f : {Format::kTable, Format::kCsv}) {
    std::string out = Render(f, {"path"}, {row});
    INFO(out);
    auto lines = Lines(out, f == Format::kCsv ? "\r\n" : "\n");
    REQUIRE(lines.size() == 2);
    CHECK(lines[1] == "/srv/Doe\\nJohn\\xff.csv");
  }
  // JSONL escapes the backslashes once more; parsing gives the escape back.
  std::string jsonl = Render(Format::kJsonl, {"path"}, {row});
  REQUIRE(Lines(jsonl).size() == 1);
  CHECK(json::parse(jsonl)["path"] == "/srv/Doe\\nJohn\\xff.csv");
}

TEST_CASE("TerminalSafe escapes control characters but not backslashes") {
  CHECK(TerminalSafe("a\nb\x1b[31m") == "a\\x0ab\\x1b[31m");
  CHECK(TerminalSafe("csi\xc2\x9b"
                     "2J") == "csi\\xc2\\x9b2J");  // C1 CSI, UTF-8 encoded
  CHECK(TerminalSafe("already\\nescaped caf\xc3\xa9") == "already\\nescaped caf\xc3\xa9");
}

TEST_CASE("Finish is idempotent and rows after it are ignored") {
  std::ostringstream out;
  RowWriter writer(Format::kJson, out, {"a"});
  writer.Row({{"a", 1}});
  writer.Finish();
  writer.Row({{"a", 2}});
  writer.Finish();
  CHECK(json::parse(out.str()).size() == 1);
}

}  // namespace
}  // namespace phiscan::tools
