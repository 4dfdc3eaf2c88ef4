// libpq/exec-params: the libpq manual's parameterised query. In autocommit the server commits
// (and flushes WAL) before it answers, so one round trip is one durable insert.
#include "core/workload.hpp"
#include "db/pg.hpp"
#include "drivers/paths.hpp"

namespace wpbench {
namespace {
class LibpqExecParams final : public Session {
 public:
  explicit LibpqExecParams(const Endpoint& e)
      : conn_(pg_connect(e.target)), sql_(insert_sql_pg(e.table)) {}
  void insert(const Decision& d) override {
    const PgTextParams p(d);
    pg_expect(
        conn_.get(),
        PQexecParams(conn_.get(), sql_.c_str(), p.count, nullptr, p.values(), nullptr, nullptr, 0),
        PGRES_COMMAND_OK, "insert");
  }

 private:
  PgConn conn_;
  std::string sql_;
};
}  // namespace

std::unique_ptr<Session> open_libpq_exec_params(const Endpoint& e) {
  return std::make_unique<LibpqExecParams>(e);
}
}  // namespace wpbench
