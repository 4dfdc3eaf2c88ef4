#pragma once
/// Runs one case: reset the table, connect, warm up, time each durable insert, verify.

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "clock.hpp"
#include "driver.hpp"
#include "histogram.hpp"
#include "recorder.hpp"
#include "schedule.hpp"
#include "stats.hpp"
#include "timeseries.hpp"
#include "verify.hpp"

namespace wpbench {

/// How much to measure; the same for every case and repetition of a run.
struct RunConfig {
  std::uint64_t samples =
      500;  ///< per repetition (10 x 500 interleaved: the default run in 4 minutes)
  std::uint64_t warmup = 100;  ///< per repetition: every repetition opens new sessions
  std::uint64_t seed = DecisionGenerator::default_seed;
  std::uint64_t raw_samples_max = 100000;  ///< beyond it, a repetition keeps its histogram only
  /// Open loop: inserts per second on a schedule (0: closed loop, each insert right after the
  /// last one returns).
  double rate_per_s = 0;
  ScheduleKind schedule = ScheduleKind::fixed;
  /// Threads inserting at once, each taking a connection for every insert (1: the classic
  /// one-connection loop).
  int clients = 1;
  /// Connections the clients share; 0 means one per client (the one-per-thread discipline).
  /// Fewer than clients is a shared pool: waiting for a free connection counts in the latency.
  int pool_size = 0;
  std::string python = "/usr/bin/python3";  ///< interpreter of the Python arm (Debian's)
  std::string python_arm;  ///< the arm's script (written by write_python_arm()); empty: none
  /// When set, incremented after every measured insert so a progress line can read it from
  /// another thread (relaxed: it is a display, not a synchronisation).
  std::atomic<std::uint64_t>* progress = nullptr;

  bool open_loop() const { return rate_per_s > 0; }
  int connections() const { return pool_size > 0 ? pool_size : clients; }
};

/// What one way of measuring hands back: raw numbers, before statistics and verification.
struct Measurement {
  explicit Measurement(const RunConfig& cfg) : rec(cfg.raw_samples_max, cfg.open_loop()) {}
  Recorder rec;
  std::int64_t connect_ns = 0, elapsed_ns = 0, cpu_ns = 0;
  std::uint64_t inserted = 0;  ///< rows written, warm-up included
  /// Concurrent clients: inserts that failed and went on (e.g. SQLITE_BUSY), by decision index
  /// in the generator's stream, so verification expects every other one.
  std::vector<std::uint64_t> failed;
  std::uint64_t generated = 0;                ///< decisions handed out, failed ones included
  std::optional<LatencyHistogram> pool_wait;  ///< shared pool: waiting for a connection
  bool errors_counted = false;  ///< `error` summarises counted failures; the case ran on
  bool inserted_known = true;   ///< false when a child died without saying how many it wrote
  std::optional<std::string> error;
};

/// Everything measured for one repetition of one case. Samples stay in the result so nothing
/// measured is lost even when the case ends early.
struct CaseResult {
  std::string name, driver, variant, transport, how;
  int round_trips = 0;
  int repetition = 0;                    ///< 0-based round of --repetitions
  int position = 0;                      ///< 0-based place in that round's shuffled order
  std::uint64_t samples = 0;             ///< measured inserts taken
  std::vector<std::int64_t> samples_ns;  ///< measured inserts, in order, when raw_kept
  bool raw_kept = true;  ///< false past RunConfig::raw_samples_max: the histogram holds them
  LatencyHistogram histogram;
  TimeSeries timeseries;
  /// Open loop only: how late each insert started behind its schedule. latency then counts from
  /// the intended start (as wrk2 and pgbench -R do), so a stall is not hidden.
  std::optional<LatencySummary> schedule_lag;
  int clients = 1, connections = 1;
  std::uint64_t errors = 0;  ///< failed inserts that did not end the case (concurrent clients)
  std::optional<LatencySummary> pool_wait;  ///< fewer connections than clients
  LatencySummary latency;
  std::int64_t connect_ns = 0;  ///< opening the session, measured apart from the inserts
  /// --interleave sample: median time the connection sat idle between two of its inserts, while
  /// the other cases took their turns (what each sample's "cold" start is made of).
  std::optional<std::int64_t> idle_gap_ns;
  std::int64_t elapsed_ns = 0;  ///< wall time of the measured phase
  /// Process CPU time (user + system) of wpbench over the measured phase; divided by the
  /// samples, the client-side CPU cost of one insert, the driver's own work included.
  std::int64_t cpu_ns = 0;
  double throughput_per_s = 0;  ///< measured inserts / elapsed_ns
  std::uint64_t samples_requested = 0;
  bool interrupted = false;  ///< stopped by a signal before all samples were taken
  std::optional<Verification> verification;
  std::optional<std::string> error;  ///< the driver or database error that ended the case

  /// A case counts only when it ran to the end without error and its rows verified.
  bool ok() const {
    return !error && errors == 0 && !interrupted && verification && verification->ok;
  }
  /// "ok", "interrupted" (stopped by a signal) or "failed" (anything else), as the exports write.
  const char* status_name() const { return ok() ? "ok" : interrupted ? "interrupted" : "failed"; }
};

/// Copies what names a case (name, driver, variant, transport, how, round trips) into a
/// per-repetition or per-case result.
template <typename Result>
void describe_into(Result& r, const Case& c) {
  r.name = c.name();
  r.driver = c.path->driver;
  r.variant = c.path->variant;
  r.transport = transport_name(c.transport);
  r.how = c.path->how;
  r.round_trips = c.path->round_trips;
}

/// Moves what `rec` recorded into `r`: the count, the latency summary (exact from the raw
/// samples while they are kept, else the histogram's, within 0.1 %), the samples themselves, the
/// histogram and the time series.
void take_recording(CaseResult& r, Recorder& rec);

/// Runs one repetition of `c` against `e`. Never throws for database trouble: errors land in
/// the result. `stop` is polled between samples so a signal ends the case with what was measured.
CaseResult run_case(const Case& c, const Endpoint& e, const RunConfig& cfg, Clock& clock,
                    const std::atomic<bool>& stop);

}  // namespace wpbench
