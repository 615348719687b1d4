#pragma once
// Tabulated blackbox: learning curves of a finite configuration list, held in one contiguous
// array so that a trial's curve is a pointer (no per-result lookups).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "synetune/blackboxes/blackbox.hpp"

namespace synetune {

/// One hyperparameter of a table, as in space.json.
struct TableHp {
  enum class Kind { kUniform, kLogUniform, kRandInt, kLogRandInt, kChoice };
  std::string name;
  Kind kind = Kind::kUniform;
  double lower = 0, upper = 1;
  std::vector<Json> categories;
  std::string condition_parent;  ///< empty: always active
  Json condition_equals;
};

/// Everything a table holds; built by the folder loader or in memory (synthetic tables).
struct TableData {
  std::string name;
  std::vector<TableHp> hps;
  std::string resource_attr = "epoch";
  std::int64_t max_resource = 1;
  std::vector<ObjectiveInfo> objectives;
  std::string metric;
  Mode mode = Mode::kMin;
  std::string time_attr;
  bool time_is_modelled = false;
  std::vector<Config> configs;
  std::vector<std::vector<bool>> inactive;  ///< [config][hp]
  std::size_t n_seeds = 1;
  std::vector<double> values;          ///< [config][seed][fidelity-1][objective], NaN if absent
  std::vector<std::uint32_t> lengths;  ///< [config][seed]: rows present (0 = missing run)
};

/// Parses a space.json hyperparameter entry; throws InvalidArgument naming it.
TableHp parse_table_hp(const std::string& name, const Json& spec);
/// ConfigSpace of the table's hyperparameters (conditions are not representable there).
ConfigSpace table_config_space(const std::vector<TableHp>& hps);

class TabulatedBlackbox final : public Blackbox {
 public:
  explicit TabulatedBlackbox(TableData data);

  const std::string& name() const override { return d_.name; }
  const ConfigSpace& config_space() const override { return space_; }
  const std::string& resource_attr() const override { return d_.resource_attr; }
  std::int64_t max_resource() const override { return d_.max_resource; }
  const std::vector<ObjectiveInfo>& objectives() const override { return d_.objectives; }
  const std::string& default_metric() const override { return d_.metric; }
  Mode default_mode() const override { return d_.mode; }
  const std::string& time_attr() const override { return d_.time_attr; }
  bool time_is_modelled() const override { return d_.time_is_modelled; }
  std::optional<double> optimum() const override { return optimum_; }
  const std::vector<Config>& configurations() const override { return *configs_; }
  std::shared_ptr<const std::vector<Config>> shared_configurations() const override {
    return configs_->empty() ? nullptr : configs_;
  }
  bool configurations_canonical() const override { return canonical_; }
  std::size_t num_seeds() const override { return d_.n_seeds; }
  std::vector<std::size_t> seeds_for(std::size_t config_index) const override;
  std::optional<std::size_t> config_index(const Config& config) const override;
  CurveView curve(const Config& config, std::size_t seed,
                  std::vector<double>& scratch) const override;
  CurveView curve_at(std::size_t config_index, std::size_t seed) const override;
  std::optional<double> worst() const override { return worst_; }

 private:
  /// Canonical value of one hyperparameter of a config; configs are looked up by comparing
  /// these (no text keys): numbers by their double's bits (3 and 3.0 match, -0.0 and 0.0 do
  /// not, all NaNs of one sign are one value), booleans by value, strings by text, anything
  /// else by its JSON dump.
  struct Cell {
    enum Tag : std::uint8_t { kInactive, kNumber, kBool, kString, kOther };
    Tag tag = kInactive;
    std::uint32_t text = 0;  ///< table cells of kString / kOther: index into texts_
    std::uint64_t bits = 0;  ///< number bits, bool, or hash of the text
  };
  bool active(const Config& config, std::size_t hp) const;
  /// Cell of hyperparameter `hp` of `config`; for kString / kOther, `text` is the compared text.
  Cell cell_of(const Config& config, std::size_t hp, std::string& text) const;
  static std::uint64_t hash_cells(const Cell* cells, std::size_t n);
  /// First row whose cells equal `cells` (texts: `texts[h]` for text cells), or -1.
  std::int64_t find_row(const Cell* cells, const std::string* texts, std::uint64_t hash) const;
  double normalized(const Json& v, std::size_t hp) const;

  TableData d_;  ///< configs moved to configs_
  std::shared_ptr<const std::vector<Config>> configs_;
  ConfigSpace space_;
  std::optional<double> optimum_, worst_;
  bool canonical_ = false;
  std::vector<std::string> texts_;  ///< texts of the table's kString / kOther cells
  /// Open-addressing hash index (linear probing, power-of-two slot count). A slot is a head
  /// (bits = hash, text = row + 1, 0 = empty) followed by the row's cells, so that a lookup
  /// reads one cache line for the usual few hyperparameters. slots_[slot0_] is 64-byte aligned.
  std::vector<Cell> slots_;
  std::size_t slot0_ = 0, n_slots_ = 0;
  std::vector<double> norm_;  ///< [config][hp] normalized values for 1-NN (NaN = inactive)
};

}  // namespace synetune
