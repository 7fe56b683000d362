#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>
#include <random>
#include <tuple>

#include "classifiers/internal/nearly_sorted.h"
#include "classifiers/matcher.h"
#include "tests/testutil/rules.h"

using namespace phiscan::classifiers;

namespace {

// The built-in pack (its databases shared with the build's other tests).
std::shared_ptr<const RuleSet> Rules() { return phiscan::testing::BuiltinRules(); }

struct Found {
  std::string type;
  int score;
  uint64_t start, end, line;
  std::string masked;
  phiscan::Token token;
  bool operator==(const Found& o) const {
    return std::tie(type, score, start, end, line, masked, token) ==
           std::tie(o.type, o.score, o.start, o.end, o.line, o.masked, o.token);
  }
  bool operator<(const Found& o) const {
    return std::tie(start, type, end) < std::tie(o.start, o.type, o.end);
  }
};

struct Collector : MatchSink {
  const RuleSet* rules;
  std::vector<Found> found;
  void OnMatch(const Match& m) override {
    found.push_back({rules->types()[m.type_index].id, m.score, m.start, m.end, m.line, m.masked,
                     m.token});
  }
};

std::vector<Found> Scan(std::string_view text, size_t chunk = 1 << 20,
                        const TokenKey* key = nullptr) {
  MatcherOptions opt;
  opt.chunk_size = chunk;
  Matcher m(Rules(), key, opt);
  Collector c;
  c.rules = &m.rules();
  m.Begin(&c);
  REQUIRE(m.Feed(text).ok());
  REQUIRE(m.Finish().ok());
  std::sort(c.found.begin(), c.found.end());
  return c.found;
}

// The bytes of `text` a finding covers.
std::string Span(std::string_view text, const Found& f) {
  return std::string(text.substr(f.start, f.end - f.start));
}

std::string Filler(size_t n) {
  static const char* kWords[] = {"patient", "was", "seen", "today", "for", "follow", "up",
                                 "plan", "discussed", "with", "family", "and", "nurse"};
  std::string out;
  for (size_t i = 0; out.size() < n; ++i) {
    out += kWords[i % 13];
    out += (i % 11 == 10) ? ".\n" : " ";
  }
  out.resize(n);
  out.back() = '\n';
  return out;
}

}  // namespace

TEST_CASE("A formatted SSN with a keyword is found at high confidence, exactly located") {
  std::string text = "line one\nPatient SSN: 536-22-8726.\n";
  auto f = Scan(text);
  REQUIRE(f.size() == 1);
  CHECK(f[0].type == "US_SSN");
  CHECK(f[0].score == 85);
  CHECK(text.substr(f[0].start, f[0].end - f[0].start) == "536-22-8726");
  CHECK(f[0].line == 2);
  CHECK(f[0].masked == "***-**-****");
}

TEST_CASE("A label context list is reported wherever it occurs, never from part of a word") {
  // clinical_terms and health_format_terms are label context only: each is
  // scanned by a database of its own until it occurs in the stream.
  struct Lists : MatchSink {
    std::vector<std::string> seen;
    void OnMatch(const Match&) override {}
    void OnKeywordList(const std::string& list) override { seen.push_back(list); }
  };
  auto lists = [](std::string_view text, size_t chunk) {
    MatcherOptions opt;
    opt.chunk_size = chunk;
    Matcher m(Rules(), nullptr, opt);
    Lists l;
    m.Begin(&l);
    REQUIRE(m.Feed(text).ok());
    REQUIRE(m.Finish().ok());
    return l.seen;
  };
  using V = std::vector<std::string>;
  const std::string far = std::string(5000, 'x') + " ";
  for (size_t chunk : {size_t{1} << 20, size_t{4096}, size_t{61}, size_t{7}, size_t{1}}) {
    INFO("chunk " << chunk);
    CHECK(lists("nothing here", chunk).empty());
    CHECK(lists(far + "the patient", chunk) == V{"clinical_terms"});
    CHECK(lists("MSH|^~\\&|" + far + "diagnosis", chunk) ==
          V{"clinical_terms", "health_format_terms"});
    // Both again in the next stream: nothing carries over but the rules.
    CHECK(lists(far + "PID|1||" + far + "Radiology", chunk) ==
          V{"clinical_terms", "health_format_terms"});
    // "patient" inside "patients" or "outpatient" is no context, wherever
    // a chunk cuts the word.
    for (size_t pad = 0; pad < 9; ++pad) {
      INFO("pad " << pad);
      CHECK(lists(std::string(pad, ' ') + "patients outpatient", chunk).empty());
    }
  }
}

TEST_CASE("SSN confidence follows format and keyword evidence") {
  CHECK(Scan("ref 536-22-8726 end")[0].score == 65);       // formatted, no keyword
  CHECK(Scan("ssn 536228726 end")[0].score == 75);         // bare digits with keyword
  CHECK(Scan("ref 536228726 end").empty());                // bare digits alone: nothing
  CHECK(Scan("ssn 666-22-8726 end").empty());              // invalid area
  CHECK(Scan("ssn 1536-22-8726 end").empty());             // not delimited
  CHECK(Scan("ssn 536-22-87261 end").empty());
  // En or em dashes, as a word processor's autocorrect leaves them: with a
  // keyword, high, and one token with the hyphenated form; mixed, none.
  const std::string en = "Patient SSN: 536\xE2\x80\x93" "22\xE2\x80\x93" "8726\n";
  const std::string em = "SSN 536\xE2\x80\x94" "22\xE2\x80\x94" "8726\n";
  REQUIRE(Scan(en).size() == 1);
  CHECK(Scan(en)[0].score == 85);
  CHECK(Span(en, Scan(en)[0]) == "536\xE2\x80\x93" "22\xE2\x80\x93" "8726");
  REQUIRE(Scan(em).size() == 1);
  CHECK(Scan(em)[0].score == 85);
  CHECK(Scan("SSN 536\xE2\x80\x93" "22\xE2\x80\x94" "8726\n").empty());
  CHECK(Scan("ref 536\xE2\x80\x93" "22\xE2\x80\x93" "8726 end").empty());
}

TEST_CASE("A hyphenated or apostrophed surname is found whole, for redaction by its span") {
  auto span = [](const std::string& text) {
    for (const Found& f : Scan(text)) {
      if (f.type == "PERSON_NAME") return Span(text, f);
    }
    return std::string("(none)");
  };
  CHECK(span("Name: Maria Garcia-Lopez\n") == "Maria Garcia-Lopez");
  CHECK(span("Mr. Robert O'Neil\n") == "Robert O'Neil");
  CHECK(span("Sincerely, Robert O'Neil-Smith\n") == "Robert O'Neil-Smith");
  // A capital inside after Mc, Mac, De, La, Van...: whole, not cut at Mc.
  CHECK(span("Patient: Sean McDonald\n") == "Sean McDonald");
  CHECK(span("Mr. Paul DeLuca called\n") == "Paul DeLuca");
  CHECK(span("Sincerely, Mary MacArthur\n") == "Mary MacArthur");
  CHECK(span("Name: Maria LaFleur-Smith\n") == "Maria LaFleur-Smith");
  CHECK(span("Name: Maria Lamont\n") == "Maria Lamont");
  CHECK(span("Patient: Garcia-Lopez, Maria\n") == "Garcia-Lopez, Maria");
  // A trailing hyphen is no part of a name.
  CHECK(span("Name: Maria Garcia- \n") == "Maria Garcia");
  // An EHR's upper-case FAMILY, GIVEN after an anchor; known names only.
  CHECK(span("Patient: SMITH, JOHN\n") == "SMITH, JOHN");
  CHECK(span("Patient: GARCIA-LOPEZ, MARIA\n") == "GARCIA-LOPEZ, MARIA");
  CHECK(span("Patient: UNKNOWN, NONE\n") == "(none)");
  // A mail header's display name.
  CHECK(span("To: \"Garcia, Maria\" <mg@example.org>\n") == "Garcia, Maria");
  CHECK(span("Cc: Robert O'Neil <ro@example.org>\n") == "Robert O'Neil");
}

TEST_CASE("A name after its Patient Name label need not be a known one; a phrase is none") {
  // In a note's text the label says what the value is, as a patient_name
  // column does: Anselm Oakhurst, in no dictionary, was missed.
  auto names = [](const std::string& text) {
    std::vector<std::string> out;
    for (const Found& f : Scan(text)) {
      if (f.type == "PERSON_NAME") out.push_back(Span(text, f) + " " + std::to_string(f.score));
    }
    return out;
  };
  using Names = std::vector<std::string>;
  CHECK(names("Patient Name: Anselm Oakhurst\n") == Names{"Anselm Oakhurst 75"});
  CHECK(names("patient's name = Zephyrine Quillfeather.\n") == Names{"Zephyrine Quillfeather 75"});
  // A known name keeps its high score; a phrase a form put there is none.
  CHECK(names("Patient Name: Maria Lopez\n") == Names{"Maria Lopez 85"});
  CHECK(names("Patient Name: Discharge Summary\nPatient Name: Not Provided\n").empty());
  // Without the label, an unknown pair of capitalised words is no name.
  CHECK(names("Attending: Anselm Oakhurst\n").empty());
}

TEST_CASE("Bare nine digits that their label names as something else are no SSN") {
  // A notice about SSNs next to order, invoice and ticket numbers.
  const std::string notice =
      "Please do not send your SSN by email.\nOrder 536228726 shipped. Invoice 412671234.\n"
      "ticket #219876543. Tracking: 536228726, ref. 412671234, Case# 219876543\n";
  CHECK(Scan(notice).empty());
  // The SSN itself, or a number with no such label, still counts.
  CHECK(Scan("SSN 536228726, order placed").size() == 1);
  CHECK(Scan("Please do not send your SSN. Member 536228726").size() == 1);
  CHECK(Scan("SSN 536228726 orders").size() == 1);
  // Formatted values are not excused by a label.
  CHECK(Scan("SSN on order: 536-22-8726").size() == 1);
}

TEST_CASE("A label with a number word, or naming an account, claim or record, excuses too, "
          "at every chunk size") {
  // Each labelled number sits within reach of an SSN keyword.
  const std::string labelled[] = {
      "Order number 536228726",  "Order No. 536228726",     "Order ID: 536228726",
      "order_id=536228726",      "Ref. No. 536228726",      "Claim #536228726",
      "Claim ID 536228726",      "Account no. 536228726",   "Account Number: 536228726",
      "MRN: 536228726",          "Routing number 536228726", "Invoice nbr 536228726",
      "Purchase Order - 536228726"};
  for (const auto& label : labelled) {
    INFO(label);
    const std::string text = "Never e-mail an SSN.\n" + label + " shipped\n";
    auto found = Scan(text);
    CHECK(std::none_of(found.begin(), found.end(),
                       [](const Found& f) { return f.type == "US_SSN"; }));
  }
  // A number word or a label elsewhere on the line excuses nothing: the
  // label must be the last words before the value.
  const std::string kept[] = {"SSN number 536228726", "SSN No. 536228726",
                              "Order 12 for SSN 536228726", "SSN (order form) 536228726",
                              "SSN: number 536228726",
                              // a label is a whole word: not the end of one
                              "SSN my_order 536228726", "SSN reorder 536228726"};
  for (const auto& text : kept) {
    INFO(text);
    auto found = Scan(text);
    CHECK(std::count_if(found.begin(), found.end(),
                        [](const Found& f) { return f.type == "US_SSN"; }) == 1);
  }
  // Labels in a stream split everywhere: the same as in one chunk.
  std::string text = "Social security numbers are never sent by mail.\n";
  for (const auto& label : labelled) text += Filler(37) + label + ". SSN 412671234\n";
  const auto whole = Scan(text);
  CHECK(std::count_if(whole.begin(), whole.end(),
                      [](const Found& f) { return f.type == "US_SSN"; }) == 13);
  for (size_t chunk : {1, 2, 3, 7, 16, 61, 100}) {
    INFO("chunk size " << chunk);
    CHECK(Scan(text, chunk) == whole);
  }
}

TEST_CASE("Keyword evidence counts on either side, within the proximity window only") {
  std::string after = "value 1234567893 belongs to the npi registry";
  REQUIRE(Scan(after).size() == 1);
  CHECK(Scan(after)[0].type == "US_NPI");
  std::string far = "npi " + std::string(400, ' ') + "1234567893";
  CHECK(Scan(far).empty());
  std::string near = "npi " + std::string(250, ' ') + "1234567893";
  CHECK(Scan(near).size() == 1);
  CHECK(Scan("npi 1234567890").empty());  // bad check digit
}

TEST_CASE("A keyword-required type is found with its keyword at any distance within reach, "
          "at every chunk size") {
  // UK_NHS needs an NHS keyword within 300 bytes: the Matcher skips RE2 for
  // its hits where none can be, decided per pass. Keywords before and after
  // the value, near the edge of reach, other NHS-shaped numbers nearby, a
  // structured field named for the list: the same at every chunk size as in
  // one chunk, and the keyword's reach as documented.
  auto nhs = [](const std::vector<Found>& f) {
    return std::count_if(f.begin(), f.end(), [](const Found& x) { return x.type == "UK_NHS"; });
  };
  for (size_t gap : {size_t{1}, size_t{40}, size_t{290}, size_t{299}, size_t{330}, size_t{900}}) {
    const std::string pad(gap, ' ');
    const std::string texts[] = {
        "nhs" + pad + "9434765919 end\n",
        "ref 9434765919" + pad + " nhs\n",
        "9434765919 x 9434765919" + pad + "nhs no" + pad + "9434765919\n",
        Filler(5000) + "nhs" + pad + "943 476 5919\n" + Filler(3000),
    };
    for (const auto& text : texts) {
      INFO("gap " << gap << ": " << text.substr(0, 60));
      const auto whole = Scan(text);
      if (gap <= 290) CHECK(nhs(whole) >= 1);
      if (gap >= 330) CHECK(nhs(whole) == 0);
      for (size_t chunk : {size_t{1}, size_t{7}, size_t{61}, size_t{333}, size_t{4096}}) {
        INFO("chunk " << chunk);
        CHECK(Scan(text, chunk) == whole);
      }
    }
  }
  // A value in a field named "nhs number", no keyword in the text.
  for (size_t chunk : {size_t{1}, size_t{61}, size_t{1} << 20}) {
    MatcherOptions opt;
    opt.chunk_size = chunk;
    Matcher m(Rules(), nullptr, opt);
    Collector c;
    c.rules = &m.rules();
    m.Begin(&c);
    const std::string text = Filler(2000) + "9434765919\n" + Filler(2000);
    m.AddFieldContext(2000, 2010, "NHS Number");
    REQUIRE(m.Feed(text).ok());
    REQUIRE(m.Finish().ok());
    CHECK(nhs(c.found) == 1);
  }
}

TEST_CASE("An honorific is name evidence only with its period, never a unit like ms=") {
  // A full name from the dictionaries is low (65) alone and medium (75) near
  // a name keyword. "Dr." or "Ms." is such a keyword; "ms=93" in a log line,
  // "MS" (a diagnosis) or "dr" (a drive) is not.
  auto name_score = [](const std::string& text) {
    auto f = Scan(text);
    for (const auto& x : f) {
      if (x.type == "PERSON_NAME") return x.score;
    }
    return 0;
  };
  CHECK(name_score("seen by Dr. today, then John Smith called") == 75);
  CHECK(name_score("Ms. (per chart) John Smith") == 75);
  CHECK(name_score("status=200 ms=93 user John Smith") == 65);
  CHECK(name_score("history of MS; John Smith") == 65);
  CHECK(name_score("dr 12, John Smith") == 65);
}

TEST_CASE("A keyword counts only as a whole word, at any chunk size") {
  // One-word keywords are scanned as bare literals and their word
  // boundaries checked on each hit: "ssn" inside "assn" or "ssns2" is no
  // evidence, "ssn" next to punctuation, a line start or the stream's end is.
  for (size_t chunk : {size_t{1} << 20, size_t{1}, size_t{3}, size_t{7}}) {
    INFO("chunk " << chunk);
    CHECK(Scan("ssn 536228726 end", chunk).size() == 1);
    CHECK(Scan("ssn:536228726", chunk).size() == 1);
    CHECK(Scan("536228726 (SSN)", chunk).size() == 1);
    CHECK(Scan("536228726 ssn", chunk).size() == 1);
    CHECK(Scan("assn 536228726 end", chunk).empty());
    CHECK(Scan("ssnx 536228726 end", chunk).empty());
    CHECK(Scan("536228726 xssn", chunk).empty());
    CHECK(Scan("536228726 ssn_id2", chunk).empty());
  }
}

