// soci-postgresql/transaction: what SOCI's documentation shows for a write, a soci::transaction
// (BEGIN ... COMMIT) around a one-shot `sql << "...", use(...)`.
#include "../workload.hpp"
#include "paths.hpp"
#include "soci_common.hpp"

namespace wpbench {
namespace {
class SociPgTransaction final : public Session {
 public:
  explicit SociPgTransaction(const Endpoint& e)
      : sql_(soci_open(e)), query_(insert_sql_soci_pg(e.table)) {}
  void insert(const Decision& d) override {
    row_.assign(d);
    try {
      soci::transaction tr(*sql_);
      bind_row(*sql_ << query_, row_);
      tr.commit();
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

std::unique_ptr<Session> open_soci_pg_transaction(const Endpoint& e) {
  return std::make_unique<SociPgTransaction>(e);
}
}  // namespace wpbench
