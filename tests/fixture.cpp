// The shared throwaway server of an integration test program, and the CLI helpers.
#include "fixture.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "drivers/python/python_arm.hpp"

namespace wpbench::test {

namespace {
ThrowawayServer* g_server = nullptr;
std::string g_python_arm;
}  // namespace

ThrowawayServer& server() { return *g_server; }

RunConfig config(std::uint64_t samples, std::uint64_t warmup, std::uint64_t seed) {
  RunConfig cfg;
  cfg.samples = samples;
  cfg.warmup = warmup;
  cfg.seed = seed;
  cfg.python_arm = g_python_arm;
  return cfg;
}

std::string shq(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

Cli run_cli(const std::string& args, const std::string& env) {
  TempPath tmp;
  const std::string out = tmp.path() + "/out", err = tmp.path() + "/err";
  const std::string cmd = (env.empty() ? "" : "env " + env + " ") + shq(WPBENCH_BINARY) + " " +
                          args + " >" + out + " 2>" + err;
  const int status = std::system(cmd.c_str());
  Cli r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = read_file(out);
  r.err = read_file(err);
  return r;
}

int lines(const std::string& s) { return static_cast<int>(std::count(s.begin(), s.end(), '\n')); }

void expect_one_line_error(const Cli& r, int code, const std::string& needle) {
  EXPECT_EQ(r.exit_code, code) << r.err;
  EXPECT_EQ(lines(r.err), 1) << r.err;
  EXPECT_NE(r.err.find(needle), std::string::npos) << r.err;
}

int fixture_main(int argc, char** argv, const ServerOptions& opt) {
  ::testing::InitGoogleTest(&argc, argv);
  try {
    ThrowawayServer srv(opt);
    g_server = &srv;
    TempDir arm_dir("wpbench-test-py-");
    g_python_arm = write_python_arm(arm_dir.path());
    const int rc = RUN_ALL_TESTS();
    g_server = nullptr;
    return rc;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cannot start the test server: %s\n", e.what());
    return 1;
  }
}

}  // namespace wpbench::test
