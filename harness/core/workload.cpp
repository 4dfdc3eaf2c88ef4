#include "core/workload.hpp"

namespace wpbench {

namespace {
const char* const kColumns =
    " (market_ticker, direction, edge, score, action, skip_reason, created_at) VALUES ";
// SQLite has no now(); this is the same instant, as UTC ISO-8601 with milliseconds.
const char* const kSqliteNow = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";
}  // namespace

std::string insert_sql_pg(const std::string& table) {
  return "INSERT INTO " + table + kColumns + "($1, $2, $3, $4, $5, $6, now())";
}

std::string insert_sql_soci_pg(const std::string& table) {
  return "INSERT INTO " + table + kColumns +
         "(:market_ticker, :direction, :edge, :score, :action, :skip_reason, now())";
}

std::string insert_sql_soci_sqlite(const std::string& table) {
  return "INSERT INTO " + table + kColumns +
         "(:market_ticker, :direction, :edge, :score, :action, :skip_reason, " + kSqliteNow + ")";
}

std::string insert_sql_sqlite(const std::string& table) {
  return "INSERT INTO " + table + kColumns + "(?1, ?2, ?3, ?4, ?5, ?6, " + kSqliteNow + ")";
}

}  // namespace wpbench
