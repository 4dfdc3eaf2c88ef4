// libpq/pipeline: the same BEGIN/INSERT/COMMIT as libpq/tx, but queued in pipeline mode
// (libpq >= 14) behind a single sync, so the three statements cost one round trip.
#include "core/workload.hpp"
#include "db/pg.hpp"
#include "drivers/paths.hpp"
#include "sys/text.hpp"

namespace wpbench {
namespace {
class LibpqPipeline final : public Session {
 public:
  explicit LibpqPipeline(const Endpoint& e)
      : conn_(pg_connect(e.target)), sql_(insert_sql_pg(e.table)) {
    if (PQenterPipelineMode(conn_.get()) != 1) {
      throw DriverError("cannot enter pipeline mode: " + pg_error(conn_.get()));
    }
  }
  void insert(const Decision& d) override {
    PGconn* c = conn_.get();
    const PgTextParams p(d);
    if (PQsendQueryParams(c, "BEGIN", 0, nullptr, nullptr, nullptr, nullptr, 0) != 1 ||
        PQsendQueryParams(c, sql_.c_str(), p.count, nullptr, p.values(), nullptr, nullptr, 0) !=
            1 ||
        PQsendQueryParams(c, "COMMIT", 0, nullptr, nullptr, nullptr, nullptr, 0) != 1 ||
        PQpipelineSync(c) != 1) {
      throw DriverError("pipeline send: " + pg_error(c));
    }
    // Drain everything up to the sync even after an error, so the connection stays in step.
    std::string first_error;
    for (;;) {
      PgResult r(PQgetResult(c));
      if (!r) {
        // NULL ends one statement's results; on a dead connection it is all libpq will say.
        if (PQstatus(c) == CONNECTION_BAD) throw DriverError("pipeline: " + pg_error(c));
        continue;
      }
      const auto st = PQresultStatus(r.get());
      if (st == PGRES_PIPELINE_SYNC) break;
      if (st != PGRES_COMMAND_OK && first_error.empty()) {
        const char* msg = PQresultErrorMessage(r.get());
        first_error = (msg && *msg) ? msg : PQresStatus(st);
      }
    }
    if (!first_error.empty()) throw DriverError("pipeline insert: " + one_line(first_error));
  }

 private:
  PgConn conn_;
  std::string sql_;
};
}  // namespace

std::unique_ptr<Session> open_libpq_pipeline(const Endpoint& e) {
  return std::make_unique<LibpqPipeline>(e);
}
}  // namespace wpbench
