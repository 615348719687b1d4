#include <algorithm>
#include <fstream>
#include <iostream>
#include <set>
#include <string>
#include <vector>

#include "commands.hpp"
#include "tune_setup.hpp"
#include "synetune/core/error.hpp"
#include "synetune/core/json.hpp"

namespace {

// `tune --config FILE`: the JSON file's keys are flags without the leading dashes
// ("n-workers" or "n_workers"); lists repeat the flag. Flags given on the command line win,
// so the file's entries are only added for flags the user did not type.
std::vector<std::string> expand_config_file(const std::vector<std::string>& args) {
  std::vector<std::string> out;
  std::string file;
  std::set<std::string> given;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--config" && i + 1 < args.size()) {
      file = args[++i];
      continue;
    }
    if (args[i].rfind("--config=", 0) == 0) {
      file = args[i].substr(9);
      continue;
    }
    if (args[i].rfind("--", 0) == 0) given.insert(args[i].substr(0, args[i].find('=')));
    out.push_back(args[i]);
  }
  if (file.empty()) return out;
  std::ifstream in(file);
  if (!in) throw synetune::InvalidArgument("--config: cannot read " + file);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  synetune::Json j = synetune::parse_json_lenient(text);
  if (!j.is_object()) throw synetune::InvalidArgument("--config: " + file + " must hold a JSON object");
  std::vector<std::string> extra;
  for (auto it = j.begin(); it != j.end(); ++it) {
    std::string flag = "--" + it.key();
    for (char& c : flag)
      if (c == '_') c = '-';
    if (given.count(flag)) continue;
    const auto& v = it.value();
    auto str = [](const synetune::Json& x) { return x.is_string() ? x.get<std::string>() : x.dump(); };
    if (v.is_boolean()) {
      if (v.get<bool>()) extra.push_back(flag);
    } else if (v.is_array() && it.key() != "points-to-evaluate" && it.key() != "points_to_evaluate") {
      for (const auto& e : v) extra.insert(extra.end(), {flag, str(e)});
    } else {
      extra.insert(extra.end(), {flag, str(v)});
    }
  }
  // After the subcommand name, before the user's own flags.
  out.insert(out.begin() + (out.empty() ? 0 : 1), extra.begin(), extra.end());
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"synetune: hyperparameter tuning (Syne Tune compatible)", "synetune"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "synetune 0.1.0");
  synetune::cli::register_tune(app);
  synetune::cli::register_resume(app);
  synetune::cli::register_show(app);
  synetune::cli::register_list(app);
  synetune::cli::register_plot(app);
  synetune::cli::register_benchmark(app);
  synetune::cli::register_blackbox_script(app);
  int rc = 0;
  try {
    std::vector<std::string> args(argv + 1, argv + argc);
    args = expand_config_file(args);
    std::reverse(args.begin(), args.end());  // CLI11 takes a reversed vector
    app.parse(args);
  } catch (const CLI::ParseError& e) {
    rc = app.exit(e);
  } catch (const synetune::Error& e) {
    std::cerr << "synetune: error: " << e.what() << "\n";
    rc = 2;
  } catch (const std::exception& e) {
    std::cerr << "synetune: error: " << e.what() << "\n";
    rc = 2;
  }
  // Stopped by Ctrl-C or SIGTERM, everything flushed: 130 / 143, as shells expect.
  if (const int sig = synetune::cli::stop_signal_received()) return 128 + sig;
  return rc;
}
