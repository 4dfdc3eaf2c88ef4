// The registry: one line per driver path. Adding a path = one file in harness/drivers/, its
// open function declared in harness/drivers/paths.hpp, and one line here.
#include "drivers/registry.hpp"

#include <map>
#include <stdexcept>

#include "drivers/paths.hpp"
#include "drivers/python/python_arm.hpp"

namespace wpbench {

namespace {
// What each path sends per insert (Capabilities in harness/core/driver.hpp).
constexpr Capabilities kAutocommit{1, false, false, true};       // one INSERT, unnamed
constexpr Capabilities kAutocommitNamed{1, false, true, false};  // EXECUTE of a named statement
constexpr Capabilities kTransaction{3, true, false, true};       // BEGIN, INSERT, COMMIT
constexpr Capabilities kTransactionNamed{3, true, true, false};  // the same, INSERT prepared
// A new connection per insert, then BEGIN, INSERT, COMMIT on it.
constexpr Capabilities kConnectTransaction{3, true, false, true, 1};
// A new SQLAlchemy Engine per insert: its first connect runs the dialect's set-up (BEGIN,
// version, schema, isolation, standard_conforming_strings, hstore look-up, ROLLBACK, twice
// rolled back) before BEGIN, INSERT, COMMIT: 12 statements, each its own round trip.
constexpr Capabilities kNewEngine{12, true, false, true, 1};
}  // namespace

const std::vector<DriverPath>& driver_paths() {
  using B = Backend;
  static const std::vector<DriverPath> paths = {
      {"libpq", "exec-params", B::postgres, 1, kAutocommit,
       "PQexecParams in autocommit: parse+bind+execute+sync in one round trip",
       open_libpq_exec_params},
      {"libpq", "prepared", B::postgres, 1, kAutocommitNamed,
       "PQprepare once, then PQexecPrepared in autocommit", open_libpq_prepared},
      {"libpq", "tx", B::postgres, 3, kTransaction,
       "BEGIN; INSERT (PQexecParams); COMMIT: what psycopg2 does by default", open_libpq_tx},
      {"libpq", "pipeline", B::postgres, 1, kTransaction,
       "BEGIN, INSERT, COMMIT queued in pipeline mode behind one sync", open_libpq_pipeline},
      {"libpqxx", "work", B::postgres, 3, kTransaction,
       "pqxx::work + exec_params + commit, the documented idiom", open_pqxx_work},
      {"libpqxx", "nontx-prepared", B::postgres, 1, kAutocommitNamed,
       "connection::prepare once, nontransaction::exec_prepared (autocommit)",
       open_pqxx_nontx_prepared},
      {"soci-postgresql", "transaction", B::postgres, 3, kTransaction,
       "soci::transaction + one-shot `sql <<` with use() + commit", open_soci_pg_transaction},
      {"soci-postgresql", "prepared", B::postgres, 1, kAutocommitNamed,
       "soci::statement prepared once, re-executed in autocommit", open_soci_pg_prepared},
      {"soci-sqlite3", "oneshot", B::sqlite, 0, kAutocommit,
       "one-shot `sql <<` with use() in autocommit (statement compiled each time)",
       open_soci_sqlite_oneshot},
      {"soci-sqlite3", "prepared", B::sqlite, 0, kAutocommit,
       "soci::statement prepared once, re-executed in autocommit", open_soci_sqlite_prepared},
      {"sqlite3", "oneshot", B::sqlite, 0, kAutocommit,
       "sqlite3_prepare_v2 + bind + step + finalize per insert", open_sqlite3_oneshot},
      {"sqlite3", "prepared", B::sqlite, 0, kAutocommit,
       "one sqlite3_stmt prepared once; reset + bind + step per insert", open_sqlite3_prepared},
      // The seed post's own stack, run by the Python arm (harness/drivers/python/wpbench_arm.py).
      {"psycopg2", "direct", B::postgres, 3, kTransaction,
       "the post's snippet: cursor, execute, commit (implicit BEGIN)", nullptr, python_arm()},
      {"psycopg2", "autocommit", B::postgres, 1, kAutocommit, "the same with autocommit=True",
       nullptr, python_arm()},
      {"psycopg2", "pool", B::postgres, 3, kTransaction,
       "ThreadedConnectionPool getconn/putconn around each insert", nullptr, python_arm()},
      {"sqlalchemy-core", "creator", B::postgres, 3, kTransaction,
       "create_engine(creator=psycopg2.connect), engine.begin() + text() insert", nullptr,
       python_arm()},
      {"sqlalchemy-orm", "creator", B::postgres, 3, kTransaction,
       "a mapped class, Session.add + commit, over the same creator engine", nullptr, python_arm()},
      {"psycopg3", "direct", B::postgres, 3, kTransactionNamed,
       "psycopg 3: cursor, execute, commit", nullptr, python_arm()},
      {"psycopg3", "pipeline", B::postgres, 1, kTransactionNamed,
       "psycopg 3 in pipeline mode, autocommit: BEGIN, INSERT, COMMIT sent, then one sync", nullptr,
       python_arm(), false},
      // Async drivers, each insert one run_until_complete on the session's event loop; with the
      // pipeline above, outside the default run (--extra-drivers), which they would take past
      // four minutes.
      {"psycopg3", "async", B::postgres, 3, kTransactionNamed,
       "psycopg 3 AsyncConnection: async cursor, execute, commit", nullptr, python_arm(), false},
      {"psycopg3", "async-pool", B::postgres, 3, kTransactionNamed,
       "psycopg_pool AsyncConnectionPool: async with pool.connection(), execute, commit on exit",
       nullptr, python_arm(), false},
      {"asyncpg", "transaction", B::postgres, 3, kTransactionNamed,
       "asyncpg: async with conn.transaction(), execute (cached prepared statement)", nullptr,
       python_arm(), false},
      // A connection per insert (--connect-per-write): what turns 1 ms into tens.
      {"psycopg2", "connect-per-write", B::postgres, 3, kConnectTransaction,
       "psycopg2.connect, cursor, execute, commit, close for every decision", nullptr, python_arm(),
       false},
      {"sqlalchemy-core", "nullpool", B::postgres, 3, kConnectTransaction,
       "poolclass=NullPool: engine.begin() opens and closes a psycopg2 connection per insert",
       nullptr, python_arm(), false},
      {"sqlalchemy-core", "engine-per-write", B::postgres, 12, kNewEngine,
       "a new Engine per insert: first connect's dialect set-up, engine.begin() insert, dispose",
       nullptr, python_arm(), false},
      {"python-sqlite3", "seed", B::sqlite, 0, kTransaction,
       "the post's SQLite path: sqlite3.connect(check_same_thread=False), execute, commit", nullptr,
       python_arm()},
  };
  return paths;
}

std::string baseline_of(const DriverPath& p) {
  // A layer and the direct path under it that sends the same statements
  // (Baselines.AreDirectPathsSendingTheSame); the direct drivers are their own baselines.
  static const std::map<std::string, std::string> baselines = {
      {"libpqxx/work", "libpq/tx"},
      {"libpqxx/nontx-prepared", "libpq/prepared"},
      {"soci-postgresql/transaction", "libpq/tx"},
      {"soci-postgresql/prepared", "libpq/prepared"},
      {"soci-sqlite3/oneshot", "sqlite3/oneshot"},
      {"soci-sqlite3/prepared", "sqlite3/prepared"},
      // The post's comparison: SQLAlchemy over the psycopg2 it wraps.
      {"sqlalchemy-core/creator", "psycopg2/direct"},
      {"sqlalchemy-orm/creator", "psycopg2/direct"},
      {"psycopg2/pool", "psycopg2/direct"},
      {"psycopg3/async", "psycopg3/direct"},
      {"psycopg3/async-pool", "psycopg3/direct"},
      {"sqlalchemy-core/nullpool", "psycopg2/connect-per-write"},
  };
  const auto it = baselines.find(p.id());
  return it == baselines.end() ? "" : it->second;
}

std::vector<Case> all_cases() {
  std::vector<Case> cases;
  for (const auto& p : driver_paths()) {
    for (const auto t : transports_for(p.backend)) cases.push_back(Case{&p, t});
  }
  return cases;
}

Case find_case(const std::string& name) {
  for (const auto& c : all_cases()) {
    if (c.name() == name) return c;
  }
  throw std::invalid_argument("no case " + name + " in the registry");
}

}  // namespace wpbench
