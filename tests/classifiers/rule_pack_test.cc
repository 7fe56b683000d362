#include <catch2/catch.hpp>

#include "classifiers/rule_pack.h"
#include "classifiers/ruleset.h"
#include "classifiers/token.h"

#include <set>

using namespace phiscan::classifiers;

namespace {

std::string CompileError(const std::string& yaml) {
  auto pack = ParseRulePack(yaml, "user.yaml");
  if (!pack.ok()) return pack.status().message();
  auto builtin = ParseRulePack(BuiltinRulePackText(), "<builtin>");
  REQUIRE(builtin.ok());
  auto rs = RuleSet::Compile(MergeRulePacks({builtin.value(), pack.value()}));
  return rs.ok() ? "" : rs.status().message();
}

const char* kGoodPack = R"(
pack: site
keywords:
  mrn_terms: [mrn, "medical record number"]
types:
  - id: SITE_MRN
    name: Site medical record number
    category: PHI
    hipaa: 8
    patterns:
      - regex: '\bMRN-\d{7}\b'
        score: 85
        evidence:
          - any_of: [mrn_terms]
)";

}  // namespace

TEST_CASE("The built-in pack parses and compiles with the foundation types") {
  auto rs = RuleSet::LoadWithBuiltins({});
  REQUIRE(rs.ok());
  for (const char* id : {"US_SSN", "CREDIT_CARD", "EMAIL", "PHONE", "US_NPI", "US_MBI"}) {
    INFO(id);
    int i = rs.value()->FindType(id);
    REQUIRE(i >= 0);
    CHECK_FALSE(rs.value()->types()[i].category.empty());
  }
  CHECK(rs.value()->version().size() == 16);
  CHECK_FALSE(rs.value()->labels().empty());
}

TEST_CASE("User packs are loaded from their text, after the built-in pack, named by their source") {
  // The classifiers module opens no file: the front end reads packs
  // (tools/rule_files.h) and hands over their text and name.
  auto rs = RuleSet::LoadWithBuiltins({{"site/acme.yaml", kGoodPack}});
  REQUIRE(rs.ok());
  CHECK(rs.value()->FindType("SITE_MRN") >= 0);
  CHECK(rs.value()->FindType("US_SSN") >= 0);
  auto builtin = RuleSet::LoadWithBuiltins({});
  REQUIRE(builtin.ok());
  CHECK(rs.value()->version() != builtin.value()->version());
  auto bad = RuleSet::LoadWithBuiltins(
      {{"site/acme.yaml", kGoodPack},
       {"site/broken.yaml", "types:\n  - id: B\n    category: PII\n    patterns:\n"
                            "      - regex: '(unclosed'\n        score: 70\n"}});
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message().rfind("site/broken.yaml:5:", 0) == 0);
}

TEST_CASE("A load reports a pack's earliest error, whether parsing or compiling finds it") {
  // An unbounded regex (found compiling) on line 5, a bad category (found
  // parsing, which stops the load) on line 9: the first to fix is line 5,
  // as `rules check` lists them. Before, the load named line 9, and fixing
  // it revealed line 5.
  const std::string pack =
      "types:\n  - id: A\n    category: PHI\n    patterns:\n      - regex: '\\d+'\n"
      "        score: 80\n  - id: B\n    name: b\n    category: FOO\n    patterns:\n"
      "      - regex: 'x{3}'\n        score: 80\n";
  auto rs = RuleSet::LoadWithBuiltins({{"site.yaml", pack}});
  REQUIRE_FALSE(rs.ok());
  CHECK(rs.status().message().rfind("site.yaml:5: rule A: regex has no bounded match width", 0) ==
        0);
  // Only the parse error: it is reported.
  auto parse_only = RuleSet::LoadWithBuiltins(
      {{"site.yaml", "types:\n  - id: B\n    category: FOO\n    patterns:\n"
                     "      - regex: 'x{3}'\n        score: 80\n"}});
  REQUIRE_FALSE(parse_only.ok());
  CHECK(parse_only.status().message().rfind("site.yaml:3: rule B: category must be", 0) == 0);
  // An earlier pack's compile error comes before a later pack's parse error.
  auto two = RuleSet::LoadWithBuiltins(
      {{"first.yaml", "types:\n  - id: A\n    category: PHI\n    patterns:\n"
                      "      - regex: '\\d+'\n        score: 80\n"},
       {"second.yaml", "types:\n  - id: B\n    category: FOO\n    patterns:\n"
                       "      - regex: 'x{3}'\n        score: 80\n"}});
  REQUIRE_FALSE(two.ok());
  CHECK(two.status().message().rfind("first.yaml:5:", 0) == 0);
}

TEST_CASE("A site's label rule that no enabled type can satisfy is an error") {
  // The label would never show in any report; nothing said why.
  const std::string off = "types:\n  - id: US_SSN\n    enabled: false\n"
                          "  - id: US_NPI\n    enabled: false\n";
  CHECK(CompileError(off + "labels:\n  - label: HR\n    any_type: [US_SSN, US_NPI]\n") ==
        "user.yaml:7: label HR: can never apply: no enabled type is among US_SSN, US_NPI "
        "(disabled, or a category no type has)");
  CHECK(CompileError(off + "labels:\n  - label: HR\n    any_category: [PII]\n"
                           "    requires_type: [US_SSN]\n") ==
        "user.yaml:7: label HR: can never apply: no enabled type is among the required US_SSN "
        "(disabled, or a category no type has)");
  // One enabled type among them, or keyword context, and it may apply.
  CHECK(CompileError(off + "labels:\n  - label: HR\n    any_type: [US_SSN, EMAIL]\n").empty());
  CHECK(CompileError(off + "labels:\n  - label: HR\n    any_category: [PII]\n"
                           "    requires_type: [US_SSN]\n    requires_keywords: [ssn_terms]\n")
            .empty());
  // Disabling types the built-in label rules name is no error of theirs.
  CHECK(CompileError(off).empty());
}

