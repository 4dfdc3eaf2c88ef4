#include "app/steps.hpp"

#include <cstdlib>
#include <filesystem>
#include <optional>

#include "app/cases.hpp"
#include "app/plan.hpp"
#include "app/signals.hpp"
#include "app/targets.hpp"
#include "core/schedule.hpp"
#include "db/schema.hpp"
#include "db/verify.hpp"
#include "drivers/registry.hpp"
#include "measure/connect_cost.hpp"
#include "measure/instructions.hpp"
#include "sys/temp_dir.hpp"

namespace fs = std::filesystem;

namespace wpbench {

namespace {
// --instructions: each measured case once more under callgrind, after the timed run (valgrind
// slows the client fifty-fold, so it never shares the machine with a timed sample). Its rows go
// through the case's table, verified like a repetition's.
void count_case_instructions(const Options& opt, const std::vector<Case>& cases, Targets& t,
                             const RunConfig& cfg, RunResult& run) {
  const std::string self = fs::read_symlink("/proc/self/exe").string();
  TempDir dir("wpbench-cg-", opt.tmp_dir);
  for (std::size_t i = 0; i < cases.size() && !stop_flag(); ++i) {
    if (run.cases[i].not_measured) continue;
    const Case& c = cases[i];
    const Endpoint e = endpoint_for(c.transport, t, opt);
    reset_table(c.path->backend, e);
    InstructionCount n = count_instructions(c, e, cfg, opt.instructions, self, dir.path());
    const auto v = verify_table(c.path->backend, e, case_seed(cfg.seed, c.name()),
                                cfg.warmup + opt.instructions);
    if (e.ledger)
      e.ledger->rows = v.all_ours ? std::optional<std::uint64_t>(v.rows_found) : std::nullopt;
    if (!n.error && !v.ok) n.error = "rows not verified: " + v.message;
    run.cases[i].instructions = n;
  }
}

std::vector<ConnectCost> measure_connects(const Options& opt, const std::vector<Case>& cases,
                                          const Targets& t, Clock& clock) {
  std::optional<SqliteConnectTarget> sqlite;
  if (any_backend(cases, Backend::sqlite)) sqlite = SqliteConnectTarget{t.sqlite_path, opt.sqlite};
  return measure_connect_costs(connect_targets(cases, t), opt.connect_samples, clock, stop_flag(),
                               sqlite);
}
}  // namespace

void run_after_steps(const Options& opt, const std::vector<Case>& cases, Targets& targets,
                     Clock& clock, Progress& progress, Run& run) {
  if (!stop_flag() && !run.stopped_because && opt.instructions > 0) {
    progress.set(opt.repetitions - 1, "instruction counts");
    try {
      count_case_instructions(opt, cases, targets, run.cfg, run.result);
    } catch (const UnaccountedRows& e) {
      run.stopped_because = e.what();
    }
  }
  if (!stop_flag() && !run.stopped_because && opt.connect_samples > 0) {
    progress.set(opt.repetitions - 1, "connect cost");
    run.result.connect = measure_connects(opt, cases, targets, clock);
  }
}

// The child of count_instructions() for a C++ case, inside valgrind: the target comes in the
// environment (it may hold a password), everything else on the command line.
int callgrind_child_main(const Options& opt) {
  const char* target = std::getenv("WPBENCH_TARGET");
  if (target == nullptr)
    throw UsageError("--callgrind-case is wpbench's own (WPBENCH_TARGET unset)");
  Case c;
  try {
    c = find_case(opt.callgrind_case);
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  const Endpoint e{c.transport, target, opt.table, opt.sqlite};
  return callgrind_child(c, e, opt.run.warmup, opt.run.samples, opt.run.seed);
}

}  // namespace wpbench
