// Reads a table folder: space.json, configs.csv, curves.csv or curves.csv.gz (zlib).
#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string_view>
#include <unordered_map>

#include "blackboxes/tabulated_blackbox.hpp"
#include "synetune/core/error.hpp"

namespace synetune {
namespace fs = std::filesystem;
namespace {

// Whole file, gunzipped if compressed (gzread passes plain files through).
std::string read_file(const fs::path& p) {
  gzFile f = gzopen(p.string().c_str(), "rb");
  if (!f) throw InvalidArgument("cannot open '" + p.string() + "'");
  std::string out;
  char buf[1 << 16];
  int n;
  while ((n = gzread(f, buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
  const bool failed = n < 0;
  gzclose(f);
  if (failed) throw InvalidArgument("cannot read '" + p.string() + "' (corrupt gzip?)");
  return out;
}

// Splits CSV text into rows of cells; handles "quoted, cells" with "" escapes.
std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string cell;
  bool quoted = false, any = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') cell += '"', ++i;
      else if (c == '"') quoted = false;
      else cell += c;
    } else if (c == '"') {
      quoted = true, any = true;
    } else if (c == ',') {
      row.push_back(std::move(cell)), cell.clear(), any = true;
    } else if (c == '\n' || c == '\r') {
      if (any || !cell.empty()) row.push_back(std::move(cell)), rows.push_back(std::move(row));
      row.clear(), cell.clear(), any = false;
    } else {
      cell += c, any = true;
    }
  }
  if (any || !cell.empty()) row.push_back(std::move(cell)), rows.push_back(std::move(row));
  return rows;
}

double parse_number(const std::string& s, const std::string& where) {
  if (s.empty()) return std::numeric_limits<double>::quiet_NaN();
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (end == s.c_str() || *end != '\0')
    throw InvalidArgument(where + ": '" + s + "' is not a number");
  return v;
}

Json parse_cell(const TableHp& hp, const std::string& cell, const std::string& where) {
  switch (hp.kind) {
    case TableHp::Kind::kUniform:
    case TableHp::Kind::kLogUniform: return parse_number(cell, where);
    case TableHp::Kind::kRandInt:
    case TableHp::Kind::kLogRandInt:
      return static_cast<std::int64_t>(std::llround(parse_number(cell, where)));
    case TableHp::Kind::kChoice:
      for (const auto& c : hp.categories) {
        if (c.is_string() ? c.get<std::string>() == cell : c.dump() == cell) return c;
        if (c.is_number() && !cell.empty()) {
          char* end = nullptr;
          const double v = std::strtod(cell.c_str(), &end);
          if (*end == '\0' && v == c.get<double>()) return c;
        }
      }
      throw InvalidArgument(where + ": '" + cell + "' is not one of the categories of '" +
                            hp.name + "' in space.json");
  }
  return Json();
}

Json default_value(const TableHp& hp) {
  switch (hp.kind) {
    case TableHp::Kind::kUniform:
    case TableHp::Kind::kLogUniform: return hp.lower;
    case TableHp::Kind::kRandInt:
    case TableHp::Kind::kLogRandInt: return static_cast<std::int64_t>(std::llround(hp.lower));
    case TableHp::Kind::kChoice: return hp.categories.front();
  }
  return Json();
}

}  // namespace

std::shared_ptr<const Blackbox> load_tabulated_blackbox(const std::string& folder_str) {
  const fs::path folder(folder_str);
  const std::string tag = "benchmark folder '" + folder_str + "'";
  if (!fs::is_regular_file(folder / "space.json"))
    throw InvalidArgument(tag + " has no space.json");
  Json space;
  try {
    space = Json::parse(read_file(folder / "space.json"));
  } catch (const Json::exception& e) {
    throw InvalidArgument(tag + ": space.json is not valid JSON: " + e.what());
  }
  TableData d;
  d.name = space.value("name", folder.filename().string());
  if (!space.contains("hyperparameters") || !space["hyperparameters"].is_object())
    throw InvalidArgument(tag + ": space.json needs a 'hyperparameters' object");
  for (const auto& [name, spec] : space["hyperparameters"].items())
    d.hps.push_back(parse_table_hp(name, spec));
  const Json fid = space.value("fidelity", Json::object());
  d.resource_attr = fid.value("name", space.value("resource_attr", std::string("epoch")));
  d.max_resource = fid.value("upper", std::int64_t{1});
  const Json objectives = space.value("objectives", Json::object());

  // configs.csv
  const auto crows = parse_csv(read_file(folder / "configs.csv"));
  if (crows.empty() || crows[0].empty() || crows[0][0] != "config_id")
    throw InvalidArgument(tag + ": configs.csv must start with a 'config_id' column");
  std::vector<int> col_of_hp(d.hps.size(), -1);
  for (std::size_t h = 0; h < d.hps.size(); ++h)
    for (std::size_t c = 1; c < crows[0].size(); ++c)
      if (crows[0][c] == d.hps[h].name) col_of_hp[h] = static_cast<int>(c);
  for (std::size_t h = 0; h < d.hps.size(); ++h)
    if (col_of_hp[h] < 0)
      throw InvalidArgument(tag + ": configs.csv has no column for hyperparameter '" +
                            d.hps[h].name + "'");
  std::unordered_map<std::string, std::size_t> row_of_id;
  for (std::size_t r = 1; r < crows.size(); ++r) {
    const auto& row = crows[r];
    const std::string where = tag + ": configs.csv line " + std::to_string(r + 1);
    if (row.size() != crows[0].size())
      throw InvalidArgument(where + " has " + std::to_string(row.size()) + " cells, expected " +
                            std::to_string(crows[0].size()));
    Config cfg = Json::object();
    std::vector<bool> inactive(d.hps.size(), false);
    for (std::size_t h = 0; h < d.hps.size(); ++h) {
      const std::string& cell = row[col_of_hp[h]];
      inactive[h] = cell.empty();
      cfg[d.hps[h].name] = cell.empty() ? default_value(d.hps[h]) : parse_cell(d.hps[h], cell, where);
    }
    row_of_id.emplace(row[0], d.configs.size());
    d.configs.push_back(std::move(cfg));
    d.inactive.push_back(std::move(inactive));
  }

  // curves.csv(.gz)
  fs::path curves = folder / "curves.csv.gz";
  if (!fs::is_regular_file(curves)) curves = folder / "curves.csv";
  if (!fs::is_regular_file(curves))
    throw InvalidArgument(tag + " has neither curves.csv.gz nor curves.csv");
  const auto rows = parse_csv(read_file(curves));
  if (rows.empty()) throw InvalidArgument(tag + ": " + curves.filename().string() + " is empty");
  const auto& header = rows[0];
  int c_id = -1, c_seed = -1, c_fid = -1;
  std::vector<std::size_t> obj_cols;
  for (std::size_t c = 0; c < header.size(); ++c) {
    if (header[c] == "config_id") c_id = static_cast<int>(c);
    else if (header[c] == "seed") c_seed = static_cast<int>(c);
    else if (header[c] == d.resource_attr) c_fid = static_cast<int>(c);
    else {
      obj_cols.push_back(c);
      Mode m = Mode::kMin;
      if (objectives.contains(header[c])) m = parse_mode(objectives[header[c]].value("mode", "min"));
      d.objectives.push_back({header[c], m});
    }
  }
  if (c_id < 0 || c_fid < 0)
    throw InvalidArgument(tag + ": curves need 'config_id' and '" + d.resource_attr + "' columns");
  // Seeds: the list in space.json, else the distinct values in the order met.
  std::vector<std::string> seeds;
  if (c_seed >= 0) {
    for (const auto& s : space.value("seeds", Json::array())) seeds.push_back(s.dump());
    for (std::size_t r = 1; r < rows.size(); ++r)
      if (std::find(seeds.begin(), seeds.end(), rows[r][c_seed]) == seeds.end())
        seeds.push_back(rows[r][c_seed]);
  }
  d.n_seeds = seeds.empty() ? 1 : seeds.size();
  const std::string time_attr = space.value("time_attr", Json()).is_string()
                                    ? space["time_attr"].get<std::string>() : "";
  d.time_is_modelled = time_attr.empty();
  d.time_attr = d.time_is_modelled ? "elapsed_time" : time_attr;
  if (d.time_is_modelled) d.objectives.push_back({d.time_attr, Mode::kMin});
  const double sec_per_fid = space.value("seconds_per_fidelity", 1.0);
  const std::size_t no = d.objectives.size(), nf = d.max_resource, ns = d.n_seeds;
  d.values.assign(d.configs.size() * ns * nf * no, std::numeric_limits<double>::quiet_NaN());
  d.lengths.assign(d.configs.size() * ns, 0);
  for (std::size_t r = 1; r < rows.size(); ++r) {
    const auto& row = rows[r];
    const std::string where = tag + ": " + curves.filename().string() + " line " + std::to_string(r + 1);
    if (row.size() != header.size()) throw InvalidArgument(where + " has a wrong number of cells");
    auto it = row_of_id.find(row[c_id]);
    if (it == row_of_id.end())
      throw InvalidArgument(where + ": config_id " + row[c_id] + " is not in configs.csv");
    std::size_t s = 0;
    if (c_seed >= 0) s = std::find(seeds.begin(), seeds.end(), row[c_seed]) - seeds.begin();
    const double fv = parse_number(row[c_fid], where);
    if (!(fv >= 1 && fv <= static_cast<double>(nf)))
      throw InvalidArgument(where + ": " + d.resource_attr + "=" + row[c_fid] +
                            " is outside 1.." + std::to_string(nf) + " (space.json fidelity)");
    const std::size_t f = static_cast<std::size_t>(fv);
    const std::size_t cs = it->second * ns + s;
    double* out = d.values.data() + (cs * nf + f - 1) * no;
    for (std::size_t k = 0; k < obj_cols.size(); ++k) out[k] = parse_number(row[obj_cols[k]], where);
    if (d.time_is_modelled) out[no - 1] = static_cast<double>(f) * sec_per_fid;
    // Rows are consecutive from 1; a gap ends the usable curve there.
    if (d.lengths[cs] + 1 == f) d.lengths[cs] = static_cast<std::uint32_t>(f);
  }
  d.metric = space.value("metric", d.objectives.empty() ? std::string() : d.objectives[0].name);
  d.mode = parse_mode(space.value("mode", "min"));
  bool found = false;
  for (const auto& o : d.objectives) found |= o.name == d.metric;
  if (!found) throw InvalidArgument(tag + ": default metric '" + d.metric + "' is not a curve column");
  return std::make_shared<TabulatedBlackbox>(std::move(d));
}

}  // namespace synetune
