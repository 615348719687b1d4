#include <iostream>

#include "synetune/core/error.hpp"
#include "commands.hpp"

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
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const synetune::Error& e) {
    std::cerr << "synetune: error: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
