// The exports besides the JSON result: Google Benchmark JSON (units, fields, how a failure is
// marked, and, where Debian's libbenchmark-tools is installed, that google/benchmark's own
// compare.py reads it), CSV (header, one row per case, RFC 4180 quoting), the CI trackers'
// formats (github-action-benchmark's customSmallerIsBetter and Bencher's BMF: their shape, units,
// intervals, how a partial run shows), and the export list (checked before measuring, every file
// rewritten together, another tool's file never replaced).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "core/context.hpp"
#include "core/result.hpp"
#include "db/context.hpp"
#include "export/bmf_writer.hpp"
#include "export/csv_writer.hpp"
#include "export/export.hpp"
#include "export/gbench_writer.hpp"
#include "export/gha_writer.hpp"
#include "export/json_writer.hpp"
#include "report_fixture.hpp"
#include "stats/repstats.hpp"
#include "stats/stats.hpp"
#include "sys/machine.hpp"
#include "sys/temp_dir.hpp"
#include "sys/text.hpp"

namespace fs = std::filesystem;

namespace wpbench {
namespace {

using test::repool;
using test::report_of;

using json = nlohmann::json;

CaseResult make_case(const std::string& driver, const std::string& variant,
                     const std::string& transport, int round_trips,
                     std::vector<std::int64_t> samples) {
  CaseResult c;
  c.driver = driver;
  c.variant = variant;
  c.transport = transport;
  c.name = driver + "/" + variant + "/" + transport;
  c.how = "test";
  c.round_trips = round_trips;
  c.samples_ns = std::move(samples);
  c.samples_requested = c.samples_ns.size();
  c.latency = summarize(c.samples_ns);
  return c;
}

Verification verified(std::uint64_t rows) {
  Verification v;
  v.ok = true;
  v.rows_expected = v.rows_found = rows;
  return v;
}

// Mean 250 us, 30 us of process CPU time per insert, 4000 inserts/s.
CaseResult ok_case() {
  CaseResult c = make_case("libpq", "prepared", "unix", 1, {200000, 250000, 300000});
  c.connect_ns = 1500000;
  c.elapsed_ns = 750000;
  c.cpu_ns = 90000;
  c.throughput_per_s = throughput_per_s(c.samples_ns.size(), c.elapsed_ns);
  c.verification = verified(3);
  return c;
}

// Failed mid-run with one sample measured; its message needs CSV quoting.
CaseResult failed_case() {
  CaseResult c = make_case("libpq", "tx", "tcp", 3, {500000});
  c.elapsed_ns = 500000;
  c.cpu_ns = 20000;
  c.throughput_per_s = throughput_per_s(1, c.elapsed_ns);
  c.error = "server said \"no\", then closed the connection";
  return c;
}

// Failed before measuring anything: no samples.
CaseResult never_measured_case() {
  CaseResult c = make_case("soci-postgresql", "prepared", "tcp", 1, {});
  c.samples_requested = 3;
  c.error = "connection refused";
  return c;
}

// `first` and a copy of it 50 us slower as the second of two repetitions (ok_case: mean 250 and
// 300 us), pooled: the result then holds t intervals over the repetitions for every percentile.
CaseReport two_repetitions(const CaseResult& first) {
  CaseResult second = first;
  second.repetition = 1;
  for (auto& s : second.samples_ns) s += 50000;
  second.latency = summarize(second.samples_ns);
  CaseReport c = report_of(first);
  c.repetitions.push_back(std::move(report_of(second).repetitions[0]));
  c.repetitions_requested = 2;
  repool(c);
  return c;
}

RunResult sample_run() {
  RunResult run;
  run.context = collect_context();
  run.context.host["hostname"] = "bench-host";
  run.context.host["logical_cpus"] = "2";
  run.context.build["build_type"] = "Release";
  run.context.cpu_mhz = 2596.14;
  run.context.host.erase("cpu_scaling_governor");  // as on a machine without cpufreq
  run.settings.run.samples = 3;
  run.settings.run.warmup = 1;
  run.settings.table = "wpbench_trade_decisions";
  run.cases = {report_of(ok_case()), report_of(failed_case()), report_of(never_measured_case())};
  run.status = RunStatus::complete;
  return run;
}

// A format's recognizer takes what its serializer writes and nothing wpbench's other formats
// write, nor an empty head.
void expect_recognizes_its_own_only(Recognizer recognizes, Serializer own) {
  const RunResult run = sample_run();
  EXPECT_TRUE(recognizes(own(run)));
  for (const Serializer other :
       {serialize_json, serialize_gbench, serialize_csv, serialize_gha, serialize_bmf}) {
    if (other != own) EXPECT_FALSE(recognizes(other(run))) << other(run);
  }
  EXPECT_FALSE(recognizes(""));
}

// --- Google Benchmark JSON ---

TEST(Gbench, ContextAsGoogleBenchmarkWritesIt) {
  const RunResult run = sample_run();
  const json j = json::parse(serialize_gbench(run));
  ASSERT_TRUE(j.contains("context"));
  ASSERT_TRUE(j.contains("benchmarks"));
  const auto& ctx = j["context"];
  EXPECT_EQ(ctx["date"], run.context.timestamp_utc);
  EXPECT_EQ(ctx["host_name"], "bench-host");
  EXPECT_EQ(ctx["executable"], "wpbench");
  EXPECT_EQ(ctx["num_cpus"], 2);
  EXPECT_TRUE(ctx["mhz_per_cpu"].is_number_integer());
  EXPECT_EQ(ctx["mhz_per_cpu"], 2596);
  EXPECT_FALSE(ctx.contains("cpu_scaling_enabled"));  // no governor was read
  EXPECT_EQ(ctx["caches"], json::array());
  EXPECT_EQ(ctx["load_avg"], json::array());
  EXPECT_EQ(ctx["library_build_type"], "release");
}

// Google Benchmark's rule: scaling is off only when every CPU's governor is "performance".
TEST(Gbench, CpuScalingIsEnabledUnlessEveryGovernorIsPerformance) {
  EXPECT_EQ(cpu_scaling_enabled("performance"), false);
  EXPECT_EQ(cpu_scaling_enabled("powersave"), true);
  EXPECT_EQ(cpu_scaling_enabled("schedutil"), true);
  EXPECT_EQ(cpu_scaling_enabled("performance,powersave"), true);
  EXPECT_EQ(cpu_scaling_enabled("ondemand,performance"), true);
  EXPECT_FALSE(cpu_scaling_enabled("").has_value());  // no cpufreq: unknown, not false

  RunResult run = sample_run();
  for (const auto& [governors, enabled] :
       std::vector<std::pair<std::string, bool>>{{"performance", false}, {"powersave", true}}) {
    run.context.host["cpu_scaling_governor"] = governors;
    EXPECT_EQ(json::parse(serialize_gbench(run))["context"]["cpu_scaling_enabled"], enabled)
        << governors;
  }
}

// The governors as a fake /sys/devices/system/cpu holds them: every cpuN directory with a
// cpufreq governor counts, a CPU without one and the directories beside the CPUs do not.
TEST(Gbench, ScalingGovernorsAreReadFromEveryCpu) {
  TempDir sys;
  const auto put = [&](const std::string& rel, const std::string& text) {
    fs::create_directories(fs::path(sys.file(rel)).parent_path());
    std::ofstream(sys.file(rel)) << text;
  };
  EXPECT_EQ(scaling_governors(sys.path()), "");  // no cpufreq at all
  EXPECT_EQ(scaling_governors(sys.file("absent")), "");
  put("cpu0/cpufreq/scaling_governor", "performance\n");
  put("cpu1/cpufreq/scaling_governor", "performance\n");
  fs::create_directories(sys.file("cpu2"));        // offline, or no cpufreq driver for it
  put("cpufreq/scaling_governor", "powersave\n");  // not a CPU
  put("cpu_x/cpufreq/scaling_governor", "powersave\n");
  EXPECT_EQ(scaling_governors(sys.path()), "performance");
  put("cpu13/cpufreq/scaling_governor", "powersave\n");
  EXPECT_EQ(scaling_governors(sys.path()), "performance,powersave");
}

TEST(Gbench, LibraryBuildTypeFollowsNdebug) {
  RunResult run = sample_run();
  for (const auto& [type, expected] :
       std::vector<std::pair<std::string, std::string>>{{"Release", "release"},
                                                        {"RelWithDebInfo", "release"},
                                                        {"MinSizeRel", "release"},
                                                        {"Debug", "debug"},
                                                        {"", "debug"}}) {
    run.context.build["build_type"] = type;
    EXPECT_EQ(json::parse(serialize_gbench(run))["context"]["library_build_type"], expected)
        << type;
  }
}

TEST(Gbench, OkCaseInMicroseconds) {
  const json j = json::parse(serialize_gbench(sample_run()));
  ASSERT_EQ(j["benchmarks"].size(), 2u);  // the case without samples is left out
  const auto& b = j["benchmarks"][0];
  EXPECT_EQ(b["name"], "libpq/prepared/unix");
  EXPECT_EQ(b["family_index"], 0);
  EXPECT_EQ(b["per_family_instance_index"], 0);
  EXPECT_EQ(b["run_name"], "libpq/prepared/unix");
  EXPECT_EQ(b["run_type"], "iteration");
  EXPECT_EQ(b["repetitions"], 1);
  EXPECT_EQ(b["repetition_index"], 0);
  EXPECT_EQ(b["threads"], 1);
  EXPECT_EQ(b["iterations"], 3);
  EXPECT_TRUE(b["real_time"].is_number_float());
  EXPECT_DOUBLE_EQ(b["real_time"].get<double>(), 250.0);  // mean 250000 ns
  EXPECT_DOUBLE_EQ(b["cpu_time"].get<double>(), 30.0);    // 90000 ns of CPU / 3 inserts
  EXPECT_EQ(b["time_unit"], "us");
  EXPECT_DOUBLE_EQ(b["p50"].get<double>(), 250.0);
  EXPECT_DOUBLE_EQ(b["p90"].get<double>(), 300.0);
  EXPECT_DOUBLE_EQ(b["p99"].get<double>(), 300.0);
  EXPECT_DOUBLE_EQ(b["p999"].get<double>(), 300.0);
  EXPECT_DOUBLE_EQ(b["min"].get<double>(), 200.0);
  EXPECT_DOUBLE_EQ(b["max"].get<double>(), 300.0);
  EXPECT_EQ(b["round_trips"], 1);
  EXPECT_DOUBLE_EQ(b["throughput_per_s"].get<double>(), 4000.0);
  EXPECT_FALSE(b.contains("error_occurred"));
  EXPECT_FALSE(b.contains("error_message"));
}

TEST(Gbench, FailedCaseIsMarkedAsGoogleBenchmarkMarksErrors) {
  const json j = json::parse(serialize_gbench(sample_run()));
  ASSERT_EQ(j["benchmarks"].size(), 2u);
  const auto& b = j["benchmarks"][1];
  EXPECT_EQ(b["name"], "libpq/tx/tcp");
  EXPECT_EQ(b["family_index"], 1);  // consecutive over the cases written
  EXPECT_EQ(b["error_occurred"], true);
  EXPECT_EQ(b["error_message"], "server said \"no\", then closed the connection");
  // What it did measure is still there.
  EXPECT_EQ(b["iterations"], 1);
  EXPECT_DOUBLE_EQ(b["real_time"].get<double>(), 500.0);
  EXPECT_DOUBLE_EQ(b["cpu_time"].get<double>(), 20.0);
  EXPECT_EQ(b["round_trips"], 3);
  for (const auto& x : j["benchmarks"]) EXPECT_NE(x["name"], "soci-postgresql/prepared/tcp");
}

TEST(Gbench, InterruptedOrUnverifiedCasesAreErrorsToo) {
  RunResult run = sample_run();
  CaseResult interrupted = ok_case(), unverified = ok_case();
  interrupted.interrupted = true;
  interrupted.samples_requested = 10;
  unverified.verification->ok = false;
  unverified.verification->message = "row 2 differs";
  run.cases = {report_of(interrupted), report_of(unverified)};
  const json j = json::parse(serialize_gbench(run));
  ASSERT_EQ(j["benchmarks"].size(), 2u);
  EXPECT_EQ(j["benchmarks"][0]["error_occurred"], true);
  EXPECT_EQ(j["benchmarks"][0]["error_message"], "interrupted after 3 of 10 samples");
  EXPECT_EQ(j["benchmarks"][1]["error_occurred"], true);
  EXPECT_EQ(j["benchmarks"][1]["error_message"], "verification failed: row 2 differs");
}

// --clients 4: Google Benchmark's "threads" is how many threads ran the benchmark at once, on
// every repetition and on the aggregates over them.
TEST(Gbench, ThreadsAreTheClientsThatInsertedAtOnce) {
  CaseResult first = ok_case();
  first.clients = 4;
  const CaseReport c = two_repetitions(first);
  RunResult run = sample_run();
  run.cases = {c};
  const json j = json::parse(serialize_gbench(run));
  ASSERT_EQ(j["benchmarks"].size(), 2u + 4u);  // two repetitions, mean, median, stddev, cv
  for (const auto& b : j["benchmarks"]) EXPECT_EQ(b["threads"], 4) << b["name"];
  const auto& cv = j["benchmarks"][5];
  ASSERT_EQ(cv["aggregate_name"], "cv");
  EXPECT_DOUBLE_EQ(cv["real_time"].get<double>(), coefficient_of_variation({250000, 300000}));
  EXPECT_DOUBLE_EQ(cv["cpu_time"].get<double>(), 0.0);  // 30 us of CPU per insert in both
}

TEST(Gbench, StrictJsonWithoutNaN) {
  RunResult run = sample_run();
  run.cases[1].repetitions[0].latency.mean_ns = std::numeric_limits<double>::quiet_NaN();
  run.cases[1].repetitions[0].throughput_per_s = std::numeric_limits<double>::infinity();
  run.context.cpu_mhz = std::numeric_limits<double>::quiet_NaN();
  const std::string text = serialize_gbench(run);
  ASSERT_TRUE(json::accept(text)) << text;  // nlohmann's parser is strict: no NaN, no Infinity
  const json j = json::parse(text);
  EXPECT_EQ(j["benchmarks"][1]["real_time"], 0.0);
  EXPECT_EQ(j["benchmarks"][1]["throughput_per_s"], 0.0);
  EXPECT_EQ(j["context"]["mhz_per_cpu"], 0);
}

TEST(Gbench, EmptyRunHasNoBenchmarks) {
  RunResult run;
  run.context = collect_context();
  const json j = json::parse(serialize_gbench(run));
  EXPECT_EQ(j["benchmarks"], json::array());
  EXPECT_EQ(j["context"]["executable"], "wpbench");
}

// A second run with the same --export-gbench path replaces the file the first one wrote, and
// only that: Google Benchmark's own output names another executable.
TEST(Gbench, RecognizesItsOwnFilesOnly) {
  expect_recognizes_its_own_only(is_gbench_file, serialize_gbench);
  RunResult empty;
  empty.context = collect_context();
  EXPECT_TRUE(is_gbench_file(serialize_gbench(empty)));
  std::string theirs = serialize_gbench(sample_run());
  const std::string ours = "\"executable\": \"wpbench\"";
  theirs.replace(theirs.find(ours), ours.size(), "\"executable\": \"./bench_fib\"");
  EXPECT_FALSE(is_gbench_file(theirs));
}

// google/benchmark's own comparison tool (Debian: libbenchmark-tools, which needs python3-scipy)
// on two exports: the second run is twice as slow in real time, and as costly in CPU.
TEST(Gbench, GoogleBenchmarkComparePyReadsIt) {
  const std::string compare_py = "/usr/share/benchmark/compare.py";
  if (!fs::exists(compare_py))
    GTEST_SKIP() << compare_py << " absent (apt install libbenchmark-tools)";
  if (std::system("/usr/bin/python3 -c 'import scipy, numpy' >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "compare.py needs Debian's python3-scipy";
  }
  TempDir dir;
  RunResult base = sample_run();
  RunResult slower = sample_run();
  for (auto& c : slower.cases) {
    for (auto& r : c.repetitions) {
      for (auto& s : r.samples_ns) s *= 2;
      r.latency = summarize(r.samples_ns);
    }
    repool(c);
  }
  const std::string a = dir.file("base.gbench.json"), b = dir.file("slower.gbench.json");
  write_file_atomic(a, serialize_gbench(base));
  write_file_atomic(b, serialize_gbench(slower));
  const std::string out = dir.file("diff.json"), log = dir.file("compare.log");
  // No bytecode next to the system's copy of the tool.
  const std::string cmd = "PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3 " + compare_py +
                          " --no-color -d '" + out + "' benchmarks '" + a + "' '" + b + "' >'" +
                          log + "' 2>&1";
  const int status = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << read_file(log);
  const std::string printed = read_file(log);
  EXPECT_NE(printed.find("libpq/prepared/unix"), std::string::npos) << printed;
  EXPECT_NE(printed.find("libpq/tx/tcp"), std::string::npos) << printed;

  const json diff = json::parse(read_file(out));
  std::vector<std::string> names;
  for (const auto& e : diff) {
    names.push_back(e["name"]);
    if (e["name"] != "libpq/prepared/unix") continue;
    EXPECT_EQ(e["time_unit"], "us");
    ASSERT_EQ(e["measurements"].size(), 1u);
    const auto& m = e["measurements"][0];
    EXPECT_DOUBLE_EQ(m["real_time"].get<double>(), 250.0);
    EXPECT_DOUBLE_EQ(m["real_time_other"].get<double>(), 500.0);
    EXPECT_DOUBLE_EQ(m["time"].get<double>(), 1.0);  // +100 %
    EXPECT_DOUBLE_EQ(m["cpu"].get<double>(), 0.0);   // same CPU time
  }
  EXPECT_NE(std::find(names.begin(), names.end(), "libpq/prepared/unix"), names.end()) << diff;
  EXPECT_NE(std::find(names.begin(), names.end(), "libpq/tx/tcp"), names.end()) << diff;
}

// --- CSV ---

// A minimal RFC 4180 reader, to check the writer against the format rather than against itself.
std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false, row_open = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char ch = text[i];
    row_open = true;
    if (quoted) {
      if (ch == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (ch == '"') {
        quoted = false;
      } else {
        field += ch;
      }
    } else if (ch == '"') {
      quoted = true;
    } else if (ch == ',') {
      row.push_back(field);
      field.clear();
    } else if (ch == '\n') {
      row.push_back(field);
      rows.push_back(row);
      row.clear();
      field.clear();
      row_open = false;
    } else {
      field += ch;
    }
  }
  if (row_open) throw std::runtime_error("last row not terminated");
  if (quoted) throw std::runtime_error("unterminated quote");
  return rows;
}

const std::vector<std::string> kCsvHeader = {
    "name",        "driver",       "variant",          "transport",  "round_trips",
    "status",      "verified",     "durable",          "samples",    "min_ns",
    "mean_ns",     "stddev_ns",    "p50_ns",           "p90_ns",     "p99_ns",
    "p999_ns",     "max_ns",       "throughput_per_s", "connect_ns", "cpu_ns",
    "repetitions", "p50_ci_lo_ns", "p50_ci_hi_ns",     "cv_p50",     "error"};
constexpr std::size_t kErrorColumn = 24;

TEST(Csv, HeaderAndOneRowPerCase) {
  const std::string text = serialize_csv(sample_run());
  const auto rows = parse_csv(text);
  ASSERT_EQ(rows.size(), 1u + 3u) << text;
  EXPECT_EQ(rows[0], kCsvHeader);
  for (const auto& r : rows) EXPECT_EQ(r.size(), kCsvHeader.size()) << text;

  auto ok = rows[1];
  // One repetition of three samples: no interval (too few for a block bootstrap), no CV.
  EXPECT_EQ(ok[20], "1");
  EXPECT_EQ(ok[21], "");
  EXPECT_EQ(ok[22], "");
  EXPECT_EQ(ok[23], "");
  ok.erase(ok.begin() + 20, ok.begin() + 24);
  EXPECT_EQ(ok, (std::vector<std::string>{"libpq/prepared/unix",
                                          "libpq",
                                          "prepared",
                                          "unix",
                                          "1",
                                          "ok",
                                          "true",
                                          "true",
                                          "3",
                                          "200000",
                                          "250000.0",
                                          "50000.0",
                                          "250000",
                                          "300000",
                                          "300000",
                                          "300000",
                                          "300000",
                                          "4000.0",
                                          "1500000",
                                          "90000",
                                          ""}));
  EXPECT_EQ(rows[2][0], "libpq/tx/tcp");
  EXPECT_EQ(rows[2][5], "failed");
  EXPECT_EQ(rows[2][6], "false");
  EXPECT_EQ(rows[3][0], "soci-postgresql/prepared/tcp");
  EXPECT_EQ(rows[3][8], "0");
  EXPECT_EQ(rows[3][kErrorColumn], "connection refused");
}

// A case with no sample (it failed at connect, or is pending) has no latency: its statistics are
// empty fields, never zeros a spreadsheet would average in.
TEST(Csv, ACaseWithoutSamplesHasEmptyStatistics) {
  const auto rows = parse_csv(serialize_csv(sample_run()));
  const auto& failed = rows[3];
  ASSERT_EQ(failed[8], "0");  // samples
  for (std::size_t col = 9; col <= 17; ++col) EXPECT_EQ(failed[col], "") << kCsvHeader[col];
  RunResult pending = sample_run();
  pending.cases[0].repetitions.clear();
  pending.cases[0].pooled = PooledResult{};
  const auto row = parse_csv(serialize_csv(pending))[1];
  EXPECT_EQ(row[5], "pending");
  for (std::size_t col = 9; col <= 19; ++col) EXPECT_EQ(row[col], "") << kCsvHeader[col];
}

TEST(Csv, ErrorWithCommaAndQuoteIsQuoted) {
  const std::string text = serialize_csv(sample_run());
  // On the wire: the whole field in quotes, the inner quotes doubled.
  EXPECT_NE(text.find(",\"server said \"\"no\"\", then closed the connection\"\n"),
            std::string::npos)
      << text;
  EXPECT_EQ(parse_csv(text)[2][kErrorColumn], "server said \"no\", then closed the connection");
}

TEST(Csv, RecognizesItsOwnFilesOnly) {
  expect_recognizes_its_own_only(is_csv_file, serialize_csv);
  EXPECT_FALSE(is_csv_file("name,driver\nx,y\n"));
}

TEST(Csv, FieldQuoting) {
  EXPECT_EQ(csv_field("plain"), "plain");
  EXPECT_EQ(csv_field(""), "");
  EXPECT_EQ(csv_field("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(csv_field("two\nlines"), "\"two\nlines\"");
  EXPECT_EQ(csv_field("cr\r"), "\"cr\r\"");
}

TEST(Csv, NonFiniteStatisticIsAnEmptyField) {
  RunResult run = sample_run();
  run.cases[0].pooled.latency.mean_ns = std::numeric_limits<double>::quiet_NaN();
  run.cases[0].pooled.throughput_per_s = std::numeric_limits<double>::infinity();
  const auto rows = parse_csv(serialize_csv(run));
  EXPECT_EQ(rows[1][10], "");
  EXPECT_EQ(rows[1][17], "");
}

// --- The CI trackers' formats ---

// sample_run() with its ok case measured in two repetitions: intervals for the p50 and p99.
RunResult tracker_run() {
  RunResult run = sample_run();
  run.cases[0] = two_repetitions(ok_case());
  return run;
}

const CaseReport& ok_report(const RunResult& run) { return run.cases[0]; }

// "95% CI [lo, hi]" as two numbers.
std::pair<double, double> range_bounds(const std::string& range) {
  double lo = 0, hi = 0;
  char close = 0;
  EXPECT_EQ(std::sscanf(range.c_str(), "95%% CI [%lf, %lf%c", &lo, &hi, &close), 3) << range;
  EXPECT_EQ(close, ']') << range;
  return {lo, hi};
}

std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// The entry github-action-benchmark reads (its zod schema BenchmarkResult, src/extract.ts):
// name, unit and value required, range and extra optional, nothing else; here with the exact
// types rather than the ones zod would coerce, and a finite value.
void expect_gha_entry(const json& e) {
  ASSERT_TRUE(e.is_object()) << e;
  for (const auto& [key, v] : e.items()) {
    EXPECT_TRUE(key == "name" || key == "unit" || key == "value" || key == "range" ||
                key == "extra")
        << key;
  }
  ASSERT_TRUE(e.contains("name") && e["name"].is_string()) << e;
  ASSERT_TRUE(e.contains("unit") && e["unit"].is_string()) << e;
  ASSERT_TRUE(e.contains("value") && e["value"].is_number()) << e;
  EXPECT_TRUE(std::isfinite(e["value"].get<double>())) << e;
  if (e.contains("range")) EXPECT_TRUE(e["range"].is_string()) << e;
  if (e.contains("extra")) EXPECT_TRUE(e["extra"].is_string()) << e;
}

TEST(Gha, AnArrayOfCustomSmallerIsBetterEntriesWithUniqueNames) {
  const std::string text = serialize_gha(tracker_run());
  ASSERT_TRUE(json::accept(text)) << text;
  const json j = json::parse(text);
  ASSERT_TRUE(j.is_array());
  // Two per case with samples: the case that never measured anything has none.
  ASSERT_EQ(j.size(), 4u) << text;
  std::vector<std::string> names;
  for (const auto& e : j) {
    expect_gha_entry(e);
    EXPECT_EQ(e["unit"], "ms");
    ASSERT_TRUE(e.contains("extra"));
    names.push_back(e["name"]);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"libpq/prepared/unix p50", "libpq/prepared/unix p99",
                                             "libpq/tx/tcp p50", "libpq/tx/tcp p99"}));
  std::sort(names.begin(), names.end());
  EXPECT_EQ(std::adjacent_find(names.begin(), names.end()), names.end());
}

// The figures the result holds, in ms: the pooled percentile, its 95 % interval as the range
// (rounded to the ns), the value inside it.
TEST(Gha, PercentilesAndTheirIntervalsInMilliseconds) {
  const RunResult run = tracker_run();
  const auto& p = ok_report(run).pooled;
  ASSERT_TRUE(p.p50_ci && p.p99_ci);
  const json j = json::parse(serialize_gha(run));
  for (const auto& [e, value_ns, ci] : {std::tuple{j[0], p.latency.p50_ns, *p.p50_ci},
                                        std::tuple{j[1], p.latency.p99_ns, *p.p99_ci}}) {
    EXPECT_DOUBLE_EQ(e["value"].get<double>(), static_cast<double>(value_ns) / 1e6) << e;
    ASSERT_TRUE(e.contains("range")) << e;
    const auto [lo, hi] = range_bounds(e["range"]);
    EXPECT_NEAR(lo, ci.lo / 1e6, 0.5e-6) << e;
    EXPECT_NEAR(hi, ci.hi / 1e6, 0.5e-6) << e;
    EXPECT_LE(lo, e["value"].get<double>()) << e;
    EXPECT_LE(e["value"].get<double>(), hi) << e;
    EXPECT_LT(lo, hi) << e;
    EXPECT_NE(e["extra"].get<std::string>().find(p.ci_method), std::string::npos) << e;
  }
  EXPECT_DOUBLE_EQ(j[0]["value"].get<double>(), 0.25);  // p50 of 200, 250, 300 and 250, 300, 350 us
  EXPECT_DOUBLE_EQ(j[1]["value"].get<double>(), 0.35);
}

// One repetition of three samples has no interval: no range, rather than an invented one.
TEST(Gha, NoIntervalNoRange) {
  const json j = json::parse(serialize_gha(sample_run()));
  ASSERT_EQ(j.size(), 4u);
  for (const auto& e : j) {
    expect_gha_entry(e);
    EXPECT_FALSE(e.contains("range")) << e;
  }
}

TEST(Gha, APartialRunAndACaseThatIsNotOkSaySoFirst) {
  RunResult run = tracker_run();
  const json complete = json::parse(serialize_gha(run));
  const auto ok_lines = lines_of(complete[0]["extra"]);
  ASSERT_GE(ok_lines.size(), 2u);
  EXPECT_EQ(ok_lines[0], "wpbench run " + run.context.run_id + ": complete");
  EXPECT_EQ(ok_lines[1], "case ok: 6 samples, repetitions 2 of 2, rows verified");
  const auto failed = lines_of(complete[2]["extra"]);
  ASSERT_GE(failed.size(), 2u);
  EXPECT_EQ(failed[1],
            "case failed: 1 sample, repetitions 1 of 1; server said \"no\", then closed the "
            "connection");

  for (const auto status : {RunStatus::partial, RunStatus::interrupted}) {
    run.status = status;
    for (const auto& e : json::parse(serialize_gha(run))) {
      EXPECT_EQ(lines_of(e["extra"])[0], "wpbench run " + run.context.run_id + ": PARTIAL (" +
                                             run_status_name(status) +
                                             "): not every case ran to the end")
          << e;
    }
  }
  // A case still to finish its repetitions, as the file holds it while the run goes on.
  run.cases[0].repetitions_requested = 10;
  EXPECT_EQ(lines_of(json::parse(serialize_gha(run))[0]["extra"])[1],
            "case pending: 6 samples, repetitions 2 of 10");
}

TEST(Gha, ASettingThatIsNotDurableIsSaid) {
  RunResult run = tracker_run();
  run.cases[0].durable = false;
  run.cases[0].durability = "synchronous_commit=off: a crash loses the last commits";
  const json j = json::parse(serialize_gha(run));
  EXPECT_EQ(lines_of(j[0]["extra"]).back(),
            "NOT durable: synchronous_commit=off: a crash loses the last commits");
  EXPECT_EQ(lines_of(j[2]["extra"]).back().rfind("NOT durable", 0), std::string::npos);
}

TEST(Gha, RecognizesItsOwnFilesOnly) {
  expect_recognizes_its_own_only(is_gha_file, serialize_gha);
  EXPECT_TRUE(is_gha_file(serialize_gha(tracker_run())));
  RunResult empty;
  empty.context = collect_context();
  EXPECT_EQ(serialize_gha(empty), "[]\n");
  EXPECT_TRUE(is_gha_file(serialize_gha(empty)));
  // github-action-benchmark's own example, another tool's, wpbench's other formats.
  EXPECT_FALSE(is_gha_file(
      "[\n  {\n    \"name\": \"My Custom Smaller Is Better Benchmark - Memory Used\",\n    "
      "\"unit\": \"Megabytes\",\n    \"value\": 100,\n    \"range\": \"3\",\n    \"extra\": "
      "\"Value for Tooltip: 25\"\n  }\n]\n"));
  EXPECT_FALSE(
      is_gha_file("[\n  {\n    \"name\": \"x\",\n    \"unit\": \"ms\",\n    \"value\": 1\n"
                  "  },\n  {\n    \"extra\": \"wpbench run 1\"\n  }\n]\n"));
  EXPECT_FALSE(is_gha_file("[1, 2]\n"));
  EXPECT_FALSE(is_gha_file("[]"));
}

// Bencher's BMF (its JSON Schema, https://bencher.dev/bmf.json): an object of benchmarks, each an
// object of measures, each a metric with a number "value" and optional "lower_value" and
// "upper_value"; here nothing else, every number finite, lower <= value <= upper.
void expect_bmf(const json& j) {
  ASSERT_TRUE(j.is_object()) << j;
  for (const auto& [name, measures] : j.items()) {
    EXPECT_FALSE(name.empty());
    ASSERT_TRUE(measures.is_object()) << name;
    ASSERT_FALSE(measures.empty()) << name;
    for (const auto& [slug, m] : measures.items()) {
      ASSERT_TRUE(m.is_object()) << name << " " << slug;
      ASSERT_TRUE(m.contains("value") && m["value"].is_number()) << name << " " << slug;
      for (const auto& [key, v] : m.items()) {
        EXPECT_TRUE(key == "value" || key == "lower_value" || key == "upper_value") << key;
        ASSERT_TRUE(v.is_number()) << name << " " << slug << " " << key;
        EXPECT_TRUE(std::isfinite(v.get<double>())) << name << " " << slug << " " << key;
      }
      EXPECT_EQ(m.contains("lower_value"), m.contains("upper_value")) << m;
      if (m.contains("lower_value")) {
        EXPECT_LE(m["lower_value"].get<double>(), m["value"].get<double>()) << m;
        EXPECT_LE(m["value"].get<double>(), m["upper_value"].get<double>()) << m;
      }
    }
  }
}

TEST(Bmf, BenchmarksOfMeasuresInNanoseconds) {
  const RunResult run = tracker_run();
  const std::string text = serialize_bmf(run);
  ASSERT_TRUE(json::accept(text)) << text;
  const json j = json::parse(text);
  expect_bmf(j);
  // Only the ok case: the failed one and the one that measured nothing are left out.
  ASSERT_EQ(j.size(), 1u) << text;
  const auto& p = ok_report(run).pooled;
  const auto& b = j["libpq/prepared/unix"];
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b.begin().key(), "latency");  // Bencher's built-in measure, in ns
  EXPECT_EQ(b["latency"]["value"], p.latency.p50_ns);
  EXPECT_EQ(b["latency"]["value"], 250000);
  EXPECT_DOUBLE_EQ(b["latency"]["lower_value"].get<double>(), p.p50_ci->lo);
  EXPECT_DOUBLE_EQ(b["latency"]["upper_value"].get<double>(), p.p50_ci->hi);
  EXPECT_EQ(b["latency-p99"]["value"], p.latency.p99_ns);
  EXPECT_DOUBLE_EQ(b["latency-p99"]["lower_value"].get<double>(), p.p99_ci->lo);
  EXPECT_DOUBLE_EQ(b["latency-p99"]["upper_value"].get<double>(), p.p99_ci->hi);
  // Each benchmark once in the text (a parser would keep only one of two equal keys).
  std::size_t at = 0, count = 0;
  while ((at = text.find("\n  \"libpq/prepared/unix\": ", at)) != std::string::npos) ++count, ++at;
  EXPECT_EQ(count, 1u);
}

