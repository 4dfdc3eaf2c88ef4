#pragma once
/// Which cases a run measures: the selection by --drivers and --transports, the list, and one
/// report per case with the order of every repetition.

#include <vector>

#include "app/options.hpp"
#include "core/driver.hpp"

namespace wpbench {

struct Run;
struct Targets;

/// The cases `opt` asks for, in registry order; throws UsageError for an unknown name. Without
/// --transports, only the transports measured by default, without --connect-per-write no path
/// that connects per insert, and without --extra-drivers no path outside the default run, unless
/// `every_transport` (--list).
/// A layer chosen with --drivers brings its baseline (registry.hpp's baseline_of) over the same
/// transports, unless --no-baselines; `added` gets one line per baseline added.
std::vector<Case> select_cases(const Options& opt, bool every_transport = false,
                               std::vector<std::string>* added = nullptr);

/// --list: one line per case (name, round trips, what a sample does, and the --transports a case
/// needs when its transport is not measured by default); returns the exit code.
int print_case_list(const std::vector<Case>& cases);

/// One report per case in run.result (what it is, how durable, why it cannot be measured here
/// when it cannot), and every repetition's shuffled order (run.order, recorded by name in the
/// settings). Throws UsageError when --clients leaves no case to measure.
void describe_cases(const Options& opt, const std::vector<Case>& cases, const Targets& t, Run& run);

/// Whether any of `cases` uses the backend or transport.
bool any_backend(const std::vector<Case>& cases, Backend b);
bool any_transport(const std::vector<Case>& cases, Transport t);

}  // namespace wpbench
