#include "db/schema.hpp"

#include <build_info.hpp>
#include <string>
#include <utility>
#include <vector>

#include "db/pg.hpp"
#include "db/sqlite.hpp"
#include "db/table_name.hpp"

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

std::string literal(PGconn* c, const std::string& s) {
  char* q = PQescapeLiteral(c, s.data(), s.size());
  if (q == nullptr) throw DriverError("cannot quote a literal: " + pg_error(c));
  std::string out(q);
  PQfreemem(q);
  return out;
}

bool pg_marked(PGconn* c, const std::string& table) {
  return pg_query_value(c, "SELECT coalesce(obj_description(to_regclass('" + table +
                               "'), 'pg_class'), '')") == kTableMark;
}

std::uint64_t pg_count(PGconn* c, const std::string& table) {
  return std::stoull(pg_query_value(c, "SELECT count(*) FROM " + table));
}

// Opens a transaction and takes the table under an exclusive lock, so nobody can add a row
// between the count returned and what the caller then does. Leaving early closes the connection,
// which rolls the transaction back.
std::uint64_t lock_and_count(PGconn* c, const std::string& table) {
  pg_begin(c);
  pg_exec(c, "SET LOCAL lock_timeout = '10s'");
  pg_exec(c, "LOCK TABLE " + table + " IN ACCESS EXCLUSIVE MODE");
  return pg_count(c, table);
}

bool pg_can(PGconn* c, const std::string& table, const char* privilege) {
  return pg_query_value(c, "SELECT has_table_privilege('" + table + "', '" + privilege + "')") ==
         "t";
}

// CREATE without IF NOT EXISTS: were the table made by someone else in between, the CREATE fails
// instead of the mark landing on their table.
std::string create_sql(Backend b, const std::string& table);

// PostgreSQL 15 took CREATE on schema public from PUBLIC: a role that does not own the database
// cannot create the table there. Name the two usual fixes.
SchemaError cannot_create(PGconn* c, const std::string& table, const std::string& why) {
  std::string msg = "cannot create table " + table + ": " + why;
  if (why.find("permission denied for schema") != std::string::npos) {
    const std::string role = PQuser(c);
    msg +=
        " (PostgreSQL 15 lets only the database owner create tables in schema public; as the "
        "owner, run CREATE SCHEMA " +
        role + " AUTHORIZATION " + role +
        ", which the default search_path uses first, or GRANT "
        "CREATE ON SCHEMA public TO " +
        role + ")";
  }
  return SchemaError(msg);
}

// A table wpbench did not create is used only while empty, and needs the privileges a run
// uses: insert, read back, empty between cases, and the id sequence.
void check_privileges(PGconn* c, const std::string& table) {
  std::string missing;
  for (const char* p : {"SELECT", "INSERT", "DELETE"}) {
    if (!pg_can(c, table, p)) missing += std::string(missing.empty() ? "" : ", ") + p;
  }
  const auto seq = pg_query_value(c, "SELECT pg_get_serial_sequence('" + table + "', 'id')");
  if (!seq.empty() &&
      pg_query_value(c, "SELECT has_sequence_privilege('" + seq + "', 'USAGE')") != "t") {
    missing += std::string(missing.empty() ? "" : ", ") + "USAGE on " + seq;
  }
  if (!missing.empty()) {
    throw SchemaError("table " + table + " exists but " + PQuser(c) + " lacks " + missing +
                      " on it; GRANT them, or name a table wpbench can create with --table");
  }
}

TableLedger ensure_pg(const Endpoint& e) {
  auto conn = pg_connect(e.target);
  PGconn* c = conn.get();
  TableLedger ledger;
  auto found = pg_columns(c, e.table);
  if (found.empty()) {
    try {
      // One transaction: a table wpbench creates is never without its mark.
      pg_begin(c);
      pg_exec(c, "SET LOCAL client_min_messages = warning");
      pg_exec(c, create_sql(Backend::postgres, e.table));
      pg_exec(c, "COMMENT ON TABLE " + e.table + " IS " + literal(c, kTableMark));
      pg_commit(c);
    } catch (const DriverError& ex) {
      throw cannot_create(c, e.table, ex.what());
    }
    ledger.created = ledger.marked = true;
    found = pg_columns(c, e.table);
  }
  check_shape(e.table, found, kPgColumns);
  // An UNLOGGED table has the right columns but commits without a WAL flush: it would measure
  // a write that is not durable.
  const auto kind = pg_query_value(
      c, "SELECT relkind::text || relpersistence::text FROM pg_class WHERE oid = to_regclass('" +
             e.table + "')");
  if (kind != "rp") {
    throw SchemaError("table " + e.table + " is " +
                      (kind == "ru" ? "UNLOGGED" : "not a plain table") +
                      ": it cannot measure a durable write; choose another name with --table");
  }
  if (ledger.created) return ledger;
  ledger.marked = pg_marked(c, e.table);
  if (ledger.marked) {
    // Left by an earlier run (--keep-table, or one that could not finish): wpbench's rows.
    ledger.rows = pg_count(c, e.table);
    return ledger;
  }
  if (pg_query_value(c, "SELECT EXISTS (SELECT 1 FROM " + e.table + ")") == "t") {
    throw SchemaError("table " + e.table +
                      " holds rows and wpbench did not create it: wpbench never deletes rows it "
                      "did not write; name a new table with --table (wpbench creates it and drops "
                      "it at the end)");
  }
  check_privileges(c, e.table);
  return ledger;
}

