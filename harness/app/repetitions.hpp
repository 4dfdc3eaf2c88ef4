#pragma once
/// The measured part of a run: every repetition, each with its share of the floors, its cases
/// either all at once sample by sample (--interleave sample) or one after another in a shuffled
/// order (--interleave case).

#include <vector>

#include "app/options.hpp"
#include "core/driver.hpp"
#include "measure/clock.hpp"
#include "output/progress.hpp"

namespace wpbench {

struct Run;
struct Targets;

/// Runs the repetitions into run.result, pooling each case as its repetitions come in and
/// rewriting the result files after every case. Stops early, keeping what was measured, on a
/// signal (stop_flag) or when run.stopped_because gets set: the server stopped answering, or the
/// table holds rows wpbench cannot account for.
void run_repetitions(const Options& opt, const std::vector<Case>& cases, Targets& targets,
                     Clock& clock, Progress& progress, Run& run);

}  // namespace wpbench
