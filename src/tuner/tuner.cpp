#include "synetune/tuner/tuner.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iostream>
#include <limits>
#include <set>
#include <unordered_map>

#include "synetune/core/error.hpp"
#include "synetune/tuner/journal.hpp"
#include "synetune/tuner/results_table.hpp"
#include "tuner/background_saver.hpp"
#include "tuner/progress.hpp"
#include "tuner/tuner_state.hpp"

namespace synetune {

namespace {
std::atomic<bool> g_stop_requested{false};
// Reason of the Stopped status given to trials still running when the tuning ends; resume
// treats such trials as running (they continue from their checkpoints).
constexpr const char* kEndOfTuning = "tuning ended";

std::string read_text_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw StorageError("cannot read " + p.string());
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

double wall_time_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}
}  // namespace

std::filesystem::path default_output_root() {
  if (const char* f = std::getenv("SYNETUNE_FOLDER"); f && *f) {
    std::string s = f;
    if (s[0] == '~')
      if (const char* home = std::getenv("HOME")) s = std::string(home) + s.substr(1);
    return s;
  }
  const char* home = std::getenv("HOME");
  return std::filesystem::path(home ? home : ".") / "syne-tune";
}

std::string name_from_base(const std::string& base) {
  using namespace std::chrono;
  auto now = system_clock::now();
  std::time_t t = system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char ts[64];
  std::strftime(ts, sizeof ts, "%Y-%m-%d-%H-%M-%S", &tm);
  auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  char full[80];
  std::snprintf(full, sizeof full, "%s-%03lld", ts, static_cast<long long>(ms));
  std::string stamp = full;
  std::string b = base.empty() ? "st-tuner" : base;
  const std::size_t max_base = 63 - stamp.size() - 1;
  if (b.size() > max_base) b = b.substr(0, max_base);
  return b + "-" + stamp;
}

struct Tuner::Impl {
  std::unique_ptr<Scheduler> scheduler;
  std::unique_ptr<Backend> backend;
  TunerOptions opts;
  std::vector<std::unique_ptr<TunerCallback>> callbacks;
  std::string name;
  std::filesystem::path path;
  TunerState state;  // trial table, status, counters: everything a checkpoint needs
  ResultsTable table;
  std::unique_ptr<JournalWriter> journal;
  BackgroundSaver saver;  // periodic saves of results.csv.zip and tuner.json, off the loop
  bool resumed = false;
  // Tuner time = backend clock - clock_shift. On a resume the shift maps the backend clock
  // onto the time already used; a simulator restores its clock, so the shift is exactly 0 and
  // a resumed simulation computes the very same times as an uninterrupted one.
  double clock_shift = 0.0;

  double tuner_time() const { return backend->now() - clock_shift; }
  bool compress_results() const {
    return opts.compress_results.value_or(!backend->capabilities().simulated_time);
  }

  void setup();
  void write_metadata();
  void start_trials(double t, bool stopping);
  void handle(const BackendEvent& ev, double t);
  void apply_decision(TrialRecord& rec, Decision d, double t);
  void set_status(TrialRecord& rec, TrialStatus s, const std::string& reason, double t);
  void save(double t);
  void write_checkpoint(std::int64_t journal_offset);
  TuningSummary finish(const std::string& reason, double t);
  // Resume support.
  void load_from(const std::filesystem::path& p);
  void replay(const Json& line, bool feed_scheduler);
  void resume_running_trials(double t);
};

Tuner::Tuner(std::unique_ptr<Scheduler> scheduler, std::unique_ptr<Backend> backend,
             TunerOptions options)
    : impl_(std::make_unique<Impl>()) {
  if (!scheduler) throw InvalidArgument("Tuner needs a scheduler");
  if (!backend) throw InvalidArgument("Tuner needs a backend");
  if (options.n_workers < 1)
    throw InvalidArgument("n_workers must be >= 1 (got " + std::to_string(options.n_workers) + ")");
  if (options.max_failures < 0) throw InvalidArgument("max_failures must be >= 0");
  impl_->scheduler = std::move(scheduler);
  impl_->backend = std::move(backend);
  impl_->opts = std::move(options);
  impl_->name = impl_->opts.tuner_name.empty() ? name_from_base(impl_->opts.tuner_name_base)
                                               : impl_->opts.tuner_name;
  auto root = impl_->opts.root.empty() ? default_output_root() : impl_->opts.root;
  impl_->path = root / impl_->name;
}

