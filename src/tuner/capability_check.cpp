// The scheduler's requirements against the backend's capabilities (check_backend_capabilities).
#include <string>
#include <vector>

#include "synetune/core/error.hpp"
#include "synetune/tuner/tuner.hpp"

namespace synetune {

void check_backend_capabilities(const Scheduler& scheduler, const Backend& backend) {
  const SchedulerRequirements need = scheduler.requirements();
  const BackendCapabilities can = backend.capabilities();
  std::vector<std::string> missing;
  if (need.pause_resume && !can.pause_resume)
    missing.push_back("pausing trials and resuming them later (capabilities().pause_resume is false)");
  if (need.warm_start && !can.warm_start)
    missing.push_back("starting a trial from another trial's checkpoint (capabilities().warm_start is false)");
  if (missing.empty()) return;
  std::string method = need.method;
  if (method.empty()) method = scheduler.metadata().value("scheduler_name", std::string("the scheduler"));
  std::string what = missing[0];
  for (std::size_t i = 1; i < missing.size(); ++i) what += " and " + missing[i];
  throw InvalidArgument(method + " cannot run on " + backend.name() + ": it needs " + what +
                        ", which " + backend.name() +
                        " does not support. Use a backend that does (LocalBackend, SlurmBackend and "
                        "SimulatorBackend all do), or a method that needs neither (FIFO methods, "
                        "stopping-type ASHA/Hyperband, the median stopping rule)");
}

}  // namespace synetune