TEST_CASE("A label rule's id names it in the catalog; a bad or repeated id is an error") {
  const std::string rule = "labels:\n  - label: HR\n    any_type: [US_SSN]\n";
  auto ids = [](const std::string& yaml) {
    auto rs = RuleSet::LoadWithBuiltins({{"user.yaml", yaml}});
    REQUIRE(rs.ok());
    std::vector<std::string> out;
    for (const auto& l : rs.value()->labels()) out.push_back(l.id);
    return out;
  };
  // A site's rules come first (first match wins); the built-in ones have ids.
  const auto plain = ids(rule);
  REQUIRE(plain.size() == 8);
  CHECK(plain[0].empty());  // recorded as labels[0]
  CHECK(plain[1] == "health_identifier");
  CHECK(ids("labels:\n  - label: HR\n    id: hr_ssn\n    any_type: [US_SSN]\n")[0] == "hr_ssn");
  CHECK(CompileError("labels:\n  - label: HR\n    id: '536-22-8726'\n    any_type: [US_SSN]\n") ==
        "user.yaml:3: label HR: id must be 1-64 letters, digits, '_', '-' or '.', starting with "
        "a letter or '_'");
  CHECK(CompileError("labels:\n  - label: HR\n    id: pii\n    any_type: [US_SSN]\n"
                     "  - label: HR2\n    id: pii\n    any_type: [EMAIL]\n") ==
        "user.yaml:5: label HR2: id pii is another label rule's too");
}

