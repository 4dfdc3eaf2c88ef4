// libpqxx/nontx-prepared: libpqxx's fastest correct write. A nontransaction runs each statement
// in autocommit (no BEGIN/COMMIT), and a prepared statement skips parse and plan.
#include <pqxx/pqxx>

#include "core/workload.hpp"
#include "drivers/paths.hpp"

namespace wpbench {
namespace {
constexpr const char* kStmt = "wpbench_insert";

class PqxxNontxPrepared final : public Session {
 public:
  explicit PqxxNontxPrepared(const Endpoint& e) try : conn_(e.target) {
    conn_.prepare(kStmt, insert_sql_pg(e.table));
    // libpqxx 6.4 defers PREPARE to the first exec; do it now, as the other prepared paths do,
    // so it is part of the connect cost and never of a sample.
    conn_.prepare_now(kStmt);
  } catch (const pqxx::failure& ex) {
    throw DriverError(std::string("cannot connect: ") + ex.what());
  }
  void insert(const Decision& d) override {
    try {
      pqxx::nontransaction n(conn_);
      n.exec_prepared(kStmt, d.market_ticker, d.direction, d.edge, d.score, d.action,
                      d.skip_reason ? d.skip_reason->c_str() : static_cast<const char*>(nullptr));
    } catch (const pqxx::failure& ex) {
      throw DriverError(ex.what());
    }
  }

 private:
  pqxx::connection conn_;
  // The server's notices would go to stderr raw (libpq's default); see pg_quiet_notices().
  pqxx::quiet_errorhandler quiet_{conn_};
};
}  // namespace

std::unique_ptr<Session> open_pqxx_nontx_prepared(const Endpoint& e) {
  return std::make_unique<PqxxNontxPrepared>(e);
}
}  // namespace wpbench
