#pragma once
/// The one small interface every driver path implements, and the registry that lists them.

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "decision.hpp"

namespace wpbench {

enum class Backend { postgres, sqlite };
/// Where a path runs: in this process (a Session), or in the Python arm, a child process that
/// times itself and hands back raw samples (harness/python_arm.cpp).
enum class Arm { native, python };
enum class Transport { unix_socket, tcp, file };

/// "unix", "tcp" or "file": the last part of a case name.
const char* transport_name(Transport t);

/// SQLite's durability knobs; WAL + FULL (one sync per commit) matches PostgreSQL's
/// synchronous_commit=on, which is what makes the comparison fair.
struct SqliteSettings {
  std::string journal_mode = "WAL";
  std::string synchronous = "FULL";
  int busy_timeout_ms = 5000;
};

/// The PRAGMAs that give a connection the settings in `s`, in the order to run them.
std::vector<std::string> sqlite_pragmas(const SqliteSettings& s);

struct TableLedger;  // harness/schema.hpp

/// Where a session connects: a libpq conninfo string (PostgreSQL) or a file path (SQLite).
struct Endpoint {
  Transport transport = Transport::unix_socket;
  std::string target;  ///< conninfo or path; may hold a password, so never print it
  std::string table;   ///< an identifier already checked by validate_table_name()
  SqliteSettings sqlite;
  /// What wpbench knows of the table's rows, kept up to date by whatever inserts or empties;
  /// null only where the caller owns the whole database (the tests' own servers and files).
  TableLedger* ledger = nullptr;
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

/// One way of using one library, as a row of the registry table.
struct DriverPath {
  const char* driver;   ///< library, e.g. "libpq", "soci-sqlite3"
  const char* variant;  ///< how it is used, e.g. "prepared"
  Backend backend;
  int round_trips;  ///< client/server round trips one sample costs (0: in-process SQLite)
  const char* how;  ///< one line for --list and the JSON: what a sample does
  std::unique_ptr<Session> (*open)(const Endpoint&);  ///< null for the Python arm
  Arm arm = Arm::native;

  /// driver/variant, e.g. "libpq/prepared": what --drivers and the Python arm call it.
  std::string id() const { return std::string(driver) + "/" + variant; }
};

/// Every driver path, in display order (harness/drivers/registry.cpp).
const std::vector<DriverPath>& driver_paths();

/// A driver path over one transport: the unit that is measured.
struct Case {
  const DriverPath* path = nullptr;
  Transport transport = Transport::unix_socket;
  /// driver/variant/transport
  std::string name() const;
};

/// All cases: PostgreSQL paths over unix and tcp, SQLite paths over file.
std::vector<Case> all_cases();

/// The case named driver/variant/transport; throws std::invalid_argument when there is none.
Case find_case(const std::string& name);

/// The transports a backend can use.
std::vector<Transport> transports_for(Backend b);

/// Throws std::invalid_argument unless `name` is a plain lower-case SQL identifier that neither
/// PostgreSQL nor SQLite reserves, so it can be spliced into SQL text without quoting surprises.
void validate_table_name(const std::string& name);

}  // namespace wpbench
