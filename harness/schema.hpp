#pragma once
/// The benchmark table: created from sql/ when missing, refused when it has another shape, and
/// emptied before each case so verification can account for every row.

#include <string>

#include "driver.hpp"

namespace wpbench {

/// Raised when the table cannot be used as it is (another shape, no permission).
class SchemaError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// sql/schema.sql or sql/schema_sqlite.sql with the table name filled in.
std::string schema_sql(Backend b, const std::string& table);

/// Creates the table if it is missing; throws SchemaError if it exists with other columns.
void ensure_table(Backend b, const Endpoint& e);

/// Removes every row and restarts ids at 1.
void reset_table(Backend b, const Endpoint& e);

}  // namespace wpbench
