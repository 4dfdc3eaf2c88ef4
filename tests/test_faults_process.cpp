// wpbench killed or interrupted twice, the ways a user stops a run that is taking too long: the
// Python arm and the throwaway server end with it, and its temp dirs do not outlive it.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "db/pg.hpp"
#include "fixture.hpp"
#include "sys/process.hpp"

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace wpbench::test {
namespace {

// One process as /proc shows it; `start` (clock ticks after boot) tells it from a later process
// that got the same pid.
struct Proc {
  pid_t pid = 0;
  pid_t ppid = 0;
  char state = '?';
  unsigned long long start = 0;
  std::string cmdline;  ///< arguments joined by spaces
  std::string cwd;
};

std::optional<Proc> read_proc(pid_t pid) {
  const std::string dir = "/proc/" + std::to_string(pid);
  std::ifstream in(dir + "/stat");
  std::string stat;
  if (!std::getline(in, stat)) return std::nullopt;
  // The name (field 2) may hold spaces and parentheses; the fields after its last ')' do not.
  const auto close = stat.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream rest(stat.substr(close + 2));
  Proc p;
  p.pid = pid;
  rest >> p.state >> p.ppid;
  std::string skip;
  for (int field = 5; field < 22; ++field) rest >> skip;  // up to starttime, field 22
  rest >> p.start;
  p.cmdline = read_file(dir + "/cmdline");
  std::replace(p.cmdline.begin(), p.cmdline.end(), '\0', ' ');
  std::error_code ec;
  p.cwd = fs::read_symlink(dir + "/cwd", ec).string();
  return p;
}

std::vector<Proc> all_processes() {
  std::vector<Proc> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/proc", ec)) {
    const std::string name = e.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    if (auto p = read_proc(std::stoi(name))) out.push_back(*p);
  }
  return out;
}

// A zombie has ended; only its parent has not collected it yet.
bool running(const Proc& p) {
  const auto now = read_proc(p.pid);
  return now && now->start == p.start && now->state != 'Z' && now->state != 'X';
}

bool eventually(const std::function<bool()>& done, std::chrono::milliseconds bound) {
  const auto deadline = std::chrono::steady_clock::now() + bound;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

// Bit (sig - 1) of a hexadecimal signal mask line of /proc/<pid>/status ("SigIgn:", "ShdPnd:").
bool status_mask_has(pid_t pid, const std::string& field, int sig) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(field, 0) == 0) {
      return (std::stoull(line.substr(field.size()), nullptr, 16) >> (sig - 1)) & 1U;
    }
  }
  return false;
}

// The processes a run left: those naming its private temp dir (wpbench, the janitor, the
// postmaster, the arm) or working in it (PostgreSQL's backends run in the data dir).
std::vector<Proc> left_by(const std::string& tmp) {
  std::vector<Proc> out;
  for (const auto& p : all_processes()) {
    if (p.state == 'Z' || p.state == 'X' || p.pid == getpid()) continue;
    if (p.cmdline.find(tmp) != std::string::npos || p.cwd.rfind(tmp, 0) == 0) out.push_back(p);
  }
  return out;
}

std::vector<std::string> entries(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) out.push_back(e.path().filename());
  return out;
}

std::string describe(const std::vector<Proc>& ps) {
  std::string s;
  for (const auto& p : ps) s += std::to_string(p.pid) + " " + p.cmdline + "; ";
  return s;
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += x + " ";
  return s;
}

// wpbench started through /bin/sh in a process group of its own, its stdout and stderr in files.
// In the background (`&`) a non-interactive shell starts it with SIGINT and SIGQUIT ignored, as a
// script's job is. Whatever a test asserts, the destructor leaves no process of the run behind.
class Wpbench {
 public:
  Wpbench(const std::string& args, const std::string& tmp, const std::string& logs, bool background)
      : tmp_(tmp), logs_(logs) {
    const std::string run =
        shq(WPBENCH_BINARY) + " " + args + " >" + shq(logs + "/out") + " 2>" + shq(logs + "/err");
    const std::string script =
        background ? run + " & echo $! >" + shq(logs + "/pid") + "; wait" : "exec " + run;
    SpawnOptions so;
    so.own_session = true;  // a process group of its own, as a terminal gives a job
    shell_ = spawn({"/bin/sh", "-c", script}, so);
    if (!background) {
      pid_ = shell_;
      return;
    }
    eventually([&] { return !read_file(logs + "/pid").empty(); }, 10s);
    const std::string pid = read_file(logs + "/pid");
    if (!pid.empty()) pid_ = std::stoi(pid);
  }
  ~Wpbench() {
    if (pid_ > 0) kill(pid_, SIGKILL);
    wait_for(shell_, 10s);
    // What is still running once wpbench's own clean-up had its time has outlived it.
    eventually([&] { return left_by(tmp_).empty(); }, 10s);
    for (const auto& p : left_by(tmp_)) kill(p.pid, SIGKILL);
  }
  Wpbench(const Wpbench&) = delete;
  Wpbench& operator=(const Wpbench&) = delete;

