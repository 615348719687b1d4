#include "commands.hpp"

namespace synetune::cli {
void register_show(CLI::App& app) { (void)app; }  // not implemented yet
}  // namespace synetune::cli
