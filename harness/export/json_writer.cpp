#include "export/json_writer.hpp"

#include <cmath>
#include <cstdio>

#include "export/noise_text.hpp"

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

json summary_json(const LatencySummary& l) {
  return {{"min", l.min_ns},
          {"mean", finite(l.mean_ns)},
          {"stddev", finite(l.stddev_ns)},
          {"p50", l.p50_ns},
          {"p90", l.p90_ns},
          {"p99", l.p99_ns},
          {"p999", l.p999_ns},
          {"max", l.max_ns}};
}

json optional_summary(const std::optional<LatencySummary>& l) {
  return l ? summary_json(*l) : json(nullptr);
}

json interval_json(const Interval& i) { return json::array({finite(i.lo), finite(i.hi)}); }

json verification_json(const std::optional<Verification>& ver) {
  if (!ver) return nullptr;
  const auto& v = *ver;
  return {{"rows_expected", v.rows_expected},
          {"rows_found", v.rows_found},
          {"checksum_expected", hex64(v.checksum_expected)},
          {"checksum_found", hex64(v.checksum_found)},
          {"on_standby", v.on_standby ? json(*v.on_standby) : json(nullptr)},
          {"message", v.message}};
}

json repetition_json(const CaseResult& r) {
  json j;
  j["repetition"] = r.repetition;
  j["position"] = r.position;
  j["status"] = r.status_name();
  j["samples"] = r.samples;
  j["connect_ns"] = r.connect_ns;
  j["idle_gap_ns"] = r.idle_gap_ns ? json(*r.idle_gap_ns) : json(nullptr);
  j["elapsed_ns"] = r.elapsed_ns;
  j["cpu_ns"] = r.cpu_ns;
  j["throughput_per_s"] = finite(r.throughput_per_s);
  j["latency_ns"] = summary_json(r.latency);
  j["verified"] = r.verification && r.verification->ok;
  j["verification"] = verification_json(r.verification);
  j["error"] = r.error ? json(*r.error) : json(nullptr);
  j["samples_ns"] = r.raw_kept ? json(r.samples_ns) : json(nullptr);
  if (r.raw_kept && !r.back_to_back_ns.empty()) j["back_to_back_ns"] = r.back_to_back_ns;
  j["histogram"] = r.histogram.to_json();
  j["timeseries"] = r.timeseries.to_json();
  j["schedule_lag_ns"] = optional_summary(r.schedule_lag);
  j["clients"] = r.clients;
  j["connections"] = r.connections;
  j["errors"] = r.errors;
  j["pool_wait_ns"] = optional_summary(r.pool_wait);
  return j;
}

json decomposition_json(const Decomposition& d) {
  return {
      {"basis", d.basis},         {"total_ns", d.total_ns},   {"round_trips_ns", d.round_trips_ns},
      {"wake_ns", d.wake_ns},     {"flush_ns", d.flush_ns},   {"standby_ns", d.standby_ns},
      {"server_ns", d.server_ns}, {"driver_ns", d.driver_ns}, {"complete", d.complete},
      {"notes", d.notes}};
}

// --idle-ms: the back-to-back twins and the idle-minus-back-to-back difference.
json idle_json(const IdleComparison& idle, std::uint64_t idle_ms) {
  json diff = nullptr;
  if (idle.difference) {
    const auto& d = *idle.difference;
    diff = {{"median_ns", d.median},
            {"pairs", d.n},
            {"interval_95_ns", d.ci ? json::array({d.ci->first, d.ci->second}) : json(nullptr)},
            {"method", "median of paired differences, order-statistic interval (binomial ranks)"}};
  }
  return {{"idle_ms", idle_ms},
          {"back_to_back_ns", summary_json(idle.back_to_back)},
          {"idle_minus_back_to_back", diff}};
}

// The protocol round trips of the connection a connect-per-write case opens for every insert,
// from how its transport authenticated (null where that is not known: --dsn).
json connect_round_trips_json(const CaseReport& c, const RunContext& ctx) {
  if (c.caps.connects == 0) return 0;
  const auto use = ctx.transports.find(c.transport);
  const TransportSpec* spec = find_transport(c.transport);
  if (use == ctx.transports.end() || !spec) return nullptr;
  const auto rt = connect_round_trips(use->second.auth, spec->sslmode);
  return rt ? json(*rt * c.caps.connects) : json(nullptr);
}