Tuner::~Tuner() = default;

void Tuner::add_callback(std::unique_ptr<TunerCallback> callback) {
  impl_->callbacks.push_back(std::move(callback));
}
void Tuner::request_stop() { g_stop_requested.store(true); }
const std::string& Tuner::name() const { return impl_->name; }
const std::filesystem::path& Tuner::path() const { return impl_->path; }
Scheduler& Tuner::scheduler() { return *impl_->scheduler; }
Backend& Tuner::backend() { return *impl_->backend; }

void Tuner::Impl::write_metadata() {
  Json md = Json::object();
  for (auto it = opts.metadata.begin(); it != opts.metadata.end(); ++it) md[it.key()] = it.value();
  const double now = wall_time_now();
  if (!resumed || !state.metadata.is_object()) {
    md["st_tuner_creation_timestamp"] = now;
    md["entrypoint"] = opts.entrypoint;
    md["backend"] = backend->name();
    md["metric_names"] = scheduler->metric_names();
    md["metric_mode"] = to_string(scheduler->problem().mode);
    Json smd = scheduler->metadata();
    md["scheduler_name"] = smd.value("scheduler_name", std::string("unknown"));
    md["scheduler_kwargs"] = smd;
    md["config_space"] = dump_json_python(opts.config_space.to_json());  // a string, as Syne Tune
    md["tuner_name"] = name;
    md["n_workers"] = opts.n_workers;
    md["seed"] = opts.seed;
    md["stop_criterion"] = opts.stop_criterion.to_json();
    md["max_failures"] = opts.max_failures;
    md["resource_attr"] = scheduler->problem().resource_attr;
    md["synetune_version"] = "0.1.0";
    md["st_tuner_start_timestamp"] = now;
    state.metadata = md;
  } else {
    for (auto it = md.begin(); it != md.end(); ++it) state.metadata[it.key()] = it.value();
    state.metadata["st_tuner_resume_timestamp"] = now;
    state.metadata["stop_criterion"] = opts.stop_criterion.to_json();
  }
  write_file_atomically(path / "metadata.json", state.metadata.dump(2) + "\n");
}

void Tuner::Impl::setup() {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) throw StorageError("cannot create the experiment folder " + path.string() + ": " + ec.message());
  backend->set_tuner_path(path);
  state.set_main_metric(scheduler->problem().metric, scheduler->problem().mode);
  write_metadata();
  const bool simulated = backend->capabilities().simulated_time;
  journal = std::make_unique<JournalWriter>(path / "journal.jsonl", simulated);
  clock_shift = backend->now() - state.status.wallclock_time;
  journal->tuning_start(tuner_time(), name, resumed);
  TuningContext ctx{path, name, state.metadata, simulated, resumed};
  for (auto& cb : callbacks) cb->on_tuning_start(ctx);
}

void Tuner::Impl::set_status(TrialRecord& rec, TrialStatus s, const std::string& reason, double t) {
  TrialStatus old = rec.trial.status;
  rec.trial.status = s;
  state.on_status_change(rec, old, s);
  journal->status(rec.trial.trial_id, t, s, reason);
  if (!reason.empty()) rec.reason = reason;
  for (auto& cb : callbacks) cb->on_trial_status(rec.trial, s, reason, t);
}

void Tuner::Impl::apply_decision(TrialRecord& rec, Decision d, double t) {
  if (d == Decision::kStop) {
    backend->stop(rec.trial.trial_id);
    set_status(rec, TrialStatus::kStopped, "", t);
    scheduler->on_trial_remove(rec.trial);
  } else if (d == Decision::kPause) {
    backend->pause(rec.trial.trial_id);
    set_status(rec, TrialStatus::kPaused, "", t);
    scheduler->on_trial_remove(rec.trial);
  }
}

