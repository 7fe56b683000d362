// Field-aware formats: values whose only keyword is the field that holds
// them (a CSV header, a JSON key, an HL7 field, an X12 qualifier, a C-CDA
// OID) are found; the same values under a neutral name are not; markup is
// stripped and entities decoded with offsets still pointing at the source.
#include <algorithm>
#include <cstring>
#include <map>
#include <set>
#include <tuple>

#include <catch2/catch.hpp>

#include "scanner/formats/number_format.h"
#include "scanner/formats/sniff.h"
#include "scanner/formats/xlsb.h"
#include "scanner/formats/xlsx.h"
#include "tests/scanner/extract_fixture.h"

using namespace phiscan;
using namespace phiscan::testing;

namespace {

// Neutral text longer than the 300-byte evidence window.
std::string Far() {
  std::string s;
  for (int i = 0; i < 5; ++i) {
    s += "The care team reviewed the plan with the family and agreed on the next steps. ";
  }
  return s;
}

std::map<std::string, uint64_t> Types(std::string_view bytes, std::string_view name) {
  auto recs = ExtractMemory(bytes, name);
  REQUIRE(recs.size() == 1);
  CHECK(StatusOf(recs[0]) == "complete");
  return TypeCounts(recs[0]);
}

using Counts = std::map<std::string, uint64_t>;

// The findings of `types` as "TYPE value score", the value cut from `bytes`
// by the finding's offsets, in offset order: type, span and confidence at
// once.
std::vector<std::string> Findings(std::string_view bytes, std::string_view name,
                                  const std::set<std::string>& types,
                                  const scanner::ScanLimits& limits = {}) {
  auto recs = ExtractMemory(bytes, name, limits);
  REQUIRE(recs.size() == 1);
  CHECK(StatusOf(recs[0]) == "complete");
  auto found = recs[0].findings;
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) {
    return std::tie(a.start, a.type_id) < std::tie(b.start, b.type_id);
  });
  std::vector<std::string> out;
  for (const auto& f : found) {
    if (!types.contains(f.type_id)) continue;
    out.push_back(f.type_id + " " + std::string(bytes.substr(f.start, f.end - f.start)) + " " +
                  std::to_string(f.score));
  }
  return out;
}

using Lines = std::vector<std::string>;

}  // namespace

TEST_CASE("CSV: the column header is evidence; quoting is understood") {
  std::string rows = "id,\"free, text\",SSN\n1,\"" + Far() + "\",\n" +
                     "2,\"quoted \"\"cell\"\"\nover two lines, " + Far() + "\",536228726\n";
  CHECK(Types(rows, "export.csv") == Counts{{"US_SSN", 1}});
  std::string neutral = rows;
  neutral.replace(neutral.find("SSN"), 3, "ref");
  CHECK(Types(neutral, "export.csv").empty());
  // Offsets are the file's own.
  auto recs = ExtractMemory(rows, "export.csv");
  REQUIRE(recs[0].findings.size() == 1);
  CHECK(rows.substr(recs[0].findings[0].start, 9) == "536228726");
}

TEST_CASE("CSV: in a table of names and values, a value is named by its row's name") {
  // Entity-attribute-value exports (record_id,field,value): the value
  // column was named "value" alone, so a bare SSN, a name and a password
  // under their names were read as text without context.
  const std::string eav =
      "record_id,field,value,note\nr1,Diagnosis,Type 2 diabetes,\n"
      "r2,Patient Name,Corwin Thornbury,copied from referral\nr3,SSN,536228726,\n"
      "r4,\"DB Password\",Qz7vT2mWk9xL,\n"
      // A whole-name field's value that names no one.
      "r6,Patient Name,Discharge Summary,\n";
  CHECK(Findings(eav, "export.csv", {"PERSON_NAME", "US_SSN", "GENERIC_PASSWORD"}) ==
        Lines{"PERSON_NAME Corwin Thornbury 75", "US_SSN 536228726 85",
              "GENERIC_PASSWORD Qz7vT2mWk9xL 75"});
  // name,value and question,answer are such tables too; a table whose
  // "name" column has no value column after it is not.
  CHECK(Types("name,value\nssn,536228726\n", "settings.csv") == Counts{{"US_SSN", 1}});
  CHECK(Types("question,answer\nSocial Security Number,536228726\n", "intake.csv") ==
        Counts{{"US_SSN", 1}});
  CHECK(Types("name,ref\nssn,536228726\n", "list.csv").empty());
}

TEST_CASE("CSV: HR and EHR billing exports' abbreviated column names") {
  using Lines = std::vector<std::string>;
  const std::string hr =
      "EmpID,SS_NUM,SSNO,SOCSEC,SSN_TIN\n100234,536228726,412557623,536-22-8726,523448812\n";
  CHECK(Findings(hr, "hr.csv", {"US_SSN"}) == Lines{"US_SSN 536228726 85", "US_SSN 412557623 85",
                                                    "US_SSN 536-22-8726 85",
                                                    "US_SSN 523448812 85"});
  const std::string billing =
      "PAT_ACCT_NUM,PT_LNAME,PT_FNAME,PHONE_HOME,PRIM_INS_ID,GUAR_ACCT\n"
      "A6650014,Johnson,Mary,4403836866,ZGP553318092,G7781234\n";
  CHECK(
      Findings(billing, "ar.csv", {"PATIENT_ACCOUNT", "PERSON_NAME", "PHONE", "HEALTH_PLAN_ID"}) ==
      Lines{"PATIENT_ACCOUNT A6650014 85", "PERSON_NAME Johnson 75", "PERSON_NAME Mary 75",
            "PHONE 4403836866 85", "HEALTH_PLAN_ID ZGP553318092 85",
            "PATIENT_ACCOUNT G7781234 85"});
  // The same values under neutral names are none of these.
  CHECK(Findings("A,B,C,D,E\nA6650014,Johnson,Mary,2025550143,ZGP553318092\n", "ar.csv",
                 {"PATIENT_ACCOUNT", "PERSON_NAME", "PHONE", "HEALTH_PLAN_ID"})
            .empty());
}

TEST_CASE("TSV detected by structure, without an extension") {
  std::string rows = "name\tnote\tnpi\nA\t" + Far() + "\t\nB\t" + Far() + "\t1234567893\nC\tx\t\n";
  CHECK(Types(rows, "export") == Counts{{"US_NPI", 1}});
}

TEST_CASE("Semicolon- and pipe-delimited exports: the column header is evidence") {
  // Europe's CSV (',' is the decimal mark) and the pipe-delimited extracts
  // of claims and lab systems, with or without a .csv name.
  for (char d : {';', '|'}) {
    const std::string s(1, d);
    std::string rows = "name" + s + "note" + s + "ssn\n" + "Doe, Jane" + s + Far() + s + "\n" +
                       "Roe, Rick" + s + Far() + s + "536228726\n" + "Poe, Ann" + s + "x" + s + "\n";
    CHECK(Types(rows, "export.csv") == Counts{{"US_SSN", 1}});
    CHECK(Types(rows, "extract.txt") == Counts{{"US_SSN", 1}});
    std::string neutral = rows;
    neutral.replace(neutral.find("ssn"), 3, "ref");
    CHECK(Types(neutral, "export.csv").empty());
  }
  // Prose whose lines happen to hold a ';' or '|' each is no table unless
  // every line has the same number.
  std::string prose = "Seen today; stable.\nPlan: rest | fluids; recheck.\n" + Far() + "\n" +
                      "Reference 536228726\n";
  CHECK(Types(prose, "note.txt").empty());
}

TEST_CASE("CSV: a title or blank line above the header leaves the header naming the columns") {
  // Exports open with a title padded with delimiters, a run date or a blank
  // line. Taken for the header, it left the columns unnamed (a date of birth
  // a DATE, a bare SSN missed) and made the title's run date a DATE_OF_BIRTH
  // by the header's "DOB" under it. Far() keeps the second row out of reach
  // of the header's keywords: only its columns' names say what it holds.
  const std::set<std::string> types{"DATE_OF_BIRTH", "DATE", "US_SSN", "MRN"};
  const std::string table = "MRN,Name,DOB,SSN,Note\n"
                            "00482913,Jane Roe,04/17/1962,536228726," + Far() + "\n"
                            "00482914,John Doe,09/02/1975,536228726,ok\n";
  const Lines rows{"MRN 00482913 85", "DATE_OF_BIRTH 04/17/1962 85", "US_SSN 536228726 85",
                   "MRN 00482914 85", "DATE_OF_BIRTH 09/02/1975 85", "US_SSN 536228726 85"};
  CHECK(Findings(table, "extract.csv", types) == rows);
  for (const std::string lead : {"Riverside Health - Patient Extract run 03/12/2024,,,,\n",
                                 "\"Riverside Health, Patient Extract run 03/12/2024\"\n",
                                 "\n", "Patient Extract\nRun date: 03/12/2024\n\n"}) {
    for (const char* name : {"extract.csv", "extract.txt"}) {
      // Only a title padded to the table's width makes a table of a file
      // without the .csv name.
      if (std::string_view(name) == "extract.txt" && lead.find(",,,,") == std::string::npos) {
        continue;
      }
      INFO(lead << name);
      // The run date is no one's birth (nor a DATE: a birth keyword within
      // reach, the header's DOB, rules that out, as for any date).
      CHECK(Findings(lead + table, name, types) == rows);
    }
  }
  // Under a tab-separated table's title too.
  std::string tsv = "Patient Extract\t\t\t\t\n" + table;
  std::replace(tsv.begin(), tsv.end(), ',', '\t');
  CHECK(Findings(tsv, "extract.tsv", types) == rows);
}

