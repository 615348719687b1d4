#include "synetune/experiments/experiment_result.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <sstream>

#include "synetune/core/error.hpp"
#include "synetune/tuner/journal.hpp"
#include "synetune/tuner/results_table.hpp"
#include "synetune/tuner/tuner.hpp"

namespace synetune {
namespace fs = std::filesystem;
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double mtime_of(const fs::path& p) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) return 0.0;
  return static_cast<double>(st.st_mtim.tv_sec) + 1e-9 * static_cast<double>(st.st_mtim.tv_nsec);
}

bool is_experiment_folder(const fs::path& p) {
  std::error_code ec;
  return fs::is_directory(p, ec) &&
         (fs::exists(p / "metadata.json", ec) || fs::exists(p / "journal.jsonl", ec));
}

// A CSV cell as JSON: integers stay integers (pandas reads int64), "True"/"False" bools.
Json cell_to_json(const std::string& s) {
  if (s.empty()) return Json();
  if (s == "True") return true;
  if (s == "False") return false;
  if (s == "nan" || s == "NaN") return kNaN;
  if (s == "inf") return std::numeric_limits<double>::infinity();
  if (s == "-inf") return -std::numeric_limits<double>::infinity();
  const char* b = s.data();
  const char* e = b + s.size();
  long long i = 0;
  if (auto [p, ec] = std::from_chars(b, e, i); ec == std::errc() && p == e) return i;
  double d = 0;
  if (auto [p, ec] = std::from_chars(b, e, d); ec == std::errc() && p == e) return d;
  return s;
}

bool better(double a, double b, Mode mode) { return mode == Mode::kMin ? a < b : a > b; }

// An exception's message without nlohmann's "[json.exception.parse_error.101] " tags, which
// say nothing to a user.
std::string reason_of(const std::exception& e) {
  std::string s = e.what();
  for (auto p = s.find("[json.exception."); p != std::string::npos; p = s.find("[json.exception.", p)) {
    const auto end = s.find("] ", p);
    if (end == std::string::npos) break;
    s.erase(p, end + 2 - p);
  }
  return s;
}

// The error of an experiment file that cannot be read: it names the file and the fix.
StorageError unreadable(const fs::path& file, const std::string& reason) {
  return StorageError("cannot read " + file.string() + ": " + reason +
                      " (corrupt or truncated? restore or delete the file, or the experiment folder)");
}

std::int64_t csv_int(const std::string& v, const fs::path& file, std::size_t row, const char* column) {
  std::int64_t i = 0;
  if (auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), i); ec == std::errc() && p == v.data() + v.size())
    return i;
  throw unreadable(file, "row " + std::to_string(row) + ": " + column + " '" + v + "' is not an integer");
}

double csv_double(const std::string& v, const fs::path& file, std::size_t row, const char* column) {
  if (v.empty()) return 0.0;
  const Json j = cell_to_json(v);
  if (j.is_number()) return j.get<double>();
  throw unreadable(file, "row " + std::to_string(row) + ": " + column + " '" + v + "' is not a number");
}

// Tuner-written metadata keys (besides st_*): everything else came from --metadata.
const std::set<std::string>& standard_metadata_keys() {
  static const std::set<std::string> keys{
      "entrypoint",     "backend",       "metric_names", "metric_mode",       "scheduler_name",
      "scheduler_kwargs", "config_space", "tuner_name",   "n_workers",         "seed",
      "stop_criterion", "max_failures",  "resource_attr", "synetune_version", "synetune_args"};
  return keys;
}

template <class Parse>
auto csv_enum(Parse parse, const std::string& v, const fs::path& file, std::size_t row, const char* column) {
  try {
    return parse(v);
  } catch (const Error& e) {
    throw unreadable(file, "row " + std::to_string(row) + ": " + column + ": " + e.what());
  }
}

