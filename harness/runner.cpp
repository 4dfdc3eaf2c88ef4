#include "runner.hpp"

#include <time.h>

#include <algorithm>
#include <functional>

#include "python_arm.hpp"
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

// The C++ driver paths, in this process: the clock around each Session::insert.
Measurement measure_native(const Case& c, const Endpoint& e, const RunConfig& cfg, Clock& clock,
                           const std::atomic<bool>& stop) {
  Measurement m(cfg);
  DecisionGenerator gen(cfg.seed);
  const std::uint64_t total = cfg.warmup + cfg.samples;
  std::chrono::nanoseconds t_start{0}, t_end{0};
  std::optional<std::int64_t> cpu_start;
  // Outside the try so that, after an error, the CPU clock is read before the session is closed:
  // closing is not part of the measured phase.
  std::unique_ptr<Session> session;
  try {
    const auto t_connect = clock.now();
    session = c.path->open(e);
    m.connect_ns = (clock.now() - t_connect).count();

    for (; m.inserted < cfg.warmup && !stop.load(std::memory_order_relaxed); ++m.inserted) {
      session->insert(gen.next());
    }
    // The schedule is seeded per case name, so every repetition replays the same arrivals.
    std::optional<ArrivalSchedule> schedule;
    if (cfg.open_loop()) {
      schedule.emplace(cfg.rate_per_s, cfg.schedule, cfg.seed ^ std::hash<std::string>{}(c.name()));
    }
    cpu_start = process_cpu_ns();
    t_start = clock.now();
    t_end = t_start;
    while (m.inserted < total && !stop.load(std::memory_order_relaxed)) {
      // The decision is made before the clock starts: generating it is not the driver's cost.
      const Decision d = gen.next();
      std::chrono::nanoseconds intended{0};
      if (schedule) {
        intended = t_start + std::chrono::nanoseconds(schedule->next());
        clock.sleep_until(intended);
      }
      const auto t0 = clock.now();
      session->insert(d);
      t_end = clock.now();
      ++m.inserted;
      // Open loop counts from the intended start: an insert queued behind a stall waited too.
      const auto from = schedule ? intended : t0;
      m.rec.record((t0 - t_start).count(), (t_end - from).count());
      if (schedule) m.rec.record_lag(std::max<std::int64_t>(0, (t0 - intended).count()));
      if (cfg.progress) cfg.progress->fetch_add(1, std::memory_order_relaxed);
    }
  } catch (const std::exception& ex) {
    m.error = one_line(ex.what());
  }
  if (cpu_start) m.cpu_ns = process_cpu_ns() - *cpu_start;
  session.reset();
  // From the first measured insert's start to the last one's end, so a case that failed midway
  // still reports the throughput of what it did measure.
  m.elapsed_ns = (t_end - t_start).count();
  return m;
}

CaseResult describe(const Case& c, const RunConfig& cfg) {
  CaseResult r;
  r.name = c.name();
  r.driver = c.path->driver;
  r.variant = c.path->variant;
  r.transport = transport_name(c.transport);
  r.how = c.path->how;
  r.round_trips = c.path->round_trips;
  r.samples_requested = cfg.samples;
  return r;
}
}  // namespace

CaseResult run_case(const Case& c, const Endpoint& e, const RunConfig& cfg, Clock& clock,
                    const std::atomic<bool>& stop) {
  CaseResult r = describe(c, cfg);
  Measurement m(cfg);
  try {
    reset_table(c.path->backend, e);
    m = c.path->arm == Arm::python ? measure_python(c, e, cfg, stop)
                                   : measure_native(c, e, cfg, clock, stop);
  } catch (const std::exception& ex) {
    m.error = one_line(ex.what());
  }
  r.samples = m.rec.count();
  r.raw_kept = m.rec.raw_kept();
  // Exact statistics from the raw samples while they are kept, else the histogram's (< 0.1 %).
  r.latency = r.raw_kept ? summarize(m.rec.raw()) : summarize(m.rec.histogram());
  r.samples_ns = m.rec.take_raw();
  r.histogram = m.rec.histogram();
  r.timeseries = m.rec.timeseries();
  if (m.rec.lag()) r.schedule_lag = summarize(*m.rec.lag());
  r.connect_ns = m.connect_ns;
  r.elapsed_ns = m.elapsed_ns;
  r.cpu_ns = m.cpu_ns;
  r.error = m.error;
  r.interrupted = !r.error && r.samples < cfg.samples;
  r.throughput_per_s = throughput_per_s(r.samples, r.elapsed_ns);
  // Verify even after an error: it tells whether the failed insert left a row behind.
  if (m.inserted_known) r.verification = verify_table(c.path->backend, e, cfg.seed, m.inserted);
  return r;
}

CaseResult not_measured_case(const Case& c, const RunConfig& cfg, std::string reason) {
  CaseResult r = describe(c, cfg);
  r.not_measured = std::move(reason);
  return r;
}

}  // namespace wpbench
