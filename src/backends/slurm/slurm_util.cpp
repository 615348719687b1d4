// Parsing of Slurm client output, filename patterns and shell quoting (no Slurm needed;
// unit-tested).
#include <sstream>

#include "synetune/backends/slurm_backend.hpp"
#include "synetune/core/error.hpp"

namespace synetune {

std::string parse_sbatch_job_id(const std::string& out) {
  // --parsable prints "<id>" or "<id>;<cluster>" on its own line; warnings may precede it.
  std::istringstream in(out);
  std::string line, id;
  while (std::getline(in, line)) {
    std::string head = line.substr(0, line.find(';'));
    while (!head.empty() && (head.back() == '\r' || head.back() == ' ')) head.pop_back();
    if (!head.empty() && head.find_first_not_of("0123456789_") == std::string::npos) id = head;
  }
  return id;
}

std::map<std::string, std::pair<std::string, std::string>> parse_squeue(const std::string& out) {
  std::map<std::string, std::pair<std::string, std::string>> jobs;
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) {
    auto a = line.find('|');
    if (a == std::string::npos) continue;
    auto b = line.find('|', a + 1);
    std::string id = line.substr(0, a);
    while (!id.empty() && id.front() == ' ') id.erase(0, 1);
    std::string state = line.substr(a + 1, b == std::string::npos ? std::string::npos : b - a - 1);
    std::string reason = b == std::string::npos ? "" : line.substr(b + 1);
    if (!id.empty()) jobs[id] = {state, reason};
  }
  return jobs;
}

bool slurm_state_is_terminal(const std::string& state) {
  static const char* kTerminal[] = {"COMPLETED", "FAILED",    "CANCELLED",     "TIMEOUT",
                                    "NODE_FAIL", "PREEMPTED", "OUT_OF_MEMORY", "BOOT_FAIL",
                                    "DEADLINE",  "SPECIAL_EXIT", "REVOKED"};
  // squeue may print e.g. "CANCELLED by 0"; compare the first word.
  const std::string word = state.substr(0, state.find(' '));
  for (const char* t : kTerminal)
    if (word == t) return true;
  return false;
}

std::string slurm_filename_pattern(const std::string& path) {
  // With a backslash anywhere Slurm expands nothing and drops the backslashes, so such a path
  // cannot be written as a pattern at all.
  if (path.find('\\') != std::string::npos)
    throw InvalidArgument("the path " + path + " contains a backslash, which Slurm's --output/--error "
                          "cannot represent; use an experiment root and tuner name without '\\'");
  std::string out;
  for (char c : path) out += c == '%' ? std::string("%%") : std::string(1, c);
  return out;
}

std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) {
    if (c == '\'') q += "'\\''";
    else q += c;
  }
  return q + "'";
}

}  // namespace synetune
