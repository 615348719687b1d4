#include <algorithm>
#include <iostream>
#include <string>
#include <vector>

#include "commands.hpp"
#include "flag_checks.hpp"
#include "tune_setup.hpp"
#include "synetune/core/error.hpp"

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
  for (CLI::App* cmd : app.get_subcommands(std::function<bool(CLI::App*)>{}))
    synetune::cli::check_numeric_flags(*cmd);
  synetune::cli::ConfigFileArgs config;
  // Every error exits with 2 and names the flag (and the --config key it came from); a
  // subcommand's own non-zero status (CLI::RuntimeError) is passed through.
  auto fail = [&](const std::string& message) {
    std::cerr << "synetune: error: " << synetune::cli::blame_config_file(message, config) << "\n";
    return 2;
  };
  int rc = 0;
  try {
    config = synetune::cli::expand_config_file(app, std::vector<std::string>(argv + 1, argv + argc));
    std::vector<std::string> args = config.args;
    std::reverse(args.begin(), args.end());  // CLI11 takes a reversed vector
    app.parse(args);
  } catch (const CLI::RuntimeError& e) {
    rc = e.get_exit_code();
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    rc = fail(e.what());
    std::cerr << "Run with --help for the flags and their ranges.\n";
  } catch (const std::exception& e) {
    rc = fail(e.what());
  }
  // Stopped by Ctrl-C or SIGTERM, everything flushed: 130 / 143, as shells expect.
  if (const int sig = synetune::cli::stop_signal_received()) return 128 + sig;
  return rc;
}
