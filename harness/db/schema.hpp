#pragma once
/// The benchmark table: created from sql/ when missing (and marked as wpbench's), refused when it
/// has another shape or holds rows wpbench did not write, emptied before each case only when it
/// holds just the rows wpbench accounts for, and dropped (or emptied) at the end of a run.
/// wpbench runs against people's own databases: it must never delete a row it did not insert.

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

#include "core/driver.hpp"

namespace wpbench {

/// Raised when the table cannot be used as it is (another shape, no permission, user's rows).
class SchemaError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Raised when the table holds rows wpbench cannot account for (another client writes to it):
/// nothing was deleted, and the run must stop rather than go on measuring around them.
class UnaccountedRows : public SchemaError {
 public:
  using SchemaError::SchemaError;
};

/// The comment that marks a PostgreSQL table as created by wpbench.
extern const char* const kTableMark;

/// sql/schema.sql or sql/schema_sqlite.sql with the table name filled in.
std::string schema_sql(Backend b, const std::string& table);

/// Creates the table if it is missing and marks it; throws SchemaError if it exists with other
/// columns, is UNLOGGED, lacks a privilege a run needs, or is a table wpbench did not create that
/// holds rows. Returns what it found (a marked table's rows count as wpbench's).
TableLedger ensure_table(Backend b, const Endpoint& e);

/// Empties the table for the next case, under an exclusive lock and only when it holds exactly
/// the rows e.ledger accounts for (without a ledger: a marked PostgreSQL table, or an SQLite
/// file the caller owns); throws UnaccountedRows otherwise, having deleted nothing.
void reset_table(Backend b, const Endpoint& e);

/// At the end of a run against an existing server: drops the table when wpbench's (created or
/// marked), or empties a table found empty, so the database is left as found; never deletes rows
/// the ledger does not account for. Returns a line saying what was left behind and why, or
/// nothing when the table is gone (or emptied).
std::optional<std::string> release_table(Backend b, const Endpoint& e);

}  // namespace wpbench
