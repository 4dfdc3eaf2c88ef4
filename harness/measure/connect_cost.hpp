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

#include "core/driver.hpp"
#include "core/result.hpp"
#include "measure/clock.hpp"

namespace wpbench {

/// The SQLite file the sqlite3 entry opens, with the settings its PRAGMAs apply.
struct SqliteConnectTarget {
  std::string path;
  SqliteSettings settings;
};

/// The C++ libraries measure_connect_costs can time, in the order it times them.
inline const std::vector<std::string> kNativeConnectLibraries = {"libpq", "libpqxx",
                                                                 "soci-postgresql"};

/// For each PostgreSQL C++ library of `libraries` (libpq's PQconnectdb, pqxx::connection,
/// soci::session with the postgresql backend) and each target, opens and closes a plain connection
/// `n` times, then does the same for SQLite (sqlite3_open_v2 + sqlite_pragmas + close) when
/// `sqlite` is given. Each open is what the library does to hand back a usable connection, nothing
/// prepared (SOCI's includes the SET extra_float_digits it sends at connect). Each combination
/// first opens and closes once untimed, so one-time library set-up is not counted. Database errors
/// (e.g. an authentication refused) end that combination with `error` set, and the rest still run.
/// `stop` is polled before every open: once set, the result holds what was measured so far and
/// the combinations not yet started are left out. `progress`, when given, is bumped after every
/// timed open and close.
std::vector<ConnectCost> measure_connect_costs(
    const std::vector<ConnectTarget>& targets, std::uint64_t n, Clock& clock,
    const std::atomic<bool>& stop, const std::optional<SqliteConnectTarget>& sqlite = std::nullopt,
    const std::vector<std::string>& libraries = kNativeConnectLibraries,
    std::atomic<std::uint64_t>* progress = nullptr);

}  // namespace wpbench