// Applies one journal line to `r` (`trial` finds or adds the line's trial); throws on a field
// of the wrong type, before changing anything where a later field could still throw.
template <class TrialOf>
void journal_event(ExperimentResult& r, TrialOf& trial, const Json& j) {
  const std::string event = j["event"].get<std::string>();
  const double time = j.contains("time") && j["time"].is_number() ? j["time"].get<double>() : 0.0;
  r.tuner_time_used = std::max(r.tuner_time_used, time);
  if (event == "tuning_start") {
    r.finished = false;
    r.end_reason.clear();
  } else if (event == "tuning_end") {
    r.finished = true;
    r.end_reason = j.value("reason", std::string());
  } else if (event == "trial_start") {
    auto& t = trial(j);
    if (j.contains("config") && j["config"].is_object()) t.config = j["config"];
    t.status = TrialStatus::kInProgress;
    t.last_time = time;
  } else if (event == "result") {
    ResultRow row;
    row.status = parse_trial_status(j.value("status", std::string("InProgress")));
    row.decision = parse_decision(j.value("decision", std::string("CONTINUE")));
    auto& t = trial(j);
    row.trial_id = t.trial_id;
    row.tuner_time = time;
    if (j.contains("result") && j["result"].is_object()) row.values = j["result"];
    if (j.contains("extra") && j["extra"].is_object())
      for (auto it = j["extra"].begin(); it != j["extra"].end(); ++it) row.values[it.key()] = it.value();
    ++t.num_results;
    t.last_time = time;
    r.results.push_back(std::move(row));
  } else if (event == "status") {
    const TrialStatus status = parse_trial_status(j.value("status", std::string("InProgress")));
    std::string reason = j.value("reason", std::string());
    auto& t = trial(j);
    t.status = status;
    t.reason = std::move(reason);
    t.last_time = time;
  }
}

void load_journal(ExperimentResult& r, const fs::path& file) {
  std::map<TrialId, TrialSummary> trials;
  auto trial = [&](const Json& j) -> TrialSummary& {
    TrialId id = j.value("trial_id", TrialId{-1});
    auto [it, fresh] = trials.try_emplace(id);
    if (fresh) {
      it->second.trial_id = id;
      it->second.start_time = j.value("time", 0.0);
    }
    return it->second;
  };
  std::size_t malformed = 0;
  r.skipped_journal_lines = read_journal(file, [&](const Json& j) {
    // A line with a field of the wrong type is malformed like an unparseable one: skipped and
    // counted, so one bad line does not hide the rest of the experiment.
    try {
      journal_event(r, trial, j);
    } catch (const Json::exception&) {
      ++malformed;
    } catch (const Error&) {
      ++malformed;
    }
  });
  r.skipped_journal_lines += malformed;
  for (auto& [id, t] : trials) r.trials.push_back(std::move(t));
  r.from_journal = true;
}

void load_csv(ExperimentResult& r, const fs::path& file) {
  std::vector<std::vector<std::string>> rows;
  try {
    rows = parse_csv(read_zip_entry(file, "results.csv"));
  } catch (const Error& e) {
    throw unreadable(file, "not a zip archive holding results.csv (" + reason_of(e) + ")");
  }
  if (rows.empty()) return;
  const auto& header = rows[0];
  std::map<TrialId, TrialSummary> trials;
  for (std::size_t i = 1; i < rows.size(); ++i) {
    const auto& cells = rows[i];
    ResultRow row;
    Config config = Json::object();
    for (std::size_t c = 0; c < header.size() && c < cells.size(); ++c) {
      const std::string& h = header[c];
      const std::string& v = cells[c];
      if (h == "trial_id") row.trial_id = csv_int(v, file, i, "trial_id");
      else if (h == "st_tuner_time") row.tuner_time = csv_double(v, file, i, "st_tuner_time");
      else if (h == "st_status") row.status = csv_enum(parse_trial_status, v, file, i, "st_status");
      else if (h == "st_decision") row.decision = csv_enum(parse_decision, v, file, i, "st_decision");
      else if (h.rfind("config_", 0) == 0) { if (!v.empty()) config[h.substr(7)] = cell_to_json(v); }
      else if (!v.empty()) row.values[h] = cell_to_json(v);
    }
    auto [it, fresh] = trials.try_emplace(row.trial_id);
    auto& t = it->second;
    if (fresh) {
      t.trial_id = row.trial_id;
      t.start_time = row.tuner_time;
      t.config = config;
    }
    t.status = row.status;
    t.last_time = row.tuner_time;
    ++t.num_results;
    r.tuner_time_used = std::max(r.tuner_time_used, row.tuner_time);
    r.results.push_back(std::move(row));
  }
  for (auto& [id, t] : trials) r.trials.push_back(std::move(t));
  r.finished = true;
  r.end_reason = "no journal";
}

}  // namespace

double ResultRow::get(const std::string& metric) const {
  auto it = values.find(metric);
  if (it == values.end() || !it->is_number()) return kNaN;
  return it->get<double>();
}

std::vector<std::string> ExperimentResult::metric_names() const {
  std::vector<std::string> names;
  if (metadata.contains("metric_names")) {
    const Json& m = metadata["metric_names"];
    if (m.is_array()) {
      for (const auto& x : m)
        if (x.is_string()) names.push_back(x.get<std::string>());
    } else if (m.is_string()) {
      names.push_back(m.get<std::string>());
    }
  }
  if (names.empty())
    for (const auto& row : results) {
      for (auto it = row.values.begin(); it != row.values.end(); ++it)
        if (it->is_number() && it.key().rfind("st_", 0) != 0) return {it.key()};
    }
  return names;
}