void Tuner::Impl::handle(const BackendEvent& ev, double t) {
  TrialRecord* rec = state.find(ev.trial_id);
  // Events of trials the tuner no longer runs (stopped, paused) are stale: Syne Tune hides them.
  if (!rec || rec->trial.status != TrialStatus::kInProgress) return;
  switch (ev.kind) {
    case BackendEvent::Kind::kResult: {
      const std::string& rattr = scheduler->problem().resource_attr;
      if (!std::isnan(rec->resource_floor)) {
        double r = ev.result.get(rattr);
        if (!std::isnan(r) && r <= rec->resource_floor) return;  // epoch already reported
        rec->resource_floor = std::numeric_limits<double>::quiet_NaN();
      }
      if (double r = ev.result.get(rattr); !std::isnan(r)) rec->last_resource = r;
      state.record_result(*rec, ev.result);
      Decision d = scheduler->on_trial_result(rec->trial, ev.result);
      Json extra;
      for (auto& cb : callbacks) cb->on_trial_result(rec->trial, ev.result, d, t, extra);
      journal->result(ev.result, t, TrialStatus::kInProgress, d, extra);
      table.add(ev.result, d, TrialStatus::kInProgress, t, extra, journal.get());
      // A trial that reached max_t has done its work: let it exit by itself so that it counts
      // as Completed (Syne Tune kills it and calls it Stopped). Should it report again, it is
      // stopped then.
      const auto& max_t = scheduler->problem().max_t;
      if (d == Decision::kStop && max_t && !rec->reached_max_t &&
          ev.result.get(scheduler->problem().resource_attr) >= static_cast<double>(*max_t)) {
        rec->reached_max_t = true;
        break;
      }
      apply_decision(*rec, d, t);
      break;
    }
    case BackendEvent::Kind::kCompleted:
      if (rec->results_at_restart >= 0 && rec->results_at_restart == rec->num_results) {
        // Not the script's fault: it trained and checkpointed an epoch, and the tuner died
        // before reading the result; restarted from that checkpoint it had nothing left to do.
        std::cerr << "[synetune] trial " << rec->trial.trial_id << " resumed from a checkpoint "
                  << "newer than its last result (reported while the tuner was down) and had "
                  << "nothing left to train\n";
        if (rec->num_results > 0) {
          set_status(*rec, TrialStatus::kCompleted, "", t);
          scheduler->on_trial_complete(rec->trial, rec->last_result);
        } else {
          set_status(*rec, TrialStatus::kStopped, "its only result was lost when the tuner was killed", t);
          scheduler->on_trial_remove(rec->trial);
        }
      } else if (rec->num_results == 0) {
        set_status(*rec, TrialStatus::kFailed,
                   "the trial exited with code 0 without reporting any metric (does it call "
                   "the Reporter, and print to stdout?)",
                   t);
        scheduler->on_trial_error(rec->trial);
        std::cerr << "[synetune] trial " << rec->trial.trial_id << " failed: " << rec->reason << "\n";
      } else {
        set_status(*rec, TrialStatus::kCompleted, "", t);
        scheduler->on_trial_complete(rec->trial, rec->last_result);
      }
      break;
    case BackendEvent::Kind::kFailed:
      set_status(*rec, TrialStatus::kFailed, ev.reason, t);
      scheduler->on_trial_error(rec->trial);
      std::cerr << "[synetune] trial " << rec->trial.trial_id << " failed: " << ev.reason << "\n";
      break;
  }
}