TEST_CASE("Each foundation type is detected in context") {
  struct Case {
    const char* text;
    const char* type;
    const char* value;
    int score;
  };
  const Case cases[] = {
      {"Card number 4787 7893 2879 2170 exp 12/29", "CREDIT_CARD", "4787 7893 2879 2170", 85},
      {"order 4787789328792170 shipped", "CREDIT_CARD", "4787789328792170", 65},
      {"Card: 4532015112830366 exp 12/27", "CREDIT_CARD", "4532015112830366", 85},
      {"4532015112830366 expires 12/27", "CREDIT_CARD", "4532015112830366", 85},
      {"4532015112830366\nExp: 09/27", "CREDIT_CARD", "4532015112830366", 85},
      {"4532015112830366 (exp 9/27)", "CREDIT_CARD", "4532015112830366", 85},
      {"4532015112830366|12/26|JOHN A SMITH", "CREDIT_CARD", "4532015112830366", 85},
      {"4532015112830366,03/2029,ok", "CREDIT_CARD", "4532015112830366", 85},
      {"Medicare beneficiary 1EG4-TE5-MK73", "US_MBI", "1EG4-TE5-MK73", 85},
      // Alone an MBI's shape is low: licence keys and serials have it too.
      {"member 1EG4TE5MK73 active", "US_MBI", "1EG4TE5MK73", 65},
      {"Phone: (415) 555-2671", "PHONE", "(415) 555-2671", 85},
      // A number alone is low: a clinic's letterhead is no person's phone.
      {"reach us on +1 415 555 2671 today", "PHONE", "+1 415 555 2671", 65},
      {"Email: jane.doe@example.org", "EMAIL", "jane.doe@example.org", 85},
      {"from jane.doe@example.org ok", "EMAIL", "jane.doe@example.org", 75},
      {"NPI: 1234 567 893", "US_NPI", "1234 567 893", 85},
      {"Visa: 4532.0151.1283.0366", "CREDIT_CARD", "4532.0151.1283.0366", 85},  // dotted
      // Maestro (13-19 digits), and brands named as written.
      {"Maestro 6759649826438453193 on file", "CREDIT_CARD", "6759649826438453193", 85},
      {"credit card number 5018123456789014", "CREDIT_CARD", "5018123456789014", 85},
      {"Discover 6011123456789019", "CREDIT_CARD", "6011123456789019", 85},
      {"we discover 6011123456789019 here", "CREDIT_CARD", "6011123456789019", 65},
  };
  for (const auto& c : cases) {
    INFO(c.text);
    std::string text = c.text;
    auto f = Scan(text);
    REQUIRE(f.size() == 1);
    CHECK(f[0].type == c.type);
    CHECK(f[0].score == c.score);
    CHECK(text.substr(f[0].start, f[0].end - f[0].start) == c.value);
  }
  // A full date after the number is no expiry field: the card stays low.
  int cards = 0;
  for (const auto& f : Scan("txn 4532015112830366,12/26/2024,ok")) {
    if (f.type != "CREDIT_CARD") continue;
    ++cards;
    CHECK(f.score == 65);
  }
  CHECK(cards == 1);
}

// Regression: the local part's \b saw a word start between the UTF-8 bytes
// of "ü" and "l", so "müller@beispiel.de" was reported as "ller@beispiel.de"
// and an IDN domain was not found at all.
TEST_CASE("An e-mail address with non-ASCII letters is reported whole, never in part") {
  struct Case {
    const char* text;
    const char* value;  // "" if nothing is to be found
    const char* masked;
  };
  const Case cases[] = {
      {"Kontakt: müller@beispiel.de", "müller@beispiel.de", "*?****@********.**"},
      {"über@beispiel.de schreiben", "über@beispiel.de", "?***@********.**"},
      {"Email: josé.garcía@correo.es.", "josé.garcía@correo.es", "***?.****?*@******.**"},
      {"почта иван@example.org", "иван@example.org", "????@*******.***"},
      {"Nguyễn: nguyễn@example.vn", "nguyễn@example.vn", "****?*@*******.**"},
      {"NFD mu\xCC\x88ller@example.de", "mu\xCC\x88ller@example.de", "**?****@*******.**"},
      {"info@müller.de", "info@müller.de", "****@*?****.**"},
      {"an info@bücher.example.com x", "info@bücher.example.com", "****@*?****.*******.***"},
      // Punctuation and unspaced CJK text around an address are not part of it.
      {"„jane@example.org“", "jane@example.org", "****@*******.***"},
      {"Email:\xC2\xA0jane@example.org", "jane@example.org", "****@*******.***"},
      {"Kontakt—jane@example.org", "jane@example.org", "****@*******.***"},
      {"请联系zhang@example.cn谢谢", "zhang@example.cn", "*****@*******.**"},
      {"...jane@example.org", "jane@example.org", "****@*******.***"},
      // A local part past 64 bytes is no address, and no part of it is one.
      {"x ééééééééééééééééééééééééééééééééééééééééé@example.org", "", ""},
      {"x aéééééééééééééééééééééééééééééééééééééééé@example.org", "", ""},
  };
  for (const auto& c : cases) {
    INFO(c.text);
    const std::string text = c.text;
    const auto f = Scan(text);
    if (*c.value == '\0') {
      CHECK(f.empty());
      continue;
    }
    REQUIRE(f.size() == 1);
    CHECK(f[0].type == "EMAIL");
    CHECK(text.substr(f[0].start, f[0].end - f[0].start) == c.value);
    CHECK(f[0].masked == c.masked);
  }
}

TEST_CASE("An organisation, a building or a place named for a person is no person") {
  for (const char* text : {"Bill To: Henry Ford Health\n", "Ship To: Henry Ford Pavilion - Dock B\n",
                           "Bill To: Mary Washington Hospital\n", "met Henry Ford Health staff\n",
                           "Dr. Susan Smith Memorial Library\n"}) {
    INFO(text);
    CHECK(Scan(text).empty());
  }
  // Nor is a city and state written as FAMILY, Given.
  for (const char* text : {"Ship to: AUSTIN, Texas\n", "From: Jackson, Mississippi\n"}) {
    INFO(text);
    CHECK(Scan(text).empty());
  }
  // A person stays one, also with such a word elsewhere on the line; an
  // EHR banner's FAMILY, Given is one too.
  for (const char* text : {"Bill To: Henry Ford\n", "Dr. Anna Hall signed\n",
                           "Patient: John Smith, Smith Clinic\n", "Pt: TURNER, Joseph A\n",
                           "To: SMITH, Virginia\n"}) {
    INFO(text);
    auto f = Scan(text);
    REQUIRE(f.size() == 1);
    CHECK(f[0].type == "PERSON_NAME");
    CHECK(f[0].score == 85);
  }
}

TEST_CASE("Labels as intake forms abbreviate them, or write them in Spanish or French") {
  struct Case {
    std::string text;
    std::string type;
    std::string value;
  };
  for (const Case& c : {
           Case{"Social Sec. No.: 529-10-4340", "US_SSN", "529-10-4340"},
           Case{"S.S.N. 529-10-4340", "US_SSN", "529-10-4340"},
           Case{"Número de Seguro Social: 529-10-4340", "US_SSN", "529-10-4340"},
           Case{"Medicare #: 9W98-FC2-TX04", "US_MBI", "9W98-FC2-TX04"},
           Case{"Medicare card: 9CF1 MC9 XQ79", "US_MBI", "9CF1 MC9 XQ79"},
           Case{"Fecha de nacimiento: 07/01/1985", "DATE_OF_BIRTH", "07/01/1985"},
           Case{"Date de naissance : 1984-10-03", "DATE_OF_BIRTH", "1984-10-03"},
           Case{"Tarjeta de crédito: 4532 0151 1283 0366", "CREDIT_CARD", "4532 0151 1283 0366"},
           Case{"Numéro de carte : 4532015112830366", "CREDIT_CARD", "4532015112830366"}}) {
    INFO(c.text);
    auto f = Scan(c.text);
    REQUIRE(f.size() == 1);
    CHECK(f[0].type == c.type);
    CHECK(f[0].score == 85);
    CHECK(Span(c.text, f[0]) == c.value);
  }
}

TEST_CASE("A date of birth as Oracle, Cerner and SAS print it: upper-case month, compact") {
  for (const char* text : {"DOB: 01-OCT-1973", "D.O.B.: 05NOV1946", "DOB OCT 26 1934",
                           "DOB: 26 OCTOBER 1934"}) {
    INFO(text);
    auto f = Scan(text);
    REQUIRE(f.size() == 1);
    CHECK(f[0].type == "DATE_OF_BIRTH");
    CHECK(f[0].score == 85);
  }
  auto f = Scan("visit 01-OCT-2023 in clinic");
  REQUIRE(f.size() == 1);
  CHECK(f[0].type == "DATE");
  CHECK(Scan("MAY 2024 REPORT, DEC 31").empty());
  CHECK(Scan("DOB: 05NOV46 x").empty());  // a compact form with its year in two digits
}

TEST_CASE("Hard negatives stay quiet") {
  for (const char* text : {
           "icon@2x.png", "user@localhost", "card 4111 1111 1111 1112",
           "phone 115-555-2671", "phone 415-555-0123", "at 2024-03-15T10:22:31Z",
           "id 3f2b8c1e-9d4a-4e7b-a1c2-5d6e7f8a9b0c", "host 192.168.100.200",
           "mbi 1SG4TE5MK73", "epoch 1710498151 logged", "version 2.14.1003"}) {
    INFO(text);
    CHECK(Scan(text).empty());
  }
}

TEST_CASE("Chunk boundaries never change what is found (differential, down to 1-byte chunks)") {
  std::mt19937 rng(42);
  const char* items[] = {"SSN: 536-22-8726", "ssn 536228726", "npi 1234567893",
                         "Phone: (415) 555-2671", "jane.doe@example.org",
                         "visa 4111-1111-1111-1111", "MBI 1EG4TE5MK73", "ref 536-22-8726",
                         "card 4111 1111 1111 1112", "npi 1234567890"};
  std::string text;
  for (int i = 0; i < 60; ++i) {
    text += Filler(20 + rng() % 500);
    text += items[rng() % 10];
    text += (rng() % 2) ? " " : "\n";
  }
  auto whole = Scan(text);
  REQUIRE(whole.size() > 30);
  for (size_t chunk : {1, 2, 3, 5, 7, 16, 63, 100, 257, 1000, 4096}) {
    INFO("chunk size " << chunk);
    CHECK(Scan(text, chunk) == whole);
  }
}

TEST_CASE("Values packed closer than their pattern's width are each found, once") {
  // Hyperscan's hits closer than a pattern's width share one RE2 window,
  // which is searched until a match ends at or after the window's last hit:
  // every packed value must still be found, with exact offsets, whether the
  // hits are match ends (SSN, phone) or a prefilter's ('@' of an email).
  auto expect = [](const std::string& sep, const std::vector<std::string>& values,
                   const std::string& type) {
    std::string text = "ssn phone email: ";
    std::vector<uint64_t> starts;
    for (const auto& v : values) {
      starts.push_back(text.size());
      text += v + sep;
    }
    for (size_t chunk : {size_t{1} << 20, size_t{61}, size_t{7}}) {
      INFO(type << " separated by '" << sep << "', chunk " << chunk);
      auto f = Scan(text, chunk);
      std::vector<uint64_t> got;
      for (const auto& x : f) {
        if (x.type == type) got.push_back(x.start);
      }
      CHECK(got == starts);
    }
  };
  for (std::string sep : {" ", ",", "\n"}) {
    expect(sep, {"536-22-8726", "536-22-8727", "536-22-8728", "536-22-8729"}, "US_SSN");
    expect(sep, {"(415) 555-2671", "(415) 555-2672", "(415) 555-2673"}, "PHONE");
    expect(sep, {"a@example.org", "b.c@example.org", "d@ex.io", "e@ex.io"}, "EMAIL");
  }
}

TEST_CASE("A value split exactly across two chunks is found once, at the right offset") {
  std::string prefix = Filler(100) + "SSN ";
  std::string text = prefix + "536-22-8726 " + Filler(50);
  for (size_t chunk = prefix.size() - 2; chunk <= prefix.size() + 12; ++chunk) {
    INFO("chunk " << chunk);
    auto f = Scan(text, chunk);
    REQUIRE(f.size() == 1);
    CHECK(f[0].start == prefix.size());
    CHECK(f[0].score == 85);
  }
}

TEST_CASE("Tokens tie the same identifier across formats without revealing it") {
  TokenKey key = TokenKey::Ephemeral();
  auto a = Scan("SSN 536-22-8726", 1 << 20, &key);
  auto b = Scan("ssn 536228726", 1 << 20, &key);
  REQUIRE(a.size() == 1);
  REQUIRE(b.size() == 1);
  CHECK(a[0].token == b[0].token);
  CHECK(a[0].token != phiscan::Token{});
  auto en = Scan("SSN 536\xE2\x80\x93" "22\xE2\x80\x93" "8726", 1 << 20, &key);
  REQUIRE(en.size() == 1);
  CHECK(en[0].token == a[0].token);
  auto none = Scan("SSN 536-22-8726");
  CHECK(none[0].token == phiscan::Token{});
}

TEST_CASE("The candidate cap stops a stream that matches everywhere") {
  std::string text;
  for (int i = 0; i < 200; ++i) text += "Email: jane.doe@example.org ";
  MatcherOptions opt;
  opt.max_candidates = 50;
  Matcher m(Rules(), nullptr, opt);
  Collector c;
  c.rules = &m.rules();
  m.Begin(&c);
  auto s = m.Feed(text);
  CHECK(s.code() == phiscan::StatusCode::kLimitExceeded);
  CHECK(m.Finish().code() == phiscan::StatusCode::kLimitExceeded);
  // The cap is 50 or one candidate per 64 bytes fed, whichever is more.
  CHECK(c.found.size() <= 50 + text.size() / 64);
  CHECK_FALSE(c.found.empty());
}

TEST_CASE("The candidate cap grows with the stream: dense but real identifiers are all found") {
  // 400 SSNs, one per 200 bytes: more than the fixed cap of 50, but far fewer
  // than one per 64 bytes, so none is cut.
  std::string text;
  for (int i = 0; i < 400; ++i) {
    text += "Patient SSN: 536-22-" + std::to_string(1000 + i) + "\n" + std::string(178, '.') + "\n";
  }
  MatcherOptions opt;
  opt.max_candidates = 50;
  opt.chunk_size = 4096;  // the cap is checked as the stream grows, not at its end
  Matcher m(Rules(), nullptr, opt);
  Collector c;
  c.rules = &m.rules();
  m.Begin(&c);
  CHECK(m.Feed(text).ok());
  CHECK(m.Finish().ok());
  size_t ssns = 0;
  for (const auto& f : c.found) ssns += f.type == "US_SSN";
  CHECK(ssns == 400);
}

TEST_CASE("A matcher is reusable across streams") {
  Matcher m(Rules(), nullptr);
  Collector c;
  c.rules = &m.rules();
  for (int i = 0; i < 3; ++i) {
    c.found.clear();
    m.Begin(&c);
    REQUIRE(m.Feed("line\nSSN: 536-22-8726\n").ok());
    REQUIRE(m.Finish().ok());
    REQUIRE(c.found.size() == 1);
    CHECK(c.found[0].start == 10);
    CHECK(c.found[0].line == 2);
  }
}

