// soci-sqlite3/oneshot: the everyday SOCI write on SQLite, `sql << "...", use(...)` in autocommit;
// SOCI compiles the statement every time.
#include "../workload.hpp"
#include "paths.hpp"
#include "soci_common.hpp"

namespace wpbench {
namespace {
class SociSqliteOneshot final : public Session {
 public:
  explicit SociSqliteOneshot(const Endpoint& e)
      : sql_(soci_open(e)), query_(insert_sql_soci_sqlite(e.table)) {}
  void insert(const Decision& d) override {
    row_.assign(d);
    try {
      bind_row(*sql_ << query_, row_);
    } catch (const soci::soci_error& ex) {
      throw DriverError(ex.get_error_message());
    }
  }

 private:
  std::unique_ptr<soci::session> sql_;
  std::string query_;
  SociRow row_;
};
}  // namespace

std::unique_ptr<Session> open_soci_sqlite_oneshot(const Endpoint& e) {
  return std::make_unique<SociSqliteOneshot>(e);
}
}  // namespace wpbench