TEST_CASE("A user pack adds a type and may use built-in keyword lists") {
  CHECK(CompileError(kGoodPack).empty());
  CHECK(CompileError(R"(
types:
  - id: MY_SSN_COPY
    category: PII
    patterns:
      - regex: '\bX\d{9}\b'
        score: 70
        evidence: [{any_of: [ssn_terms]}]
)").empty());
}

TEST_CASE("Rule pack errors name file, line and rule") {
  SECTION("unknown key") {
    auto e = CompileError("types:\n  - id: A_B\n    category: PII\n    colour: red\n"
                          "    patterns: [{regex: 'x', score: 70}]\n");
    CHECK(e == "user.yaml:4: rule A_B: unknown key 'colour' in type");
    CHECK(CompileError("types:\n  - id: A_B\n    category: PII\n"
                       "    patterns: [{regex: 'x', score: 70, validater: luhn}]\n") ==
          "user.yaml:4: rule A_B: unknown key 'validater' in pattern (did you mean validator?)");
    // A misspelt required key: the misspelling is the error shown, not the
    // missing key it leads to (reported earlier, at the type's first line).
    CHECK(CompileError("types:\n  - id: A_B\n    categry: PII\n"
                       "    patterns: [{regex: 'x', score: 70}]\n") ==
          "user.yaml:3: rule A_B: unknown key 'categry' in type (did you mean category?)");
    // Another item's misspelt key further down does not hide an earlier
    // error: fixing the one shown never reveals one above it.
    CHECK(CompileError("types:\n  - id: A_B\n    category: SECRET\n"
                       "    patterns: [{regex: 'x', score: 70}]\n"
                       "  - id: C_D\n    category: PII\n    colour: red\n"
                       "    patterns: [{regex: 'y', score: 70}]\n") ==
          "user.yaml:3: rule A_B: category must be PHI, PII, PCI or CREDENTIAL");
    CHECK(CompileError("types:\n  - id: A_B\n    category: PII\n"
                       "    patterns: [{regex: 'x', score: 70}]\n"
                       "  - id: C_D\n    categry: PII\n"
                       "    patterns: [{regex: 'y', score: 70, colour: red}]\n") ==
          "user.yaml:6: rule C_D: unknown key 'categry' in type (did you mean category?)");
  }
  SECTION("unknown validator") {
    auto e = CompileError("types:\n  - id: A_B\n    category: PII\n    patterns:\n"
                          "      - regex: '\\d{4}'\n        validator: mod42\n        score: 70\n");
    CHECK(e.rfind("user.yaml:6: rule A_B: unknown validator 'mod42'", 0) == 0);
  }
  SECTION("bad category") {
    auto e = CompileError("types:\n  - id: A_B\n    category: SECRET\n"
                          "    patterns: [{regex: 'x', score: 70}]\n");
    CHECK(e == "user.yaml:3: rule A_B: category must be PHI, PII, PCI or CREDENTIAL");
  }
  SECTION("score out of range") {
    auto e = CompileError("types:\n  - id: A_B\n    category: PII\n"
                          "    patterns:\n      - regex: 'x'\n        score: 150\n");
    CHECK(e == "user.yaml:6: rule A_B: score must be between 1 and 100");
  }
  SECTION("unknown keyword list, found after merging") {
    auto e = CompileError("types:\n  - id: A_B\n    category: PII\n    patterns:\n"
                          "      - regex: 'abc'\n        score: 70\n"
                          "        evidence:\n          - any_of: [nope]\n");
    CHECK(e == "user.yaml:8: rule A_B: unknown keyword list 'nope'");
  }
  SECTION("regex RE2 cannot compile") {
    auto e = CompileError("types:\n  - id: A_B\n    category: PII\n"
                          "    patterns:\n      - regex: '(abc'\n        score: 70\n");
    CHECK(e.rfind("user.yaml:5: rule A_B: regex does not compile in RE2", 0) == 0);
  }
  SECTION("unbounded width is too costly") {
    auto e = CompileError("types:\n  - id: A_B\n    category: PII\n"
                          "    patterns:\n      - regex: 'id=\\d+'\n        score: 70\n");
    CHECK(e.rfind("user.yaml:5: rule A_B: regex has no bounded match width", 0) == 0);
  }
  SECTION("empty match") {
    auto e = CompileError("types:\n  - id: A_B\n    category: PII\n"
                          "    patterns:\n      - regex: 'a?'\n        score: 70\n");
    CHECK(e == "user.yaml:5: rule A_B: regex can match the empty string");
  }
  SECTION("huge program") {
    // A giant alternation stays narrow but compiles to a program over the cap.
    std::string alt;
    for (int i = 0; i < 800; ++i) {
      alt += (i ? "|" : "") + std::string("w") + std::to_string(i * 7919) + "q" +
             std::to_string(i);
    }
    auto e = CompileError("types:\n  - id: A_B\n    category: PII\n"
                          "    patterns:\n      - regex: '(?:" + alt + ")'\n"
                          "        score: 70\n");
    CHECK(e.rfind("user.yaml:5: rule A_B: regex is too costly (RE2 program size", 0) == 0);
  }
  SECTION("pathological nested repetition is rejected at load, quickly") {
    // (a|aa)* cannot be bounded; nested counted repeats blow the program up.
    auto e = CompileError("types:\n  - id: A_B\n    category: PII\n"
                          "    patterns:\n      - regex: '((a|aa){1,30}){1,30}'\n"
                          "        score: 70\n");
    CHECK(e.rfind("user.yaml:5: rule A_B: ", 0) == 0);
    CHECK(e.find('\n') == std::string::npos);
  }
  SECTION("a backreference RE2 cannot run") {
    auto e = CompileError("types:\n  - id: A_B\n    category: PII\n"
                          "    patterns:\n      - regex: '(a)\\1'\n        score: 70\n");
    CHECK(e.rfind("user.yaml:5: rule A_B: ", 0) == 0);
  }
  SECTION("a repeat count over RE2's 1000 cap") {
    auto e = CompileError("types:\n  - id: A_B\n    category: PII\n"
                          "    patterns:\n      - regex: 'a{1,1001}'\n        score: 70\n");
    CHECK(e.rfind("user.yaml:5: rule A_B: ", 0) == 0);
  }
  SECTION("YAML syntax") {
    auto e = CompileError("types: [\n");
    CHECK(e.rfind("user.yaml:", 0) == 0);
    CHECK(e.find("YAML error") != std::string::npos);
  }
  SECTION("a key given twice: YAML forbids it, and one of them would be ignored") {
    CHECK(CompileError("types:\n  - id: A_B\n    category: PII\n    patterns:\n"
                       "      - regex: '\\bE\\d{6}\\b'\n        regex: '\\bF\\d{6}\\b'\n"
                       "        score: 70\n") ==
          "user.yaml:6: rule A_B: duplicate key 'regex' in pattern");
    CHECK(CompileError("keywords:\n  a: [x]\ntypes: []\nkeywords:\n  b: [y]\n") ==
          "user.yaml:4: duplicate key 'keywords' in rule pack");
    CHECK(CompileError("keywords:\n  emp_terms: [badge]\n  emp_terms: [\"employee id\"]\n") ==
          "user.yaml:3: keyword list emp_terms: defined twice in this pack");
  }
  SECTION("a value of the wrong kind says what it must be") {
    CHECK(CompileError("types:\n  - id: MRN\n    enabled: nope\n") ==
          "user.yaml:3: rule MRN: enabled must be true or false");
    CHECK(CompileError("types:\n  - id: A_B\n    category: PII\n    patterns:\n"
                       "      - regex: 'x'\n        confidence: hihg\n") ==
          "user.yaml:6: rule A_B: confidence must be low, medium or high (or a score 1-100)");
    CHECK(CompileError("types:\n  - id: A_B\n    category: PII\n    patterns:\n"
                       "      - regex: 'x'\n        confidence: 150\n") ==
          "user.yaml:6: rule A_B: confidence as a score must be between 1 and 100");
    CHECK(CompileError("labels:\n  - label: HR\n    any_type: [EMAIL]\n"
                       "    min_confidence: 85\n") ==
          "user.yaml:4: label HR: min_confidence must be low, medium or high");
    CHECK(CompileError("labels:\n  - label: HR\n    any_type: [EMAIL]\n"
                       "    min_unique: 0\n")
              .starts_with("user.yaml:4: label HR: min_unique "));
  }
  SECTION("a key that would be ignored: 'of' without at_least, two minimum confidences") {
    CHECK(CompileError("types:\n  - id: A_B\n    category: PII\n    patterns:\n"
                       "      - regex: 'x'\n        score: 70\n"
                       "        evidence: [{any_of: [ssn_terms], of: [mrn_terms]}]\n") ==
          "user.yaml:7: rule A_B: 'of' goes with at_least only");
    CHECK(CompileError("labels:\n  - label: HR\n    any_type: [EMAIL]\n"
                       "    min_confidence: high\n    min_score: 10\n") ==
          "user.yaml:2: label HR: give either min_confidence or min_score, not both");
  }
  SECTION("duplicate id") {
    auto e = CompileError("types:\n  - {id: A_B, category: PII, patterns: [{regex: 'x', score: 70}]}\n"
                          "  - {id: A_B, category: PII, patterns: [{regex: 'y', score: 70}]}\n");
    CHECK(e == "user.yaml:3: rule A_B: duplicate type id in this pack");
  }
}

TEST_CASE("A later pack overrides or disables a built-in type") {
  auto builtin = ParseRulePack(BuiltinRulePackText(), "<builtin>");
  REQUIRE(builtin.ok());
  auto off = ParseRulePack("types:\n  - id: EMAIL\n    enabled: false\n", "off.yaml");
  REQUIRE(off.ok());
  auto rs = RuleSet::Compile(MergeRulePacks({builtin.value(), off.value()}));
  REQUIRE(rs.ok());
  CHECK(rs.value()->FindType("EMAIL") == -1);
  CHECK(rs.value()->FindType("US_SSN") >= 0);

  // Switching off a type no earlier pack defines (a typo) would leave the
  // meant type on: an error naming the line, with the near miss.
  CHECK(CompileError("types:\n  - id: EMAIL\n    enabled: false\n  - id: US_PASPORT\n"
                     "    enabled: false\n") ==
        "user.yaml:4: rule US_PASPORT: enabled: false names no type of the built-in pack or an "
        "earlier pack (did you mean US_PASSPORT?)");
  CHECK(CompileError("types:\n  - id: SITE_ONLY\n    enabled: false\n") ==
        "user.yaml:2: rule SITE_ONLY: enabled: false names no type of the built-in pack or an "
        "earlier pack");

  auto base = RuleSet::Compile(MergeRulePacks({builtin.value()}));
  REQUIRE(base.ok());
  CHECK(base.value()->version() != rs.value()->version());
}

TEST_CASE("The built-in pack defines exactly the issue's type ids, each with class and category") {
  auto rs = RuleSet::LoadWithBuiltins({});
  REQUIRE(rs.ok());
  std::set<std::string> ids;
  for (const auto& t : rs.value()->types()) {
    ids.insert(t.id);
    INFO(t.id);
    CHECK_FALSE(t.category.empty());
    CHECK_FALSE(t.patterns.empty());
    CHECK_FALSE(t.description.empty());
  }
  std::set<std::string> want = {
      "US_SSN", "US_ITIN", "US_MBI", "US_NPI", "US_DEA", "MRN", "HEALTH_PLAN_ID",
      "PATIENT_ACCOUNT", "ICD10_CODE",
      "NDC", "DATE_OF_BIRTH", "DATE", "PERSON_NAME", "ADDRESS", "PHONE", "EMAIL", "URL",
      "IP_ADDRESS", "CREDIT_CARD", "IBAN", "US_ABA_ROUTING", "US_BANK_ACCOUNT",
      "US_DRIVER_LICENSE", "US_PASSPORT", "UK_NHS", "CA_SIN", "AU_MEDICARE", "VIN",
      "AWS_ACCESS_KEY", "AWS_SECRET_KEY", "PRIVATE_KEY", "GITHUB_TOKEN", "GITLAB_TOKEN",
      "SLACK_TOKEN", "GOOGLE_API_KEY", "WEBHOOK_URL", "AZURE_CLIENT_SECRET",
      "SENDGRID_API_KEY", "NPM_TOKEN", "PYPI_TOKEN", "OPENAI_API_KEY", "ANTHROPIC_API_KEY",
      "STRIPE_KEY", "JWT", "GENERIC_PASSWORD"};
  CHECK(ids == want);
  auto& types = rs.value()->types();
  CHECK(types[rs.value()->FindType("MRN")].hipaa_class == 8);
  CHECK(types[rs.value()->FindType("PATIENT_ACCOUNT")].hipaa_class == 10);
  CHECK(types[rs.value()->FindType("PATIENT_ACCOUNT")].category == "PHI");
  CHECK(types[rs.value()->FindType("PERSON_NAME")].hipaa_class == 1);
  CHECK(types[rs.value()->FindType("JWT")].category == "CREDENTIAL");
}

TEST_CASE("Rule model extensions: errors for dictionaries, list macros and label rules") {
  CHECK(CompileError("types:\n  - id: X\n    category: PII\n    patterns:\n"
                     "      - regex: 'a{{nope}}b'\n        score: 70\n") ==
        "user.yaml:5: rule X: unknown keyword list 'nope' in regex");
  CHECK(CompileError("types:\n  - id: X\n    category: PII\n    patterns:\n"
                     "      - regex: 'ab'\n        score: 70\n        dictionary: [nope]\n") ==
        "user.yaml:5: rule X: unknown keyword list 'nope' in dictionary");
  CHECK(CompileError("types:\n  - id: X\n    category: PII\n    patterns:\n"
                     "      - regex: 'ab'\n        score: 70\n"
                     "        unless_labelled: [ssn_term]\n") ==
        "user.yaml:5: rule X: unknown keyword list 'ssn_term' in unless_labelled "
        "(did you mean ssn_terms?)");
  CHECK(CompileError("types:\n  - id: X\n    category: PII\n    patterns:\n"
                     "      - regex: 'ab'\n        score: 70\n        unless_labelled: []\n") ==
        "user.yaml:7: rule X: unless_labelled names no keyword list");
  CHECK(CompileError("types:\n  - id: X\n    category: PII\n    patterns:\n"
                     "      - regex: 'ab'\n        score: 70\n        proximity: 5000\n") ==
        "user.yaml:7: rule X: proximity must be between 0 and 4096");
  CHECK(CompileError("labels:\n  - label: PHI\n    any_type: [US_SNN]\n") ==
        "user.yaml:2: label PHI: unknown type 'US_SNN' (did you mean US_SSN?)");
  CHECK(CompileError("labels:\n  - label: PHI\n    any_category: [PII]\n"
                     "    requires_keywords: [nope]\n") ==
        "user.yaml:2: label PHI: unknown keyword list 'nope'");
  CHECK(CompileError("labels:\n  - label: PHI\n    any_category: [PIII]\n") ==
        "user.yaml:2: label PHI: unknown category 'PIII'");
  // A label written in another case than a built-in one would be a label of
  // its own, its assets in no PHI count.
  CHECK(CompileError("labels:\n  - label: phi\n    any_type: [EMAIL]\n") ==
        "user.yaml:2: label phi: differs from the label PHI only in case (labels are "
        "case-sensitive)");
  CHECK(CompileError("labels:\n  - label: None\n    any_type: [EMAIL]\n") ==
        "user.yaml:2: label None: differs from the label NONE only in case (labels are "
        "case-sensitive)");
  CHECK(CompileError("labels:\n  - label: HR\n    any_type: [EMAIL]\n  - label: PHI\n"
                     "    any_type: [MRN]\n").empty());
  // Said once, at the site's rule: not again at each built-in PHI rule,
  // which its author cannot edit. (Found by review, 2026-12-03.)
  auto user = ParseRulePack("labels:\n  - label: phi\n    any_type: [EMAIL]\n", "user.yaml");
  auto builtin = ParseRulePack(BuiltinRulePackText(), "<builtin>");
  REQUIRE(user.ok());
  REQUIRE(builtin.ok());
  std::vector<PackError> all;
  CHECK_FALSE(RuleSet::Compile(MergeRulePacks({builtin.value(), user.value()}), {}, &all).ok());
  REQUIRE(all.size() == 1);
  CHECK(all[0].source == "user.yaml");
}

TEST_CASE("A keyword list may be case-sensitive; its form is checked") {
  auto pack = ParseRulePack("keywords:\n  a: {terms: [SIN], case_sensitive: true}\n"
                            "  b: {terms: [x]}\n  c: [y]\n",
                            "user.yaml");
  REQUIRE(pack.ok());
  CHECK(pack.value().case_sensitive_lists == std::set<std::string>{"a"});
  CHECK(pack.value().keywords.at("a") == std::vector<std::string>{"SIN"});
  // A later pack redefining the list decides its case sensitivity.
  auto later = ParseRulePack("keywords:\n  a: [sin]\n", "later.yaml");
  REQUIRE(later.ok());
  CHECK(MergeRulePacks({pack.value(), later.value()}).case_sensitive_lists.empty());
  CHECK(CompileError("keywords:\n  a: {terms: [SIN], case_sensitive: maybe}\n") ==
        "user.yaml:2: keyword list a: case_sensitive must be true or false");
  CHECK(CompileError("keywords:\n  a: {terms: [SIN], casesensitive: true}\n") ==
        "user.yaml:2: keyword list a: unknown key 'casesensitive' in keyword list "
        "(did you mean case_sensitive?)");
  CHECK(CompileError("keywords:\n  a: {case_sensitive: true}\n") ==
        "user.yaml:2: keyword list a: keyword list needs terms");
}

TEST_CASE("retry_shorter is a boolean and needs a regex without a capturing group") {
  CHECK(CompileError("types:\n  - id: X\n    category: PII\n    patterns:\n"
                     "      - regex: 'a(b)'\n        score: 70\n        retry_shorter: true\n") ==
        "user.yaml:5: rule X: retry_shorter needs a regex without a capturing group");
  CHECK(CompileError("types:\n  - id: X\n    category: PII\n    patterns:\n"
                     "      - regex: 'ab'\n        score: 70\n        retry_shorter: 2\n") ==
        "user.yaml:7: rule X: retry_shorter must be true or false");
}

TEST_CASE("rules check reports every error of a pack, one line each, in line order") {
  const std::string pack =
      "keywords:\n"                                                       // 1
      "  emp_terms: {terms: [badge], casesensitive: true}\n"              // 2
      "  site_terms: [mrn]\n"                                             // 3
      "  site_terms: [chart]\n"                                           // 4
      "types:\n"                                                          // 5
      "  - id: ACME_EMP\n"                                                // 6
      "    category: PII\n"                                               // 7
      "    colour: red\n"                                                 // 8
      "    patterns:\n"                                                   // 9
      "      - regex: '\\bE\\d+\\b'\n"                                    // 10
      "        score: 80\n"                                               // 11
      "        evidence: [{any_of: [emp_terms]}]\n"                       // 12
      "      - regex: '\\bE\\d{6}\\b'\n"                                  // 13
      "        validator: Luhn\n"                                         // 14
      "        confidence: hihg\n"                                        // 15
      "  - id: US_PASPORT\n"                                              // 16
      "    enabled: false\n"                                              // 17
      "  - id: ACME_MRN\n"                                                // 18
      "    category: PHI\n"                                               // 19
      "    hipaa: 19\n"                                                   // 20
      "    patterns:\n"                                                   // 21
      "      - regex: '\\bH\\d{8}\\b'\n"                                  // 22
      "        score: 90\n"                                               // 23
      "        evidence: [{any_of: [site_term]}]\n"                       // 24
      "labels:\n"                                                         // 25
      "  - label: HR\n"                                                   // 26
      "    any_type: [ACME_EMPL]\n"                                       // 27
      "  - label: PHI\n"                                                  // 28
      "    any_type: [ACME_MRN]\n"                                        // 29
      "    min_confidence: high\n"                                        // 30
      "    min_score: 10\n";                                              // 31
  PackCheck check = CheckRulePacks({{"site.yaml", pack}});
  CHECK(check.rules == nullptr);
  // emp_terms, defined with an error, is not reported again as unknown on
  // line 12; the first site_terms stands.
  CHECK(check.errors ==
        std::vector<std::string>{
            "site.yaml:2: keyword list emp_terms: unknown key 'casesensitive' in keyword list "
            "(did you mean case_sensitive?)",
            "site.yaml:4: keyword list site_terms: defined twice in this pack",
            "site.yaml:8: rule ACME_EMP: unknown key 'colour' in type",
            "site.yaml:10: rule ACME_EMP: regex has no bounded match width <= 512 bytes; use "
            "{m,n} instead of + or *",
            "site.yaml:14: rule ACME_EMP: unknown validator 'Luhn' (known: luhn, credit_card, "
            "ssn, npi, mbi, nanp_phone, email, itin, dea, aba, iban, nhs, sin, au_medicare, vin, "
            "ipv4, ipv6, date, birth_date, icd10, ndc, jwt, secret_value, typed_password, "
            "e164_phone, ipv6_grouped, public_ipv4, public_ipv6, public_ipv6_grouped, issued_card, "
            "not_placeholder, personal_email, whole_name)",
            "site.yaml:15: rule ACME_EMP: confidence must be low, medium or high (or a score "
            "1-100)",
            "site.yaml:16: rule US_PASPORT: enabled: false names no type of the built-in pack or "
            "an earlier pack (did you mean US_PASSPORT?)",
            "site.yaml:20: rule ACME_MRN: hipaa must be between 1 and 18",
            "site.yaml:24: rule ACME_MRN: unknown keyword list 'site_term' (did you mean "
            "site_terms?)",
            "site.yaml:26: label HR: unknown type 'ACME_EMPL' (did you mean ACME_EMP?)",
            "site.yaml:28: label PHI: give either min_confidence or min_score, not both"});
  // Loading (scan, classify) stops at the first of them, by line.
  CHECK(CompileError(pack) ==
        "user.yaml:2: keyword list emp_terms: unknown key 'casesensitive' in keyword list "
        "(did you mean case_sensitive?)");
}

TEST_CASE("rules check lists at most kMaxErrorsPerPack errors of a pack, then how many more") {
  std::string pack = "types:\n  - id: MANY\n    category: PII\n    patterns:\n";
  for (int i = 0; i < 60; ++i) pack += "      - {regex: 'x" + std::to_string(i) + "+', score: 70}\n";
  PackCheck check = CheckRulePacks({{"many.yaml", pack}});
  REQUIRE(check.errors.size() == kMaxErrorsPerPack + 1);
  CHECK(check.errors.front().rfind("many.yaml:5: rule MANY: regex has no bounded match width", 0) ==
        0);
  CHECK(check.errors[kMaxErrorsPerPack - 1].rfind("many.yaml:54: ", 0) == 0);
  CHECK(check.errors.back() == "many.yaml: 10 more errors not shown");
}

TEST_CASE("rules check loads packs together, as --rules does: a later pack may use an earlier one's lists") {
  const PackText lists{"lists.yaml", "keywords:\n  acme_terms: [badge]\n"};
  const PackText types{"types.yaml",
                       "types:\n  - id: ACME_EMP\n    category: PII\n    patterns:\n"
                       "      - regex: '\\bE\\d{6}\\b'\n        score: 80\n"
                       "        evidence: [{any_of: [acme_terms]}]\n"};
  PackCheck both = CheckRulePacks({lists, types});
  CHECK(both.errors.empty());
  REQUIRE(both.rules != nullptr);
  CHECK(both.rules->FindType("ACME_EMP") >= 0);
  // Alone, or before the pack that defines the list, it is an error.
  CHECK(CheckRulePacks({types}).errors ==
        std::vector<std::string>{"types.yaml:7: rule ACME_EMP: unknown keyword list 'acme_terms'"});
  // Errors are grouped by pack in the order given.
  const PackText bad{"bad.yaml", "types:\n  - id: X\n    category: PII\n    patterns: []\n"};
  CHECK(CheckRulePacks({bad, types}).errors ==
        std::vector<std::string>{"bad.yaml:2: rule X: type needs a non-empty 'patterns' list",
                                 "types.yaml:7: rule ACME_EMP: unknown keyword list 'acme_terms'"});
  // A YAML syntax error is the pack's only error.
  CHECK(CheckRulePacks({{"syntax.yaml", "types: [\n"}}).errors.size() == 1);
}

TEST_CASE("An error in an aliased keyword list is reported at the list that uses the alias") {
  // *A carries the position of &A: the errors of c and b were both given at
  // line 2, a's. (Found by review, 2026-12-03.)
  const std::string yaml =
      "keywords:\n  a: &A [x, y]\n  c: [*A, *A]\n  b: [*A, *A, *A]\n  d: *A\n";
  auto pack = ParseRulePack(yaml, "bomb.yaml");
  REQUIRE_FALSE(pack.ok());
  CHECK(pack.status().message() ==
        "bomb.yaml:3: keyword list c: keyword list must be a list of strings");
  std::vector<PackError> all;
  ParseRulePackAll(yaml, "bomb.yaml", &all);
  REQUIRE(all.size() == 2);
  CHECK(all[0].line == 3);
  CHECK(all[1].line == 4);
}

namespace {

// Synthetic values planted in files given as packs: no error may quote them.
constexpr const char* kPlantedSsn = "536-22-8726";
constexpr const char* kPlantedName = "Marisol Quintanilla";

void CheckQuotesNothing(const std::string& error) {
  INFO(error);
  CHECK(error.find(kPlantedSsn) == std::string::npos);
  CHECK(error.find("Marisol") == std::string::npos);
  CHECK(error.find("Quintanilla") == std::string::npos);
}

}  // namespace

TEST_CASE("A file that is no rule pack is one error that quotes nothing of it") {
  const std::string expected =
      "records.csv: not a rule pack (expected a YAML mapping with keywords, types or labels)";
  const std::vector<std::string> files = {
      // A CSV of records, with and without a ': ' that breaks its YAML.
      std::string("name,ssn,notes\n") + kPlantedName + "," + kPlantedSsn + ",follow up\n",
      std::string("name,ssn,notes\n") + kPlantedName + "," + kPlantedSsn + ",note: call back\n",
      // Another program's YAML: a mapping of records, a list of them.
      std::string("patient: ") + kPlantedName + "\nssn: " + kPlantedSsn + "\n",
      std::string("- name: ") + kPlantedName + "\n  ssn: " + kPlantedSsn + "\n",
      // A binary: a zip header, bytes that are not UTF-8.
      std::string("PK\x03\x04\0\0", 6) + kPlantedSsn,
      std::string("\xff\xfe") + kPlantedName + "\n",
  };
  for (const auto& text : files) {
    INFO(text);
    std::vector<PackError> errors;
    ParseRulePackAll(text, "records.csv", &errors);
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].message == expected);
    // Loading and checking alike.
    CHECK(ParseRulePack(text, "records.csv").status().message() == expected);
    CHECK(CheckRulePacks({{"records.csv", text}}).errors == std::vector<std::string>{expected});
  }
  // A pack with a YAML error is still a pack: its error has the line.
  auto broken = ParseRulePack("types:\n  - id: A_B\n    name: [x\n", "user.yaml");
  REQUIRE_FALSE(broken.ok());
  CHECK_THAT(broken.status().message(), Catch::Matches("user\\.yaml:[0-9]+: YAML error: .*"));
  // So is a pack written as JSON with a syntax error (a trailing comma).
  auto json = ParseRulePack("{\n  \"pack\": \"x\",\n  \"types\": [\n    {\"id\": \"A\"}\n  ,\n}\n",
                            "user.json");
  REQUIRE_FALSE(json.ok());
  CHECK_THAT(json.status().message(), Catch::Matches("user\\.json:[0-9]+: YAML error: .*"));
}

