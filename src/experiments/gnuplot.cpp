#include "experiments/gnuplot.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <vector>

#include "synetune/core/error.hpp"

extern char** environ;

namespace synetune::gnuplot {
namespace fs = std::filesystem;
namespace {

bool is_control(unsigned char c) { return c < 0x20 || c == 0x7f; }

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// posix_spawn of argv (argv[0] an absolute path) in `dir`, stdout and stderr to `log`.
// Returns the exit code, -1 if it could not start or died of a signal.
int spawn_and_wait(const std::vector<std::string>& argv, const fs::path& dir, const fs::path& log) {
  std::vector<char*> cargv;
  std::vector<std::string> copy = argv;
  for (auto& a : copy) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addchdir_np(&fa, dir.c_str());
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, cargv[0], &fa, nullptr, cargv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) return -1;
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

std::string one_line(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) out += is_control(c) ? ' ' : static_cast<char>(c);
  return out;
}

std::string quote(std::string_view text) {
  const std::string line = one_line(text);
  if (line.find('\'') == std::string::npos) return "'" + line + "'";
  // gnuplot's '' escape fails for quotes in a row ('''' is an error in 5.4), so each quote is
  // spliced in as the constant "'" (a double-quoted literal holding nothing from outside).
  std::string out = "('";
  for (char c : line) out += c == '\'' ? std::string("' . \"'\" . '") : std::string(1, c);
  return out + "')";
}

bool is_plain_file_name(std::string_view name) {
  if (name.empty() || name.size() > 200 || name[0] == '-' || name[0] == '.') return false;
  for (unsigned char c : name)
    if (!(std::isalnum(c) && c < 0x80) && c != '_' && c != '-' && c != '.') return false;
  return true;
}

fs::path find_executable() {
  const char* env = std::getenv("PATH");
  // An unset PATH means the shell's default search path.
  std::string path = env ? env : "/usr/local/bin:/usr/bin:/bin";
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find(':', start);
    if (end == std::string::npos) end = path.size();
    const fs::path dir = end > start ? fs::path(path.substr(start, end - start)) : fs::current_path();
    const fs::path exe = dir / "gnuplot";
    std::error_code ec;
    if (fs::is_regular_file(exe, ec) && ::access(exe.c_str(), X_OK) == 0) return fs::absolute(exe, ec);
    start = end + 1;
  }
  return {};
}

RunResult run_script(const fs::path& gnuplot, const fs::path& dir, const std::string& script) {
  if (!is_plain_file_name(script))
    throw InvalidArgument("gnuplot: script name '" + one_line(script) + "' is not a plain file name");
  const fs::path log = fs::absolute(dir) / (script + ".log");
  RunResult r;
  // "./" keeps gnuplot from reading the name as an option.
  r.exit_code = spawn_and_wait({gnuplot.string(), "./" + script}, fs::absolute(dir), log);
  r.log = read_all(log);
  return r;
}

bool has_terminal(const fs::path& gnuplot, const fs::path& scratch_dir, const std::string& terminal) {
  if (!is_plain_file_name(terminal))
    throw InvalidArgument("gnuplot: terminal '" + one_line(terminal) + "' is not a plain name");
  const fs::path dir = fs::absolute(scratch_dir);
  return spawn_and_wait({gnuplot.string(), "-e", "set terminal " + terminal}, dir, dir / "terminal.log") == 0;
}

void move_file(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  fs::rename(from, to, ec);
  if (!ec) return;
  if (ec != std::errc::cross_device_link)
    throw StorageError("cannot move " + from.string() + " to " + to.string() + ": " + ec.message());
  // Another file system (e.g. /tmp on tmpfs): copy beside the target, then rename over it.
  fs::path tmp = to;
  tmp += ".synetune-tmp";
  fs::copy_file(from, tmp, fs::copy_options::overwrite_existing, ec);
  if (!ec) fs::rename(tmp, to, ec);
  if (ec) {
    std::error_code ignore;
    fs::remove(tmp, ignore);
    throw StorageError("cannot write " + to.string() + ": " + ec.message() +
                       "; check that its folder is writable");
  }
}

}  // namespace synetune::gnuplot
