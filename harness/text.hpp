#pragma once
/// Text helpers shared by error paths.

#include <string>

namespace wpbench {

/// Joins a (libpq, libpqxx, SOCI) message onto one line: inner newlines become spaces and
/// trailing ones go, so every error stays one line on stderr and in the JSON.
std::string one_line(std::string s);

/// The whole file as a string; "" when it cannot be read (callers report what was missing).
std::string read_file(const std::string& path);

}  // namespace wpbench
