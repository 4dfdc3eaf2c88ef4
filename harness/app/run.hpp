#pragma once
/// The wpbench program once its options are parsed: choose the cases, set up their targets, run
/// the repetitions, analyze, export, report.

#include "app/options.hpp"

namespace wpbench {

/// Runs the program; returns the exit code (0 ok, 1 a case failed or the run could not start,
/// 2 bad usage, 130 interrupted). Throws UsageError, Interrupted (server/server.hpp) or another
/// std::exception with a one-line message when the run cannot start (run_guarded catches them).
int run_wpbench(const Options& opt);

}  // namespace wpbench
