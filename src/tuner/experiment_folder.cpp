#include "synetune/tuner/experiment_folder.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <vector>

#include "synetune/core/error.hpp"

namespace synetune {
namespace fs = std::filesystem;

namespace {

bool allowed_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.';
}

// What is wrong with `name`, or nothing.
std::optional<std::string> name_problem(std::string_view name) {
  if (name.empty()) return "it is empty";
  if (name.size() > kMaxExperimentNameLength)
    return "it has " + std::to_string(name.size()) + " characters";
  if (name[0] == '.' || name[0] == '-') return std::string("it starts with '") + name[0] + "'";
  for (char c : name)
    if (!allowed_char(c)) {
      if (static_cast<unsigned char>(c) > 0x20 && static_cast<unsigned char>(c) < 0x7f)
        return std::string("it holds '") + c + "'";
      char hex[8];
      std::snprintf(hex, sizeof hex, "0x%02x", static_cast<unsigned>(static_cast<unsigned char>(c)));
      return std::string("it holds the character ") + hex;
    }
  return std::nullopt;
}

// First problem of a root-relative name ("a/b"), or nothing.
std::optional<std::string> relative_name_problem(std::string_view ref) {
  if (ref.empty()) return "it is empty";
  std::size_t start = 0;
  for (;;) {
    const std::size_t slash = ref.find('/', start);
    const std::string_view part = ref.substr(start, slash == std::string_view::npos ? ref.npos : slash - start);
    if (part.empty())
      return std::string(start == 0 ? "it starts with '/' (an absolute path)" : "it has an empty part between '/'");
    if (auto p = name_problem(part)) return "its part '" + std::string(part) + "' is not a name: " + *p;
    if (slash == std::string_view::npos) return std::nullopt;
    start = slash + 1;
  }
}

bool is_empty_but_lock(const fs::path& folder) {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(folder, ec))
    if (e.path().filename() != ExperimentLock::kFileName) return false;
  return !ec;
}

// Removes an old experiment's files, the caller holding its lock. tuner.lock stays (see
// experiment_lock.hpp); metadata.json and journal.jsonl go last, so that an overwrite cut
// short still looks like an experiment and can be repeated.
void clear_experiment(const fs::path& folder) {
  std::vector<fs::path> entries;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(folder, ec)) entries.push_back(e.path());
  if (ec) throw StorageError("cannot list " + folder.string() + " to overwrite it: " + ec.message());
  auto rank = [](const fs::path& p) {
    const auto n = p.filename();
    return n == "metadata.json" ? 2 : n == "journal.jsonl" ? 1 : 0;
  };
  std::stable_sort(entries.begin(), entries.end(),
                   [&](const fs::path& a, const fs::path& b) { return rank(a) < rank(b); });
  for (const auto& p : entries) {
    if (p.filename() == ExperimentLock::kFileName) continue;
    fs::remove_all(p, ec);  // removes symbolic links, never what they point to
    if (ec) throw StorageError("cannot remove " + p.string() + " to overwrite the experiment: " + ec.message());
  }
}

std::string exists_message(const fs::path& root, const std::string& name, const fs::path& path) {
  if (!looks_like_experiment(path))
    return "the experiment folder " + path.string() +
           " exists and holds no experiment (no metadata.json or journal.jsonl): synetune writes "
           "nothing into it, not even with --overwrite; choose another --tuner-name or "
           "--experiment-root, or remove the folder yourself";
  return "experiment " + name + " exists already (" + path.string() +
         "); nothing in it was touched. Continue it with `synetune resume " + name + " --root " +
         root.string() + "`, look at it with `synetune show " + name + " --root " +
         root.string() + "`, choose another --tuner-name, or start it over with --overwrite "
         "(this deletes its results)";
}

// The checks of an existing folder before it is reused; throws when it may not be.
void check_reusable(const fs::path& root, const std::string& name, const fs::path& path,
                    ExistingFolder existing) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    throw InvalidArgument(path.string() + " exists and is not a folder (" +
                          (S_ISLNK(st.st_mode) ? "a symbolic link" : "a file") +
                          "): synetune does not replace it; choose another --tuner-name");
  const bool experiment = looks_like_experiment(path);
  if (existing == ExistingFolder::kRefuse || (existing == ExistingFolder::kAdoptReserved && experiment) ||
      (existing == ExistingFolder::kOverwrite && !experiment && !is_empty_but_lock(path)))
    throw InvalidArgument(exists_message(root, name, path));
}

// mkdir(2) that fails on an existing folder: true if created, false if it exists.
bool make_new_folder(const fs::path& path) {
  if (::mkdir(path.c_str(), 0777) == 0) return true;
  if (errno == EEXIST) return false;
  throw StorageError("cannot create the experiment folder " + path.string() + ": " + std::strerror(errno));
}

}  // namespace

bool is_valid_experiment_name(std::string_view name) { return !name_problem(name); }

void check_experiment_name(std::string_view name, std::string_view what) {
  if (auto p = name_problem(name))
    throw InvalidArgument(std::string(what) + " '" + std::string(name) + "' is not a valid experiment name: " +
                          *p + "; " + kExperimentNameRule);
}

bool is_root_relative_name(std::string_view ref) { return !relative_name_problem(ref); }

void check_root_relative_name(std::string_view ref, const fs::path& root) {
  if (auto p = relative_name_problem(ref))
    throw InvalidArgument("'" + std::string(ref) +
                          "' is neither a path to an experiment folder (one holding metadata.json "
                          "or journal.jsonl) nor an experiment name under " + root.string() + ": " + *p +
                          "; " + kExperimentNameRule + " (names in subfolders, as `synetune list` "
                          "prints them, join such names with '/')");
}

std::string to_experiment_name(std::string_view text) {
  std::string out;
  for (char c : text) out += allowed_char(c) ? c : '-';
  out.erase(0, out.find_first_not_of(".-"));
  if (out.size() > kMaxExperimentNameLength) out.resize(kMaxExperimentNameLength);
  return out;
}

bool looks_like_experiment(const fs::path& folder) {
  std::error_code ec;
  return fs::exists(folder / "metadata.json", ec) || fs::exists(folder / "journal.jsonl", ec);
}

NewExperimentFolder create_experiment_folder(const fs::path& root, const std::string& name,
                                             ExistingFolder existing) {
  check_experiment_name(name, "the tuner name");
  std::error_code ec;
  fs::create_directories(root, ec);
  if (ec) throw StorageError("cannot create the output root " + root.string() + ": " + ec.message());
  if (existing == ExistingFolder::kAddSuffix) {
    for (int i = 1; i <= 1000; ++i) {
      std::string candidate = i == 1 ? name : name + "-" + std::to_string(i);
      if (candidate.size() > kMaxExperimentNameLength)
        candidate = name.substr(0, kMaxExperimentNameLength - (candidate.size() - name.size())) +
                    "-" + std::to_string(i);
      if (make_new_folder(root / candidate))
        return {candidate, root / candidate, ExperimentLock::acquire(root / candidate)};
    }
    throw StorageError("cannot find a free experiment name " + name + "-N under " + root.string() +
                       " (1000 taken); give one with --tuner-name");
  }
  const fs::path path = root / name;
  if (!make_new_folder(path)) {
    // Checked before the lock, whose file would already be a change to a folder not ours.
    check_reusable(root, name, path, existing);
    ExperimentLock lock = ExperimentLock::acquire(path);
    if (existing == ExistingFolder::kOverwrite) clear_experiment(path);
    return {name, path, std::move(lock)};
  }
  return {name, path, ExperimentLock::acquire(path)};
}

}  // namespace synetune