TEST_CASE("CSV: a headerless table's first rows are not taken for a header") {
  using phiscan::scanner::formats::SniffHeaderRow;
  CHECK(SniffHeaderRow("MRN,DOB\n00482913,04/17/1962\n", ',') == 0);
  CHECK(SniffHeaderRow("Extract,\nMRN,DOB\n00482913,04/17/1962\n", ',') == 1);
  CHECK(SniffHeaderRow("\n\n\nMRN,DOB\n00482913,04/17/1962\n", ',') == 3);
  // A header further down than three rows is taken for data.
  CHECK(SniffHeaderRow("\n\n\n\nMRN,DOB\n00482913,04/17/1962\n", ',') == 0);
  // Rows of values, or of names above names, under a title: no header.
  CHECK(SniffHeaderRow("Extract,,\n00482913,04/17/1962,x\n00482914,09/02/1975,y\n", ',') == 0);
  CHECK(SniffHeaderRow("\nJane Roe,Springfield\nJohn Doe,Shelbyville\n", ',') == 0);
  // An identifier (more digits than letters) or a sentence is no column name.
  CHECK(SniffHeaderRow("Extract,\nMRN0048291,Jane Roe\n00482914,John Doe\n", ',') == 0);
  const std::string note =
      "Seen today for her blood pressure; stable on the plan agreed with her and her daughter";
  CHECK(SniffHeaderRow("\nJane Roe," + note + "\n00482913,ok\n", ',') == 0);
  // A row wider than the one it would name, or mostly empty, is no header.
  CHECK(SniffHeaderRow("Extract\nMRN,DOB\n00482913,04/17/1962,x\n", ',') == 0);
  CHECK(SniffHeaderRow("Extract\nMRN,,,,DOB\n00482913,,,,04/17/1962\n", ',') == 0);
  // A quoted line end or delimiter is inside a cell, as the reader reads it.
  CHECK(SniffHeaderRow("\"Extract\n\"\"run\"\", 3\"\nMRN,DOB\n00482913,04/17/1962\n", ',') == 1);
  // A header with no row under it in the sample is not known for one.
  CHECK(SniffHeaderRow("Extract\nMRN,DOB", ',') == 0);
}

TEST_CASE("Markdown: a table under a heading or prose has its header name its columns") {
  // A heading or a line of prose above a table made the file plain text
  // (no delimiter was on every line): its header cells named nothing, and
  // a bare record number under "MRN" was missed. Each table has its own
  // header; a line without a '|' ends a table.
  const std::set<std::string> types{"MRN", "US_SSN"};
  const std::string table = "| MRN | Name | SSN |\n|---|:---|---:|\n"
                            "| 00482913 | Jane Roe | 536228726 |\n";
  const Lines found{"MRN 00482913 85", "US_SSN 536228726 85"};
  for (const std::string lead : {"# Clinic roster\n\n", "Patients seen this week:\n",
                                 "# Roster\n\nSeen this week | ward 4\n\n"}) {
    for (const char* name : {"roster.md", "roster.txt", "roster"}) {
      INFO(lead << name);
      CHECK(Findings(lead + Far() + "\n\n" + table, name, types) == found);
    }
  }
  // Two tables, each under its own header (read under the first's, the
  // SSN would be an MRN), with the outer pipes or without them. A line
  // without a '|' ends a table: the record number on it is no MRN.
  const std::string two = "# Roster\n\n" + table + "Printed 00482916\n" + Far() + "\n\n" +
                          "| SSN | Ref |\n--- | ---\n536228726 | 00482914\n" + Far() + "\n";
  CHECK(Findings(two, "roster.md", types) ==
        Lines{"MRN 00482913 85", "US_SSN 536228726 85", "US_SSN 536228726 85"});
  // A .md file's table past the first 8 KiB (the sniffed sample).
  std::string long_prose;
  for (int i = 0; i < 25; ++i) long_prose += Far() + "\n";
  CHECK(Findings(long_prose + "\n" + table, "roster.md", types) == found);
  // A setext heading's underline, a delimiter row of another number of
  // cells, or a row with a '-' in a word makes no table.
  for (const char* name : {"notes.md", "notes.txt"}) {
    for (const char* under : {"---\n", "| --- |\n", "| Roe-Smith | x |\n"}) {
      INFO(name << " " << under);
      CHECK(Findings(std::string("MRN | SSN\n") + under + "00482913 | x\n", name, types).empty());
    }
  }
  // Nor does it take a pipe-delimited export for one: its header still names
  // the columns.
  CHECK(Findings("MRN|Name|SSN\n|---|---\n00482913|Jane Roe|x\n", "export.txt", types) ==
        Lines{"MRN 00482913 85"});
}

TEST_CASE("JSON: keys name values; FHIR identifier systems and telecom") {
  std::string fhir = R"({"resourceType":"Patient","text":")" + Far() +
                     R"(","identifier":[{"system":"http://hl7.org/fhir/sid/us-ssn","value":"536228726"}],)"
                     R"("telecom":[{"system":"phone","value":"2025550143"}]})";
  auto t = Types(fhir, "p.json");
  CHECK(t.count("US_SSN") == 1);
  std::string plain = R"({"note":")" + Far() + R"(","code":"536228726"})";
  CHECK(Types(plain, "p.json").empty());
  std::string nd = R"({"ssn": 536228726})" "\n" R"({"x": ")" + Far() + R"(", "y": 536228726})" "\n";
  CHECK(Types(nd, "p.ndjson") == Counts{{"US_SSN", 1}});
  // A site's record-number namespace names its value an MRN; another
  // namespace names nothing.
  auto mrns = [](const std::string& system) {
    auto recs = ExtractMemory(R"({"resourceType":"Patient","text":")" + Far() +
                                  R"(","identifier":[{"system":")" + system +
                                  R"(","value":"MRN7788123"}]})",
                              "p.json");
    REQUIRE(recs.size() == 1);
    uint64_t n = 0;
    for (const auto& t : recs[0].types) n += t.type_id == "MRN" ? t.count : 0;
    return n;
  };
  CHECK(mrns("http://hospital.example.org/mrn") == 1);
  CHECK(mrns("urn:example:medical-record-number") == 1);
  CHECK(mrns("http://hospital.example.org/ids") == 0);
  // An Identifier typed by its code (v2-0203 MR, SS) names its value, with a
  // site's own system or none; a known system comes first; a code elsewhere
  // (an Observation's) names nothing.
  auto typed = [](const std::string& identifier) {
    auto recs = ExtractMemory(
        R"({"resourceType":"Patient","text":")" + Far() + R"(","identifier":[)" + identifier + "]}",
        "p.json");
    REQUIRE(recs.size() == 1);
    std::vector<std::string> types;
    for (const auto& t : recs[0].types) {
      if (t.type_id != "URL") types.push_back(t.type_id);  // the systems' own
    }
    return types;
  };
  using Names = std::vector<std::string>;
  CHECK(typed(R"({"type":{"coding":[{"code":"MR"}],"text":"x"},"value":"E7734102"})") ==
        Names{"MRN"});
  CHECK(typed(R"({"type":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0203",)"
              R"("code":"MR"}]},"system":"urn:oid:1.2.3.4","value":"00851177"})") == Names{"MRN"});
  CHECK(typed(R"({"type":{"coding":[{"code":"SS"}]},"value":"536228726"})") == Names{"US_SSN"});
  CHECK(typed(R"({"system":"http://hl7.org/fhir/sid/us-npi","type":{"coding":[{"code":"MR"}]},)"
              R"("value":"1234567893"})") == Names{"US_NPI"});
  CHECK(typed(R"({"type":{"coding":[{"code":"XX"}]},"value":"E7734102"})").empty());
  CHECK(typed(R"({"code":{"coding":[{"code":"MR"}]},"value":"E7734102"})").empty());
}

TEST_CASE("JSON: strings are read the same at any chunk size, escapes and long keys included") {
  // Strings are taken a run at a time up to their next '"' or '\\'
  // (Json::OnText): runs cut by a chunk's end, escaped quotes and
  // backslashes, and a key past the field-name cap must not move a key.
  const std::string long_key(300, 'k');
  const std::string nd = R"({"note":"say \"hi\" \\ ok", "ssn": 536228726})" "\n"
                         R"({")" + long_key + R"(":"x", "subscriber id": "\"", "ssn":"078051120"})" "\n"
                         R"({"a\"ssn": ")" + Far() + R"(", "code": 536228726})" "\n";
  for (size_t chunk : {size_t{1} << 20, size_t{7}, size_t{3}, size_t{1}}) {
    INFO("chunk " << chunk);
    const AssetRecord rec = ExtractChunked(nd, "p.ndjson", chunk);
    CHECK(TypeCounts(rec) == Counts{{"US_SSN", 1}});
    REQUIRE(rec.findings.size() == 1);
    CHECK(nd.substr(rec.findings[0].start, 9) == "536228726");
  }
}