TEST_CASE("A structured field name counts as keyword evidence for values inside it") {
  auto scan_field = [](const std::string& field) {
    // A CSV row far from any keyword: "row,536228726,x" with the value in a column.
    std::string text = std::string(400, ' ') + "row,536228726,x\n";
    uint64_t start = 404, end = 413;
    Matcher m(Rules(), nullptr);
    Collector c;
    c.rules = &m.rules();
    m.Begin(&c);
    m.AddFieldContext(start, end, field);
    REQUIRE(m.Feed(text).ok());
    REQUIRE(m.Finish().ok());
    return c.found;
  };
  auto ssn = scan_field("SSN");
  REQUIRE(ssn.size() == 1);
  CHECK(ssn[0].type == "US_SSN");
  // Bare nine digits: medium after a keyword in prose, high as the value of
  // a field named SSN (the field-only pattern).
  CHECK(ssn[0].score == 85);
  CHECK(scan_field("Social_Security_Number").size() == 1);
  CHECK(scan_field("patient.ssn").size() == 1);
  CHECK(scan_field("order_id").empty());
  CHECK(scan_field("").empty());
}

TEST_CASE("A value in a field named for another kind of value takes no evidence from outside") {
  // A CSV export: an SSN column beside an account and an order column. The
  // header's "ssn" is within reach of every value of the first rows, but
  // a value's own column says what it is.
  const std::string header = "ssn,account_no,order_id,notes\n";
  const std::string row = "536-22-8726,412671234,219876543,SSN 536228726 on file\n";
  const std::string text = header + row;
  Matcher m(Rules(), nullptr);
  Collector c;
  c.rules = &m.rules();
  m.Begin(&c);
  const uint64_t at = header.size();
  m.AddFieldContext(at, at + 11, "ssn");
  m.AddFieldContext(at + 12, at + 21, "account_no");
  m.AddFieldContext(at + 22, at + 31, "order_id");
  m.AddFieldContext(at + 32, text.size() - 1, "notes");
  REQUIRE(m.Feed(text).ok());
  REQUIRE(m.Finish().ok());
  std::vector<std::string> ssns;
  for (const auto& f : c.found) {
    if (f.type == "US_SSN") ssns.push_back(Span(text, f));
  }
  // The SSN column's value, and the one a keyword labels inside the notes
  // (a field whose name names nothing).
  CHECK(ssns == std::vector<std::string>{"536-22-8726", "536228726"});
  // The account column's value is still a bank account: its name is its
  // evidence.
  CHECK(std::count_if(c.found.begin(), c.found.end(),
                      [](const Found& f) { return f.type == "US_BANK_ACCOUNT"; }) == 1);

  // A keyword inside the value of such a field still counts.
  const std::string inside = std::string(400, ' ') + "x,SSN 536228726,y\n";
  Matcher m2(Rules(), nullptr);
  Collector c2;
  c2.rules = &m2.rules();
  m2.Begin(&c2);
  m2.AddFieldContext(402, 415, "order_id");
  REQUIRE(m2.Feed(inside).ok());
  REQUIRE(m2.Finish().ok());
  CHECK(c2.found.size() == 1);
}

TEST_CASE("A field name is read from its bytes even when its storage is reused") {
  // Extractors may pass the same buffer with another name in it; the
  // matcher remembers names by address, so it must compare the bytes.
  Matcher m(Rules(), nullptr);
  const std::string text = std::string(400, ' ') + "row,536228726,x\n";
  char name[4] = "ssn";
  auto scan = [&] {
    Collector c;
    c.rules = &m.rules();
    m.Begin(&c);
    m.AddFieldContext(404, 413, std::string_view(name, 3));
    REQUIRE(m.Feed(text).ok());
    REQUIRE(m.Finish().ok());
    return c.found.size();
  };
  CHECK(scan() == 1);
  std::memcpy(name, "abc", 3);
  CHECK(scan() == 0);
  std::memcpy(name, "ssn", 3);
  CHECK(scan() == 1);
}

namespace {

std::vector<Found> ScanWith(const std::string& pack_yaml, std::string_view text,
                            size_t chunk = 1 << 20) {
  auto pack = ParseRulePack(pack_yaml, "t.yaml");
  REQUIRE(pack.ok());
  auto rs = RuleSet::Compile(pack.value());
  INFO((rs.ok() ? "" : rs.status().message()));
  REQUIRE(rs.ok());
  MatcherOptions opt;
  opt.chunk_size = chunk;
  Matcher m(rs.value(), nullptr, opt);
  Collector c;
  c.rules = &m.rules();
  m.Begin(&c);
  REQUIRE(m.Feed(text).ok());
  REQUIRE(m.Finish().ok());
  std::sort(c.found.begin(), c.found.end());
  return c.found;
}

}  // namespace

TEST_CASE("A capturing group is the value; the anchor around it is not reported") {
  const char* pack = R"(
types:
  - id: SITE_ID
    category: PHI
    patterns:
      - regex: 'Site ID:\s{0,3}(\d{6})\b'
        score: 80
)";
  std::string text = "header\nSite ID: 123456 and Site ID:654321\n";
  for (size_t chunk : {size_t{1} << 20, size_t{5}, size_t{1}}) {
    auto f = ScanWith(pack, text, chunk);
    REQUIRE(f.size() == 2);
    CHECK(Span(text, f[0]) == "123456");
    CHECK(Span(text, f[1]) == "654321");
    CHECK(f[0].line == 2);
    CHECK(f[0].masked == "******");
  }
}

TEST_CASE("Matches of one type are judged in order of start, whatever their windows") {
  // A pattern with a 300-byte evidence window and one with none: the
  // second's later match was judged first when the stream arrived in
  // pieces, and the first's then displaced it as if they overlapped (a
  // secret field's value lost, another reported twice).
  const char* pack = R"(
types:
  - id: T
    category: CREDENTIAL
    patterns:
      - regex: 'key=(\w{4})'
        score: 75
      - regex: '\bzz\w{2}\b'
        score: 75
        proximity: 0
)";
  const std::string text = "key=abcd zzef" + std::string(400, ' ') + "\n";
  for (size_t chunk : {size_t{1} << 20, size_t{61}, size_t{7}}) {
    INFO("chunk " << chunk);
    auto f = ScanWith(pack, text, chunk);
    REQUIRE(f.size() == 2);
    CHECK(Span(text, f[0]) == "abcd");
    CHECK(Span(text, f[1]) == "zzef");
  }
}

TEST_CASE("Dictionary checks and {{list}} macros") {
  const char* pack = R"(
keywords:
  given: [Ada, Grace]
  family: [Lovelace, Hopper]
types:
  - id: NAME
    category: PII
    patterns:
      - regex: 'Name: ([A-Z][a-z]{1,20} [A-Z][a-z]{1,20})'
        dictionary: [given, family]
        score: 85
      - regex: '\b({{given}} {{family}})\b'
        score: 65
)";
  std::string text = "Name: Ada Smith\nName: Stable Overnight\nwe met Grace Hopper today\n"
                     "and grace hopper\n";
  auto f = ScanWith(pack, text);
  REQUIRE(f.size() == 2);
  CHECK(Span(text, f[0]) == "Ada Smith");  // one word in the dictionary suffices
  CHECK(f[0].score == 85);
  CHECK(Span(text, f[1]) == "Grace Hopper");  // list macro: case as written
  CHECK(f[1].score == 65);
}

TEST_CASE("A dictionary compares accented letters as their letters, in the list too") {
  // Listed with its accents, a name is found written without them, and
  // the reverse.
  const char* pack = R"(
keywords:
  family: ["N\u00fa\u00f1ez", Garcia]
types:
  - id: NAME
    category: PII
    patterns:
      - regex: 'Name: ([A-Z][a-z\xC3\x80-\xBF]{1,20})'
        dictionary: [family]
        score: 85
)";
  const std::string text = "Name: Nunez\nName: Garc\xC3\xAD" "a\nName: Nadal\n";
  auto f = ScanWith(pack, text);
  REQUIRE(f.size() == 2);
  CHECK(Span(text, f[0]) == "Nunez");
  CHECK(Span(text, f[1]) == "Garc\xC3\xAD" "a");
}

TEST_CASE("An exclude expression vetoes matches that overlap it, at every chunk size") {
  const char* pack = R"(
types:
  - id: CODE
    category: PII
    patterns:
      - regex: '\b\d{2}-\d{4}\b'
        exclude: ['#\d', '\d{4}:[a-z]{12}', '@[a-z]{40} \d']
        score: 65
      - regex: '\bK\d{3}\b'
        score: 65
  - id: ZED
    category: PII
    patterns:
      - regex: 'zz\d\d'
        prefilter: 'zz'
        exclude: ['\d\dq']
        score: 65
)";
  // Per block: vetoed by a span over the match's start ("#1": the hit, the
  // match's end, lies outside it), vetoed by a span holding the hit and
  // reaching 13 bytes past the match ("5678:abc..."), kept, kept (no exclude
  // on that pattern), a prefilter's match vetoed by a span after its hit
  // ("12q"), kept, kept next to an exclude expression that does not match
  // ("1234 :"), and vetoed by a span that starts 42 bytes before the match.
  const std::vector<std::string> keep = {"56-7890", "K123", "zz34", "78-1234"};
  std::string text;
  std::vector<std::string> want;
  for (int pad = 0; pad < 12; ++pad) {
    text += std::string(static_cast<size_t>(pad), '.') +
            " #12-4567 34-5678:abcdefghijkl 56-7890 K123 zz12q zz34 78-1234 : @" +
            std::string(40, 'w') + " 90-1234\n";
    want.insert(want.end(), keep.begin(), keep.end());
  }
  for (size_t chunk : {size_t{1}, size_t{2}, size_t{5}, size_t{7}, size_t{16}, size_t{61},
                       size_t{4096}, size_t{1} << 20}) {
    INFO("chunk " << chunk);
    std::vector<std::string> got;
    for (const auto& f : ScanWith(pack, text, chunk)) got.push_back(Span(text, f));
    CHECK(got == want);
  }
  // The built-in date types exclude the common timestamps.
  auto types = [](std::string_view t) {
    std::vector<std::string> out;
    for (const auto& f : Scan(t)) out.push_back(f.type);
    return out;
  };
  using V = std::vector<std::string>;
  CHECK(types("seen on 2024-03-05, stable") == V{"DATE"});
  CHECK(types("2024-03-05 09:45:11 INFO svc[7154] request").empty());
  CHECK(types("at 2024-03-05T09:45:11Z").empty());
  CHECK(types("on 03/05/2024 09:45 the").empty());
  CHECK(types("2024/03/05 09:45 ok").empty());
  CHECK(types("2024-03-05 9:45 ok").empty());  // not excluded: the validator rejects it
}

TEST_CASE("Patterns sharing a regex are confirmed once and scored separately") {
  const char* pack = R"(
keywords:
  a_terms: [alpha]
  b_terms: [beta]
types:
  - id: A
    category: PII
    patterns:
      - regex: '\bX\d{4}\b'
        score: 85
        evidence:
          - any_of: [a_terms]
      - regex: '\bX\d{4}\b'
        score: 65
  - id: B
    category: PII
    patterns:
      - regex: '\bX\d{4}\b'
        score: 75
        evidence:
          - any_of: [b_terms]
          - none_of: [a_terms]
)";
  std::string text = "alpha X1234\n" + Filler(400) + "beta X5678\n" + Filler(400) + "X9999\n";
  auto f = ScanWith(pack, text);
  std::vector<std::tuple<std::string, int, std::string>> got;
  for (const auto& x : f) got.emplace_back(x.type, x.score, Span(text, x));
  CHECK(got == std::vector<std::tuple<std::string, int, std::string>>{
                   {"A", 85, "X1234"}, {"A", 65, "X5678"}, {"B", 75, "X5678"},
                   {"A", 65, "X9999"}});
}

TEST_CASE("A per-pattern proximity narrows the evidence window") {
  const char* pack = R"(
keywords:
  dob: [dob]
types:
  - id: D
    category: PII
    patterns:
      - regex: '\b\d{2}/\d{2}/\d{4}\b'
        score: 85
        proximity: 10
        evidence:
          - any_of: [dob]
)";
  std::string text = "DOB: 01/02/1980 and later, much later, visit 03/04/2024\n";
  auto f = ScanWith(pack, text);
  REQUIRE(f.size() == 1);
  CHECK(Span(text, f[0]) == "01/02/1980");
}

TEST_CASE("Field-only patterns run on declared field values, never on free text") {
  auto run = [](bool declare) {
    std::string text = "id,mrn\n1,A1234567\n";
    Matcher m(Rules(), nullptr);
    Collector c;
    c.rules = &m.rules();
    m.Begin(&c);
    if (declare) m.AddFieldContext(9, 17, "MRN");
    REQUIRE(m.Feed(text).ok());
    REQUIRE(m.Finish().ok());
    return c.found;
  };
  auto with = run(true);
  REQUIRE(with.size() == 1);
  CHECK(with[0].type == "MRN");
  CHECK(with[0].start == 9);
  CHECK(with[0].end == 17);
  CHECK(run(false).empty());
}

