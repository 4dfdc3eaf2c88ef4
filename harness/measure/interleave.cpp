#include "measure/interleave.hpp"

#include <time.h>

#include <algorithm>
#include <map>
#include <numeric>
#include <thread>

#include "core/schedule.hpp"
#include "db/pg.hpp"
#include "db/schema.hpp"
#include "db/verify.hpp"
#include "measure/arm_ops.hpp"
#include "measure/clock.hpp"
#include "measure/writer.hpp"
#include "sys/text.hpp"

namespace wpbench {

namespace {
// One turn of an idle round-trip probe: the empty query of round_trip_floor (no parse, no plan,
// no table), on a connection that waited its turn like the cases'. A failure ends the probe.
void idle_round_trip(IdleRoundTrip& p, PgConn& conn, Clock& clock) {
  if (!conn) return;
  const auto t0 = clock.now();
  PGresult* r = PQexec(conn.get(), "");
  const auto t1 = clock.now();
  try {
    pg_expect(conn.get(), r, PGRES_EMPTY_QUERY, "empty query");
    p.samples_ns.push_back((t1 - t0).count());
  } catch (const std::exception& ex) {
    p.error = one_line(ex.what());
    conn.reset();
  }
}

// Takes sample `round` of `rounds` for a case that takes `share` of them: evenly spread, so a
// connect-per-write case's few samples meet the same drift as the others' many.
bool takes_round(std::uint64_t round, std::uint64_t rounds, std::uint64_t share) {
  return share >= rounds || (round + 1) * share / rounds > round * share / rounds;
}

// --idle-ms: waits until the connection has sat idle `idle_ms` since its last insert ended.
void wait_idle(std::chrono::nanoseconds last_end, std::uint64_t idle_ms, Clock& clock,
               const std::atomic<bool>& stop) {
  if (last_end.count() < 0) return;
  const auto until = last_end + std::chrono::milliseconds(idle_ms);
  // Slices of at most 100 ms, so a stop is seen soon.
  for (auto left = until - clock.now(); left.count() > 0 && !stop.load();
       left = until - clock.now()) {
    std::this_thread::sleep_for(
        std::min<std::chrono::nanoseconds>(left, std::chrono::milliseconds(100)));
  }
}

// One case's part of the repetition while it runs.
struct Slot {
  explicit Slot(const RunConfig& run_cfg, const Capabilities& caps)
      : cfg(run_cfg.for_path(caps)), rec(cfg.raw_samples_max, false) {}
  RunConfig cfg;  ///< the run's, as this case's path takes it (samples, warm-up)
  std::unique_ptr<Writer> writer;
  Recorder rec;
  std::int64_t connect_ns = 0, busy_ns = 0, cpu_ns = 0;
  std::chrono::nanoseconds last_end{-1};
  std::vector<std::int64_t> idle_ns;          ///< per sample, how long the connection had sat idle
  std::vector<std::int64_t> back_to_back_ns;  ///< --idle-ms: the insert right after each sample
  std::optional<std::uint64_t> inserted = 0;
  std::optional<std::string> error;
};

// Verifies every table the cases share (one per backend) against the cases' streams, and
// brings each table's ledger up to date.
void verify_tables(const std::vector<CaseTarget>& cases, const RunConfig& cfg,
                   const std::vector<Slot>& slots, std::vector<CaseResult>& out) {
  std::map<Backend, std::vector<std::size_t>> by_backend;
  for (std::size_t i = 0; i < cases.size(); ++i) by_backend[cases[i].c.path->backend].push_back(i);
  for (const auto& [backend, idx] : by_backend) {
    std::vector<Stream> streams;
    for (const auto i : idx) {
      streams.push_back({case_seed(cfg.seed, cases[i].c.name()), slots[i].inserted});
    }
    const Endpoint& e = cases[idx.front()].e;
    const auto checked = verify_table_streams(backend, e, streams);
    std::uint64_t rows = 0;
    bool ours = true;
    for (std::size_t k = 0; k < idx.size(); ++k) {
      rows += checked[k].rows_found;
      ours = ours && checked[k].all_ours;
      // A writer that could not say what it wrote leaves the count open, not the verification.
      if (slots[idx[k]].inserted) out[idx[k]].verification = checked[k];
    }
    if (e.ledger) e.ledger->rows = ours ? std::optional<std::uint64_t>(rows) : std::nullopt;
  }
}
}  // namespace

std::vector<CaseResult> run_interleaved(const std::vector<CaseTarget>& cases, const RunConfig& cfg,
                                        std::uint64_t rounds_seed, Clock& clock,
                                        const std::atomic<bool>& stop,
                                        std::vector<IdleRoundTrip>* probes) {
  // Each table starts empty, once per repetition (UnaccountedRows stops the run).
  std::map<Backend, const Endpoint*> tables;
  for (const auto& ct : cases) tables.emplace(ct.c.path->backend, &ct.e);
  std::map<Backend, std::string> unusable;  // a table that could not be emptied (no server)
  for (const auto& [backend, e] : tables) {
    try {
      reset_table(backend, *e);
    } catch (const UnaccountedRows&) {
      throw;
    } catch (const std::exception& ex) {
      unusable[backend] = one_line(ex.what());
    }
  }

  std::vector<Slot> slots;
  slots.reserve(cases.size());
  for (const auto& ct : cases) slots.emplace_back(cfg, ct.c.path->caps);
  for (std::size_t i = 0; i < cases.size() && !stop.load(); ++i) {
    const auto& [c, e] = cases[i];
    Slot& s = slots[i];
    if (unusable.count(c.path->backend)) {
      s.error = unusable[c.path->backend];
      continue;
    }
    try {
      const std::uint64_t seed = case_seed(cfg.seed, c.name());
      s.writer = c.path->arm ? c.path->arm->open_writer(c, e, s.cfg, seed)
                             : open_native_writer(c, e, seed, clock);
      s.connect_ns = s.writer->connect_ns();
      s.writer->warm_up(s.cfg.warmup);
      if (cfg.progress) cfg.progress->fetch_add(s.cfg.warmup, std::memory_order_relaxed);
      // --idle-ms: the first measured insert waits out the idle time too.
      if (cfg.idle_ms > 0) s.last_end = clock.now();
    } catch (const std::exception& ex) {
      s.error = one_line(ex.what());
      if (s.writer) s.inserted = s.writer->finish();
      s.writer.reset();
    }
  }

  // The probes' connections, after the cases' sessions (index cases.size() + k in a round).
  std::vector<PgConn> probe_conns;
  if (probes) {
    for (auto& p : *probes) {
      try {
        probe_conns.push_back(pg_connect(p.conninfo));
      } catch (const std::exception& ex) {
        p.error = one_line(ex.what());
        probe_conns.emplace_back();
      }
    }
  }
  std::vector<std::size_t> order(cases.size() + probe_conns.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  SplitMix64 rng(rounds_seed);
  const auto t_phase = clock.now();
  for (std::uint64_t round = 0; round < cfg.samples && !stop.load(); ++round) {
    shuffle(order, rng);
    for (const std::size_t i : order) {
      if (i >= cases.size()) {
        idle_round_trip((*probes)[i - cases.size()], probe_conns[i - cases.size()], clock);
        continue;
      }
      Slot& s = slots[i];
      if (!s.writer || stop.load(std::memory_order_relaxed)) continue;
      if (!takes_round(round, cfg.samples, s.cfg.samples)) continue;
      try {
        if (cfg.idle_ms > 0) wait_idle(s.last_end, cfg.idle_ms, clock, stop);
        if (stop.load()) continue;
        const Writer::Sample w = s.writer->write_one(clock);
        s.rec.record((w.start - t_phase).count(), w.latency_ns);
        s.busy_ns += w.latency_ns;
        s.cpu_ns += w.cpu_ns;
        if (s.last_end.count() >= 0) s.idle_ns.push_back((w.start - s.last_end).count());
        s.last_end = w.end;
        if (cfg.progress) cfg.progress->fetch_add(1, std::memory_order_relaxed);
        if (cfg.idle_ms > 0) {
          // The same connection again at once: the back-to-back twin of the idle sample, under
          // the same drift. Its end starts the next idle wait.
          const Writer::Sample hot = s.writer->write_one(clock);
          s.back_to_back_ns.push_back(hot.latency_ns);
          s.last_end = hot.end;
          if (cfg.progress) cfg.progress->fetch_add(1, std::memory_order_relaxed);
        }
      } catch (const std::exception& ex) {
        s.error = one_line(ex.what());
        s.inserted = s.writer->finish();
        s.writer.reset();
      }
    }
  }
  for (auto& s : slots) {
    if (s.writer) s.inserted = s.writer->finish();
    s.writer.reset();
  }

  std::vector<CaseResult> out;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    Slot& s = slots[i];
    CaseResult r;
    describe_into(r, cases[i].c);
    r.samples_requested = s.cfg.samples;
    take_recording(r, s.rec);
    r.connect_ns = s.connect_ns;
    // The case's own time: other cases' turns are not its work, so ops/s is what it sustains.
    r.elapsed_ns = s.busy_ns;
    r.cpu_ns = s.cpu_ns;
    r.throughput_per_s = throughput_per_s(r.samples, r.elapsed_ns);
    if (!s.idle_ns.empty()) {
      auto mid = s.idle_ns.begin() + static_cast<std::ptrdiff_t>(s.idle_ns.size() / 2);
      std::nth_element(s.idle_ns.begin(), mid, s.idle_ns.end());
      r.idle_gap_ns = *mid;
    }
    r.error = s.error;
    r.back_to_back_ns = std::move(s.back_to_back_ns);
    r.interrupted = !r.error && r.samples < s.cfg.samples;
    out.push_back(std::move(r));
  }
  verify_tables(cases, cfg, slots, out);
  return out;
}

}  // namespace wpbench
