#include "measure/runner.hpp"

#include <time.h>

#include <algorithm>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "db/schema.hpp"
#include "db/verify.hpp"
#include "measure/arm_ops.hpp"
#include "sys/text.hpp"

namespace wpbench {

namespace {
// Waits for an open-loop insert's intended start in slices, so a stop (Ctrl-C) is seen within a
// tenth of a second even at a low --rate.
void wait_until(Clock& clock, std::chrono::nanoseconds t, const std::atomic<bool>& stop) {
  constexpr std::chrono::nanoseconds kSlice{100000000};
  for (auto now = clock.now(); t - now > kSlice && !stop.load(std::memory_order_relaxed);
       now = clock.now()) {
    clock.sleep_until(now + kSlice);
  }
  if (!stop.load(std::memory_order_relaxed)) clock.sleep_until(t);
}

// The case's open-loop arrivals, seeded per case name so every repetition replays the same
// arrivals; none in closed loop.
std::optional<ArrivalSchedule> case_schedule(const Case& c, const RunConfig& cfg) {
  std::optional<ArrivalSchedule> schedule;
  if (cfg.open_loop()) {
    schedule.emplace(cfg.rate_per_s, cfg.schedule, case_seed(cfg.seed, c.name()));
  }
  return schedule;
}

// Records one measured insert that started at t0 and returned at t_end. Open loop counts from
// the intended start: an insert queued behind a stall waited too; how late it started is
// recorded apart as schedule lag.
void record_sample(Recorder& rec, const RunConfig& cfg, std::chrono::nanoseconds t_start,
                   std::chrono::nanoseconds t0, std::chrono::nanoseconds t_end,
                   const std::optional<std::chrono::nanoseconds>& intended) {
  rec.record((t0 - t_start).count(), (t_end - intended.value_or(t0)).count());
  if (intended) rec.record_lag(std::max<std::int64_t>(0, (t0 - *intended).count()));
  if (cfg.progress) cfg.progress->fetch_add(1, std::memory_order_relaxed);
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
      if (cfg.progress) cfg.progress->fetch_add(1, std::memory_order_relaxed);
    }
    auto schedule = case_schedule(c, cfg);
    cpu_start = cpu_ns(CLOCK_PROCESS_CPUTIME_ID);
    t_start = clock.now();
    t_end = t_start;
    while (m.inserted < total && !stop.load(std::memory_order_relaxed)) {
      // The decision is made before the clock starts: generating it is not the driver's cost.
      const Decision d = gen.next();
      std::optional<std::chrono::nanoseconds> intended;
      if (schedule) {
        intended = t_start + std::chrono::nanoseconds(schedule->next());
        wait_until(clock, *intended, stop);
        if (stop.load(std::memory_order_relaxed)) break;  // not inserted, so not expected
      }
      const auto t0 = clock.now();
      session->insert(d);
      t_end = clock.now();
      ++m.inserted;
      record_sample(m.rec, cfg, t_start, t0, t_end, intended);
    }
  } catch (const std::exception& ex) {
    m.error = one_line(ex.what());
  }
  if (cpu_start) m.cpu_ns = cpu_ns(CLOCK_PROCESS_CPUTIME_ID) - *cpu_start;
  session.reset();
  // From the first measured insert's start to the last one's end, so a case that failed midway
  // still reports the throughput of what it did measure.
  m.elapsed_ns = (t_end - t_start).count();
  return m;
}

// Connections shared by more client threads than there are connections: a thread waits for a
// free one, as an application on a small pool does, and that wait is part of its insert.
class SessionPool {
 public:
  explicit SessionPool(std::vector<std::unique_ptr<Session>>& sessions) {
    for (auto& s : sessions) free_.push_back(s.get());
  }
  Session* acquire() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return !free_.empty(); });
    Session* s = free_.back();
    free_.pop_back();
    return s;
  }
  void release(Session* s) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      free_.push_back(s);
    }
    cv_.notify_one();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Session*> free_;
};

