#include "synetune/experiments/experiment_plot.hpp"

#include <stdlib.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "experiments/gnuplot.hpp"
#include "synetune/core/error.hpp"
#include "synetune/tuner/journal.hpp"

namespace synetune {
namespace fs = std::filesystem;
namespace {

// Names inside the temporary folder: plain, fixed, never derived from outside text.
constexpr const char* kScript = "plot.gp";
constexpr const char* kImage = "plot.png";

std::string num(double v) {
  std::string s;
  append_number(s, v);
  return s;
}

struct Series {
  const ExperimentResult* exp;
  Mode mode;
  std::vector<std::pair<double, double>> best;
  std::size_t stops = 0;
};

std::string plot_metric(const std::vector<ExperimentResult>& experiments, const PlotOptions& opt) {
  if (experiments.empty()) throw InvalidArgument("plot: give at least one experiment");
  if (!opt.metric.empty()) return opt.metric;
  auto names = experiments[0].metric_names();
  if (names.empty())
    throw InvalidArgument("plot: experiment " + experiments[0].name + " has no metric yet; pass --metric");
  return names[0];
}

// Best-so-far of experiment k into best_<k>.dat, and with `trials` each trial's curve into
// trials_<k>.dat and the stopped points into stops_<k>.dat. Outside text (the metric name)
// only appears in `#` comments, on one line.
Series write_series(const ExperimentResult& e, std::size_t k, const std::string& metric, bool trials,
                    const fs::path& dir) {
  // The mode is the experiment's own; a metric it does not tune (e.g. a logged one) is min.
  Mode mode = Mode::kMin;
  auto names = e.metric_names();
  bool known = false;
  for (std::size_t i = 0; i < names.size(); ++i)
    if (names[i] == metric) mode = e.metric_mode(i), known = true;
  Series s{&e, mode, e.best_so_far(metric, mode), 0};
  if (!known && s.best.empty()) e.metric_index(metric);  // throws, naming the metrics
  if (!s.best.empty() && e.tuner_time_used > s.best.back().first)
    s.best.emplace_back(e.tuner_time_used, s.best.back().second);  // line reaches "now"
  const std::string kk = std::to_string(k);
  std::ofstream best(dir / ("best_" + kk + ".dat"));
  best << "# st_tuner_time best_" << gnuplot::one_line(metric) << "\n";
  for (const auto& [t, v] : s.best) best << num(t) << ' ' << num(v) << '\n';
  if (!trials) return s;
  std::ofstream tr(dir / ("trials_" + kk + ".dat"));
  std::ofstream st(dir / ("stops_" + kk + ".dat"));
  tr << "# st_tuner_time " << gnuplot::one_line(metric) << " trial_id (one block per trial)\n";
  for (const auto& t : e.trials) {
    bool any = false;
    for (const auto& row : e.results) {
      if (row.trial_id != t.trial_id) continue;
      double v = row.get(metric);
      if (std::isnan(v)) continue;
      tr << num(row.tuner_time) << ' ' << num(v) << ' ' << t.trial_id << '\n';
      any = true;
      if (row.decision == Decision::kStop) st << num(row.tuner_time) << ' ' << num(v) << '\n', ++s.stops;
    }
    if (any) tr << '\n';  // a blank line breaks the line between trials
  }
  return s;
}

// The script: every outside string through gnuplot::quote, files by their fixed names.
std::string plot_script(const std::vector<Series>& series, const std::string& metric, const PlotOptions& opt) {
  using gnuplot::quote;
  std::ostringstream gp;
  const int panels = opt.trials ? static_cast<int>(series.size()) : 1;
  gp << "set terminal " << opt.terminal << " size " << opt.width << ',' << opt.height * panels
     << " noenhanced\nset output " << quote(kImage) << "\nset grid\nset key top right box opaque\n"
     << "set xlabel 'st_tuner_time (s)'\nset ylabel " << quote(metric) << "\n";
  if (!opt.trials) {
    gp << "set title " << quote(series.size() == 1 ? "Best result over time " + series[0].exp->name
                                                   : "Best result over time (" + metric + ")")
       << "\nplot ";
    bool first = true;
    for (std::size_t k = 0; k < series.size(); ++k) {
      if (series[k].best.empty()) continue;  // nothing reported yet: no line, no gnuplot error
      gp << (first ? "" : ", \\\n     ") << quote("best_" + std::to_string(k) + ".dat")
         << " using 1:2 with steps lw 2 title " << quote(series[k].exp->name);
      first = false;
    }
    gp << "\n";
    return gp.str();
  }
  if (panels > 1) gp << "set multiplot layout " << panels << ",1\n";
  for (std::size_t k = 0; k < series.size(); ++k) {
    const auto& s = series[k];
    gp << "set title " << quote("Trials over time " + s.exp->name) << "\nplot ";
    const std::string kk = std::to_string(k);
    if (s.best.empty()) {  // an empty panel keeps the layout
      gp << "NaN notitle\n";
      continue;
    }
    gp << quote("trials_" + kk + ".dat") << " using 1:2:3 with linespoints lc variable lw 1 pt 7 ps 0.4 notitle, \\\n"
       << "     " << quote("best_" + kk + ".dat") << " using 1:2 with steps lc rgb 'black' lw 3 title 'best so far'";
    if (s.stops > 0)
      gp << ", \\\n     " << quote("stops_" + kk + ".dat")
         << " using 1:2 with points pt 2 ps 1.5 lw 2 lc rgb 'red' title 'stopped'";
    gp << "\n";
  }
  if (panels > 1) gp << "unset multiplot\n";
  return gp.str();
}

// Only known terminals: the name is written into the script unquoted.
void check_terminal(const PlotOptions& opt) {
  if (opt.terminal != "pngcairo" && opt.terminal != "png")
    throw InvalidArgument("plot: terminal '" + gnuplot::one_line(opt.terminal) + "' is not supported; use pngcairo or png");
}

}  // namespace

fs::path write_plot_files(const std::vector<ExperimentResult>& experiments, const PlotOptions& opt,
                          const fs::path& dir) {
  check_terminal(opt);
  const std::string metric = plot_metric(experiments, opt);
  std::vector<Series> series;
  std::size_t points = 0;
  for (std::size_t k = 0; k < experiments.size(); ++k) {
    series.push_back(write_series(experiments[k], k, metric, opt.trials, dir));
    points += series.back().best.size();
  }
  if (points == 0)
    throw InvalidArgument("plot: no result reports metric '" + gnuplot::one_line(metric) + "' yet");
  const fs::path script = dir / kScript;
  std::ofstream(script) << plot_script(series, metric, opt);
  return script;
}

bool gnuplot_on_path() { return !gnuplot::find_executable().empty(); }

void plot_experiments(const std::vector<ExperimentResult>& experiments, PlotOptions opt) {
  if (opt.output.empty()) throw InvalidArgument("plot: give the output file with -o FILE.png");
  check_terminal(opt);
  const fs::path exe = gnuplot::find_executable();
  if (exe.empty())
    throw Error("plot: gnuplot is not installed (or not on PATH); install it, e.g. "
                "`apt-get install gnuplot-nox`, or plot from Python with "
                "syne_tune.experiments.load_experiment(name).plot()");
  std::error_code ec;
  const fs::path output = fs::absolute(opt.output);
  if (!fs::is_directory(output.parent_path(), ec))
    throw InvalidArgument("plot: the folder of the output file " + opt.output.string() + " does not exist");
  std::string templ = (fs::temp_directory_path() / "synetune-plot-XXXXXX").string();
  if (!::mkdtemp(templ.data())) throw StorageError("plot: cannot create a temporary folder");
  const fs::path dir = templ;
  struct Cleanup {
    fs::path d;
    ~Cleanup() {
      std::error_code e;
      fs::remove_all(d, e);
    }
  } cleanup{dir};
  // Debian's gnuplot-nox has pngcairo; minimal builds only the libgd `png` terminal.
  if (opt.terminal == "pngcairo" && !gnuplot::has_terminal(exe, dir, "pngcairo")) opt.terminal = "png";
  write_plot_files(experiments, opt, dir);
  // gnuplot writes plot.png in the temporary folder; the output path never enters the script.
  const gnuplot::RunResult r = gnuplot::run_script(exe, dir, kScript);
  if (r.exit_code != 0 || !fs::exists(dir / kImage, ec))
    throw Error("plot: gnuplot failed (exit " + std::to_string(r.exit_code) + "): " + r.log);
  gnuplot::move_file(dir / kImage, output);
}

}  // namespace synetune
