#include "drivers/soci_common.hpp"

#include <soci/postgresql/soci-postgresql.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include "db/pg.hpp"

namespace wpbench {

void SociRow::assign(const Decision& d) {
  market_ticker = d.market_ticker;
  direction = d.direction;
  edge = d.edge;
  score = d.score;
  action = d.action;
  skip_reason = d.skip_reason.value_or(std::string());
  skip_reason_ind = d.skip_reason ? soci::i_ok : soci::i_null;
}

std::unique_ptr<soci::session> soci_open(const Endpoint& e) {
  try {
    if (spec_of(e.transport).backend == Backend::sqlite) {
      auto s = std::make_unique<soci::session>(*soci::factory_sqlite3(), "db=" + e.target);
      for (const auto& p : sqlite_pragmas(e.sqlite)) *s << p;
      return s;
    }
    auto s = std::make_unique<soci::session>(*soci::factory_postgresql(), e.target);
    pg_quiet_notices(static_cast<soci::postgresql_session_backend*>(s->get_backend())->conn_);
    return s;
  } catch (const soci::soci_error& ex) {
    throw DriverError(std::string("cannot connect: ") + ex.get_error_message());
  }
}

SociOneShot::SociOneShot(const Endpoint& e, std::string query, bool in_transaction)
    : sql_(soci_open(e)), query_(std::move(query)), in_transaction_(in_transaction) {}

void SociOneShot::insert(const Decision& d) {
  row_.assign(d);
  try {
    if (in_transaction_) {
      soci::transaction tr(*sql_);
      bind_row(*sql_ << query_, row_);
      tr.commit();
    } else {
      bind_row(*sql_ << query_, row_);
    }
  } catch (const soci::soci_error& ex) {
    throw DriverError(ex.get_error_message());
  }
}

SociPrepared::SociPrepared(const Endpoint& e, const std::string& sql) : sql_(soci_open(e)) {
  try {
    stmt_ = std::make_unique<soci::statement>(bind_row(sql_->prepare << sql, row_));
  } catch (const soci::soci_error& ex) {
    throw DriverError(std::string("prepare: ") + ex.get_error_message());
  }
}

void SociPrepared::insert(const Decision& d) {
  row_.assign(d);
  try {
    stmt_->execute(true);
  } catch (const soci::soci_error& ex) {
    throw DriverError(ex.get_error_message());
  }
}

}  // namespace wpbench
