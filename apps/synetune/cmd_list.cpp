// `synetune list`: the experiments under the output root, oldest first.
#include <chrono>
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "synetune/experiments/experiment_result.hpp"
#include "synetune/experiments/experiment_summary.hpp"
#include "synetune/tuner/tuner.hpp"

namespace synetune::cli {

void register_list(CLI::App& app) {
  auto root = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand("list", "List the experiments under the output root");
  cmd->add_option("--root", *root, "Output root (default: $SYNETUNE_FOLDER or ~/syne-tune)");
  cmd->callback([root]() {
    const std::filesystem::path r = root->empty() ? default_output_root() : std::filesystem::path(*root);
    auto exps = list_experiments(r);
    if (exps.empty()) {
      std::cout << "No experiment under " << r.string() << "\n";
      return;
    }
    const double now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    std::cout << experiment_table(exps, now);
  });
}

}  // namespace synetune::cli
