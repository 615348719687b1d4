#include "blackboxes/tabulated_blackbox.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <functional>
#include <limits>
#include <memory>

#include "synetune/core/error.hpp"

namespace synetune {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

bool is_log(TableHp::Kind k) {
  return k == TableHp::Kind::kLogUniform || k == TableHp::Kind::kLogRandInt;
}

// splitmix64's finalizer: spreads the bits of a cell over the whole hash.
std::uint64_t mix(std::uint64_t x) {
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

bool has_text(std::uint8_t tag) { return tag >= 3; }  // Cell::kString, Cell::kOther

bool same_value(const Json& a, const Json& b) {
  if (a.is_number() && b.is_number()) return a.get<double>() == b.get<double>();
  return a == b;
}

}  // namespace

TableHp parse_table_hp(const std::string& name, const Json& spec) {
  TableHp hp;
  hp.name = name;
  const std::string type = spec.value("type", "");
  if (type == "uniform") hp.kind = TableHp::Kind::kUniform;
  else if (type == "loguniform") hp.kind = TableHp::Kind::kLogUniform;
  else if (type == "randint") hp.kind = TableHp::Kind::kRandInt;
  else if (type == "lograndint") hp.kind = TableHp::Kind::kLogRandInt;
  else if (type == "choice") hp.kind = TableHp::Kind::kChoice;
  else
    throw InvalidArgument("space.json: hyperparameter '" + name + "' has type '" + type +
                          "'; expected uniform, loguniform, randint, lograndint or choice");
  if (hp.kind == TableHp::Kind::kChoice) {
    if (!spec.contains("categories") || !spec["categories"].is_array() ||
        spec["categories"].empty())
      throw InvalidArgument("space.json: choice hyperparameter '" + name +
                            "' needs a non-empty 'categories' list");
    for (const auto& c : spec["categories"]) hp.categories.push_back(c);
  } else {
    if (!spec.contains("lower") || !spec.contains("upper") || !spec["lower"].is_number() ||
        !spec["upper"].is_number())
      throw InvalidArgument("space.json: hyperparameter '" + name +
                            "' needs numeric 'lower' and 'upper'");
    hp.lower = spec["lower"].get<double>();
    hp.upper = spec["upper"].get<double>();
  }
  if (spec.contains("condition") && spec["condition"].is_object()) {
    hp.condition_parent = spec["condition"].value("parent", "");
    hp.condition_equals = spec["condition"].value("equals", Json());
  }
  return hp;
}

ConfigSpace table_config_space(const std::vector<TableHp>& hps) {
  ConfigSpace space;
  for (const auto& hp : hps) {
    switch (hp.kind) {
      case TableHp::Kind::kUniform: space.add(hp.name, uniform(hp.lower, hp.upper)); break;
      case TableHp::Kind::kLogUniform: space.add(hp.name, loguniform(hp.lower, hp.upper)); break;
      case TableHp::Kind::kRandInt:
        space.add(hp.name, randint(std::llround(hp.lower), std::llround(hp.upper)));
        break;
      case TableHp::Kind::kLogRandInt:
        space.add(hp.name, lograndint(std::llround(hp.lower), std::llround(hp.upper)));
        break;
      case TableHp::Kind::kChoice: space.add(hp.name, choice(hp.categories)); break;
    }
  }
  return space;
}

TabulatedBlackbox::TabulatedBlackbox(TableData data)
    : d_(std::move(data)), configs_(std::make_shared<const std::vector<Config>>(std::move(d_.configs))) {
  space_ = table_config_space(d_.hps);
  // Rows read from configs.csv usually have the space's types already (floats of a float
  // domain, ...): then a searcher need not cast each one it draws.
  canonical_ = std::all_of(configs_->begin(), configs_->end(), [&](const Config& c) {
    try {
      return identical_json(space_.postprocess(c), c);
    } catch (const Error&) {
      return false;
    }
  });
  const std::size_t n = configs_->size(), nh = d_.hps.size();
  if (d_.inactive.size() != n) d_.inactive.assign(n, std::vector<bool>(nh, false));
  norm_.assign(n * nh, kNaN);
  n_slots_ = 2;
  while (n_slots_ < 2 * n) n_slots_ *= 2;  // load factor <= 1/2: short probe runs
  const std::size_t stride = nh + 1;
  slots_.assign(n_slots_ * stride + 64 / sizeof(Cell), Cell{});
  while (reinterpret_cast<std::uintptr_t>(&slots_[slot0_]) % 64 != 0) ++slot0_;
  std::vector<Cell> cells(nh);
  std::vector<std::string> row_texts(nh);
  for (std::size_t c = 0; c < n; ++c) {
    for (std::size_t h = 0; h < nh; ++h) {
      if (!d_.inactive[c][h]) norm_[c * nh + h] = normalized((*configs_)[c].at(d_.hps[h].name), h);
      cells[h] = cell_of((*configs_)[c], h, row_texts[h]);
    }
    // First row wins for duplicates (a table should not have any).
    const std::uint64_t hash = hash_cells(cells.data(), nh);
    if (find_row(cells.data(), row_texts.data(), hash) >= 0) continue;
    for (std::size_t h = 0; h < nh; ++h)
      if (has_text(cells[h].tag)) {
        cells[h].text = static_cast<std::uint32_t>(texts_.size());
        texts_.push_back(std::move(row_texts[h]));
      }
    std::size_t i = hash & (n_slots_ - 1);
    while (slots_[slot0_ + i * stride].text != 0) i = (i + 1) & (n_slots_ - 1);
    Cell* slot = &slots_[slot0_ + i * stride];
    slot[0].bits = hash;
    slot[0].text = static_cast<std::uint32_t>(c + 1);
    std::copy(cells.begin(), cells.end(), slot + 1);
  }
  // Known optimum / worst: over every (config, seed) whose curve reaches max_resource.
  if (auto mi = objective_index(d_.metric)) {
    const double sign = d_.mode == Mode::kMin ? 1.0 : -1.0;
    const std::size_t no = d_.objectives.size(), nf = d_.max_resource;
    for (std::size_t c = 0; c < n; ++c)
      for (std::size_t s = 0; s < d_.n_seeds; ++s) {
        if (d_.lengths[c * d_.n_seeds + s] < nf) continue;
        const double v = d_.values[((c * d_.n_seeds + s) * nf + nf - 1) * no + *mi];
        if (!std::isfinite(v)) continue;
        if (!optimum_ || sign * v < sign * *optimum_) optimum_ = v;
        if (!worst_ || sign * v > sign * *worst_) worst_ = v;
      }
  }
}

bool TabulatedBlackbox::active(const Config& config, std::size_t hp) const {
  const TableHp& h = d_.hps[hp];
  if (!config.contains(h.name) || config[h.name].is_null()) return false;
  if (h.condition_parent.empty()) return true;
  auto it = config.find(h.condition_parent);
  return it != config.end() && same_value(*it, h.condition_equals);
}

TabulatedBlackbox::Cell TabulatedBlackbox::cell_of(const Config& config, std::size_t hp,
                                                   std::string& text) const {
  // Same activity rule as active(), with one lookup of the value.
  const TableHp& h = d_.hps[hp];
  const auto it = config.find(h.name);
  if (it == config.end() || it->is_null()) return {};
  if (!h.condition_parent.empty()) {
    const auto parent = config.find(h.condition_parent);
    if (parent == config.end() || !same_value(*parent, h.condition_equals)) return {};
  }
  Cell c;
  const Json& v = *it;
  if (v.is_number()) {
    double x = v.get<double>();
    if (std::isnan(x)) x = std::copysign(kNaN, x);  // NaN payloads do not tell values apart
    c.tag = Cell::kNumber;
    c.bits = std::bit_cast<std::uint64_t>(x);
  } else if (v.is_boolean()) {
    c.tag = Cell::kBool;
    c.bits = v.get<bool>() ? 1 : 0;
  } else {
    c.tag = v.is_string() ? Cell::kString : Cell::kOther;
    text = v.is_string() ? v.get_ref<const std::string&>() : v.dump();
    c.bits = std::hash<std::string>{}(text);
  }
  return c;
}

std::uint64_t TabulatedBlackbox::hash_cells(const Cell* cells, std::size_t n) {
  std::uint64_t h = 0x9e3779b97f4a7c15ULL;
  for (std::size_t i = 0; i < n; ++i) h = mix(h ^ mix(cells[i].bits + cells[i].tag));
  return h;
}

std::int64_t TabulatedBlackbox::find_row(const Cell* cells, const std::string* texts,
                                         std::uint64_t hash) const {
  const std::size_t nh = d_.hps.size(), stride = nh + 1, mask = n_slots_ - 1;
  if (n_slots_ == 0) return -1;
  for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
    const Cell* slot = &slots_[slot0_ + i * stride];
    if (slot[0].text == 0) return -1;
    if (slot[0].bits != hash) continue;
    const Cell* rc = slot + 1;
    bool equal = true;
    for (std::size_t h = 0; h < nh && equal; ++h)
      equal = rc[h].tag == cells[h].tag && rc[h].bits == cells[h].bits &&
              (!has_text(rc[h].tag) || texts_[rc[h].text] == texts[h]);
    if (equal) return static_cast<std::int64_t>(slot[0].text) - 1;
  }
}

