#include "core/transport.hpp"

namespace wpbench {

const std::vector<TransportSpec>& transport_specs() {
  using B = Backend;
  using H = HostKind;
  // Fields in TransportSpec's order: id, name, title, backend, host, fixture_host, hba_type,
  // fixture_auth, sslmode, round_trips, reach, by_default, pooled, compared_with.
  static const std::vector<TransportSpec> specs = {
      {Transport::unix_socket, "unix", "Unix socket", B::postgres, H::socket_dir, "",  //
       "local", "peer", "", true, "the server's Unix socket: local IPC, no network stack", true},
      {Transport::tcp, "tcp", "TCP", B::postgres, H::address, "127.0.0.1",  //
       "host", "scram-sha-256", "disable", true,
       "TCP without TLS (loopback 127.0.0.1 for the throwaway server)", true, false, "unix"},
      {Transport::tls, "tls", "TLS over TCP (verify-full)", B::postgres, H::address, "127.0.0.1",
       "hostssl", "scram-sha-256", "verify-full", true,
       "TCP with TLS, the server's certificate and name verified (sslmode=verify-full), as a "
       "managed server requires",
       false, false, "tcp"},
      {Transport::pgbouncer, "pgbouncer", "PgBouncer (TCP)", B::postgres, H::address, "127.0.0.1",
       "host", "scram-sha-256", "disable", true,
       "TCP to PgBouncer 1.18, which passes scram-sha-256 through and forwards each transaction "
       "(pool_mode transaction, or session with --pgbouncer-mode) to the server over TCP",
       false, true, "tcp"},
      {Transport::file, "file", "SQLite file (in-process)", B::sqlite, H::file, "",  //
       "", "none", "", false, "a database file opened in-process: no server, no round trip", true},
  };
  return specs;
}

const TransportSpec& spec_of(Transport t) {
  for (const auto& s : transport_specs()) {
    if (s.id == t) return s;
  }
  // Every enumerator has a row; Transports.EveryTransportHasOneRowInEnumOrder keeps it so.
  return transport_specs().front();
}

const TransportSpec* find_transport(std::string_view name) {
  for (const auto& s : transport_specs()) {
    if (name == s.name) return &s;
  }
  return nullptr;
}

const char* transport_name(Transport t) { return spec_of(t).name; }

std::vector<Transport> transports_for(Backend b) {
  std::vector<Transport> out;
  for (const auto& s : transport_specs()) {
    if (s.backend == b) out.push_back(s.id);
  }
  return out;
}

namespace {
std::string names(bool defaults_only) {
  std::string out;
  for (const auto& s : transport_specs()) {
    if (!defaults_only || s.by_default) out += (out.empty() ? "" : ", ") + std::string(s.name);
  }
  return out;
}
}  // namespace

std::string transport_names() { return names(false); }

std::string default_transport_names() { return names(true); }

bool verifies_server(const TransportSpec& spec) {
  return std::string_view(spec.sslmode).rfind("verify", 0) == 0;
}

std::optional<int> connect_round_trips(std::string_view auth, std::string_view sslmode) {
  int rt = 0;
  if (auth == "trust" || auth == "peer") {
    rt = 1;  // StartupMessage -> AuthenticationOk ... ReadyForQuery
  } else if (auth == "md5" || auth == "password") {
    rt = 2;  // StartupMessage -> password request; PasswordMessage -> AuthenticationOk ...
  } else if (auth == "scram-sha-256") {
    rt = 3;  // StartupMessage -> SASL; SASLInitialResponse -> continue; SASLResponse -> final
  } else {
    return std::nullopt;
  }
  const bool tls = !sslmode.empty() && sslmode != "disable";
  return tls ? rt + 2 : rt;  // SSLRequest -> 'S'; ClientHello -> ServerHello ... Finished
}

bool auth_uses_password(std::string_view auth) {
  return auth == "scram-sha-256" || auth == "md5" || auth == "password";
}

}  // namespace wpbench
