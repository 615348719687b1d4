#pragma once
/// The one way synetune talks to gnuplot. Every name that ends up in a plot (metric and
/// objective names from a table's space.json or an experiment's metadata.json, benchmark and
/// experiment names, folder paths) comes from files someone else may have written, and a
/// gnuplot script is code: `system("...")`, backquotes and `@macro`s run commands. So:
///  - text goes into a script only through `gnuplot::quote` (single-quoted literals, the
///    only form gnuplot neither expands nor unescapes);
///  - data goes through data files, never through the script;
///  - scripts name files only by plain relative names (`is_plain_file_name`) and gnuplot runs
///    in their folder, so no path (the output's included) is ever written into a script;
///  - gnuplot is started with posix_spawn on an argv (no shell), its output to a log file.
#include <filesystem>
#include <string>
#include <string_view>

namespace synetune::gnuplot {

/// `text` as a gnuplot string expression that cannot end early or run anything: the pieces
/// between `'` characters in single quotes (where backslashes, backquotes and `@` are plain
/// characters and nothing is expanded), each `'` spliced in as the constant "'" (`it's` ->
/// `('it' . "'" . 's')`; text without `'` -> `'text'`), and every control character
/// (newline, carriage return, tab, NUL, ... and DEL) replaced by a space, since a newline would
/// end the command and start a new one. Other bytes, UTF-8 included, pass unchanged. Valid
/// wherever gnuplot takes a string: titles, labels, file names, `print`.
std::string quote(std::string_view text);

/// `text` with every control character replaced by a space: safe for one line of a data
/// file's `#` comment (a newline there would start a data line).
std::string one_line(std::string_view text);

/// True for names made only of ASCII letters, digits, `_`, `-` and `.`, not starting with `-`
/// or `.`, at most 200 characters: what a script may use as a file name.
bool is_plain_file_name(std::string_view name);

/// The gnuplot executable found on $PATH (as a shell would), empty if there is none.
std::filesystem::path find_executable();

/// Exit status and output (stdout and stderr) of one gnuplot run.
struct RunResult {
  int exit_code = -1;  ///< -1 when gnuplot could not be started or was killed by a signal
  std::string log;
};

/// Runs `<gnuplot> ./<script>` with `dir` as working directory, stdin from /dev/null and its
/// output into `dir/<script>.log` (returned). `script` must be a plain file name in `dir`
/// (InvalidArgument otherwise). No shell is involved.
RunResult run_script(const std::filesystem::path& gnuplot, const std::filesystem::path& dir,
                     const std::string& script);

/// Whether this gnuplot has terminal `terminal` (`png`, `pngcairo`; a plain name, else
/// InvalidArgument). Runs `gnuplot -e "set terminal <terminal>"` in `scratch_dir`.
bool has_terminal(const std::filesystem::path& gnuplot, const std::filesystem::path& scratch_dir,
                  const std::string& terminal);

/// Moves `from` to `to` (rename; across file systems a copy next to `to`, then a rename, so
/// `to` is never half-written). Throws StorageError naming both on failure.
void move_file(const std::filesystem::path& from, const std::filesystem::path& to);

}  // namespace synetune::gnuplot