TEST_CASE("Pack errors quote a key, id, label or list name only if it is a plausible name") {
  const std::string ssn = kPlantedSsn;
  const std::string name = kPlantedName;
  auto all_errors = [](const std::string& yaml) {
    return CheckRulePacks({{"user.yaml", yaml}}).errors;
  };
  // An unknown key: at its column.
  auto e = CompileError("types:\n  - id: A_B\n    category: PII\n    " + ssn + ": x\n"
                        "    patterns: [{regex: 'x', score: 70}]\n");
  CHECK(e == "user.yaml:4: rule A_B: unknown key at column 5 in type");
  e = CompileError("types: []\n'" + name + "': 1\n");
  CHECK(e == "user.yaml:2: unknown key at column 1 in rule pack");
  CheckQuotesNothing(e);
  // An id, label or keyword list name that is a value: "a rule", "a label".
  e = CompileError("types:\n  - id: '" + ssn + "'\n    category: PII\n"
                   "    patterns: [{regex: 'x', score: 70}]\n");
  CHECK(e == "user.yaml:2: a rule: id must be UPPER_SNAKE_CASE (A-Z, 0-9, _)");
  e = CompileError("labels:\n  - label: " + name + "\n    any_type: [NO_SUCH]\n");
  CHECK(e ==
        "user.yaml:2: a label must be 1-64 letters, digits, '_', '-' or '.', starting with a "
        "letter or '_'");
  CheckQuotesNothing(e);
  e = CompileError("keywords:\n  '" + ssn + "': []\n");
  CHECK(e == "user.yaml:2: a keyword list: keyword list is empty");
  // A validator, a keyword list named where it is used, a type or category
  // a label rule names.
  e = CompileError("types:\n  - id: A_B\n    category: PII\n    patterns:\n"
                   "      - regex: '\\d{4}'\n        validator: '" + ssn +
                   "'\n        score: 70\n");
  CHECK(e.rfind("user.yaml:6: rule A_B: unknown validator at column 20 (known: luhn", 0) == 0);
  for (const auto& error : all_errors(
           "types:\n  - id: A_B\n    category: PII\n    patterns:\n"
           "      - regex: '\\bE\\d{6}\\b'\n        score: 70\n"
           "        dictionary: ['" + name + "']\n"
           "        evidence: [{any_of: ['" + ssn + "']}]\n"
           "      - {regex: '\\b{{" + ssn + "}}\\b', score: 70}\n"
           "labels:\n  - label: HR\n    any_type: ['" + ssn + "']\n"
           "    any_category: ['" + name + "']\n    requires_keywords: ['" + ssn + "']\n")) {
    CheckQuotesNothing(error);
  }
  CHECK(all_errors("types:\n  - id: A_B\n    category: PII\n    patterns:\n"
                   "      - regex: '\\bE\\d{6}\\b'\n        score: 70\n"
                   "        evidence: [{any_of: ['" + ssn + "']}]\n") ==
        std::vector<std::string>{"user.yaml:7: rule A_B: unknown keyword list (name not shown)"});
  // Plausible names are still quoted, as before.
  CHECK(CompileError("labels:\n  - label: HR\n    any_type: [ACME_EMPL]\n") ==
        "user.yaml:2: label HR: unknown type 'ACME_EMPL'");
}