TEST_CASE("Every built-in type is found in a typical context") {
  const std::pair<const char*, const char*> cases[] = {
      {"US_ITIN", "ITIN: 912-70-1234"},
      {"US_DEA", "DEA number AB1234563"},
      {"MRN", "MRN: A1234567"},
      {"HEALTH_PLAN_ID", "Aetna PPO Member ID: W123456789"},
      {"ICD10_CODE", "Diagnosis: E11.9"},
      {"ADDRESS", "Mail to PO BOX 4410"},
      {"ADDRESS", "Mail to P.O.BOX 4410"},
      {"NDC", "NDC 0002-3227-30 dispensed"},
      {"DATE_OF_BIRTH", "DOB: 03/15/1980"},
      {"DATE", "Seen on 2024-03-05 in clinic"},
      {"PERSON_NAME", "Patient: John Smith"},
      {"ADDRESS", "123 Main Street, Springfield, IL 62704"},
      {"PHONE", "phone +44 20 7946 0958"},
      {"URL", "see https://portal.example.com/patients/123"},
      {"IP_ADDRESS", "client ip 10.1.2.3"},
      {"IBAN", "IBAN GB82 WEST 1234 5698 7654 32"},
      {"US_ABA_ROUTING", "routing number 021000021"},
      {"US_BANK_ACCOUNT", "Account number: 12345678901"},
      {"US_DRIVER_LICENSE", "Driver's license: D1234567"},
      {"US_PASSPORT", "Passport number 123456789"},
      {"UK_NHS", "NHS number 943 476 5919"},
      {"CA_SIN", "SIN 130 692 544"},
      {"AU_MEDICARE", "Medicare card 2123 45670 1 (Services Australia)"},
      {"VIN", "VIN: 1M8GDM9AXKP042788"},
      {"AWS_ACCESS_KEY", "key AKIAIOSFODNN7EXAMPL2"},
      {"PRIVATE_KEY", "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAE"},
      {"GITLAB_TOKEN", "token glpat-Ab3dE6gH9jK2mN5pQ8sT"},
      {"GITHUB_TOKEN", "ghp_abcdefghijklmnopqrstuvwxyz0123456789"},
      {"SLACK_TOKEN", "xoxb-123456789012-abcdefghijklmnopqrstuvwx"},
      {"GOOGLE_API_KEY", "AIzaSyA1234567890abcdefghijklmnopqrstuv"},
      {"STRIPE_KEY", "sk_live_abcdefghijklmnopqrstuvwx"},
      {"JWT", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlc2lnbmF0dXJl"},
      {"GENERIC_PASSWORD", "db_password = \"Gr4nite&Owl7\""},
  };
  for (const auto& [wanted, text] : cases) {
    INFO(wanted << " in: " << text);
    auto f = Scan(text);
    const std::string& type = wanted;  // clang 14 cannot capture a structured binding
    CHECK(std::any_of(f.begin(), f.end(), [&](const Found& x) { return x.type == type; }));
  }
}

TEST_CASE("A credential is masked without its shape; other types keep theirs") {
  // A shape such as "*******&*" gives a password's length and where its
  // symbols sit.
  for (const char* text : {"db_password = \"Gr4nite&Owl7\"", "pwd: a-b.c_d!e",
                           "key AKIAIOSFODNN7EXAMPL2"}) {
    INFO(text);
    auto f = Scan(text);
    REQUIRE(!f.empty());
    for (const Found& x : f) CHECK(x.masked == "********");
  }
  auto ssn = Scan("Patient SSN: 536-22-8726.");
  REQUIRE(ssn.size() == 1);
  CHECK(ssn[0].masked == "***-**-****");
}

TEST_CASE("A US provider number beside the word Medicare is no Australian Medicare number") {
  // 2030926002 passes both the NPI check (Luhn over 80840 + the number)
  // and the Australian Medicare check digit; US claims name Medicare as the
  // payer beside the rendering provider's NPI.
  auto types = [&](const std::string& text) {
    std::vector<std::string> out;
    for (const Found& f : Scan(text)) out.push_back(f.type);
    std::sort(out.begin(), out.end());
    return out;
  };
  CHECK(types("Payer: Medicare Part B. Rendering provider NPI: 2030926002") ==
        std::vector<std::string>{"US_NPI"});
  // With Australian Medicare context the same digits are an Australian
  // Medicare number.
  CHECK(types("Australian Medicare card 2030 92600 2") ==
        std::vector<std::string>{"AU_MEDICARE"});
  CHECK(types("Medicare card 2030 92600 2, Parramatta NSW") ==
        std::vector<std::string>{"AU_MEDICARE"});
  // The word Medicare alone names the U.S. program: a payer report's GL
  // account beside it is at most a low one, which labels nothing.
  auto score = [&](const std::string& text) {
    int best = 0;
    for (const Found& f : Scan(text)) {
      if (f.type == "AU_MEDICARE") best = std::max(best, f.score);
    }
    return best;
  };
  CHECK(score("Payer: Medicare. GL 2123456701 total 1,204.00") == 65);
  CHECK(score("Medicare card 2030 92600 2") == 65);
  CHECK(score("Australian Medicare card 2030 92600 2") == 85);
}

TEST_CASE("A JSON value declared under its key and its parent's takes its own key's evidence") {
  // {"claim": {"ssn": "536228726"}}: the extractor names the value ssn and
  // claim, in that order, with one start. The ssn key is its evidence; an
  // object named for another kind of value does not hide it.
  auto scan = [](std::initializer_list<const char*> names, std::string_view keyword) {
    std::string text = std::string(200, ' ') + std::string(keyword) +
                       std::string(200 - keyword.size(), ' ') + "x 536228726 y\n";
    Matcher m(Rules(), nullptr);
    Collector c;
    c.rules = &m.rules();
    m.Begin(&c);
    for (const char* name : names) m.AddFieldContext(402, 411, name);
    REQUIRE(m.Feed(text).ok());
    REQUIRE(m.Finish().ok());
    int best = 0;
    for (const auto& f : c.found) {
      if (f.type == "US_SSN") best = std::max(best, f.score);
    }
    return best;
  };
  CHECK(scan({"ssn", "claim"}, "") == 85);
  CHECK(scan({"claim", "ssn"}, "") == 85);
  // Named only for another kind of value: a keyword outside is no evidence.
  CHECK(scan({"order"}, "Never mail an SSN.") == 0);
  CHECK(scan({"order", "claim"}, "Never mail an SSN.") == 0);
  // Named for nothing: the keyword nearby counts, as in prose.
  CHECK(scan({"value"}, "Never mail an SSN.") == 75);
}

TEST_CASE("Look-alikes of the wider library stay quiet") {
  for (const char* text : {
           "log 2024-03-05 12:30:00 INFO started",     // a timestamp is no DATE
           "version 10.3.15 released",                 // nor a version
           "mac 00:1a:2b:3c:4d:5e seen",               // no IPv6
           "E11.9 appears in the parts catalogue",     // ICD shape without clinical context
           "diagnosed by HbA1c; A1C 7.2",              // a lab, not a category
           "diagnosis: H1N1 influenza",                // no ICD-10 category has N third
           "Diagnosis: knee OA. Gave J1100 and G0439",  // HCPCS codes, not dot-less ICD
           "Pathology diagnosis: melanoma, S100 positive",  // a lab marker
           "0002-3227-30 on the pallet label",         // NDC shape without drug context
           "NHS number 943 476 5918",                  // bad mod 11
           "password=${DB_PASSWORD}",                  // placeholder
           "pk_live_abcdefghijklmnopqrstuvwx",         // publishable, not secret
           "Name: Stable Overnight",                   // not in the name dictionary
           "Springfield, IL 62704",                    // a city alone is no address
           "Ship to: AUSTIN, TX 78701",                // a city and state, not FAMILY, GIVEN
       }) {
    INFO(text);
    CHECK(Scan(text).empty());
  }
}

TEST_CASE("A hospital's own operational files give no identifier above low") {
  auto above_low = [](std::string_view text) {
    std::vector<std::string> types;
    for (const auto& f : Scan(text)) {
      if (f.score >= 75) types.push_back(f.type);
    }
    return types;
  };
  using Types = std::vector<std::string>;
  // A wireless controller's byte counters beside its SSID.
  CHECK(above_low("ssid CORP-WIFI clients 41 rx_bytes 536228726 tx_bytes 412671234\n").empty());
  // The metal in a lab's metals panel.
  CHECK(above_low("Analyte: Tin  Result 912781234 ppb\n").empty());
  // A shipping method and a session's expiry beside order and transaction ids.
  CHECK(above_low("ship EXP 4532015112830366 delivered\n").empty());
  CHECK(above_low("txn 4532015112830366 ok; session expires in 300 s\n").empty());
  // A plate reader's counts beside a pH reading.
  CHECK(above_low("pH 7.4 well A1 415 555 2671\n").empty());
  // A SAN switch's port names.
  CHECK(above_low("ip zone member 50:06:01:60:3b:20:19:c3\n").empty());
  // The acronyms and the card's expiry as written still count.
  CHECK(above_low("TIN 912-78-1234 on the W-9\n") == Types{"US_ITIN"});
  CHECK(above_low("Ph: (415) 555-2671\n") == Types{"PHONE"});
  CHECK(above_low("4532015112830366 exp. 03/2029\n") == Types{"CREDIT_CARD"});
  CHECK(above_low("SSID and SSN: 536228726\n") == Types{"US_SSN"});
}

TEST_CASE("Masks and tokens are computed only for the locators a sink keeps") {
  struct NoLocators : MatchSink {
    std::vector<Match> got;
    void OnMatch(const Match& m) override { got.push_back(m); }
    bool WantsLocator(int) const override { return false; }
  };
  TokenKey key = TokenKey::Ephemeral();
  Matcher m(Rules(), &key);
  NoLocators sink;
  m.Begin(&sink);
  REQUIRE(m.Feed("SSN: 536-22-8726\nSSN: 536228726\nSSN: 536-22-8727\n").ok());
  REQUIRE(m.Finish().ok());
  REQUIRE(sink.got.size() == 3);
  for (const auto& match : sink.got) {
    CHECK(match.masked.empty());
    CHECK(match.token == phiscan::Token{});
  }
  // The in-memory hash still tells values apart, formats aside.
  CHECK(sink.got[0].value_hash == sink.got[1].value_hash);
  CHECK(sink.got[0].value_hash != sink.got[2].value_hash);
}

TEST_CASE("A U.S. number in E.164 form without separators is a phone (FHIR telecom, SMS logs)") {
  std::string fhir = R"({"telecom":[{"system":"phone","value":"+14155552671"}]})";
  auto f = Scan(fhir);
  REQUIRE(f.size() == 1);
  CHECK(f[0].type == "PHONE");
  CHECK(f[0].score == 85);
  CHECK(fhir.substr(f[0].start, f[0].end - f[0].start) == "+14155552671");

  std::string sms = "delivered to +14155552671 at noon";
  f = Scan(sms);
  REQUIRE(f.size() == 1);
  CHECK(f[0].type == "PHONE");
  CHECK(f[0].score == 65);
  // The NANP checks still apply: an area code starting 1, a longer run.
  CHECK(Scan("delivered to +11155552671 at noon").empty());
  CHECK(Scan("delivered to +141555526710 at noon").empty());
}

TEST_CASE("A version's build metadata (+date) is no international phone number") {
  for (const char* text : {"version 1.4.2+20240315 released", "image app:3.1.0+2024031512 pulled",
                           "pkg foo_2.1+20231107.1200 built"}) {
    INFO(text);
    CHECK(Scan(text).empty());
  }
  // After a separator, a '+' still starts a phone number.
  for (const char* text : {"Tel:+442079460958", "phone (+44 20 7946 0958)", "fax=+33 1 42 68 53 00"}) {
    INFO(text);
    auto f = Scan(text);
    REQUIRE(f.size() == 1);
    CHECK(f[0].type == "PHONE");
  }
}

TEST_CASE("An account number is a bank's, high, only with a bank word on it or banking near") {
  // An AWS or customer account number is no bank account at high confidence
  // (the file was labelled PII), and a ledger's "Account No" or a supplier's
  // customer number is written like a bank's: "account number", "no", "#"
  // or "acct" alone are low. A bank word on the label, or banking named
  // nearby (routing number, ACH, direct deposit), makes it high.
  auto score_of = [](const char* text) {
    auto f = Scan(text);
    for (const auto& x : f) {
      if (x.type == "US_BANK_ACCOUNT") return x.score;
    }
    return 0;
  };
  CHECK(score_of("AWS account 123456789012 in us-east-1") == 65);
  CHECK(score_of("account: 12345678") == 65);
  CHECK(score_of("Account number: 12345678901") == 65);
  CHECK(score_of("Account #12345678") == 65);
  CHECK(score_of("Acct: 12345678") == 65);
  CHECK(score_of("GL Account No: 61000020 Salaries - Physician") == 65);
  CHECK(score_of("Direct deposit to account number 12345678901") == 85);
  CHECK(score_of("Routing 021000021, Acct: 12345678") == 85);
  CHECK(score_of("checking account 12345678") == 85);
  CHECK(score_of("savings acct no. 12345678") == 85);
  CHECK(score_of("Bank Account Number: 12345678") == 85);
  // One finding per value, at the higher score.
  auto f = Scan("Account # 12345678");
  CHECK(std::count_if(f.begin(), f.end(),
                      [](const Found& x) { return x.type == "US_BANK_ACCOUNT"; }) == 1);
}

TEST_CASE("A patient's account number is a PATIENT_ACCOUNT, not a bank account") {
  // A provider's billing account for a patient: "account number" after
  // "patient" or "pt" names no bank's account.
  auto found = [](const char* text) {
    std::vector<std::string> out;
    for (const auto& x : Scan(text)) {
      out.push_back(x.type + " " + Span(text, x) + " " + std::to_string(x.score));
    }
    return out;
  };
  using Lines = std::vector<std::string>;
  CHECK(found("Patient Account Number: 100234567") == Lines{"PATIENT_ACCOUNT 100234567 85"});
  CHECK(found("patient acct no. ACCT998877") == Lines{"PATIENT_ACCOUNT ACCT998877 85"});
  CHECK(found("Billing: Pt Acct 100234567") == Lines{"PATIENT_ACCOUNT 100234567 85"});
  CHECK(found("patient account 100234567") == Lines{"PATIENT_ACCOUNT 100234567 85"});
  // Other accounts stay bank accounts: "Dept" ends in "pt" (so "pt" counts
  // after a byte that is no letter, never at the very start of a file).
  CHECK(found("Dept acct no: 100234567") == Lines{"US_BANK_ACCOUNT 100234567 65"});
  CHECK(found("Account Number: 100234567") == Lines{"US_BANK_ACCOUNT 100234567 65"});
}

TEST_CASE("AWS's documented example access key ids are not reported as credentials") {
  for (const char* text : {"aws_access_key_id = AKIAIOSFODNN7EXAMPLE",
                           "export AWS_ACCESS_KEY_ID=ASIAQWERTYUIOEXAMPLE"}) {
    INFO(text);
    CHECK(Scan(text).empty());
  }
  auto f = Scan("aws_access_key_id = AKIAQWERTYUIOPASDFGH");
  REQUIRE(f.size() == 1);
  CHECK(f[0].type == "AWS_ACCESS_KEY");
}

TEST_CASE("A member, policy, plan or group number is a health plan id only in health context") {
  // IAM policies, billing plans, Unix groups, gyms, airlines, car insurers
  // and payroll's Social Insurance Numbers: not PHI.
  for (const char* text : {"group_id=123456 uid=1000", "firewall policy_id: 10023 applied",
                           "stripe plan_id=100234 renewed", "Group ID: 884422 (LDAP)",
                           "Gym membership renewed, member id: 20240315",
                           "Frequent flyer member number: UA1234567",
                           "Auto insurance renewal. Policy number: PA1234567",
                           "Group Number: 884422", "Insurance ID 55512345 (home and auto)"}) {
    INFO(text);
    CHECK(Scan(text).empty());
  }
  for (const char* text : {"Insurance: Acme Health PPO, Group ID: 884422",
                           "Medicaid plan id 12345678 on file", "Member ID: W123456789 (HMO)",
                           "Blue Cross Group Number: 884422", "Policy No. H12345678, copay $20",
                           "Subscriber ID: W123456789", "Health plan number XJH1234567"}) {
    INFO(text);
    auto f = Scan(text);
    REQUIRE(f.size() == 1);
    CHECK(f[0].type == "HEALTH_PLAN_ID");
    CHECK(f[0].score == 85);
  }
  // As a field name, too.
  auto scan_field = [](const std::string& field) {
    std::string text = std::string(400, ' ') + "row,10023,x\n";
    Matcher m(Rules(), nullptr);
    Collector c;
    c.rules = &m.rules();
    m.Begin(&c);
    m.AddFieldContext(404, 409, field);
    REQUIRE(m.Feed(text).ok());
    REQUIRE(m.Finish().ok());
    return c.found;
  };
  CHECK(scan_field("policy_id").empty());
  CHECK(scan_field("plan_id").empty());
  auto f = scan_field("policy_number");
  REQUIRE(f.size() == 1);
  CHECK(f[0].type == "HEALTH_PLAN_ID");
}

TEST_CASE("Password assignments in templates and code that fetches the secret stay quiet") {
  for (const char* text : {"password=your_password", "api_key=YOUR_API_KEY_HERE",
                           "DB_PASSWORD=REPLACE_ME", "password = getpass.getpass()",
                           "db_password = os.environ['DB_PASSWORD']",
                           "password: process.env.DB_PASSWORD",
                           "def login(user: str, password: Optional[str] = None):"}) {
    INFO(text);
    CHECK(Scan(text).empty());
  }
  auto f = Scan("db_password = \"Yt7(qP2!x9\"");
  REQUIRE(f.size() == 1);
  CHECK(f[0].type == "GENERIC_PASSWORD");
}

TEST_CASE("A password's key may be camelCase or have three words; its value is on its line") {
  // An empty assignment is no password, and the next line is not its value.
  for (const char* text : {"DB_PASSWORD=\nLOG_LEVEL=information", "password:\n  vault: prod-db",
                           "compass: northwest-bearing", "bypass: enabled", "max_tokens: 409600",
                           "token: abcdefghijkl", "pass: abcdefgh", "SECRET_KEY=your_secret_key"}) {
    INFO(text);
    CHECK(Scan(text).empty());
  }
  struct Case {
    std::string text;
    std::string value;
  };
  for (const Case& c : {Case{"dbPassword: devpassword123", "devpassword123"},
                        Case{"MSSQL_SA_PASSWORD: \"CiOnly_Passw0rd!\"", "CiOnly_Passw0rd!"},
                        Case{"SPRING_DATA_MONGODB_PASSWORD=Xk2pq91zR", "Xk2pq91zR"},
                        Case{"pw: Xk2#pq91z", "Xk2#pq91z"},
                        // A secret key, a token or a pass behind another word.
                        Case{"SECRET_KEY=django-insecure-8f3k2m9q", "django-insecure-8f3k2m9q"},
                        Case{"MINIO_SECRET_KEY=wJalrXUtnFEMI2K7MDENG", "wJalrXUtnFEMI2K7MDENG"},
                        Case{"SMTP_PASS=Wint3rHarbor", "Wint3rHarbor"},
                        Case{"app.jwt.signing-key=Qm9iTGFiUzNjcmV0", "Qm9iTGFiUzNjcmV0"}}) {
    INFO(c.text);
    auto f = Scan(c.text);
    REQUIRE(f.size() == 1);
    CHECK(f[0].type == "GENERIC_PASSWORD");
    CHECK(Span(c.text, f[0]) == c.value);
  }
}

TEST_CASE("The password or key in a connection string is a credential, high") {
  // A synthetic Azure storage key (88 base64 characters) and SAS signature.
  const std::string key = std::string("n0G9W8uw8de9puyHB9d3xvE/pg3mKBxfeN4/YYsakj8Du") +
                          "zdoRy7q3sRjKMPMEiOennEgIQD43wE1xjf1+yrfKg==";
  const std::string sig = "SlD2MorgraA0LvD3sDL39%2BRiTAVcairvJUMQVE3RmpY%3D";
  const std::string logic = "Xw8Rt5Yb1Nc4Vd7f3kQ9zLm2-aB3dE6gH9_jK2mN5pQ8s";
  struct Case {
    std::string text;
    std::string value;
  };
  for (const Case& c : {Case{"DATABASE_URL=postgres://emr_app:Falcon!8722orchid@db01:5432/emr",
                             "Falcon!8722orchid"},
                        Case{"redis://:S3cretPass@cache01:6379/0", "S3cretPass"},
                        Case{"amqp://svc_hl7:q9Xv-77Lm@mq01/", "q9Xv-77Lm"},
                        // Azure: a storage connection string's key, a SAS URL's signature.
                        Case{"AccountName=pacs;AccountKey=" + key + ";EndpointSuffix=x", key},
                        Case{"https://pacs.blob.example/c/x.dcm?sv=2022-11-02&sp=r&sig=" + sig,
                             sig},
                        // A Teams workflow's (Logic Apps) trigger: base64url.
                        Case{"https://prod-12.westus.logic.azure.com:443/workflows/0a1b/"
                             "triggers/manual/paths/invoke?api-version=2016-06-01&sv=1.0&sig=" +
                                 logic,
                             logic}}) {
    INFO(c.text);
    auto f = Scan(c.text);
    auto pw = std::find_if(f.begin(), f.end(),
                           [](const Found& x) { return x.type == "GENERIC_PASSWORD"; });
    REQUIRE(pw != f.end());
    CHECK(pw->score == 85);
    CHECK(Span(c.text, *pw) == c.value);
  }
  // A placeholder, a user without a password, a port: no credential.
  for (const char* text : {"postgresql://reporting:${DB_PASS}@db01/x", "https://user@host/x",
                           "see https://docs.example.com:8443/x@y", "https://a:b@c"}) {
    INFO(text);
    for (const Found& x : Scan(text)) CHECK(x.type != "GENERIC_PASSWORD");
  }
}

TEST_CASE("A licence number with no driver word is low; with driving named near, high") {
  struct Case {
    std::string text;
    int score;
  };
  for (const Case& c : {Case{"License Number: 72692051", 65},
                        Case{"Elevator license number: EL437486", 65},
                        Case{"DMV record. License No. 867487238", 85},
                        Case{"Driver License: D1234567", 85},
                        Case{"Illinois driver license S123-4567-8901", 85}}) {
    INFO(c.text);
    auto f = Scan(c.text);
    REQUIRE(f.size() == 1);
    CHECK(f[0].type == "US_DRIVER_LICENSE");
    CHECK(f[0].score == c.score);
  }
}

TEST_CASE("A DEA number without a DEA keyword is low, and only in upper case") {
  // Business ids of the same shape pass the check digit one time in ten.
  for (const char* text : {"journal JE9040370 posted", "prescriber AB1234563 signed"}) {
    INFO(text);
    auto f = Scan(text);
    REQUIRE(f.size() == 1);
    CHECK(f[0].type == "US_DEA");
    CHECK(f[0].score == 65);
  }
  CHECK(Scan("host ab1234563.corp.local up").empty());
  auto f = Scan("DEA: ab1234563");
  REQUIRE(f.size() == 1);
  CHECK(f[0].score == 85);
}

TEST_CASE("A multi-word keyword written with underscores or hyphens (log keys, YAML) is evidence") {
  struct Case {
    const char* text;
    const char* type;
    int score;
  };
  for (const Case& c : {Case{"import date_of_birth=1967-03-04 status=ok", "DATE_OF_BIRTH", 85},
                        Case{"birth-date: 03/04/1967", "DATE_OF_BIRTH", 85},
                        Case{"GET / remote_addr=81.20.30.40 status=200", "IP_ADDRESS", 85},
                        Case{"social_security_number: 219456781", "US_SSN", 75}}) {
    INFO(c.text);
    auto f = Scan(c.text);
    REQUIRE(f.size() == 1);
    CHECK(f[0].type == c.type);
    CHECK(f[0].score == c.score);
  }
  // Still whole words only.
  CHECK(Scan("birth_dates_total 1967-03-04")[0].type == "DATE");
}

TEST_CASE("A birth date in the future is no date of birth") {
  // Nor a DATE, which leaves dates beside a birth keyword to DATE_OF_BIRTH.
  CHECK(Scan("Patient DOB: 2091-05-01 (entered in error)").empty());
  CHECK(Scan("Patient DOB: 05/01/2091").empty());
  auto f = Scan("Patient DOB: 1991-05-01 (entered in error)");
  REQUIRE(f.size() == 1);
  CHECK(f[0].type == "DATE_OF_BIRTH");
}

TEST_CASE("A contiguous IBAN followed by a year or a code is still found") {
  for (std::string text : {"IBAN BE68539007547034 2024 payment", "to PL61109010140000071219812874 EUR1 ok",
                           "IBAN BE68 5390 0754 7034, 2024"}) {
    INFO(text);
    auto f = Scan(text);
    REQUIRE(f.size() == 1);
    CHECK(f[0].type == "IBAN");
    std::string v = text.substr(f[0].start, f[0].end - f[0].start);
    CHECK((v == "BE68539007547034" || v == "PL61109010140000071219812874" ||
           v == "BE68 5390 0754 7034"));
  }
}

TEST_CASE("Documentation placeholders for API tokens (ghp_xxxx..., sk_live_XXXX...) are no credentials") {
  for (const char* text : {"GITHUB_TOKEN=ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
                           "STRIPE_SECRET_KEY=sk_live_XXXXXXXXXXXXXXXXXXXXXXXX",
                           "stripe.api_key = \"sk_test_xxxxxxxxxxxxxxxxxxxxxxxxxxxx\"",
                           "key=AIzaSyXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"}) {
    INFO(text);
    CHECK(Scan(text).empty());
  }
  // A token that merely contains an x or two is still one.
  auto f = Scan("GITHUB_TOKEN=ghp_x1xx2xxxabcdefghijklmnopqrstuvwx0123");
  REQUIRE(f.size() == 1);
  CHECK(f[0].type == "GITHUB_TOKEN");
}

namespace {

// Scans `text` with `field` declared as the name of the field whose value is
// text[start, end), as the CSV and JSON extractors do.
std::vector<Found> ScanInField(const std::string& text, uint64_t start, uint64_t end,
                               const std::string& field) {
  Matcher m(Rules(), nullptr);
  Collector c;
  c.rules = &m.rules();
  m.Begin(&c);
  m.AddFieldContext(start, end, field);
  REQUIRE(m.Feed(text).ok());
  REQUIRE(m.Finish().ok());
  std::sort(c.found.begin(), c.found.end());
  return c.found;
}

// That the value text[start, end) of `field` is one finding of `type` and
// `score`, with the value's span.
void CheckFieldValue(const std::string& text, uint64_t start, uint64_t end,
                     const std::string& field, const std::string& type, int score) {
  INFO(field);
  auto f = ScanInField(text, start, end, field);
  REQUIRE(f.size() == 1);
  CHECK(f[0].type == type);
  CHECK(f[0].score == score);
  CHECK(f[0].start == start);
  CHECK(f[0].end == end);
}

}  // namespace

TEST_CASE("Ten bare digits in a phone, mobile or telephone field are a phone number") {
  // A CSV row "2,4155552671,ok" far from any keyword; the value in a column
  // named like a phone.
  const std::string text = std::string(400, ' ') + "2,4155552671,ok\n";
  for (const char* field : {"phone", "Mobile", "telephone", "home_phone", "patient.phone"}) {
    CheckFieldValue(text, 402, 412, field, "PHONE", 85);
  }
  // With the country code, too.
  const std::string eleven = std::string(400, ' ') + "2,14155552671,ok\n";
  auto f = ScanInField(eleven, 402, 413, "phone");
  REQUIRE(f.size() == 1);
  CHECK(f[0].type == "PHONE");
  // Not under another name, not in free text, not an invalid NANP number.
  CHECK(ScanInField(text, 402, 412, "order_id").empty());
  CHECK(Scan("order 4155552671 shipped").empty());
  CHECK(ScanInField(std::string(400, ' ') + "2,1155552671,ok\n", 402, 412, "phone").empty());
}

TEST_CASE("An SSN written with dots or no-break spaces is found next to an SSN keyword") {
  const std::string nbsp = "\xC2\xA0";
  for (const std::string& value : {std::string("536.22.8726"), "536" + nbsp + "22" + nbsp + "8726"}) {
    INFO(value);
    const std::string text = "Patient SSN " + value + " on file";
    auto f = Scan(text);
    REQUIRE(f.size() == 1);
    CHECK(f[0].type == "US_SSN");
    CHECK(f[0].score == 85);
    CHECK(Span(text, f[0]) == value);
    // Without the keyword a dotted triple is a version or a part number.
    CHECK(Scan("release " + value + " shipped").empty());
  }
  auto itin = Scan("ITIN 912.70.1234");
  REQUIRE(itin.size() == 1);
  CHECK(itin[0].type == "US_ITIN");
  CHECK(itin[0].score == 85);
  CHECK(Scan("SSN 536.22-8726").empty());  // mixed separators
}

TEST_CASE("A 14-digit Diners Club card written 4-6-4 is a card") {
  const std::string text = "Diners Club 3670 184529 6319 exp 12/29";
  auto f = Scan(text);
  REQUIRE(f.size() == 1);
  CHECK(f[0].type == "CREDIT_CARD");
  CHECK(f[0].score == 85);
  CHECK(Span(text, f[0]) == "3670 184529 6319");
  auto alone = Scan("ref 3670-184529-6319 ok");
  REQUIRE(alone.size() == 1);
  CHECK(alone[0].type == "CREDIT_CARD");
  CHECK(alone[0].score == 65);
  // The shape with a prefix of another issuer (Visa has no 14-digit cards),
  // or a failing Luhn check, is no card.
  CHECK(Scan("card 4670 184529 6317").empty());
  CHECK(Scan("card 3670 184529 6318").empty());
}

TEST_CASE("A field name ending in an unambiguous identifier term is evidence (patient_ssn)") {
  const std::string ssn = std::string(400, ' ') + "row,536228726,x\n";
  for (const char* field : {"patient_ssn", "PatientSSN", "subscriber-ssn", "emp.patient_ssn"}) {
    INFO(field);
    auto f = ScanInField(ssn, 404, 413, field);
    REQUIRE(f.size() == 1);
    CHECK(f[0].type == "US_SSN");
    CHECK(f[0].score == 85);
  }
  const std::string dob = std::string(400, ' ') + "row,1967-03-04,x\n";
  for (const char* field : {"patient_dob", "subscriberDOB", "patient-date-of-birth"}) {
    INFO(field);
    auto f = ScanInField(dob, 404, 414, field);
    REQUIRE(f.size() == 1);
    CHECK(f[0].type == "DATE_OF_BIRTH");
    CHECK(f[0].score == 85);
  }
  // Only the listed identifiers, and only whole trailing words: a billing
  // plan or a ledger account is no health plan or bank field, "lessn" no SSN.
  const std::string id = std::string(400, ' ') + "row,10023456,x\n";
  CHECK(ScanInField(id, 404, 412, "billing_plan_id").empty());
  CHECK(ScanInField(id, 404, 412, "gl_acct").empty());
  CHECK(ScanInField(id, 404, 412, "customer_account_number").empty());
  CHECK(ScanInField(ssn, 404, 413, "lessn").empty());
  CHECK(ScanInField(ssn, 404, 413, "ssn_count").empty());
  CHECK(ScanInField(dob, 404, 414, "created_date")[0].type == "DATE");
}

TEST_CASE("Field names in camelCase, PascalCase, with a number word or alternatives name a type") {
  // What database exports and APIs call their columns: the words of a
  // keyword run together, or followed by No, Num or #.
  const std::string ssn = std::string(400, ' ') + "row,536228726,x\n";
  for (const char* field : {"SocialSecurityNumber", "socialSecurityNumber", "SSN_NO", "ssnNo",
                            "ssn_num", "soc_sec_num", "Social Security #", "SSNNumber",
                            "Member SSN #", "SSN/TIN", "ITIN/SSN"}) {
    CheckFieldValue(ssn, 404, 413, field, "US_SSN", 85);
  }
  const std::string mrn = std::string(400, ' ') + "row,00482913,x\n";
  for (const char* field : {"MedicalRecordNumber", "medicalRecordNumber", "PatientID",
                            "patientId", "ChartNo"}) {
    CheckFieldValue(mrn, 404, 412, field, "MRN", 85);
  }
  const std::string card = std::string(400, ' ') + "row,4807302157368199,x\n";
  for (const char* field : {"CardNumber", "credit_card_number", "CreditCardNo", "cc_number"}) {
    CheckFieldValue(card, 404, 420, field, "CREDIT_CARD", 85);
  }
  const std::string dob = std::string(400, ' ') + "row,1967-03-04,x\n";
  CheckFieldValue(dob, 404, 414, "DateOfBirth", "DATE_OF_BIRTH", 85);
  // The split and the number word do not make a name of what is none: an
  // order number, a plan id, a count of SSNs, a path whose last part is no
  // identifier.
  const std::string id = std::string(400, ' ') + "row,10023456,x\n";
  for (const char* field : {"OrderNumber", "planId", "billingPlanId", "groupId", "PlanNo"}) {
    INFO(field);
    CHECK(ScanInField(id, 404, 412, field).empty());
  }
  CHECK(ScanInField(ssn, 404, 413, "ssnCount").empty());
  CHECK(ScanInField(ssn, 404, 413, "Number").empty());
  CHECK(ScanInField(ssn, 404, 413, "ssn/notes/count").empty());
}

TEST_CASE("A birth date field's date with a time of day, as databases export it, is a birth date") {
  for (const char* value : {"1962-03-14 00:00:00.000", "1962-03-14T00:00:00Z", "1962-03-14T00:00",
                            "03/14/1962 00:00", "1962-03-14T00:00:00+02:00"}) {
    const std::string text = std::string(400, ' ') + "row," + value + ",x\n";
    const uint64_t end = 404 + std::strlen(value);
    for (const char* field : {"DOB", "BirthDate", "birthDate", "patient_dob"}) {
      INFO(value << " in " << field);
      auto f = ScanInField(text, 404, end, field);
      REQUIRE(f.size() == 1);
      CHECK(f[0].type == "DATE_OF_BIRTH");
      CHECK(f[0].score == 85);
      CHECK(f[0].start == 404);
      CHECK(f[0].end == 414);  // the date, without its time
    }
    // A timestamp of anything else is no date at all; nor is a future day.
    INFO(value);
    CHECK(ScanInField(text, 404, end, "created_at").empty());
  }
  const std::string future = std::string(400, ' ') + "row,2099-01-01 00:00:00,x\n";
  CHECK(ScanInField(future, 404, 423, "DOB").empty());
}

TEST_CASE("A role address (info@, noreply@) is a low email finding, a person's is not") {
  auto role = Scan("Questions? Email info@clinic.example or support@clinic.example.");
  REQUIRE(role.size() == 2);
  for (const auto& f : role) {
    CHECK(f.type == "EMAIL");
    CHECK(f.score == 65);
  }
  auto person = Scan("Questions? Email jane.doe@clinic.example.");
  REQUIRE(person.size() == 1);
  CHECK(person[0].score == 85);
  auto alone = Scan("cc jane.doe@clinic.example");
  REQUIRE(alone.size() == 1);
  CHECK(alone[0].score == 75);
}

TEST_CASE("An MRN after the ways notes write its label is found, the label not in it") {
  for (const char* text : {"MRN is 00482913", "MR#: 00482913", "Med Rec #: 00482913",
                           "Pt ID: 00482913", "MRN (Epic): 00482913", "medical record no. 00482913",
                           "Patient ID 00482913", "MR No.: 00482913", "Hospital No: 00482913",
                           "Unit No: 00482913", "EMPI: 00482913", "MRN - 00482913"}) {
    INFO(text);
    auto f = Scan(text);
    REQUIRE(f.size() == 1);
    CHECK(f[0].type == "MRN");
    CHECK(f[0].score == 85);
    CHECK(Span(text, f[0]) == "00482913");
  }
  const std::string site = "MRN: NYPH4774740";  // a site's four-letter prefix
  auto p = Scan(site);
  REQUIRE(p.size() == 1);
  CHECK(Span(site, p[0]) == "NYPH4774740");
  const std::string two = "MRN: 0048-2913 on file";
  auto f = Scan(two);
  REQUIRE(f.size() == 1);
  CHECK(Span(two, f[0]) == "0048-2913");
  // A label that is no MRN's.
  for (const char* text : {"patient is 00482913", "MR 00482913", "medical 00482913",
                           "Patient No,144-61-6180,(389) 708-6948", "unit no. 12B",
                           "hospital 00482913"}) {
    INFO(text);
    for (const auto& x : Scan(text)) CHECK(x.type != "MRN");
  }
}

TEST_CASE("A Canadian SIN needs the acronym SIN or Canadian context, not the Spanish word sin") {
  for (const char* text : {"Pedido sin costo, referencia 130692544 enviado.",
                           "Envio sin cargo: 130 692 544", "sin 130-692-544"}) {
    INFO(text);
    CHECK(Scan(text).empty());
  }
  for (std::string text : {"Employee SIN: 130 692 544", "SIN# 130692544",
                           "social insurance number 130-692-544",
                           "employee sin 130692544, Toronto, Ontario"}) {
    INFO(text);
    auto f = Scan(text);
    REQUIRE(f.size() == 1);
    CHECK(f[0].type == "CA_SIN");
    CHECK(f[0].score == 85);
  }
  // A column named sin (any case) still holds SINs.
  const std::string row = std::string(400, ' ') + "row,130692544,x\n";
  for (const char* field : {"sin", "SIN"}) {
    auto f = ScanInField(row, 404, 413, field);
    REQUIRE(f.size() == 1);
    CHECK(f[0].type == "CA_SIN");
  }
}

TEST_CASE("An OID or a DICOM UID holds no IPv4 address, whatever IP keyword is near") {
  for (const char* text : {"snmp-server view NMSVIEW 1.3.6.1.6.3.16 excluded (ip)",
                           "IP-MIB .1.3.6.1.4.1.9.9.109.1.1.1.1.8 cpu",
                           "source ip; SOP class 1.2.840.10008.5.1.4.1.1.2",
                           "ip 81.2.3.4.5 five parts"}) {
    INFO(text);
    CHECK(Scan(text).empty());
  }
  // An address at the end of a sentence, or two in a row, are still found.
  for (const char* text : {"client ip 81.20.30.40.", "IP 81.2.3.4,81.2.3.5"}) {
    INFO(text);
    auto f = Scan(text);
    REQUIRE(!f.empty());
    CHECK(f[0].type == "IP_ADDRESS");
    CHECK(f[0].score == 85);
  }
  CHECK(Scan("IP 81.2.3.4,81.2.3.5").size() == 2);
}

TEST_CASE("Two hex words around :: (dead::beef in code) are no IPv6 address without an IP keyword") {
  for (const char* text : {"if (x) return dead::beef;", "a::b", "route via fe80::1 ok",
                           "cafe::f00d(0xff);"}) {
    INFO(text);
    CHECK(Scan(text).empty());
  }
  struct Case {
    std::string text;
    std::string value;
    int score;
  };
  for (const Case& c : {Case{"from 2001:4860:85a3::8a2e:370:7334 ok",
                             "2001:4860:85a3::8a2e:370:7334", 75},
                        Case{"peer 2600:1f18::1 up", "2600:1f18::1", 75},
                        Case{"client ip 2a02::1", "2a02::1", 85},
                        // A network's own addresses are low, keyword or not.
                        Case{"client ip fe80::1", "fe80::1", 65},
                        Case{"peer 2001:db8::1 up", "2001:db8::1", 65}}) {
    INFO(c.text);
    auto f = Scan(c.text);
    REQUIRE(f.size() == 1);
    CHECK(f[0].type == "IP_ADDRESS");
    CHECK(f[0].score == c.score);
    CHECK(Span(c.text, f[0]) == c.value);
  }
}

TEST_CASE("An AWS secret access key is found next to its keyword, never as a bare 40 characters") {
  const std::string key = "pTyGJMuHbEL31IeL2HPcHyGcFRl1SPnXNYvMIHa+";
  for (const std::string& text :
       {"aws_secret_access_key = " + key + "\n", "export AWS_SECRET_ACCESS_KEY=" + key + "\n",
        "{\"SecretAccessKey\": \"" + key + "\"}", "secret-access-key: '" + key + "'\n"}) {
    INFO(text);
    auto f = Scan(text);
    REQUIRE(f.size() == 1);
    CHECK(f[0].type == "AWS_SECRET_KEY");
    CHECK(f[0].score == 85);
    CHECK(Span(text, f[0]) == key);
  }
  for (const std::string& text :
       {"checksum " + key + "\n",                                  // no keyword
        "aws_secret_access_key = " + key + "Q\n",                   // 41 characters
        std::string("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"),  // AWS's
        std::string("aws_secret_access_key = xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n")}) {
    INFO(text);
    CHECK(Scan(text).empty());
  }
  // Not AWS's name for it: a secret all the same, of no known service.
  auto generic = Scan("secret_key = " + key + "\n");
  REQUIRE(generic.size() == 1);
  CHECK(generic[0].type == "GENERIC_PASSWORD");
}

TEST_CASE("A published test card number (4111 1111 1111 1111, 4242...) is a low-confidence card") {
  for (std::string text : {"Card number 4111 1111 1111 1111 exp 12/29", "visa 4242424242424242",
                           "Mastercard 5555 5555 5555 4444, cvv 123",
                           "Amex card 3782 822463 10005"}) {
    INFO(text);
    auto f = Scan(text);
    REQUIRE(f.size() == 1);
    CHECK(f[0].type == "CREDIT_CARD");
    CHECK(f[0].score == 65);
  }
  // A real-looking number with a card keyword stays high.
  auto f = Scan("Mastercard 5142 1809 6792 9082, cvv 123");
  REQUIRE(f.size() == 1);
  CHECK(f[0].score == 85);
}

TEST_CASE("A grouped IBAN followed by a four-character word is still found, at any chunk size") {
  const std::string text = "paid to IBAN BE68 5390 0754 7034 2024 in full, ref 5390";
  for (size_t chunk : {size_t{1} << 20, size_t{61}, size_t{7}, size_t{1}}) {
    INFO("chunk " << chunk);
    auto f = Scan(text, chunk);
    REQUIRE(f.size() == 1);
    CHECK(f[0].type == "IBAN");
    CHECK(f[0].score == 85);
    CHECK(Span(text, f[0]) == "BE68 5390 0754 7034");
  }
  // Shorter is tried only from the same start and down to a valid IBAN:
  // a failing check digit is still no IBAN, however it is cut.
  CHECK(Scan("IBAN BE69 5390 0754 7034 2024").empty());
}

TEST_CASE("A regex used with and without retry_shorter is two regexes, each with its own setting") {
  // The same regex in two types of a user pack: RETRIED asks for shorter
  // matches after a rejection, PLAIN does not. "12345674" passes Luhn,
  // "12345674 2024" does not, "12345674 2006" does. In either order of the
  // types, only RETRIED finds the shorter value, and both find a long one
  // their validator accepts.
  const std::string retried = R"(
  - id: RETRIED
    category: PII
    patterns:
      - regex: '\b\d{8}(?: \d{4})?\b'
        validator: luhn
        retry_shorter: true
        score: 70
)";
  const std::string plain = R"(
  - id: PLAIN
    category: PII
    patterns:
      - regex: '\b\d{8}(?: \d{4})?\b'
        validator: luhn
        score: 60
)";
  using Got = std::vector<std::tuple<std::string, int, std::string>>;
  const std::string text = "ref 12345674 2024 done\n" + Filler(400) + "ref 12345674 2006 done\n";
  for (const std::string& types : {retried + plain, plain + retried}) {
    INFO(types);
    for (size_t chunk : {size_t{1} << 20, size_t{7}}) {
      INFO("chunk " << chunk);
      Got got;
      for (const auto& f : ScanWith("types:" + types, text, chunk)) {
        got.emplace_back(f.type, f.score, Span(text, f));
      }
      std::sort(got.begin(), got.end());
      CHECK(got == Got{{"PLAIN", 60, "12345674 2006"},
                       {"RETRIED", 70, "12345674"},
                       {"RETRIED", 70, "12345674 2006"}});
    }
  }
}

