#include "gbench_writer.hpp"

#include <cmath>
#include <nlohmann/json.hpp>

namespace wpbench {

namespace {
using json = nlohmann::ordered_json;

// The readers of this format do arithmetic on every time (compare.py multiplies, trackers plot),
// so a value that is not finite becomes 0 rather than null.
double finite_or_0(double v) { return std::isfinite(v) ? v : 0.0; }
double us(double ns) { return finite_or_0(ns / 1000.0); }

std::string get(const std::map<std::string, std::string>& m, const std::string& key) {
  const auto it = m.find(key);
  return it == m.end() ? std::string() : it->second;
}

// Google Benchmark reports "debug" unless NDEBUG was defined, which CMake does for every build
// type but Debug and none.
const char* library_build_type(const RunContext& ctx) {
  const std::string t = get(ctx.build, "build_type");
  return t == "Release" || t == "RelWithDebInfo" || t == "MinSizeRel" ? "release" : "debug";
}

long long num_cpus(const RunContext& ctx) {
  try {
    return std::stoll(get(ctx.host, "logical_cpus"));
  } catch (const std::exception&) {
    return 0;
  }
}

// Why a case does not count, as Google Benchmark's error_message; empty when it does.
std::string error_message(const CaseResult& c) {
  if (c.ok()) return "";
  if (c.error) return *c.error;
  if (c.interrupted) {
    return "interrupted after " + std::to_string(c.samples_ns.size()) + " of " +
           std::to_string(c.samples_requested) + " samples";
  }
  if (!c.verification) return "rows not verified";
  return "verification failed: " + c.verification->message;
}

json benchmark_json(const CaseResult& c, int family_index) {
  const auto n = c.samples_ns.size();
  json b;
  b["name"] = c.name;
  b["family_index"] = family_index;
  b["per_family_instance_index"] = 0;
  b["run_name"] = c.name;
  b["run_type"] = "iteration";
  b["repetitions"] = 1;
  b["repetition_index"] = 0;
  b["threads"] = 1;
  if (!c.ok()) {
    b["error_occurred"] = true;
    b["error_message"] = error_message(c);
  }
  b["iterations"] = n;
  b["real_time"] = us(c.latency.mean_ns);
  b["cpu_time"] = us(static_cast<double>(c.cpu_ns) / static_cast<double>(n));
  b["time_unit"] = "us";
  // Extra counters, as user counters appear in Google Benchmark's output.
  b["p50"] = us(static_cast<double>(c.latency.p50_ns));
  b["p90"] = us(static_cast<double>(c.latency.p90_ns));
  b["p99"] = us(static_cast<double>(c.latency.p99_ns));
  b["p999"] = us(static_cast<double>(c.latency.p999_ns));
  b["min"] = us(static_cast<double>(c.latency.min_ns));
  b["max"] = us(static_cast<double>(c.latency.max_ns));
  b["round_trips"] = c.round_trips;
  b["throughput_per_s"] = finite_or_0(c.throughput_per_s);
  return b;
}
}  // namespace

std::string serialize_gbench(const RunResult& run) {
  const auto& ctx = run.context;
  json j;
  j["context"] = {{"date", ctx.timestamp_utc},
                  {"host_name", get(ctx.host, "hostname")},
                  {"executable", "wpbench"},
                  {"num_cpus", num_cpus(ctx)},
                  {"mhz_per_cpu", std::llround(finite_or_0(ctx.cpu_mhz))},
                  {"cpu_scaling_enabled", false},
                  {"caches", json::array()},
                  {"load_avg", json::array()},
                  {"library_build_type", library_build_type(ctx)}};
  json benchmarks = json::array();
  int family = 0;
  for (const auto& c : run.cases) {
    // Without samples there is no time to report: Google Benchmark's readers would take a 0 as
    // a measurement.
    if (c.samples_ns.empty()) continue;
    benchmarks.push_back(benchmark_json(c, family++));
  }
  j["benchmarks"] = std::move(benchmarks);
  return j.dump(2) + "\n";
}

}  // namespace wpbench
