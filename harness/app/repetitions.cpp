#include "app/repetitions.hpp"

#include <string>
#include <utility>

#include "analysis/pooling.hpp"
#include "app/floor_round.hpp"
#include "app/plan.hpp"
#include "app/signals.hpp"
#include "app/targets.hpp"
#include "core/schedule.hpp"
#include "db/schema.hpp"
#include "measure/interleave.hpp"
#include "measure/runner.hpp"

namespace wpbench {

namespace {
// A case's repetition is in: keep it, and stop the run when its failure was the server's.
void accept(const Case& c, CaseReport& report, CaseResult r, int rep, std::size_t pos,
            const Targets& targets, Run& run) {
  r.repetition = rep;
  r.position = static_cast<int>(pos);
  if (!r.ok() && !run.stopped_because && server_lost(c, targets)) {
    run.stopped_because = "the PostgreSQL server stopped answering during " + c.name() + " (" +
                          (r.error          ? *r.error
                           : r.verification ? r.verification->message
                                            : "no answer") +
                          ")";
  }
  report.repetitions.push_back(std::move(r));
  pool_case(report, run.result.settings.order_seed);
}

// Every case at once, sample by sample; sessions open in this repetition's order.
void interleaved_round(const Options& opt, const std::vector<Case>& cases, Targets& targets,
                       Clock& clock, Progress& progress, int rep, Run& run) {
  std::vector<CaseTarget> batch;
  std::vector<std::size_t> index;
  for (const std::size_t i : run.order[rep]) {
    if (run.result.cases[i].not_measured) continue;
    batch.push_back({cases[i], endpoint_for(cases[i].transport, targets, opt)});
    index.push_back(i);
  }
  std::uint64_t inserts = 0;
  for (const auto& ct : batch) inserts += run.cfg.inserts_per_repetition(ct.c.path->caps);
  progress.begin(rep, std::to_string(batch.size()) + " cases, interleaved", Phase::inserts,
                 inserts);
  // With the floors: the round trip of a connection as idle as the cases', per transport.
  std::vector<IdleRoundTrip> probes = idle_round_trip_probes(opt, targets);
  auto results = run_interleaved(batch, run.cfg, rounds_seed(run.result.settings.order_seed, rep),
                                 clock, stop_flag(), &probes);
  append_idle(run.floors, probes);
  for (std::size_t k = 0; k < results.size(); ++k) {
    accept(cases[index[k]], run.result.cases[index[k]], std::move(results[k]), rep, k, targets,
           run);
  }
  run.runs_done += cases.size();
  run.write();
}

// Each case in its own stretch, in this repetition's shuffled order.
void round_by_case(const Options& opt, const std::vector<Case>& cases, Targets& targets,
                   Clock& clock, Progress& progress, int rep, Run& run) {
  for (std::size_t pos = 0; pos < run.order[rep].size() && !stop_flag() && !run.stopped_because;
       ++pos) {
    const std::size_t i = run.order[rep][pos];
    if (!run.result.cases[i].not_measured) {
      const RunConfig cfg = run.cfg.for_path(cases[i].path->caps);
      progress.begin(rep, cases[i].name(), Phase::inserts, cfg.warmup + cfg.samples);
      accept(cases[i], run.result.cases[i],
             run_case(cases[i], endpoint_for(cases[i].transport, targets, opt), cfg, clock,
                      stop_flag()),
             rep, pos, targets, run);
    }
    ++run.runs_done;
    // Rewritten after every case: a crash or Ctrl-C keeps what was measured, marked partial.
    // A failed write (a full disk) is retried after the next case and reported at the end.
    run.write();
  }
}
}  // namespace

void run_repetitions(const Options& opt, const std::vector<Case>& cases, Targets& targets,
                     Clock& clock, Progress& progress, Run& run) {
  const bool by_sample = run.result.settings.interleave == "sample";
  try {
    for (int rep = 0; rep < opt.repetitions && !stop_flag() && !run.stopped_because; ++rep) {
      // Floors once a round, a share each, so drift hits them as it hits the cases.
      if (opt.floor_samples > 0) {
        progress.begin(rep, "floors", Phase::floors, 1);
        measure_floors(opt, cases, targets, run.cfg, run.result.context.sqlite.journal_mode, rep,
                       run.floors, clock);
      }
      if (by_sample) {
        interleaved_round(opt, cases, targets, clock, progress, rep, run);
      } else {
        round_by_case(opt, cases, targets, clock, progress, rep, run);
      }
    }
  } catch (const UnaccountedRows& e) {
    run.stopped_because = e.what();
  }
}

}  // namespace wpbench