TEST_CASE("Line numbers stay exact after long runs of newlines, whatever the chunking") {
  // The line cursor counts newlines in 16-byte blocks with byte counters
  // summed every 255 blocks: runs of 100,000 and 5,000 newlines (well past
  // 255 * 16 bytes of nothing else) and a value in between.
  std::string text = std::string(100000, '\n') + "SSN: 536-22-8726\n" +
                     std::string(5000, '\n') + Filler(3000) + "SSN 412-61-3374\n";
  const uint64_t second_line = 100000 + 1 + 5000 + 1 +
                               static_cast<uint64_t>(std::count(text.end() - 3000 - 16,
                                                                text.end() - 16, '\n'));
  for (size_t chunk : {size_t{1} << 20, size_t{4096}, size_t{4097}, size_t{100}}) {
    INFO("chunk " << chunk);
    auto f = Scan(text, chunk);
    REQUIRE(f.size() == 2);
    CHECK(f[0].line == 100001);
    CHECK(f[1].line == second_line);
  }
}

TEST_CASE("Lines end at LF, CR LF and a lone CR, whatever the chunking") {
  // HL7 v2 ends its segments with a lone CR (and classic Mac text its
  // lines): every finding of such a file was on line 1. CR LF is one break,
  // also when a chunk ends between the two; runs of each longer than a
  // 16-byte block, so the block counter and the byte loop both see them.
  const std::string value = "SSN: 536-22-8726";
  std::string text;
  std::vector<uint64_t> want;
  auto put = [&](const std::string& breaks, uint64_t lines) {
    text += breaks + value;
    want.push_back((want.empty() ? 1 : want.back()) + lines);
  };
  put("\r", 1);
  put("\r\n", 1);
  put("\n\r", 2);
  put("\r\r\n", 2);  // a lone CR, then CR LF
  put(std::string(40, '\r'), 40);
  std::string crlf;
  for (int i = 0; i < 30; ++i) crlf += "\r\n";
  put(crlf, 30);
  const std::string prose = Filler(300);  // LF-ended lines
  put(" x\r" + prose + " y\r",
      2 + static_cast<uint64_t>(std::count(prose.begin(), prose.end(), '\n')));
  text += "\r";
  for (size_t chunk : {size_t{1} << 20, size_t{4096}, size_t{17}, size_t{16}, size_t{15},
                       size_t{2}, size_t{1}}) {
    INFO("chunk " << chunk);
    std::vector<uint64_t> got;
    for (const auto& f : Scan(text, chunk)) {
      if (f.type == "US_SSN") got.push_back(f.line);
    }
    CHECK(got == want);
  }
}