TEST_CASE("A regex engine's error quotes at most 80 bytes of the pattern") {
  const std::string tail(300, 'q');
  auto e = CompileError("types:\n  - id: A_B\n    category: PII\n    patterns:\n"
                        "      - regex: '(" + tail + "'\n        score: 70\n");
  CHECK(e.rfind("user.yaml:5: rule A_B: regex does not compile in RE2: missing ): (qqq", 0) == 0);
  CHECK(e.find(std::string(81, 'q')) == std::string::npos);
  CHECK(e.size() < 200);
  e = CompileError("types:\n  - id: A_B\n    category: PII\n    patterns:\n"
                   "      - regex: '\\bE\\d{6}\\b'\n        score: 70\n"
                   "        exclude: ['" + tail + "+']\n");
  CHECK(e == "user.yaml:5: rule A_B: exclude '" + std::string(80, 'q') +
                 "...' must match a fixed number of bytes, at most 64");
}

TEST_CASE("Compiling uses what Hyperscan said of an expression in an earlier run, if intact") {
  const std::string yaml = "types:\n  - id: A_B\n    category: PII\n    patterns:\n"
                           "      - regex: '\\bZQW\\d{4}\\b'\n        score: 70\n";
  const std::string bytes = RuleSet::SerializeExpressionWidths();
  const std::string header = bytes.substr(0, bytes.find('\n') + 1);
  CHECK(header.rfind("phiscan-widths-1 ", 0) == 0);  // then the Hyperscan version
  // Bytes that say the regex may match 9,999 bytes (it matches 7), with
  // their checksum, as an earlier run of another Hyperscan could have
  // stored: refused under another version, adopted under this one.
  const std::string expr = "\\bZQW\\d{4}\\b";
  const std::string payload = "1 7 9999 " + std::to_string(expr.size()) + " 0\n" + expr;
  const std::string lie = header + Sha256Hex(payload, 32) + "\n" + payload;
  const std::string foreign = "phiscan-widths-1 0.0.1" + lie.substr(header.size() - 1);
  CHECK_FALSE(RuleSet::AdoptExpressionWidths(foreign));
  std::string flipped = lie;
  flipped.back() = 'X';  // damaged: the checksum no longer holds
  CHECK_FALSE(RuleSet::AdoptExpressionWidths(flipped));
  // Malformed records under a checksum that holds, as someone able to
  // write the file could make them: refused whole, the good first record
  // of the last one included (compiled below, it gives no error).
  const std::string zqu = "\\bZQU\\d{4}\\b";
  const std::string good_record = "1 7 9999 " + std::to_string(zqu.size()) + " 0\n" + zqu;
  for (const std::string& bad :
       {"1 7 9 50 0\n" + expr, "1 7 9 5 50\n" + expr, "2 7 9 12 0\n" + expr,
        "1 7 4294967296 12 0\n" + expr, "1 7 99999999999 12 0\n" + expr,
        "1 7 9 12 0" + expr, "1 7 9 12\n" + expr, "0 0 0 12 0\n" + expr,
        "1 -7 9 12 0\n" + expr, good_record + "1 7 9 12 5\n" + expr}) {
    INFO(bad);
    CHECK_FALSE(RuleSet::AdoptExpressionWidths(header + Sha256Hex(bad, 32) + "\n" + bad));
  }
  CHECK(CompileError("types:\n  - id: A_B\n    category: PII\n    patterns:\n"
                     "      - regex: '\\bZQU\\d{4}\\b'\n        score: 70\n")
            .empty());
  CHECK(CompileError(yaml).empty());  // Hyperscan asked: 7 bytes
  // An answer already known is kept: nothing adopted overrides it.
  REQUIRE(RuleSet::AdoptExpressionWidths(lie));
  CHECK(CompileError(yaml).empty());
  // A new expression's answer is taken from the bytes, not asked again.
  const std::string other = "\\bZQV\\d{4}\\b";
  const std::string payload2 = "1 7 9999 " + std::to_string(other.size()) + " 0\n" + other;
  REQUIRE(RuleSet::AdoptExpressionWidths(header + Sha256Hex(payload2, 32) + "\n" + payload2));
  std::string e = CompileError("types:\n  - id: A_B\n    category: PII\n    patterns:\n"
                               "      - regex: '\\bZQV\\d{4}\\b'\n        score: 70\n");
  CHECK(e.rfind("user.yaml:5: rule A_B: regex has no bounded match width", 0) == 0);
  // What the process learned is in the bytes it stores.
  CHECK(RuleSet::SerializeExpressionWidths().find(expr) != std::string::npos);
}

