#include "experiments/benchmark_report.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <sstream>

#include "experiments/gnuplot.hpp"

namespace synetune {
namespace fs = std::filesystem;
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr int kGridPoints = 200;

std::string fmt(double v) {
  if (std::isnan(v)) return "nan";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

// A plain file name (gnuplot::is_plain_file_name) for the benchmark's plot files; the
// benchmark may be any folder path.
std::string file_stem(const std::string& benchmark) {
  std::string s = fs::path(benchmark).filename().string().substr(0, 100);
  for (char& c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') c = '_';
  if (s.empty() || s[0] == '-') s = "benchmark" + s;
  return s;
}

// A cell of the markdown table: one line, no column separator.
std::string md_cell(const std::string& s) {
  std::string out;
  for (char c : gnuplot::one_line(s)) out += c == '|' ? std::string("\\|") : std::string(1, c);
  return out;
}

// A CSV cell, quoted when needed (RFC 4180).
std::string csv_cell(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

struct Band {
  std::vector<double> t, median, q25, q75;
};

Band band_of(const std::vector<const RunCurve*>& runs, double horizon) {
  Band b;
  for (int i = 0; i <= kGridPoints; ++i) {
    const double t = horizon * i / kGridPoints;
    std::vector<double> v;
    for (const RunCurve* r : runs)
      if (double x = curve_value_at(*r, t); !std::isnan(x)) v.push_back(x);
    // Plot only where at least half of the seeds have a value (Syne Tune cuts at the
    // latest first time; this is the median's own definition domain).
    if (v.empty() || 2 * v.size() < runs.size()) continue;
    b.t.push_back(t);
    b.median.push_back(quantile(v, 0.5));
    b.q25.push_back(quantile(v, 0.25));
    b.q75.push_back(quantile(v, 0.75));
  }
  return b;
}

}  // namespace

double curve_value_at(const RunCurve& run, double t) {
  auto it = std::upper_bound(run.time.begin(), run.time.end(), t);
  if (it == run.time.begin()) return kNaN;
  return run.value[static_cast<std::size_t>(it - run.time.begin()) - 1];
}

double quantile(std::vector<double> v, double q) {
  if (v.empty()) return kNaN;
  std::sort(v.begin(), v.end());
  const double pos = q * static_cast<double>(v.size() - 1);
  const std::size_t lo = static_cast<std::size_t>(std::floor(pos));
  const std::size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (pos - static_cast<double>(lo)) * (v[hi] - v[lo]);
}

namespace {

using RunIndex = std::map<std::pair<std::string, std::string>, std::vector<const RunCurve*>>;

// Mean rank of each method among the methods on the same (benchmark, seed); NaN (failed run)
// ranks last, ties share.
std::map<std::string, double> mean_ranks(const BenchmarkReport& report, const std::vector<std::string>& benchmarks,
                                         const std::vector<bool>& smaller_better) {
  std::map<std::pair<std::string, std::uint64_t>, std::vector<const RunCurve*>> by_bs;
  for (const auto& r : report.runs) by_bs[{r.benchmark, r.seed}].push_back(&r);
  std::map<std::string, double> rank_sum;
  std::map<std::string, int> rank_n;
  for (const auto& [key, runs] : by_bs) {
    const std::size_t bi = std::find(benchmarks.begin(), benchmarks.end(), key.first) - benchmarks.begin();
    const double sign = bi < smaller_better.size() && !smaller_better[bi] ? -1.0 : 1.0;
    auto score = [&](const RunCurve* r) {
      return std::isnan(r->final_value) ? std::numeric_limits<double>::infinity() : sign * r->final_value;
    };
    for (const RunCurve* r : runs) {
      double better = 0, equal = 0;
      for (const RunCurve* o : runs) {
        if (o == r) continue;
        if (score(o) < score(r)) ++better;
        else if (score(o) == score(r)) ++equal;
      }
      rank_sum[r->method] += 1.0 + better + equal / 2.0;
      ++rank_n[r->method];
    }
  }
  for (auto& [m, sum] : rank_sum) sum /= rank_n[m];
  return rank_sum;
}

std::string summary_markdown(const BenchmarkReport& report, RunIndex& by_bm,
                             const std::vector<std::string>& methods, const std::vector<std::string>& benchmarks,
                             const std::vector<std::string>& value_labels, const std::vector<bool>& smaller_better) {
  auto ranks = mean_ranks(report, benchmarks, smaller_better);
  std::ostringstream md;
  md << "# Benchmark summary\n\n"
     << "Final value of each run (median [25%, 75%] over seeds). Normalized regret = (value - best) / "
        "(worst - best), best and worst taken over every configuration, seed and epoch of the table, so "
        "0 is the best value anywhere in the table and 1 the worst; regret (analytic benchmarks) = value - "
        "known optimum. Rank: mean over benchmarks and seeds of the method's rank on the same benchmark "
        "and seed (1 = best).\n\n"
     << "| method |";
  for (std::size_t b = 0; b < benchmarks.size(); ++b)
    md << " " << md_cell(benchmarks[b]) << " (" << md_cell(value_labels[b]) << ") |";
  md << " mean rank |\n|---|";
  for (std::size_t b = 0; b < benchmarks.size(); ++b) md << "---|";
  md << "---|\n";
  for (const auto& m : methods) {
    md << "| " << md_cell(m) << " |";
    for (const auto& b : benchmarks) {
      std::vector<double> finals;
      for (const RunCurve* r : by_bm[{b, m}])
        if (!std::isnan(r->final_value)) finals.push_back(r->final_value);
      md << " " << fmt(quantile(finals, 0.5)) << " [" << fmt(quantile(finals, 0.25)) << ", "
         << fmt(quantile(finals, 0.75)) << "] |";
    }
    md << " " << fmt(ranks.count(m) ? ranks[m] : kNaN) << " |\n";
  }
  std::size_t failed = 0;
  for (const auto& r : report.runs) failed += !r.error.empty();
  if (failed) md << "\n" << failed << " run(s) failed; see the log.\n";
  return md.str();
}

// One benchmark's plot: <stem>.dat (one block per method) and <stem>.gp in `dir`, drawn by
// gnuplot running in `dir`. Names reach the script only through gnuplot::quote; the script
// names its files by `stem`, a plain file name. Returns the PNG, or empty if gnuplot failed.
fs::path plot_benchmark(const fs::path& gnuplot_exe, const fs::path& dir, const std::string& stem,
                        const std::string& title, const std::string& ylabel,
                        const std::vector<std::string>& methods, const std::vector<Band>& bands,
                        bool smaller_better) {
  using gnuplot::quote;
  std::ofstream dat(dir / (stem + ".dat"));
  bool positive = true;
  for (std::size_t mi = 0; mi < methods.size(); ++mi) {
    dat << "# " << gnuplot::one_line(methods[mi]) << "\n";
    for (std::size_t i = 0; i < bands[mi].t.size(); ++i) {
      dat << bands[mi].t[i] << " " << bands[mi].median[i] << " " << bands[mi].q25[i] << " " << bands[mi].q75[i] << "\n";
      positive &= bands[mi].q25[i] > 0;
    }
    if (bands[mi].t.empty()) dat << "nan nan nan nan\n";  // keeps gnuplot's index numbering
    dat << "\n\n";
  }
  dat.close();
  std::ofstream gp(dir / (stem + ".gp"));
  gp << "set terminal pngcairo size 900,600 noenhanced\n"
     << "set output " << quote(stem + ".png") << "\n"
     << "set title " << quote(title + ": median and interquartile range over seeds") << "\n"
     << "set xlabel 'simulated time (s)'\n"
     << "set ylabel " << quote(ylabel) << "\n"
     << "set key outside right\nset grid\n"
     << (positive && smaller_better ? "set logscale y\n" : "") << "plot ";
  // One clause per method, so each title is its own quoted literal.
  for (std::size_t i = 0; i < methods.size(); ++i)
    gp << quote(stem + ".dat") << " index " << i << " using 1:3:4 with filledcurves fs transparent solid 0.2 lc "
       << i + 1 << " notitle, \\\n     ";
  for (std::size_t i = 0; i < methods.size(); ++i)
    gp << quote(stem + ".dat") << " index " << i << " using 1:2 with lines lw 2 lc " << i + 1 << " title "
       << quote(methods[i]) << (i + 1 < methods.size() ? ", \\\n     " : "\n");
  gp.close();
  const gnuplot::RunResult r = gnuplot::run_script(gnuplot_exe, dir, stem + ".gp");
  std::error_code ec;
  if (r.exit_code == 0 && fs::exists(dir / (stem + ".png"), ec)) return dir / (stem + ".png");
  std::fprintf(stderr, "[synetune] gnuplot failed on %s.gp: %s\n", stem.c_str(), r.log.c_str());
  return {};
}

}  // namespace

void write_benchmark_report(const fs::path& dir, const std::vector<std::string>& methods,
                            const std::vector<std::string>& benchmarks,
                            const std::vector<std::string>& value_labels,
                            const std::vector<bool>& smaller_better, double horizon, bool plot,
                            BenchmarkReport& report) {
  fs::create_directories(dir);
  RunIndex by_bm;
  for (const auto& r : report.runs) by_bm[{r.benchmark, r.method}].push_back(&r);
  report.markdown = summary_markdown(report, by_bm, methods, benchmarks, value_labels, smaller_better);
  std::ofstream(dir / "summary.md") << report.markdown;

  const fs::path gnuplot_exe = plot ? gnuplot::find_executable() : fs::path();
  if (plot && gnuplot_exe.empty())
    std::fprintf(stderr, "[synetune] gnuplot not found: no plots (install gnuplot-nox)\n");
  std::ofstream csv(dir / "curves.csv");
  csv << "benchmark,method,time,median,q25,q75\n";
  std::set<std::string> stems;
  for (std::size_t bi = 0; bi < benchmarks.size(); ++bi) {
    const std::string& b = benchmarks[bi];
    std::vector<Band> bands;
    for (const auto& m : methods) {
      bands.push_back(band_of(by_bm[{b, m}], horizon));
      const Band& band = bands.back();
      for (std::size_t i = 0; i < band.t.size(); ++i)
        csv << csv_cell(b) << "," << csv_cell(m) << "," << band.t[i] << "," << band.median[i] << ","
            << band.q25[i] << "," << band.q75[i] << "\n";
    }
    if (gnuplot_exe.empty()) continue;
    // Two folders with the same name (a/x, b/x) must not overwrite each other's plot.
    std::string stem = file_stem(b);
    for (int n = 2; !stems.insert(stem).second; ++n) stem = file_stem(b) + "_" + std::to_string(n);
    const fs::path png = plot_benchmark(gnuplot_exe, dir, stem, b, value_labels[bi], methods, bands,
                                        smaller_better[bi]);
    if (!png.empty()) report.plots.push_back(png);
  }
}

}  // namespace synetune
