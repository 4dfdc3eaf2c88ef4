#include "db/pg.hpp"

#include <poll.h>

#include <cerrno>

#include "sys/text.hpp"

namespace wpbench {

std::string pg_error(const PGconn* c) {
  if (c == nullptr) return "out of memory allocating a connection";
  return one_line(PQerrorMessage(c));
}

void pg_quiet_notices(PGconn* c) {
  PQsetNoticeProcessor(
      c, [](void*, const char*) {}, nullptr);
}

PgConn pg_connect(const std::string& conninfo) {
  // PQconnectdb's steps, one at a time, so the notice processor is in place before the server
  // can say anything: a server shutting down warns connections still starting up.
  PgConn c(PQconnectStart(conninfo.c_str()));
  if (!c) throw DriverError("cannot connect: " + pg_error(nullptr));
  pg_quiet_notices(c.get());
  PostgresPollingStatusType st =
      PQstatus(c.get()) == CONNECTION_BAD ? PGRES_POLLING_FAILED : PGRES_POLLING_WRITING;
  while (st != PGRES_POLLING_OK && st != PGRES_POLLING_FAILED) {
    pollfd p{PQsocket(c.get()), static_cast<short>(st == PGRES_POLLING_READING ? POLLIN : POLLOUT),
             0};
    if (poll(&p, 1, -1) < 0 && errno != EINTR) break;
    st = PQconnectPoll(c.get());
  }
  if (PQstatus(c.get()) != CONNECTION_OK) {
    throw DriverError("cannot connect: " + pg_error(c.get()));
  }
  return c;
}

PgResult pg_expect(PGconn* c, PGresult* r, ExecStatusType want, const char* what) {
  PgResult res(r);
  if (!res) throw DriverError(std::string(what) + ": " + pg_error(c));
  if (PQresultStatus(res.get()) != want) {
    std::string msg = one_line(PQresultErrorMessage(res.get()));
    if (msg.empty()) msg = std::string("unexpected result ") + PQresStatus(PQresultStatus(r));
    throw DriverError(std::string(what) + ": " + msg);
  }
  return res;
}

PgResult pg_exec(PGconn* c, const std::string& sql) {
  PgResult res(PQexec(c, sql.c_str()));
  const auto st = res ? PQresultStatus(res.get()) : PGRES_FATAL_ERROR;
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    std::string msg = res ? one_line(PQresultErrorMessage(res.get())) : pg_error(c);
    throw DriverError(msg.empty() ? "query failed: " + sql : msg);
  }
  return res;
}

void pg_begin(PGconn* c, const std::string& mode) {
  pg_exec(c, "BEGIN " + mode + " /* wpbench harness */");
}

void pg_commit(PGconn* c) { pg_exec(c, "COMMIT /* wpbench harness */"); }

std::string pg_query_value(PGconn* c, const std::string& sql) {
  auto res = pg_exec(c, sql);
  if (PQntuples(res.get()) != 1 || PQnfields(res.get()) < 1) {
    throw DriverError("expected one row from: " + sql);
  }
  return PQgetisnull(res.get(), 0, 0) ? std::string() : PQgetvalue(res.get(), 0, 0);
}

PgTextParams::PgTextParams(const Decision& d)
    : edge_(format_double(d.edge)), score_(format_double(d.score)) {
  values_[0] = d.market_ticker.c_str();
  values_[1] = d.direction.c_str();
  values_[2] = edge_.c_str();
  values_[3] = score_.c_str();
  values_[4] = d.action.c_str();
  values_[5] = d.skip_reason ? d.skip_reason->c_str() : nullptr;  // NULL parameter
}

}  // namespace wpbench
