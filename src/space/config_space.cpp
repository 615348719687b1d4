// ConfigSpace: validated ordered hyperparameters; sampling, casting, midpoint, match strings.
#include "synetune/space/config_space.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>

#include "space/domain_ops.hpp"
#include "synetune/core/error.hpp"

namespace synetune {

using namespace space_detail;

ConfigSpace& ConfigSpace::add(std::string name, Domain domain) {
  if (name.empty()) throw InvalidArgument("hyperparameter name must not be empty");
  if (name.rfind("st_", 0) == 0)
    throw InvalidArgument("hyperparameter '" + name +
                          "': names starting with 'st_' are reserved by Syne Tune; rename it");
  if (find(name) != nullptr)
    throw InvalidArgument("hyperparameter '" + name + "' is defined twice; keep one definition");
  normalize_and_validate(domain, "hyperparameter '" + name + "'");
  hps_.push_back(Hyperparameter{std::move(name), std::move(domain)});
  return *this;
}

const Hyperparameter* ConfigSpace::find(std::string_view name) const {
  for (const auto& hp : hps_)
    if (hp.name == name) return &hp;
  return nullptr;
}

std::vector<std::string> ConfigSpace::tunable_names() const {
  std::vector<std::string> out;
  for (const auto& hp : hps_)
    if (!hp.is_constant()) out.push_back(hp.name);
  return out;
}

Config ConfigSpace::sample(Rng& rng) const {
  Config c = Json::object();
  for (const auto& hp : hps_) c[hp.name] = sample_value(hp.domain, rng);
  return c;
}

std::optional<std::uint64_t> ConfigSpace::cardinality() const {
  constexpr std::uint64_t kCap = std::uint64_t{1} << 20;
  std::uint64_t size = 1;
  for (const auto& hp : hps_) {
    const std::uint64_t s = domain_size(hp.domain);
    if (s == 0 || s > kCap) return std::nullopt;
    size *= s;
    if (size > kCap) return std::nullopt;
  }
  return size;
}

Config ConfigSpace::postprocess(const Config& config) const {
  if (!config.is_object())
    throw InvalidArgument("a configuration must be a JSON object, got " + config.dump());
  Config out = Json::object();
  // The names are unique: entries are appended without operator[]'s search.
  auto& entries = static_cast<Json::object_t::Container&>(out.get_ref<Json::object_t&>());
  entries.reserve(config.size() + hps_.size());
  // Configs usually list the space's hyperparameters in its order (they were sampled or
  // postprocessed before): each is then found where the previous one ended.
  auto next = config.begin();
  std::size_t matched = 0;
  for (const auto& hp : hps_) {
    if (hp.is_constant()) {
      entries.emplace_back(hp.name, std::get<ConstantDomain>(hp.domain).value);
      if (next != config.end() && next.key() == hp.name) ++next, ++matched;
      else if (config.contains(hp.name)) ++matched;
      continue;
    }
    auto it = next != config.end() && next.key() == hp.name ? next : config.find(hp.name);
    if (it == config.end())
      throw InvalidArgument("configuration " + config.dump() + " lacks hyperparameter '" +
                            hp.name + "'");
    entries.emplace_back(hp.name, cast_value(hp.name, hp.domain, *it));
    next = std::next(it);
    ++matched;
  }
  // Keys unknown to the space (e.g. set by a scheduler) are kept as they are.
  if (matched < config.size())
    for (auto it = config.begin(); it != config.end(); ++it)
      if (find(it.key()) == nullptr) entries.emplace_back(it.key(), it.value());
  return out;
}

Config ConfigSpace::midpoint() const {
  Config c = Json::object();
  for (const auto& hp : hps_) {
    c[hp.name] = std::visit(
        [&](const auto& x) -> Json {
          using T = std::decay_t<decltype(x)>;
          auto mid = [](double lo, double hi, bool log) {
            return log ? std::exp(0.5 * (std::log(lo) + std::log(hi))) : 0.5 * (lo + hi);
          };
          if constexpr (std::is_same_v<T, FloatDomain>) {
            return cast_value(hp.name, hp.domain, mid(x.lower, x.upper, x.scale == Scale::kLog));
          } else if constexpr (std::is_same_v<T, IntDomain>) {
            return cast_value(hp.name, hp.domain,
                              mid(static_cast<double>(x.lower), static_cast<double>(x.upper),
                                  x.scale == Scale::kLog));
          } else if constexpr (std::is_same_v<T, CategoricalDomain>) {
            return x.categories.front();
          } else if constexpr (std::is_same_v<T, OrdinalDomain>) {
            if (!is_nn(x)) return x.categories[x.categories.size() / 2];
            return cast_value(hp.name, hp.domain,
                              mid(x.categories.front().template get<double>(),
                                  x.categories.back().template get<double>(), x.kind == "nn-log"));
          } else if constexpr (std::is_same_v<T, FiniteRangeDomain>) {
            return cast_value(hp.name, hp.domain, mid(x.lower, x.upper, x.scale == Scale::kLog));
          } else {
            return x.value;
          }
        },
        hp.domain);
  }
  return c;
}

std::string ConfigSpace::match_string(const Config& config) const {
  std::string out;
  char buf[64];
  for (const auto& hp : hps_) {
    if (hp.is_constant()) continue;
    auto it = config.find(hp.name);
    if (it == config.end())
      throw InvalidArgument("configuration " + config.dump() + " lacks hyperparameter '" +
                            hp.name + "'");
    const Json v = cast_value(hp.name, hp.domain, *it);
    std::string s = std::visit(
        [&](const auto& x) -> std::string {
          using T = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<T, FloatDomain>) {
            // Same text as printf's "%.6e", without its locale and varargs overhead (hot:
            // once per suggestion and per restricted configuration).
            const auto r = std::to_chars(buf, buf + sizeof buf, v.get<double>(), std::chars_format::scientific, 6);
            return std::string(buf, r.ptr);
          } else if constexpr (std::is_same_v<T, IntDomain>) {
            return std::to_string(v.get<std::int64_t>());
          } else if constexpr (std::is_same_v<T, CategoricalDomain> ||
                               std::is_same_v<T, OrdinalDomain>) {
            return std::to_string(category_index(x.categories, v));
          } else if constexpr (std::is_same_v<T, FiniteRangeDomain>) {
            return std::to_string(finrange_index(x, v.get<double>()));
          } else {
            return "";
          }
        },
        hp.domain);
    if (!out.empty()) out += ',';
    out += hp.name + ':' + s;
  }
  return out;
}

}  // namespace synetune