TEST_CASE("A pattern's confidence word gives the score its bucket stands for") {
  // `confidence: low` gave a score of 1, the lowest low score, under any
  // site label rule's min_score: the label never applied.
  for (const auto& [word, score] :
       std::vector<std::pair<std::string, int>>{{"low", 65}, {"medium", 75}, {"high", 85}}) {
    INFO(word);
    auto pack = ParseRulePack("types:\n  - id: A_B\n    category: PII\n    patterns:\n"
                              "      - {regex: '\\bPRJ\\d{4}\\b', confidence: " + word + "}\n",
                              "user.yaml");
    REQUIRE(pack.ok());
    REQUIRE(pack.value().types.size() == 1);
    CHECK(pack.value().types[0].patterns.at(0).score == score);
  }
}

TEST_CASE("A label is a name, and NONE is no site label") {
  // A blank label, one with spaces, and NONE were taken: assets labelled
  // "" showed in the summary as not read.
  const std::string rule = "\n    any_type: [US_SSN]\n";
  for (const char* label : {"''", "' '", "'PHI '", "'Patient data'"}) {
    INFO(label);
    CHECK(CompileError(std::string("labels:\n  - label: ") + label + rule) ==
          "user.yaml:2: a label must be 1-64 letters, digits, '_', '-' or '.', starting with a "
          "letter or '_'");
  }
  CHECK(CompileError("labels:\n  - label: NONE" + rule) ==
        "user.yaml:2: label NONE is reserved (what an asset with nothing sensitive gets)");
  CHECK(CompileError("labels:\n  - label: HR-2.b" + rule).empty());
}

