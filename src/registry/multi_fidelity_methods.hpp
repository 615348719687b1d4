#pragma once
// Factories for the multi-fidelity short names (ASHA, Hyperband, SyncHyperband, SyncSH,
// MedianStoppingRule, PBT); options use Syne Tune's names, unknown keys are rejected.
#include <memory>

#include "synetune/registry.hpp"

namespace synetune::registry_detail {

std::unique_ptr<Scheduler> make_asha(const MethodSpec& spec);
std::unique_ptr<Scheduler> make_hyperband(const MethodSpec& spec);
std::unique_ptr<Scheduler> make_sync_hyperband(const MethodSpec& spec);
std::unique_ptr<Scheduler> make_sync_sh(const MethodSpec& spec);
std::unique_ptr<Scheduler> make_median_stopping_rule(const MethodSpec& spec);
std::unique_ptr<Scheduler> make_pbt(const MethodSpec& spec);
// Model-based multi-fidelity: HyperbandScheduler + MultiFidelityGPSearcher.
std::unique_ptr<Scheduler> make_mobster(const MethodSpec& spec);
std::unique_ptr<Scheduler> make_hypertune(const MethodSpec& spec);

}  // namespace synetune::registry_detail