TEST_CASE("CSV, Markdown and HL7: cells and fields are read the same at any chunk size") {
  // A data cell or an HL7 field is skipped a block at a time up to the next
  // byte that can change the state (FindAnyOf): such a byte at any place in
  // a block, or just past a chunk's end, must still count. Each value below
  // is found only if its column or field is read right; Far() keeps the
  // header's keyword out of reach.
  std::vector<std::pair<std::string, std::string>> cases;
  cases.emplace_back("export.csv",
                     "note,ssn,other\n"
                     // a quoted cell with a delimiter, a line end and doubled quotes
                     "\"" + Far() + ", \"\"q\"\"\n" + Far() + "\",536228726,x\n"
                     // a quote inside a cell is a plain byte
                     + Far() + "ab\"cd efghijklmnopqrstu,536228726,x\n"
                     // the same value in a neutral column
                     + Far() + ",x,536228726\n");
  cases.emplace_back("feed.hl7",
                     std::string("MSH|^~\\&|A|B|C|D|20240101||ADT^A04|1|P|2.5\r") +
                     "NTE|1||" + Far() + "\r" +
                     "PID|1||M1||DOE^JANE||19800101|F|||||||||||536228726\r" +
                     // MLLP framing bytes end a segment inside a long field
                     "NTE|1||" + Far() + "\x1CPID|1||M1||DOE^JANE||19800101|F|||||||||||" +
                     "536228726\r" +
                     // PID-20: no evidence
                     "NTE|1||" + Far() + "\rPID|2||M2|||||||||||||||||536228726\r" +
                     "NTE|1||" + Far() + "\x0BPID|1||M1||DOE^JANE||19800101|F|||||||||||" +
                     "536228726\r" +
                     // a new header declares '#' the separator: '|' is text
                     "MSH#^~\\&#A#B#C#D#20240101##ADT^A04#1#P#2.5\rNTE#1##" + Far() +
                     "|x|y|z\rPID#1##M1##DOE^JANE##19800101#F###########536228726\r");
  cases.emplace_back("notes.md",
                     "# Notes\n\n| note | ssn | other |\n| --- | --- | --- |\n"
                     // a leading pipe, and none
                     "| " + Far() + " | 536228726 | x |\n" + Far() + "|536228726|x\n"
                     // the same value in a neutral column
                     "| " + Far() + " | x | 536228726 |\n");
  for (const auto& [name, text] : cases) {
    // Every value but the one in the neutral column or field.
    std::vector<uint64_t> want;
    for (size_t at = text.find("536228726"); at != std::string::npos;
         at = text.find("536228726", at + 1)) {
      want.push_back(at);
    }
    REQUIRE(want.size() >= 3);
    want.erase(want.begin() + 2);  // the neutral one is the third in both
    for (size_t chunk : {size_t{1} << 20, size_t{17}, size_t{16}, size_t{15}, size_t{7},
                         size_t{1}}) {
      INFO(name << ", chunk " << chunk);
      std::vector<uint64_t> got;
      for (const auto& f : ExtractChunked(text, name, chunk).findings) {
        if (f.type_id == "US_SSN") got.push_back(f.start);
      }
      std::sort(got.begin(), got.end());
      CHECK(got == want);
    }
  }
}

TEST_CASE("CSV: a long cell's matches are judged in order at any chunk size") {
  // The field-only regexes run over a cell once it ends: a match they found
  // near its start was judged after a later one of the main regexes, which
  // it then displaced as if they overlapped (with the stream in pieces: an
  // SSN reported twice, at 75 and 85; a password lost).
  std::string rows;
  for (int i = 0; i < 300; ++i) rows += std::to_string(i) + ",none\n";
  std::string pad;
  while (pad.size() < 450) pad += " ab";
  const std::string ssn =
      "id,ssn\n" + rows + "7,\"SSN 536228726, 412345678" + pad + "\"\n" + rows;
  const std::string pw =
      "id,password\n" + rows + "7,\"Zq8rT4 pw=Kq8vR2mZt5Lw" + pad + "\"\n" + rows;
  for (size_t chunk : {size_t{1} << 20, size_t{61}, size_t{7}}) {
    INFO("chunk " << chunk);
    for (const std::string* text : {&ssn, &pw}) {
      std::vector<std::string> got;
      for (const auto& f : ExtractChunked(*text, "export.csv", chunk).findings) {
        got.push_back(f.type_id + " " + text->substr(f.start, f.end - f.start) + " " +
                      std::to_string(f.score));
      }
      std::sort(got.begin(), got.end());
      if (text == &ssn) {
        CHECK(got == Lines{"US_SSN 412345678 85", "US_SSN 536228726 85"});
      } else {
        CHECK(got == Lines{"GENERIC_PASSWORD Kq8vR2mZt5Lw 75", "GENERIC_PASSWORD Zq8rT4 75"});
      }
    }
  }
}

TEST_CASE("HL7 v2: PID-19 is an SSN field, with CR or LF segment ends") {
  for (const char* eol : {"\r", "\n", "\r\n"}) {
    std::string msg = std::string("MSH|^~\\&|A|B|C|D|20240101||ADT^A04|1|P|2.5") + eol +
                      "PID|1||M1||DOE^JANE||19800101|F|||||||||||536228726" + eol +
                      "NTE|1||" + Far() + eol + "PID|2||M2|||||||||||||||||536228726" + eol;
    // The second PID puts the SSN in PID-20: no evidence there.
    CHECK(Types(msg, "feed.hl7") == Counts{{"US_SSN", 1}});
  }
}

TEST_CASE("A bare SSN in a field named SSN is high (medium after a keyword in prose)") {
  const std::set<std::string> ssn{"US_SSN"};
  const Lines high{"US_SSN 536228726 85"};
  CHECK(Findings("id,ssn\n1,536228726\n", "export.csv", ssn) == high);
  CHECK(Findings(R"({"ssn": "536228726"})", "p.json", ssn) == high);
  CHECK(Findings(std::string("MSH|^~\\&|A|B|C|D|20240101||ADT^A04|1|P|2.5\r") +
                     "PID|1||M1||DOE^JANE||19800101|F|||||||||||536228726\r",
                 "feed.hl7", ssn) == high);
  // A keyword in prose may name another number: medium.
  CHECK(Findings("SSN 536228726\n", "note.txt", ssn) == Lines{"US_SSN 536228726 75"});
  CHECK(Findings("id,ref\n1,536228726\n", "export.csv", ssn).empty());
}

// An HL7 segment with these fields (by number), the others empty.
std::string Segment(const std::string& id, const std::map<int, std::string>& fields) {
  std::string seg = id;
  int at = 0;
  for (const auto& [n, value] : fields) {
    seg += std::string(n - at, '|') + value;
    at = n;
  }
  return seg;
}

// An HL7 v2.5 message: MSH, then `segments`, each ended by `eol`.
std::string Hl7Message(const std::vector<std::string>& segments, const char* eol = "\r") {
  std::string msg = std::string("MSH|^~\\&|ADT|HOSP|EHR|HOSP|20240102||ADT^A04|MSG1|P|2.5") + eol;
  for (const auto& s : segments) msg += s + eol;
  return msg;
}

TEST_CASE("HL7 v2: an identifier's type code (CX.5) decides its type") {
  // PID-3 holds a patient's identifiers, each repetition typed by CX.5
  // (HL7 table 0203): an SSN typed SS was an MRN, as every PID-3 value was.
  const std::set<std::string> ids{"US_SSN", "MRN", "HEALTH_PLAN_ID", "US_DRIVER_LICENSE",
                                  "US_PASSPORT", "US_NPI", "US_MBI"};
  const std::string pid3 =
      "PID|1||234567891^^^SSA^SS~M7654321^^^HOSP^MR~P1234567^^^HOSP^PI~"
      "XYZ123456789^^^ACME^MB~S12345678^^^IL^DL~X12345678^^^USA^PPN~1234567893^^^CMS^NPI~"
      "1EG4TE5MK73^^^CMS^MC~Q7654321^^^HOSP^XX~R7654321||DOE^JANE";
  const Lines want{"US_SSN 234567891 85",         "MRN M7654321 85",
                   "MRN P1234567 85",             "HEALTH_PLAN_ID XYZ123456789 85",
                   "US_DRIVER_LICENSE S12345678 85", "US_PASSPORT X12345678 85",
                   "US_NPI 1234567893 85",         "US_MBI 1EG4TE5MK73 85",
                   // An unknown code, or none: the field's own name.
                   "MRN Q7654321 85",             "MRN R7654321 85"};
  for (const char* eol : {"\r", "\n"}) {
    const std::string msg = Hl7Message({pid3}, eol);
    // A type code cut by a chunk's end is read whole.
    for (size_t chunk : {size_t{1} << 20, size_t{7}, size_t{1}}) {
      INFO("chunk " << chunk);
      scanner::ScanLimits limits;
      limits.chunk_size = chunk;
      CHECK(Findings(msg, "adt.hl7", ids, limits) == want);
    }
  }
  // PID-19 and IN1-49 (CX too) with no type code: SSN and member id fields.
  CHECK(Findings(Hl7Message({Segment("PID", {{1, "1"}, {3, "M1"}, {19, "234567891"}}),
                             Segment("IN1", {{1, "1"}, {49, "XYZ123456789~234567891^^^SSA^SS"}})}),
                 "adt.hl7", ids) == Lines{"US_SSN 234567891 85", "HEALTH_PLAN_ID XYZ123456789 85",
                                          "US_SSN 234567891 85"});
  // Only the ID number (CX.1) is the identifier: an assigning authority
  // written as an OID (CX.4) or a facility (CX.6) is not an MRN.
  CHECK(Findings(Hl7Message({"PID|1||A1234567^^^2.16.840.1.113883.19.5^MR^1234567~"
                             "234567891^^^2.16.840.1.113883.4.1^SS||DOE^JANE"}),
                 "adt.hl7", ids) == Lines{"MRN A1234567 85", "US_SSN 234567891 85"});
  // MSH-2 declares the component and repetition separators.
  const std::string dollar =
      "MSH|$*\\&|ADT|HOSP|EHR|HOSP|20240102||ADT$A04|MSG1|P|2.5\r"
      "PID|1||234567891$$$SSA$SS*M7654321$$$HOSP$MR||DOE$JANE\r";
  CHECK(Findings(dollar, "adt.hl7", ids) == Lines{"US_SSN 234567891 85", "MRN M7654321 85"});
}

