// Periodic save of an experiment with 10,000 trials (ASHA, up to 100,000 results seen):
// tuner.json and results.csv.zip, as Tuner::Impl::save does it.
//   BM_Checkpoint_LoopBlocked: what the event loop waits for per save: the snapshot (trial
//     table's numbers, results table's index, the scheduler's state as text, the backend's
//     state) and the hand-over to the saving thread. Target: <= 5 ms.
//   BM_Checkpoint_BackgroundWrite: from the hand-over to both files being on disk (the
//     saving thread: text, zip, fsync, rename).
//   BM_Checkpoint_Write: the whole checkpoint (tuner.json only) written in-process, as the
//     final save at the end of the tuning does. Target for both: < 50 ms.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <vector>

#include "synetune/core/rng.hpp"
#include "synetune/schedulers/hyperband_scheduler.hpp"
#include "synetune/searchers/random_searcher.hpp"
#include "synetune/tuner/results_table.hpp"
#include "tuner/background_saver.hpp"
#include "tuner/tuner_state.hpp"

namespace synetune {
namespace {

constexpr int kTrials = 10000;

// A backend with nothing to do: the checkpoint only asks it for its (small) state.
class IdleBackend final : public Backend {
 public:
  void set_tuner_path(const std::filesystem::path&) override {}
  void start(TrialId, const Config&, std::optional<TrialId>) override {}
  void pause(TrialId) override {}
  void resume(TrialId, const Config&) override {}
  void stop(TrialId) override {}
  std::vector<BackendEvent> wait(double) override { return {}; }
  double now() const override { return 0.0; }
  void stop_all() override {}
  BackendCapabilities capabilities() const override { return {}; }
  std::string name() const override { return "IdleBackend"; }
  Json save_state() const override { return Json{{"worker_slots", Json::array({0, 1, 2, 3})}}; }
};

struct Experiment {
  TunerState state;
  ResultsTable table;
  std::unique_ptr<HyperbandScheduler> scheduler;
  IdleBackend backend;
  TunerOptions opts;
  std::filesystem::path dir;

