// libpq/tx: an explicit transaction around the insert, as psycopg2 and most "unit of work" code
// do it. Three round trips; only COMMIT waits for the WAL flush.
#include "core/workload.hpp"
#include "db/pg.hpp"
#include "drivers/paths.hpp"

namespace wpbench {
namespace {
class LibpqTx final : public Session {
 public:
  explicit LibpqTx(const Endpoint& e) : conn_(pg_connect(e.target)), sql_(insert_sql_pg(e.table)) {}
  void insert(const Decision& d) override {
    const PgTextParams p(d);
    pg_exec(conn_.get(), "BEGIN");
    try {
      pg_expect(conn_.get(),
                PQexecParams(conn_.get(), sql_.c_str(), p.count, nullptr, p.values(), nullptr,
                             nullptr, 0),
                PGRES_COMMAND_OK, "insert");
    } catch (const DriverError&) {
      PQclear(PQexec(conn_.get(), "ROLLBACK"));  // leave the connection usable
      throw;
    }
    pg_exec(conn_.get(), "COMMIT");
  }

 private:
  PgConn conn_;
  std::string sql_;
};
}  // namespace

std::unique_ptr<Session> open_libpq_tx(const Endpoint& e) { return std::make_unique<LibpqTx>(e); }
}  // namespace wpbench