TEST_CASE("HL7 v2: DG1-3 and FT1-19 are diagnosis code fields; PID-20 a license number") {
  // The field is the context: the code in its first component is an
  // ICD10_CODE without a diagnosis keyword. Its coding system ("I10") and
  // text are not the code.
  const std::set<std::string> icd{"ICD10_CODE", "US_DRIVER_LICENSE"};
  for (const char* eol : {"\r", "\n"}) {
    CHECK(Findings(Hl7Message({"DG1|1||E11.9^Type 2 diabetes mellitus^I10|||F"}, eol),
                   "adt.hl7", icd) == Lines{"ICD10_CODE E11.9 85"});
  }
  CHECK(Findings(Hl7Message({Segment("FT1", {{1, "1"}, {4, "20240102"}, {6, "CG"}, {7, "99213"},
                                             {19, "I10^Essential hypertension^I10~"
                                                  "E78.5^Hyperlipidemia^I10"}})}),
                 "dft.hl7", icd) == Lines{"ICD10_CODE I10 75", "ICD10_CODE E78.5 85"});
  // The same code in a field of no meaning (a note) has no context.
  CHECK(Findings(Hl7Message({"NTE|1||E11.9^Type 2 diabetes mellitus^I10"}), "adt.hl7", icd)
            .empty());
  // PID-20: the license number, not its issuing state or expiry date.
  CHECK(Findings(Hl7Message({Segment("PID", {{1, "1"}, {3, "M1"}, {20, "S12345678^IL^20300101"}})}),
                 "adt.hl7", icd) == Lines{"US_DRIVER_LICENSE S12345678 85"});
}

TEST_CASE("HL7 v2: a phone number in XTN components is a PHONE") {
  // v2.5 XTN: use code, equipment type, email, country code, area code,
  // local number. The finding spans the area code to the local number.
  const std::set<std::string> phone{"PHONE"};
  for (const char* eol : {"\r", "\n"}) {
    const std::string msg = Hl7Message(
        {Segment("PID", {{1, "1"}, {3, "M1"}, {13, "^PRN^PH^^1^217^5551234"},
                         {14, "^WPN^PH^^^312^4441234~(217)555-1234^PRN^PH"}})},
        eol);
    CHECK(Findings(msg, "adt.hl7", phone) ==
          Lines{"PHONE 217^5551234 85", "PHONE 312^4441234 85", "PHONE (217)555-1234 85"});
  }
  // Outside NANP the country code leads, and is part of the finding; one
  // token with the number written +44 20 7946 0958.
  const std::string uk = Hl7Message(
      {Segment("PID", {{1, "1"}, {3, "M1"}, {13, "^PRN^PH^^44^20^79460958^12"}})});
  CHECK(Findings(uk, "adt.hl7", phone) == Lines{"PHONE 44^20^79460958 85"});
  CHECK(classifiers::NormalizeValue("44^20^79460958", "phone") ==
        classifiers::NormalizeValue("+44 20 7946 0958", "phone"));
  // Not in a field of no meaning, nor a fictional 555-01xx number.
  CHECK(Findings(Hl7Message({Segment("NTE", {{1, "1"}, {3, "^PRN^PH^^44^20^79460958"}})}),
                 "adt.hl7", phone)
            .empty());
  CHECK(Findings(Hl7Message({Segment("NTE", {{1, "1"}, {3, "^PRN^PH^^1^217^5551234"}})}),
                 "adt.hl7", phone)
            .empty());
  CHECK(Findings(Hl7Message({Segment("PID", {{1, "1"}, {13, "^PRN^PH^^1^217^5550143"}})}),
                 "adt.hl7", phone)
            .empty());
}

TEST_CASE("HL7 v2: IN1-36 and IN1-49 are member identifiers; IN1-8 is not") {
  // The policy number and the insured's id identify the member; the group
  // number names the employer's group, shared by all its members.
  const std::set<std::string> plan{"HEALTH_PLAN_ID", "MRN", "US_SSN"};
  for (const char* eol : {"\r", "\n"}) {
    const std::string msg =
        Hl7Message({Segment("IN1", {{1, "1"}, {2, "PLAN01^GOLD PLAN"}, {8, "GRP998877"},
                                    {36, "XYZ123456789"}, {49, "MBR5550001^^^ACME^MB"}})},
                   eol);
    CHECK(Findings(msg, "adt.hl7", plan) ==
          Lines{"HEALTH_PLAN_ID XYZ123456789 85", "HEALTH_PLAN_ID MBR5550001 85"});
  }
}

TEST_CASE("An address field's value is an ADDRESS in upper case too with HL7 XAD parts") {
  // HL7 and billing exports write addresses in capitals; an XAD's city,
  // state and ZIP components are part of the finding.
  const std::set<std::string> addr{"ADDRESS"};
  for (const char* eol : {"\r", "\n"}) {
    const std::string msg = Hl7Message(
        {Segment("PID", {{1, "1"}, {3, "M1"}, {11, "42 ELM ST^^SPRINGFIELD^IL^62704"}}),
         Segment("NK1", {{1, "1"}, {4, "100 N MAIN ST APT 2"}}),
         Segment("GT1", {{1, "1"}, {5, "7 Oak Ave^Suite 4^East Peoria^IL^61611-1234^USA"}})},
        eol);
    CHECK(Findings(msg, "adt.hl7", addr) ==
          Lines{"ADDRESS 42 ELM ST^^SPRINGFIELD^IL^62704 85", "ADDRESS 100 N MAIN ST APT 2 85",
                "ADDRESS 7 Oak Ave^Suite 4^East Peoria^IL^61611-1234 85"});
  }
  CHECK(Findings("id,address\n1,42 ELM ST\n", "export.csv", addr) ==
        Lines{"ADDRESS 42 ELM ST 85"});
  // Capitals outside an address field are headings, not addresses.
  CHECK(Findings(Hl7Message({Segment("NTE", {{1, "1"}, {3, "42 ELM ST^^SPRINGFIELD^IL^62704"}})}),
                 "adt.hl7", addr)
            .empty());
}

TEST_CASE("HL7 v2: PID-18 is a patient account number, not a bank account") {
  // PID-18 was named "account number", a bank keyword: a patient's
  // account was a high-confidence US_BANK_ACCOUNT. An identifier typed AN
  // (account number) in PID-3 is one too.
  const std::set<std::string> acct{"PATIENT_ACCOUNT", "US_BANK_ACCOUNT", "MRN"};
  for (const char* eol : {"\r", "\n"}) {
    const std::string msg = Hl7Message(
        {Segment("PID", {{1, "1"}, {3, "V10023456^^^HOSP^AN"}, {18, "ACCT998877"}})}, eol);
    CHECK(Findings(msg, "adt.hl7", acct) ==
          Lines{"PATIENT_ACCOUNT V10023456 85", "PATIENT_ACCOUNT ACCT998877 85"});
  }
}

TEST_CASE("HL7 v2: a batch file (FHS, BHS headers) is HL7 whatever its name") {
  // Batch exports start with FHS or BHS, not MSH: read as plain text, the
  // SSN in PID-19 had no evidence and was not found.
  const std::string batch = std::string("FHS|^~\\&|LAB|HOSP|||20240102\r") +
                            "BHS|^~\\&|LAB|HOSP\r" +
                            "MSH|^~\\&|LAB|HOSP|EHR|HOSP|20240102||ADT^A01|1|P|2.5\r" +
                            "PID|1||M1||DOE^JANE||19800101|F|||||||||||536228726\r" +
                            "BTS|1\rFTS|1\r";
  for (const char* name : {"batch.hl7", "batch.txt", "ADT_20240102"}) {
    INFO(name);
    CHECK(Types(batch, name) == Counts{{"US_SSN", 1}});
    CHECK(Types(batch.substr(batch.find("BHS")), name) == Counts{{"US_SSN", 1}});
  }
}

