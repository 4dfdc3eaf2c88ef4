#include "app/analyze.hpp"

#include "analysis/decompose.hpp"
#include "analysis/pooling.hpp"
#include "app/floor_round.hpp"
#include "app/plan.hpp"
#include "app/signals.hpp"

namespace wpbench {

namespace {
// Whether a case's commit waits for a flush to disk: what the flush floor is a part of. Not the
// same as durable (data on tmpfs waits for a flush that is not one).
bool commit_waits(const CaseReport& c, const RunContext& ctx) {
  if (c.transport != "file") {
    const auto it = ctx.server.settings.find("synchronous_commit");
    return it == ctx.server.settings.end() || it->second != "off";
  }
  const auto& sq = ctx.sqlite;
  return sq.synchronous == "FULL" || sq.synchronous == "EXTRA" ||
         (sq.synchronous == "NORMAL" && sq.journal_mode != "wal");
}
}  // namespace

void analyze_run(const Options& opt, Run& run) {
  RunResult& result = run.result;
  if (opt.floor_samples > 0) result.floors = summarize_floors(run.floors);
  // Queueing (open loop) and pool waits (--clients) are not in any floor: they would land in the
  // driver's share, so such runs are not split.
  const bool decomposable = !opt.run.open_loop() && opt.run.clients == 1;
  for (auto& c : result.cases) {
    if (result.floors && decomposable && c.pooled.samples > 0) {
      c.decomposition = decompose(c.round_trips, c.transport, commit_waits(c, result.context),
                                  c.pooled.latency.p50_ns, result.floors->floors,
                                  result.settings.interleave == "sample");
    }
  }
  result.ratios = case_ratios(result.cases);
  result.transport_costs = transport_costs(result.cases);
  result.machine_changes = machine_changes(result.cases, result.floors, opt.repetitions);
  result.status = stop_flag()           ? RunStatus::interrupted
                  : run.stopped_because ? RunStatus::partial
                                        : RunStatus::complete;
  for (auto& c : result.cases) c.run_over = true;
}

}  // namespace wpbench
