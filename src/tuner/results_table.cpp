#include "synetune/tuner/results_table.hpp"

#include <fcntl.h>
#include <unistd.h>
#include <zip.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <utility>

#include "synetune/core/error.hpp"
#include "synetune/tuner/journal.hpp"
#include "tuner/write_all.hpp"

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

namespace {
// 1 MiB of text (some 10,000 rows) per block; a longer piece of text gets a block of its own.
constexpr std::size_t kTextBlockSize = std::size_t{1} << 20;
constexpr std::size_t kRowsPerBlock = 4096;
}  // namespace

ResultsTable::TextRef ResultsTable::store_text(const std::string& text) {
  if (text_blocks_.empty() || text_used_ + text.size() > text_capacity_) {
    // A new block, never a bigger copy of the old one: snapshots read the old one meanwhile.
    text_capacity_ = std::max(kTextBlockSize, text.size());
    text_blocks_.emplace_back(new char[text_capacity_]);
    text_used_ = 0;
  }
  const TextRef ref{static_cast<std::uint32_t>(text_blocks_.size() - 1), static_cast<std::uint32_t>(text_used_)};
  std::copy(text.begin(), text.end(), text_blocks_.back().get() + text_used_);
  text_used_ += text.size();
  return ref;
}

ResultsTable::Row& ResultsTable::new_row() {
  if (num_rows_ % kRowsPerBlock == 0) {
    row_blocks_.push_back(std::make_shared<std::vector<Row>>());
    row_blocks_.back()->reserve(kRowsPerBlock);  // never grows past it: rows never move
  }
  ++num_rows_;
  return row_blocks_.back()->emplace_back();
}

void ResultsTable::set_config(TrialId id, const Config& config, const JournalWriter* number_text) {
  if (id < 0) throw InvalidArgument("results table: negative trial id " + std::to_string(id));
  for (auto it = config.begin(); it != config.end(); ++it)
    if (std::find(config_keys_.begin(), config_keys_.end(), it.key()) == config_keys_.end())
      config_keys_.push_back(it.key());
  if (static_cast<std::size_t>(id) >= configs_.size()) configs_.resize(static_cast<std::size_t>(id) + 1);
  // A config set again (a resume with a new config) is stored anew; the old text stays.
  cells_.clear();
  auto cell = [&](const Json& value, std::size_t pos) {  // pos: index of the entry in config
    const std::string_view text = number_text ? number_text->config_value_text(pos) : std::string_view();
    if (!text.empty()) cells_ += text;
    else append_csv_json(cells_, value);
  };
  auto it = config.begin();
  std::size_t pos = 0;
  for (const auto& key : config_keys_) {
    cells_ += ',';
    // Configs list their keys in column order (one config space): look up only otherwise.
    if (it != config.end() && it.key() == key) {
      cell(*it, pos);
      ++it, ++pos;
    } else if (auto found = config.find(key); found != config.end()) {
      cell(*found, static_cast<std::size_t>(std::distance(config.begin(), found)));
      it = config.end();
    }
  }
  ConfigCells& cells = configs_[static_cast<std::size_t>(id)];
  cells.text = store_text(cells_);
  cells.length = static_cast<std::uint32_t>(cells_.size());
  cells.num_columns = static_cast<std::uint32_t>(config_keys_.size());
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
                       const Json& extra, const JournalWriter* number_text) {
  Row row{r.trial_id, decision, status, 0, TextRef{}, 0, 0, Json()};
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
  // Metric cells in column order, from (column, index of the value in the result) pairs. NaN
  // cells are empty, as pandas writes them, unless the row has a non-numeric value there.
  scratch_.clear();
  bool in_order = true;
  for (std::uint32_t i = 0; i < r.values.size(); ++i) {
    const std::uint32_t c = metric_column(r.values[i].first);
    in_order = in_order && c == scratch_.size();
    scratch_.emplace_back(c, i);
  }
  if (!in_order) std::sort(scratch_.begin(), scratch_.end());
  cells_.clear();
  auto number = [&](double v, std::size_t text_index) {
    if (number_text && std::isfinite(v)) cells_ += number_text->number_text(text_index);
    else append_csv_number(cells_, v);
  };
  std::uint32_t next = 0;
  auto empty_cell = [&](std::uint32_t c) {
    if (c > 0) cells_ += ',';
    if (row.extra.is_object() && row.extra.contains(metric_columns_[c]))
      append_csv_json(cells_, row.extra[metric_columns_[c]]);
  };
  for (const auto& [c, i] : scratch_) {
    if (c < next) continue;  // a key reported twice: the first value wins
    for (; next < c; ++next) empty_cell(next);
    const double v = r.values[i].second;
    if (std::isnan(v)) {
      empty_cell(c);
    } else {
      if (c > 0) cells_ += ',';
      number(v, 1 + i);
    }
    next = c + 1;
  }
  row.num_metric_cells = next;
  row.metrics_len = static_cast<std::uint32_t>(cells_.size());
  number(tuner_time, 0);
  row.time_len = static_cast<std::uint32_t>(cells_.size() - row.metrics_len);
  row.text = store_text(cells_);
  new_row() = std::move(row);
}