json case_json(const CaseReport& c, const RunConfig& cfg, const RunContext& ctx) {
  const auto& p = c.pooled;
  json j;
  j["name"] = c.name;
  j["driver"] = c.driver;
  j["variant"] = c.variant;
  j["transport"] = c.transport;
  j["how"] = c.how;
  j["round_trips"] = c.round_trips;
  j["capabilities"] = {{"statements", c.caps.statements},
                       {"explicit_transaction", c.caps.explicit_transaction},
                       {"named_prepared", c.caps.named_prepared},
                       {"pooler_safe", c.caps.pooler_safe},
                       {"connects", c.caps.connects}};
  j["connect_round_trips"] = connect_round_trips_json(c, ctx);
  j["durable"] = c.durable;
  j["durability"] = c.durability;
  j["status"] = c.status_name();
  j["loop"] = c.open_loop ? "open" : "closed";
  j["samples"] = p.samples;
  j["samples_requested"] = c.samples_requested;
  j["warmup"] = cfg.for_path(c.caps).warmup;
  j["latency_ns"] = summary_json(p.latency);
  j["throughput_per_s"] = finite(p.throughput_per_s);
  if (p.p50_ci && p.mean_ci) {
    j["interval"] = {{"method", p.ci_method},
                     {"confidence", 0.95},
                     {"p50_ns", interval_json(*p.p50_ci)},
                     {"mean_ns", interval_json(*p.mean_ci)}};
    // null where the method gives none: one repetition with too few samples for that tail.
    for (const auto& [key, ci] : {std::pair{"p90_ns", &p.p90_ci}, std::pair{"p99_ns", &p.p99_ci},
                                  std::pair{"p999_ns", &p.p999_ci}}) {
      j["interval"][key] = *ci ? interval_json(**ci) : json(nullptr);
    }
  } else {
    j["interval"] = nullptr;
  }
  j["cv_p50"] = p.cv_p50 ? finite(*p.cv_p50) : json(nullptr);
  j["noise"] = {{"outlier_repetitions", p.noise.outlier_repetitions},
                {"mean_outlier_repetitions", p.noise.mean_outlier_repetitions},
                {"slow_first", p.noise.slow_first},
                {"sample_outlier_fraction", finite(p.noise.sample_outlier_fraction)},
                {"warnings", noise_warnings(p.noise)}};
  j["decomposition"] = c.decomposition ? decomposition_json(*c.decomposition) : json(nullptr);
  j["idle"] = p.idle ? idle_json(*p.idle, cfg.idle_ms) : json(nullptr);
  if (c.instructions) {
    const auto& n = *c.instructions;
    j["instructions"] = {{"inserts", n.inserts},
                         {"total", n.total},
                         {"per_insert", finite(n.per_insert)},
                         {"error", n.error ? json(*n.error) : json(nullptr)}};
  } else {
    j["instructions"] = nullptr;
  }
  const auto err = c.first_error();
  j["error"] = err ? json(*err) : json(nullptr);
  json reps = json::array();
  for (const auto& r : c.repetitions) reps.push_back(repetition_json(r));
  j["repetitions"] = std::move(reps);
  return j;
}

// Keyed by every transport with round trips, in table order; null where not measured.
json per_transport(const std::map<std::string, LatencySummary>& by_transport) {
  json j = json::object();
  for (const auto& spec : transport_specs()) {
    if (!spec.round_trips) continue;
    const auto it = by_transport.find(spec.name);
    j[spec.name] = it == by_transport.end() ? json(nullptr) : summary_json(it->second);
  }
  return j;
}

// What the run reached its databases through, keyed by transport in table order: the
// transport's row (harness/core/transport.hpp) and how this run used it.
json transports_json(const std::map<std::string, TransportUse>& used) {
  json j = json::object();
  for (const auto& spec : transport_specs()) {
    const auto it = used.find(spec.name);
    if (it == used.end()) continue;
    j[spec.name] = {{"title", spec.title},
                    {"backend", spec.backend == Backend::postgres ? "postgres" : "sqlite"},
                    {"reach", spec.reach},
                    {"round_trips", spec.round_trips},
                    {"target", it->second.target},
                    {"auth", it->second.auth}};
    if (spec.pooled) j[spec.name]["pool_mode"] = it->second.pool_mode;
  }
  return j;
}

json flush_json(const std::optional<LatencySummary>& on, const std::optional<LatencySummary>& off) {
  if (!on || !off) return nullptr;
  return {{"on_ns", summary_json(*on)},
          {"off_ns", summary_json(*off)},
          {"flush_p50_ns", on->p50_ns - off->p50_ns}};
}

json floors_json(const std::optional<FloorsResult>& floors) {
  if (!floors) return nullptr;
  const auto& f = *floors;
  json j;
  j["round_trip_ns"] = per_transport(f.rt);
  j["round_trip_idle_ns"] = per_transport(f.rt_idle);
  j["commit_flush"] = flush_json(f.pg_on, f.pg_off);
  // on_ns: commits waiting for the standby; off_ns: for the local flush; flush_p50_ns: the wait.
  j["standby_wait"] = flush_json(f.standby_on, f.standby_off);
  if (f.disk_sync) {
    j["disk_sync"] = {{"dir", f.disk_sync_dir},
                      {"filesystem", f.disk_sync_filesystem},
                      {"method", f.disk_sync_method},
                      {"latency_ns", summary_json(*f.disk_sync)}};
  } else {
    j["disk_sync"] = nullptr;
  }
  j["sqlite_flush"] = flush_json(f.sqlite_on, f.sqlite_off);
  j["errors"] = f.errors;
  j["per_repetition_p50_ns"] = f.per_repetition_p50_ns;
  return j;
}

