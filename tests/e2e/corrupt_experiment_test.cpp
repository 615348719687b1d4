// End-to-end: experiments whose files are corrupt or missing. `synetune list` shows them as
// unreadable with the reason instead of hiding them; `show` and `plot` name the bad file.
#include <gtest/gtest.h>

#include "e2e/e2e_util.hpp"
#include "synetune/tuner/results_table.hpp"

namespace synetune::e2e {
namespace {

void write_metadata(const fs::path& dir, const std::string& name, double created) {
  fs::create_directories(dir);
  std::ofstream(dir / "metadata.json")
      << Json{{"metric_names", {"loss"}}, {"metric_mode", "min"}, {"tuner_name", name},
              {"st_tuner_creation_timestamp", created}}
             .dump();
}

void write_good(const fs::path& dir) {
  write_metadata(dir, "good", 1000);
  std::ofstream(dir / "journal.jsonl")
      << R"({"event": "tuning_start", "time": 0})" "\n"
      << R"({"event": "trial_start", "trial_id": 0, "time": 0.1, "config": {"x": 1}})" "\n"
      << R"({"event": "result", "trial_id": 0, "time": 1.0, "status": "InProgress", "decision": "CONTINUE", "result": {"loss": 2.5}})" "\n"
      << R"({"event": "tuning_end", "time": 2.0, "reason": "done"})" "\n";
}

// One folder per way of being broken; returns (folder name, words the reason must contain).
std::vector<std::pair<std::string, std::string>> write_broken(const fs::path& root) {
  fs::create_directories(root / "bad-metadata");
  std::ofstream(root / "bad-metadata" / "metadata.json") << "{\"metric_names\": [\"loss\"";
  write_metadata(root / "bad-zip", "bad-zip", 1001);
  std::ofstream(root / "bad-zip" / "results.csv.zip") << "this is not a zip archive";
  write_metadata(root / "bad-csv", "bad-csv", 1002);
  write_zip_atomically(root / "bad-csv" / "results.csv.zip", "results.csv",
                       "trial_id,st_tuner_time,loss\nnot-a-number,1.0,2.0\n");
  fs::create_directories(root / "empty-metadata");
  std::ofstream(root / "empty-metadata" / "metadata.json") << "";
  return {{"bad-metadata", "metadata.json"},
          {"bad-zip", "results.csv.zip"},
          {"bad-csv", "results.csv.zip"},
          {"empty-metadata", "metadata.json"}};
}

// A journal with one line of the wrong shape among good ones: that line is skipped (as a
// truncated or unparseable one is), the experiment stays readable.
void write_bad_journal_line(const fs::path& dir) {
  write_good(dir);
  std::ofstream(dir / "journal.jsonl", std::ios::app)
      << R"({"event": "trial_start", "trial_id": "zero", "time": 0.1})" "\n";
}

std::string line_of(const std::string& text, const std::string& word) {
  const auto p = text.find(word);
  if (p == std::string::npos) return "";
  const auto b = text.rfind('\n', p), e = text.find('\n', p);
  return text.substr(b == std::string::npos ? 0 : b + 1, e == std::string::npos ? std::string::npos : e - b - 1);
}

TEST(CorruptExperiment, ListShowsUnreadableExperimentsWithTheReason) {
  TempRoot root;
  write_good(root.path() / "good");
  const auto broken = write_broken(root.path());
  // Only metadata, no results yet (a tuner that just started): listed as readable.
  write_metadata(root.path() / "no-results", "no-results", 1004);
  write_bad_journal_line(root.path() / "odd-line");
  // Missing files: no metadata.json (journal only), or no results at all yet (above).
  write_good(root.path() / "journal-only");
  fs::remove(root.path() / "journal-only" / "metadata.json");

  CliRun list = run_cli({"list", "--root", root.path().string()}, root.path());
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_NE(line_of(list.out, "good").find("loss=2.5"), std::string::npos) << list.out;
  EXPECT_NE(line_of(list.out, "no-results"), "") << list.out;
  EXPECT_EQ(line_of(list.out, "no-results").find("unreadable"), std::string::npos) << list.out;
  EXPECT_NE(line_of(list.out, "odd-line").find("loss=2.5"), std::string::npos) << list.out;
  EXPECT_NE(line_of(list.out, "journal-only").find("finished (done)"), std::string::npos) << list.out;
  for (const auto& [name, file] : broken) {
    const std::string line = line_of(list.out, name);
    EXPECT_NE(line.find("unreadable: "), std::string::npos) << name << "\n" << list.out;
    EXPECT_NE(line.find(file), std::string::npos) << name << "\n" << list.out;
  }
}

TEST(CorruptExperiment, ShowAndPlotNameTheBadFile) {
  TempRoot root;
  const auto broken = write_broken(root.path());
  write_bad_journal_line(root.path() / "odd-line");
  CliRun odd = run_cli({"show", "odd-line", "--root", root.path().string()}, root.path());
  EXPECT_EQ(odd.exit_code, 0) << odd.err;
  EXPECT_NE(odd.out.find("1 malformed journal line(s) ignored"), std::string::npos) << odd.out;
  for (const auto& [name, file] : broken) {
    CliRun show = run_cli({"show", name, "--root", root.path().string()}, root.path());
    EXPECT_EQ(show.exit_code, 2) << name << show.err;
    EXPECT_NE(show.err.find((root.path() / name / file).string()), std::string::npos) << name << ": " << show.err;
    EXPECT_EQ(show.err.find("stoll"), std::string::npos) << show.err;         // no raw library text
    EXPECT_EQ(show.err.find("[json.exception"), std::string::npos) << show.err;
    CliRun plot = run_cli({"plot", name, "--root", root.path().string(), "-o",
                           (root.path() / "p.png").string()},
                          root.path());
    EXPECT_EQ(plot.exit_code, 2) << name << plot.err;
    EXPECT_NE(plot.err.find((root.path() / name / file).string()), std::string::npos) << name << ": " << plot.err;
  }
}

}  // namespace
}  // namespace synetune::e2e
