// soci-postgresql/transaction: what SOCI's documentation shows for a write, a soci::transaction
// (BEGIN ... COMMIT) around a one-shot `sql << "...", use(...)`.
#include "core/workload.hpp"
#include "drivers/paths.hpp"
#include "drivers/soci_common.hpp"

namespace wpbench {
std::unique_ptr<Session> open_soci_pg_transaction(const Endpoint& e) {
  return std::make_unique<SociOneShot>(e, insert_sql_soci_pg(e.table), /*in_transaction=*/true);
}
}  // namespace wpbench
