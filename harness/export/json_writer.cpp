#include "json_writer.hpp"

#include <cmath>
#include <cstdio>

namespace wpbench {

namespace {
using json = nlohmann::ordered_json;

// Strict JSON has no NaN or infinity; a statistic that is not finite is written as null.
json finite(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

std::string hex64(std::uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

json case_json(const CaseResult& c, const RunConfig& cfg) {
  json j;
  j["name"] = c.name;
  j["driver"] = c.driver;
  j["variant"] = c.variant;
  j["transport"] = c.transport;
  j["how"] = c.how;
  j["round_trips"] = c.round_trips;
  j["status"] = c.status_name();
  j["samples"] = c.samples_ns.size();
  j["samples_requested"] = c.samples_requested;
  j["warmup"] = cfg.warmup;
  j["connect_ns"] = c.connect_ns;
  j["latency_ns"] = {{"min", c.latency.min_ns},
                     {"mean", finite(c.latency.mean_ns)},
                     {"stddev", finite(c.latency.stddev_ns)},
                     {"p50", c.latency.p50_ns},
                     {"p90", c.latency.p90_ns},
                     {"p99", c.latency.p99_ns},
                     {"p999", c.latency.p999_ns},
                     {"max", c.latency.max_ns}};
  j["throughput_per_s"] = finite(c.throughput_per_s);
  j["elapsed_ns"] = c.elapsed_ns;
  j["cpu_ns"] = c.cpu_ns;
  j["verified"] = c.verification && c.verification->ok;
  j["durable"] = c.durable;
  if (c.verification) {
    const auto& v = *c.verification;
    j["verification"] = {{"rows_expected", v.rows_expected},
                         {"rows_found", v.rows_found},
                         {"checksum_expected", hex64(v.checksum_expected)},
                         {"checksum_found", hex64(v.checksum_found)},
                         {"message", v.message}};
  } else {
    j["verification"] = nullptr;
  }
  // A case that could not run says why in the same field an error goes in.
  j["error"] = c.error ? json(*c.error) : c.not_measured ? json(*c.not_measured) : json(nullptr);
  j["samples_ns"] = c.samples_ns;
  return j;
}
}  // namespace

json to_json(const RunResult& run) {
  const auto& ctx = run.context;
  json j;
  j["schema_version"] = kSchemaVersion;
  j["tool"] = "wpbench";
  j["run_id"] = ctx.run_id;
  j["status"] = run_status_name(run.status);
  j["context"] = {{"timestamp_utc", ctx.timestamp_utc},
                  {"host", ctx.host},
                  {"build", ctx.build},
                  {"libraries", ctx.libraries},
                  {"server",
                   {{"mode", ctx.server.mode},
                    {"version", ctx.server.version},
                    {"settings", ctx.server.settings},
                    {"data_filesystem", ctx.server.data_filesystem},
                    {"unix", {{"target", ctx.server.unix_target}, {"auth", ctx.server.unix_auth}}},
                    {"tcp", {{"target", ctx.server.tcp_target}, {"auth", ctx.server.tcp_auth}}}}},
                  {"sqlite",
                   {{"version", ctx.sqlite.version},
                    {"dir", ctx.sqlite.dir},
                    {"filesystem", ctx.sqlite.filesystem},
                    {"journal_mode", ctx.sqlite.journal_mode},
                    {"synchronous", ctx.sqlite.synchronous}}},
                  {"warnings", ctx.warnings}};
  j["config"] = {{"samples", run.settings.run.samples},
                 {"warmup", run.settings.run.warmup},
                 {"seed", run.settings.run.seed},
                 {"table", run.settings.table},
                 {"cases", run.settings.cases_selected},
                 {"timer", "CLOCK_MONOTONIC (std::chrono::steady_clock), ns"},
                 {"percentiles", "nearest-rank over all measured samples"}};
  json cases = json::array();
  for (const auto& c : run.cases) cases.push_back(case_json(c, run.settings.run));
  j["cases"] = std::move(cases);
  return j;
}

std::string serialize_json(const RunResult& run) { return to_json(run).dump() + "\n"; }

}  // namespace wpbench
