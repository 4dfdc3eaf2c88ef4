#pragma once
// What the four SOCI paths share: opening a session and binding a decision's fields. SOCI binds
// by reference, so the bound variables live in a struct the statement outlives.
#include <soci/soci.h>

#include <memory>
#include <string>

#include "core/driver.hpp"

namespace wpbench {

/// The six bound values of insert_sql_soci_*(), copied from a decision before each execute.
struct SociRow {
  std::string market_ticker, direction, action, skip_reason;
  double edge = 0, score = 0;
  soci::indicator skip_reason_ind = soci::i_null;  ///< SOCI's way to send NULL

  void assign(const Decision& d);
};

/// Appends the six use() bindings of `row` to a statement under construction.
template <typename Stmt>
auto bind_row(Stmt&& stmt, SociRow& row) {
  return (std::forward<Stmt>(stmt), soci::use(row.market_ticker), soci::use(row.direction),
          soci::use(row.edge), soci::use(row.score), soci::use(row.action),
          soci::use(row.skip_reason, row.skip_reason_ind));
}

/// Opens a SOCI session on the endpoint's backend; SQLite gets the durability PRAGMAs.
std::unique_ptr<soci::session> soci_open(const Endpoint& e);

/// A SOCI session that sends a one-shot `sql << query, use(...)` per insert, either in
/// autocommit or wrapped in a soci::transaction (BEGIN ... COMMIT).
class SociOneShot final : public Session {
 public:
  SociOneShot(const Endpoint& e, std::string query, bool in_transaction);
  void insert(const Decision& d) override;

 private:
  std::unique_ptr<soci::session> sql_;
  std::string query_;
  bool in_transaction_;
  SociRow row_;
};

/// A SOCI session that re-executes one statement prepared at open (autocommit).
class SociPrepared final : public Session {
 public:
  SociPrepared(const Endpoint& e, const std::string& sql);
  void insert(const Decision& d) override;

 private:
  std::unique_ptr<soci::session> sql_;
  SociRow row_;
  std::unique_ptr<soci::statement> stmt_;
};

}  // namespace wpbench
