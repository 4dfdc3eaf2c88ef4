#include "core/driver.hpp"

namespace wpbench {

const char* transport_name(Transport t) {
  switch (t) {
    case Transport::unix_socket:
      return "unix";
    case Transport::tcp:
      return "tcp";
    case Transport::file:
      return "file";
  }
  return "?";
}

std::vector<std::string> sqlite_pragmas(const SqliteSettings& s) {
  return {"PRAGMA busy_timeout=" + std::to_string(s.busy_timeout_ms),
          "PRAGMA journal_mode=" + s.journal_mode, "PRAGMA synchronous=" + s.synchronous};
}

std::string Case::name() const { return path->id() + "/" + transport_name(transport); }

std::vector<Transport> transports_for(Backend b) {
  if (b == Backend::sqlite) return {Transport::file};
  return {Transport::unix_socket, Transport::tcp};
}

}  // namespace wpbench
