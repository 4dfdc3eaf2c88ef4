// The result file: what to_json writes, that it is strict JSON matching the published schema,
// that no password gets into it, and that it reaches the disk whole or not at all.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "db/context.hpp"
#include "db/dsn.hpp"
#include "export/export.hpp"
#include "export/json_writer.hpp"
#include "export/noise_text.hpp"
#include "report_fixture.hpp"
#include "stats/repstats.hpp"
#include "stats/stats.hpp"
#include "sys/temp_dir.hpp"
#include "sys/text.hpp"

namespace fs = std::filesystem;

namespace wpbench {
namespace {

using test::report_of;

using json = nlohmann::ordered_json;

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

constexpr const char* kUnixDsn = "host=/tmp user=bob password=s3cret dbname=x";
constexpr const char* kTcpDsn = "postgresql://bob:s3cret@127.0.0.1:5432/db";

CaseResult ok_case() {
  CaseResult c;
  c.name = "sqlite3/prepared/file";
  c.driver = "sqlite3";
  c.variant = "prepared";
  c.transport = "file";
  c.how = "one sqlite3_stmt prepared once; reset + bind + step per insert";
  c.round_trips = 0;
  c.samples_ns = {1500, 1200, 900};
  c.latency = summarize(c.samples_ns);
  c.connect_ns = 250000;
  c.elapsed_ns = 4000;
  c.cpu_ns = 3000;
  c.throughput_per_s = throughput_per_s(c.samples_ns.size(), c.elapsed_ns);
  c.samples_requested = 3;
  Verification v;
  v.ok = true;
  v.rows_expected = v.rows_found = 4;
  v.checksum_expected = v.checksum_found = 0x00ab;
  c.verification = v;
  return c;
}

// A case that failed mid-run, with statistics that are not finite: they must become null.
CaseResult failed_case() {
  CaseResult c;
  c.name = "libpq/prepared/tcp";
  c.driver = "libpq";
  c.variant = "prepared";
  c.transport = "tcp";
  c.how = "PQprepare once, then PQexecPrepared in autocommit";
  c.round_trips = 1;
  c.samples_ns = {70000};
  c.latency = summarize(c.samples_ns);
  c.latency.mean_ns = std::numeric_limits<double>::quiet_NaN();
  c.latency.stddev_ns = std::numeric_limits<double>::infinity();
  c.throughput_per_s = -std::numeric_limits<double>::infinity();
  c.samples_requested = 3;
  c.error = "server closed the connection unexpectedly";
  return c;  // no verification
}

RunResult sample_run() {
  RunResult run;
  run.context = collect_context();
  auto& server = run.context.server;
  server.mode = "existing";
  server.version = "15.20 (Debian 15.20-0+deb12u1)";
  server.settings = {{"synchronous_commit", "on"}, {"fsync", "on"}};
  run.context.transports = {{"unix", {redact_conninfo(kUnixDsn), "as configured by the server"}},
                            {"tcp", {redact_conninfo(kTcpDsn), "as configured by the server"}}};
  run.context.sqlite = {"/var/tmp/x", "ext2/ext3/ext4", "wal", "FULL", "3.40.1"};
  run.context.warnings = {"data is on tmpfs"};
  run.settings.run.samples = 3;
  run.settings.run.warmup = 1;
  run.settings.table = "wpbench_trade_decisions";
  run.settings.cases_selected = {"sqlite3/prepared/file", "libpq/prepared/tcp"};
  run.cases = {report_of(ok_case()), report_of(failed_case())};
  run.status = RunStatus::complete;
  return run;
}

TEST(Json, TopLevelFieldsInFixedOrder) {
  const auto j = to_json(sample_run());
  EXPECT_EQ(j.at("schema_version"), kSchemaVersion);
  EXPECT_EQ(j.at("tool"), "wpbench");
  EXPECT_EQ(j.at("status"), "complete");
  EXPECT_FALSE(j.at("run_id").get<std::string>().empty());
  // Key order is part of the format (diffs between runs stay readable).
  std::vector<std::string> keys;
  for (const auto& [k, v] : j.items()) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"schema_version", "tool", "run_id", "status", "context",
                                            "config", "cases", "floors", "connect", "ratios",
                                            "transport_costs", "machine_changes"}));
  for (const char* k :
       {"timestamp_utc", "host", "build", "libraries", "server", "sqlite", "warnings"}) {
    EXPECT_TRUE(j.at("context").contains(k)) << k;
  }
  EXPECT_EQ(j.at("context").at("libraries").size(), 4u);
  EXPECT_EQ(j.at("config").at("samples"), 3);
  EXPECT_EQ(j.at("config").at("warmup"), 1);
  EXPECT_EQ(j.at("config").at("seed"), DecisionGenerator::default_seed);
  EXPECT_EQ(j.at("config").at("cases").size(), 2u);
}

