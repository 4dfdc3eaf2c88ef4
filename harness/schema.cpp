#include "schema.hpp"

#include <build_info.hpp>
#include <utility>
#include <vector>

#include "pg.hpp"
#include "sqlite.hpp"

namespace wpbench {

namespace {
using Columns = std::vector<std::pair<std::string, std::string>>;  // name, type

// The columns sql/schema.sql creates, as the catalogs report them back.
const Columns kPgColumns = {{"id", "bigint"},
                            {"market_ticker", "text"},
                            {"direction", "text"},
                            {"edge", "double precision"},
                            {"score", "double precision"},
                            {"action", "text"},
                            {"skip_reason", "text"},
                            {"created_at", "timestamp with time zone"}};
const Columns kSqliteColumns = {
    {"id", "INTEGER"}, {"market_ticker", "TEXT"}, {"direction", "TEXT"},   {"edge", "REAL"},
    {"score", "REAL"}, {"action", "TEXT"},        {"skip_reason", "TEXT"}, {"created_at", "TEXT"}};

std::string describe(const Columns& cols) {
  std::string s;
  for (const auto& [name, type] : cols) s += (s.empty() ? "" : ", ") + name + " " + type;
  return s;
}

void check_shape(const std::string& table, const Columns& found, const Columns& want) {
  if (found != want) {
    throw SchemaError("table " + table + " exists with a different shape (" + describe(found) +
                      "); expected (" + describe(want) + "); choose another name with --table");
  }
}

Columns pg_columns(PGconn* c, const std::string& table) {
  const std::string q =
      "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
      "WHERE a.attrelid = to_regclass('" +
      table +
      "') AND a.attnum > 0 AND NOT a.attisdropped "
      "ORDER BY a.attnum";
  auto r = pg_exec(c, q);
  Columns cols;
  for (int i = 0; i < PQntuples(r.get()); ++i) {
    cols.emplace_back(PQgetvalue(r.get(), i, 0), PQgetvalue(r.get(), i, 1));
  }
  return cols;
}

Columns sqlite_columns(sqlite3* db, const std::string& table) {
  auto stmt = sqlite_prepare(db, "PRAGMA table_info(" + table + ")");
  Columns cols;
  while (sqlite3_step(stmt.get()) == SQLITE_ROW) {
    cols.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(stmt.get(), 1)),
                      reinterpret_cast<const char*>(sqlite3_column_text(stmt.get(), 2)));
  }
  return cols;
}
}  // namespace

std::string schema_sql(Backend b, const std::string& table) {
  validate_table_name(table);
  std::string sql = b == Backend::postgres ? build::schema_pg : build::schema_sqlite;
  const std::string placeholder = ":\"table\"";
  for (auto pos = sql.find(placeholder); pos != std::string::npos;
       pos = sql.find(placeholder, pos + table.size())) {
    sql.replace(pos, placeholder.size(), table);
  }
  return sql;
}

void ensure_table(Backend b, const Endpoint& e) {
  try {
    if (b == Backend::postgres) {
      auto c = pg_connect(e.target);
      auto found = pg_columns(c.get(), e.table);
      if (found.empty()) {
        pg_exec(c.get(), "SET client_min_messages = warning");
        pg_exec(c.get(), schema_sql(b, e.table));
        found = pg_columns(c.get(), e.table);
      }
      check_shape(e.table, found, kPgColumns);
      // An UNLOGGED table has the right columns but commits without a WAL flush: it would
      // measure a write that is not durable.
      const auto kind =
          pg_query_value(c.get(),
                         "SELECT relkind::text || relpersistence::text FROM pg_class WHERE oid = "
                         "to_regclass('" +
                             e.table + "')");
      if (kind != "rp") {
        throw SchemaError("table " + e.table + " is " +
                          (kind == "ru" ? "UNLOGGED" : "not a plain table") +
                          ": it cannot measure a durable write; choose another name with --table");
      }
    } else {
      auto db = sqlite_open(e.target, e.sqlite);
      auto found = sqlite_columns(db.get(), e.table);
      if (found.empty()) {
        sqlite_exec(db.get(), schema_sql(b, e.table));
        found = sqlite_columns(db.get(), e.table);
      }
      check_shape(e.table, found, kSqliteColumns);
    }
  } catch (const DriverError& ex) {
    throw SchemaError("cannot set up table " + e.table + ": " + ex.what());
  }
}

void reset_table(Backend b, const Endpoint& e) {
  if (b == Backend::postgres) {
    auto c = pg_connect(e.target);
    pg_exec(c.get(), "TRUNCATE " + e.table + " RESTART IDENTITY");
  } else {
    auto db = sqlite_open(e.target, e.sqlite);
    // DELETE without WHERE uses SQLite's truncate optimisation. The checkpoint moves every
    // frame into the database and makes the next writer start at the WAL's beginning, so each
    // case starts from the same state; RESTART, not TRUNCATE, keeps the file's size, so commits
    // rewrite WAL pages instead of growing the file (as PostgreSQL recycles its WAL segments).
    sqlite_exec(db.get(), "DELETE FROM " + e.table);
    sqlite_exec(db.get(), "PRAGMA wal_checkpoint(RESTART)");
  }
}

}  // namespace wpbench
