// The runner with a fake clock against a real SQLite file: what it times, how often it reads the
// clock, and how it ends a case early, all checkable exactly because time is under our control.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

#include "core/driver.hpp"
#include "db/schema.hpp"
#include "drivers/registry.hpp"
#include "measure/recorder.hpp"
#include "measure/runner.hpp"
#include "sys/temp_dir.hpp"

namespace fs = std::filesystem;

namespace wpbench {
namespace {

constexpr std::chrono::nanoseconds kStep{1000};

// Every read advances time by one step, so any interval between two consecutive reads is one
// step, however long the insert between them really took.
class FakeClock final : public Clock {
 public:
  std::chrono::nanoseconds now() override {
    ++reads_;
    t_ += kStep;
    if (on_read_) on_read_(reads_);
    return t_;
  }
  /// Open loop waits here: time jumps to `t`, no read is counted.
  void sleep_until(std::chrono::nanoseconds t) override {
    if (t > t_) t_ = t;
  }
  /// A stall: time moves on by `d` without a read.
  void advance(std::chrono::nanoseconds d) { t_ += d; }
  int reads() const { return reads_; }
  /// Called after every read with the number of reads so far.
  void on_read(std::function<void(int)> f) { on_read_ = std::move(f); }

 private:
  std::chrono::nanoseconds t_{1000000};
  int reads_ = 0;
  std::function<void(int)> on_read_;
};

class RunnerFakeClock : public ::testing::Test {
 protected:
  void SetUp() override {
    endpoint_ = Endpoint{Transport::file, dir_.file("wpbench.sqlite"), "wpbench_trade_decisions",
                         SqliteSettings{}};
    ensure_table(Backend::sqlite, endpoint_);
    cfg_.samples = 50;
    cfg_.warmup = 5;
  }