Mode ExperimentResult::metric_mode(std::size_t index) const {
  if (!metadata.contains("metric_mode")) return Mode::kMin;  // Syne Tune's default
  const Json& m = metadata["metric_mode"];
  if (m.is_string()) return parse_mode(m.get<std::string>());
  if (m.is_array() && index < m.size() && m[index].is_string()) return parse_mode(m[index].get<std::string>());
  return Mode::kMin;
}

std::size_t ExperimentResult::metric_index(const std::string& metric) const {
  auto names = metric_names();
  for (std::size_t i = 0; i < names.size(); ++i)
    if (names[i] == metric) return i;
  std::string all;
  for (const auto& n : names) all += (all.empty() ? "" : ", ") + n;
  throw InvalidArgument("experiment " + name + " has no metric '" + metric + "': its metrics are " +
                        (all.empty() ? "(none)" : all));
}

std::optional<BestConfig> ExperimentResult::best_config(std::size_t index) const {
  auto names = metric_names();
  if (index >= names.size())
    throw InvalidArgument("metric index " + std::to_string(index) + " out of range: experiment " +
                          name + " has " + std::to_string(names.size()) + " metric(s)");
  const std::string& metric = names[index];
  const Mode mode = metric_mode(index);
  const ResultRow* best = nullptr;
  double best_v = kNaN;
  for (const auto& row : results) {
    double v = row.get(metric);
    if (std::isnan(v)) continue;
    if (!best || better(v, best_v, mode)) best = &row, best_v = v;
  }
  if (!best) return std::nullopt;
  BestConfig b{best->trial_id, Json::object(), best_v, best->tuner_time, metric, mode};
  for (const auto& t : trials)
    if (t.trial_id == best->trial_id) b.config = t.config;
  return b;
}

std::optional<BestConfig> ExperimentResult::best_config(const std::string& metric) const {
  return best_config(metric_index(metric));
}

std::vector<std::optional<BestConfig>> ExperimentResult::best_trial_per_metric() const {
  std::vector<std::optional<BestConfig>> out;
  for (std::size_t i = 0; i < metric_names().size(); ++i) out.push_back(best_config(i));
  return out;
}