TEST_CASE("SortNearlySorted sorts as std::sort does, nearly sorted or not") {
  // Pairs compared by their first member only, so the second tells whether
  // equal keys kept a valid order: any order of equal keys is a sort, but
  // every element must be there once.
  using Item = std::pair<int, int>;
  auto less = [](const Item& a, const Item& b) { return a.first < b.first; };
  std::mt19937 rng(7);
  for (int round = 0; round < 300; ++round) {
    const size_t n = std::uniform_int_distribution<size_t>(0, 400)(rng);
    const size_t from = std::uniform_int_distribution<size_t>(0, 20)(rng);
    std::vector<Item> v;
    for (size_t i = 0; i < from + n; ++i) v.push_back({static_cast<int>(i), static_cast<int>(i)});
    // Nearly sorted (a few neighbours swapped), with runs of equal keys, or
    // shuffled: past the budget of moves.
    const int kind = round % 3;
    for (size_t i = from; i < v.size(); ++i) {
      if (kind == 1) v[i].first = static_cast<int>(i / 4);
      if (kind < 2 && i + 1 < v.size() && rng() % 4 == 0) std::swap(v[i], v[i + 1]);
    }
    if (kind == 2) std::shuffle(v.begin() + static_cast<std::ptrdiff_t>(from), v.end(), rng);
    const std::vector<Item> before = v;
    internal::SortNearlySorted(v, from, less);
    INFO("round " << round << ", kind " << kind << ", n " << n);
    CHECK(std::equal(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(from), before.begin()));
    CHECK(std::is_sorted(v.begin() + static_cast<std::ptrdiff_t>(from), v.end(), less));
    auto seconds = [](std::vector<Item> items) {
      std::vector<int> out;
      for (const auto& it : items) out.push_back(it.second);
      std::sort(out.begin(), out.end());
      return out;
    };
    CHECK(seconds(v) == seconds(before));
  }
}

TEST_CASE("Accented Latin names are names, with their whole span, and one token") {
  // "José García" in UTF-8: each accented letter is two bytes (0xC3 ...).
  struct Case {
    std::string text;
    std::string value;
  };
  const Case cases[] = {
      {"Patient: Jos\xC3\xA9 Garc\xC3\xAD" "a\n", "Jos\xC3\xA9 Garc\xC3\xAD" "a"},
      {"Name: Garc\xC3\xAD" "a, Jos\xC3\xA9\n", "Garc\xC3\xAD" "a, Jos\xC3\xA9"},  // ends accented
      {"Dr. Ram\xC3\xB3n Pe\xC3\xB1" "a saw her", "Ram\xC3\xB3n Pe\xC3\xB1" "a"},
      {"PATIENT: GARC\xC3\x8D" "A, JOS\xC3\x89\n", "GARC\xC3\x8D" "A, JOS\xC3\x89"},
      {"Sincerely, \xC3\x81ngel N\xC3\xBA\xC3\xB1" "ez\n", "\xC3\x81ngel N\xC3\xBA\xC3\xB1" "ez"},
  };
  for (const auto& c : cases) {
    INFO(c.text);
    auto f = Scan(c.text);
    REQUIRE(f.size() == 1);
    CHECK(f[0].type == "PERSON_NAME");
    CHECK(f[0].score == 85);
    CHECK(c.text.substr(f[0].start, f[0].end - f[0].start) == c.value);
  }
  // Written with or without the accents, in any case: one name, one token.
  CHECK(NormalizeValue("Jos\xC3\xA9 Garc\xC3\xAD" "a", "name") == "jose garcia");
  CHECK(NormalizeValue("JOS\xC3\x89 GARC\xC3\x8D" "A", "name") == "jose garcia");
  // Not so for other text: müller@ and muller@ are two mailboxes.
  CHECK(NormalizeValue("m\xC3\xBCller@beispiel.de", "lower") != "muller@beispiel.de");
  const auto accented = Scan("Patient: Jos\xC3\xA9 Garc\xC3\xAD" "a\n");
  const auto plain = Scan("Patient: Jose Garcia\n");
  REQUIRE(accented.size() == 1);
  REQUIRE(plain.size() == 1);
  CHECK(accented[0].token == plain[0].token);
  // A first name column holding an accented name.
  const std::string row = std::string(400, ' ') + "2,\xC3\x81ngel,x\n";
  auto field = ScanInField(row, 402, 408, "first_name");
  REQUIRE(field.size() == 1);
  CHECK(field[0].type == "PERSON_NAME");
  CHECK(field[0].start == 402);
  CHECK(field[0].end == 408);
  // Accents do not make unknown words names.
  CHECK(Scan("Patient: Caf\xC3\xA9 Cr\xC3\xA8me\n").empty());
  // A name ending in an accented letter is whole at the end of the text,
  // before a curly apostrophe or a no-break space (it ended before the é).
  for (const std::string after : {"", "\xE2\x80\x99s chart", "\xC2\xA0(mother)"}) {
    const std::string text = "Name: Garc\xC3\xAD" "a, Jos\xC3\xA9" + after;
    INFO(text);
    auto f = Scan(text);
    REQUIRE(f.size() == 1);
    CHECK(f[0].start == 6);
    CHECK(f[0].end == 20);
  }
  auto dr = Scan("Seen by Dr. Jos\xC3\xA9");
  REQUIRE(dr.size() == 1);
  CHECK(dr[0].end == 17);
  // HL7's Family^Given.
  auto hl7 = Scan("PID|1||A1234567^^^HOSP^MR||PE\xC3\x91" "A^JOS\xC3\x89^^^^^L||19800101|M\r");
  CHECK(std::any_of(hl7.begin(), hl7.end(), [](const Found& x) {
    return x.type == "PERSON_NAME" && x.start == 27 && x.end == 38;
  }));
}

