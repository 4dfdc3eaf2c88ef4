#pragma once
/// One repetition of one case as measured: its samples, their summary, the errors and the
/// verification of its rows.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/driver.hpp"
#include "stats/histogram.hpp"
#include "stats/stats.hpp"
#include "stats/timeseries.hpp"

namespace wpbench {

/// The outcome of checking a table against the generator.
struct Verification {
  bool ok = false;
  std::uint64_t rows_found = 0;
  std::uint64_t rows_expected = 0;
  std::uint64_t checksum_found = 0;
  std::uint64_t checksum_expected = 0;
  std::string message;  ///< why it failed, naming the first differing row; empty when ok
  /// Every row read is one of the seed's decisions (those the case inserted, or ones whose
  /// insert reported failure yet committed): the table holds nothing but wpbench's rows.
  bool all_ours = false;
  /// --standby: whether the standby holds the same rows (checked once it replayed the server's
  /// WAL up to the check); empty when there was no standby to read.
  std::optional<bool> on_standby;
};

/// Everything measured for one repetition of one case. Samples stay in the result so nothing
/// measured is lost even when the case ends early.
struct CaseResult {
  std::string name, driver, variant, transport, how;
  int round_trips = 0;
  Capabilities caps;
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
  /// --idle-ms: after each measured insert (which followed the idle wait), the same
  /// connection's next insert at once: the back-to-back latency, in order, one per sample.
  std::vector<std::int64_t> back_to_back_ns;
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

/// Copies what names a case (name, driver, variant, transport, how, round trips, capabilities) into
/// a per-repetition or per-case result.
template <typename Result>
void describe_into(Result& r, const Case& c) {
  r.name = c.name();
  r.driver = c.path->driver;
  r.variant = c.path->variant;
  r.transport = transport_name(c.transport);
  r.how = c.path->how;
  r.round_trips = c.path->round_trips;
  r.caps = c.path->caps;
}

}  // namespace wpbench
