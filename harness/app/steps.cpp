#include "app/steps.hpp"

#include <algorithm>
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
#include "drivers/python/python_arm.hpp"
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
    // A connect-per-write path with its own, smaller warm-up, and no more inserts than its
    // samples: each opens a backend, and the count is the same however many are taken.
    const RunConfig path_cfg = cfg.for_path(c.path->caps);
    const std::uint64_t inserts = c.path->caps.connects > 0
                                      ? std::min<std::uint64_t>(opt.instructions, path_cfg.samples)
                                      : opt.instructions;
    InstructionCount n = count_instructions(c, e, path_cfg, inserts, self, dir.path());
    const auto v =
        verify_table(c.path->backend, e, case_seed(cfg.seed, c.name()), path_cfg.warmup + inserts);
    if (e.ledger)
      e.ledger->rows = v.all_ours ? std::optional<std::uint64_t>(v.rows_found) : std::nullopt;
    if (!n.error && !v.ok) n.error = "rows not verified: " + v.message;
    run.cases[i].instructions = n;
  }
}

// The library whose plain connect a PostgreSQL case's numbers sit on: its own for the C++ and
// DB-API paths, "sqlalchemy" for both SQLAlchemy paths (a new Engine's first connect; the pool's
// later checkouts connect nothing), none for SQLite (timed once, as "sqlite3").
std::optional<std::string> connect_library(const Case& c) {
  if (c.path->backend != Backend::postgres) return std::nullopt;
  const std::string driver = c.path->driver;
  if (driver.rfind("sqlalchemy", 0) == 0) return "sqlalchemy";
  return driver;
}

// What the connect-cost step times: the libraries of the cases that ran (libpq always, as the
// reference every PostgreSQL library here is built on), each over the ways into the transports
// those cases used; SQLite when a SQLite case ran.
struct ConnectWork {
  std::vector<std::string> native, python;
  std::vector<ConnectTarget> targets;
  std::optional<SqliteConnectTarget> sqlite;
  std::uint64_t connects(std::uint64_t n) const {
    return n * ((native.size() + python.size()) * targets.size() + (sqlite ? 1 : 0));
  }
};

ConnectWork connect_work(const Options& opt, const std::vector<Case>& cases, const Targets& t,
                         const RunResult& result) {
  ConnectWork w;
  std::vector<Case> ran;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    if (!result.cases[i].not_measured) ran.push_back(cases[i]);
  }
  if (any_backend(ran, Backend::sqlite)) w.sqlite = SqliteConnectTarget{t.sqlite_path, opt.sqlite};
  if (!any_backend(ran, Backend::postgres)) return w;
  w.targets = connect_targets(ran, t);
  const auto add = [](std::vector<std::string>& to, const std::string& lib) {
    if (std::find(to.begin(), to.end(), lib) == to.end()) to.push_back(lib);
  };
  add(w.native, "libpq");
  for (const auto& c : ran) {
    if (const auto lib = connect_library(c)) add(c.path->arm ? w.python : w.native, *lib);
  }
  return w;
}
}  // namespace

std::uint64_t after_steps_connects(const Options& opt, const std::vector<Case>& cases,
                                   const Targets& targets, const RunResult& result) {
  if (opt.connect_samples == 0) return 0;
  return connect_work(opt, cases, targets, result).connects(opt.connect_samples);
}

void run_after_steps(const Options& opt, const std::vector<Case>& cases, Targets& targets,
                     Clock& clock, Progress& progress, Run& run) {
  if (!stop_flag() && !run.stopped_because && opt.instructions > 0) {
    progress.begin(opt.repetitions - 1, "instruction counts", Phase::instructions, 1);
    try {
      count_case_instructions(opt, cases, targets, run.cfg, run.result);
    } catch (const UnaccountedRows& e) {
      run.stopped_because = e.what();
    }
  }
  if (!stop_flag() && !run.stopped_because && opt.connect_samples > 0) {
    const ConnectWork w = connect_work(opt, cases, targets, run.result);
    progress.begin(opt.repetitions - 1, "connect cost", Phase::connects,
                   w.connects(opt.connect_samples));
    run.result.connect = measure_connect_costs(w.targets, opt.connect_samples, clock, stop_flag(),
                                               w.sqlite, w.native, run.cfg.progress);
    if (!stop_flag() && !w.python.empty()) {
      auto py =
          measure_python_connects(w.python, w.targets, opt.connect_samples, run.cfg, stop_flag());
      // Beside the C++ rows, before SQLite's: the table reads PostgreSQL libraries first.
      const auto at = std::find_if(run.result.connect.begin(), run.result.connect.end(),
                                   [](const ConnectCost& k) { return k.driver == "sqlite3"; });
      run.result.connect.insert(at, py.begin(), py.end());
    }
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
