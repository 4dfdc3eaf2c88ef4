#include "drivers/python/python_arm.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <build_info.hpp>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/schedule.hpp"
#include "sys/process.hpp"
#include "sys/text.hpp"

namespace fs = std::filesystem;

namespace wpbench {

namespace {
// The modules a case imports -> the Debian package that provides them.
const std::map<std::string, std::string> kPackages = {
    {"psycopg2", "python3-psycopg2"}, {"sqlalchemy", "python3-sqlalchemy"},
    {"psycopg", "python3-psycopg"},   {"psycopg_pool", "python3-psycopg-pool"},
    {"asyncpg", "python3-asyncpg"},   {"sqlite3", "python3"}};

std::string dir_of_arm(const RunConfig& cfg) {
  return fs::path(cfg.python_arm).parent_path().string();
}

// The interpreter and the arm; -I (isolated): PYTHONPATH and user site-packages cannot swap in
// other library versions than the Debian packages the run reports.
std::vector<std::string> arm_argv(const RunConfig& cfg, std::vector<std::string> args) {
  args.insert(args.begin(), {cfg.python, "-I", cfg.python_arm});
  return args;
}

// The Python arm's way to callgrind's client requests (harness/drivers/python/toggle.c): beside
// this binary in the build tree, in lib/wpbench/ below it when installed.
std::optional<std::string> toggle_library(const std::string& self) {
  const fs::path dir = fs::path(self).parent_path();
  for (const fs::path& p : {dir / "libwpbench_toggle.so",
                            dir.parent_path() / "lib" / "wpbench" / "libwpbench_toggle.so"}) {
    if (access(p.c_str(), R_OK) == 0) return p.string();
  }
  return std::nullopt;
}

std::string exit_text(int status) {
  if (WIFEXITED(status)) return "exited with " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "was killed by signal " + std::to_string(WTERMSIG(status));
  return "ended";
}

void remove_quietly(const std::string& path) {
  std::error_code ec;
  fs::remove(path, ec);
}

// Throws ArmDisagrees when the arm's check answer lists cases under "unknown": the registry has
// them and the arm does not. That is no module to install (the arm and the registry are built
// together), so the run stops rather than reporting those cases not measured.
void refuse_unknown_cases(const std::string& result_path) {
  const auto j = nlohmann::json::parse(read_file(result_path), nullptr, false);
  if (!j.is_object() || !j.contains("unknown") || !j["unknown"].is_array()) return;
  std::string names;
  for (const auto& n : j["unknown"]) {
    names += (names.empty() ? "" : ", ") + (n.is_string() ? n.get<std::string>() : n.dump());
  }
  if (names.empty()) return;
  const bool one = j["unknown"].size() == 1;
  throw ArmDisagrees("the registry and the Python arm disagree on case" +
                     std::string(one ? " " : "s ") + names + ": harness/drivers/registry.cpp " +
                     (one ? "lists it" : "lists them") +
                     ", harness/python/wpbench_arm.py has no such case");
}

// Runs the arm with `args` and returns what it printed (stdout and stderr, through log_path);
// throws std::runtime_error naming `what` when it fails.
std::string arm_output(const RunConfig& cfg, const std::vector<std::string>& args,
                       const std::string& log_path, const std::string& what) {
  SpawnOptions so;
  so.log_path = log_path;
  remove_quietly(log_path);
  const int rc = run_command(arm_argv(cfg, args), so);
  if (rc != 0) throw std::runtime_error(what + " failed: " + tail_lines(log_path, 2));
  return read_file(log_path);
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
    if (c.path->arm == python_arm()) names.push_back(c.path->id());
  }
  if (names.empty()) return out;
  auto all_unavailable = [&](const std::string& why) {
    for (const auto& n : names) out.unavailable[n] = why;
    out.usable = false;
    return out;
  };
  if (access(cfg.python.c_str(), X_OK) != 0) {
    return all_unavailable(cfg.python + " not found (apt-get install python3, or --python PATH)");
  }
  // The answer goes to its own file: whatever the interpreter prints (a sitecustomize warning,
  // say) stays in the log.
  const std::string result = dir_of_arm(cfg) + "/check.json";
  remove_quietly(result);
  std::vector<std::string> args = {"check", "--result", result};
  args.insert(args.end(), names.begin(), names.end());
  SpawnOptions so;
  so.log_path = log_path;
  so.death_signal = SIGKILL;
  const int rc = run_command(arm_argv(cfg, args), so);
  refuse_unknown_cases(result);
  try {
    if (rc != 0) throw std::runtime_error("exit " + std::to_string(rc));
    const auto j = nlohmann::json::parse(read_file(result));
    for (const auto& [name, missing] : j.at("cases").items()) {
      if (missing.is_null()) continue;
      const auto module = missing.get<std::string>();
      const auto pkg = kPackages.count(module) ? kPackages.at(module) : module;
      out.unavailable[name] = "python module " + module + " is missing (apt-get install " + pkg +
                              ", or run scripts/setup)";
    }
    for (const auto& [k, v] : j.at("versions").items()) out.versions[k] = v.get<std::string>();
  } catch (const std::exception& ex) {
    const std::string log = one_line(tail_lines(log_path, 2));
    return all_unavailable(cfg.python + " cannot run the Python arm (" + ex.what() + ")" +
                           (log.empty() ? "" : ": " + log));
  }
  return out;
}

namespace {
// The counts a child of the arm writes to its stdout (`run` and `connect`: inserts or connects
// done, one number a line), read between checks on it and added to the run's progress counter.
class ChildProgress {
 public:
  explicit ChildProgress(std::atomic<std::uint64_t>* counter) : counter_(counter) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) {
      throw std::runtime_error("pipe: " + std::string(strerror(errno)));
    }
    read_ = fds[0];
    write_ = fds[1];
  }
  ~ChildProgress() {
    close_child_end();
    close(read_);
  }
  ChildProgress(const ChildProgress&) = delete;
  ChildProgress& operator=(const ChildProgress&) = delete;

