#pragma once
/// How a run ends: the console table, one line on stderr for what matters most, and the exit
/// code (0 ok, 1 a case failed or the run could not start or save, 2 bad usage, 130 interrupted).

#include "app/options.hpp"

namespace wpbench {

struct Run;

/// Prints the console table and where the results are, then says on stderr what stopped the run,
/// what could not be saved, or which cases failed; returns the exit code.
int report_exit(const Run& run);

/// run_wpbench(opt), with what it throws turned into one line on stderr and an exit code.
int run_guarded(const Options& opt);

}  // namespace wpbench
