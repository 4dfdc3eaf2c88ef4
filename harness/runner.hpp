#pragma once
/// Runs one case: reset the table, connect, warm up, time each durable insert, verify.

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "case_result.hpp"
#include "clock.hpp"
#include "driver.hpp"
#include "histogram.hpp"
#include "recorder.hpp"
#include "run_config.hpp"

namespace wpbench {

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

/// Moves what `rec` recorded into `r`: the count, the latency summary (exact from the raw
/// samples while they are kept, else the histogram's, within 0.1 %), the samples themselves, the
/// histogram and the time series.
void take_recording(CaseResult& r, Recorder& rec);

/// Runs one repetition of `c` against `e`. Never throws for database trouble: errors land in
/// the result. `stop` is polled between samples so a signal ends the case with what was measured.
CaseResult run_case(const Case& c, const Endpoint& e, const RunConfig& cfg, Clock& clock,
                    const std::atomic<bool>& stop);

/// A case that could not run on this machine (e.g. a Python package is missing), with why.
CaseResult not_measured_case(const Case& c, const RunConfig& cfg, std::string reason);

}  // namespace wpbench
