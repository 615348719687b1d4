#include "flag_checks.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <functional>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>
#include <string_view>

#include "synetune/core/check.hpp"
#include "synetune/core/error.hpp"

namespace synetune::cli {
namespace {

// The valid range of one numeric flag. Every subcommand that has the flag gets this range, so
// `--n-workers` means the same for tune, resume and benchmark.
struct Limit {
  std::string_view flag;
  bool integer;
  double lo, hi;            // numbers
  bool lo_open;             // numbers: lo itself is excluded ("greater than 0")
  std::int64_t ilo;         // integers
  std::uint64_t ihi;
};
constexpr Limit integer(std::string_view flag, std::int64_t lo, std::uint64_t hi) {
  return {flag, true, 0, 0, false, lo, hi};
}
constexpr Limit number(std::string_view flag, double lo, double hi, bool lo_open = false) {
  return {flag, false, lo, hi, lo_open, 0, 0};
}
constexpr std::uint64_t kBillion = 1000000000;

// Upper bounds are generous but finite: a value past them is a typo (an extra digit, seconds
// for milliseconds), and plain numbers read better than 1.8e308 in an error.
constexpr Limit kLimits[] = {
    integer("--n-workers", 1, 4096),
    integer("--seed", 0, std::numeric_limits<std::uint64_t>::max()),
    integer("--max-failures", 0, kBillion),
    number("--max-wallclock-time", 0, 1e9, true),
    integer("--max-num-evaluations", 0, kBillion),
    integer("--max-num-trials-started", 0, kBillion),
    integer("--max-num-trials-completed", 0, kBillion),
    integer("--max-num-trials-finished", 0, kBillion),
    number("--max-cost", 0, 1e12),
    integer("--gpus-per-trial", 0, 1024),
    integer("--gpus", 0, 1023),
    number("--kill-grace-period", 0, 3600),
    integer("--slurm-cpus-per-task", 0, 4096),
    integer("--slurm-gpus-per-trial", 0, 1024),
    number("--max-t", 1, 1e9),
    integer("--grace-period", 1, kBillion),
    number("--reduction-factor", 2, 1000),
    integer("--brackets", 1, 100),
    integer("--population-size", 1, 10000),
    number("--perturbation-interval", 0, 1e9, true),
    number("--quantile-fraction", 0, 0.5),
    number("--resample-probability", 0, 1),
    number("--simulator-latency", 0, 3600),
    number("--results-update-interval", 0, 1e9, true),
    number("--print-update-interval", 0, 1e9),
    integer("--threads", 0, 1024),
    integer("--width", 100, 10000),
    integer("--height", 100, 10000),
    number("--time-scale", 0, 1000),
    integer("--table-seed", 0, 1000),
};

std::string plain(double v) {
  if (v == std::floor(v) && std::abs(v) < 1e18) return std::to_string(static_cast<long long>(v));
  std::ostringstream out;
  out << v;
  return out.str();
}

// True if `s` is an integer (optional sign, digits only) within [lo, hi].
bool integer_within(const std::string& s, std::int64_t lo, std::uint64_t hi) {
  const bool negative = !s.empty() && s[0] == '-';
  const char* b = s.data() + (negative || (!s.empty() && s[0] == '+') ? 1 : 0);
  const char* e = s.data() + s.size();
  std::uint64_t magnitude = 0;
  auto [end, ec] = std::from_chars(b, e, magnitude);
  if (b == e || ec != std::errc() || end != e) return false;
  if (!negative) return magnitude <= hi && (lo <= 0 || magnitude >= static_cast<std::uint64_t>(lo));
  if (magnitude == 0) return lo <= 0;
  // -magnitude >= lo, for lo < 0: magnitude <= -lo, computed without overflow.
  return lo < 0 && magnitude - 1 <= static_cast<std::uint64_t>(-(lo + 1));
}

bool number_within(const std::string& s, const Limit& l) {
  const char* b = s.c_str();
  char* end = nullptr;
  const double v = std::strtod(b, &end);
  if (s.empty() || *end != '\0' || !std::isfinite(v)) return false;
  return (l.lo_open ? v > l.lo : v >= l.lo) && v <= l.hi;
}

CLI::Validator range_validator(const Limit& l) {
  // Shown by --help after the type: `INT in [1, 4096]`, `FLOAT in (0, 1000000000]`.
  const std::string desc =
      l.integer ? "in [" + std::to_string(l.ilo) + ", " + std::to_string(l.ihi) + "]"
                : (l.lo_open ? "in (" : "in [") + plain(l.lo) + ", " + plain(l.hi) + "]";
  return CLI::Validator(
      [l](std::string& s) -> std::string {
        const bool ok = l.integer ? integer_within(s, l.ilo, l.ihi) : number_within(s, l);
        if (ok) return {};
        const std::string range =
            l.integer ? "an integer between " + std::to_string(l.ilo) + " and " + std::to_string(l.ihi)
            : l.lo_open ? "a number greater than " + plain(l.lo) + " and at most " + plain(l.hi)
                        : "a number between " + plain(l.lo) + " and " + plain(l.hi);
        // Thrown rather than returned: CLI11 would prefix "--flag: " and exit with its own code.
        throw InvalidArgument(std::string(l.flag) + " must be " + range + ", got " + s);
      },
      desc);
}

// The options of `cmd` and of its option groups (nameless subcommands).
void collect_options(CLI::App& cmd, std::vector<CLI::Option*>& out) {
  for (CLI::Option* o : cmd.get_options(std::function<bool(CLI::Option*)>{})) out.push_back(o);
  for (CLI::App* sub : cmd.get_subcommands([](CLI::App* s) { return s->get_name().empty(); }))
    collect_options(*sub, out);
}

}  // namespace

void check_numeric_flags(CLI::App& cmd) {
  std::vector<CLI::Option*> options;
  collect_options(cmd, options);
  for (CLI::Option* opt : options) {
    const std::string type = opt->get_type_name();
    const bool numeric = type.find("INT") != std::string::npos || type.find("FLOAT") != std::string::npos;
    if (!numeric || opt->get_lnames().empty()) continue;
    const std::string flag = "--" + opt->get_lnames().front();
    const Limit* limit = nullptr;
    for (const auto& l : kLimits)
      if (l.flag == flag) limit = &l;
    // A new numeric flag without a range is a bug of this program, found at the first run.
    SYNETUNE_CHECK(limit != nullptr) << "numeric flag " << flag << " of `" << cmd.get_name()
                                     << "` has no range in flag_checks.cpp's kLimits";
    opt->check(range_validator(*limit));
  }
}

namespace {

void replace_all(std::string& s, const std::string& from, const std::string& to) {
  for (std::size_t pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size()))
    s.replace(pos, from.size(), to);
}

bool identifier_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// Replaces `word` where it stands alone (not inside a longer name).
void replace_word(std::string& s, const std::string& word, const std::string& to) {
  for (std::size_t pos = s.find(word); pos != std::string::npos; pos = s.find(word, pos)) {
    const bool alone = (pos == 0 || (!identifier_char(s[pos - 1]) && s[pos - 1] != '-')) &&
                       (pos + word.size() == s.size() || !identifier_char(s[pos + word.size()]));
    if (!alone) {
      pos += word.size();
      continue;
    }
    s.replace(pos, word.size(), to);
    pos += to.size();
  }
}

}  // namespace

