// --start-at's reading of a time: what it accepts, to the nanosecond, and one clear refusal for
// anything else (no date is normalised into another, no field read past its width).
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "app/options.hpp"

namespace wpbench {
namespace {

std::int64_t ns_since_epoch(const std::string& text) {
  const auto t = parse_start_at(text);
  EXPECT_TRUE(t.has_value()) << text;
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t->time_since_epoch()).count();
}

TEST(StartAt, ReadsUtcTimesAndUnixSeconds) {
  EXPECT_FALSE(parse_start_at("").has_value());
  // 2026-12-01T03:00:00Z: 20788 days after 1970-01-01, plus 3 hours.
  const std::int64_t base = (20788LL * 86400 + 3 * 3600) * 1000000000LL;
  EXPECT_EQ(ns_since_epoch("2026-12-01T03:00:00Z"), base);
  EXPECT_EQ(ns_since_epoch("2026-12-01T03:00:00.5Z"), base + 500000000);
  EXPECT_EQ(ns_since_epoch("2026-12-01T03:00:00.123456789Z"), base + 123456789);
  EXPECT_EQ(ns_since_epoch("1796094000"), base);
  EXPECT_EQ(ns_since_epoch("1796094000.25"), base + 250000000);
  EXPECT_EQ(ns_since_epoch("2024-02-29T00:00:00Z"), 19782LL * 86400 * 1000000000LL);  // leap day
}

TEST(StartAt, RefusesWhatIsNotATime) {
  for (const char* text : {"tomorrow",
                           "2026-12-01",
                           "2026-12-01T03:00:00",
                           "2026-12-01 03:00:00Z",
                           "2026-12-01T03:00:00+01:00",
                           "2026-13-01T00:00:00Z",
                           "2026-02-31T00:00:00Z",
                           "2025-02-29T00:00:00Z",
                           "2026-12-01T24:00:00Z",
                           "2026-12-01T-1:-5:00Z",
                           "2026-12-01T03:00:60Z",
                           "2026-12-01T03:00:00.Z",
                           "2026-12-01T03:00:00.5e3Z",
                           "2026-12-01T03:00:00.12abcZ",
                           "2026-12-01T03:00:00.1234567890Z",
                           "+30",
                           "-5",
                           "1e9",
                           "99999999999999999999",
                           "1796094000.",
                           "1796094000.x"}) {
    EXPECT_THROW(parse_start_at(text), UsageError) << text;
  }
}

}  // namespace
}  // namespace wpbench
