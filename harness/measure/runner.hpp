#pragma once
/// Runs one case: reset the table, connect, warm up, time each durable insert, verify.

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/case_result.hpp"
#include "core/driver.hpp"
#include "core/run_config.hpp"
#include "measure/clock.hpp"
#include "measure/measurement.hpp"
#include "measure/recorder.hpp"
#include "stats/histogram.hpp"

namespace wpbench {

/// Moves what `rec` recorded into `r`: the count, the latency summary (exact from the raw
/// samples while they are kept, else the histogram's, within 0.1 %), the samples themselves, the
/// histogram and the time series.
void take_recording(CaseResult& r, Recorder& rec);

/// Runs one repetition of `c` against `e`. Never throws for database trouble: errors land in
/// the result. `stop` is polled between samples so a signal ends the case with what was measured.
CaseResult run_case(const Case& c, const Endpoint& e, const RunConfig& cfg, Clock& clock,
                    const std::atomic<bool>& stop);

}  // namespace wpbench
