// The histogram against exact statistics of the same samples (harness/stats/stats.hpp), its layout
// against the bound it promises, and the time series; no timing.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "stats/histogram.hpp"
#include "stats/stats.hpp"
#include "stats/timeseries.hpp"

namespace wpbench {
namespace {

using H = LatencyHistogram;

const std::vector<double> kPercentiles = {0, 1, 10, 25, 50, 75, 90, 99, 99.9, 99.99, 100};

H record_all(const std::vector<std::int64_t>& samples) {
  H h;
  for (const auto v : samples) h.record(v);
  return h;
}

// Every percentile of the histogram is the exact one or above it by less than 0.1 %: the bucket
// holding the rank is the exact sample's, and its highest value is less than 1/1024 above.
void expect_percentiles_within_0_1_percent(std::vector<std::int64_t> samples) {
  const H h = record_all(samples);
  std::sort(samples.begin(), samples.end());
  for (const double p : kPercentiles) {
    const std::int64_t exact = percentile_sorted(samples, p);
    const std::int64_t got = h.percentile(p);
    EXPECT_GE(got, exact) << "p" << p;
    EXPECT_LE((got - exact) * 1000, exact) << "p" << p << " exact " << exact << " got " << got;
  }
  EXPECT_EQ(h.percentile(0), samples.front());
  EXPECT_EQ(h.percentile(100), samples.back());
}

// Two passes in long double: the reference for stddev() (stats.cpp's one-pass Welford in double
// drifts when the mean is large next to the spread).
double two_pass_stddev(const std::vector<std::int64_t>& samples) {
  long double sum = 0;
  for (const auto v : samples) sum += v;
  const long double mean = sum / samples.size();
  long double m2 = 0;
  for (const auto v : samples) m2 += (v - mean) * (v - mean);
  return static_cast<double>(std::sqrt(m2 / (samples.size() - 1)));
}

std::vector<std::int64_t> lognormal_latencies(std::size_t n) {
  std::mt19937_64 rng(42);
  std::lognormal_distribution<double> body(std::log(300e3), 0.6);  // median 300 µs
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<std::int64_t> v;
  v.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    double x = body(rng);
    // 1 % from a Pareto tail (alpha 1.2) starting at 1 ms: the checkpoint and fsync stalls.
    if (u(rng) < 0.01) x = 1e6 * std::pow(1.0 - u(rng), -1.0 / 1.2);
    v.push_back(static_cast<std::int64_t>(std::clamp(x, 50e3, 50e6)));
  }
  return v;
}

TEST(Histogram, LayoutIsContiguousAndEveryBucketWithinOneIn1024) {
  std::int64_t previous_highest = -1;
  for (std::size_t i = 0; i < H::kCountsLength; ++i) {
    const ValueRange r = H::value_range(i);
    ASSERT_EQ(r.lowest, previous_highest + 1) << "index " << i;
    ASSERT_LE(r.lowest, r.highest);
    ASSERT_EQ(H::counts_index(r.lowest), i);
    ASSERT_EQ(H::counts_index(r.highest), i);
    const std::int64_t width = r.highest - r.lowest + 1;
    if (r.lowest < H::kSubBucketCount) {
      ASSERT_EQ(width, 1) << "index " << i;
    } else {
      ASSERT_LE(width * 1024, r.lowest) << "index " << i;
    }
    previous_highest = r.highest;
  }
  EXPECT_EQ(previous_highest, H::kHighestTrackableNs);
  EXPECT_GE(H::kHighestTrackableNs, 60'000'000'000);
  EXPECT_EQ(H::counts_index(H::kHighestTrackableNs + 1), H::kCountsLength);
  EXPECT_GE(H::counts_index(std::numeric_limits<std::int64_t>::max()), H::kCountsLength);
  EXPECT_THROW(H::value_range(H::kCountsLength), std::invalid_argument);
}

TEST(Histogram, PercentilesOfLognormalLatenciesWithinOneInThousandOfExact) {
  auto samples = lognormal_latencies(1'000'000);
  expect_percentiles_within_0_1_percent(samples);

  const H h = record_all(samples);
  const LatencySummary exact = summarize(samples);
  const LatencySummary got = summarize(h);
  EXPECT_EQ(got.count, exact.count);
  EXPECT_EQ(got.min_ns, exact.min_ns);
  EXPECT_EQ(got.max_ns, exact.max_ns);
  EXPECT_NEAR(got.mean_ns, exact.mean_ns, exact.mean_ns * 1e-12);
  EXPECT_NEAR(got.stddev_ns, exact.stddev_ns, exact.stddev_ns * 1e-9);
  EXPECT_NEAR(got.stddev_ns, two_pass_stddev(samples), exact.stddev_ns * 1e-12);
  EXPECT_EQ(got.p50_ns, h.percentile(50));
  EXPECT_EQ(got.p999_ns, h.percentile(99.9));
  EXPECT_GE(got.p99_ns, exact.p99_ns);
  EXPECT_LE((got.p99_ns - exact.p99_ns) * 1000, exact.p99_ns);
}

TEST(Histogram, ValuesBelow2048AreExact) {
  std::mt19937_64 rng(7);
  std::vector<std::int64_t> samples;
  for (int i = 0; i < 100'000; ++i) samples.push_back(static_cast<std::int64_t>(rng() % 2048));
  const H h = record_all(samples);
  std::sort(samples.begin(), samples.end());
  for (const double p : kPercentiles) {
    EXPECT_EQ(h.percentile(p), percentile_sorted(samples, p)) << "p" << p;
  }
  for (const double p : {0.0001, 33.3333, 66.6667, 99.9999}) {
    EXPECT_EQ(h.percentile(p), percentile_sorted(samples, p)) << "p" << p;
  }
}

TEST(Histogram, ValuesNearSixtySecondsWithinOneInThousand) {
  std::mt19937_64 rng(11);
  std::vector<std::int64_t> samples;
  for (int i = 0; i < 10'000; ++i) {
    samples.push_back(59'000'000'000 + static_cast<std::int64_t>(rng() % 2'000'000'000));
  }
  expect_percentiles_within_0_1_percent(samples);
}

TEST(Histogram, RankMatchesStatsForSmallCounts) {
  // Every n up to 40 and awkward p: the rank arithmetic must be stats.cpp's to the letter.
  for (std::int64_t n = 1; n <= 40; ++n) {
    std::vector<std::int64_t> samples;
    for (std::int64_t i = 1; i <= n; ++i) samples.push_back(i * 50);  // < 2048: exact
    const H h = record_all(samples);
    for (const double p : {0.0, 0.0001, 2.5, 10.0, 33.3333, 50.0, 90.0, 99.0, 99.9, 100.0}) {
      ASSERT_EQ(h.percentile(p), percentile_sorted(samples, p)) << "n " << n << " p" << p;
    }
  }
  // ppm * n = 1000001: the rounding-up constant decides between rank 1 and rank 2.
  std::vector<std::int64_t> samples(1'000'001, 1);
  samples[0] = 0;
  const H h = record_all(samples);
  EXPECT_EQ(percentile_sorted(samples, 0.0001), 1);
  EXPECT_EQ(h.percentile(0.0001), 1);
}

TEST(Histogram, TenMillionSamplesInFixedMemory) {
  H h;
  const std::size_t at_start = h.memory_bytes();
  std::mt19937_64 rng(3);
  for (int i = 0; i < 10'000'000; ++i) h.record(static_cast<std::int64_t>(rng() % 100'000'000));
  EXPECT_EQ(h.count(), 10'000'000u);
  EXPECT_EQ(h.memory_bytes(), at_start);
  EXPECT_LT(h.memory_bytes(), std::size_t{4} << 20);
  EXPECT_GT(h.memory_bytes(), std::size_t{100} << 10);  // the counts array really is in it
}

TEST(Histogram, StddevExactForTinySpreadAroundLargeValue) {
  // 60 s + {0, 1, 2} ns: squares of the raw values (3.6e21) would cancel to noise in a long
  // double. Known answer: m2 = n * 2/3, so stddev = sqrt(200000 / 299999).
  H h;
  for (int i = 0; i < 300'000; ++i) h.record(60'000'000'000 + i % 3);
  EXPECT_NEAR(h.stddev(), std::sqrt(200'000.0 / 299'999.0), 1e-12);
  EXPECT_DOUBLE_EQ(h.mean(), 60'000'000'001.0);
  EXPECT_NEAR(H::from_json(h.to_json()).stddev(), h.stddev(), 1e-12);
}

TEST(Histogram, OverflowCountedAndStillExactInMinMaxMean) {
  H h;
  h.record(5'000'000);
  h.record(6'000'000);
  h.record(200'000'000'000);  // 200 s and 300 s: above the highest trackable value
  h.record(300'000'000'000);
  EXPECT_EQ(h.count(), 4u);
  EXPECT_EQ(h.overflow(), 2u);
  EXPECT_EQ(h.min(), 5'000'000);
  EXPECT_EQ(h.max(), 300'000'000'000);
  EXPECT_DOUBLE_EQ(h.mean(), (5e6 + 6e6 + 200e9 + 300e9) / 4);
  EXPECT_EQ(h.percentile(0), 5'000'000);
  EXPECT_EQ(h.percentile(50), H::value_range(H::counts_index(6'000'000)).highest);
  EXPECT_EQ(h.percentile(75), 300'000'000'000);  // rank 3, an overflow sample: read as max
  EXPECT_EQ(h.percentile(100), 300'000'000'000);
  EXPECT_EQ(h.to_json()["overflow"], 2);
  EXPECT_EQ(h.to_json()["buckets"].size(), 2u);  // overflow samples are in no bucket
  const double exact = two_pass_stddev({5'000'000, 6'000'000, 200'000'000'000, 300'000'000'000});
  EXPECT_NEAR(h.stddev(), exact, exact * 1e-12);
}

TEST(Histogram, FirstSampleAnOverflowKeepsStddevExact) {
  // The squares are taken around the first sample; an overflow one must not push later tracked
  // samples' squares out of their exact integer sum.
  std::vector<std::int64_t> samples = {std::numeric_limits<std::int64_t>::max() / 2};
  for (int i = 0; i < 1000; ++i) samples.push_back(100'000 + i);
  const H h = record_all(samples);
  const double exact = two_pass_stddev(samples);
  EXPECT_NEAR(h.stddev(), exact, exact * 1e-12);
  EXPECT_NEAR(H::from_json(h.to_json()).stddev(), exact, exact * 1e-12);
  // Rank 501 of 1001 is 100500, read as its bucket's highest value.
  EXPECT_EQ(h.percentile(50), H::value_range(H::counts_index(100'500)).highest);
}

TEST(Histogram, BadInputIsRefused) {
  H h;
  EXPECT_THROW(h.record(-1), std::invalid_argument);
  EXPECT_EQ(h.count(), 0u);
  EXPECT_THROW(h.percentile(50), std::invalid_argument);
  h.record(10);
  EXPECT_THROW(h.percentile(-0.1), std::invalid_argument);
  EXPECT_THROW(h.percentile(100.1), std::invalid_argument);
  EXPECT_EQ(h.percentile(50), 10);
}

TEST(Histogram, EmptySummaryIsAllZero) {
  const LatencySummary s = summarize(H{});
  EXPECT_EQ(s.count, 0u);
  EXPECT_EQ(s.min_ns, 0);
  EXPECT_EQ(s.max_ns, 0);
  EXPECT_EQ(s.p99_ns, 0);
  EXPECT_EQ(s.mean_ns, 0.0);
  EXPECT_EQ(s.stddev_ns, 0.0);
}

// Everything but m2, which two summation orders may round differently in the last bit.
nlohmann::ordered_json without_m2(nlohmann::ordered_json j) {
  j.erase("m2");
  return j;
}

TEST(Histogram, MergeOfTwoHalvesEqualsRecordingAll) {
  auto samples = lognormal_latencies(200'000);
  samples.push_back(150'000'000'000);  // one overflow sample, in the second half
  const std::vector<std::int64_t> first(samples.begin(), samples.begin() + 100'000);
  const std::vector<std::int64_t> second(samples.begin() + 100'000, samples.end());
  H merged = record_all(first);
  merged.merge(record_all(second));
  const H all = record_all(samples);
  EXPECT_EQ(without_m2(merged.to_json()), without_m2(all.to_json()));
  EXPECT_NEAR(merged.stddev(), all.stddev(), all.stddev() * 1e-12);
  EXPECT_EQ(merged.count(), samples.size());
  EXPECT_EQ(merged.overflow(), 1u);

  H from_empty;
  from_empty.merge(all);
  EXPECT_EQ(from_empty.to_json(), all.to_json());
  H unchanged = all;
  unchanged.merge(H{});
  EXPECT_EQ(unchanged.to_json(), all.to_json());
}

TEST(Histogram, JsonRoundTripsExactly) {
  auto samples = lognormal_latencies(50'000);
  samples.push_back(3);
  samples.push_back(70'000'000'000);
  samples.push_back(140'000'000'000);  // overflow
  const H h = record_all(samples);
  const nlohmann::ordered_json j = h.to_json();
  EXPECT_EQ(j["format"], "hdr-log-linear-v1");
  EXPECT_EQ(j["unit"], "ns");
  EXPECT_EQ(j["sub_bucket_count"], 2048);
  EXPECT_EQ(j["count"], samples.size());
  EXPECT_EQ(j["overflow"], 1);
  EXPECT_EQ(j["min"], 3);
  EXPECT_EQ(j["max"], 140'000'000'000);
  std::int64_t sum = 0;
  for (const auto v : samples) sum += v;
  EXPECT_EQ(j["sum"], sum);
  std::size_t previous = 0;
  for (const auto& b : j["buckets"]) {
    ASSERT_GT(b[1].get<std::uint64_t>(), 0u);
    ASSERT_GE(b[0].get<std::size_t>(), previous);
    previous = b[0].get<std::size_t>() + 1;
  }

  // Through text, as a file would carry it, and back.
  const H back = H::from_json(nlohmann::json::parse(j.dump()));
  EXPECT_EQ(back.to_json(), j);
  EXPECT_EQ(back.count(), h.count());
  EXPECT_DOUBLE_EQ(back.stddev(), h.stddev());
  EXPECT_EQ(back.mean(), h.mean());
  for (const double p : kPercentiles) EXPECT_EQ(back.percentile(p), h.percentile(p));

  const H empty = H::from_json(H{}.to_json());
  EXPECT_EQ(empty.count(), 0u);
  EXPECT_EQ(empty.to_json(), H{}.to_json());
}

TEST(Histogram, FromJsonRefusesOtherLayoutsAndBrokenContents) {
  const H h = record_all({1, 2, 3000, 4'000'000});
  const nlohmann::json good = h.to_json();
  auto expect_refused = [](const nlohmann::json& j, const std::string& needle) {
    try {
      H::from_json(j);
      ADD_FAILURE() << "accepted: " << needle;
    } catch (const std::invalid_argument& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find(needle), std::string::npos) << what;
      EXPECT_EQ(what.find('\n'), std::string::npos) << what;
    }
  };
  auto with = [&good](const char* key, const nlohmann::json& value) {
    nlohmann::json j = good;
    j[key] = value;
    return j;
  };
  expect_refused(with("format", "hdr-v2"), "format");
  expect_refused(with("sub_bucket_count", 4096), "sub_bucket_count");
  expect_refused(with("highest_trackable_ns", 3'600'000'000'000), "highest_trackable_ns");
  expect_refused(with("unit", "us"), "unit");
  expect_refused(with("count", 5), "count");
  expect_refused(with("buckets", nlohmann::json::array({{3000000, 1}})), "index");
  expect_refused(with("buckets", nlohmann::json::array({{5, 1}, {2, 3}})), "out of order");
  expect_refused(with("buckets", nlohmann::json::array({{5, 0}})), "count > 0");
  nlohmann::json missing = good;
  missing.erase("buckets");
  expect_refused(missing, "buckets");
  expect_refused(nlohmann::json::array(), "object");
}

// The fixture scripts/wphist.py is tested against (tests/scripts/data/histogram-cpp.json), built
// from integer-only arithmetic on std::mt19937_64's output, which the standard fixes bit for bit.
nlohmann::ordered_json python_fixture() {
  std::mt19937_64 rng(20261124);
  std::vector<std::int64_t> samples = {7, 1500, 61'000'000'000, 150'000'000'000};
  for (int k = 0; k < 1000; ++k) {
    const std::uint64_t x = rng();
    auto v = static_cast<std::int64_t>(20'000 + x % 400'000);                 // 20-420 µs
    if (k % 50 == 0) v += static_cast<std::int64_t>((x >> 32) % 40'000'000);  // tail to 40 ms
    samples.push_back(v);
  }
  const H h = record_all(samples);
  nlohmann::ordered_json j;
  j["comment"] =
      "Written by tests/test_histogram.cpp (Histogram.PythonFixtureIsCurrent, "
      "WPBENCH_WRITE_FIXTURES=1); checked by tests/scripts/test_hist.py";
  j["samples"] = samples;  // so the Python side can record them through its own index function
  j["histogram"] = h.to_json();
  auto percentiles = nlohmann::ordered_json::array();
  for (const double p : kPercentiles) percentiles.push_back({p, h.percentile(p)});
  j["percentiles"] = std::move(percentiles);
  j["mean"] = h.mean();
  j["stddev"] = h.stddev();
  return j;
}

TEST(Histogram, PythonFixtureIsCurrent) {
  const std::string path =
      std::string(WPBENCH_SOURCE_DIR) + "/tests/scripts/data/histogram-cpp.json";
  const nlohmann::ordered_json expected = python_fixture();
  if (std::getenv("WPBENCH_WRITE_FIXTURES") != nullptr) {
    std::ofstream(path) << expected.dump() << "\n";
  }
  std::ifstream in(path);
  ASSERT_TRUE(in) << "missing " << path << "; write it with WPBENCH_WRITE_FIXTURES=1";
  nlohmann::ordered_json stored = nlohmann::ordered_json::parse(in);
  // The floating-point fields may differ in the last bit on another long double; all else exact.
  for (const char* key : {"mean", "stddev"}) {
    EXPECT_NEAR(stored[key].get<double>(), expected[key].get<double>(),
                std::abs(expected[key].get<double>()) * 1e-12)
        << key;
    stored.erase(key);
  }
  EXPECT_NEAR(stored["histogram"]["m2"].get<double>(), expected["histogram"]["m2"].get<double>(),
              expected["histogram"]["m2"].get<double>() * 1e-12);
  stored["histogram"].erase("m2");
  nlohmann::ordered_json current = expected;
  current.erase("mean");
  current.erase("stddev");
  current["histogram"].erase("m2");
  EXPECT_EQ(stored, current) << path
                             << " is stale: the histogram changed; rewrite it with "
                                "WPBENCH_WRITE_FIXTURES=1 and check scripts/wphist.py";
}

TEST(TimeSeries, IntervalsWithEmptySecondsBetween) {
  TimeSeries ts;
  ts.record(0, 100);
  ts.record(999'999'999, 300);
  ts.record(3'500'000'000, 1000);  // seconds 1 and 2 stay empty
  const auto& iv = ts.intervals();
  ASSERT_EQ(iv.size(), 4u);
  EXPECT_EQ(iv[0].count, 2u);
  EXPECT_DOUBLE_EQ(iv[0].mean_ns(), 200.0);
  EXPECT_EQ(iv[0].max_ns, 300);
  EXPECT_EQ(iv[1].count, 0u);
  EXPECT_EQ(iv[1].mean_ns(), 0.0);
  EXPECT_EQ(iv[2].max_ns, 0);
  EXPECT_EQ(iv[3].count, 1u);
  EXPECT_EQ(iv[3].max_ns, 1000);

  ts.record(500'000'000, 900);  // out of order: back into second 0
  EXPECT_EQ(ts.intervals()[0].count, 3u);
  EXPECT_EQ(ts.intervals()[0].max_ns, 900);
  EXPECT_EQ(ts.intervals().size(), 4u);
}

TEST(TimeSeries, JsonIsColumnar) {
  TimeSeries ts;
  ts.record(10, 100);
  ts.record(20, 200);
  ts.record(2'000'000'000, 50);
  const nlohmann::ordered_json j = ts.to_json();
  const auto expected = nlohmann::ordered_json::parse(
      R"({"interval_ns":1000000000,"count":[2,0,1],"mean_ns":[150.0,0.0,50.0],)"
      R"("max_ns":[200,0,50]})");
  EXPECT_EQ(j, expected);
  EXPECT_EQ(j.dump(), expected.dump());  // key order too
  EXPECT_EQ(TimeSeries(250'000'000).to_json().dump(),
            R"({"interval_ns":250000000,"count":[],"mean_ns":[],"max_ns":[]})");
}

TEST(TimeSeries, MergeOfThreadsAddsPerInterval) {
  TimeSeries a, b;
  a.record(100, 10);
  a.record(1'100'000'000, 30);
  b.record(200, 50);
  b.record(4'000'000'000, 70);
  a.merge(b);
  const auto& iv = a.intervals();
  ASSERT_EQ(iv.size(), 5u);
  EXPECT_EQ(iv[0].count, 2u);
  EXPECT_DOUBLE_EQ(iv[0].mean_ns(), 30.0);
  EXPECT_EQ(iv[0].max_ns, 50);
  EXPECT_EQ(iv[1].count, 1u);
  EXPECT_EQ(iv[2].count, 0u);
  EXPECT_EQ(iv[4].max_ns, 70);
  a.record(4'500'000'000, 90);  // recording after a merge that grew the series
  EXPECT_EQ(a.intervals()[4].count, 2u);
  EXPECT_THROW(a.merge(TimeSeries(1'000'000)), std::invalid_argument);
}

TEST(TimeSeries, BadInputIsRefused) {
  EXPECT_THROW(TimeSeries(0), std::invalid_argument);
  TimeSeries ts;
  EXPECT_THROW(ts.record(-1, 10), std::invalid_argument);
  EXPECT_THROW(ts.record(10, -1), std::invalid_argument);
  const auto beyond = static_cast<std::int64_t>(TimeSeries::kMaxIntervals) * 1'000'000'000;
  EXPECT_THROW(ts.record(beyond, 10), std::invalid_argument);
  EXPECT_TRUE(ts.intervals().empty());  // nothing half-recorded
}

}  // namespace
}  // namespace wpbench