std::vector<std::pair<double, double>> ExperimentResult::best_so_far(const std::string& metric,
                                                                      Mode mode) const {
  std::vector<std::pair<double, double>> pts;
  for (const auto& row : results) {
    double v = row.get(metric);
    if (!std::isnan(v)) pts.emplace_back(row.tuner_time, v);
  }
  std::stable_sort(pts.begin(), pts.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (std::size_t i = 1; i < pts.size(); ++i)
    if (better(pts[i - 1].second, pts[i].second, mode)) pts[i].second = pts[i - 1].second;
  return pts;
}

double ExperimentResult::creation_timestamp() const {
  if (metadata.contains("st_tuner_creation_timestamp") && metadata["st_tuner_creation_timestamp"].is_number())
    return metadata["st_tuner_creation_timestamp"].get<double>();
  return mtime_of(path);
}

std::string ExperimentResult::status_string(double now) const {
  if (finished) return end_reason.empty() ? "finished" : "finished (" + end_reason + ")";
  const long ago = std::max(0L, std::lround(now - last_update));
  return "running (last update " + std::to_string(ago) + " s ago)";
}

Json ExperimentResult::user_metadata() const {
  Json out = Json::object();
  if (!metadata.is_object()) return out;
  for (auto it = metadata.begin(); it != metadata.end(); ++it)
    if (it.key().rfind("st_", 0) != 0 && !standard_metadata_keys().count(it.key())) out[it.key()] = it.value();
  return out;
}

ExperimentResult load_experiment_folder(const fs::path& path) {
  ExperimentResult r;
  r.path = path;
  r.name = path.filename().string();
  std::error_code ec;
  if (fs::exists(path / "metadata.json", ec)) {
    const fs::path file = path / "metadata.json";
    std::ifstream in(file);
    std::stringstream ss;
    if (!(ss << in.rdbuf())) throw unreadable(file, "it cannot be opened or is empty");
    try {
      r.metadata = parse_json_lenient(ss.str());
    } catch (const Error& e) {
      throw unreadable(file, reason_of(e));
    }
    if (!r.metadata.is_object()) throw unreadable(file, "it holds no JSON object");
    if (r.metadata.contains("tuner_name") && r.metadata["tuner_name"].is_string())
      r.name = r.metadata["tuner_name"].get<std::string>();
  }
  if (fs::exists(path / "journal.jsonl", ec)) {
    try {
      load_journal(r, path / "journal.jsonl");
    } catch (const Error& e) {
      throw unreadable(path / "journal.jsonl", reason_of(e));
    }
    r.last_update = mtime_of(path / "journal.jsonl");
  } else if (fs::exists(path / "results.csv.zip", ec)) {
    try {
      load_csv(r, path / "results.csv.zip");
    } catch (const StorageError&) {
      throw;  // already names the file and the row
    } catch (const std::exception& e) {
      throw unreadable(path / "results.csv.zip", reason_of(e));
    }
    r.last_update = mtime_of(path / "results.csv.zip");
  } else {
    r.last_update = mtime_of(path / "metadata.json");
  }
  // Per-trial best of the first metric, for tables.
  auto names = r.metric_names();
  const Mode mode = r.metric_mode(0);
  std::map<TrialId, TrialSummary*> by_id;
  for (auto& t : r.trials) t.best_metric = kNaN, by_id[t.trial_id] = &t;
  if (!names.empty())
    for (const auto& row : r.results) {
      double v = row.get(names[0]);
      auto it = by_id.find(row.trial_id);
      if (std::isnan(v) || it == by_id.end()) continue;
      double& b = it->second->best_metric;
      if (std::isnan(b) || better(v, b, mode)) b = v;
    }
  return r;
}

ExperimentResult load_experiment(const std::string& name_or_path, const fs::path& root_in) {
  if (name_or_path.empty()) throw InvalidArgument("empty experiment name: give a name from `synetune list` or a path");
  if (is_experiment_folder(name_or_path)) return load_experiment_folder(name_or_path);
  const fs::path root = root_in.empty() ? default_output_root() : root_in;
  // Only a name is joined to the root: "../x" or "/etc" must not reach outside it.
  check_root_relative_name(name_or_path, root);
  if (is_experiment_folder(root / name_or_path)) return load_experiment_folder(root / name_or_path);
  // Unique prefix: tuner names end with a timestamp nobody wants to type.
  std::vector<fs::path> matches;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(root, ec))
    if (e.path().filename().string().rfind(name_or_path, 0) == 0 && is_experiment_folder(e.path()))
      matches.push_back(e.path());
  if (matches.size() == 1) return load_experiment_folder(matches[0]);
  if (matches.size() > 1) {
    std::sort(matches.begin(), matches.end());
    std::string all;
    for (const auto& m : matches) all += "\n  " + m.filename().string();
    throw InvalidArgument("experiment name '" + name_or_path + "' is ambiguous under " + root.string() +
                          "; give the full name of one of:" + all);
  }
  throw InvalidArgument("no experiment '" + name_or_path + "' under " + root.string() +
                        ": give a name shown by `synetune list`, a path to an experiment folder, "
                        "or set the root (--root or SYNETUNE_FOLDER)");
}

std::vector<ExperimentResult> list_experiments(const fs::path& root_in) {
  const fs::path root = root_in.empty() ? default_output_root() : root_in;
  std::vector<ExperimentResult> out;
  std::vector<std::pair<fs::path, int>> stack{{root, 0}};
  while (!stack.empty()) {
    auto [dir, depth] = stack.back();
    stack.pop_back();
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
      if (!e.is_directory(ec)) continue;
      if (is_experiment_folder(e.path())) {
        // A corrupt folder is listed with the reason: hiding it would hide the problem.
        try {
          out.push_back(load_experiment_folder(e.path()));
        } catch (const std::exception& err) {
          out.emplace_back();
          out.back().path = e.path();
          out.back().error = reason_of(err);
        }
        out.back().name = fs::relative(e.path(), root, ec).string();
      } else if (depth + 1 < 3) {
        stack.emplace_back(e.path(), depth + 1);
      }
    }
  }
  std::sort(out.begin(), out.end(), [](const ExperimentResult& a, const ExperimentResult& b) {
    double ta = a.creation_timestamp(), tb = b.creation_timestamp();
    return ta != tb ? ta < tb : a.name < b.name;
  });
  return out;
}

std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string cell;
  bool quoted = false, any = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') cell += '"', ++i;
      else if (c == '"') quoted = false;
      else cell += c;
    } else if (c == '"') {
      quoted = any = true;
    } else if (c == ',') {
      row.push_back(std::move(cell));
      cell.clear();
      any = true;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      if (any || !cell.empty()) {
        row.push_back(std::move(cell));
        rows.push_back(std::move(row));
      }
      cell.clear();
      row.clear();
      any = false;
    } else {
      cell += c;
      any = true;
    }
  }
  if (any || !cell.empty()) {
    row.push_back(std::move(cell));
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace synetune
