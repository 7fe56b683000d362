#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "tests/testutil/testutil.h"
#include "tools/log.h"

using namespace phiscan;

TEST_CASE("Coverage gaps are one line each, in text or JSON, with escaped paths") {
  testing::TempDir dir;
  AssetRecord rec;
  rec.path = "/share/evil\nname\xff.txt";
  rec.status = AssetStatus::kUnreadable;
  rec.reason = "permission_denied";
  {
    auto log = tools::Logger::OpenFile(tools::LogFormat::kJson, dir.Join("log.json"));
    REQUIRE(log.ok());
    log.value()->Gap(rec);
    log.value()->Event("info", "scan_finished", "done", {{"assets", 3}});
  }
  std::string text = testing::ReadFile(dir.Join("log.json"));
  auto nl = text.find('\n');
  REQUIRE(nl != std::string::npos);
  auto first = nlohmann::json::parse(text.substr(0, nl));
  CHECK(first["event"] == "coverage_gap");
  CHECK(first["level"] == "warn");
  CHECK(first["path"] == "/share/evil\\nname\\xff.txt");
  CHECK(first["status"] == "unreadable");
  CHECK(first["reason"] == "permission_denied");
  auto second = nlohmann::json::parse(text.substr(nl + 1));
  CHECK(second["assets"] == 3);
  struct stat st;
  REQUIRE(stat(dir.Join("log.json").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);

  {
    auto log = tools::Logger::OpenFile(tools::LogFormat::kText, dir.Join("log.txt"));
    REQUIRE(log.ok());
    log.value()->Gap(rec);
  }
  std::string line = testing::ReadFile(dir.Join("log.txt"));
  CHECK(std::count(line.begin(), line.end(), '\n') == 1);
  CHECK(line.find("warn coverage_gap: /share/evil\\nname\\xff.txt: unreadable(permission_denied)") !=
        std::string::npos);
  CHECK(tools::ParseLogFormat("json") == tools::LogFormat::kJson);
  CHECK_FALSE(tools::ParseLogFormat("xml").has_value());
}

TEST_CASE("A text log quotes a value a file name could make look like more fields") {
  testing::TempDir dir;
  AssetRecord rec;
  rec.path = "/share/x status=complete reason=none";
  rec.status = AssetStatus::kSpecial;
  rec.reason = "fifo";
  {
    auto log = tools::Logger::OpenFile(tools::LogFormat::kText, dir.Join("log.txt"));
    REQUIRE(log.ok());
    log.value()->Gap(rec);
    log.value()->Event("info", "scan_finished", "done",
                       {{"plain", "/share/a.txt"}, {"empty", ""}, {"quote", "a\"b"}, {"n", 3},
                        {"labels", {{"HR x=1", 1}}}, {"list", {1, 2}}});
  }
  const std::string text = testing::ReadFile(dir.Join("log.txt"));
  INFO(text);
  // The name is inside quotes wherever it appears, in the message too.
  CHECK(text.find("coverage_gap: \"/share/x status=complete reason=none: special(fifo)\" "
                  "kind=file path=\"/share/x status=complete reason=none\" reason=fifo "
                  "status=special\n") != std::string::npos);
  CHECK(text.find(" plain=/share/a.txt") != std::string::npos);
  CHECK(text.find(" empty=\"\"") != std::string::npos);
  CHECK(text.find(" quote=\"a\\\"b\"") != std::string::npos);
  CHECK(text.find(" n=3") != std::string::npos);
  // A structured value is JSON, and that JSON is quoted too: a pack's label
  // may hold a space or '='.
  CHECK(text.find(" labels=\"{\\\"HR x=1\\\":1}\"") != std::string::npos);
  CHECK(text.find(" list=[1,2]") != std::string::npos);
}
