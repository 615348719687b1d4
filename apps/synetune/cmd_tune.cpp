#include "commands.hpp"

namespace synetune::cli {
void register_tune(CLI::App& app) { (void)app; }
}  // namespace synetune::cli