  TempDir dir_;
  Endpoint endpoint_;
  RunConfig cfg_;
  FakeClock clock_;
  std::atomic<bool> stop_{false};
};

TEST_F(RunnerFakeClock, EverySampleIsOneStep) {
  const CaseResult r = run_case(find_case("sqlite3/prepared/file"), endpoint_, cfg_, clock_, stop_);
  ASSERT_FALSE(r.error) << *r.error;
  EXPECT_EQ(r.name, "sqlite3/prepared/file");
  EXPECT_EQ(r.driver, "sqlite3");
  EXPECT_EQ(r.variant, "prepared");
  EXPECT_EQ(r.transport, "file");
  EXPECT_EQ(r.round_trips, 0);
  EXPECT_EQ(r.samples_requested, 50u);

  // runner.cpp reads the clock twice around the connect, once at the start of the measured
  // phase and twice around each measured insert; warm-up is not timed.
  EXPECT_EQ(clock_.reads(), 2 + 1 + 2 * 50);
  ASSERT_EQ(r.samples_ns.size(), 50u);
  for (const auto s : r.samples_ns) EXPECT_EQ(s, kStep.count());
  EXPECT_EQ(r.connect_ns, kStep.count());
  // Elapsed runs from the start of the measured phase to the end of the last insert.
  EXPECT_EQ(r.elapsed_ns, 2 * 50 * kStep.count());

  EXPECT_EQ(r.latency.count, 50u);
  EXPECT_EQ(r.latency.p50_ns, kStep.count());
  EXPECT_EQ(r.latency.p999_ns, kStep.count());
  EXPECT_EQ(r.latency.min_ns, kStep.count());
  EXPECT_EQ(r.latency.max_ns, kStep.count());
  EXPECT_DOUBLE_EQ(r.latency.mean_ns, static_cast<double>(kStep.count()));
  EXPECT_EQ(r.latency.stddev_ns, 0.0);
  EXPECT_DOUBLE_EQ(r.throughput_per_s, 50 * 1e9 / static_cast<double>(r.elapsed_ns));

  ASSERT_TRUE(r.verification);
  EXPECT_TRUE(r.verification->ok) << r.verification->message;
  EXPECT_EQ(r.verification->rows_expected, 55u);  // warm-up rows are real rows too
  EXPECT_EQ(r.verification->rows_found, 55u);
  EXPECT_FALSE(r.interrupted);
  EXPECT_TRUE(r.ok());
}

TEST_F(RunnerFakeClock, SecondRunStartsFromEmptyTable) {
  // Each case resets the table, so verification accounts for exactly its own rows.
  run_case(find_case("sqlite3/prepared/file"), endpoint_, cfg_, clock_, stop_);
  const CaseResult r = run_case(find_case("sqlite3/prepared/file"), endpoint_, cfg_, clock_, stop_);
  ASSERT_TRUE(r.verification);
  EXPECT_TRUE(r.verification->ok) << r.verification->message;
  EXPECT_EQ(r.verification->rows_found, 55u);
}

TEST_F(RunnerFakeClock, StopAlreadySetTakesNoSamples) {
  stop_ = true;
  const CaseResult r = run_case(find_case("sqlite3/prepared/file"), endpoint_, cfg_, clock_, stop_);
  EXPECT_FALSE(r.error);
  EXPECT_TRUE(r.interrupted);
  EXPECT_TRUE(r.samples_ns.empty());
  EXPECT_EQ(r.latency.count, 0u);
  EXPECT_EQ(r.throughput_per_s, 0.0);
  ASSERT_TRUE(r.verification);
  EXPECT_EQ(r.verification->rows_expected, 0u);  // not even warm-up ran
  EXPECT_EQ(r.verification->rows_found, 0u);
  EXPECT_FALSE(r.ok());
}

TEST_F(RunnerFakeClock, StopMidRunKeepsWhatWasMeasured) {
  // Raise the flag right after the 10th sample's second read (2 connect + 1 start + 2 * 10).
  clock_.on_read([this](int reads) {
    if (reads == 2 + 1 + 2 * 10) stop_ = true;
  });
  const CaseResult r = run_case(find_case("sqlite3/prepared/file"), endpoint_, cfg_, clock_, stop_);
  EXPECT_FALSE(r.error);
  EXPECT_TRUE(r.interrupted);
  EXPECT_EQ(r.samples_ns.size(), 10u);
  EXPECT_EQ(r.latency.p50_ns, kStep.count());
  ASSERT_TRUE(r.verification);
  EXPECT_TRUE(r.verification->ok) << r.verification->message;
  EXPECT_EQ(r.verification->rows_expected, 15u);
  EXPECT_FALSE(r.ok());
}

TEST_F(RunnerFakeClock, DatabaseErrorLandsInResult) {
  // A table that does not exist: run_case must report, not throw.
  Endpoint missing = endpoint_;
  missing.table = "wpbench_no_such_table";
  CaseResult r;
  ASSERT_NO_THROW(r = run_case(find_case("sqlite3/prepared/file"), missing, cfg_, clock_, stop_));
  ASSERT_TRUE(r.error);
  EXPECT_NE(r.error->find("no such table"), std::string::npos) << *r.error;
  EXPECT_FALSE(r.interrupted);  // an error is not an interruption
  EXPECT_TRUE(r.samples_ns.empty());
  ASSERT_TRUE(r.verification);
  EXPECT_FALSE(r.verification->ok);
  EXPECT_FALSE(r.ok());
}

TEST_F(RunnerFakeClock, RawSamplesPastTheCapAreDroppedAndTheHistogramKeepsThem) {
  cfg_.raw_samples_max = 20;
  const CaseResult r = run_case(find_case("sqlite3/prepared/file"), endpoint_, cfg_, clock_, stop_);
  EXPECT_TRUE(r.ok());
  EXPECT_FALSE(r.raw_kept);
  EXPECT_TRUE(r.samples_ns.empty());  // all dropped: a prefix would bias every statistic
  EXPECT_EQ(r.samples, 50u);
  EXPECT_EQ(r.histogram.count(), 50u);
  EXPECT_EQ(r.latency.count, 50u);
  EXPECT_EQ(r.latency.p50_ns, kStep.count());  // from the histogram: exact below 2048 ns
}

// Open loop at 1000 inserts/s (one every 1 ms) with one 10 ms stall: the inserts scheduled during
// the stall waited behind it, and count from their intended start, as wrk2 and pgbench -R do.
// Closed loop would show one slow sample and hide the queue (coordinated omission).
TEST_F(RunnerFakeClock, OpenLoopCountsFromTheIntendedStartSoAStallIsNotHidden) {
  cfg_.rate_per_s = 1000;
  // Open loop reads the clock three times a sample: waiting for the intended start, and around
  // the insert. The stall comes at the 11th measured insert's last read.
  const int stall_at = 2 + 1 + 3 * 10 + 3;
  clock_.on_read([this](int reads) {
    if (reads == stall_at) clock_.advance(std::chrono::milliseconds(10));
  });
  const CaseResult r = run_case(find_case("sqlite3/prepared/file"), endpoint_, cfg_, clock_, stop_);
  ASSERT_TRUE(r.ok()) << r.error.value_or("");
  ASSERT_EQ(r.samples_ns.size(), 50u);
  // On schedule: the read that starts the insert (one step of lag) and one of service time.
  EXPECT_EQ(r.samples_ns[1], 2 * kStep.count());
  // The stalled insert took 10 ms; the nine scheduled in that time queued behind it.
  EXPECT_GE(r.samples_ns[10], 10'000'000);
  int slow = 0;
  for (const auto s : r.samples_ns) slow += s > 1'000'000 ? 1 : 0;
  EXPECT_EQ(slow, 10);
  EXPECT_GT(r.samples_ns[11], 9'000'000);  // started 9 ms late
  EXPECT_LT(r.samples_ns[20], 1'000'000);  // caught up
  ASSERT_TRUE(r.schedule_lag);
  EXPECT_GT(r.schedule_lag->max_ns, 9'000'000);
  EXPECT_EQ(r.schedule_lag->p50_ns, kStep.count());
  // 50 inserts at 1 ms spacing: the phase lasts about 49 ms, not 50 steps.
  EXPECT_GT(r.elapsed_ns, 49'000'000);
}

TEST_F(RunnerFakeClock, ClosedLoopHidesTheSameStallInOneSample) {
  const int stall_at = 2 + 1 + 2 * 10 + 2;
  clock_.on_read([this](int reads) {
    if (reads == stall_at) clock_.advance(std::chrono::milliseconds(10));
  });
  const CaseResult r = run_case(find_case("sqlite3/prepared/file"), endpoint_, cfg_, clock_, stop_);
  int slow = 0;
  for (const auto s : r.samples_ns) slow += s > 1'000'000 ? 1 : 0;
  EXPECT_EQ(slow, 1);
  EXPECT_FALSE(r.schedule_lag);
}

// A recorder reserves room for its raw samples so none reallocates between two inserts; a copy
// would get only their size as capacity, so copies are refused and a move hands the buffer on.
TEST(Recorder, MovesKeepTheReservedBufferAndCopiesAreRefused) {
  EXPECT_FALSE(std::is_copy_constructible_v<Recorder>);
  EXPECT_FALSE(std::is_copy_assignable_v<Recorder>);
  EXPECT_TRUE(std::is_nothrow_move_constructible_v<Recorder>);
  Recorder a(1000, false);
  a.record(0, 5);
  const std::int64_t* buffer = a.raw().data();
  const Recorder b = std::move(a);
  EXPECT_EQ(b.raw().data(), buffer);
  EXPECT_GE(b.raw().capacity(), 1000u);
  EXPECT_EQ(b.count(), 1u);
}

}  // namespace
}  // namespace wpbench
