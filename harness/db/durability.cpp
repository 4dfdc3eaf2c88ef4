#include "db/durability.hpp"

#include "db/pg.hpp"

namespace wpbench {

namespace {
// A setting as read from the server; "" when it was not read.
std::string setting(const ServerInfo& s, const char* name) {
  const auto it = s.settings.find(name);
  return it == s.settings.end() ? std::string() : it->second;
}
}  // namespace

const std::vector<std::string>& reported_server_settings() {
  static const std::vector<std::string> names = {"synchronous_commit", "fsync",
                                                 "wal_sync_method",    "full_page_writes",
                                                 "commit_delay",       "wal_level",
                                                 "shared_buffers",     "max_wal_size",
                                                 "checkpoint_timeout", "password_encryption"};
  return names;
}

void read_server_info(const std::string& conninfo, ServerInfo& out) {
  auto conn = pg_connect(conninfo);
  out.version = pg_query_value(conn.get(), "SHOW server_version");
  for (const auto& name : reported_server_settings()) {
    out.settings[name] = pg_query_value(conn.get(), "SHOW " + name);
  }
}

bool postgres_durable(const ServerInfo& s) {
  return setting(s, "fsync") == "on" && setting(s, "synchronous_commit") != "off" &&
         s.data_filesystem != "tmpfs";
}

bool sqlite_durable(const SqliteInfo& s) {
  return (s.synchronous == "FULL" || s.synchronous == "EXTRA") && s.filesystem != "tmpfs";
}

std::string postgres_durability(const ServerInfo& s) {
  if (setting(s, "fsync") == "off") {
    return "fsync=off: an OS crash or power loss can corrupt the whole cluster";
  }
  if (s.data_filesystem == "tmpfs") return "data on tmpfs: a reboot loses everything";
  if (setting(s, "synchronous_commit") == "off") {
    return "synchronous_commit=off: a crash can lose the commits acknowledged in the last "
           "~3 x wal_writer_delay (600 ms by default); no corruption";
  }
  return "durable: a commit is acknowledged once its WAL is flushed to disk";
}

std::string sqlite_durability(const SqliteInfo& s) {
  if (s.filesystem == "tmpfs") return "database on tmpfs: a reboot loses everything";
  const bool wal = s.journal_mode == "wal" || s.journal_mode == "WAL";
  if (s.synchronous == "OFF") {
    return "synchronous=OFF: an OS crash or power loss can corrupt the database";
  }
  if (s.synchronous == "NORMAL") {
    return wal ? "WAL + NORMAL: a power loss can roll back the last commits (the WAL is synced "
                 "at checkpoints, not per commit); no corruption"
               : "rollback journal + NORMAL: a power loss at the wrong moment can corrupt the "
                 "database";
  }
  return wal ? "durable: WAL + " + s.synchronous + ", the WAL is synced at every commit"
             : "durable: " + s.journal_mode + " journal + " + s.synchronous +
                   ", several syncs per commit";
}

}  // namespace wpbench
