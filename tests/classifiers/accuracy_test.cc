// The accuracy benchmark (tools/accuracy.py) through the real programs, on a
// small corpus with a seed other than the bundled sample's: every exact type
// must reach precision and recall >= 0.98, names, addresses and dates of
// birth F1 >= 0.90, and every built-in type must have planted positives.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <string>

#include "tests/testutil/testutil.h"

using phiscan::testing::BinaryDir;
using phiscan::testing::Python;
using phiscan::testing::RunCommand;
using phiscan::testing::SourceDir;

namespace {


}  // namespace

TEST_CASE("The accuracy benchmark meets its targets on a fresh corpus") {
  std::string out;
  // 80 files plant about 50 names: with 40 (some 23 names) one name more or
  // less outside the dictionary moved F1 by 0.03, so a generator change
  // that redrew the names crossed the 0.90 target with the rules unchanged
  // (seeds 1-7 gave 0.93-0.98, seed 4242 0.88).
  int rc = RunCommand(Python() + " " + SourceDir() + "/tools/accuracy.py --build " + BinaryDir() +
                          " --seed 4242 --files 80 --check 2>&1",
                      &out);
  INFO(out);
  CHECK(rc == 0);
  // The table names every type the built-in pack defines.
  for (const char* type :
       {"US_SSN", "US_ITIN", "US_MBI", "US_NPI", "US_DEA", "MRN", "HEALTH_PLAN_ID", "ICD10_CODE",
        "NDC", "DATE_OF_BIRTH", "DATE", "PERSON_NAME", "ADDRESS", "PHONE", "EMAIL", "URL",
        "IP_ADDRESS", "CREDIT_CARD", "IBAN", "US_ABA_ROUTING", "US_BANK_ACCOUNT",
        "US_DRIVER_LICENSE", "US_PASSPORT", "UK_NHS", "CA_SIN", "AU_MEDICARE", "VIN",
        "AWS_ACCESS_KEY", "PRIVATE_KEY", "GITHUB_TOKEN", "SLACK_TOKEN", "GOOGLE_API_KEY",
        "STRIPE_KEY", "JWT", "GENERIC_PASSWORD"}) {
    INFO(type);
    CHECK(out.find(std::string("\n") + type + " ") != std::string::npos);
  }
}

TEST_CASE("The accuracy benchmark fails when a rule loses recall") {
  // A site pack that replaces ADDRESS by its PO-box pattern alone: --check
  // must notice, through a phiscan wrapper that adds the pack.
  phiscan::testing::TempDir dir;
  std::string pack = dir.Join("weak.yaml");
  std::string wrapper = dir.Join("phiscan");
  REQUIRE(RunCommand("printf 'pack: weak\\ntypes:\\n  - id: ADDRESS\\n    category: PII\\n"
                     "    patterns:\\n      - regex: \"\\\\\\\\bP\\\\\\\\.?O\\\\\\\\.? Box "
                     "\\\\\\\\d{1,6}\\\\\\\\b\"\\n        score: 75\\n' > " +
                     pack) == 0);
  REQUIRE(RunCommand("printf '#!/bin/sh\\ncmd=$1; shift\\nexec " + BinaryDir() +
                     "/tools/phiscan \"$cmd\" --rules " + pack + " \"$@\"\\n' > " + wrapper +
                     " && chmod +x " + wrapper) == 0);
  std::string out;
  int rc = RunCommand(Python() + " " + SourceDir() + "/tools/accuracy.py --phiscan " + wrapper +
                          " --phireport " + BinaryDir() +
                          "/tools/phireport --seed 4242 --files 20 --check 2>&1",
                      &out);
  INFO(out);
  CHECK(rc != 0);
  CHECK(out.find("below target: ADDRESS") != std::string::npos);
}
