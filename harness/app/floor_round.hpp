#pragma once
/// The floors (measure/floors.hpp) as a run takes them: a share of every probe once a
/// repetition, so drift hits them as it hits the cases, and their summary at the end.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "app/options.hpp"
#include "core/result.hpp"
#include "measure/clock.hpp"
#include "measure/interleave.hpp"

namespace wpbench {

struct Targets;

// Raw floor samples, gathered a share per repetition, and each share's p50 (a floor that moves
// between repetitions is the machine changing under the run).
struct FloorSamples {
  std::map<std::string, std::vector<std::int64_t>> rt;       ///< by transport name
  std::map<std::string, std::vector<std::int64_t>> rt_idle;  ///< interleaved with the cases
  std::vector<std::int64_t> pg_on, pg_off, disk, sqlite_on, sqlite_off;
  /// --standby (not async): commits waiting for the standby, and for the local flush only.
  std::vector<std::int64_t> standby_on, standby_off;
  std::string pg_transport, disk_dir, disk_method;
  std::vector<std::string> errors;
  std::map<std::string, std::vector<double>> per_repetition;
};

/// Repetition `rep`'s share of every floor probe the cases' backends and transports call for
/// (opt.floor_samples over the run): round trips, the commit flush, the disk's sync, SQLite's
/// flush. A probe that fails adds a line to f.errors (once); UnaccountedRows stops the run.
void measure_floors(const Options& opt, const std::vector<Case>& cases, Targets& t,
                    const RunConfig& cfg, const std::string& journal_mode, int rep, FloorSamples& f,
                    Clock& clock);

/// With the floors, an interleaved repetition also times the round trip of a connection as idle
/// as the cases', per PostgreSQL transport used: the probes to hand to run_interleaved.
std::vector<IdleRoundTrip> idle_round_trip_probes(const Options& opt, const Targets& t);

/// Keeps what the idle probes of one repetition measured.
void append_idle(FloorSamples& f, const std::vector<IdleRoundTrip>& probes);

/// Every floor's summary, and the p50s decompose() takes.
FloorsResult summarize_floors(const FloorSamples& f);

}  // namespace wpbench
