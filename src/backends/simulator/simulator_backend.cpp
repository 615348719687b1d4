#include "synetune/backends/simulator_backend.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

#include "synetune/core/error.hpp"

namespace synetune {
namespace {

enum class TrialState { kNone, kRunning, kPaused, kStopped, kDone };

// One pending event. fidelity 0 marks the completion event. Events of a trial carry the
// trial's generation at scheduling time; pause/stop bump the generation, which drops them
// lazily (no scan of the queue).
struct Event {
  double time;
  std::uint64_t seq;
  TrialId trial;
  std::uint32_t gen;
  std::int64_t fidelity;
};
// std heap functions build a max-heap: "greater" puts the earliest (time, seq) on top.
struct Later {
  bool operator()(const Event& a, const Event& b) const {
    return a.time != b.time ? a.time > b.time : a.seq > b.seq;
  }
};

}  // namespace

struct SimulatorBackend::Impl {
  struct Trial {
    TrialState state = TrialState::kNone;
    Config config;
    std::int64_t config_index = -1;  // row in a table, -1 for analytic
    std::size_t seed = 0;
    std::vector<double> scratch;  // curve storage of analytic blackboxes
    CurveView curve;
    std::int64_t last_fidelity = 0;  // last fidelity delivered to the tuner
    std::int64_t max_fidelity = 0;   // this run stops after it
    double begin_time = 0;           // virtual time the current run began training
    double base_elapsed = 0;         // curve time at the fidelity the run continues from
    double prev_elapsed = 0;         // rebased elapsed time of the previous report
    std::uint32_t gen = 0;
  };

  const Blackbox* bb = nullptr;
  SimulatorOptions opt;
  std::size_t time_index = 0;
  std::vector<std::string> keys;  // objective names, then the resource attribute
  double now = 0;
  std::uint64_t seq = 0;
  std::vector<Event> heap;
  std::vector<Trial> trials;
  std::vector<Event> due;  // wait()'s buffer, kept to avoid an allocation per call
  std::chrono::steady_clock::time_point last_exit = std::chrono::steady_clock::now();

  Trial& trial(TrialId id, bool create = false) {
    if (id < 0) throw InvalidArgument("SimulatorBackend: negative trial id " + std::to_string(id));
    if (static_cast<std::size_t>(id) >= trials.size()) {
      if (!create)
        throw InvalidArgument("SimulatorBackend: unknown trial " + std::to_string(id));
      trials.resize(static_cast<std::size_t>(id) + 1);
    }
    Trial& t = trials[static_cast<std::size_t>(id)];
    if (!create && t.state == TrialState::kNone)
      throw InvalidArgument("SimulatorBackend: unknown trial " + std::to_string(id));
    return t;
  }

  void push(double time, TrialId id, std::int64_t fidelity) {
    heap.push_back({time, seq++, id, trials[static_cast<std::size_t>(id)].gen, fidelity});
    std::push_heap(heap.begin(), heap.end(), Later{});
  }
  bool stale(const Event& e) const { return trials[static_cast<std::size_t>(e.trial)].gen != e.gen; }
  void drop_stale_top() {
    while (!heap.empty() && stale(heap.front())) {
      std::pop_heap(heap.begin(), heap.end(), Later{});
      heap.pop_back();
    }
  }

  // Looks up the curve of the trial's config (and seed, drawn on first start).
  void bind_curve(Trial& t, TrialId id, bool draw_seed) {
    if (bb->is_tabulated()) {
      const auto ci = bb->config_index(t.config);
      t.config_index = static_cast<std::int64_t>(*ci);
    }
    if (draw_seed && opt.fixed_seed) {
      t.seed = *opt.fixed_seed;
    } else if (draw_seed && bb->num_seeds() <= 1) {
      t.seed = 0;  // the only seed (or none with data): what a draw would give, minus the Rng
    } else if (draw_seed) {
      const std::vector<std::size_t> seeds =
          t.config_index >= 0 ? bb->seeds_for(static_cast<std::size_t>(t.config_index))
                              : bb->seeds_for(0);
      if (!seeds.empty()) {
        Rng rng(derive_seed(opt.seed, "simulator_trial_seed", static_cast<std::uint64_t>(id)));
        t.seed = seeds[rng.index(seeds.size())];
      }
    }
    t.curve = t.config_index >= 0 ? bb->curve_at(static_cast<std::size_t>(t.config_index), t.seed)
                                  : bb->curve(t.config, t.seed, t.scratch);
  }