  int child_end() const { return write_; }
  void close_child_end() {
    if (write_ >= 0) close(write_);
    write_ = -1;
  }
  void poll() {
    char chunk[256];
    for (;;) {
      const ssize_t n = read(read_, chunk, sizeof chunk);
      if (n > 0) {
        buf_.append(chunk, static_cast<std::size_t>(n));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      break;  // EAGAIN (nothing more now) or the end
    }
    // Every whole line is a count; the last is the newest.
    std::uint64_t done = reported_;
    for (auto nl = buf_.find('\n'); nl != std::string::npos; nl = buf_.find('\n')) {
      std::uint64_t v = 0;
      if (std::sscanf(buf_.c_str(), "%" SCNu64, &v) == 1) done = std::max(done, v);
      buf_.erase(0, nl + 1);
    }
    if (done == reported_) return;
    if (counter_) counter_->fetch_add(done - reported_, std::memory_order_relaxed);
    reported_ = done;
  }

 private:
  std::atomic<std::uint64_t>* counter_;
  int read_ = -1, write_ = -1;
  std::string buf_;
  std::uint64_t reported_ = 0;
};

struct ChildEnd {
  int status = 0;
  bool forwarded = false;  ///< a stop was passed on to it
};

// Waits for a child of the arm, checking on it five times a second: often enough to forward a
// stop promptly and keep the progress line moving, rarely enough not to compete with the
// measured process for the CPU (a signal cuts the sleep short).
ChildEnd wait_forwarding_stop(pid_t pid, const std::atomic<bool>& stop, ChildProgress& progress) {
  ChildEnd end;
  for (;;) {
    progress.poll();
    const pid_t r = waitpid(pid, &end.status, WNOHANG);
    if (r == pid || (r < 0 && errno != EINTR)) break;
    if (stop.load() && !end.forwarded) {
      kill(pid, SIGINT);  // the arm finishes the insert in flight and writes what it measured
      end.forwarded = true;
    }
    const timespec pause{0, 200 * 1000 * 1000};
    nanosleep(&pause, nullptr);
  }
  progress.poll();
  return end;
}

// How every measuring child of the arm starts: its own session (a terminal's Ctrl-C reaches
// wpbench, which forwards it), SIGKILL when wpbench dies (nothing in the child can catch it; an
// arm whose wpbench is gone would go on inserting), the targets in `env` (not argv: they may hold
// a password), the progress pipe as stdout.
SpawnOptions measuring_child(const std::string& log, std::vector<std::string> env,
                             const ChildProgress& progress) {
  SpawnOptions so;
  so.log_path = log;
  so.own_session = true;
  so.death_signal = SIGKILL;
  so.extra_env = std::move(env);
  so.stdout_fd = progress.child_end();
  return so;
}
}  // namespace

