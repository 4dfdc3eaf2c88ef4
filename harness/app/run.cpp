#include "app/run.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <thread>

#include "app/analyze.hpp"
#include "app/cases.hpp"
#include "app/exit.hpp"
#include "app/plan.hpp"
#include "app/repetitions.hpp"
#include "app/signals.hpp"
#include "app/steps.hpp"
#include "app/targets.hpp"
#include "measure/clock.hpp"
#include "output/progress.hpp"
#include "sys/text.hpp"

namespace wpbench {

namespace {
// The whole run's work, for the progress line's estimate: a floor round per repetition, every
// measured case's inserts (warm-up too), the instruction counts and the connects.
void expect_work(const Options& opt, const std::vector<Case>& cases, const Targets& targets,
                 const Run& run, Progress& progress) {
  std::uint64_t inserts = 0;  // per repetition: a connect-per-write path takes fewer
  for (const auto& c : run.result.cases) {
    inserts += c.not_measured ? 0 : run.cfg.inserts_per_repetition(c.caps);
  }
  const auto reps = static_cast<std::uint64_t>(opt.repetitions);
  if (opt.floor_samples > 0) progress.expect(Phase::floors, reps);
  progress.expect(Phase::inserts, reps * inserts);
  if (opt.instructions > 0) progress.expect(Phase::instructions, 1);
  progress.expect(Phase::connects, after_steps_connects(opt, cases, targets, run.result));
}
}  // namespace

namespace {
// --start-at: set-up is done; wait until the time (a stop ends the wait), or say how late it is.
void wait_for_start(const Options& opt, bool tty, RunContext& ctx) {
  const auto at = parse_start_at(opt.start_at);
  if (!at) return;
  const auto ms_since_epoch =
      std::chrono::duration_cast<std::chrono::milliseconds>(at->time_since_epoch()).count();
  ctx.start_at = utc_format(static_cast<std::time_t>(ms_since_epoch / 1000), "%Y-%m-%dT%H:%M:%S") +
                 fmt::format(".{:03d}Z", ms_since_epoch % 1000);
  const auto now = std::chrono::system_clock::now();
  if (now > *at) {
    const double late = std::chrono::duration<double>(now - *at).count();
    ctx.warnings.push_back(
        fmt::format("--start-at {}: set-up ended {:.1f} s after it, so this host started late",
                    ctx.start_at, late));
    return;
  }
  if (tty) std::fprintf(stderr, "waiting for --start-at %s\n", ctx.start_at.c_str());
  while (std::chrono::system_clock::now() < *at) {
    // Stopped while waiting: the run goes on to its end at once, so the table is released and
    // the result is written, marked interrupted, as after any stop.
    if (stop_flag()) return;
    const auto left = *at - std::chrono::system_clock::now();
    std::this_thread::sleep_for(
        std::min<std::chrono::system_clock::duration>(left, std::chrono::milliseconds(50)));
  }
}
}  // namespace

int run_wpbench(const Options& opt) {
  check_table_option(opt);
  if (!opt.callgrind_case.empty()) return callgrind_child_main(opt);
  if (opt.list) return print_case_list(select_cases(opt, /*every_transport=*/true));
  std::vector<std::string> baselines_added;
  const std::vector<Case> cases = select_cases(opt, false, &baselines_added);
  check_options(opt);
  Run run = plan_run(opt, cases);  // cheap checks first: a bad path must not cost a server start
  for (auto& line : baselines_added) run.result.context.warnings.push_back(std::move(line));
  for (auto& line : size_warnings(opt)) {
    if (!opt.quiet && isatty(STDERR_FILENO)) std::fprintf(stderr, "warning: %s\n", line.c_str());
    run.result.context.warnings.push_back(std::move(line));
  }
  prepare_process(run.out);  // before any thread or child
  // Status lines only on a terminal: in a pipe or CI, stderr carries errors alone, one line each.
  const bool tty = !opt.quiet && isatty(STDERR_FILENO);
  Targets targets = setup_targets(opt, cases, tty, run.cfg, run.result);
  describe_cases(opt, cases, targets, run);

  wait_for_start(opt, tty, run.result.context);
  Progress progress(tty, opt.repetitions);
  expect_work(opt, cases, targets, run, progress);
  run.cfg.progress = &progress.samples;
  SteadyClock clock;
  run_repetitions(opt, cases, targets, clock, progress, run);
  run_after_steps(opt, cases, targets, clock, progress, run);
  progress.finish();

  analyze_run(opt, run);
  if (const auto left_behind = release_targets(opt, cases, targets)) {
    run.result.context.warnings.push_back(*left_behind);
  }
  run.write();
  return report_exit(run);
}

}  // namespace wpbench
