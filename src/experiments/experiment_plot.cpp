#include "synetune/experiments/experiment_plot.hpp"

#include <stdlib.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "synetune/core/error.hpp"
#include "synetune/tuner/journal.hpp"

namespace synetune {
namespace fs = std::filesystem;
namespace {

// gnuplot single-quoted string: only ' needs escaping (doubled).
std::string gp_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}

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

}  // namespace

fs::path write_plot_files(const std::vector<ExperimentResult>& experiments, const PlotOptions& opt,
                          const fs::path& dir) {
  if (experiments.empty()) throw InvalidArgument("plot: give at least one experiment");
  std::string metric = opt.metric;
  if (metric.empty()) {
    auto names = experiments[0].metric_names();
    if (names.empty())
      throw InvalidArgument("plot: experiment " + experiments[0].name + " has no metric yet; pass --metric");
    metric = names[0];
  }
  std::vector<Series> series;
  std::size_t points = 0;
  for (std::size_t k = 0; k < experiments.size(); ++k) {
    const auto& e = experiments[k];
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
    points += s.best.size();
    std::ofstream best(dir / ("best_" + std::to_string(k) + ".dat"));
    best << "# st_tuner_time best_" << metric << "\n";
    for (const auto& [t, v] : s.best) best << num(t) << ' ' << num(v) << '\n';
    if (opt.trials) {
      std::ofstream tr(dir / ("trials_" + std::to_string(k) + ".dat"));
      std::ofstream st(dir / ("stops_" + std::to_string(k) + ".dat"));
      tr << "# st_tuner_time " << metric << " trial_id (one block per trial)\n";
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
    }
    series.push_back(std::move(s));
  }
  if (points == 0) throw InvalidArgument("plot: no result reports metric '" + metric + "' yet");

  std::ostringstream gp;
  const int panels = opt.trials ? static_cast<int>(experiments.size()) : 1;
  gp << "set terminal " << opt.terminal << " size " << opt.width << ',' << opt.height * panels
     << " noenhanced\n"
     << "set output " << gp_quote(fs::absolute(opt.output).string()) << "\n"
     << "set grid\nset key top right box opaque\n"
     << "set xlabel 'st_tuner_time (s)'\nset ylabel " << gp_quote(metric) << "\n";
  const std::string ddir = fs::absolute(dir).string() + "/";
  if (!opt.trials) {
    gp << "set title " << gp_quote(experiments.size() == 1 ? "Best result over time " + experiments[0].name
                                                           : "Best result over time (" + metric + ")")
       << "\nplot ";
    bool first = true;
    for (std::size_t k = 0; k < series.size(); ++k) {
      if (series[k].best.empty()) continue;  // nothing reported yet: no line, no gnuplot error
      gp << (first ? "" : ", \\\n     ") << gp_quote(ddir + "best_" + std::to_string(k) + ".dat")
         << " using 1:2 with steps lw 2 title " << gp_quote(series[k].exp->name);
      first = false;
    }
    gp << "\n";
  } else {
    if (panels > 1) gp << "set multiplot layout " << panels << ",1\n";
    for (std::size_t k = 0; k < series.size(); ++k) {
      const auto& s = series[k];
      gp << "set title " << gp_quote("Trials over time " + s.exp->name) << "\nplot ";
      const std::string kk = std::to_string(k);
      if (s.best.empty()) {  // an empty panel keeps the layout
        gp << "NaN notitle\n";
        continue;
      }
      gp << gp_quote(ddir + "trials_" + kk + ".dat") << " using 1:2:3 with linespoints lc variable lw 1 pt 7 ps 0.4 notitle, \\\n"
         << "     " << gp_quote(ddir + "best_" + kk + ".dat")
         << " using 1:2 with steps lc rgb 'black' lw 3 title 'best so far'";
      if (s.stops > 0)
        gp << ", \\\n     " << gp_quote(ddir + "stops_" + kk + ".dat")
           << " using 1:2 with points pt 2 ps 1.5 lw 2 lc rgb 'red' title 'stopped'";
      gp << "\n";
    }
    if (panels > 1) gp << "unset multiplot\n";
  }
  const fs::path script = dir / "plot.gp";
  std::ofstream(script) << gp.str();
  return script;
}

bool gnuplot_on_path() { return std::system("command -v gnuplot >/dev/null 2>&1") == 0; }

void plot_experiments(const std::vector<ExperimentResult>& experiments, PlotOptions opt) {
  if (opt.output.empty()) throw InvalidArgument("plot: give the output file with -o FILE.png");
  if (!gnuplot_on_path())
    throw Error("plot: gnuplot is not installed (or not on PATH); install it, e.g. "
                "`apt-get install gnuplot-nox`, or plot from Python with "
                "syne_tune.experiments.load_experiment(name).plot()");
  std::error_code ec;
  const fs::path parent = fs::absolute(opt.output).parent_path();
  if (!fs::is_directory(parent, ec))
    throw InvalidArgument("plot: the folder of the output file " + opt.output.string() + " does not exist");
  // Debian's gnuplot-nox has pngcairo; minimal builds only the libgd `png` terminal.
  if (opt.terminal == "pngcairo" && std::system("gnuplot -e 'set terminal pngcairo' >/dev/null 2>&1") != 0)
    opt.terminal = "png";
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
  const fs::path script = write_plot_files(experiments, opt, dir);
  fs::remove(opt.output, ec);
  const std::string cmd = "gnuplot " + shell_quote(script.string()) + " >" +
                          shell_quote((dir / "gnuplot.log").string()) + " 2>&1";
  const int rc = std::system(cmd.c_str());
  if (rc != 0 || !fs::exists(opt.output, ec)) {
    std::ifstream log(dir / "gnuplot.log");
    std::stringstream ss;
    ss << log.rdbuf();
    throw Error("plot: gnuplot failed (exit " + std::to_string(rc) + "): " + ss.str());
  }
}

}  // namespace synetune
