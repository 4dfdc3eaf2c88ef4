#include "server/pgbouncer.hpp"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <stdexcept>

#include "db/dsn.hpp"
#include "db/pg.hpp"
#include "server/server.hpp"

namespace wpbench {

namespace {
// A file of its own, readable by it alone: the auth file holds SCRAM secrets.
void write_private(const std::string& path, const std::string& text, const OsUser& owner) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  if (!out.flush()) throw std::runtime_error("cannot write " + path);
  out.close();
  if (chmod(path.c_str(), 0600) != 0 || chown(path.c_str(), owner.uid, owner.gid) != 0) {
    throw std::runtime_error("cannot hand " + path + " to " + owner.name);
  }
}

}  // namespace

std::string find_pgbouncer() {
  for (const char* p : {"/usr/sbin/pgbouncer", "/usr/bin/pgbouncer", "/usr/local/bin/pgbouncer"}) {
    if (access(p, X_OK) == 0) return p;
  }
  return "";
}

void PgBouncer::write_files(const PgBouncerOptions& opt) {
  std::string users, hba;
  for (const auto& [name, secret] : opt.roles) {
    users += "\"" + name + "\" \"" + secret + "\"\n";
    // First match wins, as in pg_hba.conf: the trust role by name, everyone else by scram.
    if (secret.empty()) hba += "host all " + name + " 127.0.0.1/32 trust\n";
  }
  hba += "host all all 127.0.0.1/32 scram-sha-256\n";
  write_private(dir_ + "/userlist.txt", users, opt.user);
  write_private(dir_ + "/hba.conf", hba, opt.user);

  const std::string db = "postgres = " + opt.upstream;
  const std::string n = std::to_string(opt.max_clients);
  write_private(dir_ + "/pgbouncer.ini",
                "[databases]\n" + db +
                    "\n"
                    "[pgbouncer]\n"
                    "listen_addr = 127.0.0.1\n"
                    "listen_port = " +
                    std::to_string(port_) +
                    "\n"
                    // TCP only: the transport is what a remote client reaches.
                    "unix_socket_dir =\n"
                    "auth_type = hba\n"
                    "auth_hba_file = " +
                    dir_ + "/hba.conf\nauth_file = " + dir_ +
                    "/userlist.txt\n"
                    "pool_mode = " +
                    opt.pool_mode +
                    "\n"
                    // Every client may hold a server connection at once (session pooling, or
                    // interleaved cases all in a transaction): none waits for the pool.
                    "max_client_conn = " +
                    n + "\ndefault_pool_size = " + n +
                    "\n"
                    // psycopg and asyncpg send this at start-up; PgBouncer refuses unknown ones.
                    "ignore_startup_parameters = extra_float_digits\n"
                    "logfile = " +
                    dir_ + "/pgbouncer.log\npidfile = " + dir_ + "/pgbouncer.pid\n",
                opt.user);
}

PgBouncer::PgBouncer(const PgBouncerOptions& opt) : dir_(opt.dir) {
  const std::string bin = find_pgbouncer();
  if (bin.empty()) {
    throw std::runtime_error(
        "no pgbouncer for the pgbouncer transport (install Debian's pgbouncer, run scripts/setup)");
  }
  // A free port can be taken between the probe and its bind: try a few.
  for (int attempt = 0; attempt < 5; ++attempt) {
    port_ = free_loopback_port();
    write_files(opt);
    SpawnOptions so;
    if (geteuid() == 0) so.as = opt.user;
    so.log_path = dir_ + "/stderr.log";
    so.own_session = true;
    so.death_signal = SIGTERM;
    pid_ = spawn({bin, dir_ + "/pgbouncer.ini"}, so);
    const std::string ping = build_conninfo({{"host", "127.0.0.1"},
                                             {"port", std::to_string(port_)},
                                             {"dbname", "postgres"},
                                             {"user", opt.roles.front().first},
                                             {"connect_timeout", "2"}});
    const Startup up = wait_until_answers(pid_, ping, std::chrono::seconds(20));
    if (up == Startup::answers) return;
    if (up == Startup::timed_out) break;
    pid_ = -1;  // exited: maybe the port was taken; try another
  }
  const std::string log = tail_lines(dir_ + "/pgbouncer.log", 3);
  stop();
  throw std::runtime_error("PgBouncer did not start: " + log);
}

void PgBouncer::stop() {
  // SIGINT: 1.18's safe shutdown, which waits for clients (gone by now); SIGTERM: at once.
  stop_child(pid_, {SIGINT, SIGTERM}, std::chrono::seconds(5));
  pid_ = -1;
}

PgBouncer::~PgBouncer() { stop(); }

}  // namespace wpbench
