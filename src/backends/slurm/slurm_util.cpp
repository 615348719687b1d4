// Parsing of Slurm client output and shell quoting (no Slurm needed; unit-tested).
#include <sstream>

#include "synetune/backends/slurm_backend.hpp"

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

std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) {
    if (c == '\'') q += "'\\''";
    else q += c;
  }
  return q + "'";
}

}  // namespace synetune