ResultsTable::Snapshot ResultsTable::snapshot() const {
  Snapshot s;
  s.text_blocks_ = text_blocks_;
  s.row_blocks_ = row_blocks_;
  s.row_data_.reserve(row_blocks_.size());
  for (const RowBlock& b : row_blocks_) s.row_data_.push_back(b->data());
  s.num_rows_ = num_rows_;
  s.rows_per_block_ = kRowsPerBlock;
  s.metric_columns_ = metric_columns_;
  s.extra_columns_ = extra_columns_;
  s.config_keys_ = config_keys_;
  s.configs_ = configs_;
  return s;
}

std::string ResultsTable::to_csv() const { return snapshot().to_csv(); }

void ResultsTable::write_csv_zip(const std::filesystem::path& path, bool compress) const {
  snapshot().write_csv_zip(path, compress);
}

std::string ResultsTable::Snapshot::to_csv() const {
  auto row_at = [&](std::size_t i) -> const Row& { return row_data_[i / rows_per_block_][i % rows_per_block_]; };
  // Sized up front: growing a string of a million rows copies it, and fresh pages are costly.
  std::size_t size = 256;
  for (std::size_t i = 0; i < num_rows_; ++i) {
    const Row& row = row_at(i);
    const auto id = static_cast<std::size_t>(row.trial_id);
    size += 48 + row.metrics_len + row.time_len + config_keys_.size() + (id < configs_.size() ? configs_[id].length : 0);
  }
  std::string out;
  out.reserve(size);
  // Header: metrics, Syne Tune's bookkeeping columns, config, time, extras.
  std::vector<std::string> header = metric_columns_;
  header.insert(header.end(), {"st_decision", "st_status", "trial_id"});
  for (const auto& key : config_keys_) header.push_back("config_" + key);
  header.push_back("st_tuner_time");
  std::vector<const std::string*> extras;  // extra columns not printed as a metric column
  for (const auto& e : extra_columns_)
    if (std::find(header.begin(), header.end(), e) == header.end()) {
      header.push_back(e);
      extras.push_back(&e);
    }
  for (std::size_t i = 0; i < header.size(); ++i) {
    if (i) out += ',';
    append_csv_cell(out, header[i]);
  }
  out += '\n';
  const std::size_t num_metrics = metric_columns_.size();
  for (std::size_t i = 0; i < num_rows_; ++i) {
    const Row& row = row_at(i);
    const char* cells = text(row.text);
    out.append(cells, row.metrics_len);
    for (std::size_t c = row.num_metric_cells; c < num_metrics; ++c) {
      if (c > 0) out += ',';
      if (row.extra.is_object() && row.extra.contains(metric_columns_[c]))
        append_csv_json(out, row.extra[metric_columns_[c]]);
    }
    if (num_metrics > 0) out += ',';
    out += to_string(row.decision);
    out += ',';
    out += to_string(row.status);
    out += ',';
    append_python_int(out, row.trial_id);
    const auto id = static_cast<std::size_t>(row.trial_id);
    const ConfigCells config = id < configs_.size() ? configs_[id] : ConfigCells{};
    if (config.length > 0) out.append(text(config.text), config.length);
    out.append(config_keys_.size() - config.num_columns, ',');
    out += ',';
    out.append(cells + row.metrics_len, row.time_len);
    for (const std::string* e : extras) {
      out += ',';
      if (row.extra.is_object() && row.extra.contains(*e)) append_csv_json(out, row.extra[*e]);
    }
    out += '\n';
  }
  return out;
}

void ResultsTable::Snapshot::write_csv_zip(const std::filesystem::path& path, bool compress) const {
  write_zip_atomically(path, "results.csv", to_csv(), compress);
}

namespace {

// The archive as libzip writes it, through a 1 MiB buffer into `tmp`, renamed to `path` on
// commit. libzip's own file target writes through a 4 KiB stdio buffer in 8 KiB pieces: a
// system call per 8 KiB made writing a large table three times slower than the table's size
// warrants.
class ArchiveFile {
 public:
  ArchiveFile(std::filesystem::path path, std::filesystem::path tmp)
      : path_(std::move(path)), tmp_(std::move(tmp)) {
    zip_error_init(&error_);
  }
  ~ArchiveFile() {
    if (fd_ >= 0) ::close(fd_), ::unlink(tmp_.c_str());
    zip_error_fini(&error_);
  }
  ArchiveFile(const ArchiveFile&) = delete;
  ArchiveFile& operator=(const ArchiveFile&) = delete;

  static zip_int64_t callback(void* self, void* data, zip_uint64_t len, zip_source_cmd_t cmd) {
    return static_cast<ArchiveFile*>(self)->handle(data, len, cmd);
  }

