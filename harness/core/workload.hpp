#pragma once
/// The INSERT every driver path sends, in each library's placeholder dialect. The SQL is the
/// seed's: six bound values and a database-set timestamp.

#include <string>

namespace wpbench {

/// PostgreSQL with $n placeholders (libpq, libpqxx).
std::string insert_sql_pg(const std::string& table);
/// SOCI's :name placeholders (both SOCI backends translate them).
std::string insert_sql_soci_pg(const std::string& table);
std::string insert_sql_soci_sqlite(const std::string& table);
/// SQLite's ?n placeholders (the C API).
std::string insert_sql_sqlite(const std::string& table);

}  // namespace wpbench
