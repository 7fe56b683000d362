#include <catch2/catch.hpp>

#include <sys/stat.h>

#include "common/config_text.h"
#include "tests/testutil/testutil.h"

using phiscan::HasTopLevelKey;
using phiscan::IsConfigText;
using phiscan::YamlReason;

TEST_CASE("A binary file is no configuration file") {
  CHECK(IsConfigText("types:\n  - id: A\n"));
  CHECK(IsConfigText("name: Ren\xc3\xa9\n"));
  CHECK_FALSE(IsConfigText(std::string("PK\x03\x04\0\0", 6)));
  CHECK_FALSE(IsConfigText("types: \xff\xfe\n"));
}

TEST_CASE("A top-level key tells a broken configuration file from a file of another kind") {
  const std::set<std::string> keys = {"jobs", "defaults"};
  CHECK(HasTopLevelKey("defaults:\n  catalog: c\njobs: [\n", keys));
  CHECK(HasTopLevelKey("# jobs\njobs :\n", keys));
  // Indented, a prefix of a longer key, or no colon: not the file's own key.
  CHECK_FALSE(HasTopLevelKey("x:\n  jobs: []\n", keys));
  CHECK_FALSE(HasTopLevelKey("jobsite: 4\n", keys));
  CHECK_FALSE(HasTopLevelKey("jobs,name,ssn\nJane,Doe,536-22-8726\n", keys));
  // JSON: a quoted key after the brace or indented; not a quoted CSV cell.
  CHECK(HasTopLevelKey("{\n  \"jobs\": [\n    {\"name\": \"a\",}\n", keys));
  CHECK(HasTopLevelKey("{\"defaults\" : {}, \"jobs\": [}", keys));
  CHECK_FALSE(HasTopLevelKey("\"jobs\",\"name\"\n\"x\",\"y\"\n", keys));
  CHECK_FALSE(HasTopLevelKey("{\"jobsite\": 4,\n", keys));
  CHECK_FALSE(HasTopLevelKey("\"jobs\n", keys));
}

TEST_CASE("yaml-cpp's reason keeps nothing it appends from the document") {
  CHECK(YamlReason("illegal map value") == "illegal map value");
  CHECK(YamlReason("key not found: 536-22-8726") == "key not found");
  CHECK(YamlReason("operator[] call on a scalar (key: \"Jane Doe\")") ==
        "operator[] call on a scalar");
  CHECK(YamlReason("invalid node; first invalid key: \"Jane\"") == "invalid node");
  CHECK(phiscan::YamlErrorText("unknown escape character: q", 4) ==
        "YAML error: unknown escape character (column 5)");
  CHECK(phiscan::NameOrColumn("colour", 4) == "'colour'");
  CHECK(phiscan::NameOrColumn("536-22-8726", 4) == "at column 5");
}

TEST_CASE("A configuration file is read whole; a named pipe does not wait for a writer") {
  phiscan::testing::TempDir dir;
  phiscan::testing::WriteFile(dir.Join("pack.yaml"), "types: []\n");
  auto text = phiscan::ReadConfigFile(dir.Join("pack.yaml"));
  REQUIRE(text.ok());
  CHECK(text.value() == "types: []\n");
  // No writer: read at once, as empty (the caller then says the file is empty).
  REQUIRE(mkfifo(dir.Join("fifo").c_str(), 0600) == 0);
  auto fifo = phiscan::ReadConfigFile(dir.Join("fifo"));
  REQUIRE(fifo.ok());
  CHECK(fifo.value().empty());
  CHECK(phiscan::ReadConfigFile(dir.path()).status().message() == "Is a directory");
  CHECK(phiscan::ReadConfigFile(dir.Join("missing")).status().message() ==
        "No such file or directory");
}