  Experiment() {
    ConfigSpace space;
    space.add("lr", loguniform(1e-5, 1.0));
    space.add("wd", uniform(0.0, 0.1));
    space.add("layers", randint(1, 8));
    space.add("act", choice({"relu", "tanh", "gelu"}));
    ProblemSpec p;
    p.metric = "loss";
    p.resource_attr = "epoch";
    p.max_t = 81;
    HyperbandOptions o;
    scheduler = std::make_unique<HyperbandScheduler>(p, o, std::make_unique<RandomSearcher>(space, Rng(1)));
    state.set_main_metric("loss", Mode::kMin);
    Rng rng(2);
    for (TrialId id = 0; id < kTrials; ++id) {
      auto s = scheduler->suggest(id);
      const Config config = std::get<StartTrial>(*s).config;
      TrialRecord& rec = state.add_trial(config, id * 0.5);
      table.set_config(id, config);
      scheduler->on_trial_add(rec.trial);
      TrialStatus old = rec.trial.status;
      for (int r = 1; r <= 10; ++r) {
        Result res;
        res.trial_id = id;
        res.set("loss", rng.uniform());
        res.set("epoch", r);
        res.set("st_worker_time", r * 1.5);
        res.set("st_worker_timestamp", 1.7e9 + id);
        res.set("st_worker_iter", r - 1);
        state.record_result(rec, res);
        rec.last_resource = r;
        const Decision d = scheduler->on_trial_result(rec.trial, res);
        table.add(res, d, TrialStatus::kInProgress, id * 0.5 + r, Json::object());
        if (d != Decision::kContinue) break;
      }
      rec.trial.status = id % 10 == 0 ? TrialStatus::kCompleted : TrialStatus::kStopped;
      state.on_status_change(rec, old, rec.trial.status);
    }
    opts.n_workers = 4;
    dir = std::filesystem::temp_directory_path() / ("synetune-cpbench-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
  }
  ~Experiment() { std::filesystem::remove_all(dir); }
  std::string checkpoint_text() const { return tuner_checkpoint_text(state, *scheduler, backend, opts, 123456); }

  // What the loop does at a periodic save (Tuner::Impl::save): snapshot, hand-over.
  void save_in_background(BackgroundSaver& saver) {
    struct Snapshot {
      ResultsTable::Snapshot table;
      std::optional<CheckpointSnapshot> checkpoint;
    };
    auto snapshot = std::make_shared<Snapshot>();
    snapshot->table = table.snapshot();
    snapshot->checkpoint.emplace(state, *scheduler, backend, opts, 123456);
    saver.submit([snapshot, d = dir] {
      snapshot->table.write_csv_zip(d / "results.csv.zip", true);
      write_file_atomically(d / "tuner.json", snapshot->checkpoint->text());
    });
  }
};

Experiment& experiment() {
  static Experiment e;
  return e;
}

void BM_Checkpoint_LoopBlocked(benchmark::State& st) {
  Experiment& e = experiment();
  BackgroundSaver saver;
  for (auto _ : st) {
    e.save_in_background(saver);
    st.PauseTiming();
    saver.wait();  // the next interval's save starts after this one ended
    st.ResumeTiming();
  }
  st.counters["trials"] = kTrials;
  st.counters["rows"] = static_cast<double>(e.table.num_rows());
}
// Wall time: the loop waits for the snapshot whether its CPU time or another thread's is spent.
BENCHMARK(BM_Checkpoint_LoopBlocked)->Unit(benchmark::kMillisecond)->Iterations(20)->Repetitions(3)->ReportAggregatesOnly(true)->UseRealTime();

// From the hand-over to both files being on disk (snapshot, text, zip, fsync, rename): how old
// a checkpoint can be when the tuner is killed.
void BM_Checkpoint_BackgroundWrite(benchmark::State& st) {
  Experiment& e = experiment();
  BackgroundSaver saver;
  for (auto _ : st) {
    e.save_in_background(saver);
    const std::string err = saver.wait();
    if (!err.empty()) st.SkipWithError(err.c_str());
  }
}
BENCHMARK(BM_Checkpoint_BackgroundWrite)->Unit(benchmark::kMillisecond)->Iterations(10)->Repetitions(3)->ReportAggregatesOnly(true)->UseRealTime();

void BM_Checkpoint_Write(benchmark::State& st) {
  Experiment& e = experiment();
  std::size_t bytes = 0;
  for (auto _ : st) {
    const std::string text = e.checkpoint_text();
    write_file_atomically(e.dir / "tuner.json", text);
    bytes = text.size();
  }
  st.counters["bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_Checkpoint_Write)->Unit(benchmark::kMillisecond)->Iterations(10)->Repetitions(3)->ReportAggregatesOnly(true);

// The two large parts of the document, for profiling.
void BM_Checkpoint_Part_TunerState(benchmark::State& st) {
  Experiment& e = experiment();
  for (auto _ : st) {
    std::string text;
    e.state.append_json(text);
    benchmark::DoNotOptimize(text);
  }
}
BENCHMARK(BM_Checkpoint_Part_TunerState)->Unit(benchmark::kMillisecond)->Iterations(10);
void BM_Checkpoint_Part_Scheduler(benchmark::State& st) {
  Experiment& e = experiment();
  for (auto _ : st) {
    std::string text;
    e.scheduler->append_state(text);  // what the checkpoint writes
    benchmark::DoNotOptimize(text);
  }
}
BENCHMARK(BM_Checkpoint_Part_Scheduler)->Unit(benchmark::kMillisecond)->Iterations(10);
void BM_Checkpoint_Part_ResultsTable(benchmark::State& st) {
  Experiment& e = experiment();
  for (auto _ : st) benchmark::DoNotOptimize(e.table.to_csv());
  st.counters["rows"] = static_cast<double>(e.table.num_rows());
}
BENCHMARK(BM_Checkpoint_Part_ResultsTable)->Unit(benchmark::kMillisecond)->Iterations(10);

}  // namespace
}  // namespace synetune

BENCHMARK_MAIN();