TEST(Bmf, NoIntervalOnlyTheValue) {
  RunResult run = sample_run();
  const json j = json::parse(serialize_bmf(run));
  expect_bmf(j);
  ASSERT_EQ(j.size(), 1u);
  EXPECT_EQ(j["libpq/prepared/unix"]["latency"], json({{"value", 250000}}));
  EXPECT_EQ(j["libpq/prepared/unix"]["latency-p99"], json({{"value", 300000}}));
}

// BMF has no field to mark a figure partial: a case is written once every repetition ran and
// verified, and a run that stops early has fewer benchmarks, never partial figures.
TEST(Bmf, OnlyCasesThatRanToTheEndAreWritten) {
  RunResult run = tracker_run();
  run.status = RunStatus::partial;
  EXPECT_EQ(json::parse(serialize_bmf(run)).size(), 1u);  // complete cases of a partial run
  run.cases[0].repetitions_requested = 10;                // still to run: pending
  ASSERT_STREQ(run.cases[0].status_name(), "pending");
  EXPECT_EQ(serialize_bmf(run), "{}\n");
  run.cases[0].repetitions_requested = 2;
  run.cases[0].repetitions[1].interrupted = true;
  EXPECT_EQ(serialize_bmf(run), "{}\n");
  run.cases[0].repetitions[1].interrupted = false;
  run.cases[0].repetitions[1].verification->ok = false;
  EXPECT_EQ(serialize_bmf(run), "{}\n");
}

