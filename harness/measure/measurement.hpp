#pragma once
/// What measuring one case hands back, whichever way it was measured (in this process, or by a
/// child that timed itself): raw numbers, before statistics and verification.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/run_config.hpp"
#include "measure/recorder.hpp"
#include "stats/histogram.hpp"

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

}  // namespace wpbench