  pid_t pid() const { return pid_; }
  /// The shell's exit status (the run's own when it was exec'd), or nullopt if still running.
  std::optional<int> wait(std::chrono::milliseconds bound) {
    const auto s = wait_for(shell_, bound);
    if (s) pid_ = -1;
    return s;
  }
  std::string err() const { return read_file(logs_ + "/err"); }

 private:
  std::string tmp_, logs_;
  pid_t shell_ = -1, pid_ = -1;
};

// A private parent for the run's temp dirs, searchable by the server's OS user when we are root.
void open_to_server_user(const TempPath& tmp) {
  fs::permissions(tmp.path(), fs::perms::others_exec | fs::perms::group_exec,
                  fs::perm_options::add);
}

long long row_count(const std::string& table) {
  auto c = pg_connect(server().conninfo(Transport::unix_socket));
  return std::stoll(pg_query_value(c.get(), "SELECT count(*) FROM " + table));
}

TEST(Process, ChildrenStartWithNoSignalIgnoredOrBlocked) {
  TempPath tmp;
  // What wpbench inherits from a script's `&` job, and a blocked signal besides.
  struct sigaction ignore {};
  struct sigaction quit_before {};
  ignore.sa_handler = SIG_IGN;
  sigaction(SIGQUIT, &ignore, &quit_before);
  sigset_t usr1, mask_before;
  sigemptyset(&usr1);
  sigaddset(&usr1, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &usr1, &mask_before);
  SpawnOptions so;
  so.log_path = tmp.file("status");
  const int rc = run_command({"/bin/cat", "/proc/self/status"}, so);
  pthread_sigmask(SIG_SETMASK, &mask_before, nullptr);
  sigaction(SIGQUIT, &quit_before, nullptr);
  ASSERT_EQ(rc, 0);
  const std::string status = read_file(tmp.file("status"));
  EXPECT_NE(status.find("SigIgn:\t0000000000000000\n"), std::string::npos) << status;
  EXPECT_NE(status.find("SigBlk:\t0000000000000000\n"), std::string::npos) << status;
}

TEST(Process, ChildThatDiesWithItsParentComesFromTheMainThreadOnly) {
  // The parent-death signal follows the thread that forked: from a worker thread, the child
  // would be killed when that thread ends, not when wpbench does.
  SpawnOptions so;
  so.death_signal = SIGKILL;
  bool refused = false;
  std::thread worker([&] {
    try {
      spawn({"/bin/true"}, so);
    } catch (const std::logic_error&) {
      refused = true;
    }
  });
  worker.join();
  EXPECT_TRUE(refused);
}

TEST(Process, PythonArmEndsWithAKilledWpbenchStartedAsABackgroundJob) {
  TempPath tmp, logs;
  const std::string table = "wpbench_fault_arm";
  Wpbench run(
      "--drivers psycopg2/direct --transports unix --samples 100000 --warmup 0 -r 1 "
      "--floor-samples 0 --connect-samples 0 --table " +
          table + " --dsn " + shq(server().conninfo(Transport::unix_socket)) + " --tmp-dir " +
          shq(tmp.path()) + " --out " + shq(logs.file("r.json")),
      tmp.path(), logs.path(), /*background=*/true);
  ASSERT_GT(run.pid(), 0);
  std::optional<Proc> arm;
  const bool found = eventually(
      [&] {
        for (const auto& p : all_processes()) {
          // "run" (--interleave case) or "serve" (sample by sample, the default).
          if (p.ppid == run.pid() &&
              (p.cmdline.find("wpbench_arm.py run ") != std::string::npos ||
               p.cmdline.find("wpbench_arm.py serve ") != std::string::npos)) {
            arm = p;
            return true;
          }
        }
        return false;
      },
      30s);
  ASSERT_TRUE(found) << "the Python arm never started: " << run.err();
  // The case users hit: a script's background job, whose SIGQUIT is ignored from the start.
  ASSERT_TRUE(status_mask_has(run.pid(), "SigIgn:", SIGQUIT));
  ASSERT_TRUE(eventually([&] { return row_count(table) > 0; }, 30s)) << "the arm never inserted";

  kill(run.pid(), SIGKILL);
  EXPECT_TRUE(eventually([&] { return !running(*arm); }, 2s))
      << "the Python arm outlived wpbench: " << arm->cmdline;
  const long long rows = row_count(table);
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(row_count(table), rows) << "rows are still being inserted after wpbench was killed";
}