  std::int64_t limit_of(const Config& config) const {
    std::int64_t lim = bb->max_resource();
    if (!opt.max_resource_attr.empty() && config.is_object()) {
      auto it = config.find(opt.max_resource_attr);
      if (it != config.end() && it->is_number())
        lim = std::min(lim, static_cast<std::int64_t>(std::llround(it->get<double>())));
    }
    return lim;
  }

  double curve_time(const Trial& t, std::int64_t f) const {
    return f <= 0 ? 0.0 : t.curve.at(static_cast<std::size_t>(f), time_index);
  }

  // (Re)starts training of `t` after its last fidelity, at now + delay_start.
  void launch(Trial& t, TrialId id) {
    t.state = TrialState::kRunning;
    t.begin_time = now + opt.delay_start;
    t.max_fidelity = std::min<std::int64_t>(limit_of(t.config),
                                            static_cast<std::int64_t>(t.curve.n_fidelities));
    t.base_elapsed = curve_time(t, t.last_fidelity);
    if (!std::isfinite(t.base_elapsed)) t.base_elapsed = 0;
    t.prev_elapsed = 0;
    if (t.last_fidelity >= t.max_fidelity)
      push(t.begin_time + opt.delay_complete_after_final_report, id, 0);
    else
      schedule_result(t, id, t.last_fidelity + 1);
  }

  double rebased_elapsed(const Trial& t, std::int64_t f) const {
    double e = curve_time(t, f) - t.base_elapsed;
    // Syne Tune forces strictly increasing elapsed times (+0.01 s); also covers NaN cells.
    if (!(e > t.prev_elapsed)) e = t.prev_elapsed + 0.01;
    return e;
  }

  void schedule_result(Trial& t, TrialId id, std::int64_t f) {
    push(t.begin_time + rebased_elapsed(t, f) + opt.delay_on_trial_result, id, f);
  }

  BackendEvent process(const Event& e) {
    Trial& t = trials[static_cast<std::size_t>(e.trial)];
    BackendEvent out;
    out.trial_id = e.trial;
    out.time = e.time;
    if (e.fidelity == 0) {
      out.kind = BackendEvent::Kind::kCompleted;
      finish(t, TrialState::kDone);
      return out;
    }
    const double elapsed = rebased_elapsed(t, e.fidelity);
    t.prev_elapsed = elapsed;
    t.last_fidelity = e.fidelity;
    out.kind = BackendEvent::Kind::kResult;
    out.result.trial_id = e.trial;
    out.result.values.reserve(keys.size());
    const double* row = t.curve.data + (e.fidelity - 1) * t.curve.n_objectives;
    for (std::size_t k = 0; k + 1 < keys.size(); ++k)
      out.result.values.emplace_back(keys[k], k == time_index ? elapsed : row[k]);
    out.result.values.emplace_back(keys.back(), static_cast<double>(e.fidelity));
    if (e.fidelity < t.max_fidelity)
      schedule_result(t, e.trial, e.fidelity + 1);
    else
      push(e.time + opt.delay_complete_after_final_report, e.trial, 0);
    return out;
  }

  // A finished trial keeps only what a warm start or a later resume reads (its progress): a
  // resume rebinds its curve from the config it is given, as after load_state. Freeing the
  // config now, while it is still in cache, is cheaper than at destruction.
  static void finish(Trial& t, TrialState state) {
    t.state = state;
    t.config = Json();
    std::vector<double>().swap(t.scratch);
    t.curve = {};
    t.config_index = -1;
  }