TableLedger ensure_sqlite(const Endpoint& e) {
  auto db = sqlite_open(e.target, e.sqlite);
  TableLedger ledger;
  auto found = sqlite_columns(db.get(), e.table);
  if (found.empty()) {
    sqlite_exec(db.get(), create_sql(Backend::sqlite, e.table));
    ledger.created = ledger.marked = true;
    found = sqlite_columns(db.get(), e.table);
  } else {
    auto q = sqlite_prepare(db.get(), "SELECT count(*) FROM " + e.table);
    sqlite_check(db.get(), sqlite3_step(q.get()), "count");
    ledger.rows = static_cast<std::uint64_t>(sqlite3_column_int64(q.get(), 0));
  }
  check_shape(e.table, found, kSqliteColumns);
  return ledger;
}

// What is wrong with a table holding `found` rows of which wpbench accounts for `ours`.
std::string unaccounted_rows(std::uint64_t found, const std::optional<std::uint64_t>& ours) {
  return ours ? "holds " + std::to_string(found) + " rows where wpbench wrote " +
                    std::to_string(*ours) + " (another client writes to it)"
              : "holds " + std::to_string(found) +
                    " rows and wpbench cannot tell whether all are its own (a writer ended "
                    "without saying how many it inserted)";
}

UnaccountedRows unaccounted(const Endpoint& e, std::uint64_t found,
                            const std::optional<std::uint64_t>& ours) {
  return UnaccountedRows("table " + e.table + " " + unaccounted_rows(found, ours) +
                         ": wpbench deleted nothing and stopped; use a table only wpbench writes "
                         "to (--table)");
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

namespace {
std::string create_sql(Backend b, const std::string& table) {
  std::string sql = schema_sql(b, table);
  const std::string guarded = "CREATE TABLE IF NOT EXISTS", plain = "CREATE TABLE";
  const auto pos = sql.find(guarded);
  if (pos != std::string::npos) sql.replace(pos, guarded.size(), plain);
  return sql;
}
}  // namespace

const char* const kTableMark =
    "wpbench benchmark table: every row in it was written by wpbench, which drops it at the end "
    "of its run (--keep-table keeps it)";

TableLedger ensure_table(Backend b, const Endpoint& e) {
  try {
    return b == Backend::postgres ? ensure_pg(e) : ensure_sqlite(e);
  } catch (const DriverError& ex) {
    throw SchemaError("cannot set up table " + e.table + ": " + ex.what());
  }
}

void reset_table(Backend b, const Endpoint& e) {
  if (b == Backend::postgres) {
    auto conn = pg_connect(e.target);
    PGconn* c = conn.get();
    const std::uint64_t found = lock_and_count(c, e.table);
    const bool marked = e.ledger ? e.ledger->marked : pg_marked(c, e.table);
    const std::optional<std::uint64_t> ours = e.ledger ? e.ledger->rows
                                              : marked ? std::optional<std::uint64_t>(found)
                                                       : 0;
    if (!ours || *ours != found) throw unaccounted(e, found, ours);
    if (marked) {
      // wpbench's own table: TRUNCATE leaves no dead rows behind for the next case to meet.
      pg_exec(c, "TRUNCATE " + e.table + " RESTART IDENTITY");
    } else if (found > 0) {
      pg_exec(c, "DELETE FROM " + e.table);
    }
    pg_commit(c);
  } else {
    auto db = sqlite_open(e.target, e.sqlite);
    sqlite_exec(db.get(), "BEGIN IMMEDIATE");
    auto q = sqlite_prepare(db.get(), "SELECT count(*) FROM " + e.table);
    sqlite_check(db.get(), sqlite3_step(q.get()), "count");
    const auto found = static_cast<std::uint64_t>(sqlite3_column_int64(q.get(), 0));
    q.reset();
    const std::optional<std::uint64_t> ours = e.ledger ? e.ledger->rows : found;
    if (!ours || *ours != found) {
      sqlite_exec(db.get(), "ROLLBACK");
      throw unaccounted(e, found, ours);
    }
    // DELETE without WHERE uses SQLite's truncate optimisation. The checkpoint moves every
    // frame into the database and makes the next writer start at the WAL's beginning, so each
    // case starts from the same state; RESTART, not TRUNCATE, keeps the file's size, so commits
    // rewrite WAL pages instead of growing the file (as PostgreSQL recycles its WAL segments).
    sqlite_exec(db.get(), "DELETE FROM " + e.table);
    sqlite_exec(db.get(), "COMMIT");
    sqlite_exec(db.get(), "PRAGMA wal_checkpoint(RESTART)");
  }
  if (e.ledger) e.ledger->rows = 0;
}

std::optional<std::string> release_table(Backend b, const Endpoint& e) {
  if (b != Backend::postgres || e.ledger == nullptr) return std::nullopt;
  const TableLedger& l = *e.ledger;
  try {
    auto conn = pg_connect(e.target);
    PGconn* c = conn.get();
    const std::uint64_t found = lock_and_count(c, e.table);
    if (!l.rows || *l.rows != found) {
      return "left table " + e.table + " in place: it " + unaccounted_rows(found, l.rows) +
             "; check its rows, then drop it yourself";
    }
    if (l.marked) {
      pg_exec(c, "DROP TABLE " + e.table);
    } else if (found > 0) {
      pg_exec(c, "DELETE FROM " + e.table);  // found empty, left empty
    }
    pg_commit(c);
  } catch (const DriverError& ex) {
    return "left table " + e.table + " in place: " + ex.what();
  }
  return std::nullopt;
}

}  // namespace wpbench