void Tuner::Impl::start_trials(double t, bool stopping) {
  const int threshold = opts.asynchronous_scheduling ? opts.n_workers : 1;
  if (state.num_running() >= threshold) return;
  std::set<TrialId> already_running;
  while (state.num_running() < opts.n_workers && !state.exhausted && !stopping) {
    state.status.wallclock_time = t;
    if (opts.stop_criterion.should_stop(state.status)) return;
    std::optional<TrialSuggestion> s = scheduler->suggest(state.next_trial_id);
    if (!s) {
      state.exhausted = true;
      break;
    }
    if (auto* start = std::get_if<StartTrial>(&*s)) {
      TrialRecord& rec = state.add_trial(std::move(start->config), t);
      journal->trial_start(rec.trial.trial_id, t, false, rec.trial.config, start->warm_start_from);
      table.set_config(rec.trial.trial_id, rec.trial.config, journal.get());
      backend->start(rec.trial.trial_id, rec.trial.config, start->warm_start_from);
      scheduler->on_trial_add(rec.trial);
      for (auto& cb : callbacks) cb->on_trial_start(rec.trial, false, t);
    } else {
      auto& resume = std::get<ResumeTrial>(*s);
      TrialRecord* rec = state.find(resume.trial_id);
      // After a resume that replayed the journal, the scheduler may promote a trial whose
      // promotion is in the replayed part (suggest is not replayed): it already runs.
      if (resumed && rec && rec->trial.status == TrialStatus::kInProgress &&
          already_running.insert(resume.trial_id).second)
        continue;
      if (!rec || rec->trial.status != TrialStatus::kPaused)
        throw Error("scheduler asked to resume trial " + std::to_string(resume.trial_id) +
                    ", which is not paused (a scheduler bug)");
      if (resume.new_config) {
        rec->trial.config = *resume.new_config;
        table.set_config(rec->trial.trial_id, rec->trial.config);
      }
      TrialStatus old = rec->trial.status;
      rec->trial.status = TrialStatus::kInProgress;
      state.on_status_change(*rec, old, TrialStatus::kInProgress);
      journal->trial_start(rec->trial.trial_id, t, true, rec->trial.config);
      backend->resume(rec->trial.trial_id, rec->trial.config);
      for (auto& cb : callbacks) cb->on_trial_start(rec->trial, true, t);
    }
  }
}

void Tuner::Impl::write_checkpoint(std::int64_t journal_offset) {
  if (!opts.write_checkpoint) return;
  write_file_atomically(path / "tuner.json",
                        tuner_checkpoint_text(state, *scheduler, *backend, opts, journal_offset));
}

void Tuner::Impl::save(double t) {
  state.status.wallclock_time = t;
  const std::int64_t offset = journal->offset();
  saver.run_async([&] {
    table.write_csv_zip(path / "results.csv.zip", compress_results());
    write_checkpoint(offset);
  });
}

TuningSummary Tuner::Impl::finish(const std::string& reason, double t) {
  state.status.wallclock_time = t;
  // The checkpoint is taken before the running trials are stopped: a resume continues them.
  const std::int64_t offset = journal->offset();
  saver.run_now([&] { write_checkpoint(offset); });
  backend->stop_all();
  for (TrialRecord* rec : state.running_trials()) set_status(*rec, TrialStatus::kStopped, kEndOfTuning, t);
  journal->tuning_end(t, reason);
  for (auto& cb : callbacks) cb->on_tuning_end(state.status);
  table.write_csv_zip(path / "results.csv.zip", compress_results());
  TuningSummary s;
  s.tuner_name = name;
  s.tuner_path = path;
  s.stop_reason = reason;
  s.status = state.status;
  s.failed = state.status.num_trials_failed > opts.max_failures;
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  s.tuner_cpu_seconds = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                        1e-6 * static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
  if (auto best = state.best_trial(scheduler->problem())) {
    s.best_trial_id = best->first->trial.trial_id;
    s.best_metric = best->second;
    s.best_config = best->first->trial.config;
  }
  return s;
}