TEST(Bmf, RecognizesItsOwnFilesOnly) {
  expect_recognizes_its_own_only(is_bmf_file, serialize_bmf);
  EXPECT_TRUE(is_bmf_file(serialize_bmf(tracker_run())));
  EXPECT_TRUE(is_bmf_file("{}\n"));
  RunResult sqlite = sample_run();
  sqlite.cases[0].name = "soci-sqlite3/prepared/file";
  EXPECT_TRUE(is_bmf_file(serialize_bmf(sqlite)));
  // Bencher's own example, names that are not a case's, wpbench's other formats.
  EXPECT_FALSE(
      is_bmf_file("{\n  \"benchmark_name\": {\n    \"latency\": {\n      \"value\": 88.0,\n      "
                  "\"lower_value\": 87.42,\n      \"upper_value\": 88.88\n    }\n  }\n}\n"));
  for (const std::string name : {"libpq/prepared/udp", "libpq/unix", "a/b/c/unix", "/x/unix",
                                 "libpq//unix", "Libpq/prepared/unix", "lib pq/prepared/unix"}) {
    EXPECT_FALSE(is_bmf_file("{\n  \"" + name +
                             "\": {\n    \"latency\": {\n      \"value\": 1\n"
                             "    }\n  }\n}\n"))
        << name;
  }
  EXPECT_FALSE(
      is_bmf_file("{\n  \"libpq/prepared/unix\": {\n    \"build-time\": {\n      "
                  "\"value\": 1\n    }\n  }\n}\n"));
  EXPECT_FALSE(is_bmf_file("{}"));
}