Measurement measure_python(const Case& c, const Endpoint& e, const RunConfig& cfg,
                           const std::atomic<bool>& stop) {
  Measurement m(cfg);
  if (stop.load()) return m;  // nothing started, nothing inserted
  const std::string dir = dir_of_arm(cfg);
  const std::string result = dir + "/result.json", log = dir + "/arm.log";
  remove_quietly(result);
  remove_quietly(log);
  ChildProgress progress(cfg.progress);
  const pid_t pid = spawn(arm_argv(cfg, {"run",
                                         "--case",
                                         c.path->id(),
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
                                         std::to_string(e.sqlite.busy_timeout_ms),
                                         "--rate",
                                         format_double(cfg.rate_per_s),
                                         "--schedule",
                                         schedule_name(cfg.schedule),
                                         "--schedule-seed",
                                         std::to_string(case_seed(cfg.seed, c.name()))}),
                          measuring_child(log, {"WPBENCH_TARGET=" + e.target}, progress));
  progress.close_child_end();
  const ChildEnd end = wait_forwarding_stop(pid, stop, progress);
  try {
    const auto j = nlohmann::json::parse(read_file(result));
    // The arm hands back raw samples with their start offsets (and lags, open loop); they go
    // through the same recorder as the C++ paths' samples.
    const auto samples = j.at("samples_ns").get<std::vector<std::int64_t>>();
    const auto starts = j.at("starts_ns").get<std::vector<std::int64_t>>();
    const auto lags = j.at("lags_ns").get<std::vector<std::int64_t>>();
    if (starts.size() != samples.size() || (cfg.open_loop() && lags.size() != samples.size())) {
      throw std::runtime_error("inconsistent sample lists");
    }
    for (std::size_t i = 0; i < samples.size(); ++i) {
      m.rec.record(starts[i], samples[i]);
      if (cfg.open_loop()) m.rec.record_lag(lags[i]);
    }
    m.connect_ns = j.at("connect_ns").get<std::int64_t>();
    m.elapsed_ns = j.at("elapsed_ns").get<std::int64_t>();
    m.cpu_ns = j.at("cpu_ns").get<std::int64_t>();
    m.inserted = j.at("inserted").get<std::uint64_t>();
    if (!j.at("error").is_null()) m.error = j.at("error").get<std::string>();
  } catch (const std::exception&) {
    if (end.forwarded) return m;  // stopped before the arm could report: interrupted, nothing kept
    m.error = "the Python arm " + exit_text(end.status) +
              " without a result: " + one_line(tail_lines(log, 2));
    // How many rows it wrote is unknown, so the table cannot be checked against a count.
    m.inserted_known = false;
  }
  return m;
}

std::vector<ConnectCost> measure_python_connects(const std::vector<std::string>& libraries,
                                                 const std::vector<ConnectTarget>& targets,
                                                 std::uint64_t n, const RunConfig& cfg,
                                                 const std::atomic<bool>& stop) {
  std::vector<ConnectCost> out;
  const std::string dir = dir_of_arm(cfg);
  const std::string result = dir + "/connect.json", log = dir + "/connect.log";
  // One child per library for every target: Python's start and imports once, not per row.
  for (const auto& library : libraries) {
    if (stop.load() || targets.empty()) return out;
    remove_quietly(result);
    remove_quietly(log);
    ChildProgress progress(cfg.progress);
    std::vector<std::string> env;
    for (std::size_t i = 0; i < targets.size(); ++i) {
      env.push_back("WPBENCH_TARGET_" + std::to_string(i) + "=" + targets[i].conninfo);
    }
    const pid_t pid =
        spawn(arm_argv(cfg, {"connect", "--library", library, "--samples", std::to_string(n),
                             "--targets", std::to_string(targets.size()), "--result", result}),
              measuring_child(log, std::move(env), progress));
    progress.close_child_end();
    const ChildEnd end = wait_forwarding_stop(pid, stop, progress);
    try {
      const auto j = nlohmann::json::parse(read_file(result));
      const auto& rows = j.at("rows");
      if (rows.size() > targets.size()) throw std::runtime_error("more rows than targets");
      for (std::size_t i = 0; i < rows.size(); ++i) {
        ConnectCost k{library, transport_name(targets[i].transport), targets[i].auth, {}, {}, {}};
        k.connect_ns = rows[i].at("connect_ns").get<std::vector<std::int64_t>>();
        k.close_ns = rows[i].at("close_ns").get<std::vector<std::int64_t>>();
        if (k.close_ns.size() != k.connect_ns.size()) throw std::runtime_error("uneven lists");
        if (!rows[i].at("error").is_null()) k.error = rows[i].at("error").get<std::string>();
        out.push_back(std::move(k));
      }
    } catch (const std::exception&) {
      if (end.forwarded) return out;  // stopped before it could report: nothing to keep
      for (const auto& t : targets) {
        out.push_back({library,
                       transport_name(t.transport),
                       t.auth,
                       {},
                       {},
                       "the Python arm " + exit_text(end.status) +
                           " without a result: " + one_line(tail_lines(log, 2))});
      }
    }
    if (end.forwarded) return out;
  }
  return out;
}

