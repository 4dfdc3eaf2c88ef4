#include "sys/process.hpp"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <deque>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "sys/janitor.hpp"

namespace wpbench {

namespace {
OsUser from_passwd(const passwd* pw) {
  return OsUser{pw->pw_name, pw->pw_uid, pw->pw_gid, pw->pw_dir ? pw->pw_dir : "/"};
}
}  // namespace

std::optional<OsUser> find_os_user(const std::string& name) {
  const passwd* pw = getpwnam(name.c_str());
  if (pw == nullptr) return std::nullopt;
  return from_passwd(pw);
}

OsUser current_os_user() {
  const passwd* pw = getpwuid(geteuid());
  if (pw == nullptr) {
    throw std::runtime_error("the current user (uid " + std::to_string(geteuid()) +
                             ") has no passwd entry");
  }
  return from_passwd(pw);
}

pid_t spawn(const std::vector<std::string>& argv, const SpawnOptions& opt) {
  if (argv.empty()) throw std::invalid_argument("spawn: empty argv");
  if (opt.death_signal != 0 && gettid() != getpid()) {
    throw std::logic_error(
        "spawn: a child that dies with its parent must be started from the "
        "main thread (the signal comes when the spawning thread ends)");
  }
  // Everything the child needs is prepared before fork(): after it, only async-signal-safe calls.
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const std::string log = opt.log_path.empty() ? "/dev/null" : opt.log_path;
  const int out = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (out < 0) throw std::runtime_error("cannot open " + log + ": " + std::strerror(errno));
  std::vector<std::string> env_strings;
  if (opt.as) {
    env_strings = {"HOME=" + opt.as->home, "USER=" + opt.as->name, "LOGNAME=" + opt.as->name,
                   "PATH=/usr/local/bin:/usr/bin:/bin", "LC_ALL=C"};
  } else if (!opt.extra_env.empty()) {
    // An inherited variable of the same name must not win over the one given here.
    const auto overridden = [&](const char* e) {
      for (const auto& x : opt.extra_env) {
        const auto eq = x.find('=');
        if (std::strncmp(e, x.c_str(), eq + 1) == 0) return true;
      }
      return false;
    };
    for (char** e = environ; *e != nullptr; ++e) {
      if (!overridden(*e)) env_strings.emplace_back(*e);
    }
  }
  env_strings.insert(env_strings.end(), opt.extra_env.begin(), opt.extra_env.end());
  const bool own_env = opt.as.has_value() || !opt.extra_env.empty();
  std::vector<char*> envp;
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);

  const pid_t parent = getpid();
  // Until the child has reset them, wpbench's handlers must not run in it (a Ctrl-C between
  // fork() and exec() would take the child for wpbench).
  sigset_t all, before;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &before);
  const pid_t pid = fork();
  if (pid != 0) pthread_sigmask(SIG_SETMASK, &before, nullptr);
  if (pid < 0) {
    close(out);
    throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  }
  if (pid == 0) {
    // An ignored signal stays ignored through exec, a handled one becomes default: the child
    // would inherit whatever wpbench's own caller ignored (a script's `&` job: SIGINT, SIGQUIT)
    // and not hear its parent-death signal or wpbench's stop. So would a blocked one.
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    for (int sig = 1; sig < NSIG; ++sig) {
      if (sig != SIGKILL && sig != SIGSTOP) sigaction(sig, &dfl, nullptr);
    }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    dup2(opt.stdout_fd >= 0 ? opt.stdout_fd : out, STDOUT_FILENO);
    dup2(out, STDERR_FILENO);
    const int in = opt.stdin_fd >= 0 ? opt.stdin_fd : open("/dev/null", O_RDONLY);
    if (in >= 0) dup2(in, STDIN_FILENO);
    if (opt.own_session) setsid();
    if (opt.as) {
      const gid_t groups[] = {opt.as->gid};
      if (setgroups(1, groups) != 0 || setgid(opt.as->gid) != 0 || setuid(opt.as->uid) != 0) {
        _exit(126);
      }
    }
    // Set after the uid change, which would otherwise clear it.
    if (opt.death_signal != 0) {
      prctl(PR_SET_PDEATHSIG, opt.death_signal);
      if (getppid() != parent) _exit(1);  // the parent died before the signal was armed
    }
    if (own_env) {
      execve(args[0], args.data(), envp.data());
    } else {
      execv(args[0], args.data());
    }
    _exit(127);
  }
  close(out);
  janitor_add_child(pid);
  return pid;
}

void stop_child(pid_t pid, std::initializer_list<int> signals, std::chrono::milliseconds grace) {
  if (pid <= 0) return;
  for (const int sig : signals) {
    kill(pid, sig);
    if (wait_for(pid, grace)) return;
  }
  kill(pid, SIGKILL);
  wait_for(pid, std::chrono::seconds(5));
}

std::optional<int> wait_for(pid_t pid, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    const pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) return status;
    if (r < 0 && errno != EINTR) return 0;  // not our child any more: nothing left to wait for
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

int run_command(const std::vector<std::string>& argv, const SpawnOptions& opt) {
  const pid_t pid = spawn(argv, opt);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 1;
}

std::string tail_lines(const std::string& path, int max_lines) {
  std::ifstream in(path);
  std::deque<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    lines.push_back(line);
    if (static_cast<int>(lines.size()) > max_lines) lines.pop_front();
  }
  std::string out;
  for (const auto& l : lines) out += (out.empty() ? "" : " | ") + l;
  return out;
}

}  // namespace wpbench
