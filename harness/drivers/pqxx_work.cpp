// libpqxx/work: the idiom libpqxx's documentation teaches. pqxx::work sends BEGIN when it is
// constructed, exec_params sends the insert, commit() sends COMMIT: three round trips.
#include <pqxx/pqxx>

#include "core/workload.hpp"
#include "drivers/paths.hpp"

namespace wpbench {
namespace {
class PqxxWork final : public Session {
 public:
  explicit PqxxWork(const Endpoint& e) try : conn_(e.target), sql_(insert_sql_pg(e.table)) {
  } catch (const pqxx::failure& ex) {
    throw DriverError(std::string("cannot connect: ") + ex.what());
  }
  void insert(const Decision& d) override {
    try {
      pqxx::work w(conn_);
      // A null const char* is how libpqxx 6.4 spells a NULL parameter.
      w.exec_params(sql_, d.market_ticker, d.direction, d.edge, d.score, d.action,
                    d.skip_reason ? d.skip_reason->c_str() : static_cast<const char*>(nullptr));
      w.commit();
    } catch (const pqxx::failure& ex) {
      throw DriverError(ex.what());
    }
  }

 private:
  pqxx::connection conn_;
  // The server's notices would go to stderr raw (libpq's default); see pg_quiet_notices().
  pqxx::quiet_errorhandler quiet_{conn_};
  std::string sql_;
};
}  // namespace

std::unique_ptr<Session> open_pqxx_work(const Endpoint& e) { return std::make_unique<PqxxWork>(e); }
}  // namespace wpbench
