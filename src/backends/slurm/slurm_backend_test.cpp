// Unit tests of the parts of the SlurmBackend that need no Slurm (the real-Slurm tests are
// tests/slurm/run.sh).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "synetune/backends/slurm_backend.hpp"
#include "synetune/backends/trial_command.hpp"
#include "synetune/core/error.hpp"

namespace synetune {
namespace {
namespace fs = std::filesystem;

TEST(SlurmParse, SbatchJobId) {
  EXPECT_EQ(parse_sbatch_job_id("123\n"), "123");
  EXPECT_EQ(parse_sbatch_job_id("4567;cluster\n"), "4567");
  EXPECT_EQ(parse_sbatch_job_id("sbatch: warning: something\n89\n"), "89");
  EXPECT_EQ(parse_sbatch_job_id("sbatch: error: Batch job submission failed: Invalid partition\n"), "");
}

TEST(SlurmParse, Squeue) {
  auto m = parse_squeue("12|RUNNING|None\n13|PENDING|Resources\n14|CANCELLED by 0|None\n");
  ASSERT_EQ(m.size(), 3u);
  EXPECT_EQ(m["12"].first, "RUNNING");
  EXPECT_EQ(m["13"].second, "Resources");
  EXPECT_FALSE(slurm_state_is_terminal(m["12"].first));
  EXPECT_FALSE(slurm_state_is_terminal("COMPLETING"));
  EXPECT_TRUE(slurm_state_is_terminal(m["14"].first));
  EXPECT_TRUE(slurm_state_is_terminal("NODE_FAIL"));
  EXPECT_TRUE(slurm_state_is_terminal("TIMEOUT"));
}

TEST(SlurmParse, ShellQuote) {
  EXPECT_EQ(shell_quote("a b"), "'a b'");
  EXPECT_EQ(shell_quote("it's"), "'it'\\''s'");
}

// Quoted words reach sh and bash as exactly their text, and run nothing.
TEST(SlurmParse, ShellQuoteRoundTripsHostileTextThroughRealShells) {
  const fs::path dir = fs::temp_directory_path() / ("synetune_shell_quote_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string pwned = (dir / "pwned").string();
  const std::vector<std::string> words = {
      "it's", "''", "'", "$(touch " + pwned + ")", "`touch " + pwned + "`", "a\nb; touch " + pwned,
      "x' ; touch " + pwned + " ; '", "\\", "$HOME ${PATH} !! * ? ~ # & | > <", " lead and trail ", ""};
  for (const char* shell : {"/bin/sh", "/bin/bash"}) {
    if (!fs::exists(shell)) continue;
    for (const auto& w : words) {
      const fs::path out = dir / "out";
      const std::string cmd = std::string(shell) + " -c " + shell_quote("printf '%s' " + shell_quote(w)) + " > " +
                              shell_quote(out.string());
      ASSERT_EQ(std::system(cmd.c_str()), 0) << shell << " " << w;
      std::ifstream in(out, std::ios::binary);
      std::string got((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      EXPECT_EQ(got, w) << shell;
    }
  }
  EXPECT_FALSE(fs::exists(pwned));
  fs::remove_all(dir);
}

TEST(SlurmParse, FilenamePatternDoublesPercentAndRefusesBackslash) {
  EXPECT_EQ(slurm_filename_pattern("/exp/run-%j/3/std.out"), "/exp/run-%%j/3/std.out");
  EXPECT_EQ(slurm_filename_pattern("/a/100%%/x"), "/a/100%%%%/x");
  EXPECT_EQ(slurm_filename_pattern("/plain/path"), "/plain/path");
  EXPECT_THROW(slurm_filename_pattern("/a\\%j/x"), InvalidArgument);
}

TEST(SlurmBackend, RejectsMissingEntryPoint) {
  SlurmBackendOptions o;
  o.entry_point = "/nonexistent/train.py";
  EXPECT_THROW(SlurmBackend b(o), InvalidArgument);
}

TEST(SlurmBackend, SbatchArgsAndWrapper) {
  const fs::path dir = fs::temp_directory_path() / "synetune_slurm_unit";
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ofstream(dir / "train.py") << "print('hi')\n";
  SlurmBackendOptions o;
  o.entry_point = dir / "train.py";
  o.partition = "gpu";
  o.gpus_per_trial = 2;
  o.cpus_per_task = 4;
  o.time_limit = "30";
  o.sbatch_options = {"--mem=4G"};
  SlurmBackend b(o);
  b.set_tuner_path(dir / "exp");
  auto a = b.sbatch_args(3);
  auto has = [&](const std::string& s) { return std::find(a.begin(), a.end(), s) != a.end(); };
  EXPECT_EQ(a[0], "sbatch");
  EXPECT_TRUE(has("--parsable"));
  EXPECT_TRUE(has("--partition=gpu"));
  EXPECT_TRUE(has("--gres=gpu:2"));
  EXPECT_TRUE(has("--cpus-per-task=4"));
  EXPECT_TRUE(has("--time=30"));
  EXPECT_TRUE(has("--mem=4G"));
  EXPECT_TRUE(has("--output=" + (dir / "exp" / "3" / "std.out").string()));
  EXPECT_TRUE(has("--open-mode=append"));
  // A tuner path with % (a tuner name like "lr-5%") names the file, not a Slurm pattern.
  b.set_tuner_path(dir / "exp%j%x");
  a = b.sbatch_args(3);
  EXPECT_TRUE(has("--output=" + (dir / "exp%%j%%x" / "3" / "std.out").string()));
  EXPECT_TRUE(has("--error=" + (dir / "exp%%j%%x" / "3" / "std.err").string()));
  EXPECT_THROW(b.set_tuner_path(dir / "back\\slash"), InvalidArgument);
  b.set_tuner_path(dir / "exp");
  const std::string w = b.wrapper_script(3, Json{{"lr", 0.001}, {"name", "a b"}});
  EXPECT_NE(w.find("'python3' '" + (dir / "train.py").string() + "' '--lr' '0.001' '--name' 'a b' "
                   "'--st_checkpoint_dir' '" + (dir / "exp" / "3" / "checkpoints").string() + "'"),
            std::string::npos) << w;
  EXPECT_NE(w.find("slurm-\"$SLURM_JOB_ID\".exit"), std::string::npos);
  EXPECT_EQ(b.num_jobs_in_slurm(), 0);
  fs::remove_all(dir);
}


// The job script runs exactly make_trial_command's argv (the LocalBackend's), every word
// quoted: run by bash as Slurm would (without Slurm), hostile values arrive verbatim and run
// nothing.
TEST(SlurmBackend, WrapperRunsTheTrialCommandVerbatim) {
  if (!fs::exists("/bin/bash")) GTEST_SKIP() << "no /bin/bash";
  const fs::path dir = fs::temp_directory_path() / ("synetune_slurm_wrapper_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string pwned = (dir / "pwned").string();
  const fs::path script = dir / "train.sh";
  std::ofstream(script) << "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\0' \"$a\"; done\n";
  fs::permissions(script, fs::perms::owner_all);
  SlurmBackendOptions o;
  o.entry_point = script;
  o.extra_args = {"--x=$(touch " + pwned + ")"};
  SlurmBackend b(o);
  b.set_tuner_path(dir / "exp");
  const Config c = {{"a", "it's \"q\" $(touch " + pwned + ") `touch " + pwned + "`"},
                    {"b", "x; touch " + pwned + "\nnext"}, {"c", 1.5}, {"d", ""}};
  const std::vector<std::string> argv = make_trial_command(o, c, dir / "exp" / "5").argv;
  fs::create_directories(dir / "exp" / "5");
  std::ofstream(dir / "job.sh") << b.wrapper_script(5, c);
  const std::string run = "/bin/bash " + shell_quote((dir / "job.sh").string()) + " > " +
                          shell_quote((dir / "out").string());
  ASSERT_EQ(std::system(run.c_str()), 0);
  std::ifstream in(dir / "out", std::ios::binary);
  const std::string got((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::string want;
  for (std::size_t i = 1; i < argv.size(); ++i) want += argv[i] + std::string(1, '\0');
  EXPECT_EQ(got, want);
  EXPECT_FALSE(fs::exists(pwned));
  EXPECT_TRUE(fs::exists(dir / "exp" / "5" / "slurm-.exit"));  // no SLURM_JOB_ID outside Slurm
  fs::remove_all(dir);
}


// sbatch runs with the trial command's environment, which the job inherits (--export=ALL).
TEST(SlurmBackend, SubmitsWithTheTrialCommandsEnvironment) {
  const fs::path dir = fs::temp_directory_path() / ("synetune_slurm_env_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "python");
  auto script = [&](const std::string& name, const std::string& body) {
    std::ofstream(dir / name) << "#!/bin/sh\n" << body;
    fs::permissions(dir / name, fs::perms::owner_all);
    return (dir / name).string();
  };
  SlurmBackendOptions o;
  o.entry_point = script("train.sh", "exit 0\n");
  o.python = "/bin/false";  // cannot import a real syne_tune: ours goes on PYTHONPATH
  o.python_package_dir = dir / "python";
  o.extra_env = {{"MY_VAR", "a b"}};
  o.sbatch = script("sbatch", "env > \"$(dirname \"$0\")/sbatch.env\"\necho 42\n");
  o.squeue = script("squeue", "exit 0\n");  // the job has left Slurm
  o.scancel = o.scontrol = script("true", "exit 0\n");
  {
    SlurmBackend b(o);
    b.set_tuner_path(dir / "exp");
    b.start(0, Json{{"x", 1}}, std::nullopt);
    EXPECT_EQ(b.job_ids(0), std::vector<std::string>{"42"});
  }
  std::ifstream in(dir / "sbatch.env");
  // A leading newline: every variable is then found as "\nK=V".
  const std::string env = "\n" + std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(env.find("\nMY_VAR=a b\n"), std::string::npos) << env;
  EXPECT_NE(env.find("\nPYTHONPATH=" + fs::weakly_canonical(dir / "python").string()), std::string::npos) << env;
  if (!std::getenv("PYTHONUNBUFFERED")) {
    EXPECT_NE(env.find("\nPYTHONUNBUFFERED=1\n"), std::string::npos);
  }
  if (!std::getenv("OMP_NUM_THREADS")) {
    EXPECT_NE(env.find("\nOMP_NUM_THREADS=1\n"), std::string::npos);
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace synetune