TEST_CASE("A place named for a saint after To: or From: is no person") {
  for (const char* text :
       {"Patient transferred to: San Francisco General\n", "From: Santa Rosa Memorial\n",
        "To: San Antonio Regional\n", "From: St. Joseph Medical Center\n",
        "Transfer from: Saint Joseph Hospital\n"}) {
    INFO(text);
    auto f = Scan(text);
    CHECK(std::none_of(f.begin(), f.end(), [](const Found& x) { return x.type == "PERSON_NAME"; }));
  }
  // The person still is.
  auto f = Scan("To: Francisco Santos\n");
  REQUIRE(f.size() == 1);
  CHECK(f[0].type == "PERSON_NAME");
}

TEST_CASE("An ICD-10 code without its dot is one in a diagnosis column, numbered or not") {
  // Claims exports write codes without the dot and number their diagnosis
  // columns; in prose the shape is HCPCS codes and lab markers (above).
  const std::string row = std::string(400, ' ') + "C1,S72001A,x\n";
  for (const char* field : {"dx", "dx1", "diag_2", "diagnosis_code_3", "primary_dx",
                            "PrimaryDiagnosis", "ICD_DGNS_CD1", "PRNCPAL_DGNS_CD"}) {
    CheckFieldValue(row, 403, 410, field, "ICD10_CODE", 85);
  }
  // Not under another name, numbered or not.
  for (const char* field : {"code", "proc_code1", "hcpcs_1", "room"}) {
    INFO(field);
    CHECK(ScanInField(row, 403, 410, field).empty());
  }
  // A numbered column of another kind gets its kind too: phone2.
  const std::string phone = std::string(400, ' ') + "2,4155552671,ok\n";
  CheckFieldValue(phone, 402, 412, "phone2", "PHONE", 85);
}

TEST_CASE("A number or date its label calls something else is not the type a keyword near says") {
  // Each was reported as the type of a keyword nearby: a visit or admit date
  // beside DOB as a birth date, an order's transaction number beside "card
  // ending" as a card (high), an NHS number beside Tel: as a phone, a
  // passport number two lines under "SSN" as an SSN.
  auto types_at = [](const std::string& text, const std::string& value) {
    std::vector<std::pair<std::string, int>> out;
    const size_t at = text.find(value);
    REQUIRE(at != std::string::npos);
    for (const auto& f : Scan(text)) {
      if (f.start == at) out.emplace_back(f.type, f.score);
    }
    return out;
  };
  using Types = std::vector<std::pair<std::string, int>>;
  const std::string visit = "Patient Jane Roe, DOB 07/14/1958, Visit 03/11/2024";
  CHECK(types_at(visit, "07/14/1958") == Types{{"DATE_OF_BIRTH", 85}});
  CHECK(types_at(visit, "03/11/2024").empty());
  const std::string admit = "Date of Birth: 04/22/1971\nAdmit Date: 03/01/2024\n";
  CHECK(types_at(admit, "04/22/1971") == Types{{"DATE_OF_BIRTH", 85}});
  CHECK(types_at(admit, "03/01/2024").empty());
  CHECK(types_at("DOB 19710422, admitted 20240301", "20240301").empty());
  CHECK(types_at("DOB 19710422, admitted 20240301", "19710422") ==
        Types{{"DATE_OF_BIRTH", 75}});

  const std::string order = "Paid with the card ending 4471.\nTransaction ID: 4593375235792463\n";
  CHECK(types_at(order, "4593375235792463") == Types{{"CREDIT_CARD", 65}});
  CHECK(types_at("Paid with card number 4593375235792463.", "4593375235792463") ==
        Types{{"CREDIT_CARD", 85}});

  const std::string nhs = "Tel: 0161 496 0000\nNHS No: 913 932 4265\n";
  CHECK(types_at(nhs, "913 932 4265") == Types{{"UK_NHS", 85}});
  CHECK(types_at("Tel: 913 932 4265", "913 932 4265") == Types{{"PHONE", 85}});

  const std::string passport = "SSN on file.\npassport number 561203948\n";
  CHECK(types_at(passport, "561203948") == Types{{"US_PASSPORT", 85}});
  CHECK(types_at("SSN on file.\nnumber 561203948\n", "561203948") == Types{{"US_SSN", 75}});
}

TEST_CASE("ICD-10 codes in a note's assessment, problem list or impression are found") {
  for (const std::string text :
       {"Assessment and Plan: T2DM (E11.65) and essential hypertension (I10)",
        "Problem list: Hypertension (I10), Hyperlipidemia (E78.5)",
        "A/P: diabetes, E11.65, follow up in 3 months", "Impression: E11.65"}) {
    INFO(text);
    auto f = Scan(text);
    REQUIRE_FALSE(f.empty());
    for (const Found& x : f) CHECK(x.type == "ICD10_CODE");
  }
  // The same codes with no clinical word near: no finding.
  CHECK(Scan("Seat E11.65, row I10").empty());
}

TEST_CASE("A whole-name field's value keeps its third word and a middle initial") {
  // RE2 takes the first alternative that matches: an initial tried first
  // cut Lucia Fernandez Ortiz at its O; John Q Public was not found. And
  // an employee's or a cardholder's name column is a whole-name field.
  auto name_in = [](const std::string& field, const std::string& value) {
    const std::string text = std::string(400, ' ') + value + "\n";
    Matcher m(Rules(), nullptr);
    Collector c;
    c.rules = &m.rules();
    m.Begin(&c);
    m.AddFieldContext(400, 400 + value.size(), field);
    REQUIRE(m.Feed(text).ok());
    REQUIRE(m.Finish().ok());
    std::string found;
    for (const Found& f : c.found) {
      if (f.type == "PERSON_NAME") found = text.substr(f.start, f.end - f.start);
    }
    return found;
  };
  for (const std::string name : {"Lucia Fernandez Ortiz", "Maria Lopez Smithson", "John Q Public",
                                 "John Q. Public", "SMITH, JOHN A", "Delacroix^Marguerite^A"}) {
    INFO(name);
    CHECK(name_in("full_name", name) == name);
  }
  CHECK(name_in("Employee Name", "Zorbak Quillon") == "Zorbak Quillon");
  CHECK(name_in("cardholder_name", "Zorbak Quillon") == "Zorbak Quillon");
  CHECK(name_in("product_name", "Zorbak Quillon").empty());
}

TEST_CASE("A passport or driver's license number after 'is' is found, as after a colon") {
  for (const std::string text : {"Passport number is 561203949", "passport is C12345678",
                                 "Driver's license is D41522879034"}) {
    INFO(text);
    auto f = Scan(text);
    REQUIRE(f.size() == 1);
    CHECK(f[0].score == 85);
    CHECK((f[0].type == "US_PASSPORT" || f[0].type == "US_DRIVER_LICENSE"));
    CHECK(Span(text, f[0]).find(' ') == std::string::npos);
  }
}

namespace {

// Each finding of `text` as "TYPE:span", in order.
std::vector<std::string> TypedSpans(std::string_view text, size_t chunk = 1 << 20) {
  std::vector<std::string> out;
  for (const Found& f : Scan(text, chunk)) out.push_back(f.type + ":" + Span(text, f));
  return out;
}

}  // namespace

TEST_CASE("A secret a specific credential type reports is that type's finding alone") {
  // GENERIC_PASSWORD and EMAIL yield to the specific types (yields_to): a
  // Stripe key in STRIPE_SECRET_KEY= was two findings, and a token in a
  // git URL three, the EMAIL's masked shape showing the token's.
  using V = std::vector<std::string>;
  const std::string gh = "ghp_" + std::string("abcdefghijklmnopqrstuvwxyz0123456789");
  const std::string stripe = "sk_live_4eC39HqLyjWDarjtT1zdp7dc";
  const std::string far(700, ' ');
  for (size_t chunk : {size_t{1} << 20, size_t{4096}, size_t{61}, size_t{7}}) {
    INFO("chunk " << chunk);
    CHECK(TypedSpans("STRIPE_SECRET_KEY=" + stripe + "\n", chunk) == V{"STRIPE_KEY:" + stripe});
    CHECK(TypedSpans("GITHUB_TOKEN=" + gh + "\n", chunk) == V{"GITHUB_TOKEN:" + gh});
    CHECK(TypedSpans("git clone https://bob:" + gh + "@github.com/a/b\n", chunk) ==
          V{"URL:https://bob", "GITHUB_TOKEN:" + gh});
    // A URL's password that reads as an address's local part: the password.
    CHECK(TypedSpans("DATABASE_URL=postgresql://u:Kq7#mP2!xZ9aLw@db01.example.org/emr\n",
                     chunk) == V{"GENERIC_PASSWORD:Kq7#mP2!xZ9aLw"});
    // Apart, both stay; a real address stays an address.
    CHECK(TypedSpans("password: Gr4nite&Owl7" + far + "mail ann.lee@example.org\n", chunk) ==
          V{"GENERIC_PASSWORD:Gr4nite&Owl7", "EMAIL:ann.lee@example.org"});
  }
}

TEST_CASE("Credentials in the layouts configuration files use") {
  using V = std::vector<std::string>;
  // terraform fmt aligns the '=' (more than three blanks were missed).
  CHECK(TypedSpans("  password          = \"Zq8#rT4!mW2p\"\n") ==
        V{"GENERIC_PASSWORD:Zq8#rT4!mW2p"});
  // A notebook's JSON escapes the quotes.
  CHECK(TypedSpans("    \"API_KEY = \\\"QimFVG7B8bt77Xs67tALXWXl\\\"\\n\",\n") ==
        V{"GENERIC_PASSWORD:QimFVG7B8bt77Xs67tALXWXl"});
  const std::string aws = "dnKL9JKZOsxpcfGQgyVAroYwi/WVCHTEnt8SHRkt";
  CHECK(TypedSpans("boto3.client(aws_secret_access_key=\\\"" + aws + "\\\")") ==
        V{"AWS_SECRET_KEY:" + aws});
  // The last line of a credentials file without its newline.
  CHECK(TypedSpans("[default]\naws_secret_access_key = " + aws) == V{"AWS_SECRET_KEY:" + aws});
  // Key names with '-' and '.', and npm's :_password.
  CHECK(TypedSpans("api-key: vdiW7wewPygm3G4IE35p\nvendor.api.key=qSzBSYLqX45mDEmM\n"
                   "x-api-key: KVXrPNqRROnglGuz\n"
                   "//registry.example.org/:_password=c2VjcmV0MTIz\n") ==
        V{"GENERIC_PASSWORD:vdiW7wewPygm3G4IE35p", "GENERIC_PASSWORD:qSzBSYLqX45mDEmM",
          "GENERIC_PASSWORD:KVXrPNqRROnglGuz", "GENERIC_PASSWORD:c2VjcmV0MTIz"});
  // A token behind another word; not a listing's page token or a CSRF token.
  CHECK(TypedSpans("VAULT_TOKEN=hvs.CAESIJ4kXq9mW2pZ\nnext_page_token: Cg8KDWFiY2RlZmdoaWprbA\n"
                   "csrfToken = 8f14e45fceea167a\n") ==
        V{"GENERIC_PASSWORD:hvs.CAESIJ4kXq9mW2pZ"});
  // HTTP Authorization headers and a .netrc entry.
  CHECK(TypedSpans("curl -H \"Authorization: Bearer 7f3kQ9zLm2Xw8Rt5Yb1Nc4Vd\" https://api\n") ==
        V{"GENERIC_PASSWORD:7f3kQ9zLm2Xw8Rt5Yb1Nc4Vd", "URL:https://api"});
  CHECK(TypedSpans("Authorization: Basic YWxpY2U6czNjcjN0UGFzcw==\n") ==
        V{"GENERIC_PASSWORD:YWxpY2U6czNjcjN0UGFzcw=="});
  CHECK(TypedSpans("machine git.example.org\n  login ci-bot\n  password Hq7!mZ2pW9\n") ==
        V{"GENERIC_PASSWORD:Hq7!mZ2pW9"});
  // A .pgpass file: PostgreSQL's, PgBouncer's and any port, a password with
  // an escaped ':'; not /etc/shadow's aging fields, nor the file's own
  // format comment.
  CHECK(TypedSpans("db01.example.org:5432:emr:emr_app:Tq8#vL2wNc\n*:*:*:backup:Rz4\\:pX9mK\n"
                   "localhost:6432:pgbouncer:stats:hW5nB7qZ3d\n") ==
        V{"GENERIC_PASSWORD:Tq8#vL2wNc", "GENERIC_PASSWORD:Rz4\\:pX9mK",
          "GENERIC_PASSWORD:hW5nB7qZ3d"});
  CHECK(TypedSpans("root:*:19700:0:99999:7:::\ndaemon:*:19700:0:99999:7:::\n"
                   "# hostname:port:database:username:password\n")
            .empty());
  // Clients that take a password as an argument.
  CHECK(TypedSpans("sqlcmd -S sqlprod01 -U sa -P Sq1!Prod#2024 -Q \"select 1\"\n"
                   "redis-cli -h cache01 -a r3d1sS3cr3tK3y ping\n"
                   "ldapsearch -x -D \"cn=svc,dc=x\" -w 'Ld@pB1nd#77' -b dc=x\n"
                   "smbclient //fs02/radiology -U svc_scan%Rad!Scan#2023\n"
                   "net use Z: \\\\fs02\\radiology /user:SBRMC\\svc_scan Wq7!Scan#2023\n"
                   "htpasswd -b /etc/nginx/.htpasswd admin N9x!Adm2024\n") ==
        V{"GENERIC_PASSWORD:Sq1!Prod#2024", "GENERIC_PASSWORD:r3d1sS3cr3tK3y",
          "GENERIC_PASSWORD:Ld@pB1nd#77", "GENERIC_PASSWORD:Rad!Scan#2023",
          "GENERIC_PASSWORD:Wq7!Scan#2023", "GENERIC_PASSWORD:N9x!Adm2024"});
  // Not their other flags, a prompt (*) or a persistent mount's option.
  CHECK(TypedSpans("sqlcmd -S db -E -Q \"select 1\"\nnet use Z: \\\\fs02\\x /user:CORP\\ana *\n"
                   "net use Z: \\\\fs02\\x /user:CORP\\ana /persistent:yes\n")
            .empty());
  // ASP.NET Core's nested environment names.
  CHECK(
      TypedSpans("- ORTHANC__POSTGRESQL__PASSWORD=0rth@nc!PgPw\n- Db__AccessToken=Qw3rty9Xz9k\n") ==
      V{"GENERIC_PASSWORD:0rth@nc!PgPw", "GENERIC_PASSWORD:Qw3rty9Xz9k"});
  // A password given in words, as a ticket records a reset; not words after
  // them, nor a test log's PASS.
  CHECK(TypedSpans("Reset password to Spring2024!Brd per caller\nLogin: jsmith / Pass: Kx7#mQ2pL9\n"
                   "new pw is Hn4$wQ8zR2\n") == V{"GENERIC_PASSWORD:Spring2024!Brd",
                                                  "GENERIC_PASSWORD:Kx7#mQ2pL9",
                                                  "GENERIC_PASSWORD:Hn4$wQ8zR2"});
  CHECK(TypedSpans("The password to the portal is on the wiki.\nYour password is required.\n"
                   "PASS: test_login_ok\nPASS: TestCase12\npw is v1.2.3-rc\n")
            .empty());
  // GitLab tokens.
  CHECK(TypedSpans("glpat-Ab3dE6gH9jK2mN5pQ8sT") == V{"GITLAB_TOKEN:glpat-Ab3dE6gH9jK2mN5pQ8sT"});
  // A JWT whose payload is longer than 250 characters (an identity
  // provider's access token): from its header into its payload.
  const std::string head = "eyJhbGciOiJSUzI1NiJ9";
  std::string payload = "eyJ";
  while (payload.size() < 900) payload += "zdWIiOiIxMjM0NTY3ODkwIiwibmFt";
  const std::string jwt = head + "." + payload + ".c2lnbmF0dXJl";
  const auto long_jwt = Scan("token " + jwt + "\n");
  REQUIRE(long_jwt.size() == 1);
  CHECK(long_jwt[0].type == "JWT");
  CHECK(long_jwt[0].start == 6);
  CHECK(long_jwt[0].end - long_jwt[0].start == head.size() + 1 + 3 + 350);
}

