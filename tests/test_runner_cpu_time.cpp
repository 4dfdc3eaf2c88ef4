// The runner's process CPU time (cpu_ns) against a real SQLite file with the real clock: it covers
// the measured phase, and stays 0 when that phase never started.
#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>

#include "core/driver.hpp"
#include "db/schema.hpp"
#include "drivers/registry.hpp"
#include "measure/clock.hpp"
#include "measure/runner.hpp"
#include "sys/temp_dir.hpp"

namespace wpbench {
namespace {

class RunnerCpuTime : public ::testing::Test {
 protected:
  void SetUp() override {
    // synchronous=OFF: this is about CPU accounting, not durability, and fsyncs would only slow
    // the test down.
    SqliteSettings s;
    s.synchronous = "OFF";
    endpoint_ =
        Endpoint{Transport::file, dir_.file("wpbench.sqlite"), "wpbench_trade_decisions", s};
    ensure_table(Backend::sqlite, endpoint_);
    cfg_.samples = 200;
    cfg_.warmup = 5;
  }

  TempDir dir_;
  Endpoint endpoint_;
  RunConfig cfg_;
  SteadyClock clock_;
  std::atomic<bool> stop_{false};
};

TEST_F(RunnerCpuTime, CoversTheMeasuredPhase) {
  const CaseResult r = run_case(find_case("sqlite3/prepared/file"), endpoint_, cfg_, clock_, stop_);
  ASSERT_TRUE(r.ok()) << (r.error ? *r.error : r.verification->message);
  EXPECT_GT(r.cpu_ns, 0);
  // One thread: it cannot use more CPU than the wall time of the phase, give or take the two
  // reads at its edges (read just outside the timed interval) and the clock's granularity.
  EXPECT_LT(r.cpu_ns, r.elapsed_ns + 20'000'000) << "elapsed " << r.elapsed_ns;
}

TEST_F(RunnerCpuTime, ZeroWhenTheMeasuredPhaseNeverStarted) {
  Endpoint missing = endpoint_;
  missing.table = "wpbench_no_such_table";
  const CaseResult r = run_case(find_case("sqlite3/prepared/file"), missing, cfg_, clock_, stop_);
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.cpu_ns, 0);
}

}  // namespace
}  // namespace wpbench
