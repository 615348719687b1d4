#pragma once
/// Configuration spaces with Syne Tune's domains (uniform, loguniform, randint, lograndint,
/// choice, ordinal, logordinal, finrange, logfinrange) and constants.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "synetune/core/json.hpp"
#include "synetune/core/rng.hpp"
#include "synetune/core/types.hpp"

namespace synetune {

enum class Scale { kLinear, kLog };

/// Continuous range [lower, upper] (Syne Tune `Float`).
struct FloatDomain {
  double lower = 0, upper = 1;
  Scale scale = Scale::kLinear;
};
/// Integer range, both ends inclusive (Syne Tune `Integer`).
struct IntDomain {
  std::int64_t lower = 0, upper = 1;
  Scale scale = Scale::kLinear;
};
/// Unordered choice among values (all of one JSON type). Syne Tune `Categorical`.
struct CategoricalDomain {
  std::vector<Json> categories;
};
/// Ordered choice. kind "equal": encoded by index; "nn" / "nn-log": numeric values, sampled
/// and encoded on the (log) value line and snapped to the nearest value.
struct OrdinalDomain {
  std::vector<Json> categories;
  std::string kind = "equal";  ///< "equal", "nn" or "nn-log"
};
/// `size` equally spaced values in [lower, upper] (log-spaced if kLog); ints if cast_int.
struct FiniteRangeDomain {
  double lower = 0, upper = 1;
  std::int64_t size = 2;
  Scale scale = Scale::kLinear;
  bool cast_int = false;
  double value(std::int64_t index) const;
};
/// A fixed value passed to the script and never searched.
struct ConstantDomain {
  Json value;
};

using Domain = std::variant<FloatDomain, IntDomain, CategoricalDomain, OrdinalDomain,
                            FiniteRangeDomain, ConstantDomain>;

struct Hyperparameter {
  std::string name;
  Domain domain;
  bool is_constant() const { return std::holds_alternative<ConstantDomain>(domain); }
};

// Builders mirroring syne_tune.config_space; all validate and throw InvalidArgument.
Domain uniform(double lower, double upper);
Domain loguniform(double lower, double upper);
Domain randint(std::int64_t lower, std::int64_t upper);
Domain lograndint(std::int64_t lower, std::int64_t upper);
Domain choice(std::vector<Json> categories);
Domain ordinal(std::vector<Json> categories, std::string kind = "");  ///< "" = Syne Tune's default
Domain logordinal(std::vector<Json> categories);
Domain finrange(double lower, double upper, std::int64_t size, bool cast_int = false);
Domain logfinrange(double lower, double upper, std::int64_t size, bool cast_int = false);
Domain constant(Json value);

/// An ordered, validated list of hyperparameters.
class ConfigSpace {
 public:
  ConfigSpace() = default;
  /// Adds a hyperparameter; throws InvalidArgument naming it if its domain is invalid or the
  /// name is a duplicate / empty / starts with the reserved `st_` prefix.
  ConfigSpace& add(std::string name, Domain domain);

  const std::vector<Hyperparameter>& hyperparameters() const { return hps_; }
  const Hyperparameter* find(std::string_view name) const;
  std::size_t size() const { return hps_.size(); }
  /// Names of the non-constant hyperparameters, in order.
  std::vector<std::string> tunable_names() const;

  /// A random config (constants included), drawn from `rng`.
  Config sample(Rng& rng) const;
  /// Number of distinct configs, nullopt if infinite or > 2^20 (Syne Tune's cap).
  std::optional<std::uint64_t> cardinality() const;
  /// Casts each value to its domain (ints rounded, nearest category / grid value) and adds the
  /// constants. Throws InvalidArgument naming the hyperparameter if a value is missing or
  /// out of range.
  Config postprocess(const Config& config) const;
  /// Syne Tune's midpoint default config (numeric midpoint, geometric for log; first category;
  /// middle ordinal), constants included.
  Config midpoint() const;
  /// Canonical string of the tunable values (Syne Tune's match_string), for duplicate checks.
  std::string match_string(const Config& config) const;

  /// Syne Tune's serialized form (domain_cls / domain_kwargs / sampler_cls ...), constants
  /// verbatim. from_json accepts that form.
  Json to_json() const;
  static ConfigSpace from_json(const Json& j);

  /// Parses one command-line entry `name=expr`, where expr is e.g. `loguniform(1e-4,1e-1)`,
  /// `randint(1,64)`, `choice(relu,tanh)`, `ordinal(8,16,32)`, `finrange(0,1,5)`, or a bare
  /// value (a constant: number, string, JSON list/object). Throws InvalidArgument with the
  /// accepted forms on error.
  void add_from_text(std::string_view entry);
  /// Text form of a domain, the inverse of add_from_text's expression.
  static std::string domain_to_text(const Domain& d);

 private:
  std::vector<Hyperparameter> hps_;
};

/// Maps configs to and from [0,1]^d, shared by all model-based searchers (Syne Tune's
/// HyperparameterRanges): log scaling, integers on [l-0.5, u+0.5], finite ranges by index,
/// 2-value categoricals as one dim, larger categoricals one-hot. Constants are skipped.
class ConfigEncoder {
 public:
  explicit ConfigEncoder(const ConfigSpace& space);
  std::size_t dimension() const { return dim_; }
  std::vector<double> encode(const Config& config) const;
  /// Decodes (rounding, argmax for one-hot, clipping); constants included in the result.
  Config decode(const std::vector<double>& x) const;
  /// For each encoded dim: index of the hyperparameter it belongs to (in tunable order).
  const std::vector<std::size_t>& dim_owner() const { return dim_owner_; }
  /// True for dims of Categorical hyperparameters (one-hot blocks, and the single dim of
  /// 1- and 2-value categoricals).
  const std::vector<bool>& is_categorical_dim() const { return categorical_dim_; }
  const ConfigSpace& space() const { return space_; }

 private:
  ConfigSpace space_;
  std::size_t dim_ = 0;
  std::vector<std::size_t> offset_;  ///< per hyperparameter (all hps, constants get npos)
  std::vector<std::size_t> dim_owner_;
  std::vector<bool> categorical_dim_;
};

}  // namespace synetune
