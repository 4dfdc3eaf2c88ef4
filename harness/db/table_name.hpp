#pragma once
/// The one check a table name passes before wpbench splices it into SQL text.

#include <string>

namespace wpbench {

/// Throws std::invalid_argument unless `name` is a plain lower-case SQL identifier that neither
/// PostgreSQL nor SQLite reserves, so it can be spliced into SQL text without quoting surprises.
void validate_table_name(const std::string& name);

}  // namespace wpbench