TuningSummary Tuner::run() {
  Impl& m = *impl_;
  g_stop_requested.store(false);
  m.setup();
  if (m.resumed) m.resume_running_trials(m.tuner_time());
  ProgressPrinter progress(m.opts.print_progress, m.opts.print_update_interval,
                           m.backend->capabilities().simulated_time);
  // results.csv.zip and the checkpoint are written every `results_update_interval` seconds of
  // REAL time, also when time is simulated (hours of simulated time pass in a second).
  const double update_interval = m.opts.results_update_interval;
  const bool simulated = m.backend->capabilities().simulated_time;
  using Clock = std::chrono::steady_clock;
  // Clamped: a huge interval ("never") must not overflow the clock's integer ticks.
  const auto real_interval = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(std::min(update_interval, 1e8)));
  auto next_save_real = Clock::now() + real_interval;
  double next_save = simulated ? std::numeric_limits<double>::infinity() : m.tuner_time() + update_interval;
  std::string reason;
  double t = m.tuner_time();
  std::uint64_t iterations = 0;
  try {
    for (;;) {
      t = m.tuner_time();
      m.state.status.wallclock_time = t;
      if (g_stop_requested.load()) {
        reason = "interrupted (Ctrl-C)";
        break;
      }
      if (m.state.status.num_trials_failed > m.opts.max_failures) {
        reason = "more than max_failures=" + std::to_string(m.opts.max_failures) + " trials failed";
        break;
      }
      std::string stop = m.opts.stop_criterion.reason(m.state.status);
      const bool stopping = !stop.empty();
      if (stopping && !(m.opts.wait_trial_completion_when_stopping && m.state.num_running() > 0)) {
        reason = stop;
        break;
      }
      m.start_trials(t, stopping);
      if (m.state.num_running() == 0) {
        reason = stopping ? stop : "the scheduler has no more configurations to suggest";
        if (stopping || m.state.exhausted) break;
      }
      // Sleep until the next event or the next thing the loop must do on time.
      double deadline = next_save;
      if (m.opts.stop_criterion.max_wallclock_time)
        deadline = std::min(deadline, *m.opts.stop_criterion.max_wallclock_time + 1e-6);
      deadline = std::min(deadline, progress.next_due());
      std::vector<BackendEvent> events =
          m.backend->wait(deadline + m.clock_shift);
      t = m.tuner_time();
      for (const auto& ev : events) m.handle(ev, t);
      m.state.status.wallclock_time = t;
      if (!m.journal->buffered()) m.journal->flush();
      for (auto& cb : m.callbacks) cb->on_loop_end(m.state.status);
      // A simulated iteration takes microseconds: the real clock is read every 64th only.
      const bool save_due = simulated ? (++iterations % 64 == 0 && Clock::now() >= next_save_real) : t >= next_save;
      if (save_due) {
        m.save(t);
        next_save = t + update_interval;
        next_save_real = Clock::now() + real_interval;
        if (simulated) next_save = std::numeric_limits<double>::infinity();
      }
      progress.maybe_print(t, m.state, m.scheduler->problem());
    }
  } catch (...) {
    // Keep everything reported so far, stop the trials, then report the error.
    try {
      m.finish("error", m.tuner_time());
    } catch (...) {
    }
    throw;
  }
  TuningSummary summary = m.finish(reason, t);
  progress.finish(summary, m.state, m.scheduler->problem(), m.opts.print_summary);
  return summary;
}


void Tuner::Impl::replay(const Json& line, bool feed_scheduler) {
  const std::string ev = line.value("event", "");
  const double t = line.value("time", 0.0);
  if (t > state.status.wallclock_time) state.status.wallclock_time = t;
  if (ev == "trial_start") {
    const TrialId id = line.at("trial_id").get<TrialId>();
    const Config& config = line.at("config");
    if (!line.value("resumed", false) || !state.find(id)) {
      while (state.next_trial_id < id) state.add_trial(Json::object(), t);  // ids stay unique
      TrialRecord& rec = state.add_trial(config, t);
      if (feed_scheduler) scheduler->on_trial_add(rec.trial);
    } else {
      TrialRecord* rec = state.find(id);
      rec->trial.config = config;
      TrialStatus old = rec->trial.status;
      rec->trial.status = TrialStatus::kInProgress;
      state.on_status_change(*rec, old, TrialStatus::kInProgress);
    }
  } else if (ev == "result") {
    TrialRecord* rec = state.find(line.at("trial_id").get<TrialId>());
    if (!rec) return;
    Result r = Result::from_json(rec->trial.trial_id, line.at("result"));
    if (double res = r.get(scheduler->problem().resource_attr); !std::isnan(res)) rec->last_resource = res;
    state.record_result(*rec, r);
    if (feed_scheduler) scheduler->on_trial_result(rec->trial, r);
  } else if (ev == "status") {
    TrialRecord* rec = state.find(line.at("trial_id").get<TrialId>());
    if (!rec) return;
    if (line.value("reason", "") == kEndOfTuning) return;  // still running for a resume
    TrialStatus st = parse_trial_status(line.at("status").get<std::string>());
    TrialStatus old = rec->trial.status;
    rec->trial.status = st;
    rec->reason = line.value("reason", "");
    state.on_status_change(*rec, old, st);
    if (!feed_scheduler) return;
    if (st == TrialStatus::kCompleted) scheduler->on_trial_complete(rec->trial, rec->last_result);
    else if (st == TrialStatus::kFailed) scheduler->on_trial_error(rec->trial);
    else scheduler->on_trial_remove(rec->trial);
  }
}

