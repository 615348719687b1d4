#pragma once
/// TrialCommand: everything it takes to launch one trial (program and arguments, environment,
/// working directory), built by make_trial_command() alone. The LocalBackend spawns it
/// directly (posix_spawn, no shell); the SlurmBackend writes its argv, each word quoted by
/// shell_quote(), into the job's wrapper script and runs sbatch with its environment. So a
/// trial gets the same arguments and variables wherever it runs.
///
/// No shell takes part in building it: a config value is one argv entry, whatever it holds
/// (spaces, quotes, `$(...)`, newlines); it is never parsed as shell code.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "synetune/core/json.hpp"
#include "synetune/core/types.hpp"

namespace synetune {

/// How trials are launched; shared by LocalBackendOptions and SlurmBackendOptions (both
/// derive from it), so the two backends cannot drift apart.
struct TrialCommandOptions {
  /// Training program. `.py` files run through `python`; anything else is executed directly
  /// (must be executable). A relative path is relative to `working_dir` if that is set, else
  /// to the current directory. Must exist (the backends check it when constructed).
  std::filesystem::path entry_point;
  /// Interpreter for `.py` entry points (a name looked up on PATH, or a path).
  std::string python = "python3";
  /// Extra arguments placed right after the entry point, before the config arguments.
  std::vector<std::string> extra_args;
  /// Variables added to (overriding) the environment of every trial.
  std::map<std::string, std::string> extra_env;
  /// Our `python/` folder (holding the pure-Python `syne_tune` package), put in front of
  /// PYTHONPATH. Backends clear it first (resolve_python_package) when the interpreter
  /// imports a real `syne_tune` without it, so that an installed Syne Tune wins.
  std::filesystem::path python_package_dir;
  /// Working directory of the trials; empty = the directory the backend runs in.
  std::filesystem::path working_dir;
};

/// A trial's launch, ready to be spawned or written into a job script.
struct TrialCommand {
  /// argv[0] is the program: the interpreter (looked up on PATH when it holds no `/`) or the
  /// entry point (a bare file name becomes `./name`, never a PATH namesake).
  std::vector<std::string> argv;
  /// Complete environment as "K=V" entries (not only the changes).
  std::vector<std::string> env;
  /// Where to run it; empty = the launcher's current directory.
  std::filesystem::path working_dir;
};

/// Python's `str(value)` for a config value as passed on the command line: ints as ints,
/// floats in shortest round-trip repr (`0.001`, `1e-05`), strings verbatim, `True`/`False`,
/// `None`; lists and objects as compact JSON.
std::string format_cli_value(const Json& value);

/// The one place a trial's launch is decided. argv: `[python] entry extra_args --key value
/// ... --st_checkpoint_dir <trial_dir>/checkpoints` (config keys in the config's order; a
/// config key `st_checkpoint_dir` is left out, the trial's folder decides). env: this
/// process's environment, OMP_NUM_THREADS=1 unless set (one thread per trial: n_workers
/// trials share the machine), `extra_env`, `python_package_dir` in front of PYTHONPATH, and
/// CUDA_VISIBLE_DEVICES when `cuda_visible_devices` is not empty (the LocalBackend's GPU
/// rotation; empty leaves the variable as inherited, e.g. for Slurm's --gres to set).
TrialCommand make_trial_command(const TrialCommandOptions& options, const Config& config,
                                const std::filesystem::path& trial_dir,
                                const std::vector<int>& cuda_visible_devices = {});

/// Throws InvalidArgument, naming `backend_name`, if the entry point does not exist or the
/// interpreter name is empty.
void validate_trial_command_options(const TrialCommandOptions& options, const std::string& backend_name);

/// `options` with python_package_dir cleared if `options.python` can `import syne_tune`
/// without it (in the trials' environment, our folder taken off PYTHONPATH). Runs the
/// interpreter once: call it once per backend, not per trial.
TrialCommandOptions resolve_python_package(TrialCommandOptions options);

}  // namespace synetune
