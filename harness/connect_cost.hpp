#pragma once
/// What opening and closing a connection costs, per library, transport and authentication
/// method: pgbench's "initial connection time" and its -C mode, reported apart from the insert
/// latency, which is always measured on a connection opened beforehand.
///
/// Open and close are timed apart because the two ways a program can treat connections hide
/// different parts: pgbench -C (a connection per transaction) pays both on every transaction,
/// a pool pays neither per insert, and only the open waits on the server (fork of a backend,
/// authentication, start-up parameters), while a PostgreSQL close only sends Terminate and
/// drops the socket (SQLite's last close checkpoints the WAL instead). One number for both would
/// blur where the time goes.

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "clock.hpp"
#include "driver.hpp"

namespace wpbench {

class ThrowawayServer;

/// One PostgreSQL server to connect to, and how it authenticates the connection.
struct ConnectTarget {
  Transport transport = Transport::unix_socket;
  std::string auth;      ///< "peer", "trust", "scram-sha-256", or "as configured" for --dsn
  std::string conninfo;  ///< never printed: may hold a password
};

/// The SQLite file the sqlite3 entry opens, with the settings its PRAGMAs apply.
struct SqliteConnectTarget {
  std::string path;
  SqliteSettings settings;
};

/// Open and close times of one library against one target, in the order they were taken.
struct ConnectCost {
  std::string driver;                    ///< "libpq", "libpqxx", "soci-postgresql" or "sqlite3"
  std::string transport;                 ///< "unix", "tcp" or "file"
  std::string auth;                      ///< as in ConnectTarget; "none" for SQLite
  std::vector<std::int64_t> connect_ns;  ///< opening a connection ready for statements
  std::vector<std::int64_t> close_ns;    ///< closing (destroying) it; same length
  std::optional<std::string> error;      ///< one line: why this combination stopped early
};

/// For each PostgreSQL C++ library (libpq's PQconnectdb, pqxx::connection, soci::session with
/// the postgresql backend) and each target, opens and closes a plain connection `n` times, then
/// does the same for SQLite (sqlite3_open_v2 + sqlite_pragmas + close) when `sqlite` is given.
/// Each open is what the library does to hand back a usable connection, nothing prepared (SOCI's
/// includes the SET extra_float_digits it sends at connect). Each combination first opens and
/// closes once untimed, so one-time library set-up is not counted. Database errors (e.g. an
/// authentication refused) end that combination with `error` set, and the rest still run.
/// `stop` is polled before every open: once set, the result holds what was measured so far and
/// the combinations not yet started are left out.
std::vector<ConnectCost> measure_connect_costs(
    const std::vector<ConnectTarget>& targets, std::uint64_t n, Clock& clock,
    const std::atomic<bool>& stop, const std::optional<SqliteConnectTarget>& sqlite = std::nullopt);

/// The throwaway server's four ways in: peer and trust on the socket, trust and scram-sha-256
/// on TCP.
std::vector<ConnectTarget> throwaway_connect_targets(const ThrowawayServer& server);

}  // namespace wpbench