TEST_CASE("HL7 v2: a message under a ticket's or log's first lines is HL7") {
  // A ticket or interface log quotes the message under a line or two of its
  // own: the text was read as a pipe-delimited table or plain text, and
  // PID-19's bare SSN had no evidence.
  const std::string msg =
      "MSH|^~\\&|LAB|HOSP|EHR|HOSP|20240102||ADT^A01|1|P|2.5\r"
      "PID|1||M1||DOE^JANE||19800101|F|||||||||||536228726\r";
  for (const char* lead : {"Ticket 4411: the feed rejected this message\n",
                           "2024-01-02 10:00:01 INFO inbound | 2 segments\r\n\r\n",
                           "Escalated by the interface team\nPriority: high\n\n"}) {
    for (const char* name : {"ticket.txt", "inbound.log", "INC0012345"}) {
      INFO(lead << name);
      CHECK(Types(lead + msg, name) == Counts{{"US_SSN", 1}});
    }
  }
  // A row of a pipe-delimited export whose first cell is MSH (a site's code)
  // opens no message: the table keeps its header, the SSN's only evidence.
  const std::string table = "site|ssn|note\nMGH||" + Far() + "\nMSH|412613374|x\n";
  CHECK(Types(table, "export.txt") == Counts{{"US_SSN", 1}});
}

TEST_CASE("X12: qualifiers name the element after them") {
  std::string isa =
      "ISA*00*          *00*          *ZZ*SUBMITTER      *ZZ*RECEIVER       "
      "*240102*0304*^*00501*000000001*0*P*:~";
  REQUIRE(isa.size() == 106);
  std::string far = Far();
  std::string claim = isa + "ST*835*1~REF*SY*536228726~NTE*" + far + "~REF*EJ*536228726~"
                      "NTE*" + far + "~NM1*QC*1*DOE*JANE****MI*536228726~SE*3*1~";
  CHECK(Types(claim, "remit.835") == Counts{{"US_SSN", 1}});
}

TEST_CASE("X12: a claim's patient name, diagnosis codes and NDC are read as what they are") {
  const std::string isa =
      "ISA*00*          *00*          *ZZ*SUBMITTER      *ZZ*RECEIVER       "
      "*240102*0304*^*00501*000000001*0*P*:~";
  const std::string far = Far();
  const std::string claim = isa + "ST*837*1~NM1*IL*1*KOWALSKI*MARIA~NTE*" + far +
                            "~HI*ABK:E119*ABF:I10~NTE*" + far + "~LIN**N4*00093104801~NTE*" +
                            far + "~NM1*85*2*GARCIA MEDICAL GROUP~SE*5*1~";
  CHECK(Findings(claim, "claim.837", {"PERSON_NAME", "ICD10_CODE", "NDC"}) ==
        Lines{"PERSON_NAME KOWALSKI 75", "PERSON_NAME MARIA 75", "ICD10_CODE E119 85",
              "ICD10_CODE I10 75", "NDC 00093104801 85"});
}

TEST_CASE("XML: text without markup, entities decoded, OID-named ids") {
  std::string far = Far();
  std::string xml = "<?xml version=\"1.0\"?><doc><!-- c --><p>" + far +
                    "</p><id root=\"2.16.840.1.113883.4.1\" extension=\"536228726\"/>"
                    "<p>" + far + "</p><id root=\"1.2.3\" extension=\"536228726\"/>"
                    "<p>" + far + "</p><v>S&#83;N&amp;536-22-8726</v><![CDATA[NPI 1234567893]]></doc>";
  auto recs = ExtractMemory(xml, "doc.xml");
  REQUIRE(recs.size() == 1);
  CHECK(TypeCounts(recs[0]) == Counts{{"US_SSN", 2}, {"US_NPI", 1}});
  // The SSN OID's extension, and the decoded "SSN&536-22-8726", whose
  // finding points at the source bytes.
  CHECK(Findings(xml, "doc.xml", {"US_SSN"}) ==
        Lines{"US_SSN 536228726 85", "US_SSN 536-22-8726 85"});
}

TEST_CASE("XML: an id's root names its extension, also when written after it") {
  // Some EHRs write the extension first; it was a bare number then, no SSN.
  const std::string far = Far();
  const std::string xml = "<?xml version=\"1.0\"?><doc><p>" + far +
                          "</p><id extension=\"536228726\" root=\"2.16.840.1.113883.4.1\"/>"
                          "<p>" + far + "</p><id extension='1234567893' assigningAuthorityName="
                          "'CMS'\n    root='2.16.840.1.113883.4.6'/><p>" + far +
                          "</p><id extension=\"536228726\" root=\"1.2.3\"/></doc>";
  CHECK(Findings(xml, "ccd.xml", {"US_SSN", "US_NPI"}) ==
        Lines{"US_SSN 536228726 85", "US_NPI 1234567893 85"});
}

TEST_CASE("XML: a setting's key or name names its value attribute") {
  // .NET's <add key=... value=.../>, a Spring or Ant <property name=...
  // value=.../>: the setting's name is the value's field, so a password
  // setting's value is a secret and an SSN setting's an SSN. Before, the
  // value's field was the element's own name ("add").
  const std::string config =
      "<?xml version=\"1.0\"?>\n<configuration><appSettings>\n"
      "  <add key=\"SmtpServer\" value=\"smtp.example.org\"/>\n"
      "  <add key=\"SmtpPassword\" value=\"Kq8vR2mZt5Lw\"/>\n"
      "  <add key=\"PasswordHint\" value=\"first pet name\"/>\n"
      "  <add key=\"TestPatientSSN\" value=\"536228726\"/>\n"
      "</appSettings>\n<bean><property name=\"hibernate.connection.password\" "
      "value=\"Hb8nate44Pw\"/></bean>\n"
      // A key names its own element's value only.
      "<add key=\"ApiKey\"/><item value=\"Zt5Lw9Kq8vR2\"/>\n"
      // The key after the value; the element's own name kept (it was
      // replaced by the key); an element's text named by its key.
      "<add value=\"Vq3Lm8Zt2Kw9\" key=\"LdapBindPassword\"/>\n"
      "<ssn name=\"primary\" value=\"412345678\"/>\n"
      "<entry key=\"db.password\">Rk7Wq2Zn5Tp8</entry> after\n</configuration>\n";
  CHECK(Findings(config, "web.config", {"GENERIC_PASSWORD", "US_SSN"}) ==
        Lines{"GENERIC_PASSWORD Kq8vR2mZt5Lw 75", "US_SSN 536228726 85",
              "GENERIC_PASSWORD Hb8nate44Pw 75", "GENERIC_PASSWORD Vq3Lm8Zt2Kw9 75",
              "US_SSN 412345678 85", "GENERIC_PASSWORD Rk7Wq2Zn5Tp8 75"});
}

TEST_CASE("XML: a <value> child holds the value its parent's key or name names") {
  // Spring's <property name="password"><value>...</value></property> and a
  // map's <entry key=...><value>: the value was named by the element
  // "value" alone, and a password there was no secret.
  const std::string beans =
      "<?xml version=\"1.0\"?>\n<beans><bean id=\"ds\">\n"
      "  <property name=\"username\"><value>emr_app</value></property>\n"
      "  <property name=\"password\">\n    <value>Qz7vT2mWk9xL</value>\n  </property>\n"
      "</bean><util:map>\n  <entry key=\"db.password\"><value>Hn4rW8kPz2Qs</value></entry>\n"
      "  <entry key=\"patient.ssn\"><value>536228726</value></entry>\n</util:map>\n"
      // Only a <value> child: a description of a password is none, and a
      // <value> under an element without a key names nothing.
      "<property name=\"password\"><description>Rotated88Quarterly</description></property>\n"
      "<item><value>Zt5Lw9Kq8vR2</value></item>\n</beans>\n";
  CHECK(Findings(beans, "context.xml", {"GENERIC_PASSWORD", "US_SSN"}) ==
        Lines{"GENERIC_PASSWORD Qz7vT2mWk9xL 75", "GENERIC_PASSWORD Hn4rW8kPz2Qs 75",
              "US_SSN 536228726 85"});
}

TEST_CASE("XML: a DTD's entity values are read, named by their entity") {
  // The internal subset holds text the document uses (&ssn; below): an SSN
  // there was never read. The entity's name is its field, so a bare
  // identifier under a telling name has its context.
  const std::string xml =
      "<?xml version=\"1.0\"?>\n<!DOCTYPE note [\n  <!ENTITY ssn \"536228726\">\n"
      "  <!ENTITY % p \"x\">\n  <!ENTITY contact 'MRN: A1234567'>\n]>\n"
      "<note>&ssn;</note>\n<!ENTITY npi \"1234567893\">";
  CHECK(Findings(xml, "note.xml", {"US_SSN", "MRN", "US_NPI"}) ==
        Lines{"US_SSN 536228726 85", "MRN A1234567 85", "US_NPI 1234567893 85"});
  // A DOCTYPE's public and system ids are no text: no URL in every XHTML page.
  const std::string xhtml =
      "<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Strict//EN\" "
      "\"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd\">\n<html><body><p>hi</p></body></html>";
  CHECK(Findings(xhtml, "page.xhtml", {"URL"}).empty());
  // Nor an external entity's ids, an ATTLIST default, or an entity that is
  // a namespace URI (SVG editors declare them so).
  const std::string svg =
      "<!DOCTYPE svg [\n<!ENTITY ns_svg \"http://www.w3.org/2000/svg\">\n"
      "<!ENTITY % lat1 PUBLIC \"-//W3C//ENTITIES Latin 1//EN\" "
      "\"http://www.w3.org/TR/xhtml1/DTD/xhtml-lat1.ent\">\n"
      "<!ATTLIST svg xmlns CDATA #FIXED 'http://www.w3.org/2000/svg'>\n]>\n<svg/>";
  CHECK(Findings(svg, "logo.svg", {"URL"}).empty());
  // A quote in a comment or processing instruction of the subset is no
  // literal's start: the document after it is read as before, its element
  // names fields.
  for (const char* aside : {"<!-- the patient's record -->", "<?pi don't ?>"}) {
    INFO(aside);
    const std::string doc = std::string("<!DOCTYPE rec [\n") + aside +
                            "\n<!ELEMENT rec ANY>\n]>\n"
                            "<rec><ssn>536228726</ssn><mrn>A1234567</mrn></rec>\n";
    CHECK(Findings(doc, "rec.xml", {"US_SSN", "MRN"}) ==
          Lines{"US_SSN 536228726 85", "MRN A1234567 85"});
  }
}

