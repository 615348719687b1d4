#include "synetune/tuner/tuner.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <deque>
#include <fstream>
#include <iostream>
#include <limits>
#include <new>
#include <set>
#include <unordered_map>

#include "synetune/core/check.hpp"
#include "synetune/core/error.hpp"
#include "synetune/tuner/journal.hpp"
#include "synetune/tuner/results_table.hpp"
#include "tuner/background_saver.hpp"
#include "tuner/progress.hpp"
#include "tuner/result_check.hpp"
#include "tuner/tuner_state.hpp"

namespace synetune {

namespace {
// Reason of the Stopped status given to trials still running when the tuning ends; resume
// treats such trials as running (they continue from their checkpoints).
constexpr const char* kEndOfTuning = "tuning ended";

std::string read_text_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw StorageError("cannot read " + p.string());
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Runs `load`, which reads experiment state from `where` (a file or the experiment folder).
// Malformed state makes the parsers and load_state functions underneath throw what they throw
// (nlohmann's exceptions, InvalidArgument, std::runtime_error, out_of_range...): at this
// boundary it becomes one StorageError that names `where`, so that callers handle corrupt
// state with one catch. (Out of memory is not corrupt state; it passes through.)
template <typename Load>
auto as_storage_error(const std::filesystem::path& where, Load&& load) -> decltype(load()) {
  try {
    return load();
  } catch (const StorageError& e) {
    const std::string what = e.what();
    if (what.find(where.string()) != std::string::npos) throw;  // names it already
    throw StorageError(where.string() + ": " + what);
  } catch (const std::bad_alloc&) {
    throw;
  } catch (const std::exception& e) {
    throw StorageError(where.string() + " is corrupt: " + e.what());
  }
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
  std::string b = to_experiment_name(base);
  if (b.empty()) b = "st-tuner";
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
  ExperimentLock lock;  // one tuner per folder, held for the Tuner's life
  TunerState state;  // trial table, status, counters: everything a checkpoint needs
  ResultsTable table;
  std::unique_ptr<JournalWriter> journal;
  StopToken stop;  // shared with whoever may stop this tuner (the CLI's signal handler)
  // Periodic saves of results.csv.zip and tuner.json, off the loop. Declared after what the
  // loop snapshots for it: destroyed (its thread joined) first.
  BackgroundSaver saver;
  bool resumed = false;
  // Tuner time = backend clock - clock_shift. On a resume the shift maps the backend clock
  // onto the time already used; a simulator restores its clock, so the shift is exactly 0 and
  // a resumed simulation computes the very same times as an uninterrupted one.
  double clock_shift = 0.0;
  // Set when a result shows that the tuning cannot work (ResultVerdict::kStopTuning): the loop
  // ends cleanly, then run() throws it.
  std::string fatal_error;

  double tuner_time() const { return backend->now() - clock_shift; }
  bool compress_results() const {
    return opts.compress_results.value_or(!backend->capabilities().simulated_time);
  }

  void setup();
  void write_metadata();
  void start_trials(double t, bool stopping);
  void handle(const BackendEvent& ev, double t);
  void apply_decision(TrialRecord& rec, Decision d, double t);
  bool reject_bad_result(TrialRecord& rec, const Result& r, double t);
  void set_status(TrialRecord& rec, TrialStatus s, const std::string& reason, double t);
  void save(double t);
  void write_checkpoint(std::int64_t journal_offset);
  TuningSummary finish(const std::string& reason, double t);
  bool lets_trial_finish(TrialRecord& rec, Decision d, const Result& r);
  void resume_trial(TrialRecord& rec, const ResumeTrial& resume, double t);
  // Resume support.
  void load_from(const std::filesystem::path& p);
  std::optional<std::int64_t> load_checkpoint(const std::filesystem::path& p);
  std::int64_t read_checkpoint(const std::filesystem::path& file);
  // What the scheduler needs of each result: fixed for the tuner's life, so taken once (the
  // check runs on every result).
  ResultNeeds needs;
  const ResultNeeds& result_needs() const { return needs; }
  void replay(const Json& line);
  void replay_trial_start(const Json& line, double t);
  void replay_result(const Json& line);
  void replay_status(const Json& line);
  void replay_suggest(std::optional<TrialId> resumed_id);
  void resume_running_trials(double t);
  // Resumes the scheduler asked for while its suggest() calls were replayed, which the
  // journal does not have (the replay diverged): carried out first when the tuning goes on.
  std::deque<ResumeTrial> owed_resumes;
  // Journal lines at which the replayed scheduler did not do what the journal says it did
  // (damaged lines, or a journal written by an older synetune). 0: scheduler, trial table and
  // journal are one consistent state, and a resume of a trial that is not paused is a bug.
  std::size_t replay_divergences = 0;
};

Tuner::Tuner(std::unique_ptr<Scheduler> scheduler, std::unique_ptr<Backend> backend,
             TunerOptions options)
    : impl_(std::make_unique<Impl>()) {
  if (!scheduler) throw InvalidArgument("Tuner needs a scheduler");
  if (!backend) throw InvalidArgument("Tuner needs a backend");
  if (options.n_workers < 1)
    throw InvalidArgument("n_workers must be >= 1 (got " + std::to_string(options.n_workers) + ")");
  if (options.max_failures < 0) throw InvalidArgument("max_failures must be >= 0");
  check_backend_capabilities(*scheduler, *backend);
  impl_->scheduler = std::move(scheduler);
  impl_->needs = {impl_->scheduler->metric_names(), impl_->scheduler->problem().resource_attr,
                  impl_->scheduler->resource_need()};
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
StopToken Tuner::stop_token() const { return impl_->stop; }
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
  if (!resumed) {  // a resumed tuner took its folder's lock in load()
    auto folder = create_experiment_folder(
        path.parent_path(), name, opts.tuner_name.empty() ? ExistingFolder::kAddSuffix : opts.existing_folder);
    name = std::move(folder.name);
    path = std::move(folder.path);
    lock = std::move(folder.lock);
  }
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

// A result the tuner must not pass on (check_reported_result) fails its trial; returns true then.
bool Tuner::Impl::reject_bad_result(TrialRecord& rec, const Result& r, double t) {
  const ResultVerdict v = check_reported_result(r, result_needs(), rec.num_results == 0);
  if (v.kind == ResultVerdict::Kind::kAccept) return false;
  backend->stop(rec.trial.trial_id);
  set_status(rec, TrialStatus::kFailed, v.message, t);
  scheduler->on_trial_error(rec.trial);
  const bool stop = v.kind == ResultVerdict::Kind::kStopTuning;
  if (stop && !fatal_error.empty()) return true;  // same fault in the same batch: said once
  std::cerr << "[synetune] trial " << rec.trial.trial_id << " failed: " << v.message << "\n";
  if (stop) fatal_error = v.message;
  return true;
}

// A trial that reached max_t has done its work: the STOP is not applied, so that the trial
// exits by itself and counts as Completed (Syne Tune kills it and calls it Stopped). Should it
// report again, it is stopped then. Shared by the loop and the replay, which must agree.
bool Tuner::Impl::lets_trial_finish(TrialRecord& rec, Decision d, const Result& r) {
  const auto& max_t = scheduler->problem().max_t;
  if (d != Decision::kStop || !max_t || rec.reached_max_t ||
      !(r.get(scheduler->problem().resource_attr) >= static_cast<double>(*max_t)))
    return false;
  rec.reached_max_t = true;
  return true;
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
      if (reject_bad_result(*rec, ev.result, t)) break;
      if (double r = ev.result.get(rattr); !std::isnan(r)) rec->last_resource = r;
      state.record_result(*rec, ev.result);
      Decision d = scheduler->on_trial_result(rec->trial, ev.result);
      Json extra;
      for (auto& cb : callbacks) cb->on_trial_result(rec->trial, ev.result, d, t, extra);
      journal->result(ev.result, t, TrialStatus::kInProgress, d, extra);
      table.add(ev.result, d, TrialStatus::kInProgress, t, extra, journal.get());
      if (!lets_trial_finish(*rec, d, ev.result)) apply_decision(*rec, d, t);
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
      } else if (rec->num_results == 0 && rec->warm_started) {
        // Its donor's checkpoint was already at the end of training (the donor trained on
        // after the result that triggered the exploit): nothing left to do, nothing failed.
        set_status(*rec, TrialStatus::kStopped,
                   "warm-started from a checkpoint at the end of training: nothing left to train", t);
        scheduler->on_trial_remove(rec->trial);
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
  std::size_t not_paused = 0;
  while (state.num_running() < opts.n_workers && !state.exhausted && !stopping) {
    state.status.wallclock_time = t;
    if (opts.stop_criterion.should_stop(state.status)) return;
    std::optional<TrialSuggestion> s;
    if (!owed_resumes.empty()) {
      s = std::move(owed_resumes.front());
      owed_resumes.pop_front();
    } else {
      s = scheduler->suggest(state.next_trial_id);
    }
    if (!s) {
      state.exhausted = true;
      break;
    }
    if (auto* start = std::get_if<StartTrial>(&*s)) {
      TrialRecord& rec = state.add_trial(std::move(start->config), t);
      rec.warm_started = start->warm_start_from.has_value();
      journal->trial_start(rec.trial.trial_id, t, false, rec.trial.config, start->warm_start_from);
      table.set_config(rec.trial.trial_id, rec.trial.config, journal.get());
      backend->start(rec.trial.trial_id, rec.trial.config, start->warm_start_from);
      scheduler->on_trial_add(rec.trial);
      for (auto& cb : callbacks) cb->on_trial_start(rec.trial, false, t);
    } else {
      const auto& resume = std::get<ResumeTrial>(*s);
      TrialRecord* rec = state.find(resume.trial_id);
      if (rec && rec->trial.status == TrialStatus::kPaused) {
        resume_trial(*rec, resume, t);
        continue;
      }
      // Only a scheduler whose replay diverged from the journal (damaged lines, an older
      // journal) may ask for a trial that runs, has ended or was lost; it now counts the
      // trial as running, which it is, or which no longer matters. Anything else is a bug.
      const std::string what = rec ? to_string(rec->trial.status) : "unknown to the tuner";
      SYNETUNE_CHECK(replay_divergences > 0) << "the scheduler asked to resume trial " << resume.trial_id
                                             << ", which is " << what << ", not paused (a scheduler bug)";
      // A diverged scheduler that asks for more such resumes than there are trials would keep
      // the loop here for ever: the journal is too damaged to continue from.
      if (++not_paused > state.trials().size())
        throw StorageError("the scheduler, replayed from a damaged journal.jsonl, keeps asking to resume trials "
                           "that are not paused; the experiment cannot be continued (start it over)");
      std::cerr << "[synetune] warning: the scheduler asked to resume trial " << resume.trial_id
                << ", which is " << what << ", not paused; skipped\n";
    }
  }
}

void Tuner::Impl::resume_trial(TrialRecord& rec, const ResumeTrial& resume, double t) {
  if (resume.new_config) {
    rec.trial.config = *resume.new_config;
    table.set_config(rec.trial.trial_id, rec.trial.config);
  }
  rec.trial.status = TrialStatus::kInProgress;
  state.on_status_change(rec, TrialStatus::kPaused, TrialStatus::kInProgress);
  journal->trial_start(rec.trial.trial_id, t, true, rec.trial.config);
  backend->resume(rec.trial.trial_id, rec.trial.config);
  for (auto& cb : callbacks) cb->on_trial_start(rec.trial, true, t);
}

void Tuner::Impl::write_checkpoint(std::int64_t journal_offset) {
  if (!opts.write_checkpoint) return;
  write_file_atomically(path / "tuner.json",
                        tuner_checkpoint_text(state, *scheduler, *backend, opts, journal_offset));
}

// The loop takes a snapshot (a copy of the numbers of the trial table and of the results
// table's index, the scheduler's state as text) and goes on; the saving thread turns it into
// the files. A save still waiting when the next is due is replaced by the newer one.
void Tuner::Impl::save(double t) {
  state.status.wallclock_time = t;
  struct Snapshot {
    ResultsTable::Snapshot table;
    std::optional<CheckpointSnapshot> checkpoint;
  };
  auto snapshot = std::make_shared<Snapshot>();
  snapshot->table = table.snapshot();
  if (opts.write_checkpoint) snapshot->checkpoint.emplace(state, *scheduler, *backend, opts, journal->offset());
  saver.submit([snapshot, dir = path, compress = compress_results()] {
    snapshot->table.write_csv_zip(dir / "results.csv.zip", compress);
    if (snapshot->checkpoint) write_file_atomically(dir / "tuner.json", snapshot->checkpoint->text());
  });
}

TuningSummary Tuner::Impl::finish(const std::string& reason, double t) {
  state.status.wallclock_time = t;
  // The checkpoint is taken before the running trials are stopped: a resume continues them.
  // After the periodic save in progress, if any: an older state must not be written last.
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
      if (m.stop.stop_requested()) {
        reason = "interrupted (Ctrl-C, SIGTERM or StopToken::request_stop)";
        break;
      }
      if (!m.fatal_error.empty()) {
        reason = "error: " + m.fatal_error;
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
  if (!m.fatal_error.empty()) throw InvalidArgument(m.fatal_error);
  progress.finish(summary, m.state, m.scheduler->problem(), m.opts.print_summary);
  return summary;
}


// Replaying the journal brings the trial table and the scheduler to the state they were in
// when the line was written, making the scheduler calls the tuner made then, in the same
// order: suggest (replay_suggest), on_trial_add, on_trial_result, and on_trial_complete /
// on_trial_error / on_trial_remove with the status changes.
void Tuner::Impl::replay(const Json& line) {
  const std::string& ev = line["event"].get_ref<const std::string&>();
  const double t = line.value("time", 0.0);
  if (t > state.status.wallclock_time) state.status.wallclock_time = t;
  if (ev == "trial_start") replay_trial_start(line, t);
  else if (ev == "result") replay_result(line);
  else if (ev == "status") replay_status(line);
}

// Live, the tuner journals what suggest() returned at once: calling it again at the same point
// of the replayed events moves the scheduler on exactly as then (its searcher's random stream,
// Hyperband's brackets and promotions, PBT's queue of clones, synchronous Hyperband's slots).
// A suggestion that was made but not journaled (the tuner was killed in between) is made again
// by the resumed tuner, from the same state. Resumes asked for on the way that the journal does
// not have are owed: carried out first when the tuning goes on.
void Tuner::Impl::replay_suggest(std::optional<TrialId> resumed_id) {
  for (std::size_t tries = 0; tries <= state.trials().size(); ++tries) {
    std::optional<TrialSuggestion> s = scheduler->suggest(state.next_trial_id);
    if (!s) break;
    auto* resume = std::get_if<ResumeTrial>(&*s);
    if (!resume) {
      if (!resumed_id) return;  // a new trial, as the journal says
      break;
    }
    if (resumed_id && resume->trial_id == *resumed_id) return;
    ++replay_divergences;
    owed_resumes.push_back(std::move(*resume));
  }
  ++replay_divergences;
}

void Tuner::Impl::replay_trial_start(const Json& line, double t) {
  const TrialId id = line["trial_id"].get<TrialId>();
  const Config& config = line["config"];
  TrialRecord* rec = state.find(id);
  if (!rec) {
    replay_suggest(std::nullopt);
    // A gap: the trial_start lines of these ids were unreadable, so are their trials.
    while (state.next_trial_id < id) {
      TrialRecord& lost = state.add_trial(Json::object(), t);
      lost.trial.status = TrialStatus::kStopped;
      lost.reason = "its trial_start line in the journal is unreadable";
      state.on_status_change(lost, TrialStatus::kInProgress, TrialStatus::kStopped);
      ++replay_divergences;
    }
    TrialRecord& added = state.add_trial(config, t);
    added.warm_started = line.contains("warm_start_from");
    scheduler->on_trial_add(added.trial);
    return;
  }
  if (!line.value("resumed", false)) {  // a second start of one id: not written by a tuner
    ++replay_divergences;
    return;
  }
  // Paused: resumed on the scheduler's ResumeTrial. In progress: restarted by a tuner resume
  // (its process was lost with the previous tuner), which the scheduler is not told of.
  if (rec->trial.status == TrialStatus::kPaused) replay_suggest(id);
  else if (rec->trial.status != TrialStatus::kInProgress) ++replay_divergences;
  rec->trial.config = config;
  const TrialStatus old = rec->trial.status;
  rec->trial.status = TrialStatus::kInProgress;
  state.on_status_change(*rec, old, TrialStatus::kInProgress);
}

void Tuner::Impl::replay_result(const Json& line) {
  TrialRecord* rec = state.find(line["trial_id"].get<TrialId>());
  if (!rec) return;  // its trial_start line was unreadable: the results table keeps it
  Result r = Result::from_json(rec->trial.trial_id, line["result"]);
  // The loop journals only results that pass the check: one that does not is a damaged line
  // (or an older synetune's), which the scheduler must not see (it may take it for a bug).
  if (check_reported_result(r, result_needs(), rec->num_results == 0).kind != ResultVerdict::Kind::kAccept) {
    ++replay_divergences;
    return;
  }
  if (double res = r.get(scheduler->problem().resource_attr); !std::isnan(res)) rec->last_resource = res;
  state.record_result(*rec, r);
  const Decision journaled = parse_decision(line.value("decision", "CONTINUE"));
  if (scheduler->on_trial_result(rec->trial, r) != journaled) ++replay_divergences;
  // The loop applies a PAUSE or STOP at once and journals the status change on the next line;
  // a kill between the two writes leaves that line out: the decision is applied here, and the
  // status line, when there is one, finds it done.
  if (rec->trial.status != TrialStatus::kInProgress || lets_trial_finish(*rec, journaled, r)) return;
  if (journaled == Decision::kContinue) return;
  const TrialStatus to = journaled == Decision::kPause ? TrialStatus::kPaused : TrialStatus::kStopped;
  rec->trial.status = to;
  state.on_status_change(*rec, TrialStatus::kInProgress, to);
  scheduler->on_trial_remove(rec->trial);
}

void Tuner::Impl::replay_status(const Json& line) {
  TrialRecord* rec = state.find(line["trial_id"].get<TrialId>());
  if (!rec) return;
  const std::string reason = line.value("reason", "");
  if (reason == kEndOfTuning) return;  // still running for a resume
  const TrialStatus st = parse_trial_status(line["status"].get<std::string>());
  if (!reason.empty()) rec->reason = reason;
  if (st == rec->trial.status) return;  // applied with its result line's decision
  const TrialStatus old = rec->trial.status;
  rec->trial.status = st;
  state.on_status_change(*rec, old, st);
  if (st == TrialStatus::kCompleted) scheduler->on_trial_complete(rec->trial, rec->last_result);
  else if (st == TrialStatus::kFailed) scheduler->on_trial_error(rec->trial);
  else scheduler->on_trial_remove(rec->trial);
}

// Reads tuner.json into the trial table, scheduler and backend; returns the journal offset it
// covers. Throws StorageError, naming the file, when it is missing or malformed in any part.
std::int64_t Tuner::Impl::read_checkpoint(const std::filesystem::path& file) {
  return as_storage_error(file, [&] {
    if (!std::filesystem::exists(file)) throw StorageError("missing");
    Json cp = parse_json_lenient(read_text_file(file));
    const int version = cp.value("version", 0);
    if (cp.value("format", "") != "synetune-tuner-checkpoint" || version < 1 || version > 2)
      throw StorageError("not a synetune checkpoint of version 1 or 2");
    const auto offset = cp.value("journal_offset", std::int64_t{0});
    std::error_code ec;
    const auto journal_size = std::filesystem::file_size(file.parent_path() / "journal.jsonl", ec);
    if (!ec && offset > static_cast<std::int64_t>(journal_size))
      throw StorageError("it covers " + std::to_string(offset) + " bytes of journal.jsonl, which has " +
                         std::to_string(journal_size) + " (lost in a power failure?)");
    state.from_json(cp.at("state"));
    scheduler->load_state(cp.at("scheduler"));
    backend->load_state(cp.at("backend"));
    return offset;
  });
}

// The state of tuner.json and the journal offset it covers; nullopt when it is missing or
// unusable, with scheduler and backend as they were built (a failed load may have changed
// them halfway).
std::optional<std::int64_t> Tuner::Impl::load_checkpoint(const std::filesystem::path& p) {
  const Json fresh_scheduler = scheduler->save_state(), fresh_backend = backend->save_state();
  try {
    return read_checkpoint(p / "tuner.json");
  } catch (const StorageError& e) {
    std::cerr << "[synetune] warning: cannot use the tuner checkpoint (" << e.what()
              << "); replaying the result journal instead: every reported result is "
              << "kept, and the scheduler's decisions are made again from its initial state\n";
    Json metadata = std::move(state.metadata);
    state = TunerState();
    state.metadata = std::move(metadata);
    scheduler->load_state(fresh_scheduler);
    backend->load_state(fresh_backend);
    return std::nullopt;
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
  const std::optional<std::int64_t> offset = load_checkpoint(p);
  state.set_main_metric(scheduler->problem().metric, scheduler->problem().mode);
  if (!fs::exists(p / "journal.jsonl")) {
    if (!offset) throw StorageError("neither tuner.json nor journal.jsonl is usable in " + p.string());
    return;
  }
  // All lines rebuild the results table and give finished trials their configs (not in
  // tuner.json); the lines after the checkpoint also bring the state and the scheduler up
  // to date.
  std::set<TrialId> without_config;
  for (const auto& rec : state.trials())
    if (rec.trial.config.is_null()) without_config.insert(rec.trial.trial_id);
  read_journal_lines(p / "journal.jsonl", [&](const JournalLine& l) {
    const Json& line = l.json;
    const std::string& ev = line["event"].get_ref<const std::string&>();
    if (ev == "trial_start") {
      const TrialId id = line["trial_id"].get<TrialId>();
      table.set_config(id, line["config"]);
      if (without_config.count(id)) state.find(id)->trial.config = line["config"];
    } else if (ev == "result") {
      Result r = Result::from_json(line["trial_id"].get<TrialId>(), line["result"]);
      table.add(r, parse_decision(line.value("decision", "CONTINUE")),
                parse_trial_status(line.value("status", "InProgress")), line.value("time", 0.0),
                line.value("extra", Json::object()));
    }
    if (l.offset >= offset.value_or(0)) replay(line);
  });
  if (replay_divergences > 0)
    std::cerr << "[synetune] warning: at " << replay_divergences << " places the scheduler, replayed, "
              << "did not do what the journal says it did (damaged lines, or a journal of an older "
              << "synetune); the tuning goes on from the journal's state\n";
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
  // Before anything is read: a running tuner's files are its own. (No folder: load_from says so.)
  if (std::filesystem::is_directory(tuner_path)) tuner->impl_->lock = ExperimentLock::acquire(tuner_path);
  as_storage_error(tuner_path, [&] { tuner->impl_->load_from(tuner_path); });
  return tuner;
}

}  // namespace synetune
