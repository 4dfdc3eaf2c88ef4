#include "server/server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <stdexcept>
#include <thread>

#include "db/dsn.hpp"
#include "db/pg.hpp"
#include "sys/text.hpp"

namespace fs = std::filesystem;

namespace wpbench {

namespace {
// The second role: login only, no password, so trust can be timed beside peer and scram.
const char* const kTrustRole = "wpbench_trust";

// initdb's --auth-local / --auth-host: the authentication of the transport whose pg_hba.conf
// lines are of that type.
std::string fixture_auth(const std::string& hba_type) {
  for (const auto& spec : transport_specs()) {
    if (spec.backend == Backend::postgres && spec.hba_type == hba_type) return spec.fixture_auth;
  }
  return "reject";
}

bool is_exec(const fs::path& p) { return access(p.c_str(), X_OK) == 0; }

std::string random_password() {
  std::random_device rd;  // /dev/urandom on Linux
  static const char* hex = "0123456789abcdef";
  std::string s;
  for (int i = 0; i < 32; ++i) s += hex[rd() % 16];
  return s;
}

// Hands a path (and, when recursive, everything below it) to the server's OS user.
void chown_to(const fs::path& p, const OsUser& u) {
  if (chown(p.c_str(), u.uid, u.gid) != 0) {
    throw std::runtime_error("cannot chown " + p.string() + " to " + u.name);
  }
}

}  // namespace

std::string find_pg_bindir(const std::string& preferred) {
  std::vector<fs::path> candidates;
  if (!preferred.empty()) {
    candidates.emplace_back(preferred);
  } else {
    if (const char* env = std::getenv("WPBENCH_PG_BINDIR")) candidates.emplace_back(env);
    candidates.emplace_back("/usr/lib/postgresql/15/bin");
    // Any other Debian-packaged major version, newest first.
    std::vector<fs::path> others;
    std::error_code ec;
    for (const auto& d : fs::directory_iterator("/usr/lib/postgresql", ec)) {
      others.push_back(d.path() / "bin");
    }
    std::sort(others.rbegin(), others.rend());
    candidates.insert(candidates.end(), others.begin(), others.end());
    candidates.emplace_back("/usr/local/pgsql/bin");
  }
  for (const auto& c : candidates) {
    if (is_exec(c / "initdb") && is_exec(c / "postgres")) return c.string();
  }
  throw std::runtime_error(
      preferred.empty()
          ? "no PostgreSQL server binaries found for a throwaway server (install postgresql-15, "
            "run scripts/setup, or pass --pg-bindir; or measure your own server with --dsn)"
          : "no initdb/postgres in " + preferred);
}

int free_loopback_port() {
  const int s = socket(AF_INET, SOCK_STREAM, 0);
  if (s < 0) throw std::runtime_error("socket() failed");
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;  // the kernel picks a free one
  socklen_t len = sizeof a;
  if (bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      getsockname(s, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    close(s);
    throw std::runtime_error("cannot find a free loopback port");
  }
  close(s);
  return ntohs(a.sin_port);
}

Startup wait_until_answers(pid_t pid, const std::string& conninfo, std::chrono::seconds limit,
                           const std::atomic<bool>* stop) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (PQping(conninfo.c_str()) == PQPING_OK) return Startup::answers;
    if (stop != nullptr && stop->load()) throw Interrupted("interrupted while starting the server");
    if (wait_for(pid, std::chrono::milliseconds(50))) return Startup::exited;
  }
  return Startup::timed_out;
}

