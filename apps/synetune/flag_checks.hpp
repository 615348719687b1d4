#pragma once
// Up-front checks of command-line values, so that a bad value fails before anything runs, with
// a message that names the flag as the user writes it and the valid range in plain numbers:
// `--n-workers must be an integer between 1 and 4096, got 0`.
#include <CLI/CLI.hpp>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "synetune/core/json.hpp"

namespace synetune::cli {

/// Most seeds `synetune benchmark --seeds` takes (each seed is one run per method and benchmark).
inline constexpr std::uint64_t kMaxSeeds = 10000;

/// Attaches the range check of every numeric option of `cmd` (option groups included) from
/// one table of limits shared by all subcommands. A bad value throws InvalidArgument while the
/// command line is parsed (the CLI prints it and exits 2). Aborts (SYNETUNE_CHECK) if `cmd`
/// has a numeric option without a limit, so that no new flag goes unchecked.
void check_numeric_flags(CLI::App& cmd);

/// Rewrites a method-option error of the registry, which speaks Syne Tune's option names
/// (`option 'max_t'`), into the flags the user typed: `--max-t` for options set by a flag,
/// `--method-options key 'x'` for options from that JSON object. `from_flags` lists the
/// option keys that came from flags.
std::string option_error_to_flags(std::string message, const std::vector<std::string>& from_flags);

/// `--seeds` text ("0-9", "1,3,5", "0-2,7") as a list; at most kMaxSeeds seeds, checked
/// before any is stored.
std::vector<std::uint64_t> parse_seed_list(const std::string& text);

/// What `--config FILE` adds to the command line.
struct ConfigFileArgs {
  std::vector<std::string> args;              ///< the command line with the file's flags added
  std::string file;                           ///< empty when there is no --config
  std::map<std::string, std::string> keys;    ///< flag added from the file -> its JSON key
};

/// Expands `--config FILE` (a JSON object whose keys are the subcommand's flags without the
/// leading dashes, `n-workers` or `n_workers`; lists repeat the flag; true/false set or leave
/// a switch). Flags given on the command line win. Errors name the file and the key.
ConfigFileArgs expand_config_file(const CLI::App& app, const std::vector<std::string>& args);

/// `message` with " (key 'K' of --config FILE)" appended when it names a flag that came
/// from the config file.
std::string blame_config_file(const std::string& message, const ConfigFileArgs& config);

}  // namespace synetune::cli
