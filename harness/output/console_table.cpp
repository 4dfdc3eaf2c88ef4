#include "output/console_table.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <stdexcept>

#include "core/transport.hpp"

namespace wpbench {

namespace {
double ms(std::int64_t ns) { return static_cast<double>(ns) / 1e6; }

std::string setting(const RunContext& ctx, const char* name) {
  const auto it = ctx.server.settings.find(name);
  return it == ctx.server.settings.end() ? "?" : it->second;
}
}  // namespace

std::string context_line(const RunContext& ctx) {
  std::string s =
      fmt::format("{} | {} | {} cpus | {}", ctx.host.at("hostname"), ctx.host.at("cpu_model"),
                  ctx.host.at("logical_cpus"), ctx.host.at("kernel"));
  if (!ctx.server.version.empty()) {
    s += fmt::format("\nPostgreSQL {} ({}) synchronous_commit={} fsync={} wal_sync_method={}",
                     ctx.server.version, ctx.server.mode, setting(ctx, "synchronous_commit"),
                     setting(ctx, "fsync"), setting(ctx, "wal_sync_method"));
    if (!ctx.server.data_filesystem.empty()) s += " on " + ctx.server.data_filesystem;
  }
  if (!ctx.sqlite.dir.empty()) {
    s += fmt::format("\nSQLite {} journal_mode={} synchronous={} on {}", ctx.sqlite.version,
                     ctx.sqlite.journal_mode, ctx.sqlite.synchronous, ctx.sqlite.filesystem);
  }
  return s;
}

namespace {
std::string ms3(std::int64_t ns) { return fmt::format("{:.3f}", ms(ns)); }

std::string interval_text(const PooledResult& p) {
  if (!p.p50_ci) return "";
  return fmt::format("[{:.3f}, {:.3f}]", p.p50_ci->lo / 1e6, p.p50_ci->hi / 1e6);
}

// "rt 0.090 + flush 0.085 + server 0.040 + driver 0.012"
std::string decomposition_text(const std::optional<Decomposition>& d, int round_trips) {
  if (!d) return "";
  std::string s;
  if (round_trips > 0) s += fmt::format("{}xrt {:.3f} + ", round_trips, ms(d->round_trips_ns));
  if (d->wake_ns > 0) s += fmt::format("wake {:.3f} + ", ms(d->wake_ns));
  s += fmt::format("flush {:.3f} + ", ms(d->flush_ns));
  if (d->standby_ns != 0) s += fmt::format("standby {:.3f} + ", ms(d->standby_ns));
  s += fmt::format("{} {:.3f} + driver {:.3f}", round_trips > 0 ? "server" : "engine",
                   ms(d->server_ns), ms(d->driver_ns));
  return s;
}

// How the cases' intervals were drawn, each way once.
std::string ci_methods(const RunResult& run) {
  std::vector<std::string> seen;
  for (const auto& c : run.cases) {
    const auto& m = c.pooled.ci_method;
    if (!m.empty() && std::find(seen.begin(), seen.end(), m) == seen.end()) seen.push_back(m);
  }
  if (seen.empty()) return "none (too few samples)";
  std::string out;
  for (const auto& m : seen) out += (out.empty() ? "" : "; ") + m;
  return out;
}

// One line for every case's noise together; each case's own warnings stay in the JSON
// (cases[].noise) and the report.
std::optional<std::string> noise_line(const RunResult& run) {
  int varied = 0, odd_reps = 0, measured = 0;
  double worst = 0;
  for (const auto& c : run.cases) {
    if (c.pooled.samples == 0) continue;
    ++measured;
    if (c.pooled.cv_p50 && *c.pooled.cv_p50 > kCvWarning) {
      ++varied;
      worst = std::max(worst, *c.pooled.cv_p50);
    }
    odd_reps += static_cast<int>(c.pooled.noise.outlier_repetitions.size() +
                                 c.pooled.noise.mean_outlier_repetitions.size());
  }
  if (varied == 0 && odd_reps == 0) return std::nullopt;
  std::string s = fmt::format("noise: {} of {} cases varied more than {:.0f} % between repetitions",
                              varied, measured, kCvWarning * 100);
  if (varied > 0) s += fmt::format(" (up to {:.0f} %)", worst * 100);
  if (odd_reps > 0) s += fmt::format(", {} repetition(s) stood out", odd_reps);
  return s + "; the intervals include it (details: cases[].noise in the JSON, and the report)";
}

std::string summary_cell(const std::optional<LatencySummary>& s) {
  return s ? fmt::format("{:.3f} ms (p99 {:.3f})", ms(s->p50_ns), ms(s->p99_ns)) : "-";
}

// " unix 0.031 ms, tcp 0.052 ms": a floor over every transport that has round trips, in table
// order, "-" where it was not measured.
// The floors of the run's own transports only: one it did not use has none to show.
std::string per_transport(const std::map<std::string, LatencySummary>& by_transport,
                          const RunContext& context) {
  std::string out;
  for (const auto& spec : transport_specs()) {
    if (!spec.round_trips || !context.transports.count(spec.name)) continue;
    const auto it = by_transport.find(spec.name);
    out += std::string(out.empty() ? " " : ", ") + spec.name + " " +
           summary_cell(it == by_transport.end() ? std::nullopt
                                                 : std::optional<LatencySummary>(it->second));
  }
  return out;
}
}  // namespace

std::string format_ratio(double ratio, Interval ci) {
  if (!std::isfinite(ratio) || !std::isfinite(ci.lo) || !std::isfinite(ci.hi)) {
    throw std::invalid_argument("format_ratio: non-finite ratio or interval");
  }
  const double half = std::max({ci.hi - ratio, ratio - ci.lo, 0.0});
  return fmt::format("{:.2f} ± {:.2f} ×", ratio, half);
}

std::string console_table(const RunResult& run) {
  std::size_t w = 4;
  for (const auto& c : run.cases) w = std::max(w, c.name.size());
  std::map<std::string, const RatioResult*> ratio;
  for (const auto& r : run.ratios) {
    if (r.stat == "p50") ratio[r.numerator] = &r;  // the column is "x fastest" by p50
  }
  std::string out = context_line(run.context) + "\n\n";
  const auto row = [&](const std::string& name, const std::string& rt, const std::string& p50,
                       const std::string& ci, const std::string& cv, const std::string& p99,
                       const std::string& ops, const std::string& x, const std::string& status) {
    return fmt::format("{:<{}}  {:>2}  {:>7}  {:<17}  {:>5}  {:>7}  {:>6}  {:<15}  {}\n", name, w,
                       rt, p50, ci, cv, p99, ops, x, status);
  };
  out +=
      row("case", "rt", "p50 ms", "95 % CI of p50", "CV", "p99 ms", "ops/s", "x fastest", "status");
  out += std::string(w + 86, '-') + "\n";
  for (const auto& c : run.cases) {
    std::string status = c.status_name();
    if (status == "ok") status = "ok, verified";
    if (!c.durable) status += ", NOT DURABLE";
    const auto& p = c.pooled;
    if (p.samples == 0) {
      out += row(c.name, std::to_string(c.round_trips), "-", "", "", "-", "-", "", status);
      continue;
    }
    std::string x;
    if (const auto it = ratio.find(c.name); it != ratio.end()) {
      x = it->second->ci ? format_ratio(it->second->ratio, *it->second->ci)
                         : fmt::format("{:.2f} x", it->second->ratio);
    } else if (c.ok()) {
      x = "1 (fastest)";
    }
    out += row(c.name, std::to_string(c.round_trips), ms3(p.latency.p50_ns), interval_text(p),
               p.cv_p50 ? fmt::format("{:.1f}%", *p.cv_p50 * 100) : "", ms3(p.latency.p99_ns),
               fmt::format("{:.0f}", p.throughput_per_s), x, status);
  }
  if (run.floors) {
    const auto& f = *run.floors;
    out += "\nfloors (p50): round trip" + per_transport(f.rt, run.context);
    if (!f.rt_idle.empty())
      out += "; on a connection idle between rounds" + per_transport(f.rt_idle, run.context);
    // With a standby the flush probe's durable side is the local flush alone.
    out += std::string("; PostgreSQL insert synchronous_commit ") +
           (run.context.server.standby.empty() ? "on " : "local ") + summary_cell(f.pg_on) +
           " vs off " + summary_cell(f.pg_off);
    if (f.standby_on) {
      out += "; waiting for the standby " + summary_cell(f.standby_on) + " vs local " +
             summary_cell(f.standby_off);
    }
    out += "; disk " + (f.disk_sync_method.empty() ? "sync" : f.disk_sync_method) + " " +
           summary_cell(f.disk_sync);
    if (f.sqlite_on) {
      out += "; SQLite insert FULL " + summary_cell(f.sqlite_on) + " vs OFF " +
             summary_cell(f.sqlite_off);
    }
    out += "\n";
    for (const auto& e : f.errors) out += "floor not measured: " + e + "\n";
    const bool split = std::any_of(run.cases.begin(), run.cases.end(),
                                   [](const CaseReport& c) { return c.decomposition.has_value(); });
    out += split ? "\nwhere the time goes (ms at p50; medians do not add exactly):\n"
                 : "\nwhere the time goes: not split for open-loop or concurrent runs (queueing "
                   "and pool waits are in no floor)\n";
    for (const auto& c : run.cases) {
      if (c.decomposition) {
        out += fmt::format("  {:<{}}  {:>7}  = {}\n", c.name, w, ms3(c.decomposition->total_ns),
                           decomposition_text(c.decomposition, c.round_trips));
      }
    }
  }
  if (run.settings.run.idle_ms > 0) {
    out += fmt::format(
        "\nafter {} ms idle vs back to back (the same connection's next insert at once; p50 ms, "
        "and the median of the pairs' differences with its 95 % interval):\n",
        run.settings.run.idle_ms);
    for (const auto& c : run.cases) {
      if (!c.pooled.idle) continue;
      const auto& idle = *c.pooled.idle;
      std::string diff = "-";
      if (idle.difference) {
        diff = fmt::format("{:+.3f}", ms(idle.difference->median));
        if (idle.difference->ci) {
          diff += fmt::format(" [{:+.3f}, {:+.3f}]", ms(idle.difference->ci->first),
                              ms(idle.difference->ci->second));
        }
      }
      out +=
          fmt::format("  {:<{}}  idle {:>7}  back to back {:>7}  idle - back to back {}\n", c.name,
                      w, ms3(c.pooled.latency.p50_ns), ms3(idle.back_to_back.p50_ns), diff);
    }
  }
  if (std::any_of(run.cases.begin(), run.cases.end(),
                  [](const CaseReport& c) { return c.instructions.has_value(); })) {
    out +=
        "\nclient instructions per insert (callgrind; the client's own work, not the server, "
        "the network's wait or the flush):\n";
    for (const auto& c : run.cases) {
      if (!c.instructions) continue;
      const auto& n = *c.instructions;
      out += n.error ? fmt::format("  {:<{}}  error: {}\n", c.name, w, *n.error)
                     : fmt::format("  {:<{}}  {:>10.0f}\n", c.name, w, n.per_insert);
    }
  }
  if (!run.transport_costs.empty()) {
    // Per driver path, one transport against its plainer twin, both measured in this run.
    out += "\nwhat each transport adds per insert (p50, paired over repetitions; ms):\n";
    std::size_t pw = 4;
    for (const auto& r : run.transport_costs) pw = std::max(pw, r.numerator.size());
    for (const auto& r : run.transport_costs) {
      const std::string twin = r.denominator.substr(r.denominator.rfind('/') + 1);
      std::string ci;
      if (r.diff_ci)
        ci = fmt::format("  [{:+.3f}, {:+.3f}]", r.diff_ci->lo / 1e6, r.diff_ci->hi / 1e6);
      out += fmt::format("  {:<{}}  over {:<5} {:+.3f}{}  ({})\n", r.numerator, pw, twin,
                         r.diff_ns / 1e6, ci,
                         r.ci ? format_ratio(r.ratio, *r.ci) : fmt::format("{:.2f} ×", r.ratio));
    }
  }
  if (!run.connect.empty()) {
    out += "\nconnect cost (p50 open / close, ms):";
    std::size_t tw = 5;  // the widest transport name among the rows ("pgbouncer")
    for (const auto& k : run.connect) tw = std::max(tw, k.transport.size());
    for (const auto& k : run.connect) {
      out += fmt::format("\n  {:<16} {:<{}} {:<14} ", k.driver, k.transport, tw, k.auth);
      if (k.connect_ns.empty()) {
        out += "-";
      } else {
        out += fmt::format("{:.3f} / {:.3f}", ms(summarize(k.connect_ns).p50_ns),
                           ms(summarize(k.close_ns).p50_ns));
      }
      if (k.error) out += "  error: " + *k.error;
    }
    out += "\n";
  }
  // Open loop and shared pools: the waits inside the latencies above, apart.
  const auto waits = [&](const char* title, auto member) {
    std::string block;
    for (const auto& c : run.cases) {
      std::vector<double> p50s;
      std::int64_t worst = 0;
      for (const auto& r : c.repetitions) {
        if (const auto& wait = r.*member) {
          p50s.push_back(static_cast<double>(wait->p50_ns));
          worst = std::max(worst, wait->p99_ns);
        }
      }
      if (p50s.empty()) continue;
      block +=
          fmt::format("  {:<{}}  {:>7.3f}  {:>7.3f}\n", c.name, w, median(p50s) / 1e6, ms(worst));
    }
    if (!block.empty())
      out += fmt::format("\n{} (ms: median p50 of the repetitions, worst p99):\n{}", title, block);
  };
  waits("schedule lag, start behind the schedule", &CaseResult::schedule_lag);
  waits("pool wait, for a free connection", &CaseResult::pool_wait);
  // Cases not measured for one reason (a transport the DSN cannot reach: every case over it) are
  // one line, not one line each.
  std::vector<std::pair<std::string, std::vector<std::string>>> unmeasured;
  for (const auto& c : run.cases) {
    if (!c.not_measured) continue;
    auto it = std::find_if(unmeasured.begin(), unmeasured.end(),
                           [&](const auto& u) { return u.first == *c.not_measured; });
    if (it == unmeasured.end()) it = unmeasured.insert(unmeasured.end(), {*c.not_measured, {}});
    it->second.push_back(c.name);
  }
  for (const auto& [why, names] : unmeasured) {
    out += names.size() == 1 ? fmt::format("{}: not measured: {}\n", names[0], why)
                             : fmt::format("{} cases not measured ({}): {}\n", names.size(),
                                           fmt::join(names, ", "), why);
  }
  for (const auto& c : run.cases) {
    for (const auto& r : c.repetitions) {
      if (r.error) {
        out += fmt::format("{} (repetition {}): error: {}\n", c.name, r.repetition + 1, *r.error);
      } else if (r.verification && !r.verification->ok) {
        out += fmt::format("{} (repetition {}): verification failed: {}\n", c.name,
                           r.repetition + 1, r.verification->message);
      }
    }
    if (!c.durable) out += fmt::format("{}: {}\n", c.name, c.durability);
  }
  if (const auto line = noise_line(run)) out += *line + "\n";
  for (const auto& m : run.machine_changes) out += m + "\n";
  const auto& s = run.settings;
  out += fmt::format(
      "\n{} repetitions x {} samples per case after {} warm-up each, {} (order seed "
      "{}); {}{}; rt = round trips per durable insert (SQLite: none); CI: {}.\n",
      s.repetitions, s.run.samples, s.run.warmup,
      s.interleave == "sample"
          ? "every case's inserts interleaved one by one in shuffled rounds (a sample is an "
            "insert on a connection idle while the others took their turns)"
          : "each case in one stretch, cases in shuffled order",
      s.order_seed,
      s.run.clients > 1 ? fmt::format("{} clients on {} connections (throughput is all clients'); ",
                                      s.run.clients, s.run.connections())
                        : std::string(),
      s.run.open_loop() ? fmt::format("open loop at {:g}/s ({}), latency from the intended start",
                                      s.run.rate_per_s, schedule_name(s.run.schedule))
                        : std::string("closed loop"),
      ci_methods(run));
  for (const auto& w2 : run.context.warnings) out += "warning: " + w2 + "\n";
  return out;
}

}  // namespace wpbench