// What one client thread saw besides its samples, which go straight into the shared recorder.
struct ClientPart {
  std::vector<std::uint64_t> failed;
  std::string first_error;
  std::string fatal;  ///< what ended this client early, when something did
  std::chrono::nanoseconds last_end{0};
};

// --clients N: N threads insert at once over cfg.connections() sessions. Decisions (and, open
// loop, intended start times) are handed out in stream order under one lock, before each
// thread's clock starts. A failed insert (SQLite's busy timeout running out, say) is counted and
// the thread goes on: under concurrency the failure rate is part of the answer.
Measurement measure_concurrent(const Case& c, const Endpoint& e, const RunConfig& cfg, Clock& clock,
                               const std::atomic<bool>& stop) {
  Measurement m(cfg);
  DecisionGenerator gen(cfg.seed);
  std::vector<std::unique_ptr<Session>> sessions;
  try {
    const auto t_connect = clock.now();
    for (int i = 0; i < cfg.connections(); ++i) sessions.push_back(c.path->open(e));
    m.connect_ns = (clock.now() - t_connect).count() / cfg.connections();
    for (; m.generated < cfg.warmup && !stop.load(std::memory_order_relaxed); ++m.generated) {
      sessions[m.generated % sessions.size()]->insert(gen.next());
      if (cfg.progress) cfg.progress->fetch_add(1, std::memory_order_relaxed);
    }
  } catch (const std::exception& ex) {
    m.error = one_line(ex.what());
    m.inserted = m.generated;
    return m;
  }
  const bool pooled = cfg.connections() < cfg.clients;
  SessionPool pool(sessions);
  auto schedule = case_schedule(c, cfg);
  std::mutex mu;  // guards gen, schedule and m.generated
  // One recorder for every client, not one each: memory stays that of one case (a histogram per
  // client was 460 MB at 1024 clients). Taken after the sample's clock stops, for ~100 ns.
  std::mutex rec_mu;  // guards m.rec and m.pool_wait
  if (pooled) m.pool_wait.emplace();
  const std::uint64_t total = cfg.warmup + cfg.samples;
  std::vector<ClientPart> parts(cfg.clients);
  const std::int64_t cpu_start = cpu_ns(CLOCK_PROCESS_CPUTIME_ID);
  const auto t_start = clock.now();
  const auto client = [&](int k) {
    ClientPart& part = parts[k];
    // Anything thrown outside the insert (recording, allocation) would terminate the process
    // and lose every sample; it ends this client instead and is reported.
    try {
      for (;;) {
        Decision d;
        std::uint64_t index;
        std::optional<std::chrono::nanoseconds> intended;
        {
          std::lock_guard<std::mutex> lock(mu);
          if (m.generated >= total || stop.load(std::memory_order_relaxed)) break;
          index = m.generated++;
          d = gen.next();
          if (schedule) intended = t_start + std::chrono::nanoseconds(schedule->next());
        }
        if (intended) wait_until(clock, *intended, stop);
        const auto t0 = clock.now();
        Session* s = pooled ? pool.acquire() : sessions[k].get();
        const auto t_got = pooled ? clock.now() : t0;  // no clock read when not pooled
        bool failed = false;
        try {
          s->insert(d);
        } catch (const std::exception& ex) {
          failed = true;
          if (part.first_error.empty()) part.first_error = one_line(ex.what());
        }
        const auto t_end = clock.now();
        if (pooled) pool.release(s);
        part.last_end = t_end;
        if (failed) {
          part.failed.push_back(index);
          continue;
        }
        std::lock_guard<std::mutex> lock(rec_mu);
        if (pooled) m.pool_wait->record((t_got - t0).count());
        record_sample(m.rec, cfg, t_start, t0, t_end, intended);
      }
    } catch (const std::exception& ex) {
      part.fatal = one_line(ex.what());
    }
  };
  std::vector<std::thread> threads;
  for (int k = 0; k < cfg.clients; ++k) threads.emplace_back(client, k);
  for (auto& t : threads) t.join();
  m.cpu_ns = cpu_ns(CLOCK_PROCESS_CPUTIME_ID) - cpu_start;
  auto t_end = t_start;
  std::string first_error, fatal;
  for (auto& p : parts) {
    if (fatal.empty()) fatal = p.fatal;
    t_end = std::max(t_end, p.last_end);
    m.failed.insert(m.failed.end(), p.failed.begin(), p.failed.end());
    if (first_error.empty()) first_error = p.first_error;
  }
  m.elapsed_ns = (t_end - t_start).count();
  m.inserted = m.generated;
  if (!fatal.empty()) {
    m.error = "a client stopped: " + fatal;
  } else if (!m.failed.empty()) {
    m.error = std::to_string(m.failed.size()) + " of " + std::to_string(m.generated - cfg.warmup) +
              " inserts failed (the others were measured); first: " + first_error;
    m.errors_counted = true;
  }
  return m;
}

