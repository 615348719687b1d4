// ConfigSpace <-> Syne Tune's JSON dict form, and the command-line text form `name=expr`.
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <numbers>

#include "space/domain_ops.hpp"
#include "synetune/core/error.hpp"
#include "synetune/space/config_space.hpp"

namespace synetune {

using namespace space_detail;

namespace {

Json domain_to_json(const Domain& d) {
  return std::visit(
      [](const auto& x) -> Json {
        using T = std::decay_t<decltype(x)>;
        auto sampler = [](Json j, bool log) {
          j["sampler_cls"] = log ? "LogUniform" : "Uniform";
          j["sampler_kwargs"] = log ? Json{{"base", std::numbers::e}} : Json::object();
          return j;
        };
        if constexpr (std::is_same_v<T, FloatDomain>) {
          return sampler(Json{{"domain_cls", "Float"},
                              {"domain_kwargs", {{"lower", x.lower}, {"upper", x.upper}}}},
                         x.scale == Scale::kLog);
        } else if constexpr (std::is_same_v<T, IntDomain>) {
          return sampler(Json{{"domain_cls", "Integer"},
                              {"domain_kwargs", {{"lower", x.lower}, {"upper", x.upper}}}},
                         x.scale == Scale::kLog);
        } else if constexpr (std::is_same_v<T, CategoricalDomain>) {
          return sampler(Json{{"domain_cls", "Categorical"},
                              {"domain_kwargs", {{"categories", x.categories}}}},
                         false);
        } else if constexpr (std::is_same_v<T, OrdinalDomain>) {
          if (!is_nn(x))
            return sampler(Json{{"domain_cls", "Ordinal"},
                                {"domain_kwargs", {{"categories", x.categories}}}},
                           false);
          return Json{{"domain_cls", "OrdinalNearestNeighbor"},
                      {"domain_kwargs",
                       {{"categories", x.categories}, {"log_scale", x.kind == "nn-log"}}}};
        } else if constexpr (std::is_same_v<T, FiniteRangeDomain>) {
          return Json{{"domain_cls", "FiniteRange"},
                      {"domain_kwargs",
                       {{"lower", x.lower},
                        {"upper", x.upper},
                        {"log_scale", x.scale == Scale::kLog},
                        {"cast_int", x.cast_int},
                        {"size", x.size}}}};
        } else {
          return x.value;
        }
      },
      d);
}

Domain domain_from_json(const std::string& name, const Json& j) {
  const std::string what = "config space entry '" + name + "'";
  try {
    const std::string cls = j.at("domain_cls").get<std::string>();
    const Json& kw = j.at("domain_kwargs");
    const std::string sampler = j.value("sampler_cls", std::string("Uniform"));
    if (sampler != "Uniform" && sampler != "LogUniform")
      throw InvalidArgument(what + ": sampler_cls '" + sampler +
                            "' is not supported (only Uniform and LogUniform)");
    // Note: Syne Tune writes reverse-log samplers as LogUniform too; they become log here.
    const Scale scale = sampler == "LogUniform" ? Scale::kLog : Scale::kLinear;
    auto cats = [&] { return kw.at("categories").get<std::vector<Json>>(); };
    if (cls == "Float")
      return FloatDomain{kw.at("lower").get<double>(), kw.at("upper").get<double>(), scale};
    if (cls == "Integer")
      return IntDomain{static_cast<std::int64_t>(round_half_even(kw.at("lower").get<double>())),
                       static_cast<std::int64_t>(round_half_even(kw.at("upper").get<double>())),
                       scale};
    if (cls == "Categorical") return CategoricalDomain{cats()};
    if (cls == "Ordinal") return OrdinalDomain{cats(), "equal"};
    if (cls == "OrdinalNearestNeighbor")
      return OrdinalDomain{cats(), kw.value("log_scale", false) ? "nn-log" : "nn"};
    if (cls == "FiniteRange")
      return FiniteRangeDomain{kw.at("lower").get<double>(), kw.at("upper").get<double>(),
                               kw.at("size").get<std::int64_t>(),
                               kw.value("log_scale", false) ? Scale::kLog : Scale::kLinear,
                               kw.value("cast_int", false)};
    throw InvalidArgument(what + ": unknown domain_cls '" + cls +
                          "' (known: Float, Integer, Categorical, Ordinal, "
                          "OrdinalNearestNeighbor, FiniteRange)");
  } catch (const nlohmann::json::exception& e) {
    throw InvalidArgument(what + ": malformed domain " + j.dump() + " (" + e.what() + ")");
  }
}

constexpr const char* kAcceptedForms =
    "accepted forms: name=uniform(l,u), loguniform(l,u), randint(l,u), lograndint(l,u), "
    "choice(a,b,...), ordinal(a,b,...[,kind=equal|nn|nn-log]), logordinal(a,b,...), "
    "finrange(l,u,n[,cast_int=true]), logfinrange(l,u,n[,cast_int=true]), or a constant "
    "(number, string, \"quoted string\", JSON list/object)";

std::string trim(std::string_view s) {
  std::size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

// Splits at top-level commas, respecting quotes and brackets.
std::vector<std::string> split_args(const std::string& s, const std::string& what) {
  std::vector<std::string> out;
  std::string cur;
  int depth = 0;
  char quote = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (quote) {
      cur += c;
      if (c == '\\' && quote == '"' && i + 1 < s.size()) cur += s[++i];
      else if (c == quote) quote = 0;
      continue;
    }
    if (c == '"' || c == '\'') quote = c;
    if (c == '[' || c == '{' || c == '(') ++depth;
    if (c == ']' || c == '}' || c == ')') --depth;
    if (c == ',' && depth == 0) {
      out.push_back(trim(cur));
      cur.clear();
      continue;
    }
    cur += c;
  }
  if (quote) throw InvalidArgument(what + ": unterminated quote; " + kAcceptedForms);
  out.push_back(trim(cur));
  if (out.size() == 1 && out[0].empty()) out.clear();
  return out;
}

std::optional<Json> parse_number(const std::string& t) {
  if (t.empty()) return std::nullopt;
  const char* b = t.c_str();
  char* end = nullptr;
  const bool integral = t.find_first_of(".eEnN") == std::string::npos;
  if (integral) {
    errno = 0;
    const long long v = std::strtoll(b, &end, 10);
    if (*end == '\0' && errno == 0) return Json(static_cast<std::int64_t>(v));
  }
  const double d = std::strtod(b, &end);
  if (*end == '\0' && std::isfinite(d) && !std::isalpha(static_cast<unsigned char>(t[0])))
    return Json(d);
  return std::nullopt;
}

// One value: quoted string, number, true/false, JSON list/object, else a bare-word string.
Json parse_value(const std::string& t, const std::string& what) {
  if (t.size() >= 2 && t.front() == '\'' && t.back() == '\'') return Json(t.substr(1, t.size() - 2));
  if (!t.empty() && (t.front() == '"' || t.front() == '[' || t.front() == '{')) {
    try {
      return Json::parse(t);
    } catch (const nlohmann::json::exception&) {
      throw InvalidArgument(what + ": cannot parse " + t + " as JSON; " + kAcceptedForms);
    }
  }
  if (auto n = parse_number(t)) return *n;
  if (t == "true") return Json(true);
  if (t == "false") return Json(false);
  return Json(t);
}

double as_double(const Json& v, const std::string& what) {
  if (!v.is_number()) throw InvalidArgument(what + ": expected a number, got " + v.dump());
  return v.get<double>();
}
std::int64_t as_int(const Json& v, const std::string& what) {
  const double d = as_double(v, what);
  if (d != std::floor(d)) throw InvalidArgument(what + ": expected an integer, got " + v.dump());
  return static_cast<std::int64_t>(d);
}

bool needs_quotes(const std::string& s) {
  if (s.empty() || parse_number(s) || s == "true" || s == "false" || s == "null") return true;
  for (char c : s)
    if (std::isspace(static_cast<unsigned char>(c)) || std::string_view(",()[]{}\"'=\\").find(c) !=
                                                          std::string_view::npos)
      return true;
  return false;
}

std::string value_text(const Json& v) {
  if (v.is_string() && !needs_quotes(v.get<std::string>())) return v.get<std::string>();
  return v.dump();
}

std::string list_text(const std::vector<Json>& cats) {
  std::string out;
  for (const auto& c : cats) out += (out.empty() ? "" : ",") + value_text(c);
  return out;
}

}  // namespace

Json ConfigSpace::to_json() const {
  Json j = Json::object();
  for (const auto& hp : hps_) j[hp.name] = domain_to_json(hp.domain);
  return j;
}

ConfigSpace ConfigSpace::from_json(const Json& j) {
  // Syne Tune's metadata.json stores the config space as a JSON string inside JSON.
  if (j.is_string()) return from_json(parse_json_lenient(j.get<std::string>()));
  if (!j.is_object())
    throw InvalidArgument("a config space must be a JSON object name -> domain, got " +
                          j.dump().substr(0, 200));
  ConfigSpace cs;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const Json& v = it.value();
    if (v.is_object() && v.contains("domain_cls"))
      cs.add(it.key(), domain_from_json(it.key(), v));
    else
      cs.add(it.key(), ConstantDomain{v});
  }
  return cs;
}