TEST_CASE("A label rule id used twice is said at the later pack's rule") {
  // It was said at the built-in rule (which a site cannot edit) or at the
  // earlier pack.
  CHECK(CompileError("labels:\n  - {label: HR, id: payment_card, any_type: [US_SSN]}\n") ==
        "user.yaml:2: label HR: id payment_card is another label rule's too");
  const std::string a = "labels:\n  - {label: HR, id: a1, any_type: [US_SSN]}\n";
  const std::string b = "# b\nlabels:\n  - {label: HR2, id: a1, any_type: [US_SSN]}\n";
  CHECK(CheckRulePacks({{"la.yaml", a}, {"lb.yaml", b}}).errors ==
        std::vector<std::string>{"lb.yaml:3: label HR2: id a1 is another label rule's too"});
  // In one pack, at the later line.
  CHECK(CompileError("labels:\n  - {label: HR, id: a1, any_type: [US_SSN]}\n"
                     "  - {label: HR2, id: a1, any_type: [US_SSN]}\n") ==
        "user.yaml:3: label HR2: id a1 is another label rule's too");
}

TEST_CASE("Errors YAML reports late or never are said at their own line") {
  const std::string head = "types:\n  - id: X1\n    category: PII\n    patterns:\n";
  // A quote left open at the end of the file: its line end was folded into
  // the regex as a space, and the pack loaded.
  CHECK(CompileError(head + "      - score: 85\n        regex: '\\bX\\d{6}\\b") ==
        "user.yaml:6: a quoted value does not end on its line (a quote missing?)");
  // In the middle of the file: YAML read on to the next quote and blamed
  // the end of the file.
  CHECK(CompileError(head + "      - regex: \"\\\\bX\\\\d{6}\n        score: 85\n"
                            "labels:\n  - {label: HR, any_type: [X1]}\n") ==
        "user.yaml:5: a quoted value does not end on its line (a quote missing?)");
  // A second document: only the first was read.
  CHECK(CompileError(head + "      - {regex: '\\bX\\d{6}\\b', score: 85}\n---\ntypes: []\n") ==
        "user.yaml:6: a second YAML document after '---' (the file is one document)");
  // A '---' or '...' with nothing after it starts none.
  CHECK(CompileError(head + "      - {regex: '\\bX\\d{6}\\b', score: 85}\n...\n---\n# end\n")
            .empty());
  // Bytes that are not UTF-8, in a comment too (a pack saved as
  // Windows-1252): the line, not "not a rule pack".
  CHECK(CompileError("# R\xe8gles du site\n" + head + "      - {regex: 'x\\d', score: 85}\n") ==
        "user.yaml:1: not UTF-8 text (save the file as UTF-8)");
  // An empty value: at its key's line, not the next token's.
  CHECK(CompileError("types:\n  - id: X1\n    category: PII\n    hipaa:\n\n    # note\n"
                     "    patterns: [{regex: 'x\\d', score: 85}]\n") ==
        "user.yaml:4: rule X1: hipaa must be an integer");
  CHECK(CompileError(head + "      - regex:\n        score: 85\n") ==
        "user.yaml:5: rule X1: regex must be a string");
  // An integer out of range says the range.
  CHECK(CompileError(head + "      - {regex: 'x\\d', score: 85, proximity: 100000000000}\n") ==
        "user.yaml:5: rule X1: proximity must be between 0 and 4096");
  // A code point above \x{FF}: regexes match bytes.
  CHECK(CompileError(head + "      - {regex: 'A\\x{263A}', score: 85}\n")
            .ends_with("(regexes match bytes: \\x{...} goes up to \\x{FF}; write a character as "
                       "its UTF-8 bytes, \\xE2\\x98\\xBA)"));
  // A block scalar's text, a quote inside a plain value, a comment's
  // apostrophe and a leading '---' are no errors.
  // Nor quotes inside a plain value, after an anchor or a tag, a block
  // scalar's header after an anchor, or a directive before the first '---'
  // (from a review of the check).
  CHECK(CompileError("%YAML 1.2\n---\ntypes:\n  - id: X1\n    category: PII\n"
                     "    name: rock - 'n roll, numbers, 'like T123456\n"
                     "    description: &d >-\n      Values: 'quoted, as a clerk types them\n"
                     "    patterns:\n      - regex: !!str '\\bX\\d{6}'\n        score: 85\n"
                     "keywords:\n  notes: [&n 'ids, \"quoted', \"b\"]\n")
            .empty());
  CHECK(CompileError("---\n# the site's pack\ntypes:\n  - id: X1\n    category: PII\n"
                     "    description: >\n      'tis the MRN\n      \"of a ward\n"
                     "    name: it's ours  # don't\n"
                     "    patterns: [{regex: '\\bX''\\d{6}', score: 85}]\n")
            .empty());
}