double TabulatedBlackbox::normalized(const Json& v, std::size_t hp) const {
  const TableHp& h = d_.hps[hp];
  if (h.kind == TableHp::Kind::kChoice) {
    for (std::size_t i = 0; i < h.categories.size(); ++i)
      if (same_value(v, h.categories[i])) return static_cast<double>(i);
    return -1.0;  // unknown category: differs from all
  }
  if (!v.is_number()) return kNaN;
  double x = v.get<double>(), lo = h.lower, hi = h.upper;
  if (is_log(h.kind) && x > 0 && lo > 0) x = std::log(x), lo = std::log(lo), hi = std::log(hi);
  return hi > lo ? (x - lo) / (hi - lo) : 0.0;
}

std::optional<std::size_t> TabulatedBlackbox::config_index(const Config& config) const {
  if (configs_->empty()) return std::nullopt;
  const std::size_t nh = d_.hps.size();
  // Exact match through the hash index; on the stack for the usual few hyperparameters.
  constexpr std::size_t kInline = 8;
  std::array<Cell, kInline> inline_cells;
  std::array<std::string, kInline> inline_texts;
  std::vector<Cell> heap_cells;
  std::vector<std::string> heap_texts;
  Cell* cells = inline_cells.data();
  std::string* texts = inline_texts.data();
  if (nh > kInline) {
    heap_cells.resize(nh), heap_texts.resize(nh);
    cells = heap_cells.data(), texts = heap_texts.data();
  }
  for (std::size_t h = 0; h < nh; ++h) cells[h] = cell_of(config, h, texts[h]);
  if (const auto row = find_row(cells, texts, hash_cells(cells, nh)); row >= 0)
    return static_cast<std::size_t>(row);
  // Off-table config: nearest neighbour on normalized values (categoricals: 0/1 distance).
  std::vector<double> q(nh, kNaN);
  for (std::size_t h = 0; h < nh; ++h)
    if (active(config, h)) q[h] = normalized(config[d_.hps[h].name], h);
  std::size_t best = 0;
  double best_d = std::numeric_limits<double>::infinity();
  for (std::size_t c = 0; c < configs_->size(); ++c) {
    double dist = 0;
    for (std::size_t h = 0; h < nh && dist < best_d; ++h) {
      const double a = q[h], b = norm_[c * nh + h];
      if (std::isnan(a) || std::isnan(b)) {
        dist += std::isnan(a) == std::isnan(b) ? 0.0 : 1.0;
      } else if (d_.hps[h].kind == TableHp::Kind::kChoice) {
        dist += a == b ? 0.0 : 1.0;
      } else {
        dist += (a - b) * (a - b);
      }
    }
    if (dist < best_d) best_d = dist, best = c;
  }
  return best;
}

std::vector<std::size_t> TabulatedBlackbox::seeds_for(std::size_t config_index) const {
  std::vector<std::size_t> out;
  for (std::size_t s = 0; s < d_.n_seeds; ++s)
    if (config_index < configs_->size() && d_.lengths[config_index * d_.n_seeds + s] > 0)
      out.push_back(s);
  return out;
}

CurveView TabulatedBlackbox::curve_at(std::size_t config_index, std::size_t seed) const {
  if (config_index >= configs_->size()) return {};
  seed %= d_.n_seeds;
  const std::size_t cs = config_index * d_.n_seeds + seed;
  const std::size_t no = d_.objectives.size();
  const double* data = d_.values.data() + cs * d_.max_resource * no;
  // A random row of a large table is rarely cached, and its first values are read next:
  // fetch them while the length is read.
  __builtin_prefetch(data);
  return {data, d_.lengths[cs], no};
}

CurveView TabulatedBlackbox::curve(const Config& config, std::size_t seed,
                                   std::vector<double>& scratch) const {
  (void)scratch;
  const auto ci = config_index(config);
  return ci ? curve_at(*ci, seed) : CurveView{};
}

}  // namespace synetune
