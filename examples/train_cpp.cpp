// Training program in C++ using synetune's header-only reporter and checkpoint helpers.
//
//   train_cpp --width 3.5 --height 20 --epochs 10 [--sleep_time 0.05] [--st_checkpoint_dir D]
//
// Same objective as examples/train_height.py; checkpoints every epoch and, when resumed with
// the same checkpoint folder, continues after the last saved epoch.
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>

#include "synetune/checkpoint.hpp"
#include "synetune/reporter.hpp"

namespace {

// Value of `--name <v>` in argv, or `fallback`. Unknown flags are ignored (as parse_known_args).
double flag(int argc, char** argv, const std::string& name, double fallback) {
  for (int i = 1; i + 1 < argc; ++i)
    if (argv[i] == "--" + name) return std::strtod(argv[i + 1], nullptr);
  return fallback;
}

}  // namespace

int main(int argc, char** argv) {
  const double width = flag(argc, argv, "width", 10.0);
  const double height = flag(argc, argv, "height", 0.0);
  const int epochs = static_cast<int>(flag(argc, argv, "epochs", 10));
  const double sleep_time = flag(argc, argv, "sleep_time", 0.0);
  const auto checkpoint_dir = synetune::parse_checkpoint_dir(argc, argv);

  int start = checkpoint_dir ? synetune::load_checkpoint_epoch(*checkpoint_dir) : 0;
  if (checkpoint_dir) std::cout << "resuming after epoch " << start << std::endl;

  synetune::Reporter report;
  for (int epoch = start + 1; epoch <= epochs; ++epoch) {
    std::cout << "training epoch " << epoch << std::endl;
    if (sleep_time > 0) std::this_thread::sleep_for(std::chrono::duration<double>(sleep_time));
    const int step = epoch - 1;
    const double mean_loss = 1.0 / (0.1 + width * step / 100.0) + height * 0.1;
    if (checkpoint_dir) synetune::save_checkpoint(*checkpoint_dir, epoch, {{"mean_loss", mean_loss}});
    report({{"epoch", epoch}, {"mean_loss", mean_loss}});
  }
  return 0;
}
