// libpq/prepared: parse and plan once per connection, then only bind+execute per insert.
#include "core/workload.hpp"
#include "db/pg.hpp"
#include "drivers/paths.hpp"

namespace wpbench {
namespace {
constexpr const char* kStmt = "wpbench_insert";

class LibpqPrepared final : public Session {
 public:
  explicit LibpqPrepared(const Endpoint& e) : conn_(pg_connect(e.target)) {
    pg_expect(
        conn_.get(),
        PQprepare(conn_.get(), kStmt, insert_sql_pg(e.table).c_str(), PgTextParams::count, nullptr),
        PGRES_COMMAND_OK, "prepare");
  }
  void insert(const Decision& d) override {
    const PgTextParams p(d);
    pg_expect(conn_.get(),
              PQexecPrepared(conn_.get(), kStmt, p.count, p.values(), nullptr, nullptr, 0),
              PGRES_COMMAND_OK, "insert");
  }

 private:
  PgConn conn_;
};
}  // namespace

std::unique_ptr<Session> open_libpq_prepared(const Endpoint& e) {
  return std::make_unique<LibpqPrepared>(e);
}
}  // namespace wpbench
