#pragma once
// The open functions of the driver paths, one per file in harness/drivers/.
#include <memory>

#include "core/driver.hpp"

namespace wpbench {
std::unique_ptr<Session> open_libpq_exec_params(const Endpoint& e);
std::unique_ptr<Session> open_libpq_prepared(const Endpoint& e);
std::unique_ptr<Session> open_libpq_tx(const Endpoint& e);
std::unique_ptr<Session> open_libpq_pipeline(const Endpoint& e);
std::unique_ptr<Session> open_pqxx_work(const Endpoint& e);
std::unique_ptr<Session> open_pqxx_nontx_prepared(const Endpoint& e);
std::unique_ptr<Session> open_soci_pg_transaction(const Endpoint& e);
std::unique_ptr<Session> open_soci_pg_prepared(const Endpoint& e);
std::unique_ptr<Session> open_soci_sqlite_oneshot(const Endpoint& e);
std::unique_ptr<Session> open_soci_sqlite_prepared(const Endpoint& e);
std::unique_ptr<Session> open_sqlite3_oneshot(const Endpoint& e);
std::unique_ptr<Session> open_sqlite3_prepared(const Endpoint& e);
}  // namespace wpbench
