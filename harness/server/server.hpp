#pragma once
/// The throwaway PostgreSQL cluster wpbench starts when no --dsn is given: initdb into a temp
/// dir, peer auth on the socket, scram-sha-256 on loopback TCP, removed when the object dies.
/// A second, unprivileged role authenticates by trust on both, so connect cost can be timed for
/// every method (harness/measure/connect_cost.hpp).

#include <sys/types.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/driver.hpp"
#include "server/pgbouncer.hpp"
#include "server/standby.hpp"
#include "sys/process.hpp"
#include "sys/temp_dir.hpp"

namespace wpbench {

/// The throwaway server's two login roles.
enum class ServerRole {
  main,   ///< wpbench's own: peer on the socket, scram-sha-256 over TCP (each transport's row)
  trust,  ///< login only, no password, trust on every transport: times trust authentication
};

struct ServerOptions {
  std::string bindir;      ///< where initdb and postgres live; empty: find PostgreSQL 15
  std::string parent_dir;  ///< where the temp dir goes; empty: $TMPDIR or /tmp
  std::string os_user;     ///< run the server as this user when we are root; empty: postgres
  const std::atomic<bool>* stop = nullptr;  ///< when set, waiting for start-up gives up
  std::vector<std::string> settings;  ///< extra name=value server settings (-c), e.g. for tests
  /// The transports to serve; what one needs beyond a socket and loopback TCP (a certificate
  /// for TLS) is made only when it is asked for. Default: every PostgreSQL transport.
  std::vector<Transport> transports = transports_for(Backend::postgres);
  /// The pgbouncer transport's pool_mode: transaction (the common one) or session.
  std::string pool_mode = "transaction";
  /// name=value settings every session gets where a conninfo's options= cannot carry them (a
  /// pooled transport): the main role's defaults (ALTER ROLE ... SET).
  std::vector<std::string> session_settings;
  /// Client connections the run opens at once, at most: the pooler admits and pools as many.
  int max_clients = 100;
  /// Start a streaming standby (standby.hpp) in its own network namespace (loopback where none
  /// can be made) and make every commit able to wait for it (synchronous_standby_names '*';
  /// each session's synchronous_commit says whether and how it waits).
  bool standby = false;
};

/// A stop (signal) was asked for while wpbench was waiting on something.
class Interrupted : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class ThrowawayServer {
 public:
  /// Creates, starts and waits for the cluster; throws std::runtime_error with one line.
  explicit ThrowawayServer(const ServerOptions& opt);
  ~ThrowawayServer();
  ThrowawayServer(const ThrowawayServer&) = delete;
  ThrowawayServer& operator=(const ThrowawayServer&) = delete;

  /// Over PostgreSQL transport `t` (harness/core/transport.hpp), as `role`: the main role
  /// authenticates as the transport's row says (fixture_auth), the trust role by trust.
  std::string conninfo(Transport t, ServerRole role = ServerRole::main) const;
  /// Whether it was started to serve transport `t` (ServerOptions::transports).
  bool serves(Transport t) const {
    return std::find(transports_.begin(), transports_.end(), t) != transports_.end();
  }
  std::string data_dir() const { return dir_.file("data"); }
  /// The temp dir holding data/, the socket and the log; also a home for SQLite files.
  std::string dir() const { return dir_.path(); }
  std::string role() const { return role_; }
  int port() const { return port_; }
  /// The standby (ServerOptions::standby): how to reach it, read-only; empty without one.
  std::string standby_conninfo() const { return standby_ ? standby_->conninfo() : ""; }
  /// Where the standby runs, in words: "network namespace wpbench-123 (veth, 10.219.1.2)" or
  /// "loopback (<why no namespace>)"; empty without one.
  std::string standby_where() const;

  /// Stops the server (fast shutdown) and removes the temp dir; safe to call twice.
  void stop();

 private:
  void start_postgres(const std::string& bindir, const ServerOptions& opt);
  void add_hba_lines();
  void make_tls_files();
  void create_trust_role();
  void start_pgbouncer(const ServerOptions& opt);
  void start_standby(const std::string& bindir, const ServerOptions& opt);
  TempDir dir_;
  std::string role_, password_;
  bool tls_ = false;  ///< TLS is on: the server has a certificate signed by tls/ca.crt
  std::vector<Transport> transports_;
  OsUser server_user_;
  int port_ = 0;
  pid_t pid_ = -1;
  std::unique_ptr<PgBouncer> pgbouncer_;  ///< in front of it, when it serves Transport::pgbouncer
  std::unique_ptr<NetNamespace> ns_;      ///< the standby's host, when it has one
  std::unique_ptr<Standby> standby_;
};

/// The throwaway server's ways in, for connect cost (connect_cost.hpp): on each PostgreSQL
/// transport, its own authentication (peer on the socket, scram-sha-256 on TCP) and trust.
std::vector<ConnectTarget> throwaway_connect_targets(const ThrowawayServer& server);

/// The bin directory of the newest installed PostgreSQL 15 (Debian's layout), or of PATH.
std::string find_pg_bindir(const std::string& preferred);

/// A TCP port on 127.0.0.1 that nothing listens on right now.
int free_loopback_port();

/// How a server child just spawned came up (wait_until_answers).
enum class Startup { answers, exited, timed_out };

/// Waits until `conninfo` answers a ping (PQping: up and taking connections), the child `pid`
/// exits (then reaped), or `limit` passes; a stop asked for meanwhile (`stop`, when set) throws
/// Interrupted. The cluster, its PgBouncer and its standby all start so.
Startup wait_until_answers(pid_t pid, const std::string& conninfo, std::chrono::seconds limit,
                           const std::atomic<bool>* stop = nullptr);

}  // namespace wpbench