json connect_json(const std::vector<ConnectCost>& costs) {
  json out = json::array();
  for (const auto& k : costs) {
    out.push_back(
        {{"driver", k.driver},
         {"transport", k.transport},
         {"auth", k.auth},
         {"samples", k.connect_ns.size()},
         {"connect_ns",
          k.connect_ns.empty() ? json(nullptr) : summary_json(summarize(k.connect_ns))},
         {"close_ns", k.close_ns.empty() ? json(nullptr) : summary_json(summarize(k.close_ns))},
         {"error", k.error ? json(*k.error) : json(nullptr)}});
  }
  return out;
}

json ratios_json(const std::vector<RatioResult>& ratios) {
  json out = json::array();
  for (const auto& r : ratios) {
    out.push_back({{"numerator", r.numerator},
                   {"denominator", r.denominator},
                   {"stat", r.stat},
                   {"ratio", finite(r.ratio)},
                   {"interval", r.ci ? interval_json(*r.ci) : json(nullptr)},
                   {"method", r.method},
                   {"difference_ns", finite(r.diff_ns)},
                   {"difference_interval", r.diff_ci ? interval_json(*r.diff_ci) : json(nullptr)}});
  }
  return out;
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
                    {"standby", ctx.server.standby.empty()
                                    ? json(nullptr)
                                    : json{{"mode", ctx.server.standby},
                                           {"checked_on", ctx.server.standby_where.empty()
                                                              ? json(nullptr)
                                                              : json(ctx.server.standby_where)}}}}},
                  {"sqlite",
                   {{"version", ctx.sqlite.version},
                    {"dir", ctx.sqlite.dir},
                    {"filesystem", ctx.sqlite.filesystem},
                    {"journal_mode", ctx.sqlite.journal_mode},
                    {"synchronous", ctx.sqlite.synchronous}}},
                  {"transports", transports_json(ctx.transports)},
                  {"start_at", ctx.start_at.empty() ? json(nullptr) : json(ctx.start_at)},
                  {"warnings", ctx.warnings}};
  const auto& st = run.settings;
  json loop = {{"mode", st.run.open_loop() ? "open" : "closed"}};
  if (st.run.open_loop()) {
    loop["rate_per_s"] = st.run.rate_per_s;
    loop["schedule"] = schedule_name(st.run.schedule);
    loop["seed"] = st.run.seed;
    loop["seed_rule"] = "each case: seed XOR FNV-1a-64 of the case name";
  }
  j["config"] = {{"samples", st.run.samples},
                 {"warmup", st.run.warmup},
                 {"seed", st.run.seed},
                 {"table", st.table},
                 {"cases", st.cases_selected},
                 {"timer", "CLOCK_MONOTONIC (std::chrono::steady_clock), ns"},
                 {"percentiles", "nearest-rank over all measured samples"},
                 {"repetitions", st.repetitions},
                 {"order_seed", st.order_seed},
                 {"order", st.order},
                 {"raw_samples_max", st.run.raw_samples_max},
                 {"loop", loop},
                 {"sync_commit", st.sync_commit},
                 {"interleave", st.interleave},
                 {"clients", st.run.clients},
                 {"connect_per_write_samples", st.run.connect_per_write_samples},
                 {"idle_ms", st.run.idle_ms},
                 {"pool_size", st.run.connections() < st.run.clients ? json(st.run.connections())
                                                                     : json(nullptr)}};
  json cases = json::array();
  for (const auto& c : run.cases) cases.push_back(case_json(c, run.settings.run, run.context));
  j["cases"] = std::move(cases);
  j["floors"] = floors_json(run.floors);
  j["connect"] = connect_json(run.connect);
  j["ratios"] = ratios_json(run.ratios);
  j["transport_costs"] = ratios_json(run.transport_costs);
  j["machine_changes"] = run.machine_changes;
  return j;
}

std::string serialize_json(const RunResult& run) { return to_json(run).dump() + "\n"; }

bool is_json_file(std::string_view head) {
  // to_json's first two keys, in their fixed order.
  const std::string_view start = R"({"schema_version":)";
  return head.substr(0, start.size()) == start &&
         head.substr(0, 64).find(R"("tool":"wpbench")") != std::string_view::npos;
}

}  // namespace wpbench
