#pragma once
/// Experiment names and the creation of experiment folders.
///
/// An experiment lives in `<output root>/<name>/`. Two rules keep experiments safe:
///  - a name is one plain folder name (is_valid_experiment_name), so that no name given to
///    `tune`, `resume`, `show` or `plot` reaches outside the output root (`..`, `/etc`, `.`);
///  - a new tuner never writes into an existing folder unless told to (ExistingFolder), and
///    then removes only what an experiment holds: results of an earlier run are never
///    silently overwritten, and a run never appends to another run's journal.
#include <filesystem>
#include <string>
#include <string_view>

#include "synetune/tuner/experiment_lock.hpp"

namespace synetune {

/// The longest experiment name accepted.
inline constexpr std::size_t kMaxExperimentNameLength = 200;

/// The naming rule, as error messages and `--help` state it.
inline constexpr const char* kExperimentNameRule =
    "a name uses only letters (A-Z, a-z), digits (0-9), '-', '_' and '.', does not start with "
    "'.' or '-', and has at most 200 characters";

/// True if `name` is a plain experiment name (kExperimentNameRule): one folder directly under
/// the output root, never `..`, `.`, empty, absolute, hidden or looking like an option.
bool is_valid_experiment_name(std::string_view name);

/// Throws InvalidArgument unless `name` is valid. The message starts with `what` (e.g.
/// "--tuner-name"), says what is wrong (the first bad character) and states the rule.
void check_experiment_name(std::string_view name, std::string_view what);

/// True if `ref` is a name relative to the output root: valid names joined by '/', as
/// `synetune list` prints experiments in subfolders (e.g. "runs/branin-ASHA-0"). Such a name
/// stays under the root; `..`, `/x`, `a//b` and `a/` are not names.
bool is_root_relative_name(std::string_view ref);

/// Throws InvalidArgument unless is_root_relative_name(ref): the message says that `ref` is
/// neither an experiment folder nor a name under `root`, why, and states the rule.
void check_root_relative_name(std::string_view ref, const std::filesystem::path& root);

/// `text` made into a valid name: characters outside the rule become '-', leading '.' and
/// '-' are dropped, the result is cut to kMaxExperimentNameLength; empty if nothing is left.
/// For generated names (the stem of an entry point may hold any character).
std::string to_experiment_name(std::string_view text);

/// True if `folder` holds metadata.json or journal.jsonl (what every tuner writes first).
bool looks_like_experiment(const std::filesystem::path& folder);

/// What a new tuner does when the folder of its name exists already.
enum class ExistingFolder {
  /// Throw InvalidArgument naming `synetune resume NAME` and `--overwrite`; nothing in the
  /// folder is touched. The default.
  kRefuse,
  /// Start over: remove the old experiment's contents, under its lock. Only a folder that
  /// looks like an experiment, or is empty, is cleared; anything else is refused.
  kOverwrite,
  /// For generated names: try NAME, then NAME-2, NAME-3, ... and take the first that does
  /// not exist (created with mkdir(2), which fails on an existing folder, so two tuners
  /// starting at the same millisecond never share one).
  kAddSuffix,
  /// The folder was created empty by `synetune tune --launcher slurm`, which reserved the name
  /// for the tuner job: use it, unless an experiment was started in it already (a requeued
  /// job), which is refused as with kRefuse.
  kAdoptReserved,
};

/// A freshly created (or cleared) experiment folder, locked by this process.
struct NewExperimentFolder {
  std::string name;  ///< differs from the requested name only with kAddSuffix
  std::filesystem::path path;
  ExperimentLock lock;
};

/// Creates `root/name` (and `root`) for a new experiment and locks it (ExperimentLock).
/// Throws InvalidArgument for an invalid name or an existing folder that `existing` does not
/// allow, ExperimentLocked if another tuner runs it, StorageError if it cannot be created.
NewExperimentFolder create_experiment_folder(const std::filesystem::path& root,
                                             const std::string& name, ExistingFolder existing);

}  // namespace synetune
