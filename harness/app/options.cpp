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
  using Clock = std::chrono::system_clock;
  const auto bad = [&] {
    return UsageError("--start-at " + text +
                      ": give a UTC time as 2026-12-01T03:00:00Z (seconds may have a fraction) "
                      "or Unix seconds");
  };
  const auto digits = [](const std::string& s) {
    return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
  };
  // The fraction of a second after a '.', digits only, as nanoseconds.
  const auto fraction = [&](const std::string& f) {
    if (!digits(f) || f.size() > 9) throw bad();
    return std::chrono::nanoseconds(std::stoll((f + "00000000").substr(0, 9)));
  };
  const auto dot = text.find('.');
  const std::string whole = text.substr(0, dot);
  if (digits(whole)) {
    // Unix seconds, up to the year 5138 (11 digits): beyond, the clock's range ends.
    if (whole.size() > 11) throw bad();
    const auto frac =
        dot == std::string::npos ? std::chrono::nanoseconds(0) : fraction(text.substr(dot + 1));
    return Clock::time_point(std::chrono::duration_cast<Clock::duration>(
        std::chrono::seconds(std::stoll(whole)) + frac));
  }
  // YYYY-MM-DDTHH:MM:SS[.fff]Z, every field its fixed width in digits, the date a real one.
  if (text.size() < 20 || text.back() != 'Z') throw bad();
  const std::string head = text.substr(0, 19);
  static const char kShape[] = "dddd-dd-ddTdd:dd:dd";
  for (std::size_t k = 0; k < head.size(); ++k) {
    const bool digit = head[k] >= '0' && head[k] <= '9';
    if (kShape[k] == 'd' ? !digit : head[k] != kShape[k]) throw bad();
  }
  const std::string tail = text.substr(19, text.size() - 20);  // between the seconds and the Z
  if (!tail.empty() && tail[0] != '.') throw bad();
  const auto frac = tail.empty() ? std::chrono::nanoseconds(0) : fraction(tail.substr(1));
  const auto field = [&](std::size_t at, std::size_t n) { return std::stoi(head.substr(at, n)); };
  std::tm tm{};
  tm.tm_year = field(0, 4) - 1900;
  tm.tm_mon = field(5, 2) - 1;
  tm.tm_mday = field(8, 2);
  tm.tm_hour = field(11, 2);
  tm.tm_min = field(14, 2);
  tm.tm_sec = field(17, 2);
  const std::tm asked = tm;
  const time_t t = timegm(&tm);  // normalizes: 31 February comes back as a day of March
  if (t == static_cast<time_t>(-1) || tm.tm_year != asked.tm_year || tm.tm_mon != asked.tm_mon ||
      tm.tm_mday != asked.tm_mday || tm.tm_hour != asked.tm_hour || tm.tm_min != asked.tm_min ||
      tm.tm_sec != asked.tm_sec) {
    throw bad();  // no such date or time (a leap second included: the clock has none)
  }
  return Clock::from_time_t(t) + std::chrono::duration_cast<Clock::duration>(frac);
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
