#include "synetune/experiments/experiment_summary.hpp"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <map>
#include <sstream>

#include "synetune/tuner/journal.hpp"

namespace synetune {
namespace {

std::string num(double v) {
  if (std::isnan(v)) return "-";
  // Shortest round trip, but no 17-digit noise in a summary.
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

std::string duration(double s) {
  char buf[64];
  if (s < 120) std::snprintf(buf, sizeof buf, "%.1f s", s);
  else if (s < 7200) std::snprintf(buf, sizeof buf, "%.1f min (%.0f s)", s / 60, s);
  else std::snprintf(buf, sizeof buf, "%.2f h (%.0f s)", s / 3600, s);
  return buf;
}

std::string json_value(const Json& v) { return v.is_string() ? v.get<std::string>() : dump_json_python(v); }

std::string key_values(const Json& obj) {
  std::string out;
  for (auto it = obj.begin(); it != obj.end(); ++it)
    out += (out.empty() ? "" : ", ") + it.key() + "=" + json_value(it.value());
  return out.empty() ? "{}" : out;
}

std::string pad(std::string s, std::size_t w) {
  if (s.size() < w) s.append(w - s.size(), ' ');
  return s;
}

}  // namespace

std::string format_utc(double unix_time) {
  std::time_t t = static_cast<std::time_t>(unix_time);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

std::string experiment_summary(const ExperimentResult& r, double now) {
  std::ostringstream o;
  const Json& md = r.metadata;
  o << "Experiment:  " << r.name << "\n"
    << "Path:        " << r.path.string() << "\n"
    << "Status:      " << r.status_string(now) << "\n"
    << "Created:     " << format_utc(r.creation_timestamp()) << " UTC\n";
  if (md.contains("entrypoint")) o << "Entry point: " << json_value(md["entrypoint"]) << "\n";
  if (md.contains("scheduler_name") || md.contains("backend"))
    o << "Method:      " << (md.contains("scheduler_name") ? json_value(md["scheduler_name"]) : "?") << " on "
      << (md.contains("backend") ? json_value(md["backend"]) : "?") << "\n";
  auto names = r.metric_names();
  if (!names.empty()) {
    o << "Metric:      ";
    for (std::size_t i = 0; i < names.size(); ++i)
      o << (i ? ", " : "") << names[i] << " (" << to_string(r.metric_mode(i)) << ")";
    o << "\n";
  }
  std::map<std::string, int> by_status;
  for (const auto& t : r.trials) ++by_status[to_string(t.status)];
  o << "Trials:      " << r.trials.size();
  if (!by_status.empty()) {
    o << " (";
    bool first = true;
    for (const auto& [s, n] : by_status) o << (first ? "" : ", ") << s << ": " << n, first = false;
    o << ")";
  }
  o << "\nResults:     " << r.results.size() << (r.from_journal ? " (journal)" : " (results.csv.zip)") << "\n"
    << "Time used:   " << duration(r.tuner_time_used) << " of tuner time\n";
  auto bests = r.best_trial_per_metric();
  for (std::size_t i = 0; i < bests.size(); ++i) {
    if (!bests[i]) {
      o << "Best " << names[i] << ": no result yet\n";
      continue;
    }
    const auto& b = *bests[i];
    o << "Best " << b.metric << ": " << num(b.value) << " (trial " << b.trial_id << ", at "
      << num(b.tuner_time) << " s)\n"
      << "Best config: " << key_values(b.config) << "\n";
  }
  int shown = 0;
  for (const auto& t : r.trials)
    if (t.status == TrialStatus::kFailed && shown++ < 5)
      o << "Failed:      trial " << t.trial_id << ": " << (t.reason.empty() ? "(no reason)" : t.reason) << "\n";
  Json user = r.user_metadata();
  if (!user.empty()) {
    o << "Metadata:    " << key_values(user) << "\n";
  }
  if (r.skipped_journal_lines > 0)
    o << "Note:        " << r.skipped_journal_lines << " malformed journal line(s) ignored\n";
  return o.str();
}

std::string experiment_table(const std::vector<ExperimentResult>& exps, double now) {
  std::vector<std::vector<std::string>> rows{{"NAME", "STATUS", "TRIALS", "BEST", "CREATED (UTC)"}};
  for (const auto& e : exps) {
    if (!e.error.empty()) {  // the reason is the rest of the line (it does not widen the columns)
      std::string reason = e.error;
      for (char& c : reason)
        if (static_cast<unsigned char>(c) < 0x20) c = ' ';  // one line per experiment
      rows.push_back({e.name, "unreadable: " + reason});
      continue;
    }
    std::string best = "-";
    auto names = e.metric_names();
    if (!names.empty())
      if (auto b = e.best_config(0)) best = names[0] + "=" + num(b->value) + " (" + to_string(b->mode) + ")";
    rows.push_back({e.name, e.status_string(now), std::to_string(e.trials.size()), best,
                    format_utc(e.creation_timestamp())});
  }
  std::vector<std::size_t> w(rows[0].size(), 0);
  for (const auto& row : rows)
    for (std::size_t c = 0; c < row.size(); ++c)
      if (row.size() == w.size()) w[c] = std::max(w[c], row[c].size());
  w[0] = std::max(w[0], std::max_element(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
                          return a[0].size() < b[0].size();
                        })->at(0).size());
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t c = 0; c < row.size(); ++c) line += (c ? "  " : "") + pad(row[c], c + 1 < row.size() ? w[c] : 0);
    out += line + "\n";
  }
  return out;
}

}  // namespace synetune
