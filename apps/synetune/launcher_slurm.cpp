// The tuner itself as a Slurm job (Syne Tune's remote launcher, with Slurm as the remote).
#include "launcher_slurm.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>

#include "backends/local/process.hpp"
#include "synetune/backends/slurm_backend.hpp"
#include "synetune/core/error.hpp"

namespace synetune::cli {
namespace fs = std::filesystem;

namespace {

// Our own command line as typed (including --config FILE, which the job re-reads).
std::vector<std::string> own_arguments() {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  std::vector<std::string> args;
  for (std::string a; std::getline(in, a, '\0');) args.push_back(a);
  if (!args.empty()) args.erase(args.begin());  // the program; replaced by /proc/self/exe
  return args;
}

// Runs argv (no shell parses any of it) with stdout and stderr merged into the result.
std::string run_capture(std::vector<std::string> argv, int& rc) {
  // sh only redirects: the words stay positional parameters, never code.
  argv.insert(argv.begin(), {"/bin/sh", "-c", "exec \"$0\" \"$@\" 2>&1"});
  std::string out;
  const int st = local::run_and_wait(argv, local::current_environment(), 120.0, &out);
  rc = st >= 0 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return out;
}

}  // namespace

int launch_tuning_on_slurm(const TuneArgs& args) {
  // Fail here, not in the queue, on bad flags (builds scheduler and backend, starts nothing).
  TuneSetup setup = build_tune_setup(args);
  // As the Tuner will in the job: a method the backend cannot serve is refused here, not there.
  check_backend_capabilities(*setup.scheduler, *setup.backend);
  const fs::path root = fs::absolute(args.experiment_root.empty() ? default_output_root()
                                                                  : fs::path(args.experiment_root));
  // The name is reserved here, by creating its folder as a new tuner would (refusing an
  // existing experiment, or clearing it with --overwrite); the job adopts the empty folder
  // (--reserved-folder). The lock is released before the submission: the job takes it.
  NewExperimentFolder folder = create_experiment_folder(
      root, args.tuner_name.empty() ? name_from_base(setup.options.tuner_name_base) : args.tuner_name,
      args.tuner_name.empty() ? ExistingFolder::kAddSuffix
      : args.overwrite        ? ExistingFolder::kOverwrite
                              : ExistingFolder::kRefuse);
  folder.lock.release();
  const std::string name = folder.name;
  const fs::path path = folder.path;

  std::vector<std::string> cmd = {fs::read_symlink("/proc/self/exe").string()};
  const auto own = own_arguments();
  for (std::size_t i = 0; i < own.size(); ++i) {
    if (own[i] == "--launcher" || own[i] == "--tuner-name" || own[i] == "--experiment-root") {
      ++i;  // and its value
      continue;
    }
    if (own[i].rfind("--launcher=", 0) == 0 || own[i].rfind("--tuner-name=", 0) == 0 ||
        own[i].rfind("--experiment-root=", 0) == 0 || own[i].rfind("--overwrite", 0) == 0 ||
        own[i].rfind("--reserved-folder", 0) == 0)
      continue;  // the overwrite is done; the job must not clear the folder it adopts
    cmd.push_back(own[i]);
  }
  cmd.insert(cmd.end(), {"--tuner-name", name, "--experiment-root", root.string(), "--reserved-folder"});
  std::string wrap;
  for (const auto& w : cmd) wrap += (wrap.empty() ? "" : " ") + shell_quote(w);

  // The --wrap text is run by sh: every word of it single-quoted by the one tested quoting.
  std::vector<std::string> sb = {"sbatch", "--parsable", "--job-name=synetune-tuner-" + name,
                                 "--output=" + slurm_filename_pattern((path / "tuner.slurm.out").string()),
                                 "--chdir=" + fs::current_path().string()};
  if (!args.slurm_partition.empty()) sb.push_back("--partition=" + args.slurm_partition);
  if (!args.slurm_account.empty()) sb.push_back("--account=" + args.slurm_account);
  sb.push_back("--wrap=" + wrap);
  int rc = 0;
  const std::string out = run_capture(sb, rc);
  const std::string job = rc == 0 ? parse_sbatch_job_id(out) : "";
  if (job.empty()) {
    // Free the name again (the folder holds at most the released lock's file).
    std::error_code ec;
    if (fs::remove(path / ExperimentLock::kFileName, ec); fs::is_empty(path, ec)) fs::remove(path, ec);
    throw BackendError("submitting the tuner with sbatch failed (rc " + std::to_string(rc) + "): " + out);
  }
  std::cout << "job_id: " << job << "\nexperiment: " << name << "\npath: " << path.string()
            << "\nfollow it with `synetune show " << name << "`; tuner log: "
            << (path / "tuner.slurm.out").string() << "\n";
  return 0;
}

}  // namespace synetune::cli