  void charge_real_time() {
    if (!opt.add_real_compute_time) return;
    const auto t = std::chrono::steady_clock::now();
    now += std::chrono::duration<double>(t - last_exit).count();
  }
  void mark_exit() {
    if (opt.add_real_compute_time) last_exit = std::chrono::steady_clock::now();
  }
};

SimulatorBackend::SimulatorBackend(std::shared_ptr<const Blackbox> blackbox, SimulatorOptions options)
    : blackbox_(std::move(blackbox)), options_(std::move(options)), impl_(std::make_unique<Impl>()) {
  if (!blackbox_) throw InvalidArgument("SimulatorBackend: no blackbox given");
  for (double d : {options_.delay_on_trial_result, options_.delay_complete_after_final_report,
                   options_.delay_start, options_.delay_stop})
    if (!(d >= 0)) throw InvalidArgument("SimulatorOptions: delays must be >= 0 seconds");
  impl_->bb = blackbox_.get();
  impl_->opt = options_;
  const auto ti = blackbox_->objective_index(blackbox_->time_attr());
  if (!ti) throw InvalidArgument("blackbox '" + blackbox_->name() + "' has no time objective");
  impl_->time_index = *ti;
  for (const auto& o : blackbox_->objectives()) impl_->keys.push_back(o.name);
  impl_->keys.push_back(blackbox_->resource_attr());
}

SimulatorBackend::~SimulatorBackend() = default;

void SimulatorBackend::set_tuner_path(const std::filesystem::path& tuner_path) { (void)tuner_path; }

void SimulatorBackend::start(TrialId trial_id, const Config& config,
                             std::optional<TrialId> warm_start_from) {
  Impl& m = *impl_;
  m.charge_real_time();
  std::int64_t from = 0;
  if (warm_start_from) from = m.trial(*warm_start_from).last_fidelity;  // PBT: donor's progress
  Impl::Trial& t = m.trial(trial_id, true);
  if (t.state != TrialState::kNone)
    throw InvalidArgument("SimulatorBackend: trial " + std::to_string(trial_id) + " already started");
  t.config = config;
  m.bind_curve(t, trial_id, true);
  t.last_fidelity = std::min<std::int64_t>(from, static_cast<std::int64_t>(t.curve.n_fidelities));
  m.launch(t, trial_id);
  m.mark_exit();
}

void SimulatorBackend::pause(TrialId trial_id) {
  Impl& m = *impl_;
  m.charge_real_time();
  Impl::Trial& t = m.trial(trial_id);
  if (t.state == TrialState::kRunning) {
    ++t.gen;
    t.state = TrialState::kPaused;
    m.now += options_.delay_stop;
  }
  m.mark_exit();
}

void SimulatorBackend::resume(TrialId trial_id, const Config& config) {
  Impl& m = *impl_;
  m.charge_real_time();
  Impl::Trial& t = m.trial(trial_id, true);
  if (t.state == TrialState::kRunning)
    throw InvalidArgument("SimulatorBackend: trial " + std::to_string(trial_id) +
                          " is running; only paused trials can be resumed");
  ++t.gen;
  if (t.state == TrialState::kNone) {
    // Unknown here: started after the checkpoint this state came from (a resume after the
    // tuner was killed). It restarts from scratch; the tuner drops the epochs it already has.
    t.config = config;
    m.bind_curve(t, trial_id, true);
    t.last_fidelity = 0;
  } else if (config != t.config) {
    t.config = config;
    m.bind_curve(t, trial_id, false);
  }
  if (!options_.support_checkpointing) t.last_fidelity = 0;
  t.last_fidelity = std::min<std::int64_t>(t.last_fidelity, static_cast<std::int64_t>(t.curve.n_fidelities));
  m.launch(t, trial_id);
  m.mark_exit();
}

void SimulatorBackend::stop(TrialId trial_id) {
  Impl& m = *impl_;
  m.charge_real_time();
  Impl::Trial& t = m.trial(trial_id);
  const bool running = t.state == TrialState::kRunning;
  ++t.gen;
  if (t.state != TrialState::kDone) Impl::finish(t, TrialState::kStopped);
  if (running) m.now += options_.delay_stop;
  m.mark_exit();
}

std::vector<BackendEvent> SimulatorBackend::wait(double deadline) {
  Impl& m = *impl_;
  m.charge_real_time();
  std::vector<BackendEvent> out;
  m.drop_stale_top();
  if (m.heap.empty() || m.heap.front().time > std::max(m.now, deadline)) {
    if (std::isfinite(deadline) && deadline > m.now) m.now = deadline;
    m.mark_exit();
    return out;
  }
  m.now = std::max(m.now, m.heap.front().time);
  // Take every due event first, then process: successors scheduled by processing are
  // delivered by a later wait, after the tuner has reacted to this batch.
  std::vector<Event>& due = m.due;
  due.clear();
  while (!m.heap.empty() && m.heap.front().time <= m.now) {
    std::pop_heap(m.heap.begin(), m.heap.end(), Later{});
    if (!m.stale(m.heap.back())) due.push_back(m.heap.back());
    m.heap.pop_back();
  }
  out.reserve(due.size());
  for (const Event& e : due) out.push_back(m.process(e));
  m.mark_exit();
  return out;
}

double SimulatorBackend::now() const { return impl_->now; }

std::vector<TrialId> SimulatorBackend::reattach(const std::vector<TrialId>& running) {
  // Trials running in the restored state still have their next events queued: they go on as
  // if the tuner had never stopped, which keeps a resumed simulation identical to an
  // uninterrupted one.
  std::vector<TrialId> lost;
  for (TrialId id : running) {
    const bool known = id >= 0 && static_cast<std::size_t>(id) < impl_->trials.size();
    if (!known || impl_->trials[static_cast<std::size_t>(id)].state != TrialState::kRunning)
      lost.push_back(id);
  }
  return lost;
}

void SimulatorBackend::stop_all() {
  for (auto& t : impl_->trials) {
    ++t.gen;
    if (t.state == TrialState::kRunning) t.state = TrialState::kStopped;
  }
  impl_->heap.clear();
}

BackendCapabilities SimulatorBackend::capabilities() const {
  BackendCapabilities c;
  c.pause_resume = true;
  c.warm_start = true;
  c.simulated_time = true;
  return c;
}

std::size_t SimulatorBackend::num_pending_events() const {
  std::size_t n = 0;
  for (const Event& e : impl_->heap) n += !impl_->stale(e);
  return n;
}

std::int64_t SimulatorBackend::last_fidelity(TrialId trial_id) const {
  if (trial_id < 0 || static_cast<std::size_t>(trial_id) >= impl_->trials.size()) return 0;
  return impl_->trials[static_cast<std::size_t>(trial_id)].last_fidelity;
}

Json SimulatorBackend::save_state() const {
  const Impl& m = *impl_;
  // Trials that may run again in full; of finished ones only what a warm start reads (their
  // progress), as one flat list of (id, state, last_fidelity) triples: a long simulation has
  // many thousands, and one array of numbers is much cheaper than an array per trial.
  Json trials = Json::array(), finished = Json::array();
  auto& flat = finished.get_ref<Json::array_t&>();
  for (std::size_t id = 0; id < m.trials.size(); ++id) {
    const auto& t = m.trials[id];
    if (t.state == TrialState::kNone) continue;
    if (t.state == TrialState::kStopped || t.state == TrialState::kDone) {
      if (flat.capacity() == flat.size()) flat.reserve(3 * (m.trials.size() - id) + flat.size());
      flat.emplace_back(id);
      flat.emplace_back(static_cast<int>(t.state));
      flat.emplace_back(t.last_fidelity);
      continue;
    }
    trials.push_back({{"trial_id", id}, {"state", static_cast<int>(t.state)}, {"config", t.config},
                      {"config_index", t.config_index}, {"seed", t.seed},
                      {"last_fidelity", t.last_fidelity}, {"max_fidelity", t.max_fidelity},
                      {"begin_time", t.begin_time}, {"base_elapsed", t.base_elapsed},
                      {"prev_elapsed", t.prev_elapsed}, {"gen", t.gen}});
  }
  std::vector<Event> live;
  for (const Event& e : m.heap)
    if (!m.stale(e)) live.push_back(e);
  std::sort(live.begin(), live.end(), [](const Event& a, const Event& b) { return Later{}(b, a); });
  Json events = Json::array();
  for (const Event& e : live) events.push_back({e.time, e.seq, e.trial, e.gen, e.fidelity});
  return {{"backend", "SimulatorBackend"}, {"blackbox", blackbox_->name()}, {"now", m.now},
          {"seq", m.seq}, {"trials", std::move(trials)}, {"finished_trials", std::move(finished)},
          {"events", std::move(events)}};
}

void SimulatorBackend::load_state(const Json& state) {
  Impl& m = *impl_;
  try {
    if (state.value("blackbox", blackbox_->name()) != blackbox_->name())
      throw InvalidArgument("SimulatorBackend state is for blackbox '" +
                            state["blackbox"].get<std::string>() + "', not '" +
                            blackbox_->name() + "'");
    m.now = state.at("now").get<double>();
    m.seq = state.at("seq").get<std::uint64_t>();
    m.trials.clear();
    for (const auto& j : state.at("trials")) {
      const TrialId id = j.at("trial_id").get<TrialId>();
      auto& t = m.trial(id, true);
      t.state = static_cast<TrialState>(j.at("state").get<int>());
      t.config = j.at("config");
      t.config_index = j.at("config_index").get<std::int64_t>();
      t.seed = j.at("seed").get<std::size_t>();
      t.last_fidelity = j.at("last_fidelity").get<std::int64_t>();
      t.max_fidelity = j.at("max_fidelity").get<std::int64_t>();
      t.begin_time = j.at("begin_time").get<double>();
      t.base_elapsed = j.at("base_elapsed").get<double>();
      t.prev_elapsed = j.at("prev_elapsed").get<double>();
      t.gen = j.at("gen").get<std::uint32_t>();
      t.curve = t.config_index >= 0
                    ? blackbox_->curve_at(static_cast<std::size_t>(t.config_index), t.seed)
                    : blackbox_->curve(t.config, t.seed, t.scratch);
    }
    const Json none = Json::array();
    const auto found = state.find("finished_trials");
    const Json& finished = found != state.end() ? *found : none;
    auto restore_finished = [&](const Json& id, const Json& st, const Json& last_fidelity) {
      auto& t = m.trial(id.get<TrialId>(), true);
      t.state = static_cast<TrialState>(st.get<int>());
      t.last_fidelity = last_fidelity.get<std::int64_t>();
    };
    if (!finished.empty() && finished[0].is_array()) {
      // Earlier format: one [id, state, last_fidelity] array per trial.
      for (const auto& f : finished) restore_finished(f.at(0), f.at(1), f.at(2));
    } else {
      if (finished.size() % 3 != 0)
        throw StorageError("SimulatorBackend: corrupt saved state: finished_trials is not a "
                           "list of (id, state, last_fidelity) triples");
      for (std::size_t i = 0; i < finished.size(); i += 3)
        restore_finished(finished[i], finished[i + 1], finished[i + 2]);
    }
    m.heap.clear();
    for (const auto& e : state.at("events"))
      m.heap.push_back({e[0].get<double>(), e[1].get<std::uint64_t>(), e[2].get<TrialId>(),
                        e[3].get<std::uint32_t>(), e[4].get<std::int64_t>()});
    std::make_heap(m.heap.begin(), m.heap.end(), Later{});
  } catch (const Json::exception& e) {
    throw StorageError(std::string("SimulatorBackend: corrupt saved state: ") + e.what());
  }
}

}  // namespace synetune
