// Writes small synthetic compound files (.doc, .xls, .ppt, .msg (one with a
// compressed RTF body), another OLE file) and a TNEF winmail.dat into a
// directory: the seed corpus of fuzz_extract_ole (fuzz/seeds/ole/,
// regenerated with `ole_seeds fuzz/seeds/ole`). Every identifier in them is
// generated; the same run writes the same bytes.
#include <cstdio>
#include <fstream>
#include <string>

#include "tests/testutil/cfb_writer.h"
#include "tests/testutil/legacy_office_builder.h"

using namespace phiscan::testing;

namespace {

const std::string kLine = "Patient SSN 536-22-8726, NPI 1234567893, card 4111 1111 1111 1111.";

std::string Ole(const std::vector<StreamBytes>& streams) {
  std::vector<CfbEntry> entries;
  for (const auto& s : streams) entries.push_back({s.path, s.data});
  return WriteCompoundFile(entries);
}

void Write(const std::string& dir, const std::string& name, const std::string& bytes) {
  std::ofstream(dir + "/" + name, std::ios::binary) << bytes;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: ole_seeds DIR\n");
    return 2;
  }
  const std::string dir = argv[1];
  std::vector<StreamBytes> doc = BuildWordDocument(
      {{"Referral\r" + kLine.substr(0, 20), true}, {kLine.substr(20) + "\r", false}});
  doc.push_back({"ObjectPool/_1001/\x01Ole10Native",
                 BuildOle10Native("notes.txt", "C:\\notes.txt", kLine + "\n")});
  doc.push_back(
      {"ObjectPool/_1002/Workbook",
       BuildWorkbook({{"S", {{0, 0, "SSN"}, {1, 0, "", 536228726, XlsCell::kNumber}}}}).data});
  Write(dir, "referral.doc", Ole(doc));

  XlsOptions small_records;
  small_records.sst_record_limit = 40;
  XlsSheet roster{
      "Patients",
      {{0, 0, "Name"},
       {0, 1, "SSN"},
       {1, 0, "Zoë Ångström " + std::string(60, 'z') + "Łódź", 0, XlsCell::kSst, true, true},
       {1, 1, "", 536228726, XlsCell::kRk},
       {1, 2, "", 12.5, XlsCell::kRk},
       {2, 0, kLine, 0, XlsCell::kLabel},
       {2, 1, "formula", 0, XlsCell::kFormulaString}}};
  roster.header = "&L&\"Arial,Bold\"Ward 3&R&12" + kLine.substr(0, 24);
  roster.comments = {{1, 1, "Dr Example", kLine, 16}};
  Write(dir, "roster.xls", Ole({BuildWorkbook({roster}, small_records)}));

  // An embedded workbook, compressed as PowerPoint stores it.
  const std::string sheet = Ole(
      {BuildWorkbook({{"S", {{0, 0, "SSN"}, {1, 0, "", 536228726, XlsCell::kNumber}}}})});
  Write(dir, "deck.ppt",
        Ole(BuildPowerPointFile({{"Title", false}, {kLine, true}}, {{sheet, true}})));

  MsgSpec inner;
  inner.subject = "Fwd";
  inner.body = kLine;
  MsgSpec m;
  m.subject = "Referral";
  m.body = kLine + "\r\n";
  m.sender_name = "Dr Example";
  m.sender_email = "dr@clinic.example";
  m.recipients = {{"Nurse Example", "nurse@clinic.example"}};
  m.attachments = {{"labs.csv", "name,ssn\nZoe,536-22-8726\n"}};
  m.embedded = {inner};
  Write(dir, "referral.msg", Ole(BuildMsg(m)));
  MsgSpec rich;  // a body only in compressed RTF
  rich.subject = "Rich text";
  rich.rtf_compressed = CompressRtf("{\\rtf1\\ansi\\pard " + kLine + "\\par\r\n}");
  Write(dir, "rich.msg", Ole(BuildMsg(rich)));
  TnefSpec tnef;  // winmail.dat
  tnef.subject = "Referral";
  tnef.body = kLine;
  tnef.from_name = "Dr Example";
  tnef.from_address = "dr@clinic.example";
  tnef.named_value = "note";
  tnef.recipients = {{"Nurse Example", "nurse@clinic.example"}};
  tnef.attachments = {{"labs.csv", "name,ssn\nZoe,536-22-8726\n"}};
  TnefSpec rich_tnef;
  rich_tnef.subject = "Fwd";
  rich_tnef.rtf_compressed = rich.rtf_compressed;
  tnef.embedded = {rich_tnef};
  Write(dir, "winmail.dat", BuildTnef(tnef));

  std::string utf16;
  for (char c : kLine) utf16 += std::string{c, '\0'};
  Write(dir, "drawing.vsd", Ole({{"VisioDocument", "\x01\x02" + utf16}, {"Sub/x", kLine}}));
  return 0;
}