// Starts a throwaway-server run with a PostgreSQL, a SQLite and a Python case and waits until it
// measures (its SQLite file, set up last, exists); returns the server's temp dir.
std::string start_full_run(const std::string& tmp) {
  std::string pg_dir;
  const bool measuring = eventually(
      [&] {
        for (const auto& e : entries(tmp)) {
          if (e.rfind("wpbench-pg-", 0) != 0) continue;
          pg_dir = tmp + "/" + e;
          return fs::exists(pg_dir + "/sqlite/wpbench.sqlite");
        }
        return false;
      },
      60s);
  if (!measuring) return "";
  std::this_thread::sleep_for(300ms);  // into the first case
  return pg_dir;
}

// The run's postmaster is up (so that it is gone afterwards means something).
bool server_running(const std::string& tmp) {
  const auto ps = left_by(tmp);
  return std::any_of(ps.begin(), ps.end(), [](const Proc& p) {
    return p.cmdline.find("/postgres -D ") != std::string::npos;
  });
}

const char* const kFullRun =
    "--drivers libpq/exec-params,sqlite3/prepared,psycopg2/direct --transports unix,file "
    "--samples 100000000 --warmup 0 -r 1 --floor-samples 0 --connect-samples 0 --tmp-dir ";

// Nothing of the run left: no process of its server or its children, no temp dir.
void expect_nothing_left(const std::string& tmp) {
  EXPECT_TRUE(eventually([&] { return left_by(tmp).empty(); }, 10s))
      << "still running: " << describe(left_by(tmp));
  EXPECT_TRUE(eventually([&] { return entries(tmp).empty(); }, 10s))
      << "left in " << tmp << ": " << join(entries(tmp));
}

TEST(Process, KilledRunLeavesNoServerAndNoTempDirs) {
  TempPath tmp, logs;
  open_to_server_user(tmp);
  Wpbench run(kFullRun + shq(tmp.path()) + " --out " + shq(logs.file("r.json")), tmp.path(),
              logs.path(), /*background=*/false);
  const std::string pg_dir = start_full_run(tmp.path());
  ASSERT_FALSE(pg_dir.empty()) << "the run never got to measuring: " << run.err();
  ASSERT_TRUE(server_running(tmp.path()));
  const auto start = std::chrono::steady_clock::now();
  kill(-run.pid(), SIGKILL);  // its whole process group, as a CI runner cancels a job
  ASSERT_TRUE(run.wait(5s));
  expect_nothing_left(tmp.path());
  std::printf("cleaned up %.1f s after SIGKILL\n",
              std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
}

TEST(Process, SecondInterruptExitsAtOnceSaysSoInOneLineAndLeavesNothing) {
  TempPath tmp, logs;
  open_to_server_user(tmp);
  const std::string out = logs.file("r.json");
  Wpbench run(kFullRun + shq(tmp.path()) + " --out " + shq(out), tmp.path(), logs.path(),
              /*background=*/false);
  ASSERT_FALSE(start_full_run(tmp.path()).empty())
      << "the run never got to measuring: " << run.err();
  ASSERT_TRUE(server_running(tmp.path()));
  // Two Ctrl-Cs, to the whole process group as from a terminal, both taken whatever the
  // scheduler does: a signal sent to a process and not yet taken would absorb a second one, but
  // one sent to its main thread waits apart from it.
  kill(-run.pid(), SIGINT);
  syscall(SYS_tgkill, run.pid(), run.pid(), SIGINT);
  const auto status = run.wait(5s);
  ASSERT_TRUE(status) << "wpbench did not exit at once on a second SIGINT";
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 130) << *status;
  const std::string err = run.err();
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  EXPECT_NE(err.find("exiting at once"), std::string::npos) << err;
  EXPECT_NE(err.find(out), std::string::npos) << err;
  expect_nothing_left(tmp.path());
}

}  // namespace
}  // namespace wpbench::test
