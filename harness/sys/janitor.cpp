#include "sys/janitor.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

namespace fs = std::filesystem;

namespace wpbench {

namespace {
// wpbench's end of the socket; -1 without a janitor.
int g_janitor = -1;

const char* const kPrefix = "wpbench-";
// How long the children get to end on their own once wpbench is gone: the server's immediate
// shutdown (its parent-death signal is SIGQUIT) takes well under a second, the Python arm's
// SIGKILL none, but an initdb caught half-way runs on.
const auto kGrace = std::chrono::seconds(5);

struct Dir {
  dev_t dev = 0;
  ino_t ino = 0;
};

struct Child {
  pid_t pid = 0;
  unsigned long long start = 0;  ///< clock ticks after boot: tells it from a reuse of its pid
};

// A process's start time, or nullopt once it has ended (a zombie has ended too).
std::optional<unsigned long long> start_time(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  if (!std::getline(in, stat)) return std::nullopt;
  // The name (field 2) may hold spaces and parentheses; the fields after its last ')' do not.
  const auto close = stat.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream rest(stat.substr(close + 2));
  char state = '?';
  rest >> state;
  if (state == 'Z' || state == 'X') return std::nullopt;
  std::string skip;
  for (int field = 4; field < 22; ++field) rest >> skip;
  unsigned long long start = 0;
  if (!(rest >> start)) return std::nullopt;
  return start;
}

bool alive(const Child& c) { return start_time(c.pid) == c.start; }

void send_message(const std::string& m) {
  if (g_janitor < 0) return;
  // A janitor that was killed must not take wpbench with it (no SIGPIPE); there is then no one
  // left to tell.
  send(g_janitor, m.data(), m.size(), MSG_NOSIGNAL);
}

// Descriptors 0-2 may be closed when we start; the socket must not take their place.
int above_stdio(int fd) {
  if (fd > STDERR_FILENO) return fd;
  const int moved = fcntl(fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
  close(fd);
  return moved;
}

void quiet_and_alone(int keep) {
  // A terminal's Ctrl-C or hang-up, or a kill of the whole job (a CI runner's SIGKILL to the
  // process group), comes at the very moment the janitor has work: so it leaves the group, and
  // nothing but SIGKILL sent to it by pid may end it. Nor may a write to a closed pipe or to a
  // terminal that now belongs to the shell again.
  setsid();
  for (const int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGTTOU, SIGTTIN}) {
    signal(sig, SIG_IGN);
  }
  prctl(PR_SET_NAME, "wpbench-janitor", 0, 0, 0);
  // Only stderr stays, for a line about a dir it could not remove: held stdin or stdout would
  // keep a reader of wpbench's output waiting for the janitor too.
  const int null = open("/dev/null", O_RDWR);
  if (null >= 0) {
    dup2(null, STDIN_FILENO);
    dup2(null, STDOUT_FILENO);
    if (null > STDERR_FILENO) close(null);
  }
  if (keep > STDERR_FILENO + 1) close_range(STDERR_FILENO + 1, keep - 1, 0);
  close_range(keep + 1, ~0U, 0);
}

void remove_registered(const std::string& path, const Dir& d) {
  struct stat st {};
  if (lstat(path.c_str(), &st) != 0) return;  // gone already
  // Only the very dir wpbench created: not a link or another file that took its name since.
  if (!S_ISDIR(st.st_mode) || st.st_dev != d.dev || st.st_ino != d.ino) return;
  if (fs::path(path).filename().string().rfind(kPrefix, 0) != 0) return;
  std::error_code ec;
  for (int attempt = 0; attempt < 5; ++attempt) {
    // A process that was ending as the janitor started may still create a file in it.
    ec.clear();
    fs::remove_all(path, ec);
    if (!ec) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::fprintf(stderr, "wpbench: cannot remove %s after wpbench ended: %s\n", path.c_str(),
               ec.message().c_str());
}

std::vector<Child> still_alive(const std::vector<Child>& children) {
  std::vector<Child> out;
  for (const auto& c : children) {
    if (alive(c)) out.push_back(c);
  }
  return out;
}

bool wait_for_end(const std::vector<Child>& children, std::chrono::milliseconds bound) {
  const auto deadline = std::chrono::steady_clock::now() + bound;
  while (!still_alive(children).empty()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

[[noreturn]] void run_janitor(int fd) {
  quiet_and_alone(fd);
  std::map<std::string, Dir> dirs;
  std::vector<Child> children;
  std::set<std::string> namespaces;
  std::vector<char> buf(PATH_MAX + 128);
  for (;;) {
    const ssize_t n = recv(fd, buf.data(), buf.size(), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // wpbench is gone, however it ended
    std::istringstream m(std::string(buf.data(), static_cast<std::size_t>(n)));
    std::string kind;
    m >> kind;
    if (kind == "dir") {
      Dir d;
      m >> d.dev >> d.ino;
      m.get();  // the space before the path, which may hold spaces itself
      std::string path;
      std::getline(m, path, '\0');
      if (!path.empty()) dirs[path] = d;
    } else if (kind == "forget") {
      m.get();
      std::string path;
      std::getline(m, path, '\0');
      dirs.erase(path);
    } else if (kind == "netns" || kind == "forget-netns") {
      std::string name;
      m >> name;
      if (kind == "netns" && name.rfind(kPrefix, 0) == 0) namespaces.insert(name);
      if (kind == "forget-netns") namespaces.erase(name);
    } else if (kind == "child") {
      Child c;
      m >> c.pid >> c.start;
      // Forget the ones that have ended, so a long run does not make the list grow.
      children = still_alive(children);
      if (c.pid > 0) children.push_back(c);
    }
  }
  if (!wait_for_end(children, kGrace)) {
    for (const auto& c : still_alive(children)) kill(c.pid, SIGKILL);
    wait_for_end(children, std::chrono::seconds(2));
  }
  for (const auto& [path, d] : dirs) remove_registered(path, d);
  for (const auto& name : namespaces) {
    // Its end of the veth pair goes with it, and with that end ours.
    const pid_t pid = fork();
    if (pid == 0) {
      execl("/usr/sbin/ip", "ip", "netns", "del", name.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    if (pid > 0) waitpid(pid, nullptr, 0);
  }
  _exit(0);
}
}  // namespace

void start_janitor() {
  if (g_janitor >= 0) return;
  int fds[2];
  // Messages, not a byte stream: each registration arrives whole or not at all.
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) != 0) {
    throw std::runtime_error(std::string("cannot start the janitor: socketpair: ") +
                             std::strerror(errno));
  }
  const int ours = above_stdio(fds[0]), theirs = above_stdio(fds[1]);
  const pid_t pid = fork();
  if (pid < 0) {
    close(ours);
    close(theirs);
    throw std::runtime_error(std::string("cannot start the janitor: fork: ") +
                             std::strerror(errno));
  }
  if (pid == 0) {
    close(ours);  // else its own copy would keep the end of wpbench from ever showing
    run_janitor(theirs);
  }
  close(theirs);
  g_janitor = ours;
}

void janitor_add_dir(const std::string& path) {
  if (g_janitor < 0) return;
  std::error_code ec;
  const std::string abs = fs::absolute(path, ec).string();
  struct stat st {};
  if (ec || lstat(abs.c_str(), &st) != 0) return;
  send_message("dir " + std::to_string(st.st_dev) + " " + std::to_string(st.st_ino) + " " + abs);
}

void janitor_forget_dir(const std::string& path) {
  if (g_janitor < 0) return;
  std::error_code ec;
  send_message("forget " + fs::absolute(path, ec).string());
}

void janitor_add_netns(const std::string& name) { send_message("netns " + name); }

void janitor_forget_netns(const std::string& name) { send_message("forget-netns " + name); }

void janitor_add_child(pid_t pid) {
  if (g_janitor < 0) return;
  if (const auto start = start_time(pid)) {
    send_message("child " + std::to_string(pid) + " " + std::to_string(*start));
  }
}

}  // namespace wpbench
