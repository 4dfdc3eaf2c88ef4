#include "python_arm.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <build_info.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "process.hpp"
#include "text.hpp"

namespace fs = std::filesystem;

namespace wpbench {

namespace {
// The modules a case imports -> the Debian package that provides them.
const std::map<std::string, std::string> kPackages = {{"psycopg2", "python3-psycopg2"},
                                                      {"sqlalchemy", "python3-sqlalchemy"},
                                                      {"psycopg", "python3-psycopg"},
                                                      {"sqlite3", "python3"}};

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string arm_name(const Case& c) { return std::string(c.path->driver) + "/" + c.path->variant; }

// Runs the arm to completion with stdout+stderr to `log`; its exit code.
int run_arm(const RunConfig& cfg, std::vector<std::string> args, const std::string& log) {
  args.insert(args.begin(), {cfg.python, cfg.python_arm});
  SpawnOptions so;
  so.log_path = log;
  so.die_with_parent = true;
  std::error_code ec;
  fs::remove(log, ec);
  return run_command(args, so);
}
}  // namespace

std::string write_python_arm(const std::string& dir) {
  const std::string path = (fs::path(dir) / "wpbench_arm.py").string();
  std::ofstream(path) << build::python_arm;
  if (!fs::exists(path)) throw std::runtime_error("cannot write " + path);
  return path;
}

PythonCheck check_python(const RunConfig& cfg, const std::vector<Case>& cases,
                         const std::string& log_path) {
  PythonCheck out;
  std::vector<std::string> names;
  for (const auto& c : cases) {
    if (c.path->arm == Arm::python) names.push_back(arm_name(c));
  }
  if (names.empty()) return out;
  auto all_unavailable = [&](const std::string& why) {
    for (const auto& n : names) out.unavailable[n] = why;
    return out;
  };
  if (access(cfg.python.c_str(), X_OK) != 0) {
    return all_unavailable(cfg.python + " not found (apt-get install python3, or --python PATH)");
  }
  std::vector<std::string> args = {"check"};
  args.insert(args.end(), names.begin(), names.end());
  const int rc = run_arm(cfg, args, log_path);
  try {
    const auto j = nlohmann::json::parse(slurp(log_path));
    if (rc != 0) throw std::runtime_error("exit " + std::to_string(rc));
    for (const auto& [name, missing] : j.at("cases").items()) {
      if (missing.is_null()) continue;
      const auto module = missing.get<std::string>();
      const auto pkg = kPackages.count(module) ? kPackages.at(module) : module;
      out.unavailable[name] = "python module " + module + " is missing (apt-get install " + pkg +
                              ", or run scripts/setup)";
    }
    for (const auto& [k, v] : j.at("versions").items()) out.versions[k] = v.get<std::string>();
  } catch (const std::exception&) {
    return all_unavailable(cfg.python +
                           " cannot run the Python arm: " + one_line(tail_lines(log_path, 2)));
  }
  return out;
}

Measurement measure_python(const Case& c, const Endpoint& e, const RunConfig& cfg,
                           const std::atomic<bool>& stop) {
  const std::string dir = fs::path(cfg.python_arm).parent_path().string();
  const std::string result = dir + "/result.json", log = dir + "/arm.log";
  std::error_code ec;
  fs::remove(result, ec);
  fs::remove(log, ec);
  SpawnOptions so;
  so.log_path = log;
  so.own_session = true;  // a terminal's Ctrl-C reaches wpbench, which forwards it below
  so.die_with_parent = true;
  so.extra_env = {"WPBENCH_TARGET=" + e.target};  // not argv: it may hold a password
  const pid_t pid = spawn({cfg.python,
                           cfg.python_arm,
                           "run",
                           "--case",
                           arm_name(c),
                           "--table",
                           e.table,
                           "--seed",
                           std::to_string(cfg.seed),
                           "--warmup",
                           std::to_string(cfg.warmup),
                           "--samples",
                           std::to_string(cfg.samples),
                           "--result",
                           result,
                           "--journal-mode",
                           e.sqlite.journal_mode,
                           "--synchronous",
                           e.sqlite.synchronous,
                           "--busy-timeout-ms",
                           std::to_string(e.sqlite.busy_timeout_ms)},
                          so);
  bool forwarded = false;
  std::optional<int> status;
  while (!(status = wait_for(pid, std::chrono::milliseconds(100)))) {
    if (stop.load() && !forwarded) {
      kill(pid, SIGINT);  // the arm finishes the insert in flight and writes what it measured
      forwarded = true;
    }
  }
  Measurement m;
  try {
    const auto j = nlohmann::json::parse(slurp(result));
    m.samples_ns = j.at("samples_ns").get<std::vector<std::int64_t>>();
    m.connect_ns = j.at("connect_ns").get<std::int64_t>();
    m.elapsed_ns = j.at("elapsed_ns").get<std::int64_t>();
    m.cpu_ns = j.at("cpu_ns").get<std::int64_t>();
    m.inserted = j.at("inserted").get<std::uint64_t>();
    if (!j.at("error").is_null()) m.error = j.at("error").get<std::string>();
  } catch (const std::exception&) {
    const int code = WIFEXITED(*status) ? WEXITSTATUS(*status) : 128 + WTERMSIG(*status);
    m.error = "the Python arm exited with " + std::to_string(code) +
              " and no result: " + one_line(tail_lines(log, 2));
  }
  return m;
}

std::string python_checksum(const RunConfig& cfg, std::uint64_t seed, std::uint64_t count,
                            const std::string& log_path) {
  const int rc =
      run_arm(cfg, {"checksum", "--seed", std::to_string(seed), "--count", std::to_string(count)},
              log_path);
  if (rc != 0) throw std::runtime_error("python checksum failed: " + tail_lines(log_path, 2));
  std::string s = slurp(log_path);
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace wpbench