// --- The export list ---

TEST(Exports, EveryFileIsWrittenAndRewritten) {
  TempDir dir;
  std::vector<Export> exports{{"--out", dir.file("r.json"), serialize_json},
                              {"--export-gbench", dir.file("r.gbench.json"), serialize_gbench},
                              {"--export-csv", dir.file("r.csv"), serialize_csv},
                              {"--export-gha", dir.file("r.gha.json"), serialize_gha},
                              {"--export-bmf", dir.file("r.bmf.json"), serialize_bmf}};
  ASSERT_NO_THROW(check_exports(exports));
  ExportLog written(exports);
  RunResult run = sample_run();
  run.cases.resize(1);
  written.write(run, 1, 2);
  ASSERT_TRUE(written.ok()) << written.failure();
  EXPECT_EQ(json::parse(read_file(dir.file("r.json")))["cases"].size(), 1u);
  EXPECT_EQ(json::parse(read_file(dir.file("r.gbench.json")))["benchmarks"].size(), 1u);
  EXPECT_EQ(parse_csv(read_file(dir.file("r.csv"))).size(), 2u);
  EXPECT_EQ(json::parse(read_file(dir.file("r.gha.json"))).size(), 2u);
  EXPECT_EQ(json::parse(read_file(dir.file("r.bmf.json"))).size(), 1u);

  run.cases = sample_run().cases;
  written.write(run, 2, 2);
  ASSERT_TRUE(written.ok()) << written.failure();
  EXPECT_EQ(json::parse(read_file(dir.file("r.json")))["cases"].size(), 3u);
  EXPECT_EQ(json::parse(read_file(dir.file("r.gbench.json")))["benchmarks"].size(), 2u);
  EXPECT_EQ(parse_csv(read_file(dir.file("r.csv"))).size(), 4u);
  EXPECT_EQ(json::parse(read_file(dir.file("r.gha.json"))).size(), 4u);
  EXPECT_EQ(json::parse(read_file(dir.file("r.bmf.json"))).size(), 1u);

  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir.path())) names.push_back(e.path().filename());
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"r.bmf.json", "r.csv", "r.gbench.json", "r.gha.json",
                                             "r.json"}));  // no temps
}

