#include "runner.hpp"

#include "schema.hpp"

namespace wpbench {

CaseResult run_case(const Case& c, const Endpoint& e, const RunConfig& cfg, Clock& clock,
                    const std::atomic<bool>& stop) {
  CaseResult r;
  r.name = c.name();
  r.driver = c.path->driver;
  r.variant = c.path->variant;
  r.transport = transport_name(c.transport);
  r.how = c.path->how;
  r.round_trips = c.path->round_trips;
  r.samples_requested = cfg.samples;

  // The decisions are made before timing starts, so generating them is never measured.
  const auto decisions = make_decisions(cfg.seed, cfg.warmup + cfg.samples);
  r.samples_ns.reserve(cfg.samples);
  std::uint64_t inserted = 0;
  try {
    reset_table(c.path->backend, e);
    const auto t_connect = clock.now();
    auto session = c.path->open(e);
    r.connect_ns = (clock.now() - t_connect).count();

    for (; inserted < cfg.warmup && !stop.load(std::memory_order_relaxed); ++inserted) {
      session->insert(decisions[inserted]);
    }
    const auto t_start = clock.now();
    while (inserted < decisions.size() && !stop.load(std::memory_order_relaxed)) {
      const auto t0 = clock.now();
      session->insert(decisions[inserted]);
      const auto t1 = clock.now();
      ++inserted;
      r.samples_ns.push_back((t1 - t0).count());
    }
    r.elapsed_ns = (clock.now() - t_start).count();
  } catch (const std::exception& ex) {
    r.error = ex.what();
  }
  r.interrupted = !r.error && r.samples_ns.size() < cfg.samples;
  r.latency = summarize(r.samples_ns);
  r.throughput_per_s = throughput_per_s(r.samples_ns.size(), r.elapsed_ns);
  // Verify even after an error: it tells whether the failed insert left a row behind.
  r.verification = verify_table(c.path->backend, e, cfg.seed, inserted);
  return r;
}

}  // namespace wpbench
