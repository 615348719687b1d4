#include "synetune/tuner/results_table.hpp"

#include <fcntl.h>
#include <unistd.h>
#include <zip.h>

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "synetune/core/error.hpp"
#include "synetune/tuner/journal.hpp"

namespace synetune {
namespace {

void append_csv_cell(std::string& out, const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) {
    out += s;
    return;
  }
  out += '"';
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

void append_csv_number(std::string& out, double v) {
  if (std::isnan(v)) return;  // pandas writes NaN as an empty cell
  if (std::isinf(v)) {
    out += v > 0 ? "inf" : "-inf";
    return;
  }
  append_number(out, v);
}

void append_csv_json(std::string& out, const Json& v) {
  if (v.is_null()) return;
  if (v.is_string()) return append_csv_cell(out, v.get<std::string>());
  if (v.is_boolean()) return append_csv_cell(out, v.get<bool>() ? "True" : "False");
  if (v.is_number_integer()) return append_csv_cell(out, v.dump());
  if (v.is_number()) return append_csv_number(out, v.get<double>());
  append_csv_cell(out, dump_json_python(v));
}

}  // namespace

void ResultsTable::set_config(TrialId id, const Config& config) {
  for (auto it = config.begin(); it != config.end(); ++it) {
    std::string col = "config_" + it.key();
    if (std::find(config_columns_.begin(), config_columns_.end(), col) == config_columns_.end())
      config_columns_.push_back(col);
  }
  configs_[id] = config;
}

std::uint32_t ResultsTable::metric_column(const std::string& key) {
  auto it = metric_index_.find(key);
  if (it != metric_index_.end()) return it->second;
  auto idx = static_cast<std::uint32_t>(metric_columns_.size());
  metric_columns_.push_back(key);
  metric_index_.emplace(key, idx);
  return idx;
}

void ResultsTable::add(const Result& r, Decision decision, TrialStatus status, double tuner_time,
                       const Json& extra) {
  Row row{r.trial_id, decision, status, tuner_time, values_.size(),
          static_cast<std::uint32_t>(r.values.size()), Json()};
  for (const auto& [k, v] : r.values) values_.emplace_back(metric_column(k), v);
  auto add_extra = [&](const Json& obj) {
    if (!obj.is_object()) return;
    for (auto it = obj.begin(); it != obj.end(); ++it) {
      if (!row.extra.is_object()) row.extra = Json::object();
      row.extra[it.key()] = it.value();
      if (std::find(extra_columns_.begin(), extra_columns_.end(), it.key()) == extra_columns_.end())
        extra_columns_.push_back(it.key());
    }
  };
  add_extra(r.extra);
  add_extra(extra);
  rows_.push_back(std::move(row));
}

std::string ResultsTable::to_csv() const {
  std::string out;
  out.reserve(rows_.size() * 128 + 256);
  // Header: metrics, Syne Tune's bookkeeping columns, config, time, extras.
  std::vector<std::string> header = metric_columns_;
  header.insert(header.end(), {"st_decision", "st_status", "trial_id"});
  header.insert(header.end(), config_columns_.begin(), config_columns_.end());
  header.push_back("st_tuner_time");
  for (const auto& e : extra_columns_)
    if (std::find(header.begin(), header.end(), e) == header.end()) header.push_back(e);
  for (std::size_t i = 0; i < header.size(); ++i) {
    if (i) out += ',';
    append_csv_cell(out, header[i]);
  }
  out += '\n';
  std::vector<double> metric_row(metric_columns_.size());
  std::unordered_map<TrialId, std::string> config_cells;
  for (const auto& row : rows_) {
    std::fill(metric_row.begin(), metric_row.end(), std::nan(""));
    for (std::size_t i = row.first_value; i < row.first_value + row.num_values; ++i)
      metric_row[values_[i].first] = values_[i].second;
    bool first = true;
    auto sep = [&] {
      if (!first) out += ',';
      first = false;
    };
    for (std::size_t c = 0; c < metric_row.size(); ++c) {
      sep();
      // A metric column that also has a non-numeric value in this row (rare): print that.
      if (std::isnan(metric_row[c]) && row.extra.is_object() && row.extra.contains(metric_columns_[c]))
        append_csv_json(out, row.extra[metric_columns_[c]]);
      else
        append_csv_number(out, metric_row[c]);
    }
    sep();
    out += to_string(row.decision);
    sep();
    out += to_string(row.status);
    sep();
    out += std::to_string(row.trial_id);
    // A trial's config cells are the same on each of its rows: rendered once.
    auto [cells, fresh] = config_cells.try_emplace(row.trial_id);
    if (fresh) {
      auto cfg = configs_.find(row.trial_id);
      for (const auto& col : config_columns_) {
        cells->second += ',';
        if (cfg != configs_.end()) {
          auto it = cfg->second.find(col.substr(7));
          if (it != cfg->second.end()) append_csv_json(cells->second, *it);
        }
      }
    }
    out += cells->second;
    sep();
    append_csv_number(out, row.tuner_time);
    for (const auto& e : extra_columns_) {
      if (metric_index_.count(e)) continue;  // already printed as a metric column
      sep();
      if (row.extra.is_object() && row.extra.contains(e)) append_csv_json(out, row.extra[e]);
    }
    out += '\n';
  }
  return out;
}

void ResultsTable::write_csv_zip(const std::filesystem::path& path) const {
  write_zip_atomically(path, "results.csv", to_csv());
}

void write_zip_atomically(const std::filesystem::path& path, const std::string& entry_name,
                          const std::string& data) {
  const auto tmp = path.string() + ".tmp";
  int err = 0;
  zip_t* z = zip_open(tmp.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err);
  if (!z) throw StorageError("cannot create " + tmp);
  zip_source_t* src = zip_source_buffer(z, data.data(), data.size(), 0);
  zip_int64_t idx = src ? zip_file_add(z, entry_name.c_str(), src, ZIP_FL_OVERWRITE) : -1;
  if (idx >= 0) zip_set_file_compression(z, static_cast<zip_uint64_t>(idx), ZIP_CM_DEFLATE, 1);  // fast: rewritten often
  if (!src || idx < 0) {
    if (src) zip_source_free(src);
    zip_discard(z);
    throw StorageError("cannot add " + entry_name + " to " + tmp);
  }
  if (zip_close(z) < 0) {
    std::string msg = zip_strerror(z);
    zip_discard(z);
    throw StorageError("cannot write " + tmp + ": " + msg);
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) throw StorageError("cannot rename " + tmp + " to " + path.string() + ": " + ec.message());
}

std::string read_zip_entry(const std::filesystem::path& path, const std::string& entry_name) {
  int err = 0;
  zip_t* z = zip_open(path.c_str(), ZIP_RDONLY, &err);
  if (!z) throw StorageError("cannot open zip archive " + path.string());
  zip_int64_t index = entry_name.empty() ? 0 : zip_name_locate(z, entry_name.c_str(), 0);
  zip_stat_t st;
  if (index < 0 || zip_stat_index(z, index, 0, &st) < 0) {
    zip_close(z);
    throw StorageError("zip archive " + path.string() + " has no entry " + entry_name);
  }
  std::string data(st.size, '\0');
  zip_file_t* f = zip_fopen_index(z, index, 0);
  zip_int64_t n = f ? zip_fread(f, data.data(), st.size) : -1;
  if (f) zip_fclose(f);
  zip_close(z);
  if (n != static_cast<zip_int64_t>(st.size))
    throw StorageError("cannot read entry of zip archive " + path.string());
  return data;
}

void write_file_atomically(const std::filesystem::path& path, const std::string& data) {
  const auto tmp = path.string() + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw StorageError("cannot write " + tmp);
  std::size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n <= 0) {
      ::close(fd);
      throw StorageError("cannot write " + tmp);
    }
    off += static_cast<std::size_t>(n);
  }
  ::fsync(fd);
  ::close(fd);
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) throw StorageError("cannot rename " + tmp + ": " + ec.message());
}

}  // namespace synetune