TEST_CASE("HTML: tags become separators, &nbsp; a space") {
  std::string html = "<!DOCTYPE html><html><body><p>credit&nbsp;card</p><div><span>4111</span> "
                     "<span>1111 1111 1111</span></div><img alt=\"SSN 536-22-8726\"></body></html>";
  CHECK(Types(html, "page.html") == Counts{{"CREDIT_CARD", 1}, {"US_SSN", 1}});
}

TEST_CASE("HTML: an inline element inside a value joins it; cells, blocks and breaks separate") {
  // EHR print views and Word's "Save as HTML" wrap part of a value in a
  // phrasing element. The page shows 346-38-9110; every tag was a space, so
  // the text read "346-38- 9110" and the SSN was missed. The finding spans
  // the value in the file, markup and all.
  const std::string page =
      "<!DOCTYPE html><html><body><table>\n"
      "<tr><th>Patient SSN</th><th>Home phone</th></tr>\n"
      "<tr><td>346-38-<span class='mask'>9110</span></td><td>617-432-<I>1234</I></td></tr>\n"
      "<tr><td>536-22-<B>8726</b></td><td>(312) 444-<font color=red>5678</font></td></tr>\n"
      "<tr><td><SPAN CLASS=\"x\">412-61-</SPAN>3374</td><td>217-555-<wbr/>9012</td></tr>\n"
      "</table></body></html>\n";
  const Lines want = {"US_SSN 346-38-<span class='mask'>9110 85",
                      "PHONE 617-432-<I>1234 85",
                      "US_SSN 536-22-<B>8726 85",
                      "PHONE (312) 444-<font color=red>5678 85",
                      "US_SSN 412-61-</SPAN>3374 85",
                      "PHONE 217-555-<wbr/>9012 85"};
  CHECK(Findings(page, "chart.html", {"US_SSN", "PHONE"}) == want);
  // A tag cut by a chunk's end is read the same.
  for (size_t chunk : {size_t{7}, size_t{1}}) {
    INFO("chunk " << chunk);
    CHECK(TypeCounts(ExtractChunked(page, "chart.html", chunk)) == Counts{{"US_SSN", 3}});
  }
  // Every other element, and one not known, is a boundary the page shows:
  // joined, each pair of digit runs below would be the SSN 536228726 after
  // its keyword. The same digits with nothing or an inline tag between them
  // are that SSN.
  for (const char* tags : {"", "<em></em>", "</td><td>", "</TD><TD class=x>", "<br>", "<br/>",
                           "</p><p>", "</div><div>", "</li><li>", "</td></tr><tr><td>",
                           "<img src=a.png>", "<o:p></o:p>", "<x-mask>", "<!-- c -->"}) {
    INFO(tags);
    const std::string cell = std::string("<html><body><table><tr><td>SSN 53622") + tags +
                             "8726</td></tr></table></body></html>";
    const bool joined = std::string_view(tags).empty() || std::string_view(tags) == "<em></em>";
    CHECK(Findings(cell, "chart.html", {"US_SSN"}).size() == (joined ? 1U : 0U));
  }
}

TEST_CASE("XML and HTML: a finding's line is its line in the file, not in the text") {
  // Lines were counted in the extracted text: a start tag, comment,
  // processing instruction or DTD spread over lines is one separator there
  // (a C-CDA's SSN on line 6 was reported on line 5), and an &#10; is a
  // line break the file does not have.
  const std::string xml =
      "<?xml version=\"1.0\"\n      encoding=\"UTF-8\"?>\n"            // 1-2
      "<!DOCTYPE doc [\n  <!ELEMENT doc ANY>\n  <!ENTITY e \"x\">\n]>\n"  // 3-6
      "<doc>\n"                                                         // 7
      "  <id root=\"2.16.840.1.113883.19\"\n      extension=\"12345\"/>\n"  // 8-9
      "  <!-- reviewed\n       by the clinic -->\n"                      // 10-11
      "  <?render mode=\"a\"\n             width=\"b\"?>\n"              // 12-13
      "  <note\n     lang=\"en\">SSN: 536-22-8726</note>\n"                // 14-15
      "  <patient\n     ssn=\"412-61-3374\"/>\n"                           // 16-17
      "  <!-- SSN\n       345-67-8912 -->\n"                              // 18-19
      "  <note>SSN: 456-78-9123</note>\n"                                // 20
      "</doc>\n";
  const std::string html =
      "<!DOCTYPE html>\n<html>\n<body>\n"                                   // 1-3
      "<p>one&#10;two&#13;&#10;three&#13;four<br>five</p>\n"               // 4
      "<p\n   class=\"note\">SSN: 536-22-8726</p>\n"                        // 5-6
      "<pre>a&#10;&#10;&#10;b</pre><p>SSN: 412-61-3374</p>\n"              // 7
      "<img alt=\"SSN 345-67-8912\"\n     src=\"a.png\">\n"                 // 8-9
      "<p>SSN&#10;&#52;&#53;&#54;-78-9123</p>\n"                           // 10
      "</body>\n</html>\n";
  const std::vector<std::tuple<std::string, std::string, std::vector<uint64_t>>> cases = {
      {"doc.xml", xml, {15, 17, 19, 20}}, {"page.html", html, {6, 7, 8, 10}}};
  for (const auto& [name, doc, want] : cases) {
    for (const char* eol : {"\n", "\r\n", "\r"}) {
      INFO("eol " << std::string_view(eol).size());
      CHECK(FindingLines(WithEol(doc, eol), name, "US_SSN") == want);
    }
  }
}

TEST_CASE("HL7 v2: a segment is a line, whether it ends with CR, LF or CR LF") {
  // HL7 ends segments with a lone CR: every finding of a message was on
  // line 1.
  const std::string msg = std::string("MSH|^~\\&|A|B|C|D|20240101||ADT^A04|1|P|2.5\n") +
                          "EVN|A04|20240101\n" +
                          "PID|1||M1||DOE^JANE||19800101|F|||||||||||536228726\n" +
                          "NTE|1||" + Far() + "\n" +
                          "PID|1||M2||ROE^RICK||19810202|M|||||||||||412613374\n";
  for (const char* eol : {"\r", "\n", "\r\n"}) {
    INFO("eol " << std::string_view(eol).size());
    CHECK(FindingLines(WithEol(msg, eol), "feed.hl7", "US_SSN") ==
          std::vector<uint64_t>{3, 5});
  }
}

namespace {

// An xlsx with the sheet before the shared strings (Excel's order): row 1
// names the columns, the values sit far below, beyond the evidence window.
std::string Workbook(const std::string& header, const std::string& extra_string = "") {
  const std::string ct(kDocxContentTypes);
  std::string far = Far();
  std::string sst = "<sst><si><t>1234567893</t></si><si><t>" + far + "</t></si><si><t>Note</t></si>"
                    "<si><t>" + header + "</t></si><si><r><t>" + extra_string + "</t></r></si></sst>";
  std::string sheet = "<worksheet><sheetData><row r=\"1\"><c r=\"A1\" t=\"s\"><v>2</v></c>"
                      "<c r=\"B1\" t=\"s\"><v>3</v></c></row>";
  for (int r = 2; r < 5; ++r) {
    sheet += "<row r=\"" + std::to_string(r) + "\"><c t=\"inlineStr\"><is><t>" + far +
             "</t></is></c></row>";
  }
  sheet += "<row r=\"5\"><c r=\"B5\"><v>536228726</v></c></row>";
  for (int r = 6; r < 9; ++r) {
    sheet += "<row r=\"" + std::to_string(r) + "\"><c t=\"inlineStr\"><is><t>" + far +
             "</t></is></c></row>";
  }
  sheet += "</sheetData></worksheet>";
  return WriteArchive("zip", "", {{"[Content_Types].xml", ct},
                                  {"xl/worksheets/sheet1.xml", sheet},
                                  {"xl/sharedStrings.xml", sst}});
}

}  // namespace

TEST_CASE("xlsx: the first row names the columns of the cells below") {
  CHECK(Types(Workbook("SSN"), "book.xlsx") == Counts{{"US_SSN", 1}});
  CHECK(Types(Workbook("Ref"), "book.xlsx").empty());
  // Shared strings no cell uses are still read.
  CHECK(Types(Workbook("Ref", "Patient SSN 536-22-8726"), "book.xlsx") == Counts{{"US_SSN", 1}});
  // A workbook inside a zip is buffered to read its strings first.
  auto recs = ExtractMemory(WriteArchive("zip", "", {{"exports/book.xlsx", Workbook("SSN")}}),
                            "e.zip");
  REQUIRE(recs.size() == 2);
  CHECK(recs[1].member == "exports/book.xlsx");
  CHECK(TypeCounts(recs[1]) == Counts{{"US_SSN", 1}});
}