TEST(Exports, CheckNamesTheFlagOfAnUnwritablePath) {
  TempDir dir;
  try {
    std::vector<Export> exports{{"--out", dir.file("r.json"), serialize_json},
                                {"--export-csv", "/proc/wpbench-nope/x.csv", serialize_csv}};
    check_exports(exports);
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()).rfind("cannot write --export-csv /proc/wpbench-nope/x.csv", 0),
              0u)
        << e.what();
  }
}

TEST(Exports, TwoExportsToOneFileAreRefused) {
  TempDir dir;
  std::vector<Export> exports{{"--out", dir.file("r.json"), serialize_json},
                              {"--export-gbench", dir.file("./r.json"), serialize_gbench}};
  EXPECT_THROW(check_exports(exports), std::invalid_argument);
}

// A tracker's file at an export's path is replaced only when wpbench wrote it: another tool's
// file in the same format is refused before anything is measured, an earlier run's is replaced.
TEST(Exports, ATrackerFileOfAnotherToolIsNeverReplaced) {
  TempDir dir;
  const RunResult run = tracker_run();
  struct Format {
    const char* flag;
    Serializer serialize;
    Recognizer recognizes;
    const char* foreign;
  };
  for (const auto& f :
       {Format{"--export-gha", serialize_gha, is_gha_file,
               "[\n  {\n    \"name\": \"CPU Load\",\n    \"unit\": \"Percent\",\n    \"value\": "
               "50\n  }\n]\n"},
        Format{"--export-bmf", serialize_bmf, is_bmf_file,
               "{\n  \"my_binary\": {\n    \"file-size\": {\n      \"value\": 42.0\n    }\n  "
               "}\n}\n"}}) {
    const std::string path = dir.file(std::string(f.flag).substr(2) + ".json");
    write_file_atomic(path, f.foreign);
    Export theirs{f.flag, path, f.serialize, f.recognizes};
    EXPECT_THROW(check_writable(theirs), std::invalid_argument) << f.flag;
    EXPECT_EQ(read_file(path), f.foreign);
    write_file_atomic(path, f.serialize(run));
    Export ours{f.flag, path, f.serialize, f.recognizes};
    EXPECT_NO_THROW(check_writable(ours)) << f.flag;
    EXPECT_TRUE(ours.existed) << f.flag;
  }
}

}  // namespace
}  // namespace wpbench
