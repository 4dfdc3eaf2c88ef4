#pragma once
// Builds the case-level results the exporters take from single repetitions, pooled the way the
// app pools them, for the export tests.
#include "analysis/pooling.hpp"
#include "core/result.hpp"

namespace wpbench::test {

/// `r` as the only repetition of its case; its histogram is filled from its raw samples.
inline CaseReport report_of(CaseResult r) {
  r.samples = r.samples_ns.size();
  r.histogram = LatencyHistogram();
  for (const auto v : r.samples_ns) r.histogram.record(v);
  CaseReport c;
  c.name = r.name;
  c.driver = r.driver;
  c.variant = r.variant;
  c.transport = r.transport;
  c.how = r.how;
  c.round_trips = r.round_trips;
  c.durability = "durable: test";
  c.samples_requested = r.samples_requested;
  c.repetitions = {std::move(r)};
  pool_case(c, 1);
  return c;
}

/// Pools `c` again after a test changed its repetitions.
inline void repool(CaseReport& c) { pool_case(c, 1); }

}  // namespace wpbench::test
