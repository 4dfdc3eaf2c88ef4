#pragma once
/// Text helpers shared by error paths, and the one way a double becomes text.

#include <ctime>
#include <string>
#include <vector>

namespace wpbench {

/// Joins a (libpq, libpqxx, SOCI) message onto one line: inner newlines become spaces and
/// trailing ones go, so every error stays one line on stderr and in the JSON.
std::string one_line(std::string s);

/// The shortest decimal that parses back to exactly `v` (what a careful driver sends as text).
std::string format_double(double v);

/// Of `names`, the one closest to `word` by edit distance, if it is close enough to be what was
/// meant (a typo, a missing or extra letter or part: at most a third of the word's length, or a
/// name that starts with the word); "" otherwise. For "did you mean" in usage errors.
std::string closest_name(const std::string& word, const std::vector<std::string>& names);

/// `t` as UTC text in strftime's `fmt`, e.g. "%Y-%m-%dT%H:%M:%SZ".
std::string utc_format(std::time_t t, const char* fmt);

/// The whole file as a string; "" when it cannot be read (callers report what was missing).
std::string read_file(const std::string& path);

}  // namespace wpbench
