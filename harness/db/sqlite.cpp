#include "db/sqlite.hpp"

namespace wpbench {

void sqlite_check(sqlite3* db, int rc, const char* what) {
  if (rc == SQLITE_OK || rc == SQLITE_DONE || rc == SQLITE_ROW) return;
  throw DriverError(std::string(what) + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
}

void sqlite_exec(sqlite3* db, const std::string& sql) {
  char* err = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    throw DriverError(msg + " (in: " + sql + ")");
  }
}

SqliteDb sqlite_open(const std::string& path, const SqliteSettings& s) {
  sqlite3* raw = nullptr;
  const int rc =
      sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  SqliteDb db(raw);
  if (rc != SQLITE_OK) {
    throw DriverError("cannot open " + path + ": " +
                      (raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
  }
  for (const auto& p : sqlite_pragmas(s)) sqlite_exec(db.get(), p);
  return db;
}

SqliteStmt sqlite_prepare(sqlite3* db, const std::string& sql) {
  sqlite3_stmt* raw = nullptr;
  sqlite_check(db, sqlite3_prepare_v2(db, sql.c_str(), -1, &raw, nullptr), "prepare");
  return SqliteStmt(raw);
}

void sqlite_bind_decision(sqlite3* db, sqlite3_stmt* stmt, const Decision& d) {
  // SQLITE_STATIC: the decision outlives the step that reads these buffers.
  sqlite_check(db, sqlite3_bind_text(stmt, 1, d.market_ticker.c_str(), -1, SQLITE_STATIC), "bind");
  sqlite_check(db, sqlite3_bind_text(stmt, 2, d.direction.c_str(), -1, SQLITE_STATIC), "bind");
  sqlite_check(db, sqlite3_bind_double(stmt, 3, d.edge), "bind");
  sqlite_check(db, sqlite3_bind_double(stmt, 4, d.score), "bind");
  sqlite_check(db, sqlite3_bind_text(stmt, 5, d.action.c_str(), -1, SQLITE_STATIC), "bind");
  if (d.skip_reason) {
    sqlite_check(db, sqlite3_bind_text(stmt, 6, d.skip_reason->c_str(), -1, SQLITE_STATIC), "bind");
  } else {
    sqlite_check(db, sqlite3_bind_null(stmt, 6), "bind");
  }
}

}  // namespace wpbench
