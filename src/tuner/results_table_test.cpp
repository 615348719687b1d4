#include "synetune/tuner/results_table.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <limits>

#include "synetune/core/error.hpp"
#include "synetune/tuner/journal.hpp"

namespace synetune {
namespace {

Result make_result(TrialId id, std::vector<std::pair<std::string, double>> values) {
  Result r;
  r.trial_id = id;
  r.values = std::move(values);
  return r;
}

class ResultsTableTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("synetune_results_table_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(ResultsTableTest, ColumnsAddedLaterGetEmptyCellsInEarlierRows) {
  ResultsTable t;
  t.set_config(0, Json{{"lr", 0.1}});
  t.add(make_result(0, {{"loss", 2.5}}), Decision::kContinue, TrialStatus::kInProgress, 1.0, Json());
  // Trial 1 brings a new config key and a new metric, reported in another order.
  t.set_config(1, Json{{"lr", 0.01}, {"act", "relu"}});
  t.add(make_result(1, {{"acc", 0.5}, {"loss", 1.5}}), Decision::kStop, TrialStatus::kInProgress, 2.0,
        Json{{"cb", 7}});
  t.add(make_result(0, {{"loss", std::nan("")}}), Decision::kContinue, TrialStatus::kInProgress, 3.0, Json());
  EXPECT_EQ(t.to_csv(),
            "loss,acc,st_decision,st_status,trial_id,config_lr,config_act,st_tuner_time,cb\n"
            "2.5,,CONTINUE,InProgress,0,0.1,,1,\n"
            "1.5,0.5,STOP,InProgress,1,0.01,relu,2,7\n"
            ",,CONTINUE,InProgress,0,0.1,,3,\n");
}

// A snapshot is written by the saving thread while the loop goes on adding rows, columns and
// configs (enough rows to fill several blocks), and sees the table as it was.
TEST_F(ResultsTableTest, ASnapshotKeepsTheTableAsItWasWhileTheTableGrows) {
  ResultsTable t;
  auto fill = [&](TrialId from, TrialId to) {
    for (TrialId id = from; id < to; ++id) {
      t.set_config(id, Json{{"lr", 0.001 * static_cast<double>(id)}, {"name", std::string(id % 7 * 40, 'n')}});
      for (int e = 1; e <= 3; ++e)
        t.add(make_result(id, {{"epoch", e}, {"loss", 1.0 / (id + e)}}), Decision::kContinue,
              TrialStatus::kInProgress, id + 0.25 * e, Json());
    }
  };
  fill(0, 5000);
  const std::string before = t.to_csv();
  const ResultsTable::Snapshot snapshot = t.snapshot();
  fill(5000, 10000);
  t.set_config(3, Json{{"lr", 9.0}, {"act", "relu"}});  // a trial resumed with a new config
  t.add(make_result(3, {{"epoch", 4}, {"acc", 0.5}}), Decision::kStop, TrialStatus::kInProgress, 99.0, Json{{"cb", 1}});
  EXPECT_EQ(snapshot.num_rows(), 15000u);
  EXPECT_EQ(snapshot.to_csv(), before);
  EXPECT_NE(t.to_csv(), before);
  snapshot.write_csv_zip(dir_ / "results.csv.zip");
  EXPECT_EQ(read_zip_entry(dir_ / "results.csv.zip", "results.csv"), before);
}

TEST_F(ResultsTableTest, NumbersTakenFromTheJournalGiveTheSameTable) {
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<Result> results = {make_result(0, {{"epoch", 1}, {"loss", 0.1 + 0.2}, {"x", inf}}),
                                 make_result(0, {{"epoch", 2}, {"loss", std::nan("")}, {"x", -1e-300}}),
                                 make_result(1, {{"loss", 1e21}, {"epoch", 1}})};
  ResultsTable plain, shared;
  JournalWriter journal(dir_ / "journal.jsonl", true);
  const std::vector<Config> configs = {
      Json{{"lr", 1.0 / 3}, {"wd", 3.0}, {"act", "relu"}, {"n", 4}, {"big", 1e10}},
      Json{{"act", "tanh"}, {"lr", -2.5e-7}, {"wd", std::nan("")}, {"n", 5}, {"big", 0.1}}};  // other order
  for (TrialId id : {0, 1}) {
    plain.set_config(id, configs[id]);
    journal.trial_start(id, 0.0, false, configs[id]);
    shared.set_config(id, configs[id], &journal);
  }
  double t = 0.7;
  for (const auto& r : results) {
    plain.add(r, Decision::kContinue, TrialStatus::kInProgress, t, Json());
    journal.result(r, t, TrialStatus::kInProgress, Decision::kContinue, Json());
    shared.add(r, Decision::kContinue, TrialStatus::kInProgress, t, Json(), &journal);
    t *= 3.3;
  }
  EXPECT_EQ(shared.to_csv(), plain.to_csv());
  EXPECT_NE(plain.to_csv().find(",inf,"), std::string::npos);  // pandas reads inf
}

TEST_F(ResultsTableTest, StoredAndDeflatedZipsHoldTheSameTable) {
  ResultsTable t;
  t.set_config(0, Json{{"lr", 0.5}});
  for (int e = 1; e <= 50; ++e)
    t.add(make_result(0, {{"epoch", e}, {"loss", 1.0 / e}}), Decision::kContinue, TrialStatus::kInProgress, e, Json());
  t.write_csv_zip(dir_ / "a.zip", true);
  t.write_csv_zip(dir_ / "b.zip", false);
  EXPECT_EQ(read_zip_entry(dir_ / "a.zip", "results.csv"), t.to_csv());
  EXPECT_EQ(read_zip_entry(dir_ / "b.zip", "results.csv"), t.to_csv());
  EXPECT_LT(std::filesystem::file_size(dir_ / "a.zip"), std::filesystem::file_size(dir_ / "b.zip"));
}

TEST_F(ResultsTableTest, ZipLargerThanTheWriteBufferReplacesTheOldOneAtomically) {
  // Over 1 MiB: the archive is written in several pieces, and libzip goes back to complete
  // the entry's header after its data went out.
  ResultsTable t;
  t.set_config(0, Json{{"lr", 0.5}});
  for (int e = 1; e <= 40000; ++e)
    t.add(make_result(0, {{"epoch", e}, {"loss", 1.0 / e}}), Decision::kContinue, TrialStatus::kInProgress, e, Json());
  const std::string csv = t.to_csv();
  ASSERT_GT(csv.size(), std::size_t{1} << 20);
  write_zip_atomically(dir_ / "r.zip", "results.csv", "old", false);
  for (bool deflate : {false, true}) {
    write_zip_atomically(dir_ / "r.zip", "results.csv", csv, deflate);
    EXPECT_EQ(read_zip_entry(dir_ / "r.zip", "results.csv"), csv);
    EXPECT_FALSE(std::filesystem::exists(dir_ / "r.zip.tmp"));
  }
}

TEST_F(ResultsTableTest, ZipIntoAMissingFolderFailsWithTheFilesName) {
  const auto path = dir_ / "missing" / "results.csv.zip";
  try {
    write_zip_atomically(path, "results.csv", "a,b\n1,2\n", false);
    FAIL() << "no error";
  } catch (const StorageError& e) {
    EXPECT_NE(std::string(e.what()).find(path.string() + ".tmp"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace synetune
