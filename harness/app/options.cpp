#include "app/options.hpp"

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <utility>

#include "db/table_name.hpp"
#include "stats/repstats.hpp"

namespace wpbench {

void check_table_option(const Options& opt) {
  try {
    validate_table_name(opt.table);
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--table: ") + e.what());
  }
}

void check_options(const Options& opt) {
  if (opt.repetitions < 1) throw UsageError("--repetitions must be at least 1");
  const double rate = opt.run.rate_per_s;
  if (rate != 0 && !(rate >= 0.001 && rate <= 1e6)) {
    throw UsageError("--rate must be 0 (closed loop) or between 0.001 and 1000000 per second");
  }
  if (opt.run.pool_size > opt.run.clients) {
    throw UsageError("--pool-size " + std::to_string(opt.run.pool_size) +
                     " is more than --clients " + std::to_string(opt.run.clients) +
                     ": the extra connections would sit idle");
  }
  if (opt.dsn.empty()) {
    // Said by name: these only steer cases to an existing server, and would be ignored silently.
    for (const auto& [flag, given] :
         {std::pair<const char*, bool>{"--socket-dir", !opt.socket_dir.empty()},
          {"--tcp-host", !opt.tcp_host.empty()},
          {"--pgbouncer", !opt.pgbouncer.empty()},
          {"--standby-dsn", !opt.standby_dsn.empty()},
          {"--keep-table", opt.keep_table}}) {
      if (given) {
        throw UsageError(std::string(flag) +
                         " applies to an existing server (--dsn); the throwaway server is "
                         "removed whole");
      }
    }
  }
  if (!opt.standby.empty() && opt.sync_commit != "server") {
    throw UsageError("--standby sets each session's synchronous_commit itself (" + opt.standby +
                     "); run without --sync-commit");
  }
  parse_start_at(opt.start_at);
  if (!opt.standby_dsn.empty() && opt.standby.empty()) {
    throw UsageError("--standby-dsn needs --standby MODE: how commits wait for that standby");
  }
  if (opt.sync_commit != "server" && opt.sync_commit != "on" && opt.sync_commit != "off") {
    throw UsageError("--sync-commit must be server, on or off");
  }
}

std::optional<std::chrono::system_clock::time_point> parse_start_at(const std::string& text) {
  if (text.empty()) return std::nullopt;
  const auto bad = [&] {
    return UsageError("--start-at " + text +
                      ": give a UTC time as 2026-12-01T03:00:00Z (seconds may have a fraction) "
                      "or Unix seconds");
  };
  if (text.find_first_not_of("0123456789.") == std::string::npos) {
    char* end = nullptr;
    const double s = std::strtod(text.c_str(), &end);
    if (end == text.c_str() || *end != '\0') throw bad();
    return std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(
            std::chrono::duration<double>(s)));
  }
  std::tm tm{};
  double frac = 0;
  int used = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &used) != 6) {
    throw bad();
  }
  std::string rest = text.substr(static_cast<std::size_t>(used));
  if (!rest.empty() && rest[0] == '.') {
    const auto z = rest.find('Z');
    if (z == std::string::npos) throw bad();
    frac = std::strtod(("0" + rest.substr(0, z)).c_str(), nullptr);
    rest = rest.substr(z);
  }
  if (rest != "Z" || tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
      tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60) {
    throw bad();
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  const time_t t = timegm(&tm);
  return std::chrono::system_clock::from_time_t(t) +
         std::chrono::duration_cast<std::chrono::system_clock::duration>(
             std::chrono::duration<double>(frac));
}

std::vector<std::string> size_warnings(const Options& opt) {
  // The claims about a tail (p99 "consistently under 2 ms") need a p99 that rests on at least 10
  // samples beyond it: with fewer, every p99 row would say "not measured", after the fact.
  std::vector<std::string> out;
  const std::uint64_t per_case = opt.run.samples * static_cast<std::uint64_t>(opt.repetitions);
  const std::size_t need = bootstrap_min_samples(99);
  if (per_case < need) {
    out.push_back("each case gets " + std::to_string(per_case) + " samples (--samples " +
                  std::to_string(opt.run.samples) + " x -r " + std::to_string(opt.repetitions) +
                  "): too few for its p99, which needs " + std::to_string(need) +
                  "; the p99 claims will say not measured (raise --samples or -r)");
  }
  return out;
}

}  // namespace wpbench
