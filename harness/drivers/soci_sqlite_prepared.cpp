// soci-sqlite3/prepared: one SOCI statement prepared at open, re-executed in autocommit.
#include "core/workload.hpp"
#include "drivers/paths.hpp"
#include "drivers/soci_common.hpp"

namespace wpbench {
std::unique_ptr<Session> open_soci_sqlite_prepared(const Endpoint& e) {
  return std::make_unique<SociPrepared>(e, insert_sql_soci_sqlite(e.table));
}
}  // namespace wpbench
