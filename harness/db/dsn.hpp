#pragma once
/// Connection strings for an existing server: parsing, per-transport variants, and redaction
/// (a password never reaches the console, a log or a result file).

#include <map>
#include <string>

#include "core/transport.hpp"

namespace wpbench {

/// A libpq conninfo string or URI as keyword -> value; throws std::invalid_argument with
/// libpq's reason if it does not parse.
std::map<std::string, std::string> parse_conninfo(const std::string& dsn);

/// Keyword/value pairs back to a conninfo string, values quoted as libpq expects.
std::string build_conninfo(const std::map<std::string, std::string>& kv);

/// The DSN pointed at one host: a socket directory (starts with '/') or a TCP host name.
std::string with_host(const std::string& dsn, const std::string& host);

/// The DSN for one transport: pointed at `host`, with the transport's sslmode. A plain transport
/// (sslmode=disable) stays plain whatever the DSN says: libpq's default, prefer, would encrypt
/// against any server with ssl=on (Debian's default), and "tcp" would measure TLS. A TLS
/// transport keeps a DSN's own verifying sslmode (require, verify-ca, verify-full).
std::string dsn_for_transport(const std::string& dsn, const TransportSpec& spec,
                              const std::string& host);

/// What to do about a refused connection, when the refusal has a usual cause; empty otherwise.
/// `error` is libpq's message, `conninfo` what was tried (only its user= is read), `os_user` who
/// runs wpbench. Peer authentication, the post's set-up, maps the OS user to the role of the same
/// name, so connecting as root to role botuser fails with a bare "Peer authentication failed".
std::string connect_hint(const std::string& error, const std::string& conninfo,
                         const std::string& os_user);

/// A printable form: the password (and any password file path) replaced by "***".
/// An unparsable string becomes "<unparsable conninfo>" rather than being echoed.
std::string redact_conninfo(const std::string& dsn);

}  // namespace wpbench