TEST(Json, NoiseWarningsAreSentences) {
  RunResult run = sample_run();
  run.cases[0].pooled.noise = noise_report({301000, 300000, 512000, 299000, 302000},
                                           {350000, 350000, 560000, 350000, 350000}, 0.0);
  const auto noise = to_json(run).at("cases").at(0).at("noise");
  EXPECT_EQ(noise.at("outlier_repetitions"), json::array({2}));
  EXPECT_EQ(noise.at("warnings"), json(noise_warnings(run.cases[0].pooled.noise)));
  EXPECT_EQ(noise.at("warnings").at(0),
            "repetition 3 of 5 is an outlier (p50 0.512 ms vs median 0.301 ms): the machine was "
            "busy; the interval includes it");
  EXPECT_EQ(to_json(sample_run()).at("cases").at(0).at("noise").at("warnings"), json::array());
}

TEST(Json, CaseFields) {
  const auto j = to_json(sample_run());
  ASSERT_EQ(j.at("cases").size(), 2u);
  const auto& ok = j.at("cases").at(0);
  EXPECT_EQ(ok.at("name"), "sqlite3/prepared/file");
  EXPECT_EQ(ok.at("status"), "ok");
  EXPECT_EQ(ok.at("samples"), 3);
  EXPECT_EQ(ok.at("warmup"), 1);                  // from the run's config, not the case
  EXPECT_EQ(ok.at("latency_ns").at("min"), 900);  // pooled over the repetitions
  EXPECT_EQ(ok.at("latency_ns").at("p50"), 1200);
  EXPECT_EQ(ok.at("latency_ns").at("max"), 1500);
  EXPECT_DOUBLE_EQ(ok.at("latency_ns").at("mean").get<double>(), 1200.0);
  EXPECT_DOUBLE_EQ(ok.at("throughput_per_s").get<double>(), 750000.0);
  EXPECT_EQ(ok.at("loop"), "closed");
  EXPECT_TRUE(ok.at("error").is_null());
  ASSERT_EQ(ok.at("repetitions").size(), 1u);
  const auto& rep = ok.at("repetitions").at(0);
  EXPECT_EQ(rep.at("samples_ns"), json::array({1500, 1200, 900}));  // in order taken, unsorted
  EXPECT_EQ(rep.at("histogram").at("count"), 3);
  EXPECT_EQ(rep.at("cpu_ns"), 3000);
  EXPECT_EQ(rep.at("verified"), true);
  EXPECT_EQ(rep.at("verification").at("checksum_expected"), "00000000000000ab");
  EXPECT_EQ(rep.at("verification").at("rows_found"), 4);
  // One repetition of three samples: too few for a block bootstrap, so no interval is drawn.
  EXPECT_TRUE(ok.at("interval").is_null());
  EXPECT_TRUE(ok.at("cv_p50").is_null());

  const auto& bad = j.at("cases").at(1);
  EXPECT_EQ(bad.at("status"), "failed");
  EXPECT_EQ(bad.at("repetitions").at(0).at("verified"), false);
  EXPECT_TRUE(bad.at("repetitions").at(0).at("verification").is_null());
  EXPECT_EQ(bad.at("error"), "server closed the connection unexpectedly");
}