namespace {
// Writes `line` to a pipe whose reader may have died: EPIPE, not a SIGPIPE that would end
// wpbench. The signal is blocked in this thread and a pending one taken back, as libpq does.
bool write_line(int fd, const std::string& line) {
  sigset_t pipe_only, before;
  sigemptyset(&pipe_only);
  sigaddset(&pipe_only, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_only, &before);
  std::size_t off = 0;
  bool ok = true;
  while (off < line.size()) {
    const ssize_t n = write(fd, line.data() + off, line.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ok = false;
      break;
    }
    off += static_cast<std::size_t>(n);
  }
  if (!ok && errno == EPIPE) {
    const timespec zero{0, 0};
    sigtimedwait(&pipe_only, nullptr, &zero);
  }
  pthread_sigmask(SIG_SETMASK, &before, nullptr);
  return ok;
}

// A case name as part of a file name: driver/variant/transport -> driver-variant-transport.
std::string file_name_of(std::string name) {
  std::replace(name.begin(), name.end(), '/', '-');
  return name;
}

class PythonWriter final : public Writer {
 public:
  PythonWriter(const Case& c, const Endpoint& e, const RunConfig& cfg, std::uint64_t seed)
      : log_(dir_of_arm(cfg) + "/serve-" + file_name_of(c.name()) + ".log") {
    int to_child[2], from_child[2];
    if (pipe2(to_child, O_CLOEXEC) != 0) throw DriverError("pipe: " + std::string(strerror(errno)));
    if (pipe2(from_child, O_CLOEXEC) != 0) {
      close(to_child[0]);
      close(to_child[1]);
      throw DriverError("pipe: " + std::string(strerror(errno)));
    }
    SpawnOptions so;
    so.log_path = log_;
    so.own_session = true;  // a terminal's Ctrl-C reaches wpbench, which ends the session
    so.death_signal = SIGKILL;
    so.extra_env = {"WPBENCH_TARGET=" + e.target};  // not argv: it may hold a password
    so.stdin_fd = to_child[0];
    so.stdout_fd = from_child[1];
    try {
      pid_ = spawn(arm_argv(cfg, {"serve", "--case", c.path->id(), "--table", e.table, "--seed",
                                  std::to_string(seed), "--journal-mode", e.sqlite.journal_mode,
                                  "--synchronous", e.sqlite.synchronous, "--busy-timeout-ms",
                                  std::to_string(e.sqlite.busy_timeout_ms)}),
                   so);
    } catch (...) {
      for (const int fd : {to_child[0], to_child[1], from_child[0], from_child[1]}) close(fd);
      throw;
    }
    close(to_child[0]);
    close(from_child[1]);
    to_ = to_child[1];
    from_ = from_child[0];
    try {
      const std::string ready = reply();
      if (ready.rfind("ready ", 0) != 0) fail(ready);
      connect_ns_ = std::stoll(ready.substr(6));
    } catch (...) {
      finish();  // no destructor runs for a constructor that throws
      throw;
    }
  }
  ~PythonWriter() override { finish(); }

  std::int64_t connect_ns() const override { return connect_ns_; }
  void warm_up(std::uint64_t n) override {
    if (n == 0) return;
    const std::string r = request("w " + std::to_string(n));
    if (r != "ok") fail(r);
  }
  Sample write_one(Clock& clock) override {
    Sample s;
    s.start = clock.now();
    const std::string r = request("i");
    s.end = clock.now();
    std::int64_t latency = 0, cpu = 0;
    if (std::sscanf(r.c_str(), "%" SCNd64 " %" SCNd64, &latency, &cpu) != 2) fail(r);
    s.latency_ns = latency;
    s.cpu_ns = cpu;
    return s;
  }
  std::optional<std::uint64_t> finish() override {
    if (pid_ < 0) return inserted_;
    std::optional<std::uint64_t> inserted;
    if (write_line(to_, "q\n")) {
      try {
        const std::string bye = reply();
        if (bye.rfind("bye ", 0) == 0) inserted = std::stoull(bye.substr(4));
      } catch (const std::exception&) {
      }
    }
    close(to_);
    close(from_);
    if (!wait_for(pid_, std::chrono::seconds(10))) {
      kill(pid_, SIGKILL);
      wait_for(pid_, std::chrono::seconds(5));
    }
    pid_ = -1;
    inserted_ = inserted;
    return inserted_;
  }