TEST_CASE("yields_to names types: a typo, the type itself or a cycle is an error") {
  const std::string type_a =
      "  - id: A_ONE\n    category: PII\n    yields_to: [%s]\n"
      "    patterns: [{regex: '\\bA\\d{6}\\b', score: 85}]\n";
  auto pack = [&](const std::string& yields) {
    std::string t = type_a;
    t.replace(t.find("%s"), 2, yields);
    return "types:\n" + t;
  };
  CHECK(CompileError(pack("GITHUB_TOKN")) ==
        "user.yaml:4: rule A_ONE: yields_to names unknown type 'GITHUB_TOKN' (did you mean "
        "GITHUB_TOKEN?)");
  CHECK(CompileError(pack("A_ONE")) == "user.yaml:4: rule A_ONE: yields_to names the type itself");
  CHECK(CompileError(pack("B_TWO") +
                     "  - id: B_TWO\n    category: PII\n    yields_to: [A_ONE]\n"
                     "    patterns: [{regex: '\\bB\\d{6}\\b', score: 85}]\n") ==
        "user.yaml:4: rule A_ONE: yields_to leads to a cycle (types that yield to each other)");
  // Said at a type on the cycle, not at one that leads to it.
  CHECK(CompileError(pack("B_TWO") +
                     "  - id: B_TWO\n    category: PII\n    yields_to: [C_THREE]\n"
                     "    patterns: [{regex: '\\bB\\d{6}\\b', score: 85}]\n"
                     "  - id: C_THREE\n    category: PII\n    yields_to: [B_TWO]\n"
                     "    patterns: [{regex: '\\bC\\d{6}\\b', score: 85}]\n") ==
        "user.yaml:8: rule B_TWO: yields_to leads to a cycle (types that yield to each other)");
  CHECK(CompileError(pack("GITHUB_TOKEN, EMAIL")).empty());
  // A type switched off is passed over: the built-in GENERIC_PASSWORD
  // yields to GITHUB_TOKEN, which a site may disable.
  CHECK(CompileError("types:\n  - id: GITHUB_TOKEN\n    enabled: false\n").empty());
}

TEST_CASE("rules check says when a type replaces an earlier pack's type of its id") {
  const std::string email = "types:\n  - id: EMAIL\n    category: PII\n"
                            "    patterns: [{regex: '\\bE\\d{6}\\b', score: 85}]\n";
  // One check of three packs (each check compiles the whole pack, about
  // 12 s under ASan): a.yaml replaces the built-in type, b.yaml a.yaml's;
  // c.yaml's new id and the type it switches off are no replacement to
  // speak of.
  const std::string c =
      "types:\n  - id: ACME_EMP\n    category: PII\n"
      "    patterns: [{regex: '\\bE\\d{7}\\b', score: 85}]\n  - id: PHONE\n    enabled: false\n";
  auto check = CheckRulePacks({{"a.yaml", "# a\n" + email}, {"b.yaml", email}, {"c.yaml", c}});
  CHECK(check.errors.empty());
  CHECK(check.notes ==
        std::vector<std::string>{
            "a.yaml:3: rule EMAIL: replaces the built-in type of that id whole (what it leaves "
            "out takes its default)",
            "b.yaml:2: rule EMAIL: replaces the type of a.yaml of that id whole (what it leaves "
            "out takes its default)"});
}
