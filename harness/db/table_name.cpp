#include "db/table_name.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <iterator>
#include <regex>
#include <stdexcept>
#include <string_view>

namespace wpbench {

void validate_table_name(const std::string& name) {
  static const std::regex ok("[a-z_][a-z0-9_]{0,62}");
  if (!std::regex_match(name, ok)) {
    throw std::invalid_argument("table name '" + name +
                                "' must match [a-z_][a-z0-9_]{0,62} (a plain SQL identifier)");
  }
  // PostgreSQL 15's reserved key words (pg_get_keywords() categories R and T): unquoted, none of
  // them can name a table. Sorted, for the binary search.
  static const char* const kPgReserved[] = {"all",
                                            "analyse",
                                            "analyze",
                                            "and",
                                            "any",
                                            "array",
                                            "as",
                                            "asc",
                                            "asymmetric",
                                            "authorization",
                                            "binary",
                                            "both",
                                            "case",
                                            "cast",
                                            "check",
                                            "collate",
                                            "collation",
                                            "column",
                                            "concurrently",
                                            "constraint",
                                            "create",
                                            "cross",
                                            "current_catalog",
                                            "current_date",
                                            "current_role",
                                            "current_schema",
                                            "current_time",
                                            "current_timestamp",
                                            "current_user",
                                            "default",
                                            "deferrable",
                                            "desc",
                                            "distinct",
                                            "do",
                                            "else",
                                            "end",
                                            "except",
                                            "false",
                                            "fetch",
                                            "for",
                                            "foreign",
                                            "freeze",
                                            "from",
                                            "full",
                                            "grant",
                                            "group",
                                            "having",
                                            "ilike",
                                            "in",
                                            "initially",
                                            "inner",
                                            "intersect",
                                            "into",
                                            "is",
                                            "isnull",
                                            "join",
                                            "lateral",
                                            "leading",
                                            "left",
                                            "like",
                                            "limit",
                                            "localtime",
                                            "localtimestamp",
                                            "natural",
                                            "not",
                                            "notnull",
                                            "null",
                                            "offset",
                                            "on",
                                            "only",
                                            "or",
                                            "order",
                                            "outer",
                                            "overlaps",
                                            "placing",
                                            "primary",
                                            "references",
                                            "returning",
                                            "right",
                                            "select",
                                            "session_user",
                                            "similar",
                                            "some",
                                            "symmetric",
                                            "table",
                                            "tablesample",
                                            "then",
                                            "to",
                                            "trailing",
                                            "true",
                                            "union",
                                            "unique",
                                            "user",
                                            "using",
                                            "variadic",
                                            "verbose",
                                            "when",
                                            "where",
                                            "window",
                                            "with"};
  const bool pg = std::binary_search(
      std::begin(kPgReserved), std::end(kPgReserved), name,
      [](const auto& a, const auto& b) { return std::string_view(a) < std::string_view(b); });
  // SQLite lets some key words name a table and not others; any key word is refused alike.
  const bool lite = sqlite3_keyword_check(name.c_str(), static_cast<int>(name.size())) != 0;
  if (pg || lite) {
    throw std::invalid_argument("table name '" + name + "' is an SQL key word (" +
                                (pg ? "reserved by PostgreSQL" : "of SQLite") +
                                "); choose another, e.g. " + name + "_decisions");
  }
}

}  // namespace wpbench