std::string option_error_to_flags(std::string message, const std::vector<std::string>& from_flags) {
  // The schedulers' hint names the library's ways to set max_t; the CLI's are these.
  replace_all(message, "pass option 'max_t' or set the problem's max_t",
              "pass --max-t, or give the space a numeric constant epochs (or max_epochs, max_t, "
              "or the --max-resource-attr name)");
  for (const auto& key : from_flags) {
    std::string flag = "--" + key;
    for (char& c : flag)
      if (c == '_') c = '-';
    replace_all(message, "option '" + key + "'", flag);
    replace_all(message, "'" + key + "'", flag);
    replace_word(message, key, flag);
  }
  // What is left of "option 'x'" came from the JSON of --method-options.
  if (message.find("option '") != std::string::npos) message = "--method-options: " + message;
  return message;
}

std::vector<std::uint64_t> parse_seed_list(const std::string& text) {
  struct Span {
    std::uint64_t lo, hi;
  };
  std::vector<Span> spans;
  std::uint64_t count = 0;
  std::stringstream ss(text);
  for (std::string part; std::getline(ss, part, ',');) {
    if (part.empty()) continue;
    const auto dash = part.find('-', 1);
    const std::string a = part.substr(0, dash);
    const std::string b = dash == std::string::npos ? a : part.substr(dash + 1);
    constexpr auto kMax = std::numeric_limits<std::uint64_t>::max();
    if (!integer_within(a, 0, kMax) || !integer_within(b, 0, kMax) ||
        std::stoull(b) < std::stoull(a))
      throw InvalidArgument("--seeds: '" + part + "' is not a seed or a range lo-hi of seeds " +
                            "(integers from 0); use e.g. 0-9 or 0,3,5");
    const Span sp{std::stoull(a), std::stoull(b)};
    // Counted before anything is stored: 0-100000000000 must fail at once, not allocate.
    const std::uint64_t n = sp.hi - sp.lo;
    if (n >= kMaxSeeds || (count += n + 1) > kMaxSeeds)
      throw InvalidArgument("--seeds must name at most " + std::to_string(kMaxSeeds) +
                            " seeds (each is a run per method and benchmark), got '" + text + "'");
    spans.push_back(sp);
  }
  std::vector<std::uint64_t> out;
  out.reserve(count);
  for (const auto& sp : spans)
    for (std::uint64_t s = sp.lo;; ++s) {
      out.push_back(s);
      if (s == sp.hi) break;
    }
  return out;
}

