#include "measure/instructions.hpp"

#include <signal.h>
#include <unistd.h>
#include <valgrind/callgrind.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "core/schedule.hpp"
#include "measure/arm_ops.hpp"
#include "sys/process.hpp"
#include "sys/text.hpp"

namespace fs = std::filesystem;

namespace wpbench {

namespace {
// callgrind's "totals: N" line: every instruction it collected. (Its "summary:" line can say 0
// when collection was off at the moment the part was started.)
std::optional<std::uint64_t> read_total(const std::string& path) {
  std::ifstream in(path);
  std::optional<std::uint64_t> total;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("totals:", 0) == 0) total = std::stoull(line.substr(7));
  }
  return total;
}

std::string file_name_of(std::string name) {
  std::replace(name.begin(), name.end(), '/', '-');
  return name;
}
}  // namespace

std::optional<std::string> find_valgrind() {
  for (const char* p : {"/usr/bin/valgrind", "/usr/local/bin/valgrind"}) {
    if (access(p, X_OK) == 0) return std::string(p);
  }
  return std::nullopt;
}

InstructionCount count_instructions(const Case& c, const Endpoint& e, const RunConfig& cfg,
                                    std::uint64_t inserts, const std::string& self,
                                    const std::string& dir) {
  InstructionCount out;
  out.inserts = inserts;
  const auto valgrind = find_valgrind();
  if (!valgrind) {
    out.error = "valgrind not found (apt-get install valgrind)";
    return out;
  }
  const std::string name = file_name_of(c.name());
  const std::string result = dir + "/callgrind." + name, log = dir + "/callgrind-" + name + ".log";
  std::error_code ec;
  fs::remove(result, ec);
  // Nothing is instrumented until the child asks (after connecting and warming up), and nothing
  // is collected but the inserts themselves: collection is toggled around each.
  std::vector<std::string> argv = {*valgrind, "--tool=callgrind", "--instr-atstart=no",
                                   "--collect-atstart=no", "--callgrind-out-file=" + result};
  const std::string seed = std::to_string(case_seed(cfg.seed, c.name()));
  if (c.path->arm) {
    try {
      argv = c.path->arm->callgrind_command(c, e, cfg, inserts, self, argv);
    } catch (const std::exception& ex) {
      out.error = one_line(ex.what());
      return out;
    }
  } else {
    argv.insert(argv.end(),
                {self, "--callgrind-case", c.name(), "--table", e.table, "--seed", seed, "--warmup",
                 std::to_string(cfg.warmup), "--samples", std::to_string(inserts),
                 "--sqlite-journal", e.sqlite.journal_mode, "--sqlite-sync", e.sqlite.synchronous});
  }
  SpawnOptions so;
  so.log_path = log;
  so.own_session = true;
  so.death_signal = SIGKILL;
  so.extra_env = {"WPBENCH_TARGET=" + e.target};  // not argv: it may hold a password
  const int rc = run_command(argv, so);
  const auto total = read_total(result);
  if (rc != 0 || !total) {
    out.error =
        "callgrind run failed (exit " + std::to_string(rc) + "): " + one_line(tail_lines(log, 2));
    return out;
  }
  out.total = *total;
  out.per_insert = inserts > 0 ? static_cast<double>(*total) / static_cast<double>(inserts) : 0;
  return out;
}

int callgrind_child(const Case& c, const Endpoint& e, std::uint64_t warmup, std::uint64_t inserts,
                    std::uint64_t seed) {
  try {
    auto session = c.path->open(e);
    DecisionGenerator gen(seed);
    for (std::uint64_t i = 0; i < warmup; ++i) session->insert(gen.next());
    CALLGRIND_START_INSTRUMENTATION;
    for (std::uint64_t i = 0; i < inserts; ++i) {
      const Decision d = gen.next();  // made outside the count, as outside the clock
      CALLGRIND_TOGGLE_COLLECT;
      session->insert(d);
      CALLGRIND_TOGGLE_COLLECT;
    }
    CALLGRIND_STOP_INSTRUMENTATION;
  } catch (const std::exception& ex) {
    std::fprintf(stderr, "wpbench: %s\n", one_line(ex.what()).c_str());
    return 1;
  }
  return 0;
}

}  // namespace wpbench