ThrowawayServer::ThrowawayServer(const ServerOptions& opt) : dir_("wpbench-pg-", opt.parent_dir) {
  const std::string bindir = find_pg_bindir(opt.bindir);
  const OsUser me = current_os_user();
  role_ = me.name;  // peer authentication maps our OS user to the role of the same name
  if (geteuid() == 0) {
    const std::string name = opt.os_user.empty() ? "postgres" : opt.os_user;
    auto u = find_os_user(name);
    if (!u) u = opt.os_user.empty() ? find_os_user("nobody") : std::nullopt;
    if (!u)
      throw std::runtime_error("no OS user '" + name + "' to run PostgreSQL as (--server-user)");
    if (u->uid == 0) throw std::runtime_error("--server-user must not be root");
    server_user_ = *u;
  } else {
    server_user_ = me;
  }

  try {
    chown_to(dir_.path(), server_user_);
    if (geteuid() == 0) {
      // initdb would fail later with a bare "Permission denied"; say what to change instead.
      SpawnOptions probe;
      probe.as = server_user_;
      if (run_command({"/usr/bin/test", "-x", dir_.path()}, probe) != 0) {
        throw std::runtime_error("OS user " + server_user_.name + " cannot reach " +
                                 temp_parent(opt.parent_dir) +
                                 ": every directory on the way must be searchable by it "
                                 "(choose another --tmp-dir, e.g. /var/tmp)");
      }
    }
    password_ = random_password();
    const std::string pwfile = dir_.file("pwfile");
    {
      // 0600 from the start: the password never sits in a readable file, even briefly.
      const int fd = open(pwfile.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
      const std::string line = password_ + "\n";
      if (fd < 0 || write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
        if (fd >= 0) close(fd);
        throw std::runtime_error("cannot write " + pwfile);
      }
      close(fd);
    }
    chown_to(pwfile, server_user_);

    SpawnOptions so;
    if (geteuid() == 0) so.as = server_user_;
    so.log_path = dir_.file("initdb.log");
    so.own_session = true;      // a terminal's Ctrl-C reaches wpbench, which decides what stops
    so.death_signal = SIGKILL;  // half an initdb is of no use to anyone
    const int rc = run_command(
        {bindir + "/initdb", "-D", data_dir(), "-U", role_, "--pwfile=" + pwfile,
         "--auth-local=" + fixture_auth("local"), "--auth-host=" + fixture_auth("host"), "-E",
         "UTF8", "--locale=C",
         // The cluster is thrown away; syncing its initial files would only slow start-up.
         "--no-sync"},
        so);
    fs::remove(pwfile);
    if (rc != 0) {
      throw std::runtime_error("initdb failed (exit " + std::to_string(rc) +
                               "): " + tail_lines(dir_.file("initdb.log"), 3));
    }
    transports_ = opt.transports;
    tls_ = std::any_of(transports_.begin(), transports_.end(),
                       [](Transport t) { return verifies_server(spec_of(t)); });
    if (tls_) make_tls_files();
    if (opt.standby) ns_ = std::make_unique<NetNamespace>(dir_.file("netns.log"));
    add_hba_lines();
    if (opt.stop && opt.stop->load()) throw Interrupted("interrupted while creating the server");
    start_postgres(bindir, opt);
    create_trust_role();
    if (serves(Transport::pgbouncer)) start_pgbouncer(opt);
    if (opt.standby) start_standby(bindir, opt);
  } catch (...) {
    stop();
    throw;
  }
}

void ThrowawayServer::start_postgres(const std::string& bindir, const ServerOptions& opt) {
  const std::string sock = dir_.file("sock");
  fs::create_directory(sock);
  chown_to(sock, server_user_);
  // A free port can be taken between our probe and the server's bind: try a few.
  for (int attempt = 0; attempt < 5; ++attempt) {
    port_ = free_loopback_port();
    SpawnOptions so;
    if (geteuid() == 0) so.as = server_user_;
    so.log_path = dir_.file("postgres.log");
    so.own_session = true;
    // The postmaster takes SIGQUIT as "immediate shutdown": it ends its backends and exits.
    so.death_signal = SIGQUIT;
    std::vector<std::string> argv = {
        bindir + "/postgres",
        "-D",
        data_dir(),
        "-k",
        sock,
        "-p",
        std::to_string(port_),
        "-c",
        "listen_addresses=127.0.0.1" + (ns_ && ns_->ok() ? "," + ns_->host_address() : ""),
        "-c",
        "logging_collector=off"};
    if (tls_) {
      argv.insert(argv.end(), {"-c", "ssl=on", "-c", "ssl_cert_file=" + dir_.file("tls/server.crt"),
                               "-c", "ssl_key_file=" + dir_.file("tls/server.key")});
    }
    for (const auto& s : opt.settings) argv.insert(argv.end(), {"-c", s});
    pid_ = spawn(argv, so);
    const Startup up = wait_until_answers(pid_, conninfo(Transport::unix_socket),
                                          std::chrono::seconds(60), opt.stop);
    if (up == Startup::answers) return;
    if (up == Startup::exited) {
      pid_ = -1;  // maybe the port was taken; try another
    } else {
      // Read the log before stop() removes it.
      const std::string log = tail_lines(dir_.file("postgres.log"), 3);
      stop();
      throw std::runtime_error("PostgreSQL did not become ready in 60 s: " + log);
    }
  }
  throw std::runtime_error("PostgreSQL failed to start: " +
                           tail_lines(dir_.file("postgres.log"), 3));
}

void ThrowawayServer::make_tls_files() {
  // A throwaway CA and the server certificate it signs, for 127.0.0.1 and localhost: a client
  // with sslmode=verify-full checks the chain and the name, as a managed server's clients do.
  // RSA 2048, the common key of managed PostgreSQL's certificates, so a handshake costs what it
  // costs there. The CA's key is deleted once it has signed: nothing else can be signed with it.
  const std::string d = dir_.file("tls");
  fs::create_directory(d);
  {
    std::ofstream ext(d + "/san.cnf");
    ext << "subjectAltName=IP:127.0.0.1,DNS:localhost\n";
    if (!ext.flush()) throw std::runtime_error("cannot write " + d + "/san.cnf");
  }
  SpawnOptions so;
  so.log_path = d + "/openssl.log";
  so.death_signal = SIGKILL;
  const std::vector<std::vector<std::string>> steps = {
      {"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
       "/CN=wpbench throwaway CA", "-keyout", d + "/ca.key", "-out", d + "/ca.crt"},
      {"/usr/bin/openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
       "-keyout", d + "/server.key", "-out", d + "/server.csr"},
      {"/usr/bin/openssl", "x509", "-req", "-days", "2", "-in", d + "/server.csr", "-CA",
       d + "/ca.crt", "-CAkey", d + "/ca.key", "-CAcreateserial", "-extfile", d + "/san.cnf",
       "-out", d + "/server.crt"}};
  for (const auto& argv : steps) {
    int rc = -1;
    try {
      rc = run_command(argv, so);
    } catch (const std::exception&) {
    }
    if (rc != 0) {
      throw std::runtime_error(
          "cannot make the TLS certificate (openssl " + argv[1] +
          " failed; is Debian's openssl installed?): " + tail_lines(d + "/openssl.log", 2));
    }
  }
  fs::remove(d + "/ca.key");
  // The server refuses a key others can read; it reads the files as its own OS user.
  fs::permissions(d + "/server.key", fs::perms::owner_read | fs::perms::owner_write);
  for (const char* f : {"", "/server.key", "/server.crt"}) chown_to(d + f, server_user_);
}

void ThrowawayServer::add_hba_lines() {
  // pg_hba.conf is first-match: these lines go above initdb's peer and scram lines and name only
  // the trust role, so the main role still gets peer on the socket and scram on TCP. A transport
  // whose line type initdb does not write (hostssl) gets its own line for every role.
  const std::string path = dir_.file("data/pg_hba.conf");
  const std::string rest = read_file(path);
  if (rest.empty()) throw std::runtime_error("cannot read " + path);
  const std::string role = kTrustRole;
  std::ofstream out(path, std::ios::trunc);  // rewrites in place: owner and mode stay initdb's
  out << "# wpbench: a role without a password, to time trust authentication\n";
  for (const auto& spec : transport_specs()) {
    if (!serves(spec.id)) continue;
    out << spec.hba_type << " all " << role;
    if (spec.host == HostKind::address) out << " " << spec.fixture_host << "/32";
    out << " trust\n";
  }
  for (const auto& spec : transport_specs()) {
    const std::string type = spec.hba_type;
    if (!serves(spec.id) || type == "local" || type == "host") continue;
    out << type << " all all " << spec.fixture_host << "/32 " << spec.fixture_auth << "\n";
  }
  if (ns_ && ns_->ok()) {
    // The standby's host: it replicates from there, and wpbench reads it back from this side.
    for (const auto& addr : {ns_->inside_address(), ns_->host_address()}) {
      out << "host all all " << addr << "/32 scram-sha-256\n";
      out << "host replication all " << addr << "/32 scram-sha-256\n";
    }
  }
  out << rest;
  if (!out.flush()) throw std::runtime_error("cannot write " + path);
}

void ThrowawayServer::create_trust_role() {
  // Only what a connect needs: it logs in and leaves (CONNECT is also PUBLIC's by default; the
  // grant says so here rather than relying on it).
  auto c = pg_connect(conninfo(Transport::unix_socket));
  pg_exec(c.get(), std::string("CREATE ROLE ") + kTrustRole + " LOGIN");
  pg_exec(c.get(), std::string("GRANT CONNECT ON DATABASE postgres TO ") + kTrustRole);
}

void ThrowawayServer::start_pgbouncer(const ServerOptions& opt) {
  // The role's SCRAM secret, as the server stores it: PgBouncer checks the client against it and
  // logs in to the server with the client's proof (pass-through), holding no password itself.
  auto c = pg_connect(conninfo(Transport::unix_socket));
  const std::string secret =
      pg_query_value(c.get(), "SELECT rolpassword FROM pg_authid WHERE rolname = current_user");
  // What a direct connection carries in options=, which PgBouncer refuses: the role's own
  // defaults, so every server session it opens starts with them and RESET ALL returns to them.
  for (const auto& s : opt.session_settings) {
    const auto eq = s.find('=');
    char* value = PQescapeLiteral(c.get(), s.c_str() + eq + 1, s.size() - eq - 1);
    if (value == nullptr) throw std::runtime_error("cannot quote the setting " + s);
    const std::string sql = "ALTER ROLE CURRENT_USER SET " + s.substr(0, eq) + " = " + value;
    PQfreemem(value);
    pg_exec(c.get(), sql);
  }
  c.reset();
  PgBouncerOptions po;
  po.dir = dir_.file("pgbouncer");
  fs::create_directory(po.dir);
  chown_to(po.dir, server_user_);
  po.user = server_user_;
  // Over TCP, as a pooler on its own host would; the server's "host" lines admit it.
  po.upstream = build_conninfo({{"host", spec_of(Transport::tcp).fixture_host},
                                {"port", std::to_string(port_)},
                                {"dbname", "postgres"}});
  po.pool_mode = opt.pool_mode;
  po.roles = {{role_, secret}, {kTrustRole, ""}};
  po.max_clients = opt.max_clients;
  pgbouncer_ = std::make_unique<PgBouncer>(po);
}

void ThrowawayServer::start_standby(const std::string& bindir, const ServerOptions& opt) {
  StandbyOptions so;
  so.bindir = bindir;
  so.dir = dir_.path();
  so.user = server_user_;
  so.role = role_;
  so.password = password_;
  so.primary_port = port_;
  so.ns = ns_.get();
  so.primary_address = ns_ && ns_->ok() ? ns_->host_address() : "127.0.0.1";
  so.settings = opt.settings;
  standby_ = std::make_unique<Standby>(so);
  // Any standby may acknowledge; each session's synchronous_commit says what it waits for.
  auto c = pg_connect(conninfo(Transport::unix_socket));
  pg_exec(c.get(), "ALTER SYSTEM SET synchronous_standby_names = '*'");
  pg_exec(c.get(), "SELECT pg_reload_conf()");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (pg_query_value(c.get(),
                        "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming' AND "
                        "sync_state = 'sync'") != "1") {
    if (std::chrono::steady_clock::now() > deadline) {
      throw std::runtime_error("the standby did not become synchronous in 60 s");
    }
    if (opt.stop != nullptr && opt.stop->load()) {
      throw Interrupted("interrupted while starting the standby");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

std::string ThrowawayServer::standby_where() const {
  if (!standby_) return "";
  if (ns_ && ns_->ok()) {
    return "network namespace " + ns_->name() + " (veth, " + standby_->address() + ")";
  }
  return "loopback (" + (ns_ ? ns_->why_not() : std::string("no namespace")) + ")";
}

std::string ThrowawayServer::conninfo(Transport t, ServerRole role) const {
  const TransportSpec& spec = spec_of(t);
  if (spec.backend != Backend::postgres) {
    throw std::invalid_argument(std::string("no server behind transport ") + spec.name);
  }
  if (t == Transport::pgbouncer && !pgbouncer_) {
    throw std::invalid_argument("the server was started without its PgBouncer");
  }
  std::map<std::string, std::string> kv{
      {"host", spec.host == HostKind::socket_dir ? dir_.file("sock") : spec.fixture_host},
      {"port", std::to_string(t == Transport::pgbouncer ? pgbouncer_->port() : port_)},
      {"dbname", "postgres"},
      {"user", role == ServerRole::trust ? kTrustRole : role_}};
  if (role == ServerRole::main && auth_uses_password(spec.fixture_auth)) kv["password"] = password_;
  if (*spec.sslmode) kv["sslmode"] = spec.sslmode;
  if (verifies_server(spec)) {
    if (!tls_) {
      throw std::invalid_argument(std::string("the server was started without ") + spec.name);
    }
    kv["sslrootcert"] = dir_.file("tls/ca.crt");
  }
  return build_conninfo(kv);
}

void ThrowawayServer::stop() {
  if (pgbouncer_) pgbouncer_->stop();  // first: it holds connections to the server
  if (standby_) standby_->stop();
  if (ns_) ns_->remove();
  if (pid_ > 0) {
    // Fast shutdown (abort sessions, checkpoint, exit), then immediate; a checkpoint after a big
    // run may take a while.
    stop_child(pid_, {SIGINT, SIGQUIT}, std::chrono::seconds(30));
    pid_ = -1;
  }
  dir_.remove();
}

ThrowawayServer::~ThrowawayServer() { stop(); }

std::vector<ConnectTarget> throwaway_connect_targets(const ThrowawayServer& server) {
  std::vector<ConnectTarget> out;
  for (const auto& spec : transport_specs()) {
    if (!server.serves(spec.id)) continue;
    out.push_back({spec.id, spec.fixture_auth, server.conninfo(spec.id)});
    out.push_back({spec.id, "trust", server.conninfo(spec.id, ServerRole::trust)});
  }
  return out;
}

}  // namespace wpbench
