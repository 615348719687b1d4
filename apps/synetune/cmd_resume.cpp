#include "commands.hpp"

namespace synetune::cli {
void register_resume(CLI::App& app) { (void)app; }  // not implemented yet
}  // namespace synetune::cli
