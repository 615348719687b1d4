// The result journal's reader and writer on damaged files: torn last lines, lines that lack
// fields. Every test fails on a reader that hands such lines on, or a writer that appends to
// a torn line.
#include "synetune/tuner/journal.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "synetune/core/error.hpp"

namespace synetune {
namespace {

class JournalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("synetune-journal-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    path_ = dir_ / "journal.jsonl";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void write(const std::string& text) { std::ofstream(path_, std::ios::binary) << text; }
  std::string text() const {
    std::ifstream in(path_, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  // The lines read, and what the reader said on stderr.
  std::vector<Json> read(std::string* err = nullptr, std::size_t* skipped = nullptr) {
    std::vector<Json> lines;
    testing::internal::CaptureStderr();
    const std::size_t n = read_journal(path_, [&](const Json& j) { lines.push_back(j); });
    const std::string e = testing::internal::GetCapturedStderr();
    if (err) *err = e;
    if (skipped) *skipped = n;
    return lines;
  }
  std::filesystem::path dir_, path_;
};

constexpr const char* kStart = R"({"event":"trial_start","trial_id":0,"time":0,"resumed":false,"config":{"x":1}})";
constexpr const char* kResult = R"({"event":"result","trial_id":0,"time":1,"result":{"epoch":1,"loss":0.5}})";

TEST_F(JournalTest, WriterCutsOffATornLastLineBeforeAppending) {
  write(std::string(kStart) + "\n" + kResult + "\n" + R"({"event":"result","trial_id":0,"time":2,"resu)");
  testing::internal::CaptureStderr();
  {
    JournalWriter w(path_, false);
    w.status(0, 3.0, TrialStatus::kCompleted, "");
  }
  const std::string warning = testing::internal::GetCapturedStderr();
  EXPECT_NE(warning.find("journal.jsonl:3: removed a torn last line"), std::string::npos) << warning;
  std::string err;
  std::size_t skipped = 99;
  const auto lines = read(&err, &skipped);
  ASSERT_EQ(lines.size(), 3u) << text();
  EXPECT_EQ(skipped, 0u) << err;
  EXPECT_EQ(lines[2]["event"], "status");
  EXPECT_EQ(lines[2]["status"], "Completed");
}

TEST_F(JournalTest, WriterEndsACompleteLastLineThatLacksItsNewline) {
  write(std::string(kStart) + "\n" + kResult);
  testing::internal::CaptureStderr();
  {
    JournalWriter w(path_, true);
    w.status(0, 3.0, TrialStatus::kCompleted, "");
  }
  const std::string warning = testing::internal::GetCapturedStderr();
  EXPECT_NE(warning.find("journal.jsonl:2:"), std::string::npos) << warning;
  const auto lines = read();
  ASSERT_EQ(lines.size(), 3u) << text();
  EXPECT_EQ(lines[1]["event"], "result");
  EXPECT_EQ(lines[2]["event"], "status");
}

TEST_F(JournalTest, WriterLeavesAnIntactJournalAlone) {
  const std::string intact = std::string(kStart) + "\n" + kResult + "\n";
  write(intact);
  testing::internal::CaptureStderr();
  EXPECT_FALSE(repair_torn_journal_tail(path_));
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
  EXPECT_EQ(text(), intact);
  EXPECT_FALSE(repair_torn_journal_tail(dir_ / "missing.jsonl"));
}

TEST_F(JournalTest, ReaderSkipsLinesLackingFieldsAndNamesFileAndLine) {
  write(std::string(kStart) + "\n" +
        R"({"event":"result","time":1,"result":{"epoch":1}})" "\n"                   // 2: no trial_id
        R"({"event":"status","trial_id":0,"time":1,"status":"Sleeping"})" "\n"       // 3: bad status
        R"({"event":"trial_start","trial_id":1,"time":1,"config":[1]})" "\n"         // 4: config not an object
        R"({"event":"result","trial_id":"0","time":1,"result":{}})" "\n"             // 5: id not a number
        R"({"event":"checkpoint","time":1})" "\n"                                     // 6: unknown event
        R"({"event":"result","trial_id":0,"time":"late","result":{}})" "\n"          // 7: time not a number
        "[1,2]\n"                                                                     // 8: not an object
        "{\"event\":\n" +                                                             // 9: not JSON
        kResult + "\n" +
        R"({"event":"result","trial_id":0,"time":2,"result":{"epoch":2,"lo)");       // 11: torn
  std::string err;
  std::size_t skipped = 0;
  const auto lines = read(&err, &skipped);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[1]["result"]["loss"], 0.5);
  EXPECT_EQ(skipped, 9u);
  for (const std::string expected :
       {"journal.jsonl:2: skipped: field 'trial_id' is missing", "journal.jsonl:3: skipped: field 'status' is not a trial status",
        "journal.jsonl:4: skipped: field 'config' is not an object", "journal.jsonl:5: skipped: field 'trial_id' is not a trial id",
        "journal.jsonl:6: skipped: unknown event 'checkpoint'", "journal.jsonl:7: skipped: field 'time' is not a number",
        "journal.jsonl:8: skipped: not a JSON object", "journal.jsonl:9: skipped: malformed JSON",
        "journal.jsonl:11: skipped: torn last line"})
    EXPECT_NE(err.find(expected), std::string::npos) << expected << "\n" << err;
}

TEST_F(JournalTest, ReaderFromAnOffsetCountsLinesFromTheStart) {
  write(std::string(kStart) + "\n" + kResult + "\n" + R"({"event":"result","trial_id":0,"time":2})" "\n");
  std::vector<std::size_t> numbers;
  std::vector<std::int64_t> offsets;
  testing::internal::CaptureStderr();
  read_journal_lines(path_, [&](const JournalLine& l) {
    numbers.push_back(l.number);
    offsets.push_back(l.offset);
  }, static_cast<std::int64_t>(std::string(kStart).size() + 1));
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_EQ(numbers, (std::vector<std::size_t>{2}));
  EXPECT_EQ(offsets, (std::vector<std::int64_t>{static_cast<std::int64_t>(std::string(kStart).size() + 1)}));
  EXPECT_NE(err.find("journal.jsonl:3: skipped: field 'result' is missing"), std::string::npos) << err;
}

TEST_F(JournalTest, AnExceptionOfTheConsumerNamesFileAndLine) {
  write(std::string(kStart) + "\n" + kResult + "\n");
  try {
    read_journal(path_, [](const Json& j) {
      if (j["event"] == "result") throw InvalidArgument("no such trial");
    });
    FAIL() << "no exception";
  } catch (const StorageError& e) {
    EXPECT_NE(std::string(e.what()).find("journal.jsonl:2: no such trial"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace synetune