// sample_run with intervals on its first case (p99.9 without one, as one repetition of too few
// samples leaves it) and a p50 and a p99 ratio.
RunResult run_with_intervals() {
  RunResult run = sample_run();
  auto& p = run.cases[0].pooled;
  p.ci_method = "t interval over repetitions (log scale)";
  p.p50_ci = Interval{1100, 1300};
  p.mean_ci = Interval{1150, 1250};
  p.p90_ci = Interval{1400, 1600};
  p.p99_ci = Interval{1450, 1900};
  p.p999_ci.reset();
  for (const char* stat : {"p50", "p99"}) {
    RatioResult r;
    r.numerator = "libpq/prepared/tcp";
    r.denominator = "sqlite3/prepared/file";
    r.stat = stat;
    r.ratio = r.stat == "p50" ? 2.5 : 3.5;
    r.ci = Interval{r.ratio - 0.25, r.ratio + 0.5};
    r.method = "paired t interval over repetitions";
    r.diff_ns = r.stat == "p50" ? 1800 : 3700;
    r.diff_ci = Interval{r.diff_ns - 100, r.diff_ns + 100};
    run.ratios.push_back(r);
  }
  return run;
}

TEST(Json, IntervalCarriesTheTailPercentiles) {
  const auto j = to_json(run_with_intervals());
  const auto& iv = j.at("cases").at(0).at("interval");
  EXPECT_EQ(iv.at("method"), "t interval over repetitions (log scale)");
  EXPECT_EQ(iv.at("p50_ns"), json::array({1100.0, 1300.0}));
  EXPECT_EQ(iv.at("p90_ns"), json::array({1400.0, 1600.0}));
  EXPECT_EQ(iv.at("p99_ns"), json::array({1450.0, 1900.0}));
  ASSERT_TRUE(iv.contains("p999_ns"));  // written, as null: there is none
  EXPECT_TRUE(iv.at("p999_ns").is_null());
}

TEST(Json, RatiosSayWhichStatistic) {
  const auto j = to_json(run_with_intervals());
  const auto& ratios = j.at("ratios");
  ASSERT_EQ(ratios.size(), 2u);
  EXPECT_EQ(ratios.at(0).at("stat"), "p50");
  EXPECT_EQ(ratios.at(1).at("stat"), "p99");
  EXPECT_DOUBLE_EQ(ratios.at(1).at("ratio").get<double>(), 3.5);
  EXPECT_EQ(ratios.at(1).at("interval"), json::array({3.25, 4.0}));
  EXPECT_DOUBLE_EQ(ratios.at(1).at("difference_ns").get<double>(), 3700.0);
}

TEST(Json, RawSamplesPastTheCapAreNullAndTheHistogramRemains) {
  RunResult run = sample_run();
  auto& rep = run.cases[0].repetitions[0];
  rep.raw_kept = false;
  rep.samples_ns.clear();
  const auto j = to_json(run);
  const auto& r = j.at("cases").at(0).at("repetitions").at(0);
  EXPECT_TRUE(r.at("samples_ns").is_null());
  EXPECT_EQ(r.at("histogram").at("count"), 3);
}

TEST(Json, NonFiniteStatisticsAreNull) {
  const auto j = to_json(sample_run());
  const auto& bad = j.at("cases").at(1).at("repetitions").at(0);
  EXPECT_TRUE(bad.at("latency_ns").at("mean").is_null());
  EXPECT_TRUE(bad.at("latency_ns").at("stddev").is_null());
  EXPECT_TRUE(bad.at("throughput_per_s").is_null());
  // The case part is all ours (no machine strings that might contain "inf" by chance).
  const std::string cases = j.at("cases").dump();
  EXPECT_FALSE(contains(cases, "nan")) << cases;
  EXPECT_FALSE(contains(cases, "inf")) << cases;
  // The whole document goes through a strict parser, which has no NaN or Infinity.
  EXPECT_TRUE(json::accept(j.dump()));
}

