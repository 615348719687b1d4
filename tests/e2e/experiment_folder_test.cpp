// End-to-end: the experiment folder is safe. A new `tune` never overwrites an existing
// experiment (unless --overwrite), one tuner runs an experiment at a time (tuner.lock), and
// no experiment name given to tune, resume, show or plot reaches outside the output root.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "e2e/e2e_util.hpp"
#include "synetune/tuner/experiment_lock.hpp"

namespace synetune::e2e {
namespace {

std::vector<std::string> sim_tune(const TempRoot& root, const std::string& name_flag) {
  return {"tune", "--backend", "simulator", "--benchmark", "branin", "--max-num-evaluations", "20",
          "--experiment-root", root.path().string(), name_flag, "--quiet"};
}

// Every file under `dir` (relative path -> content): what "nothing was touched" compares.
std::map<std::string, std::string> snapshot(const fs::path& dir) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    out[fs::relative(e.path(), dir).string()] = e.is_regular_file() ? read_file(e.path()) : "<dir>";
  return out;
}

// The paths whose content differs between two snapshots ("" when none): short failure messages.
std::string changed(const std::map<std::string, std::string>& before, const std::map<std::string, std::string>& after) {
  std::string out;
  for (const auto& [path, content] : before)
    if (!after.count(path) || after.at(path) != content) out += " " + path;
  for (const auto& [path, content] : after)
    if (!before.count(path)) out += " +" + path;
  return out;
}

int count_events(const fs::path& exp, const std::string& event) {
  return static_cast<int>(journal(exp, event).size());
}

// Class (3): a second `tune --tuner-name X` used to rewrite X's metadata.json and
// results.csv.zip and append a second run to its journal.
TEST(ExperimentFolderE2E, TuneRefusesAnExistingExperimentAndOverwriteStartsItOver) {
  TempRoot root;
  const fs::path exp = root.path() / "exp";
  ASSERT_EQ(run_cli(sim_tune(root, "--tuner-name=exp"), root.path()).exit_code, 0);
  const auto before = snapshot(exp);
  const int results = count_events(exp, "result");
  CliRun again = run_cli(sim_tune(root, "--tuner-name=exp"), root.path());
  EXPECT_EQ(again.exit_code, 2) << again.err;
  EXPECT_NE(again.err.find("synetune resume exp"), std::string::npos) << again.err;
  EXPECT_NE(again.err.find("--overwrite"), std::string::npos) << again.err;
  EXPECT_EQ(changed(before, snapshot(exp)), "") << "the existing experiment was modified";

  CliRun over = run_cli([&] {
    auto a = sim_tune(root, "--tuner-name=exp");
    a.push_back("--overwrite");
    return a;
  }(), root.path());
  ASSERT_EQ(over.exit_code, 0) << over.err;
  EXPECT_EQ(count_events(exp, "tuning_start"), 1) << "the journal holds two runs";
  EXPECT_EQ(count_events(exp, "result"), results) << "same seed, same run";
  EXPECT_NE(read_file(exp / "metadata.json"), before.at("metadata.json"));
}

TEST(ExperimentFolderE2E, OverwriteNeverDeletesAFolderThatIsNoExperiment) {
  TempRoot root;
  fs::create_directories(root.path() / "thesis" / "chapters");
  std::ofstream(root.path() / "thesis" / "chapters" / "one.tex") << "years of work";
  const auto before = snapshot(root.path() / "thesis");
  for (const bool overwrite : {false, true}) {
    auto args = sim_tune(root, "--tuner-name=thesis");
    if (overwrite) args.push_back("--overwrite");
    CliRun r = run_cli(args, root.path());
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find("holds no experiment"), std::string::npos) << r.err;
    EXPECT_EQ(changed(before, snapshot(root.path() / "thesis")), "");
  }
}

