#pragma once
/// What a run does after the timed repetitions, when nothing stopped it: --instructions (each
/// case once more under callgrind) and connect cost. Also the child side of --instructions.

#include <cstdint>
#include <vector>

#include "app/options.hpp"
#include "core/driver.hpp"
#include "core/result.hpp"
#include "measure/clock.hpp"
#include "output/progress.hpp"

namespace wpbench {

struct Run;
struct Targets;

/// The instruction counts (opt.instructions > 0) and the connect costs (opt.connect_samples > 0)
/// into run.result, unless the run was stopped; UnaccountedRows sets run.stopped_because.
void run_after_steps(const Options& opt, const std::vector<Case>& cases, Targets& targets,
                     Clock& clock, Progress& progress, Run& run);

/// How many connects the connect-cost step will time (for the progress line's estimate).
std::uint64_t after_steps_connects(const Options& opt, const std::vector<Case>& cases,
                                   const Targets& targets, const RunResult& result);

/// --callgrind-case: this process is the child of count_instructions() for a C++ case, inside
/// valgrind. Returns the exit code.
int callgrind_child_main(const Options& opt);

}  // namespace wpbench
