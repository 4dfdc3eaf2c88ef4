#pragma once
/// A throwaway streaming standby of the throwaway cluster (--standby): pg_basebackup of the
/// primary, started as the server's OS user in a network namespace of its own (ip netns, a veth
/// pair with an address on each side), so every commit that waits for it crosses a real network
/// stack to another host. Where namespaces cannot be made (not root, no ip), it runs on loopback
/// instead, and says so.

#include <sys/types.h>

#include <string>
#include <vector>

#include "sys/process.hpp"
#include "sys/temp_dir.hpp"

namespace wpbench {

/// A network namespace with a veth pair to it, removed (with the pair) when the object dies.
class NetNamespace {
 public:
  /// Tries to make one; `ok()` says whether it could, `why_not()` why not (`ip`'s own words
  /// go to `log`).
  explicit NetNamespace(const std::string& log);
  ~NetNamespace();
  NetNamespace(const NetNamespace&) = delete;
  NetNamespace& operator=(const NetNamespace&) = delete;
  bool ok() const { return ok_; }
  const std::string& why_not() const { return why_not_; }
  const std::string& name() const { return name_; }
  std::string host_address() const { return host_addr_; }      ///< this side of the pair
  std::string inside_address() const { return inside_addr_; }  ///< the namespace's side
  /// argv run inside it as `user` (nsenter): the command's own argv appended.
  std::vector<std::string> enter(const OsUser& user) const;
  void remove();

 private:
  bool ok_ = false;
  bool made_ns_ = false, made_link_ = false;  ///< what remove() may delete: only its own
  std::string name_, host_if_, why_not_, host_addr_, inside_addr_;
};

struct StandbyOptions {
  std::string bindir;    ///< PostgreSQL's
  std::string dir;       ///< its data directory goes here (made by the caller, owned by `user`)
  OsUser user;           ///< the server's OS user
  std::string role;      ///< a superuser of the primary (replication)
  std::string password;  ///< its password, for scram over TCP (never written but by pg_basebackup's
                         ///< -R into the standby's own 0600 postgresql.auto.conf)
  int primary_port = 0;
  std::string primary_address;  ///< where the standby reaches the primary (host side of the pair)
  const NetNamespace* ns = nullptr;   ///< null: loopback
  std::vector<std::string> settings;  ///< the primary's -c settings (max_connections must match)
};

class Standby {
 public:
  /// Base backup, start, wait until it streams; throws std::runtime_error with one line.
  explicit Standby(const StandbyOptions& opt);
  ~Standby();
  Standby(const Standby&) = delete;
  Standby& operator=(const Standby&) = delete;
  /// How wpbench reaches it (read-only), as the primary's role over scram.
  const std::string& conninfo() const { return conninfo_; }
  const std::string& address() const { return address_; }
  void stop();

 private:
  std::string data_, conninfo_, address_;
  pid_t pid_ = -1;
};

/// synchronous_commit a session sets for --standby MODE: sync waits for the standby's flush (on),
/// remote_write and remote_apply as named, async waits for the local flush only (local).
std::string standby_sync_commit(const std::string& mode);

}  // namespace wpbench
