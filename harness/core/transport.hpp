#pragma once
/// The transports, as data: one row per way of reaching a database. The server fixture, the
/// --dsn set-up, the floors, the decomposition, the JSON and the console all read this table, so
/// a new transport is one row here plus its fixture (docs/architecture.md, "A new transport").

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wpbench {

enum class Backend { postgres, sqlite };
/// In the table's order (transport_specs()): maps keyed by Transport list them so.
enum class Transport { unix_socket, tcp, tls, pgbouncer, file };

/// How a PostgreSQL transport names its server in a conninfo's host=.
enum class HostKind {
  socket_dir,  ///< a directory holding the server's Unix socket
  address,     ///< a host name or IP address, over TCP
  file,        ///< no server: a database file opened in-process (SQLite)
};

struct TransportSpec {
  Transport id;
  const char* name;   ///< the last part of a case name, and its key in the JSON: "unix"
  const char* title;  ///< for tables and plots: "Unix socket"
  Backend backend;
  HostKind host;
  /// Where the throwaway server is reached over it: its socket dir, or this address.
  const char* fixture_host;
  /// pg_hba.conf connection type the throwaway server's line uses ("local", "host"); empty for
  /// a file.
  const char* hba_type;
  /// How the throwaway server authenticates wpbench's role over it ("peer", "scram-sha-256";
  /// "none" for a file). A password method puts the role's password in the conninfo.
  const char* fixture_auth;
  /// libpq's sslmode for it ("disable": plain TCP, measured without TLS); empty: not set.
  const char* sslmode;
  /// The empty-query round trip floors (busy and idle) apply: a sample crosses to a server. The
  /// flush floor follows the backend (commit_flush, sqlite_flush).
  bool round_trips;
  /// One line for the JSON and docs/cases.md: what a sample crosses.
  const char* reach;
  /// Measured when --transports is not given; the others only when named.
  bool by_default;
  /// A connection pooler sits between client and server (PgBouncer): a client's session is not
  /// a server session, so the conninfo carries no startup options (PgBouncer refuses them) and
  /// settings are the role's defaults on the throwaway server; a path that keeps named
  /// prepared statements across transactions (Capabilities::pooler_safe false) breaks in
  /// transaction pooling. The fixture's pooler reaches the server over `upstream`.
  bool pooled = false;
  /// The transport this one is measured against in "what each transport adds" (the same driver
  /// path's p50 over both, paired by repetition): its plainer twin. Empty: none.
  const char* compared_with = "";
};

/// Protocol round trips a new PostgreSQL connection costs before it takes statements, given how
/// the server authenticates it and libpq's sslmode: the startup message and the authentication
/// exchange (trust and peer 1, md5 and password 2, scram-sha-256 3), plus, with TLS, the
/// SSLRequest and a TLS 1.3 handshake (2 more). The TCP handshake is not counted: on loopback it
/// costs nothing measurable. nullopt where the method is not known (--dsn: "as configured").
std::optional<int> connect_round_trips(std::string_view auth, std::string_view sslmode);

/// Every transport, in the order cases, tables and plots list them.
const std::vector<TransportSpec>& transport_specs();

/// The row of `t`.
const TransportSpec& spec_of(Transport t);

/// The row named `name`, or nullptr.
const TransportSpec* find_transport(std::string_view name);

/// The transport's name, e.g. "unix": the last part of a case name.
const char* transport_name(Transport t);

/// The transports a backend can use, in table order.
std::vector<Transport> transports_for(Backend b);

/// Every transport name, comma-separated, for messages.
std::string transport_names();

/// The names of the transports measured by default, comma-separated: "unix, tcp, file".
std::string default_transport_names();

/// Whether the transport is TLS with the server's certificate verified (sslmode verify-ca or
/// verify-full): its server needs a certificate, its client the CA's.
bool verifies_server(const TransportSpec& spec);

/// Whether a password-based authentication method: then the conninfo carries the password.
bool auth_uses_password(std::string_view auth);

}  // namespace wpbench
