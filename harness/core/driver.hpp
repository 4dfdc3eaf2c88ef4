#pragma once
/// The one small interface every driver path implements, and the words that name a case
/// (backend, transport, endpoint); the registry that lists the paths is
/// harness/drivers/registry.hpp.

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/decision.hpp"
#include "core/transport.hpp"

namespace wpbench {

/// SQLite's durability knobs; WAL + FULL (one sync per commit) matches PostgreSQL's
/// synchronous_commit=on, which is what makes the comparison fair.
struct SqliteSettings {
  std::string journal_mode = "WAL";
  std::string synchronous = "FULL";
  int busy_timeout_ms = 5000;
};

/// The PRAGMAs that give a connection the settings in `s`, in the order to run them.
std::vector<std::string> sqlite_pragmas(const SqliteSettings& s);

/// What wpbench knows of its table on one database (harness/db/schema.hpp keeps it up to date).
struct TableLedger {
  bool created = false;  ///< this run created it, so this run drops it
  bool marked = false;   ///< it carries wpbench's mark (a table comment): created by a wpbench run
  /// Rows in the table, every one written by wpbench, as last accounted for; empty when they
  /// cannot be accounted for (then nothing is deleted any more).
  std::optional<std::uint64_t> rows = 0;
  /// Adds rows just inserted by wpbench (a probe's), when the count is still known.
  void add(std::uint64_t n) {
    if (rows) *rows += n;
  }
};

/// Where a session connects: a libpq conninfo string (PostgreSQL) or a file path (SQLite).
struct Endpoint {
  Transport transport = Transport::unix_socket;
  std::string target;  ///< conninfo or path; may hold a password, so never print it
  std::string table;   ///< an identifier already checked by validate_table_name()
  SqliteSettings sqlite;
  /// What wpbench knows of the table's rows, kept up to date by whatever inserts or empties;
  /// null only where the caller owns the whole database (the tests' own servers and files).
  TableLedger* ledger = nullptr;
  /// PostgreSQL: a standby of the server (conninfo, read-only) the rows must also reach;
  /// verification checks it once it has replayed what the server wrote. Empty: none.
  std::string standby = {};
};

/// One PostgreSQL server to connect to, and how it authenticates the connection.
struct ConnectTarget {
  Transport transport = Transport::unix_socket;
  std::string auth;      ///< "peer", "trust", "scram-sha-256", or "as configured" for --dsn
  std::string conninfo;  ///< never printed: may hold a password
};

/// Raised by a driver path when the database refuses or the connection breaks.
class DriverError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// An open connection of one driver path, ready to write decisions.
class Session {
 public:
  virtual ~Session() = default;
  /// One durable insert: returns only once the commit is acknowledged; throws on failure.
  virtual void insert(const Decision& d) = 0;
};

/// How a path that runs in another process is measured (harness/measure/arm_ops.hpp).
struct ArmOps;

/// What a driver path does on the wire, declared beside it in the registry so that tests,
/// transports (a transaction pooler) and reports read it instead of guessing from names.
struct Capabilities {
  /// SQL statements one insert sends: 1 (INSERT in autocommit) or 3 (BEGIN, INSERT, COMMIT).
  int statements = 1;
  /// The insert runs inside BEGIN ... COMMIT sent by the client (explicit or implicit, as
  /// psycopg2's), rather than in autocommit.
  bool explicit_transaction = false;
  /// Uses a named server-side prepared statement kept across inserts (PQprepare and the like).
  bool named_prepared = false;
  /// Works through a transaction-mode pooler such as PgBouncer 1.18: every statement it relies
  /// on lives within one transaction (named prepared statements do not). PostgreSQL paths only.
  bool pooler_safe = true;
  /// Connections one insert opens (and closes): 1 for the connect-per-write paths, whose every
  /// insert also pays a new backend and its authentication round trips (connect_round_trips()).
  /// Such paths run only when asked for (--connect-per-write, or named in --drivers).
  int connects = 0;
};

/// One way of using one library, as a row of the registry table.
struct DriverPath {
  const char* driver;   ///< library, e.g. "libpq", "soci-sqlite3"
  const char* variant;  ///< how it is used, e.g. "prepared"
  Backend backend;
  int round_trips;  ///< client/server round trips one sample costs (0: in-process SQLite)
  Capabilities caps;
  const char* how;  ///< one line for --list and the JSON: what a sample does
  std::unique_ptr<Session> (*open)(const Endpoint&);  ///< null for the Python arm
  /// Null: the path runs in this process, through `open`. Else it runs in a child process that
  /// times itself (the Python arm, harness/drivers/python/python_arm.cpp), and this is how to
  /// measure it.
  const ArmOps* arm = nullptr;
  /// In the default run. The others keep it within about four minutes: they run when named in
  /// --drivers (by driver or driver/variant) or with --extra-drivers (connect-per-write paths,
  /// Capabilities::connects, with --connect-per-write instead).
  bool by_default = true;

  /// driver/variant, e.g. "libpq/prepared": what --drivers and the Python arm call it.
  std::string id() const { return std::string(driver) + "/" + variant; }
};

/// A driver path over one transport: the unit that is measured.
struct Case {
  const DriverPath* path = nullptr;
  Transport transport = Transport::unix_socket;
  /// driver/variant/transport
  std::string name() const;
};

}  // namespace wpbench
