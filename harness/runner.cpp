#include "runner.hpp"

#include <time.h>

#include <algorithm>

#include "schema.hpp"
#include "text.hpp"

namespace wpbench {

namespace {
// CPU time of the whole process (every thread, user + system). A system call, not the vDSO, so
// it is read only at the edges of the measured phase, never per sample.
std::int64_t process_cpu_ns() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}
}  // namespace

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

  DecisionGenerator gen(cfg.seed);
  // Reserve up front so no reallocation lands between samples; beyond a million samples the
  // vector grows as needed (the copy happens outside the timed region either way).
  r.samples_ns.reserve(std::min<std::uint64_t>(cfg.samples, 1u << 20));
  const std::uint64_t total = cfg.warmup + cfg.samples;
  std::uint64_t inserted = 0;
  std::chrono::nanoseconds t_start{0}, t_end{0};
  std::optional<std::int64_t> cpu_start;
  // Outside the try so that, after an error, the CPU clock is read before the session is closed:
  // closing is not part of the measured phase.
  std::unique_ptr<Session> session;
  try {
    reset_table(c.path->backend, e);
    const auto t_connect = clock.now();
    session = c.path->open(e);
    r.connect_ns = (clock.now() - t_connect).count();

    for (; inserted < cfg.warmup && !stop.load(std::memory_order_relaxed); ++inserted) {
      session->insert(gen.next());
    }
    cpu_start = process_cpu_ns();
    t_start = clock.now();
    t_end = t_start;
    while (inserted < total && !stop.load(std::memory_order_relaxed)) {
      // The decision is made before the clock starts: generating it is not the driver's cost.
      const Decision d = gen.next();
      const auto t0 = clock.now();
      session->insert(d);
      t_end = clock.now();
      ++inserted;
      r.samples_ns.push_back((t_end - t0).count());
    }
  } catch (const std::exception& ex) {
    r.error = one_line(ex.what());
  }
  if (cpu_start) r.cpu_ns = process_cpu_ns() - *cpu_start;
  session.reset();
  // From the first measured insert's start to the last one's end, so a case that failed midway
  // still reports the throughput of what it did measure.
  r.elapsed_ns = (t_end - t_start).count();
  r.interrupted = !r.error && r.samples_ns.size() < cfg.samples;
  r.latency = summarize(r.samples_ns);
  r.throughput_per_s = throughput_per_s(r.samples_ns.size(), r.elapsed_ns);
  // Verify even after an error: it tells whether the failed insert left a row behind.
  r.verification = verify_table(c.path->backend, e, cfg.seed, inserted);
  return r;
}

}  // namespace wpbench