TEST_CASE("Webhooks, Entra ID secrets and package, mail and AI service keys") {
  using V = std::vector<std::string>;
  const std::string slack =
      "https://hooks.slack.com/services/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";
  const std::string teams =
      "https://contoso.webhook.office.com/webhookb2/1b4e28ba-2fa1-11d2-883f-0016d3cca427@"
      "9f2c6d1e-4a7b-4c3d-8e5f-0a1b2c3d4e5f/IncomingWebhook/0123456789abcdef0123456789abcdef/"
      "7d3f1c2b-5e6a-4b8c-9d0e-1f2a3b4c5d6e";
  const std::string discord =
      "https://discord.com/api/webhooks/112233445566778899/"
      "aB3dE6gH9jK2mN5pQ8sT1vW4yZ7bC0eF3hJ6kM9nP2rS5uV8xA1cD4fG7iL0oR3tU6_-";  // 68
  // A webhook is the webhook's finding alone, not also a URL.
  for (const std::string& hook : {slack, teams, discord}) {
    INFO(hook);
    CHECK(TypedSpans("ALERTS_WEBHOOK=" + hook + "\n") == V{"WEBHOOK_URL:" + hook});
  }
  // Slack's documented example is a URL, no webhook.
  const std::string example =
      "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX";
  CHECK(TypedSpans("e.g. " + example + "\n") == V{"URL:" + example});

  // Escaped slashes, as JSON may write a URL.
  const std::string escaped =
      "https:\\/\\/hooks.slack.com\\/services\\/T0A1B2C3D4E\\/B5F6G7H8J9K\\/"
      "Xw8Rt5Yb1Nc4Vd7f3kQ9zLm2";
  CHECK(TypedSpans("{\"text\": \"" + escaped + "\"}\n") == V{"WEBHOOK_URL:" + escaped});

  // Entra ID client secrets, bounded by what cannot be one of their
  // characters, also at the file's first byte; a '.' after one ends a
  // sentence (a 38-character secret took it in).
  const std::string az = "Xk98Q~Vd7f3kQ9zLm2.Xw8Rt5Yb1Nc4~Vd7f3kQ9";
  CHECK(TypedSpans("AZURE_CLIENT_SECRET=" + az + "\n") == V{"AZURE_CLIENT_SECRET:" + az});
  CHECK(TypedSpans("  \"ClientSecret\": \"" + az + "\",\n") == V{"AZURE_CLIENT_SECRET:" + az});
  CHECK(TypedSpans("The app's secret is " + az + ".") == V{"AZURE_CLIENT_SECRET:" + az});
  CHECK(TypedSpans(az) == V{"AZURE_CLIENT_SECRET:" + az});
  const std::string az38 = az.substr(0, 38);
  CHECK(TypedSpans("It is " + az38 + ". Rotate it.") == V{"AZURE_CLIENT_SECRET:" + az38});
  CHECK(TypedSpans("build_" + az + "\n").empty());  // inside a longer token

  const std::string sendgrid =
      "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";
  const std::string npm = "npm_aB3dE6gH9jK2mN5pQ8sT1vW4yZ7bC0eF3hJ6";
  const std::string pypi =
      "pypi-AgEIcHlwaS5vcmcCJGE3ZDJmNTQ0LWI1YjQtNGE4Yi05Y2YxLTEyMzQ1Njc4OWFiYwAC";
  const std::string openai = "sk-proj-aB3dE6gH9jK2mN5pQ8sT1vW4yZT3BlbkFJ7bC0eF3hJ6kM9nP2rS5uV8x";
  const std::string anthropic =
      "sk-ant-api03-" + std::string("aB3dE6gH9jK2mN5pQ8sT1vW4yZ7bC0eF3hJ6kM9nP2rS5uV8xA1cD4fG7iL0o"
                                    "R3tU6wY9_-aB3dE6gH9jK2mN5pQ8sT1v") + "AA";
  REQUIRE(anthropic.size() == 13 + 93 + 2);
  // Each its own type's finding, not also a password (the keys name one).
  CHECK(TypedSpans("SENDGRID_API_KEY=" + sendgrid + "\n") == V{"SENDGRID_API_KEY:" + sendgrid});
  CHECK(TypedSpans("//registry.npmjs.org/:_authToken=" + npm + "\n") == V{"NPM_TOKEN:" + npm});
  CHECK(TypedSpans("[pypi]\nusername = __token__\npassword = " + pypi + "\n") ==
        V{"PYPI_TOKEN:" + pypi});
  const std::string testpypi =
      "pypi-AgENdGVzdC5weXBpLm9yZwIkYTdkMmY1NDQtYjViNC00YThiLTljZjEtMTIzNDU2Nzg5YWJj";
  CHECK(TypedSpans("twine upload -r testpypi -p " + testpypi + " dist/*\n") ==
        V{"PYPI_TOKEN:" + testpypi});
  CHECK(TypedSpans("OPENAI_API_KEY=\"" + openai + "\"\n") == V{"OPENAI_API_KEY:" + openai});
  CHECK(TypedSpans("client = Anthropic(api_key='" + anthropic + "')\n") ==
        V{"ANTHROPIC_API_KEY:" + anthropic});
  // Placeholders.
  for (const char* text :
       {"OPENAI_API_KEY=sk-proj-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n",
        "npm_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n",
        "SG.xxxxxxxxxxxxxxxxxxxxxx.xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n"}) {
    INFO(text);
    CHECK(Scan(text).empty());
  }
}

TEST_CASE("A private key is a key block with its key, not a header alone") {
  using V = std::vector<std::string>;
  const std::string body = "MIIEowIBAAKCAQEAx3kQ9zLm2Xw8Rt5Y";  // 32 characters
  const std::string pem = "-----BEGIN RSA PRIVATE KEY-----\n" + body;
  CHECK(TypedSpans(pem + "b1Nc4Vd7f3k\n-----END RSA PRIVATE KEY-----\n") ==
        V{"PRIVATE_KEY:" + pem});
  // CRLF, a legacy encrypted key's headers, a PGP block's, and the line
  // breaks written \n in a JSON string (a cloud service account's key).
  const std::string enc = "-----BEGIN RSA PRIVATE KEY-----\r\nProc-Type: 4,ENCRYPTED\r\n"
                          "DEK-Info: AES-128-CBC,5A3F0E1D2C4B6A8F9E7D1C3B5A7F9E2D\r\n\r\n" + body;
  CHECK(TypedSpans(enc + "\r\n") == V{"PRIVATE_KEY:" + enc});
  const std::string pgp = "-----BEGIN PGP PRIVATE KEY BLOCK-----\nVersion: GnuPG v2\n"
                          "Comment: build signing key\n\n" + body;
  CHECK(TypedSpans(pgp + "\n") == V{"PRIVATE_KEY:" + pgp});
  // Indented in a YAML block scalar, as Helm values and Ansible vars nest it.
  const std::string yaml = "-----BEGIN RSA PRIVATE KEY-----\n        " + body;
  CHECK(TypedSpans("tls:\n  key: |\n        " + yaml + "\n") == V{"PRIVATE_KEY:" + yaml});
  const std::string json = "-----BEGIN PRIVATE KEY-----\\n" + body;
  CHECK(TypedSpans("  \"private_key\": \"" + json + "\\n-----END PRIVATE KEY-----\\n\",\n") ==
        V{"PRIVATE_KEY:" + json});
  // SSH2 (RFC 4716) and PuTTY's private lines.
  const std::string ssh2 = "---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----\nComment: \"rsa-key\"\n" +
                           body;
  CHECK(TypedSpans(ssh2 + "\n") == V{"PRIVATE_KEY:" + ssh2});
  const std::string ppk_lines = "Private-Lines: 1\n" + body;
  CHECK(TypedSpans("PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\n"
                   "Public-Lines: 1\nAAAAC3NzaC1lZDI1NTE5AAAAIGh\n" + ppk_lines + "\n") ==
        V{"PRIVATE_KEY:" + ppk_lines});
  // '/' escaped in JSON; a PGP comment as long as a URL.
  const std::string slash = "-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBgkqh\\/iG9w0BAQEFAASC";
  CHECK(TypedSpans("{\"k\": \"" + slash + "\"}\n") == V{"PRIVATE_KEY:" + slash});
  const std::string comment = "-----BEGIN PGP PRIVATE KEY BLOCK-----\nComment: " +
                              std::string(90, 'c') + "\n\n" + body;
  CHECK(TypedSpans(comment + "\n") == V{"PRIVATE_KEY:" + comment});
  // A header a runbook shows, a body a document fills in, a public key, a
  // certificate: no key.
  for (const std::string& text : {
           "-----BEGIN RSA PRIVATE KEY-----\n" + std::string(40, 'A') + "\n",
           "-----BEGIN RSA PRIVATE KEY-----\n" + std::string(40, 'X') + "\n",
           std::string("-----BEGIN RSA PRIVATE KEY-----\nMIIEowREDACTEDREDACTEDREDACTEDREDACTED\n"),
           std::string("Paste it after -----BEGIN RSA PRIVATE KEY-----\n...\n"),
           std::string("-----BEGIN OPENSSH PRIVATE KEY-----\n<paste the key here>\n"),
           "-----BEGIN PUBLIC KEY-----\n" + body + "\n",
           "-----BEGIN CERTIFICATE-----\n" + body + "\n",
           "---- BEGIN SSH2 PUBLIC KEY ----\n" + body + "\n"}) {
    INFO(text);
    CHECK(Scan(text).empty());
  }
}

TEST_CASE("A reference to a secret, or a placeholder, is no secret") {
  for (const char* text : {
           "existingSecret: pacs-postgresql-credentials\n",
           "DB_PASSWORD_SECRET: emr-db-credentials\n",
           "auth-secret: basic-auth-secret\n",
           "PWD=/home/ana/projects\nOLDPWD=/srv/app\n",
           "$password = Read-Host -AsSecureString\n",
           "$secure = ConvertTo-SecureString $plain\n",
           "conn = connect(host=h, password=self.password)\n",
           "fetch(u,{body:JSON.stringify({password:e.password})})}var o={secret:function(e){r}}\n",
           "arn:aws:secretsmanager:us-east-1:123456789012:secret:hl7/archive-AbC123\n",
           "Default login: `password: changeme` in config.yml.\n",
           // A cmdlet's output; a path in a secret store, in an Ansible lookup.
           "$pw = Add-MgApplicationPassword -ApplicationId $app.Id\n",
           // A state in a setting named for a password.
           "reset_password=requested\nForgotPassword: enabled\nshow_secret = hidden\n",
           "url: \"{{ lookup('hashi_vault', 'secret=kv/data/alerts:slack_webhook') }}\"\n",
           "STRIPE_SECRET_KEY=sk_live_...\n",
       }) {
    INFO(text);
    CHECK(Scan(text).empty());
  }
}

TEST_CASE("The value of a field named for a secret is one, without '=' before it") {
  // Maven's <password>...</password> and a password column were missed: no
  // '=' or ':' precedes the value in the text.
  const std::string xml = "<server><password>b9RkS9h7VXz+1S</password></server>";
  CheckFieldValue(xml, 18, 32, "password", "GENERIC_PASSWORD", 75);
  CheckFieldValue("ann,Zq8#rT4!mW2p,first pet\n", 4, 16, "client_secret", "GENERIC_PASSWORD", 75);
  // A value is one finding, its first 64 characters, however long (a
  // 200-character key was four), and a passphrase is one, not one a word.
  const std::string alnum = "aB3dE6gH9jK2mN5pQ8sT1vW4yZ7bC0eF3hJ6kM9nP2rS5uV8xA1cD4fG7iL0oR3tU";
  std::string key;
  for (size_t i = 0; key.size() < 200; ++i) key += alnum[(i * 7) % alnum.size()];
  const std::string row = "ann," + key + ",x\n";
  CheckFieldValue(row, 4, 68, "ApiKey", "GENERIC_PASSWORD", 75);
  CheckFieldValue("ann,correct horse battery staple 42,x\n", 4, 11, "password",
                  "GENERIC_PASSWORD", 75);
  // A passphrase shaped like a cmdlet is still one.
  CheckFieldValue("ann,New-York,x\n", 4, 12, "password", "GENERIC_PASSWORD", 75);
  // A longer name ending in a secret's: TwilioAuthToken, mail_refresh_token.
  CheckFieldValue("ann,Zq8#rT4!mW2p,x\n", 4, 16, "TwilioAuthToken", "GENERIC_PASSWORD", 75);
  CheckFieldValue("ann,Zq8#rT4!mW2p,x\n", 4, 16, "mail_refresh_token", "GENERIC_PASSWORD", 75);
  // A hint or a reset token's column is none; a placeholder in one is none.
  CHECK(ScanInField("ann,Zq8#rT4!mW2p,x\n", 4, 16, "password_hint").empty());
  CHECK(ScanInField("ann,${DB_PASSWORD},x\n", 4, 18, "password").empty());
}

TEST_CASE("A password on a command line or in SQL that sets one") {
  using V = std::vector<std::string>;
  CHECK(TypedSpans("sh 'curl -u admin:76Va3N68yOZ#4R -T build.zip'\n") ==
        V{"GENERIC_PASSWORD:76Va3N68yOZ#4R"});
  CHECK(TypedSpans("mysql -h mysql01 -u root -p5ciGCoPZSXl#5Q\n"
                   "mysqldump -u root -p'UjRCgKHItVT%6L' --all-databases\n") ==
        V{"GENERIC_PASSWORD:5ciGCoPZSXl#5Q", "GENERIC_PASSWORD:UjRCgKHItVT%6L"});
  CHECK(TypedSpans("sshpass -p 'd7dLvMS8vzH^8S' scp a b\n"
                   "docker login -u deploy -p XCHrRsf62Qk+0B registry.local\n") ==
        V{"GENERIC_PASSWORD:d7dLvMS8vzH^8S", "GENERIC_PASSWORD:XCHrRsf62Qk+0B"});
  CHECK(TypedSpans("CREATE USER etl WITH PASSWORD 'CsA7lXLpXax_9U';\n"
                   "ALTER USER 'app'@'%' IDENTIFIED BY 'Dd4anXTvMLf%9A';\n") ==
        V{"GENERIC_PASSWORD:CsA7lXLpXax_9U", "GENERIC_PASSWORD:Dd4anXTvMLf%9A"});
  // A variable, a port or a user id is none.
  for (const char* text : {"docker login -u gitlab-ci-token -p $CI_JOB_TOKEN $CI_REGISTRY\n",
                           "mysql -u root -P 3306 -h db01\n", "docker run -u 1000:1000 img\n",
                           "sort -u names.txt\n"}) {
    INFO(text);
    CHECK(Scan(text).empty());
  }
}
