#pragma once
// The one throwaway PostgreSQL server the integration tests share (started in test_integration's
// main), and small helpers for the CLI tests.
#include <string>

#include "measure/runner.hpp"
#include "server/server.hpp"
#include "sys/temp_dir.hpp"
#include "sys/text.hpp"

namespace wpbench::test {

/// The running server; valid for the whole test program.
ThrowawayServer& server();

/// A RunConfig whose Python arm is written out (valid for the whole test program).
RunConfig config(std::uint64_t samples, std::uint64_t warmup, std::uint64_t seed);

/// A fresh temp dir for one test.
using TempPath = TempDir;

/// The outcome of running the wpbench binary.
struct Cli {
  int exit_code = -1;
  std::string out, err;
};

/// Runs WPBENCH_BINARY with `args` (already shell-quoted) and captures both streams; `env`
/// (NAME=value ..., shell-quoted) is set for that one command.
Cli run_cli(const std::string& args, const std::string& env = "");

/// How many lines `s` holds (its newlines).
int lines(const std::string& s);

/// Bad input: the exit code `code`, exactly one line on stderr, and that line names `needle`.
void expect_one_line_error(const Cli& r, int code, const std::string& needle);

/// Single-quotes a string for /bin/sh.
std::string shq(const std::string& s);

/// main() of a test program that shares one throwaway server (started with `opt`): runs every
/// test and returns the exit code.
int fixture_main(int argc, char** argv, const ServerOptions& opt = {});

}  // namespace wpbench::test
