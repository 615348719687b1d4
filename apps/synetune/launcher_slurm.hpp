#pragma once
#include "tune_setup.hpp"

namespace synetune::cli {

/// `synetune tune --launcher slurm ...`: checks the arguments, submits
/// `synetune tune <same arguments without --launcher> --tuner-name NAME` as a Slurm job,
/// prints the job id and the experiment name and path, and returns 0.
int launch_tuning_on_slurm(const TuneArgs& args);

}  // namespace synetune::cli