CaseResult describe(const Case& c, const RunConfig& cfg) {
  CaseResult r;
  describe_into(r, c);
  r.samples_requested = cfg.samples;
  return r;
}
}  // namespace

void take_recording(CaseResult& r, Recorder& rec) {
  r.samples = rec.count();
  r.raw_kept = rec.raw_kept();
  r.latency = r.raw_kept ? summarize(rec.raw()) : summarize(rec.histogram());
  r.samples_ns = rec.take_raw();
  r.histogram = rec.histogram();
  r.timeseries = rec.timeseries();
}

CaseResult run_case(const Case& c, const Endpoint& e, const RunConfig& cfg, Clock& clock,
                    const std::atomic<bool>& stop) {
  CaseResult r = describe(c, cfg);
  // Built by whichever way measures, in place (each returns a prvalue), rather than built here
  // and assigned over: a Measurement's recorder reserves its buffers when constructed.
  Measurement m = [&]() -> Measurement {
    try {
      reset_table(c.path->backend, e);
      if (c.path->arm) return c.path->arm->measure(c, e, cfg, stop);
      if (cfg.clients > 1) return measure_concurrent(c, e, cfg, clock, stop);
      return measure_native(c, e, cfg, clock, stop);
    } catch (const UnaccountedRows&) {
      throw;  // not this case's failure: the run must stop before touching the table again
    } catch (const std::exception& ex) {
      Measurement failed(cfg);
      failed.error = one_line(ex.what());
      return failed;
    }
  }();
  take_recording(r, m.rec);
  if (m.rec.lag()) r.schedule_lag = summarize(*m.rec.lag());
  r.clients = cfg.clients;
  r.connections = cfg.clients > 1 ? cfg.connections() : 1;
  r.errors = m.failed.size();
  if (m.pool_wait) r.pool_wait = summarize(*m.pool_wait);
  r.connect_ns = m.connect_ns;
  r.elapsed_ns = m.elapsed_ns;
  r.cpu_ns = m.cpu_ns;
  r.error = m.error;
  r.interrupted = (!r.error || m.errors_counted) && r.samples + r.errors < cfg.samples;
  r.throughput_per_s = throughput_per_s(r.samples, r.elapsed_ns);
  // Verify even after an error: it tells whether the failed insert left a row behind. Without
  // a count (a child died without saying) the read still tells whether every row is wpbench's.
  // Concurrent commits reach the table in any order; one client's in stream order.
  const Verification v =
      cfg.clients > 1 && !c.path->arm
          ? verify_table_unordered(c.path->backend, e, cfg.seed, m.inserted, m.failed)
          : verify_table(c.path->backend, e, cfg.seed, m.inserted_known ? m.inserted : 0);
  if (m.inserted_known) r.verification = v;
  if (e.ledger) {
    e.ledger->rows = v.all_ours ? std::optional<std::uint64_t>(v.rows_found) : std::nullopt;
  }
  return r;
}

}  // namespace wpbench
