// sqlite3/oneshot: the C API as its introduction teaches it, prepare, bind, step, finalize per
// insert, in autocommit (each step is its own durable transaction).
#include "core/workload.hpp"
#include "db/sqlite.hpp"
#include "drivers/paths.hpp"

namespace wpbench {
namespace {
class Sqlite3Oneshot final : public Session {
 public:
  explicit Sqlite3Oneshot(const Endpoint& e)
      : db_(sqlite_open(e.target, e.sqlite)), sql_(insert_sql_sqlite(e.table)) {}
  void insert(const Decision& d) override {
    auto stmt = sqlite_prepare(db_.get(), sql_);
    sqlite_bind_decision(db_.get(), stmt.get(), d);
    sqlite_check(db_.get(), sqlite3_step(stmt.get()), "insert");
  }

 private:
  SqliteDb db_;
  std::string sql_;
};
}  // namespace

std::unique_ptr<Session> open_sqlite3_oneshot(const Endpoint& e) {
  return std::make_unique<Sqlite3Oneshot>(e);
}
}  // namespace wpbench
