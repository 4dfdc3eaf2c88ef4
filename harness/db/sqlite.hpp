#pragma once
/// Small RAII and error helpers over the SQLite3 C API, shared by the raw SQLite paths and the
/// verifier.

#include <sqlite3.h>

#include <memory>
#include <string>
#include <vector>

#include "core/decision.hpp"
#include "core/driver.hpp"

namespace wpbench {

struct SqliteCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct SqliteStmtCloser {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using SqliteDb = std::unique_ptr<sqlite3, SqliteCloser>;
using SqliteStmt = std::unique_ptr<sqlite3_stmt, SqliteStmtCloser>;

/// Opens (creating if needed) the database file and applies `s`; throws DriverError.
SqliteDb sqlite_open(const std::string& path, const SqliteSettings& s);

/// Runs SQL without results; throws DriverError with SQLite's message.
void sqlite_exec(sqlite3* db, const std::string& sql);

/// Throws DriverError naming `what` unless rc is one of the ok codes.
void sqlite_check(sqlite3* db, int rc, const char* what);

/// Compiles one statement; throws DriverError.
SqliteStmt sqlite_prepare(sqlite3* db, const std::string& sql);

/// Binds a decision to the ?1..?6 parameters of insert_sql_sqlite(). The text is bound without
/// a copy (SQLITE_STATIC), so `d` must outlive the step; binding a temporary does not compile.
void sqlite_bind_decision(sqlite3* db, sqlite3_stmt* stmt, const Decision& d);
void sqlite_bind_decision(sqlite3* db, sqlite3_stmt* stmt, const Decision&& d) = delete;

}  // namespace wpbench
