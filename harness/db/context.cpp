#include "db/context.hpp"

#include <libpq-fe.h>
#include <soci/version.h>
#include <sqlite3.h>

#include <build_info.hpp>
#include <cstdio>
#include <ctime>
#include <pqxx/version.hxx>
#include <string>

#include "sys/machine.hpp"
#include "sys/text.hpp"

namespace wpbench {

namespace {
std::string version_of_libpq() {
  const int v = PQlibVersion();  // e.g. 150020 for 15.20
  return std::to_string(v / 10000) + "." + std::to_string(v % 10000);
}

std::string version_of_soci() {
  return std::to_string(SOCI_VERSION / 100000) + "." + std::to_string(SOCI_VERSION / 100 % 1000) +
         "." + std::to_string(SOCI_VERSION % 100);
}
}  // namespace

RunContext collect_context() {
  RunContext c;
  // One instant for both; the id carries milliseconds, so runs started in the same second (CI
  // jobs, a loop) get different ids and default file names.
  timespec now{};
  clock_gettime(CLOCK_REALTIME, &now);
  char ms[16];
  std::snprintf(ms, sizeof ms, ".%03dZ", static_cast<int>(now.tv_nsec / 1000000));
  c.run_id = utc_format(now.tv_sec, "%Y%m%dT%H%M%S") + ms;
  c.timestamp_utc = utc_format(now.tv_sec, "%Y-%m-%dT%H:%M:%SZ");

  c.host = host_facts();
  c.cpu_mhz = cpu_mhz();

#if defined(__clang__)
  c.build["compiler"] = std::string("clang ") + __clang_version__;
#elif defined(__GNUC__)
  c.build["compiler"] = std::string("g++ ") + __VERSION__;
#endif
  c.build["build_type"] = build::build_type;
  c.build["git_commit"] = build::git_commit;
  c.build["wpbench_version"] = build::version;

  c.libraries["libpq"] = version_of_libpq();
  c.libraries["libpqxx"] = PQXX_VERSION;
  c.libraries["soci"] = version_of_soci();
  c.libraries["sqlite3"] = sqlite3_libversion();
  return c;
}

}  // namespace wpbench
