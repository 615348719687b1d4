#include "commands.hpp"

namespace synetune::cli {
void register_blackbox_script(CLI::App& app) { (void)app; }  // not implemented yet
}  // namespace synetune::cli
