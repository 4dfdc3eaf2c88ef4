#include "console_table.hpp"

#include <fmt/format.h>

#include <algorithm>

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

std::string console_table(const RunResult& run) {
  std::size_t w = 4;
  for (const auto& c : run.cases) w = std::max(w, c.name.size());
  std::string out = context_line(run.context) + "\n\n";
  out += fmt::format("{:<{}}  {:>2}  {:>8}  {:>8}  {:>8}  {:>8}  {}\n", "case", w, "rt", "p50 ms",
                     "p99 ms", "max ms", "ops/s", "verified");
  out += std::string(w + 53, '-') + "\n";
  for (const auto& c : run.cases) {
    std::string verified = c.not_measured  ? "not measured"
                           : c.ok()        ? "yes"
                           : c.interrupted ? "partial"
                                           : "FAILED";
    if (!c.durable) verified += ", not durable";
    if (c.samples_ns.empty()) {
      out += fmt::format("{:<{}}  {:>2}  {:>8}  {:>8}  {:>8}  {:>8}  {}\n", c.name, w,
                         c.round_trips, "-", "-", "-", "-", verified);
    } else {
      out += fmt::format("{:<{}}  {:>2}  {:>8.3f}  {:>8.3f}  {:>8.3f}  {:>8.0f}  {}\n", c.name, w,
                         c.round_trips, ms(c.latency.p50_ns), ms(c.latency.p99_ns),
                         ms(c.latency.max_ns), c.throughput_per_s, verified);
    }
  }
  for (const auto& c : run.cases) {
    if (c.error) {
      out += fmt::format("{}: error: {}\n", c.name, *c.error);
    } else if (c.verification && !c.verification->ok) {
      out += fmt::format("{}: verification failed: {}\n", c.name, c.verification->message);
    }
  }
  const auto& first = run.cases.empty() ? nullptr : &run.cases.front();
  if (first != nullptr) {
    out += fmt::format(
        "\n{} samples per case after {} warm-up; rt = round trips per durable insert; SQLite "
        "rows have none.\n",
        first->samples_requested, run.settings.run.warmup);
  }
  for (const auto& w2 : run.context.warnings) out += "warning: " + w2 + "\n";
  return out;
}

}  // namespace wpbench
