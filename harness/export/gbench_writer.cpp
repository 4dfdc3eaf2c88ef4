#include "export/gbench_writer.hpp"

#include <array>
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

// Why a repetition does not count, as Google Benchmark's error_message; empty when it does.
std::string error_message(const CaseResult& c) {
  if (c.ok()) return "";
  if (c.error) return *c.error;
  if (c.interrupted) {
    return "interrupted after " + std::to_string(c.samples) + " of " +
           std::to_string(c.samples_requested) + " samples";
  }
  if (!c.verification) return "rows not verified";
  return "verification failed: " + c.verification->message;
}

// The fields every entry of one case shares; repetitions as Google Benchmark writes them with
// --benchmark_repetitions, so compare.py runs its U test over them. `threads`: the client
// threads that inserted at once (--clients).
json entry(const CaseReport& c, int family_index, int reps, int threads) {
  json b;
  b["name"] = c.name;
  b["family_index"] = family_index;
  b["per_family_instance_index"] = 0;
  b["run_name"] = c.name;
  b["repetitions"] = reps;
  b["threads"] = threads;
  return b;
}

void latency_counters(json& b, const LatencySummary& l, const CaseReport& c) {
  b["p50"] = us(static_cast<double>(l.p50_ns));
  b["p90"] = us(static_cast<double>(l.p90_ns));
  b["p99"] = us(static_cast<double>(l.p99_ns));
  b["p999"] = us(static_cast<double>(l.p999_ns));
  b["min"] = us(static_cast<double>(l.min_ns));
  b["max"] = us(static_cast<double>(l.max_ns));
  b["round_trips"] = c.round_trips;
  b["durable"] = c.durable ? 1 : 0;
}

json repetition_json(const CaseReport& c, const CaseResult& r, int family_index, int reps) {
  json b = entry(c, family_index, reps, r.clients);
  b["run_type"] = "iteration";
  b["repetition_index"] = r.repetition;
  if (!r.ok()) {
    b["error_occurred"] = true;
    b["error_message"] = error_message(r);
  }
  b["iterations"] = r.samples;
  b["real_time"] = us(r.latency.mean_ns);
  b["cpu_time"] = us(static_cast<double>(r.cpu_ns) / static_cast<double>(r.samples));
  b["time_unit"] = "us";
  latency_counters(b, r.latency, c);
  b["throughput_per_s"] = finite_or_0(r.throughput_per_s);
  return b;
}

// mean, median, stddev and cv of a list of values (two or more), with the harness's own
// statistics: the cv is coefficient_of_variation, the one the noise warnings use.
std::array<double, 4> aggregate(const std::vector<double>& xs) {
  const MeanStddev m = mean_and_stddev(xs);
  return {m.mean, median(xs), m.stddev, coefficient_of_variation(xs)};
}

// Google Benchmark's aggregates over repetitions: real_time from each repetition's mean latency,
// cpu_time from its CPU time per insert, each aggregated on its own.
void aggregates(json& benchmarks, const CaseReport& c, int family_index, int reps) {
  std::vector<double> real, cpu;
  int threads = 1;  // the same in every repetition: --clients is one setting for the run
  for (const auto& r : c.repetitions) {
    if (r.samples == 0) continue;
    real.push_back(r.latency.mean_ns);
    cpu.push_back(static_cast<double>(r.cpu_ns) / static_cast<double>(r.samples));
    threads = r.clients;
  }
  if (real.size() < 2) return;
  const auto rt = aggregate(real), ct = aggregate(cpu);
  const char* names[] = {"mean", "median", "stddev", "cv"};
  for (int i = 0; i < 4; ++i) {
    json b = entry(c, family_index, reps, threads);
    b["name"] = c.name + "_" + names[i];
    b["run_type"] = "aggregate";
    b["aggregate_name"] = names[i];
    b["aggregate_unit"] = i == 3 ? "percentage" : "time";
    b["iterations"] = real.size();
    b["real_time"] = i == 3 ? finite_or_0(rt[i]) : us(rt[i]);
    b["cpu_time"] = i == 3 ? finite_or_0(ct[i]) : us(ct[i]);
    b["time_unit"] = "us";
    benchmarks.push_back(std::move(b));
  }
}
}  // namespace

bool is_gbench_file(std::string_view head) {
  // As serialize_gbench indents it: the context first, its date first, the executable wpbench.
  const std::string_view start = "{\n  \"context\": {\n    \"date\": ";
  return head.substr(0, start.size()) == start &&
         head.substr(0, 1024).find("\n    \"executable\": \"wpbench\",") != std::string_view::npos;
}

std::string serialize_gbench(const RunResult& run) {
  const auto& ctx = run.context;
  json context = {{"date", ctx.timestamp_utc},
                  {"host_name", get(ctx.host, "hostname")},
                  {"executable", "wpbench"},
                  {"num_cpus", num_cpus(ctx)},
                  {"mhz_per_cpu", std::llround(finite_or_0(ctx.cpu_mhz))}};
  // Left out where nothing was read (no cpufreq), as Google Benchmark leaves out an unknown.
  if (const auto scaling = cpu_scaling_enabled(get(ctx.host, "cpu_scaling_governor"))) {
    context["cpu_scaling_enabled"] = *scaling;
  }
  context["caches"] = json::array();
  context["load_avg"] = json::array();
  context["library_build_type"] = library_build_type(ctx);
  json j;
  j["context"] = std::move(context);
  json benchmarks = json::array();
  int family = 0;
  for (const auto& c : run.cases) {
    const int reps = static_cast<int>(c.repetitions.size());
    bool any = false;
    for (const auto& r : c.repetitions) {
      // Without samples there is no time to report: Google Benchmark's readers would take a 0
      // as a measurement.
      if (r.samples == 0) continue;
      benchmarks.push_back(repetition_json(c, r, family, reps));
      any = true;
    }
    if (!any) continue;
    aggregates(benchmarks, c, family, reps);
    ++family;
  }
  j["benchmarks"] = std::move(benchmarks);
  return j.dump(2) + "\n";
}

}  // namespace wpbench
