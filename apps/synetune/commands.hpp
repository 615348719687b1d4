#pragma once
// Each subcommand lives in its own cmd_<name>.cpp and registers itself on the CLI11 app.
#include <CLI/CLI.hpp>

namespace synetune::cli {

void register_tune(CLI::App& app);
void register_resume(CLI::App& app);
void register_show(CLI::App& app);
void register_list(CLI::App& app);
void register_plot(CLI::App& app);
void register_benchmark(CLI::App& app);
void register_blackbox_script(CLI::App& app);

}  // namespace synetune::cli
