// ConfigSpace <-> Syne Tune's JSON dict form, and the command-line text form `name=expr`.
#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <numbers>
#include <string_view>

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
    "(number, word, JSON list/object, or a JSON-quoted string such as name=\"f(x)\", which "
    "a string containing parentheses must be)";

constexpr std::array<std::string_view, 9> kDomainNames = {
    "uniform", "loguniform", "randint", "lograndint", "choice",
    "ordinal", "logordinal", "finrange", "logfinrange"};

[[noreturn]] void fail_text(const std::string& what, const std::string& problem) {
  throw InvalidArgument(what + ": " + problem + "; " + kAcceptedForms);
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

// " (did you mean 'uniform'?)" for a near miss such as `unifrom`, else "".
std::string did_you_mean(const std::string& fn) {
  std::string lower;
  for (char c : fn) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string_view best;
  std::size_t best_d = std::max<std::size_t>(2, lower.size() / 3) + 1;
  for (auto name : kDomainNames)
    if (const std::size_t d = edit_distance(lower, name); d < best_d) best = name, best_d = d;
  return best.empty() ? "" : " (did you mean '" + std::string(best) + "'?)";
}

// Index of the ')' closing the '(' at `open`, skipping quoted text; npos if it is never closed.
std::size_t matching_paren(const std::string& s, std::size_t open) {
  int depth = 0;
  char quote = 0;
  for (std::size_t i = open; i < s.size(); ++i) {
    const char c = s[i];
    if (quote) {
      if (c == '\\' && quote == '"') ++i;
      else if (c == quote) quote = 0;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '(') {
      ++depth;
    } else if (c == ')' && --depth == 0) {
      return i;
    }
  }
  return std::string::npos;
}

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
      fail_text(what, "cannot parse " + t + " as JSON");
    }
  }
  if (auto n = parse_number(t)) return *n;
  if (t == "true") return Json(true);
  if (t == "false") return Json(false);
  // A bare word with parentheses is a mistyped domain far more often than a wanted string, so
  // it is never taken as a string: the literal must be quoted, which makes it unambiguous.
  if (t.find_first_of("()") != std::string::npos)
    fail_text(what, "'" + t + "' has parentheses but is not a domain call; to pass it as a "
                        "literal string, JSON-quote it: " + Json(t).dump());
  return Json(t);
}

double as_double(const Json& v, const std::string& what) {
  if (!v.is_number()) fail_text(what, "expected a number, got " + v.dump());
  return v.get<double>();
}
std::int64_t as_int(const Json& v, const std::string& what) {
  const double d = as_double(v, what);
  if (d != std::floor(d)) fail_text(what, "expected an integer, got " + v.dump());
  return static_cast<std::int64_t>(d);
}
bool as_flag(const std::string& v, const std::string& what) {
  if (v == "true" || v == "True" || v == "1") return true;
  if (v == "false" || v == "False" || v == "0") return false;
  fail_text(what, "cast_int must be true or false, got '" + v + "'");
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

namespace {

// The domain of `fn(args)`; `fn` is one of kDomainNames.
Domain domain_from_call(const std::string& fn, const std::string& body, const std::string& what) {
  std::vector<Json> args;
  std::string kind;
  bool cast_int = false;
  for (const auto& a : split_args(body, what)) {
    if (a.rfind("kind=", 0) == 0) {
      kind = trim(a.substr(5));
      if (kind.size() >= 2 && (kind.front() == '"' || kind.front() == '\''))
        kind = kind.substr(1, kind.size() - 2);
    } else if (a.rfind("cast_int=", 0) == 0) {
      cast_int = as_flag(trim(a.substr(9)), what);
    } else {
      args.push_back(parse_value(a, what));
    }
  }
  auto need = [&](std::size_t lo, std::size_t hi) {
    if (args.size() < lo || args.size() > hi)
      fail_text(what, fn + " takes " +
                          (lo == hi ? std::to_string(lo) : std::to_string(lo) + "-" + std::to_string(hi)) +
                          " arguments, got " + std::to_string(args.size()));
  };
  // choice([a,b]) is accepted as well as choice(a,b).
  auto list_args = [&] {
    if (args.size() == 1 && args[0].is_array()) return args[0].get<std::vector<Json>>();
    return args;
  };
  const Scale scale = fn.rfind("log", 0) == 0 ? Scale::kLog : Scale::kLinear;
  if (fn == "uniform" || fn == "loguniform") {
    need(2, 2);
    return FloatDomain{as_double(args[0], what), as_double(args[1], what), scale};
  }
  if (fn == "randint" || fn == "lograndint") {
    need(2, 2);
    return IntDomain{as_int(args[0], what), as_int(args[1], what), scale};
  }
  if (fn == "choice") return CategoricalDomain{list_args()};
  if (fn == "ordinal") return OrdinalDomain{list_args(), kind};
  if (fn == "logordinal") return OrdinalDomain{list_args(), "nn-log"};
  need(3, 4);  // finrange, logfinrange
  if (args.size() == 4) {
    if (!args[3].is_boolean()) fail_text(what, "cast_int must be true or false, got " + args[3].dump());
    cast_int = args[3].get<bool>();
  }
  return FiniteRangeDomain{as_double(args[0], what), as_double(args[1], what),
                           as_int(args[2], what), scale, cast_int};
}

// `expr` looks like a domain call: an identifier of length `ident`, optional spaces, then the
// '(' at `open`. Anything that does not parse as one is an error, never a string constant.
Domain parse_call(const std::string& expr, std::size_t ident, std::size_t open,
                  const std::string& what) {
  const std::string fn = expr.substr(0, ident);
  const std::size_t close = matching_paren(expr, open);
  if (close == std::string::npos)
    fail_text(what, "unbalanced parentheses: the '(' after " + fn + " is never closed");
  if (close + 1 != expr.size())
    fail_text(what, "unexpected text '" + expr.substr(close + 1) + "' after " +
                        expr.substr(0, close + 1));
  if (std::find(kDomainNames.begin(), kDomainNames.end(), fn) == kDomainNames.end())
    fail_text(what, "unknown domain '" + fn + "'" + did_you_mean(fn));
  return domain_from_call(fn, expr.substr(open + 1, close - open - 1), what);
}

}  // namespace

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
  if (expr.empty()) fail_text(what, "empty value");
  // An identifier, optional spaces, then '(': a domain call (`uniform (0,1)` included).
  std::size_t ident = 0;
  while (ident < expr.size() &&
         (std::isalnum(static_cast<unsigned char>(expr[ident])) || expr[ident] == '_'))
    ++ident;
  std::size_t open = ident;
  while (open < expr.size() && std::isspace(static_cast<unsigned char>(expr[open]))) ++open;
  if (ident > 0 && std::isalpha(static_cast<unsigned char>(expr[0])) && open < expr.size() &&
      expr[open] == '(') {
    add(name, parse_call(expr, ident, open, what));
    return;
  }
  add(name, ConstantDomain{parse_value(expr, what)});
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