TEST_CASE("xlsx: page headers and footers are read without their codes") {
  // Excel's codes around the text: a code letter left in front of the
  // number ("R536-22-8726") would hide it.
  auto book = [](const std::string& header_footer) {
    const std::string sheet =
        "<worksheet><sheetData><row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>Bed</t></is>"
        "</c></row></sheetData><pageSetup/><headerFooter>" + header_footer +
        "</headerFooter></worksheet>";
    return WriteArchive("zip", "", {{"[Content_Types].xml", std::string(kDocxContentTypes)},
                                    {"xl/worksheets/sheet1.xml", sheet}});
  };
  for (const char* element : {"oddHeader", "evenFooter", "firstHeader"}) {
    INFO(element);
    const std::string e(element);
    CHECK(Types(book("<" + e + ">&amp;L&amp;\"Arial,Bold\"Ward 3&amp;R536-22-8726&amp;P</" + e +
                     ">"),
                "book.xlsx") == Counts{{"US_SSN", 1}});
  }
  CHECK(Types(book("<oddFooter>&amp;CBed 4&amp;P</oddFooter>"), "book.xlsx").empty());
}

TEST_CASE("xlsx: a number in a date cell format is the date it shows") {
  // Cell formats: 0 General, 1 built-in 14 (m/d/yyyy), 2 custom
  // dd\-mmm\-yyyy, 3 custom [h]:mm (a time span: no date), 4 custom
  // "Patient Id "0 (the d is quoted text, written as an entity: no date).
  const std::string styles =
      "<styleSheet><numFmts count=\"2\"><numFmt numFmtId=\"164\" formatCode=\"dd\\-mmm\\-yyyy\"/>"
      "<numFmt numFmtId=\"165\" formatCode=\"[h]:mm\"/>"
      "<numFmt numFmtId=\"166\" formatCode=\"&quot;Patient Id &quot;0\"/></numFmts>"
      "<cellStyleXfs count=\"1\"><xf numFmtId=\"14\"/></cellStyleXfs>"
      "<cellXfs count=\"4\"><xf numFmtId=\"0\"/><xf numFmtId=\"14\" applyNumberFormat=\"1\"/>"
      "<xf numFmtId=\"164\"/><xf numFmtId=\"165\"/><xf numFmtId=\"166\"/></cellXfs></styleSheet>";
  auto book = [&](int style) {
    const std::string sheet =
        "<worksheet><sheetData><row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>Name</t></is></c>"
        "<c r=\"B1\" t=\"inlineStr\"><is><t>DOB</t></is></c></row><row r=\"2\">"
        "<c r=\"A2\" t=\"inlineStr\"><is><t>Zoe Example</t></is></c><c r=\"B2\" s=\"" +
        std::to_string(style) + "\"><v>30755</v></c></row></sheetData></worksheet>";
    return WriteArchive("zip", "", {{"[Content_Types].xml", "<Types/>"},
                                    {"xl/styles.xml", styles},
                                    {"xl/worksheets/sheet1.xml", sheet}});
  };
  auto has_dob = [](const std::vector<AssetRecord>& recs) {
    for (const auto& t : recs[0].types) {
      if (t.type_id == "DATE_OF_BIRTH") return true;
    }
    return false;
  };
  CHECK(has_dob(ExtractMemory(book(1), "roster.xlsx")));
  CHECK(has_dob(ExtractMemory(book(2), "roster.xlsx")));
  // The same number as a plain number or a time span is no date.
  CHECK_FALSE(has_dob(ExtractMemory(book(0), "roster.xlsx")));
  CHECK_FALSE(has_dob(ExtractMemory(book(3), "roster.xlsx")));
  CHECK_FALSE(has_dob(ExtractMemory(book(4), "roster.xlsx")));
  // The 1904 date system (<workbookPr date1904="1"/>) counts from 1904: the
  // serial 72000 is 2097-02-14 in the 1900 system, a date the validator
  // takes (years 1900-2099), and 2101-02-16 in the 1904 one, which it does
  // not. (A visit date: a birth date in the future is none.)
  auto has_date = [](const std::vector<AssetRecord>& recs) {
    for (const auto& t : recs[0].types) {
      if (t.type_id == "DATE") return true;
    }
    return false;
  };
  auto dated = [&](const std::string& workbook_pr) {
    const std::string sheet =
        "<worksheet><sheetData><row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>Name</t></is></c>"
        "<c r=\"B1\" t=\"inlineStr\"><is><t>Visit</t></is></c></row><row r=\"2\">"
        "<c r=\"A2\" t=\"inlineStr\"><is><t>Zoe Example</t></is></c><c r=\"B2\" s=\"1\">"
        "<v>72000</v></c></row></sheetData></worksheet>";
    return WriteArchive("zip", "", {{"[Content_Types].xml", "<Types/>"},
                                    {"xl/workbook.xml", "<workbook>" + workbook_pr + "</workbook>"},
                                    {"xl/styles.xml", styles},
                                    {"xl/worksheets/sheet1.xml", sheet}});
  };
  CHECK(has_date(ExtractMemory(dated("<workbookPr/>"), "roster.xlsx")));
  CHECK_FALSE(has_date(ExtractMemory(dated("<workbookPr date1904=\"1\"/>"), "roster.xlsx")));
}

TEST_CASE("xlsx: a number in a zero-padded format is the digits it shows (012-34-5678)") {
  // Excel's Special > Social Security Number format keeps an SSN of area
  // 001-099 as a number: 12345678 shows as 012-34-5678.
  const std::string styles =
      "<styleSheet><numFmts count=\"1\"><numFmt numFmtId=\"164\" "
      "formatCode=\"000\\-00\\-0000\"/></numFmts>"
      "<cellXfs count=\"2\"><xf numFmtId=\"0\"/><xf numFmtId=\"164\"/></cellXfs></styleSheet>";
  const std::string sheet =
      "<worksheet><sheetData><row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>SSN</t></is></c>"
      "</row><row r=\"2\"><c r=\"A2\" s=\"1\"><v>12345678</v></c></row></sheetData></worksheet>";
  const std::string book = WriteArchive("zip", "", {{"[Content_Types].xml", "<Types/>"},
                                                    {"xl/styles.xml", styles},
                                                    {"xl/worksheets/sheet1.xml", sheet}});
  auto recs = ExtractMemory(book, "roster.xlsx");
  REQUIRE(recs.size() == 1);
  CHECK(TypeCounts(recs[0]) == Counts{{"US_SSN", 1}});
}

TEST_CASE("Digit patterns: which formats are one, and what a number shows in one") {
  using scanner::formats::ApplyDigitPattern;
  using scanner::formats::DigitPattern;
  CHECK(DigitPattern("000\\-00\\-0000") == "000-00-0000");
  CHECK(DigitPattern("00000") == "00000");
  CHECK(DigitPattern("\"ID \"00000") == "ID 00000");
  CHECK(DigitPattern("(000) 000\\-0000") == "(000) 000-0000");
  for (const char* other : {"0", "General", "#,##0", "0.00", "00000-####", "[<=9999999]###-####",
                            "0;-0", "@", "\"0\"000", "000E+00"}) {
    INFO(other);
    CHECK(DigitPattern(other).empty());
  }
  CHECK(ApplyDigitPattern(12345678, "000-00-0000") == "012-34-5678");
  CHECK(ApplyDigitPattern(536228726, "000-00-0000") == "536-22-8726");
  CHECK(ApplyDigitPattern(1234567890, "000-00-0000") == "1234-56-7890");  // more digits: in front
  CHECK(ApplyDigitPattern(2134, "00000") == "02134");
  CHECK(ApplyDigitPattern(12.5, "00000") == "12.5");  // not a whole number: as General
  CHECK(ApplyDigitPattern(-5, "00000") == "-5");
}

namespace {

// BIFF12 records ([MS-XLSB] 2.1.4), written here from the spec: the type in
// one or two bytes of 7 bits, the size in one to four, then the body.
std::string B12(uint32_t type, const std::string& body) {
  std::string r;
  do {
    r += static_cast<char>((type & 0x7F) | (type > 0x7F ? 0x80 : 0));
    type >>= 7;
  } while (type != 0);
  uint32_t size = static_cast<uint32_t>(body.size());
  do {
    r += static_cast<char>((size & 0x7F) | (size > 0x7F ? 0x80 : 0));
    size >>= 7;
  } while (size != 0);
  return r + body;
}
std::string U32(uint32_t v) {
  return std::string{static_cast<char>(v), static_cast<char>(v >> 8), static_cast<char>(v >> 16),
                     static_cast<char>(v >> 24)};
}
std::string U16(uint16_t v) { return std::string{static_cast<char>(v), static_cast<char>(v >> 8)}; }
std::string F64(double d) {
  uint64_t bits;
  std::memcpy(&bits, &d, sizeof bits);
  return U32(static_cast<uint32_t>(bits)) + U32(static_cast<uint32_t>(bits >> 32));
}
// XLWideString of ASCII text.
std::string Wide(const std::string& ascii) {
  std::string r = U32(static_cast<uint32_t>(ascii.size()));
  for (char c : ascii) r += std::string{c, '\0'};
  return r;
}
// A full cell record's head: column, style.
std::string At(uint32_t col, uint32_t style = 0) { return U32(col) + U32(style); }
std::string Row(uint32_t r) { return B12(0, U32(r) + std::string(13, '\0')); }

// The xlsb of Workbook(header): the same strings, cells and rows.
std::string BinaryWorkbook(const std::string& header, const std::string& extra_string = "") {
  std::string sst = B12(159, U32(5) + U32(5));
  for (const std::string& t : {std::string("1234567893"), Far(), std::string("Note"), header,
                               extra_string}) {
    sst += B12(19, std::string(1, '\0') + Wide(t));
  }
  sst += B12(160, "");
  std::string sheet = B12(129, "") + B12(145, "") + Row(0) + B12(7, At(0) + U32(2)) +
                      B12(7, At(1) + U32(3));
  for (uint32_t r = 1; r < 4; ++r) sheet += Row(r) + B12(6, At(0) + Wide(Far()));
  sheet += Row(4) + B12(5, At(1) + F64(536228726));
  for (uint32_t r = 5; r < 8; ++r) sheet += Row(r) + B12(6, At(0) + Wide(Far()));
  sheet += B12(146, "") + B12(130, "");
  return WriteArchive("zip", "", {{"[Content_Types].xml", "<Types/>"},
                                  {"xl/worksheets/sheet1.bin", sheet},
                                  {"xl/sharedStrings.bin", sst}});
}

}  // namespace

