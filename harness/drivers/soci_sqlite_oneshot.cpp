// soci-sqlite3/oneshot: the everyday SOCI write on SQLite, `sql << "...", use(...)` in autocommit;
// SOCI compiles the statement every time.
#include "core/workload.hpp"
#include "drivers/paths.hpp"
#include "drivers/soci_common.hpp"

namespace wpbench {
std::unique_ptr<Session> open_soci_sqlite_oneshot(const Endpoint& e) {
  return std::make_unique<SociOneShot>(e, insert_sql_soci_sqlite(e.table),
                                       /*in_transaction=*/false);
}
}  // namespace wpbench