namespace {

// A value of the config file as command-line words for `flag` (a switch when `is_switch`).
void append_config_value(std::vector<std::string>& out, const std::string& flag,
                         const Json& v, bool is_switch, const std::string& where) {
  auto text = [](const Json& x) { return x.is_string() ? x.get<std::string>() : x.dump(); };
  if (is_switch) {
    if (!v.is_boolean()) throw InvalidArgument(where + " must be true or false, got " + v.dump());
    if (v.get<bool>()) out.push_back(flag);
  } else if (v.is_boolean() || v.is_null()) {
    throw InvalidArgument(where + " needs a value for " + flag + ", got " + v.dump());
  } else if (v.is_array() && flag != "--points-to-evaluate") {
    for (const auto& e : v) out.insert(out.end(), {flag, text(e)});
  } else {
    out.insert(out.end(), {flag, text(v)});  // objects as JSON text (--method-options)
  }
}

Json read_config_file(const std::string& file) {
  std::ifstream in(file);
  if (!in) throw InvalidArgument("--config " + file + ": cannot read the file");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  Json j;
  try {
    j = parse_json_lenient(text);
  } catch (const std::exception& e) {
    throw InvalidArgument("--config " + file + " is not valid JSON: " + e.what());
  }
  if (!j.is_object())
    throw InvalidArgument("--config " + file + " must hold a JSON object of flags, e.g. " +
                          "{\"n-workers\": 4}");
  return j;
}

}  // namespace

ConfigFileArgs expand_config_file(const CLI::App& app, const std::vector<std::string>& args) {
  ConfigFileArgs out;
  std::set<std::string> given;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--config" && i + 1 < args.size()) {
      out.file = args[++i];
    } else if (args[i].rfind("--config=", 0) == 0) {
      out.file = args[i].substr(9);
    } else {
      if (args[i].rfind("--", 0) == 0) given.insert(args[i].substr(0, args[i].find('=')));
      out.args.push_back(args[i]);
    }
  }
  if (out.file.empty()) return out;
  const Json j = read_config_file(out.file);
  const CLI::App* cmd = nullptr;
  if (!out.args.empty())
    for (const CLI::App* sub : app.get_subcommands(std::function<bool(const CLI::App*)>{}))
      if (sub->get_name() == out.args[0]) cmd = sub;
  if (!cmd) throw InvalidArgument("--config " + out.file + ": give the subcommand first, e.g. synetune tune --config FILE");
  std::vector<std::string> extra;
  for (auto it = j.begin(); it != j.end(); ++it) {
    std::string flag = "--" + it.key();
    for (char& c : flag)
      if (c == '_') c = '-';
    const std::string where = "key '" + it.key() + "' of --config " + out.file;
    const CLI::Option* opt = cmd->get_option_no_throw(flag);
    if (!opt || flag == "--config")
      throw InvalidArgument(where + ": `synetune " + cmd->get_name() + "` has no flag " + flag +
                            " (see synetune " + cmd->get_name() + " --help)");
    // Checked even when the command line overrides it: the file should not hold a typo.
    std::vector<std::string> words;
    append_config_value(words, flag, it.value(), opt->get_expected_max() == 0, where);
    if (given.count(flag)) continue;
    out.keys[flag] = it.key();
    extra.insert(extra.end(), words.begin(), words.end());
  }
  // After the subcommand name, before the user's own flags.
  out.args.insert(out.args.begin() + 1, extra.begin(), extra.end());
  return out;
}

std::string blame_config_file(const std::string& message, const ConfigFileArgs& config) {
  for (const auto& [flag, key] : config.keys) {
    // The flag itself, not a longer one that starts with it (--max-t, --max-t-foo).
    const std::size_t pos = message.find(flag);
    const std::size_t after = pos + flag.size();
    if (pos != std::string::npos &&
        (after == message.size() || (!identifier_char(message[after]) && message[after] != '-')))
      return message + " (key '" + key + "' of --config " + config.file + ")";
  }
  return message;
}

}  // namespace synetune::cli
