#pragma once
/// The command line: every option wpbench takes, its help text and checks (CLI11).

#include <optional>

#include "app/options.hpp"

namespace wpbench {

/// Parses argv into `opt`. Returns the exit code when the program ends here (--help and
/// --version: 0, printed on stdout; a bad option: 2, one line on stderr), nothing when it runs.
std::optional<int> parse_command_line(int argc, char** argv, Options& opt);

}  // namespace wpbench
