#pragma once
/// Small RAII and error helpers over libpq, shared by the libpq paths, the verifier, the schema
/// set-up and the server fixture.

#include <libpq-fe.h>

#include <memory>
#include <string>

#include "core/decision.hpp"
#include "core/driver.hpp"

namespace wpbench {

struct PgConnCloser {
  void operator()(PGconn* c) const { PQfinish(c); }
};
struct PgResultCloser {
  void operator()(PGresult* r) const { PQclear(r); }
};
using PgConn = std::unique_ptr<PGconn, PgConnCloser>;
using PgResult = std::unique_ptr<PGresult, PgResultCloser>;

/// Connects or throws DriverError with libpq's message on one line. The connection's notices
/// are dropped (pg_quiet_notices).
PgConn pg_connect(const std::string& conninfo);

/// Drops the server's notices on `c` instead of libpq's default, which prints each to stderr:
/// a dying server's "terminating connection" would otherwise land raw among wpbench's one-line
/// errors. What matters reaches wpbench as the error of the call that failed.
void pg_quiet_notices(PGconn* c);

/// libpq's last error for `c` as one line (its messages end in newlines and may span several).
std::string pg_error(const PGconn* c);

/// Takes ownership of `r` and throws DriverError (naming `what`) unless its status is `want`.
PgResult pg_expect(PGconn* c, PGresult* r, ExecStatusType want, const char* what);

/// Runs a parameterless command (simple query protocol) and throws unless it succeeds.
PgResult pg_exec(PGconn* c, const std::string& sql);

/// BEGIN (with `mode`, e.g. "READ ONLY") and COMMIT for the harness's own transactions (set-up,
/// reset, verification), tagged with a comment so pg_stat_statements, and a DBA reading it, tells
/// them from a driver's BEGIN and COMMIT.
void pg_begin(PGconn* c, const std::string& mode = "");
void pg_commit(PGconn* c);

/// Runs a query and returns its single value as text (throws unless exactly one row).
std::string pg_query_value(PGconn* c, const std::string& sql);

/// A decision as the six text-format parameters of insert_sql_pg().
class PgTextParams {
 public:
  explicit PgTextParams(const Decision& d);
  static constexpr int count = 6;
  const char* const* values() const { return values_; }

 private:
  std::string edge_, score_;
  const char* values_[count];
};

}  // namespace wpbench
