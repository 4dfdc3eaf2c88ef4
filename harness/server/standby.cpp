#include "server/standby.hpp"

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <thread>

#include "db/dsn.hpp"
#include "db/pg.hpp"
#include "server/server.hpp"
#include "sys/janitor.hpp"

namespace fs = std::filesystem;

namespace wpbench {

namespace {
constexpr const char* kIp = "/usr/sbin/ip";
constexpr const char* kNsenter = "/usr/bin/nsenter";

// Runs `ip` with argv; its last error line on failure, empty when it worked.
std::string ip(const std::vector<std::string>& args, const std::string& log) {
  std::vector<std::string> argv = {kIp};
  argv.insert(argv.end(), args.begin(), args.end());
  SpawnOptions so;
  so.log_path = log;
  try {
    if (run_command(argv, so) == 0) return "";
  } catch (const std::exception& e) {
    return e.what();
  }
  const std::string tail = tail_lines(log, 1);
  return "ip " + args.front() + " failed" + (tail.empty() ? "" : ": " + tail);
}
}  // namespace

NetNamespace::NetNamespace(const std::string& log) {
  if (std::getenv("WPBENCH_NO_NETNS") != nullptr) {
    // As where namespaces are not allowed (a container without CAP_SYS_ADMIN): the tests use it
    // to run the loopback fallback as root too.
    why_not_ = "WPBENCH_NO_NETNS is set";
    return;
  }
  if (geteuid() != 0) {
    why_not_ = "not root, so no network namespace";
    return;
  }
  if (access(kIp, X_OK) != 0 || access(kNsenter, X_OK) != 0) {
    why_not_ = "no ip (iproute2) or nsenter (util-linux)";
    return;
  }
  const std::string id = std::to_string(getpid());
  name_ = "wpbench-" + id;
  host_if_ = "wpbh" + id;  // interface names: at most 15 characters
  const std::string peer = "wpbs" + id;
  // A /30 of its own in 10.219.0.0/16, picked by pid, so two runs at once rarely meet.
  const int n = static_cast<int>(getpid() % 16384);
  const std::string net = "10.219." + std::to_string(n / 64) + ".";
  const int base = (n % 64) * 4;
  host_addr_ = net + std::to_string(base + 1);
  inside_addr_ = net + std::to_string(base + 2);
  // Each step only once the one before it worked; only what was made here is ever deleted (a
  // namespace or interface of that name made by someone else is left alone).
  why_not_ = ip({"netns", "add", name_}, log);
  if (!why_not_.empty()) {
    name_.clear();
    return;
  }
  made_ns_ = true;
  janitor_add_netns(name_);
  why_not_ =
      ip({"link", "add", host_if_, "type", "veth", "peer", "name", peer, "netns", name_}, log);
  if (why_not_.empty()) made_link_ = true;
  const std::vector<std::vector<std::string>> steps = {
      {"addr", "add", host_addr_ + "/30", "dev", host_if_},
      {"link", "set", host_if_, "up"},
      {"-n", name_, "addr", "add", inside_addr_ + "/30", "dev", peer},
      {"-n", name_, "link", "set", peer, "up"},
      {"-n", name_, "link", "set", "lo", "up"}};
  for (const auto& s : steps) {
    if (!why_not_.empty()) break;
    why_not_ = ip(s, log);
  }
  if (!why_not_.empty()) {
    remove();
    return;
  }
  ok_ = true;
}

std::vector<std::string> NetNamespace::enter(const OsUser& user) const {
  return {kNsenter, "--net=/run/netns/" + name_, "-S", std::to_string(user.uid),
          "-G",     std::to_string(user.gid),    "--"};
}

void NetNamespace::remove() {
  // Deleting the namespace deletes its end of the pair, and with it ours.
  if (made_ns_) {
    ip({"netns", "del", name_}, "/dev/null");
    janitor_forget_netns(name_);
  }
  if (made_link_) ip({"link", "del", host_if_}, "/dev/null");  // gone with it, normally
  made_ns_ = made_link_ = ok_ = false;
}

NetNamespace::~NetNamespace() { remove(); }

std::string standby_sync_commit(const std::string& mode) {
  if (mode == "sync") return "on";
  if (mode == "async") return "local";
  return mode;  // remote_write, remote_apply
}

Standby::Standby(const StandbyOptions& opt) : data_(opt.dir + "/standby") {
  const bool in_ns = opt.ns != nullptr && opt.ns->ok();
  address_ = in_ns ? opt.ns->inside_address() : "127.0.0.1";
  // Its own namespace has its own ports; on loopback it needs a free one.
  const int port = in_ns ? 5432 : free_loopback_port();
  const auto as_user = [&](std::vector<std::string> argv, SpawnOptions& so) {
    if (in_ns) {
      auto e = opt.ns->enter(opt.user);
      argv.insert(argv.begin(), e.begin(), e.end());
    } else if (geteuid() == 0) {
      so.as = opt.user;
    }
    return argv;
  };
  const std::string log = opt.dir + "/standby.log";
  SpawnOptions so;
  so.log_path = log;
  so.own_session = true;
  so.death_signal = SIGKILL;
  so.extra_env = {"PGPASSWORD=" + opt.password};
  const std::string primary =
      build_conninfo({{"host", opt.primary_address},
                      {"port", std::to_string(opt.primary_port)},
                      {"user", opt.role},
                      {"sslmode", "disable"},
                      // synchronous_standby_names may then name it; '*' takes any.
                      {"application_name", "wpbench_standby"}});
  // -R: standby.signal and primary_conninfo; -X stream: the WAL made during the copy comes too.
  const int rc = run_command(as_user({opt.bindir + "/pg_basebackup", "-D", data_, "-d", primary,
                                      "-X", "stream", "-R", "-c", "fast", "--no-sync"},
                                     so),
                             so);
  if (rc != 0) {
    throw std::runtime_error("pg_basebackup for the standby failed (exit " + std::to_string(rc) +
                             "): " + tail_lines(log, 2));
  }
  const std::string sock = opt.dir + "/standby-sock";
  fs::create_directory(sock);
  if (chown(sock.c_str(), opt.user.uid, opt.user.gid) != 0) {
    throw std::runtime_error("cannot chown " + sock);
  }
  SpawnOptions ps = so;
  ps.extra_env.clear();
  ps.death_signal = SIGQUIT;  // immediate shutdown if wpbench dies
  std::vector<std::string> argv = {opt.bindir + "/postgres",
                                   "-D",
                                   data_,
                                   "-p",
                                   std::to_string(port),
                                   "-k",
                                   sock,
                                   "-c",
                                   "listen_addresses=" + address_,
                                   "-c",
                                   "logging_collector=off",
                                   "-c",
                                   "hot_standby=on"};
  for (const auto& s : opt.settings) argv.insert(argv.end(), {"-c", s});
  pid_ = spawn(as_user(argv, ps), ps);
  conninfo_ = build_conninfo({{"host", address_},
                              {"port", std::to_string(port)},
                              {"dbname", "postgres"},
                              {"user", opt.role},
                              {"password", opt.password},
                              {"sslmode", "disable"}});
  const Startup up = wait_until_answers(pid_, conninfo_, std::chrono::seconds(60));
  if (up == Startup::answers) return;
  if (up == Startup::exited) pid_ = -1;  // reaped: nothing to stop
  const std::string tail = tail_lines(log, 2);
  stop();
  throw std::runtime_error("the standby did not start: " + tail);
}

void Standby::stop() {
  stop_child(pid_, {SIGINT, SIGQUIT}, std::chrono::seconds(15));  // fast, then immediate
  pid_ = -1;
}

Standby::~Standby() { stop(); }

}  // namespace wpbench
