// sqlite3/prepared: the fastest correct C API write, one compiled statement reset and re-bound
// per insert.
#include "core/workload.hpp"
#include "db/sqlite.hpp"
#include "drivers/paths.hpp"

namespace wpbench {
namespace {
class Sqlite3Prepared final : public Session {
 public:
  explicit Sqlite3Prepared(const Endpoint& e)
      : db_(sqlite_open(e.target, e.sqlite)),
        stmt_(sqlite_prepare(db_.get(), insert_sql_sqlite(e.table))) {}
  void insert(const Decision& d) override {
    sqlite3_reset(stmt_.get());
    sqlite_bind_decision(db_.get(), stmt_.get(), d);
    sqlite_check(db_.get(), sqlite3_step(stmt_.get()), "insert");
  }

 private:
  SqliteDb db_;
  SqliteStmt stmt_;
};
}  // namespace

std::unique_ptr<Session> open_sqlite3_prepared(const Endpoint& e) {
  return std::make_unique<Sqlite3Prepared>(e);
}
}  // namespace wpbench
