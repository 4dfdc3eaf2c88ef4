// Which cases a run takes (harness/app/cases.hpp) and how many samples each.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "app/cases.hpp"
#include "core/run_config.hpp"
#include "drivers/registry.hpp"

namespace wpbench {
namespace {

// The connect-per-write paths (tens of ms an insert) stay out of the default run; the flag or
// their own name brings them, with their own, smaller sample count.
TEST(Selection, ConnectPerWriteRunsOnlyWhenAskedWithItsOwnSamples) {
  Options opt;
  const auto has = [](const std::vector<Case>& cases, const std::string& name) {
    return std::any_of(cases.begin(), cases.end(), [&](const Case& c) { return c.name() == name; });
  };
  EXPECT_FALSE(has(select_cases(opt), "psycopg2/connect-per-write/unix"));
  opt.drivers = {"psycopg2"};
  EXPECT_FALSE(has(select_cases(opt), "psycopg2/connect-per-write/unix"));
  opt.connect_per_write = true;
  EXPECT_TRUE(has(select_cases(opt), "psycopg2/connect-per-write/unix"));
  opt = Options{};
  opt.drivers = {"sqlalchemy-core/nullpool"};
  const auto named = select_cases(opt);
  EXPECT_TRUE(has(named, "sqlalchemy-core/nullpool/tcp"));
  EXPECT_TRUE(has(named, "psycopg2/connect-per-write/tcp"));  // its baseline
  EXPECT_FALSE(has(named, "sqlalchemy-core/creator/tcp"));

  // Outside the default run: the async drivers and psycopg 3's pipeline, by name or flag.
  opt = Options{};
  EXPECT_FALSE(has(select_cases(opt), "asyncpg/transaction/unix"));
  EXPECT_FALSE(has(select_cases(opt), "psycopg3/pipeline/tcp"));
  EXPECT_TRUE(has(select_cases(opt), "psycopg3/direct/tcp"));
  opt.extra_drivers = true;
  EXPECT_TRUE(has(select_cases(opt), "asyncpg/transaction/unix"));
  EXPECT_TRUE(has(select_cases(opt), "psycopg3/async-pool/tcp"));
  EXPECT_FALSE(has(select_cases(opt), "psycopg2/connect-per-write/unix"));
  opt = Options{};
  opt.drivers = {"asyncpg"};
  EXPECT_TRUE(has(select_cases(opt), "asyncpg/transaction/tcp"));

  RunConfig cfg;
  cfg.samples = 500;
  cfg.warmup = 100;
  cfg.connect_per_write_samples = 20;
  const auto& cpw = find_case("psycopg2/connect-per-write/unix").path->caps;
  const auto& direct = find_case("psycopg2/direct/unix").path->caps;
  EXPECT_EQ(cfg.for_path(cpw).samples, 20u);
  EXPECT_EQ(cfg.for_path(cpw).warmup, RunConfig::connect_per_write_warmup);
  EXPECT_EQ(cfg.for_path(direct).samples, 500u);
  EXPECT_EQ(cfg.for_path(direct).warmup, 100u);
  cfg.samples = 10;  // never more than the others
  EXPECT_EQ(cfg.for_path(cpw).samples, 10u);
}

}  // namespace
}  // namespace wpbench