void ConfigSpace::add_from_text(std::string_view entry) {
  const auto eq = entry.find('=');
  if (eq == std::string_view::npos)
    throw InvalidArgument("config space entry '" + std::string(entry) +
                          "' has no '='; " + kAcceptedForms);
  const std::string name = trim(entry.substr(0, eq));
  const std::string expr = trim(entry.substr(eq + 1));
  const std::string what = "hyperparameter '" + name + "' (" + expr + ")";
  if (name.empty())
    throw InvalidArgument("config space entry '" + std::string(entry) + "' has no name; " +
                          kAcceptedForms);
  // `ident(...)`: a domain function.
  std::size_t i = 0;
  while (i < expr.size() && (std::isalnum(static_cast<unsigned char>(expr[i])) || expr[i] == '_'))
    ++i;
  const bool call = i > 0 && i < expr.size() && expr[i] == '(' && expr.back() == ')' &&
                    std::isalpha(static_cast<unsigned char>(expr[0]));
  if (!call) {
    if (expr.empty()) throw InvalidArgument(what + ": empty value; " + kAcceptedForms);
    add(name, ConstantDomain{parse_value(expr, what)});
    return;
  }
  const std::string fn = expr.substr(0, i);
  std::vector<Json> args;
  std::string kind;
  bool cast_int = false;
  for (const auto& a : split_args(expr.substr(i + 1, expr.size() - i - 2), what)) {
    if (a.rfind("kind=", 0) == 0) {
      kind = trim(a.substr(5));
      if (kind.size() >= 2 && (kind.front() == '"' || kind.front() == '\''))
        kind = kind.substr(1, kind.size() - 2);
    } else if (a.rfind("cast_int=", 0) == 0) {
      const std::string v = trim(a.substr(9));
      cast_int = v == "true" || v == "True" || v == "1";
    } else {
      args.push_back(parse_value(a, what));
    }
  }
  auto need = [&](std::size_t lo, std::size_t hi) {
    if (args.size() < lo || args.size() > hi)
      throw InvalidArgument(what + ": " + fn + " takes " +
                            (lo == hi ? std::to_string(lo) : std::to_string(lo) + "-" + std::to_string(hi)) +
                            " arguments, got " + std::to_string(args.size()) + "; " + kAcceptedForms);
  };
  // choice([a,b]) is accepted as well as choice(a,b).
  auto list_args = [&] {
    if (args.size() == 1 && args[0].is_array()) return args[0].get<std::vector<Json>>();
    return args;
  };
  Domain d;
  if (fn == "uniform" || fn == "loguniform") {
    need(2, 2);
    d = FloatDomain{as_double(args[0], what), as_double(args[1], what),
                    fn == "loguniform" ? Scale::kLog : Scale::kLinear};
  } else if (fn == "randint" || fn == "lograndint") {
    need(2, 2);
    d = IntDomain{as_int(args[0], what), as_int(args[1], what),
                  fn == "lograndint" ? Scale::kLog : Scale::kLinear};
  } else if (fn == "choice") {
    d = CategoricalDomain{list_args()};
  } else if (fn == "ordinal") {
    d = OrdinalDomain{list_args(), kind};
  } else if (fn == "logordinal") {
    d = OrdinalDomain{list_args(), "nn-log"};
  } else if (fn == "finrange" || fn == "logfinrange") {
    need(3, 4);
    if (args.size() == 4) cast_int = args[3].is_boolean() ? args[3].get<bool>() : false;
    d = FiniteRangeDomain{as_double(args[0], what), as_double(args[1], what),
                          as_int(args[2], what), fn == "logfinrange" ? Scale::kLog : Scale::kLinear,
                          cast_int};
  } else {
    throw InvalidArgument(what + ": unknown domain '" + fn + "'; " + kAcceptedForms);
  }
  add(name, std::move(d));
}