 private:
  zip_int64_t fail(int zip_code, int sys_errno = 0) {
    zip_error_set(&error_, zip_code, sys_errno);
    return -1;
  }
  bool flush() {
    if (!write_all(fd_, buffer_.data(), buffer_.size())) return false;
    buffer_.clear();
    return true;
  }
  zip_int64_t handle(void* data, zip_uint64_t len, zip_source_cmd_t cmd) {
    switch (cmd) {
      case ZIP_SOURCE_SUPPORTS:
        return ZIP_SOURCE_SUPPORTS_WRITABLE;
      case ZIP_SOURCE_STAT:  // a new archive: nothing to read first
        return fail(ZIP_ER_READ, ENOENT);
      case ZIP_SOURCE_ERROR:
        return zip_error_to_data(&error_, data, len);
      case ZIP_SOURCE_FREE:
        return 0;
      case ZIP_SOURCE_BEGIN_WRITE:
        fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        return fd_ < 0 ? fail(ZIP_ER_TMPOPEN, errno) : 0;
      case ZIP_SOURCE_WRITE:
        if (buffer_.size() + len > kBufferSize && !flush()) return fail(ZIP_ER_WRITE, errno);
        buffer_.append(static_cast<const char*>(data), len);
        return static_cast<zip_int64_t>(len);
      case ZIP_SOURCE_TELL_WRITE: {
        const off_t at = ::lseek(fd_, 0, SEEK_CUR);
        return at < 0 ? fail(ZIP_ER_TELL, errno) : static_cast<zip_int64_t>(at) + static_cast<zip_int64_t>(buffer_.size());
      }
      case ZIP_SOURCE_SEEK_WRITE: {  // libzip goes back to complete a local header
        auto* args = ZIP_SOURCE_GET_ARGS(zip_source_args_seek_t, data, len, &error_);
        if (!args) return -1;
        if (!flush()) return fail(ZIP_ER_WRITE, errno);
        return ::lseek(fd_, args->offset, args->whence) < 0 ? fail(ZIP_ER_SEEK, errno) : 0;
      }
      case ZIP_SOURCE_COMMIT_WRITE: {
        const bool written = flush();
        const int write_errno = errno;
        const int rc = ::close(fd_);
        fd_ = -1;
        if (!written || rc != 0) {
          ::unlink(tmp_.c_str());
          return fail(ZIP_ER_WRITE, written ? errno : write_errno);
        }
        // Not fsync'ed: the table is derived data (the journal has it all).
        return ::rename(tmp_.c_str(), path_.c_str()) != 0 ? fail(ZIP_ER_RENAME, errno) : 0;
      }
      case ZIP_SOURCE_ROLLBACK_WRITE:
        if (fd_ >= 0) ::close(fd_), ::unlink(tmp_.c_str());
        fd_ = -1;
        buffer_.clear();
        return 0;
      case ZIP_SOURCE_REMOVE:
        ::unlink(path_.c_str());
        return 0;
      default:  // reading an existing archive: never asked for a new one
        return fail(ZIP_ER_OPNOTSUPP);
    }
  }

  static constexpr std::size_t kBufferSize = std::size_t{1} << 20;
  std::filesystem::path path_, tmp_;
  int fd_ = -1;
  std::string buffer_;
  zip_error_t error_;
};

}  // namespace

void write_zip_atomically(const std::filesystem::path& path, const std::string& entry_name,
                          const std::string& data, bool compress) {
  const auto tmp = path.string() + ".tmp";
  ArchiveFile file(path, tmp);
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* target = zip_source_function_create(&ArchiveFile::callback, &file, &error);
  zip_t* z = target ? zip_open_from_source(target, ZIP_CREATE | ZIP_TRUNCATE, &error) : nullptr;
  if (!z) {
    const std::string msg = zip_error_strerror(&error);
    if (target) zip_source_free(target);
    zip_error_fini(&error);
    throw StorageError("cannot create " + tmp + ": " + msg);
  }
  zip_error_fini(&error);
  zip_source_t* src = zip_source_buffer(z, data.data(), data.size(), 0);
  zip_int64_t idx = src ? zip_file_add(z, entry_name.c_str(), src, ZIP_FL_OVERWRITE) : -1;
  // Fastest deflate level: the table is rewritten at every save.
  if (idx >= 0)
    zip_set_file_compression(z, static_cast<zip_uint64_t>(idx), compress ? ZIP_CM_DEFLATE : ZIP_CM_STORE,
                             compress ? 1 : 0);
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
  if (!write_all(fd, data.data(), data.size())) {
    ::close(fd);
    throw StorageError("cannot write " + tmp);
  }
  ::fsync(fd);
  ::close(fd);
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) throw StorageError("cannot rename " + tmp + ": " + ec.message());
}

}  // namespace synetune
