// soci-postgresql/prepared: SOCI's fastest correct write, a statement prepared once (PQprepare
// under the hood) and re-executed in autocommit.
#include "core/workload.hpp"
#include "drivers/paths.hpp"
#include "drivers/soci_common.hpp"

namespace wpbench {
std::unique_ptr<Session> open_soci_pg_prepared(const Endpoint& e) {
  return std::make_unique<SociPrepared>(e, insert_sql_soci_pg(e.table));
}
}  // namespace wpbench