 private:
  std::string request(const std::string& cmd) {
    if (!write_line(to_, cmd + "\n")) fail("");
    return reply();
  }
  // The child's next line; throws when it ended instead.
  std::string reply() {
    for (;;) {
      const auto nl = buf_.find('\n');
      if (nl != std::string::npos) {
        std::string line = buf_.substr(0, nl);
        buf_.erase(0, nl + 1);
        return line;
      }
      char chunk[512];
      const ssize_t n = read(from_, chunk, sizeof chunk);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) fail("");
      buf_.append(chunk, static_cast<std::size_t>(n));
    }
  }
  // An "error ..." reply, or the child gone (then its log says why).
  [[noreturn]] void fail(const std::string& reply) {
    if (reply.rfind("error ", 0) == 0) throw DriverError(reply.substr(6));
    throw DriverError("the Python arm ended: " + one_line(tail_lines(log_, 2)));
  }

  std::string log_;
  pid_t pid_ = -1;
  int to_ = -1, from_ = -1;
  std::string buf_;
  std::int64_t connect_ns_ = 0;
  std::optional<std::uint64_t> inserted_;
};
}  // namespace

std::unique_ptr<Writer> open_python_writer(const Case& c, const Endpoint& e, const RunConfig& cfg,
                                           std::uint64_t seed) {
  return std::make_unique<PythonWriter>(c, e, cfg, seed);
}

namespace {
// --instructions: the arm's `count` mode, which toggles callgrind's collection around each insert
// through libwpbench_toggle.so.
// The count runs with string hashing fixed (PYTHONHASHSEED=0): with a random seed per process,
// dict and set layouts, and so the instructions per insert, differ from run to run by up to
// ~0.6 % (SQLAlchemy's). -I would ignore PYTHONHASHSEED with every other PYTHON* variable, so
// `env` unsets those instead, in front of valgrind (which does not follow an exec), and Python
// runs with -s (no user site-packages): the same isolation, the seed kept.
std::vector<std::string> python_callgrind_command(const Case& c, const Endpoint& e,
                                                  const RunConfig& cfg, std::uint64_t inserts,
                                                  const std::string& self,
                                                  const std::vector<std::string>& valgrind) {
  const auto lib = toggle_library(self);
  if (!lib) throw std::runtime_error("libwpbench_toggle.so not found beside " + self);
  std::vector<std::string> argv = {"/usr/bin/env"};
  for (char** env = environ; *env != nullptr; ++env) {
    const std::string kv = *env;
    if (kv.rfind("PYTHON", 0) == 0) argv.insert(argv.end(), {"-u", kv.substr(0, kv.find('='))});
  }
  argv.push_back("PYTHONHASHSEED=0");
  argv.insert(argv.end(), valgrind.begin(), valgrind.end());
  argv.insert(argv.end(), {cfg.python,       "-s",
                           cfg.python_arm,   "count",
                           "--case",         c.path->id(),
                           "--table",        e.table,
                           "--seed",         std::to_string(case_seed(cfg.seed, c.name())),
                           "--warmup",       std::to_string(cfg.warmup),
                           "--samples",      std::to_string(inserts),
                           "--toggle-lib",   *lib,
                           "--journal-mode", e.sqlite.journal_mode,
                           "--synchronous",  e.sqlite.synchronous});
  return argv;
}
}  // namespace

const ArmOps* python_arm() {
  static const ArmOps ops{measure_python, open_python_writer, python_callgrind_command};
  return &ops;
}

std::string python_checksum(const RunConfig& cfg, std::uint64_t seed, std::uint64_t count,
                            const std::string& log_path) {
  return one_line(arm_output(
      cfg, {"checksum", "--seed", std::to_string(seed), "--count", std::to_string(count)}, log_path,
      "python checksum"));
}

std::map<std::string, std::string> python_arm_cases(const RunConfig& cfg,
                                                    const std::string& log_path) {
  std::istringstream lines(arm_output(cfg, {"list"}, log_path, "wpbench_arm.py list"));
  std::map<std::string, std::string> out;
  for (std::string name, backend; lines >> name >> backend;) out[name] = backend;
  return out;
}

}  // namespace wpbench
