#pragma once
/// Runs one case: reset the table, connect, warm up, time each durable insert, verify.

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "clock.hpp"
#include "driver.hpp"
#include "stats.hpp"
#include "verify.hpp"

namespace wpbench {

/// How much to measure; the same for every case of a run.
struct RunConfig {
  std::uint64_t samples = 10000;
  std::uint64_t warmup = 500;
  std::uint64_t seed = DecisionGenerator::default_seed;
  std::string python = "/usr/bin/python3";  ///< interpreter of the Python arm (Debian's)
  std::string python_arm;  ///< the arm's script (written by write_python_arm()); empty: none
};

/// What one way of measuring hands back: raw numbers, before statistics and verification.
struct Measurement {
  std::vector<std::int64_t> samples_ns;
  std::int64_t connect_ns = 0, elapsed_ns = 0, cpu_ns = 0;
  std::uint64_t inserted = 0;  ///< rows written, warm-up included
  bool inserted_known = true;  ///< false when a child died without saying how many it wrote
  std::optional<std::string> error;
};

/// Everything measured for one case. Samples stay in the result so nothing measured is lost
/// even when the case ends early.
struct CaseResult {
  std::string name, driver, variant, transport, how;
  int round_trips = 0;
  std::vector<std::int64_t> samples_ns;  ///< measured inserts, in order
  LatencySummary latency;
  std::int64_t connect_ns = 0;  ///< opening the session, measured apart from the inserts
  std::int64_t elapsed_ns = 0;  ///< wall time of the measured phase
  /// Process CPU time (user + system) of wpbench over the measured phase; divided by the
  /// samples, the client-side CPU cost of one insert, the driver's own work included.
  std::int64_t cpu_ns = 0;
  double throughput_per_s = 0;  ///< measured inserts / elapsed_ns
  std::uint64_t samples_requested = 0;
  bool interrupted = false;  ///< stopped by a signal before all samples were taken
  bool durable = true;  ///< the database settings make an acknowledged commit survive power loss
  std::optional<Verification> verification;
  std::optional<std::string> error;         ///< the driver or database error that ended the case
  std::optional<std::string> not_measured;  ///< why the case could not run here (nothing else set)

  /// A case counts only when it ran to the end without error and its rows verified.
  bool ok() const { return !error && !interrupted && verification && verification->ok; }
  /// "ok", "interrupted" (stopped by a signal) or "failed" (anything else), as the exports write.
  const char* status_name() const {
    return not_measured ? "not_measured" : ok() ? "ok" : interrupted ? "interrupted" : "failed";
  }
};

/// Runs `c` against `e`. Never throws for database trouble: errors land in the result.
/// `stop` is polled between samples so a signal ends the case with what was measured.
CaseResult run_case(const Case& c, const Endpoint& e, const RunConfig& cfg, Clock& clock,
                    const std::atomic<bool>& stop);

/// A case that could not run on this machine (e.g. a Python package is missing), with why.
CaseResult not_measured_case(const Case& c, const RunConfig& cfg, std::string reason);

}  // namespace wpbench