void Tuner::Impl::load_from(const std::filesystem::path& p) {
  namespace fs = std::filesystem;
  if (!fs::exists(p / "metadata.json"))
    throw StorageError("no experiment at " + p.string() + " (metadata.json is missing)");
  try {
    state.metadata = parse_json_lenient(read_text_file(p / "metadata.json"));
  } catch (const Error& e) {
    throw StorageError("metadata.json of " + p.string() + " is corrupt: " + e.what());
  }
  std::int64_t offset = 0;
  bool from_checkpoint = false;
  try {
    if (!fs::exists(p / "tuner.json")) throw StorageError("tuner.json is missing");
    Json cp = parse_json_lenient(read_text_file(p / "tuner.json"));
    const int version = cp.value("version", 0);
    if (cp.value("format", "") != "synetune-tuner-checkpoint" || version < 1 || version > 2)
      throw StorageError("tuner.json is not a synetune checkpoint of version 1 or 2");
    state.from_json(cp.at("state"));
    scheduler->load_state(cp.at("scheduler"));
    backend->load_state(cp.at("backend"));
    offset = cp.value("journal_offset", std::int64_t{0});
    from_checkpoint = true;
  } catch (const std::exception& e) {
    std::cerr << "[synetune] warning: cannot use the tuner checkpoint of " << p.string() << " ("
              << e.what() << "); replaying the result journal instead: every reported result is "
              << "kept, the scheduler's random state starts afresh\n";
    state = TunerState();
    state.metadata = parse_json_lenient(read_text_file(p / "metadata.json"));
  }
  state.set_main_metric(scheduler->problem().metric, scheduler->problem().mode);
  if (!fs::exists(p / "journal.jsonl")) {
    if (!from_checkpoint) throw StorageError("neither tuner.json nor journal.jsonl is usable in " + p.string());
    return;
  }
  // Lines after the checkpoint bring the state (and the scheduler) up to date; all lines
  // rebuild the results table, and give finished trials their configs (not in tuner.json).
  std::set<TrialId> without_config;
  for (const auto& rec : state.trials())
    if (rec.trial.config.is_null()) without_config.insert(rec.trial.trial_id);
  std::int64_t pos = 0;
  read_journal(p / "journal.jsonl", [&](const Json& line) {
    const std::string ev = line.value("event", "");
    if (ev == "trial_start") {
      const TrialId id = line.at("trial_id").get<TrialId>();
      table.set_config(id, line.at("config"));
      if (without_config.count(id)) state.find(id)->trial.config = line.at("config");
    } else if (ev == "result") {
      Result r = Result::from_json(line.at("trial_id").get<TrialId>(), line.at("result"));
      table.add(r, parse_decision(line.value("decision", "CONTINUE")),
                parse_trial_status(line.value("status", "InProgress")), line.value("time", 0.0),
                line.value("extra", Json::object()));
    }
  });
  read_journal(p / "journal.jsonl", [&](const Json& line) { replay(line, true); ++pos; },
               from_checkpoint ? offset : 0);
  (void)pos;
}

void Tuner::Impl::resume_running_trials(double t) {
  std::vector<TrialId> running;
  for (TrialRecord* rec : state.running_trials()) {
    running.push_back(rec->trial.trial_id);
    // Re-attached or restarted, a trial may report epochs again that the journal already
    // holds (reported after the checkpoint was taken): those are dropped.
    rec->resource_floor = rec->last_resource;
  }
  for (TrialId id : backend->reattach(running)) {
    TrialRecord* rec = state.find(id);
    rec->results_at_restart = rec->num_results;
    journal->trial_start(id, t, true, rec->trial.config);
    backend->resume(id, rec->trial.config);
    for (auto& cb : callbacks) cb->on_trial_start(rec->trial, true, t);
  }
}

std::unique_ptr<Tuner> Tuner::load(const std::filesystem::path& tuner_path,
                                   std::unique_ptr<Scheduler> scheduler,
                                   std::unique_ptr<Backend> backend, TunerOptions options) {
  options.tuner_name = tuner_path.filename().string();
  options.root = tuner_path.parent_path();
  auto tuner = std::make_unique<Tuner>(std::move(scheduler), std::move(backend), std::move(options));
  tuner->impl_->resumed = true;
  tuner->impl_->load_from(tuner_path);
  return tuner;
}

}  // namespace synetune
