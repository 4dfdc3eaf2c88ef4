#pragma once
/// A throwaway PgBouncer in front of the throwaway cluster (the `pgbouncer` transport): Debian's
/// pgbouncer, run as the server's OS user, listening on loopback TCP. Clients authenticate to it
/// with scram-sha-256 against the role's own SCRAM secret (read from pg_authid), which PgBouncer
/// then passes through to the server; the trust role gets trust, as on the server. PgBouncer
/// refuses a client's startup options, so the settings a direct connection carries in options=
/// are the role's own on the throwaway server (ALTER ROLE ... SET), which also survive the
/// RESET ALL of session pooling's DISCARD ALL.

#include <sys/types.h>

#include <string>
#include <vector>

#include "sys/process.hpp"

namespace wpbench {

struct PgBouncerOptions {
  std::string dir;        ///< its own directory (config, auth files, log), made by the caller
  OsUser user;            ///< it refuses to run as root; the server's OS user
  std::string upstream;   ///< how it reaches the server: "host=127.0.0.1 port=P dbname=postgres"
  std::string pool_mode;  ///< transaction or session
  /// The roles it admits: name and SCRAM secret (empty: trust).
  std::vector<std::pair<std::string, std::string>> roles;
  int max_clients = 100;  ///< client connections at once, and the pool's size
};

class PgBouncer {
 public:
  /// Writes its files, starts it and waits until it answers; throws std::runtime_error.
  explicit PgBouncer(const PgBouncerOptions& opt);
  ~PgBouncer();
  PgBouncer(const PgBouncer&) = delete;
  PgBouncer& operator=(const PgBouncer&) = delete;

  int port() const { return port_; }
  /// Stops it (SIGINT: it closes its connections and exits); safe to call twice.
  void stop();

 private:
  void write_files(const PgBouncerOptions& opt);
  std::string dir_;
  int port_ = 0;
  pid_t pid_ = -1;
};

/// The pgbouncer binary (Debian installs /usr/sbin/pgbouncer), or empty.
std::string find_pgbouncer();

}  // namespace wpbench