TEST(Json, PasswordNeverWritten) {
  const std::string text = to_json(sample_run()).dump(1);
  EXPECT_FALSE(contains(text, "s3cret"));
  EXPECT_TRUE(contains(text, "password=***"));
}

TEST(Json, InterruptedCaseStatus) {
  RunResult run = sample_run();
  run.status = RunStatus::interrupted;
  run.cases[0].repetitions[0].interrupted = true;
  const auto j = to_json(run);
  EXPECT_EQ(j.at("status"), "interrupted");
  EXPECT_EQ(j.at("cases").at(0).at("status"), "interrupted");
}

TEST(WriteFileAtomic, WritesAndLeavesNoTempFile) {
  TempDir dir;
  const std::string path = dir.file("run.json");
  const std::string first = to_json(sample_run()).dump(1) + "\n";
  write_file_atomic(path, first);
  EXPECT_EQ(read_file(path), first);
  // Rewritten after every case: the second write replaces the first completely.
  write_file_atomic(path, "{}\n");
  EXPECT_EQ(read_file(path), "{}\n");

  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir.path()))
    names.push_back(e.path().filename().string());
  EXPECT_EQ(names, std::vector<std::string>{"run.json"});
}

TEST(WriteFileAtomic, MissingDirectoryThrows) {
  TempDir dir;
  EXPECT_THROW(write_file_atomic(dir.file("no/such/dir/run.json"), "{}"), std::runtime_error);
  EXPECT_TRUE(fs::is_empty(dir.path()));
}

Export json_export(const std::string& path) {
  return Export("--out", path, serialize_json, is_json_file);
}

TEST(CheckWritable, AcceptsWritableAndCreatesMissingDirs) {
  TempDir dir;
  auto a = json_export(dir.file("run.json")), b = json_export(dir.file("runs/nested/run.json"));
  EXPECT_NO_THROW(check_writable(a));
  EXPECT_NO_THROW(check_writable(b));
  EXPECT_TRUE(fs::is_directory(fs::path(dir.path()) / "runs" / "nested"));
  EXPECT_FALSE(fs::exists(fs::path(dir.path()) / "run.json"));          // only probed, not created
  EXPECT_TRUE(fs::is_empty(fs::path(dir.path()) / "runs" / "nested"));  // the probe file is gone
  EXPECT_FALSE(a.existed);
}

TEST(CheckWritable, RejectsUncreatableDirAndDirectories) {
  TempDir dir;
  auto proc = json_export("/proc/wpbench-nope/x.json"), d = json_export(dir.path()),
       slash = json_export(dir.path() + "/");
  EXPECT_THROW(check_writable(proc), std::runtime_error);
  EXPECT_THROW(check_writable(d), std::invalid_argument);
  EXPECT_THROW(check_writable(slash), std::invalid_argument);
}

