#include "core/driver.hpp"

namespace wpbench {

std::vector<std::string> sqlite_pragmas(const SqliteSettings& s) {
  return {"PRAGMA busy_timeout=" + std::to_string(s.busy_timeout_ms),
          "PRAGMA journal_mode=" + s.journal_mode, "PRAGMA synchronous=" + s.synchronous};
}

std::string Case::name() const { return path->id() + "/" + transport_name(transport); }

}  // namespace wpbench
