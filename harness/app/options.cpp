#include "app/options.hpp"

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
          {"--keep-table", opt.keep_table}}) {
      if (given) {
        throw UsageError(std::string(flag) +
                         " applies to an existing server (--dsn); the throwaway server is "
                         "removed whole");
      }
    }
  }
  if (opt.sync_commit != "server" && opt.sync_commit != "on" && opt.sync_commit != "off") {
    throw UsageError("--sync-commit must be server, on or off");
  }
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