// A device, a FIFO or a file wpbench did not write is never replaced: as root, `--out /dev/full`
// once turned the device into a JSON file (a temp file renamed over it).
TEST(CheckWritable, RefusesWhatIsNotItsOwnRegularFile) {
  TempDir dir;
  const std::string fifo = dir.file("fifo"), notes = dir.file("notes.json");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  std::ofstream(notes) << "{\"mine\": true}\n";
  for (const std::string& path :
       {std::string("/dev/full"), std::string("/dev/null"), fifo, notes}) {
    auto e = json_export(path);
    EXPECT_THROW(check_writable(e), std::invalid_argument) << path;
  }
  struct stat st {};
  ASSERT_EQ(stat("/dev/full", &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  EXPECT_EQ(read_file(notes), "{\"mine\": true}\n");
  // Its own earlier result, and an empty file (mktemp's), may be replaced.
  const std::string own = dir.file("own.json"), empty = dir.file("empty.json");
  write_file_atomic(own, serialize_json(sample_run()));
  std::ofstream{empty};
  for (const std::string& path : {own, empty}) {
    auto e = json_export(path);
    EXPECT_NO_THROW(check_writable(e)) << path;
    EXPECT_TRUE(e.existed);
  }
}

// A symlink given as the output stays a link; the result goes to the file it points to.
TEST(CheckWritable, WritesThroughASymlink) {
  TempDir dir;
  const std::string target = dir.file("real/run.json"), link = dir.file("latest.json");
  fs::create_directories(dir.file("real"));
  fs::create_symlink(target, link);
  std::vector<Export> exports{json_export(link)};
  check_exports(exports);
  EXPECT_EQ(exports[0].target, target);
  ExportLog written(exports);
  written.write(sample_run(), 1, 1);
  ASSERT_TRUE(written.ok()) << written.failure();
  EXPECT_TRUE(fs::is_symlink(link));
  EXPECT_EQ(json::parse(read_file(target)).at("tool"), "wpbench");
}

// Two runs with the same output path: the second's first write finds the file there and takes
// the next free name instead of replacing it.
TEST(ExportLog, FirstWriteNeverReplacesAFileThatAppeared) {
  TempDir dir;
  std::vector<Export> exports{json_export(dir.file("run.json"))};
  check_exports(exports);
  const std::string other = serialize_json(sample_run());
  write_file_atomic(dir.file("run.json"), other);  // another run got there first
  ExportLog written(exports);
  written.write(sample_run(), 1, 3);
  ASSERT_TRUE(written.ok()) << written.failure();
  EXPECT_EQ(written.primary_path(), dir.file("run-2.json"));
  EXPECT_EQ(read_file(dir.file("run.json")), other);
  EXPECT_TRUE(fs::exists(dir.file("run-2.json")));
}

std::string failing_after_first(const RunResult& run) {
  static int calls = 0;
  if (++calls > 1) throw std::runtime_error("No space left on device");
  return serialize_json(run);
}

// A failed write does not lose the file's last good content, and the log says what it holds.
TEST(ExportLog, AFailedWriteKeepsTheLastGoodFileAndSaysSo) {
  TempDir dir;
  std::vector<Export> exports{Export("--out", dir.file("r.json"), failing_after_first)};
  check_exports(exports);
  ExportLog written(exports);
  written.write(sample_run(), 2, 6);
  ASSERT_TRUE(written.ok());
  const std::string good = read_file(dir.file("r.json"));
  written.write(sample_run(), 3, 6);
  EXPECT_FALSE(written.ok());
  EXPECT_EQ(read_file(dir.file("r.json")), good);
  EXPECT_NE(written.failure().find("No space left on device"), std::string::npos);
  EXPECT_NE(written.failure().find("holds the result as of 2 of 6 case runs"), std::string::npos)
      << written.failure();
}

// scripts/validate-result against results/wpbench-result.schema.json: the schema must accept
// what the writer emits and refuse what it never would.
class Validate : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(std::system("/usr/bin/python3 -c 'import jsonschema' >/dev/null 2>&1"), 0)
        << "the schema tests need Debian's python3-jsonschema";
  }

  // The validator's exit code for `doc`; its output goes to `output_`.
  int validate(const std::string& text) {
    const std::string path = dir_.file("result.json");
    write_file_atomic(path, text);
    const std::string log = dir_.file("validate.log");
    const std::string cmd = "/usr/bin/python3 '" WPBENCH_SOURCE_DIR "/scripts/validate-result' '" +
                            path + "' >'" + log + "' 2>&1";
    const int status = std::system(cmd.c_str());
    output_ = read_file(log);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  int validate(const json& doc) { return validate(doc.dump(1)); }

  TempDir dir_;
  std::string output_;
};

TEST_F(Validate, AcceptsWriterOutput) {
  EXPECT_EQ(validate(to_json(sample_run())), 0) << output_;
  EXPECT_TRUE(contains(output_, "OK ")) << output_;
}

TEST_F(Validate, AcceptsTailIntervalsAndP99Ratios) {
  EXPECT_EQ(validate(to_json(run_with_intervals())), 0) << output_;
  // Older files of version 3 have neither.
  auto j = to_json(run_with_intervals());
  for (const char* key : {"p90_ns", "p99_ns", "p999_ns"}) j["cases"][0]["interval"].erase(key);
  j["ratios"].erase(1);
  EXPECT_EQ(validate(j), 0) << output_;
}

TEST_F(Validate, RejectsBadTailIntervalsAndStats) {
  auto j = to_json(run_with_intervals());
  j["cases"][0]["interval"]["p99_ns"] = json::array({1450.0});  // an interval is [lo, hi]
  EXPECT_EQ(validate(j), 2) << output_;
  j = to_json(run_with_intervals());
  j["cases"][0]["interval"]["p75_ns"] = json::array({1.0, 2.0});  // not a field of the format
  EXPECT_EQ(validate(j), 2) << output_;
  j = to_json(run_with_intervals());
  j["ratios"][1]["stat"] = "p75";
  EXPECT_EQ(validate(j), 2) << output_;
}

TEST_F(Validate, AcceptsEmptyPartialRun) {
  // Written before the first case finishes: no cases, no server, no SQLite.
  RunResult run;
  run.context = collect_context();
  run.settings.table = "t";
  EXPECT_EQ(validate(to_json(run)), 0) << output_;
}

TEST_F(Validate, AcceptsCaseWithoutSamples) {
  RunResult run = sample_run();
  CaseResult c = failed_case();
  c.samples_ns.clear();
  c.latency = summarize(c.samples_ns);
  c.throughput_per_s = 0;
  run.cases = {report_of(c)};
  EXPECT_EQ(validate(to_json(run)), 0) << output_;
}

TEST_F(Validate, RejectsOtherSchemaVersion) {
  auto j = to_json(sample_run());
  j["schema_version"] = 999;
  EXPECT_EQ(validate(j), 2) << output_;
  EXPECT_TRUE(contains(output_, "schema_version")) << output_;
}

TEST_F(Validate, RejectsMissingCases) {
  auto j = to_json(sample_run());
  j.erase("cases");
  EXPECT_EQ(validate(j), 2) << output_;
  EXPECT_TRUE(contains(output_, "cases")) << output_;
}

TEST_F(Validate, RejectsBadCaseFields) {
  auto j = to_json(sample_run());
  j["cases"][0]["status"] = "fine";
  EXPECT_EQ(validate(j), 2) << output_;

  j = to_json(sample_run());
  j["cases"][0]["repetitions"][0]["samples_ns"][1] = 1.5;  // samples are whole nanoseconds
  EXPECT_EQ(validate(j), 2) << output_;

  j = to_json(sample_run());
  j["cases"][0]["latency_ns"].erase("p999");
  EXPECT_EQ(validate(j), 2) << output_;

  j = to_json(sample_run());
  j["cases"][0]["repetitions"][0]["cpu_ns"] = -1;  // never negative
  EXPECT_EQ(validate(j), 2) << output_;

  j = to_json(sample_run());
  j["cases"][0]["surprise"] = 1;  // unknown fields mean the schema is out of date
  EXPECT_EQ(validate(j), 2) << output_;
}

TEST_F(Validate, RejectsNonStrictJson) {
  std::string text = to_json(sample_run()).dump(1);
  const auto pos = text.find("\"throughput_per_s\": ");  // the first case's
  ASSERT_NE(pos, std::string::npos);
  const auto start = pos + std::string("\"throughput_per_s\": ").size();
  text.replace(start, text.find(',', start) - start, "NaN");
  EXPECT_EQ(validate(text), 2) << output_;
  EXPECT_EQ(validate(std::string("{\"schema_version\": 1,")), 2) << output_;
}

TEST_F(Validate, ErrorIsOneLine) {
  auto j = to_json(sample_run());
  j["status"] = "done";
  EXPECT_EQ(validate(j), 2);
  ASSERT_FALSE(output_.empty());
  EXPECT_EQ(output_.find('\n'), output_.size() - 1) << output_;
  EXPECT_EQ(output_.rfind("validate-result: ", 0), 0u) << output_;
}

}  // namespace
}  // namespace wpbench