TEST_CASE("xlsb: cells under their column names, as the same xlsx's") {
  for (const char* header : {"SSN", "Ref"}) {
    INFO(header);
    CHECK(Types(BinaryWorkbook(header), "book.xlsb") == Types(Workbook(header), "book.xlsx"));
  }
  CHECK(Types(BinaryWorkbook("SSN"), "book.xlsb") == Counts{{"US_SSN", 1}});
  // Shared strings no cell uses are still read.
  CHECK(Types(BinaryWorkbook("Ref", "Patient SSN 536-22-8726"), "book.xlsb") ==
        Counts{{"US_SSN", 1}});
  // Inside a zip: buffered to read its strings first.
  auto recs = ExtractMemory(
      WriteArchive("zip", "", {{"exports/book.xlsb", BinaryWorkbook("SSN")}}), "e.zip");
  REQUIRE(recs.size() == 2);
  CHECK(TypeCounts(recs[1]) == Counts{{"US_SSN", 1}});
  // A table too large to hold: its strings are still read, as text.
  scanner::ScanLimits small;
  small.max_buffered_member = 256;
  recs = ExtractMemory(BinaryWorkbook("Ref", "Patient SSN 536-22-8726"), "book.xlsb", small);
  REQUIRE(recs.size() == 1);
  CHECK(TypeCounts(recs[0]) == Counts{{"US_SSN", 1}});
}

TEST_CASE("xlsb: dates, short cell records, formulas, comments, headers and footers") {
  // Styles: cell format 0 General, 1 the custom dd\-mmm\-yyyy (id 164).
  const std::string styles = B12(44, U16(164) + Wide("dd\\-mmm\\-yyyy")) +
                             B12(626, U32(1)) + B12(47, U16(0xFFFF) + U16(14) + std::string(12, '\0')) +
                             B12(627, "") + B12(617, U32(2)) +
                             B12(47, U16(0) + U16(0) + std::string(12, '\0')) +
                             B12(47, U16(0) + U16(164) + std::string(12, '\0')) + B12(618, "");
  auto book = [&](uint32_t dob_style, const std::string& workbook, double serial = 30755,
                  const char* column = "DOB") {
    // Row 2: the name in a full BrtCellSt, the birth date in a short
    // BrtShortReal (the column after), a formula's string result after it.
    const std::string sheet =
        B12(129, "") + B12(145, "") + Row(0) + B12(6, At(0) + Wide("Name")) +
        B12(6, At(1) + Wide(column)) + Row(1) + B12(6, At(0) + Wide("Zoe Example")) +
        B12(16, U32(dob_style) + F64(serial)) +
        B12(8, At(2) + Wide("MRN 00123456") + U16(0) + U32(0)) +
        B12(62, At(3) + std::string(1, '\x01') + Wide("Card 4111 1111 1111 1111") + U32(0)) +
        B12(146, "") +
        B12(479, U16(0) + Wide("&L&\"Arial,Bold\"Ward 3&R536-22-8726") + U32(0xFFFFFFFF) +
                     U32(0xFFFFFFFF) + U32(0xFFFFFFFF) + U32(0xFFFFFFFF) + U32(0xFFFFFFFF)) +
        B12(130, "");
    return WriteArchive("zip", "", {{"[Content_Types].xml", "<Types/>"},
                                    {"xl/workbook.bin", workbook},
                                    {"xl/styles.bin", styles},
                                    {"xl/worksheets/sheet1.bin", sheet}});
  };
  // Every type found (TypeCounts keeps to the planted ones).
  auto found = [](const std::string& bytes) {
    std::set<std::string> ids;
    const auto recs = ExtractMemory(bytes, "roster.xlsb");
    for (const auto& t : recs[0].types) ids.insert(t.type_id);
    return ids;
  };
  const std::string plain = B12(153, U32(0) + U32(0));
  CHECK(found(book(1, plain)) ==
        std::set<std::string>{"CREDIT_CARD", "DATE_OF_BIRTH", "MRN", "US_SSN"});
  // The same serial in General format is a number, no date.
  CHECK(found(book(0, plain)) == std::set<std::string>{"CREDIT_CARD", "MRN", "US_SSN"});
  // The header's SSN is found with its codes dropped; left in, "R536-..."
  // (and the rich-string cell's card).
  CHECK(Types(book(0, plain), "roster.xlsb") == Counts{{"US_SSN", 1}, {"CREDIT_CARD", 1}});
  // The 1904 date system (BrtWbProp): serial 72000 is 2097-02-14 from
  // 1900, a visit date the validator takes, and 2101-02-16 from 1904,
  // which it does not.
  CHECK(found(book(1, plain, 72000, "Visit")).contains("DATE"));
  CHECK_FALSE(found(book(1, B12(153, U32(1) + U32(0)), 72000, "Visit")).contains("DATE"));

  // Comments: the author and the text.
  const std::string comments = B12(628, "") + B12(630, "") + B12(632, Wide("Dr Example")) +
                               B12(631, "") + B12(633, "") + B12(635, std::string(36, '\0')) +
                               B12(637, std::string(1, '\x01') + Wide("Pt SSN 536-22-8726") +
                                            U32(0)) +
                               B12(636, "") + B12(634, "") + B12(629, "");
  const std::string with_comment =
      WriteArchive("zip", "", {{"[Content_Types].xml", "<Types/>"},
                               {"xl/worksheets/sheet1.bin", B12(129, "") + B12(130, "")},
                               {"xl/comments1.bin", comments}});
  CHECK(Types(with_comment, "notes.xlsb") == Counts{{"US_SSN", 1}});
}

TEST_CASE("xlsb: records split anywhere read the same; a cut record says so") {
  const std::string records = B12(6, At(0) + Wide("Zoe")) + B12(637, std::string(300, 'x')) +
                              B12(0, "") + B12(5000, std::string(20000, 'y'));
  auto split = [&](size_t piece) {
    std::vector<std::pair<uint32_t, size_t>> got;
    scanner::formats::Biff12Stream stream(
        [&](uint32_t type, std::string_view body) { got.push_back({type, body.size()}); });
    for (size_t i = 0; i < records.size(); i += piece) stream.Feed(records.substr(i, piece));
    CHECK_FALSE(stream.mid_record());
    return got;
  };
  const std::vector<std::pair<uint32_t, size_t>> want = {
      {6, 8 + 4 + 6}, {637, 300}, {0, 0}, {5000, 20000}};
  for (size_t piece : {size_t{1}, size_t{2}, size_t{7}, size_t{1000}, records.size()}) {
    INFO(piece);
    CHECK(split(piece) == want);
  }
  scanner::formats::Biff12Stream cut([](uint32_t, std::string_view) {});
  cut.Feed(records.substr(0, records.size() - 5));
  CHECK(cut.mid_record());
  // A record over the bound is passed over, not held.
  std::vector<uint32_t> types;
  scanner::formats::Biff12Stream big([&](uint32_t type, std::string_view) { types.push_back(type); });
  big.Feed(B12(6, std::string(scanner::formats::kMaxBiff12Record + 1, 'z')) + B12(7, "abc"));
  CHECK(types == std::vector<uint32_t>{7});
}

TEST_CASE("xlsx: a shared-strings table of millions of empty strings is not loaded") {
  // <si/> is five bytes of XML and deflates to nothing; each held a
  // std::string, and tens of millions of them took gigabytes. The table's
  // limit counts what a string costs in memory, not only its text.
  std::string xml = "<sst>";
  for (int i = 0; i < 3'000'000; ++i) xml += "<si/>";
  xml += "</sst>";
  scanner::formats::SharedStrings table;
  CHECK_FALSE(scanner::formats::ParseSharedStrings(xml, 64 << 20, table));
  CHECK(table.strings.size() < 3'000'000);
  // A table of real size still loads.
  scanner::formats::SharedStrings small;
  CHECK(scanner::formats::ParseSharedStrings("<sst><si><t>SSN</t></si><si/></sst>", 64 << 20, small));
  CHECK(small.strings.size() == 2);
}
