#include "measure/connect_cost.hpp"

#include <libpq-fe.h>
#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>

#include <algorithm>
#include <memory>
#include <pqxx/pqxx>

#include "db/pg.hpp"
#include "db/sqlite.hpp"
#include "sys/text.hpp"

namespace wpbench {

namespace {

// One library's way to open a plain connection and to close it again. open() throws
// DriverError with one line; close() never throws and is safe without an open connection.
class Connector {
 public:
  virtual ~Connector() = default;
  virtual void open(const std::string& target) = 0;
  virtual void close() = 0;
};

class LibpqConnector final : public Connector {
 public:
  ~LibpqConnector() override { close(); }
  void open(const std::string& target) override {
    conn_ = PQconnectdb(target.c_str());
    if (conn_ == nullptr || PQstatus(conn_) != CONNECTION_OK) {
      const std::string msg = pg_error(conn_);
      close();
      throw DriverError(msg);
    }
  }
  void close() override {
    if (conn_ != nullptr) PQfinish(conn_);
    conn_ = nullptr;
  }

 private:
  PGconn* conn_ = nullptr;
};

class PqxxConnector final : public Connector {
 public:
  void open(const std::string& target) override {
    try {
      conn_.emplace(target);
    } catch (const std::exception& e) {
      throw DriverError(one_line(e.what()));
    }
  }
  void close() override { conn_.reset(); }

 private:
  std::optional<pqxx::connection> conn_;
};

class SociPgConnector final : public Connector {
 public:
  void open(const std::string& target) override {
    try {
      session_.emplace(soci::postgresql, target);
    } catch (const soci::soci_error& e) {
      throw DriverError(one_line(e.get_error_message()));
    }
  }
  void close() override { session_.reset(); }

 private:
  std::optional<soci::session> session_;
};

class SqliteConnector final : public Connector {
 public:
  explicit SqliteConnector(const SqliteSettings& s) : settings_(s) {}
  void open(const std::string& path) override { db_ = sqlite_open(path, settings_); }
  void close() override { db_.reset(); }

 private:
  SqliteSettings settings_;
  SqliteDb db_;
};

// One combination: an untimed open and close, then up to n timed ones. Returns false once
// `stop` is seen, so the caller starts nothing more.
bool measure_one(Connector& conn, const std::string& target, std::uint64_t n, Clock& clock,
                 const std::atomic<bool>& stop, ConnectCost& out,
                 std::atomic<std::uint64_t>* progress) {
  if (stop.load()) return false;
  try {
    // The first connect of a process pays one-time set-up (libpq's and OpenSSL's
    // initialisation, SOCI's backend registration, page faults in fresh code) that no later
    // connect does.
    conn.open(target);
    conn.close();
    for (std::uint64_t i = 0; i < n; ++i) {
      if (stop.load()) return false;
      const auto t0 = clock.now();
      conn.open(target);
      const auto t1 = clock.now();
      conn.close();
      const auto t2 = clock.now();
      out.connect_ns.push_back((t1 - t0).count());
      out.close_ns.push_back((t2 - t1).count());
      if (progress) progress->fetch_add(1, std::memory_order_relaxed);
    }
  } catch (const std::exception& e) {
    conn.close();
    out.error = one_line(e.what());
  }
  return true;
}

}  // namespace

std::vector<ConnectCost> measure_connect_costs(const std::vector<ConnectTarget>& targets,
                                               std::uint64_t n, Clock& clock,
                                               const std::atomic<bool>& stop,
                                               const std::optional<SqliteConnectTarget>& sqlite,
                                               const std::vector<std::string>& libraries,
                                               std::atomic<std::uint64_t>* progress) {
  LibpqConnector libpq;
  PqxxConnector pqxx;
  SociPgConnector soci_pg;
  const std::pair<const char*, Connector*> all[] = {
      {"libpq", &libpq}, {"libpqxx", &pqxx}, {"soci-postgresql", &soci_pg}};

  std::vector<ConnectCost> results;
  for (const auto& [driver, conn] : all) {
    if (std::find(libraries.begin(), libraries.end(), driver) == libraries.end()) continue;
    for (const auto& t : targets) {
      results.push_back(ConnectCost{driver, transport_name(t.transport), t.auth, {}, {}, {}});
      if (!measure_one(*conn, t.conninfo, n, clock, stop, results.back(), progress)) {
        if (results.back().connect_ns.empty() && !results.back().error) results.pop_back();
        return results;
      }
    }
  }
  if (sqlite) {
    SqliteConnector conn(sqlite->settings);
    results.push_back(ConnectCost{"sqlite3", transport_name(Transport::file), "none", {}, {}, {}});
    if (!measure_one(conn, sqlite->path, n, clock, stop, results.back(), progress) &&
        results.back().connect_ns.empty()) {
      results.pop_back();
    }
  }
  return results;
}

}  // namespace wpbench
