#pragma once
/// The end of the measuring: what a run's results give together once no case runs any more.

#include "app/options.hpp"

namespace wpbench {

struct Run;

/// Fills in run.result from its cases and floors: the floors' summary, each case's
/// decomposition (closed loop, one client), the ratios between cases, the machine's changes,
/// and the run's status (interrupted, partial or complete); every case is marked over.
void analyze_run(const Options& opt, Run& run);

}  // namespace wpbench
