#include "db/dsn.hpp"

#include <libpq-fe.h>

#include <memory>
#include <stdexcept>

#include "sys/text.hpp"

namespace wpbench {

std::map<std::string, std::string> parse_conninfo(const std::string& dsn) {
  char* err = nullptr;
  PQconninfoOption* opts = PQconninfoParse(dsn.c_str(), &err);
  if (opts == nullptr) {
    const std::string msg = one_line(err ? err : "out of memory");
    PQfreemem(err);
    // libpq quotes the offending part of the input, which may hold the password: drop every
    // quoted fragment rather than risk echoing a secret.
    std::string safe;
    bool quoted = false;
    for (char ch : msg) {
      if (ch == '"') {
        if (!quoted) safe += "\"...\"";
        quoted = !quoted;
      } else if (!quoted) {
        safe += ch;
      }
    }
    throw std::invalid_argument("invalid connection string: " + safe);
  }
  std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> guard(opts, PQconninfoFree);
  std::map<std::string, std::string> kv;
  for (auto* o = opts; o->keyword != nullptr; ++o) {
    if (o->val != nullptr) kv[o->keyword] = o->val;
  }
  return kv;
}

std::string build_conninfo(const std::map<std::string, std::string>& kv) {
  std::string out;
  for (const auto& [k, v] : kv) {
    // Quote only where libpq needs it, so printed DSNs read like the ones users type.
    const bool plain = !v.empty() && v.find_first_of(" '\\") == std::string::npos;
    std::string q = plain ? "" : "'";
    for (char ch : v) {
      if (ch == '\'' || ch == '\\') q += '\\';
      q += ch;
    }
    out += (out.empty() ? "" : " ") + k + "=" + q + (plain ? "" : "'");
  }
  return out;
}

std::string with_host(const std::string& dsn, const std::string& host) {
  auto kv = parse_conninfo(dsn);
  kv["host"] = host;
  kv.erase("hostaddr");  // would override host for TCP and is meaningless for a socket
  return build_conninfo(kv);
}

std::string dsn_for_transport(const std::string& dsn, const TransportSpec& spec,
                              const std::string& host) {
  auto kv = parse_conninfo(with_host(dsn, host));
  if (*spec.sslmode) {
    const auto it = kv.find("sslmode");
    const bool own_tls = it != kv.end() && (it->second == "require" || it->second == "verify-ca" ||
                                            it->second == "verify-full");
    if (std::string(spec.sslmode) == "disable" || !own_tls) kv["sslmode"] = spec.sslmode;
  }
  return build_conninfo(kv);
}

std::string connect_hint(const std::string& error, const std::string& conninfo,
                         const std::string& os_user) {
  std::string user;
  try {
    const auto kv = parse_conninfo(conninfo);
    if (const auto it = kv.find("user"); it != kv.end()) user = it->second;
  } catch (const std::invalid_argument&) {
  }
  if (error.find("Peer authentication failed") != std::string::npos) {
    if (user.empty() || user == os_user) {
      return "peer authentication admits the OS user whose name is the role's: connect as a role "
             "named " +
             os_user + ", or run wpbench as the OS user of the role";
    }
    return "peer authentication admits only the OS user named like the role: run as the OS user " +
           user + ": sudo -u " + user + " wpbench ... (as root without sudo: runuser -u " + user +
           " -- wpbench ...)";
  }
  if (error.find("no password supplied") != std::string::npos) {
    return "the server asks this transport for a password: add password= to --dsn (or use "
           "~/.pgpass or PGPASSWORD), or measure the others only (--transports unix,file)";
  }
  return "";
}

std::string redact_conninfo(const std::string& dsn) {
  try {
    auto kv = parse_conninfo(dsn);
    for (const char* secret : {"password", "passfile", "sslpassword"}) {
      if (kv.count(secret)) kv[secret] = "***";
    }
    return build_conninfo(kv);
  } catch (const std::invalid_argument&) {
    return "<unparsable conninfo>";
  }
}

}  // namespace wpbench
