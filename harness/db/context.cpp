#include "db/context.hpp"

#include <soci/version.h>
#include <sqlite3.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <build_info.hpp>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <pqxx/version.hxx>
#include <set>
#include <thread>

#include "db/pg.hpp"

namespace wpbench {

namespace {
std::string first_match(const std::string& file, const std::string& key) {
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(key, 0) != 0) continue;
    auto v = line.substr(key.size());
    const auto b = v.find_first_not_of(" \t:=\"");
    v = b == std::string::npos ? "" : v.substr(b);
    while (!v.empty() && (v.back() == '"' || v.back() == ' ')) v.pop_back();
    return v;
  }
  return "";
}

std::string utc_format(std::time_t t, const char* fmt) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, fmt, &tm);
  return buf;
}

std::string version_of_libpq() {
  const int v = PQlibVersion();  // e.g. 150020 for 15.20
  return std::to_string(v / 10000) + "." + std::to_string(v % 10000);
}

std::string version_of_soci() {
  return std::to_string(SOCI_VERSION / 100000) + "." + std::to_string(SOCI_VERSION / 100 % 1000) +
         "." + std::to_string(SOCI_VERSION % 100);
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

RunContext collect_context() {
  RunContext c;
  // One instant for both; the id carries milliseconds, so runs started in the same second (CI
  // jobs, a loop) get different ids and default file names.
  timespec now{};
  clock_gettime(CLOCK_REALTIME, &now);
  char ms[16];
  std::snprintf(ms, sizeof ms, ".%03dZ", static_cast<int>(now.tv_nsec / 1000000));
  c.run_id = utc_format(now.tv_sec, "%Y%m%dT%H%M%S") + ms;
  c.timestamp_utc = utc_format(now.tv_sec, "%Y-%m-%dT%H:%M:%SZ");

  char host[256] = {};
  gethostname(host, sizeof host - 1);
  utsname u{};
  uname(&u);
  c.host["hostname"] = host;
  c.host["os"] = first_match("/etc/os-release", "PRETTY_NAME");
  c.host["kernel"] = std::string(u.sysname) + " " + u.release;
  c.host["arch"] = u.machine;
  c.host["cpu_model"] = first_match("/proc/cpuinfo", "model name");
  c.host["logical_cpus"] = std::to_string(std::thread::hardware_concurrency());
  c.host["memory_total"] = first_match("/proc/meminfo", "MemTotal");
  try {
    const auto mhz = first_match("/proc/cpuinfo", "cpu MHz");
    c.cpu_mhz = mhz.empty() ? 0 : std::stod(mhz);
  } catch (const std::exception&) {
    c.cpu_mhz = 0;
  }
  if (auto governors = scaling_governors(); !governors.empty()) {
    c.host["cpu_scaling_governor"] = std::move(governors);
  }

#if defined(__clang__)
  c.build["compiler"] = std::string("clang ") + __clang_version__;
#elif defined(__GNUC__)
  c.build["compiler"] = std::string("g++ ") + __VERSION__;
#endif
  c.build["build_type"] = build::build_type;
  c.build["git_commit"] = build::git_commit;
  c.build["wpbench_version"] = build::version;

  c.libraries["libpq"] = version_of_libpq();
  c.libraries["libpqxx"] = PQXX_VERSION;
  c.libraries["soci"] = version_of_soci();
  c.libraries["sqlite3"] = sqlite3_libversion();
  return c;
}

std::string scaling_governors(const std::string& cpu_dir) {
  namespace fs = std::filesystem;
  std::set<std::string> found;
  std::error_code ec;
  for (fs::directory_iterator it(cpu_dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    // cpu0, cpu1, ...; not cpufreq, cpuidle or cpu_capacity beside them.
    if (name.size() < 4 || name.rfind("cpu", 0) != 0 ||
        name.find_first_not_of("0123456789", 3) != std::string::npos) {
      continue;
    }
    std::ifstream in(it->path() / "cpufreq" / "scaling_governor");
    std::string governor;
    if (std::getline(in, governor) && !governor.empty()) found.insert(governor);
  }
  std::string out;
  for (const auto& g : found) out += (out.empty() ? "" : ",") + g;
  return out;
}

void read_server_info(const std::string& conninfo, ServerInfo& out) {
  auto conn = pg_connect(conninfo);
  out.version = pg_query_value(conn.get(), "SHOW server_version");
  for (const auto& name : reported_server_settings()) {
    out.settings[name] = pg_query_value(conn.get(), "SHOW " + name);
  }
}

bool postgres_durable(const ServerInfo& s) {
  const auto get = [&](const char* k) {
    const auto it = s.settings.find(k);
    return it == s.settings.end() ? std::string() : it->second;
  };
  return get("fsync") == "on" && get("synchronous_commit") != "off" && s.data_filesystem != "tmpfs";
}

bool sqlite_durable(const SqliteInfo& s) {
  return (s.synchronous == "FULL" || s.synchronous == "EXTRA") && s.filesystem != "tmpfs";
}

std::string postgres_durability(const ServerInfo& s) {
  const auto get = [&](const char* k) {
    const auto it = s.settings.find(k);
    return it == s.settings.end() ? std::string() : it->second;
  };
  if (get("fsync") == "off") {
    return "fsync=off: an OS crash or power loss can corrupt the whole cluster";
  }
  if (s.data_filesystem == "tmpfs") return "data on tmpfs: a reboot loses everything";
  if (get("synchronous_commit") == "off") {
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

std::string filesystem_type(const std::string& path) {
  struct statfs s {};
  if (statfs(path.c_str(), &s) != 0) return "unknown";
  switch (static_cast<unsigned long>(s.f_type)) {
    case 0xEF53:
      return "ext2/ext3/ext4";
    case 0x01021994:
      return "tmpfs";
    case 0x58465342:
      return "xfs";
    case 0x9123683E:
      return "btrfs";
    case 0x794C7630:
      return "overlayfs";
    case 0x2FC12FC1:
      return "zfs";
    case 0x6969:
      return "nfs";
    case 0x65735546:
      return "fuse";
    default: {
      char buf[32];
      std::snprintf(buf, sizeof buf, "0x%lx", static_cast<unsigned long>(s.f_type));
      return buf;
    }
  }
}

}  // namespace wpbench