std::string ConfigSpace::domain_to_text(const Domain& d) {
  return std::visit(
      [](const auto& x) -> std::string {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, FloatDomain>) {
          return std::string(x.scale == Scale::kLog ? "loguniform(" : "uniform(") +
                 Json(x.lower).dump() + "," + Json(x.upper).dump() + ")";
        } else if constexpr (std::is_same_v<T, IntDomain>) {
          return std::string(x.scale == Scale::kLog ? "lograndint(" : "randint(") +
                 std::to_string(x.lower) + "," + std::to_string(x.upper) + ")";
        } else if constexpr (std::is_same_v<T, CategoricalDomain>) {
          return "choice(" + list_text(x.categories) + ")";
        } else if constexpr (std::is_same_v<T, OrdinalDomain>) {
          if (x.kind == "nn-log") return "logordinal(" + list_text(x.categories) + ")";
          return "ordinal(" + list_text(x.categories) + ",kind=" + x.kind + ")";
        } else if constexpr (std::is_same_v<T, FiniteRangeDomain>) {
          return std::string(x.scale == Scale::kLog ? "logfinrange(" : "finrange(") +
                 Json(x.lower).dump() + "," + Json(x.upper).dump() + "," +
                 std::to_string(x.size) + (x.cast_int ? ",cast_int=true)" : ")");
        } else {
          return value_text(x.value);
        }
      },
      d);
}

}  // namespace synetune