TEST(ExperimentFolderE2E, GeneratedNamesNeverReuseAFolder) {
  TempRoot root;
  // Both in the same second, likely in the same millisecond: each gets its own folder.
  const std::vector<std::string> args = {"tune", "--backend", "simulator", "--benchmark", "branin",
                                         "--max-num-evaluations", "5", "--quiet"};
  TempRoot out_a, out_b;  // each run's cli.out/cli.err
  auto a_args = args, b_args = args;
  a_args.insert(a_args.end(), {"--experiment-root", root.path().string()});
  b_args.insert(b_args.end(), {"--experiment-root", root.path().string()});
  const pid_t a = spawn_cli(a_args, out_a.path()), b = spawn_cli(b_args, out_b.path());
  ASSERT_EQ(wait_cli(a, out_a.path()).exit_code, 0);
  ASSERT_EQ(wait_cli(b, out_b.path()).exit_code, 0);
  int experiments = 0;
  for (const auto& e : fs::directory_iterator(root.path()))
    if (e.is_directory()) {
      ++experiments;
      EXPECT_EQ(count_events(e.path(), "tuning_start"), 1) << e.path();
    }
  EXPECT_EQ(experiments, 2);
}

// Class (5): names that are not one plain folder name are refused by every command.
TEST(ExperimentFolderE2E, TuneAcceptsOnlyPlainNames) {
  TempRoot outer;
  const fs::path root = outer.path() / "root";
  fs::create_directories(root);
  // ("/" and other absolute paths are one class: the test uses one under its own folder.)
  for (const std::string& bad : std::vector<std::string>{"..", "../escape", ".", "", "a/b", ".hidden", "-x", "a b",
                                outer.path().string() + "/abs", std::string(201, 'n')}) {
    CliRun r = run_cli({"tune", "--backend", "simulator", "--benchmark", "branin", "--max-num-evaluations", "3",
                        "--experiment-root", root.string(), "--tuner-name=" + bad, "--quiet"},
                       outer.path());
    EXPECT_EQ(r.exit_code, 2) << "'" << bad << "': " << r.err;
    EXPECT_NE(r.err.find("is not a valid experiment name"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("letters (A-Z, a-z), digits (0-9), '-', '_' and '.'"), std::string::npos) << r.err;
  }
  EXPECT_FALSE(fs::exists(outer.path() / "escape"));
  EXPECT_FALSE(fs::exists(outer.path() / "abs"));
  EXPECT_FALSE(fs::exists(root / "a"));
  EXPECT_FALSE(fs::exists(outer.path() / "journal.jsonl"));
  EXPECT_FALSE(fs::exists(root / "journal.jsonl"));
  CliRun help = run_cli({"tune", "--help"}, outer.path());
  EXPECT_NE(help.out.find("does not start with"), std::string::npos) << help.out;
}

TEST(ExperimentFolderE2E, ShowPlotAndResumeDoNotLeaveTheRoot) {
  TempRoot outer, cwd;
  const fs::path root = outer.path() / "root";
  fs::create_directories(root);
  // A real experiment next to the root, reachable as root/../secret.
  ASSERT_EQ(run_cli({"tune", "--backend", "simulator", "--benchmark", "branin", "--max-num-evaluations", "5",
                     "--experiment-root", outer.path().string(), "--tuner-name", "secret", "--quiet"},
                    cwd.path())
                .exit_code,
            0);
  const std::string r = root.string();
  const std::string png = (cwd.path() / "x.png").string();
  const std::vector<std::vector<std::string>> commands = {
      {"show", "../secret", "--root", r},   {"show", "..", "--root", r},
      {"show", "../../etc", "--root", r},   {"show", "/etc", "--root", r},
      {"plot", "../secret", "--root", r, "-o", png},
      {"resume", "../secret", "--root", r}, {"resume", "..", "--root", r}};
  const auto before = snapshot(outer.path() / "secret");
  for (const auto& c : commands) {
    CliRun run = run_cli(c, cwd.path());
    EXPECT_EQ(run.exit_code, 2) << c[0] << " " << c[1] << ": " << run.out << run.err;
    EXPECT_NE(run.err.find("is neither a path to an experiment folder"), std::string::npos) << run.err;
  }
  EXPECT_EQ(changed(before, snapshot(outer.path() / "secret")), "");
  EXPECT_FALSE(fs::exists(png));
  // A path to an experiment folder is still accepted as such, and so is a name in the root.
  const std::string path = (outer.path() / "secret").string();
  EXPECT_EQ(run_cli({"show", path, "--root", r}, cwd.path()).exit_code, 0);
  EXPECT_EQ(run_cli({"show", "secret", "--root", outer.path().string()}, cwd.path()).exit_code, 0);
}

// Class (4): a `resume` (or `tune --overwrite`) of an experiment whose tuner runs used to
// kill that tuner's trials and write a second run into its journal.
TEST(ExperimentFolderE2E, OneTunerPerExperimentWhileShowAndListStillWork) {
  TempRoot root, out;
  const fs::path exp = root.path() / "busy";
  // Two trials of 200 x 0.05 s: both run throughout the checks, then Ctrl-C ends the tuning.
  const pid_t tuner = spawn_cli(
      {"tune", "--entry-point", script("slow_reporter.py").string(), "--python", "/usr/bin/python3",
       "--param", "x=uniform(0,1)", "--param", "n=200", "--param", "dt=0.05", "--metric", "loss",
       "--n-workers", "2", "--max-wallclock-time", "60", "--tuner-name", "busy", "--quiet",
       "--experiment-root", root.path().string()},
      root.path());
  bool running = false;
  for (int i = 0; i < 300 && !running; ++i) {  // up to 30 s for both trials to report
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    std::set<long> reporting;
    if (fs::exists(exp / "journal.jsonl"))
      for (const auto& j : journal(exp, "result")) reporting.insert(j["trial_id"].get<long>());
    running = reporting.size() == 2;
  }
  ASSERT_TRUE(running) << read_file(root.path() / "cli.err");
  const std::string r = root.path().string();

  CliRun resume = run_cli({"resume", "busy", "--root", r}, out.path());
  EXPECT_EQ(resume.exit_code, 2) << resume.err;
  EXPECT_NE(resume.err.find("experiment " + exp.string() + " is in use"), std::string::npos) << resume.err;
  EXPECT_NE(resume.err.find("another tuner (pid " + std::to_string(tuner) + ") is running it"), std::string::npos)
      << resume.err;
  CliRun over = run_cli({"tune", "--backend", "simulator", "--benchmark", "branin", "--max-num-evaluations", "3",
                         "--experiment-root", r, "--tuner-name", "busy", "--overwrite", "--quiet"},
                        out.path());
  EXPECT_EQ(over.exit_code, 2) << over.err;
  EXPECT_NE(over.err.find("is in use"), std::string::npos) << over.err;
  EXPECT_TRUE(fs::exists(exp / "0" / "std.out")) << "--overwrite deleted a running experiment";
  EXPECT_TRUE(fs::exists(exp / "metadata.json"));

  CliRun show = run_cli({"show", "busy", "--root", r}, out.path());
  EXPECT_EQ(show.exit_code, 0) << show.err;
  EXPECT_NE(show.out.find("running"), std::string::npos) << show.out;
  CliRun list = run_cli({"list", "--root", r}, out.path());
  EXPECT_EQ(list.exit_code, 0) << list.err;
  EXPECT_NE(list.out.find("busy"), std::string::npos) << list.out;

  ::kill(tuner, SIGINT);
  wait_cli(tuner, root.path());
  // One run in the journal: no resumed start, no trial started twice, none stopped early.
  EXPECT_EQ(count_events(exp, "tuning_start"), 1);
  std::set<long> started;
  for (const auto& j : journal(exp, "trial_start")) {
    EXPECT_FALSE(j["resumed"].get<bool>()) << j.dump();
    EXPECT_TRUE(started.insert(j["trial_id"].get<long>()).second) << j.dump();
  }
  EXPECT_EQ(started.size(), 2u);
  // The lock went with the tuner: the experiment can be resumed now.
  EXPECT_NO_THROW(ExperimentLock::acquire(exp));
}

}  // namespace
}  // namespace synetune::e2e
