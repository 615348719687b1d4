#include "experiments/benchmark_report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>

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

std::string file_stem(const std::string& benchmark) {
  std::string s = fs::path(benchmark).filename().string();
  if (s.empty()) s = "benchmark";
  for (char& c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') c = '_';
  return s;
}

// Single-quoted for /bin/sh.
std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
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

bool gnuplot_available() { return std::system("command -v gnuplot >/dev/null 2>&1") == 0; }

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

void write_benchmark_report(const fs::path& dir, const std::vector<std::string>& methods,
                            const std::vector<std::string>& benchmarks,
                            const std::vector<std::string>& value_labels,
                            const std::vector<bool>& smaller_better, double horizon, bool plot,
                            BenchmarkReport& report) {
  fs::create_directories(dir);
  // Index runs by (benchmark, method) and (benchmark, seed).
  std::map<std::pair<std::string, std::string>, std::vector<const RunCurve*>> by_bm;
  std::map<std::pair<std::string, std::uint64_t>, std::vector<const RunCurve*>> by_bs;
  for (const auto& r : report.runs) {
    by_bm[{r.benchmark, r.method}].push_back(&r);
    by_bs[{r.benchmark, r.seed}].push_back(&r);
  }

  // Ranks among methods per (benchmark, seed); NaN (failed run) ranks last, ties share.
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

  std::ostringstream md;
  md << "# Benchmark summary\n\n"
     << "Final value of each run (median [25%, 75%] over seeds); regrets are normalized by the "
        "range of the table at the largest fidelity (0 = best configuration). Rank: mean over "
        "benchmarks and seeds of the method's rank on the same benchmark and seed (1 = best).\n\n"
     << "| method |";
  for (std::size_t b = 0; b < benchmarks.size(); ++b)
    md << " " << benchmarks[b] << " (" << value_labels[b] << ") |";
  md << " mean rank |\n|---|";
  for (std::size_t b = 0; b < benchmarks.size(); ++b) md << "---|";
  md << "---|\n";
  for (const auto& m : methods) {
    md << "| " << m << " |";
    for (const auto& b : benchmarks) {
      std::vector<double> finals;
      for (const RunCurve* r : by_bm[{b, m}])
        if (!std::isnan(r->final_value)) finals.push_back(r->final_value);
      md << " " << fmt(quantile(finals, 0.5)) << " [" << fmt(quantile(finals, 0.25)) << ", "
         << fmt(quantile(finals, 0.75)) << "] |";
    }
    md << " " << fmt(rank_n[m] ? rank_sum[m] / rank_n[m] : kNaN) << " |\n";
  }
  std::size_t failed = 0;
  for (const auto& r : report.runs) failed += !r.error.empty();
  if (failed) md << "\n" << failed << " run(s) failed; see the log.\n";
  report.markdown = md.str();
  std::ofstream(dir / "summary.md") << report.markdown;

  std::ofstream csv(dir / "curves.csv");
  csv << "benchmark,method,time,median,q25,q75\n";
  for (std::size_t bi = 0; bi < benchmarks.size(); ++bi) {
    const std::string& b = benchmarks[bi];
    std::vector<Band> bands;
    for (const auto& m : methods) {
      bands.push_back(band_of(by_bm[{b, m}], horizon));
      const Band& band = bands.back();
      for (std::size_t i = 0; i < band.t.size(); ++i)
        csv << b << "," << m << "," << band.t[i] << "," << band.median[i] << "," << band.q25[i]
            << "," << band.q75[i] << "\n";
    }
    if (!plot) continue;
    const std::string stem = file_stem(b);
    std::ofstream dat(dir / (stem + ".dat"));
    bool positive = true;
    for (std::size_t mi = 0; mi < methods.size(); ++mi) {
      dat << "# " << methods[mi] << "\n";
      for (std::size_t i = 0; i < bands[mi].t.size(); ++i) {
        dat << bands[mi].t[i] << " " << bands[mi].median[i] << " " << bands[mi].q25[i] << " "
            << bands[mi].q75[i] << "\n";
        positive &= bands[mi].q25[i] > 0;
      }
      if (bands[mi].t.empty()) dat << "nan nan nan nan\n";  // keeps gnuplot's index numbering
      dat << "\n\n";
    }
    std::string words;
    for (const auto& m : methods) words += (words.empty() ? "" : " ") + m;
    std::ofstream gp(dir / (stem + ".gp"));
    gp << "set terminal pngcairo size 900,600 noenhanced\n"
       << "set output '" << stem << ".png'\n"
       << "set title '" << b << ": median and interquartile range over seeds'\n"
       << "set xlabel 'simulated time (s)'\n"
       << "set ylabel '" << value_labels[bi] << "'\n"
       << "set key outside right\nset grid\n"
       << (positive && smaller_better[bi] ? "set logscale y\n" : "")
       << "methods = '" << words << "'\n"
       << "plot for [i=0:" << methods.size() - 1 << "] '" << stem
       << ".dat' index i using 1:3:4 with filledcurves fs transparent solid 0.2 lc i+1 notitle, \\\n"
       << "     for [i=0:" << methods.size() - 1 << "] '" << stem
       << ".dat' index i using 1:2 with lines lw 2 lc i+1 title word(methods, i+1)\n";
    gp.close();
    dat.close();
    if (!gnuplot_available()) {
      if (bi == 0) std::fprintf(stderr, "[synetune] gnuplot not found: no plots (install gnuplot-nox)\n");
      continue;
    }
    const std::string cmd = "cd " + shell_quote(dir.string()) + " && gnuplot " +
                            shell_quote(stem + ".gp") + " 2>&1";
    if (std::system(cmd.c_str()) == 0) report.plots.push_back(dir / (stem + ".png"));
  }
}

}  // namespace synetune
