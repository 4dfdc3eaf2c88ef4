#pragma once
/// Child processes for the server fixture: spawn (optionally as another OS user), wait, stop.

#include <sys/types.h>

#include <chrono>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

namespace wpbench {

/// An OS account to run a child as (PostgreSQL refuses to run as root).
struct OsUser {
  std::string name;
  uid_t uid = 0;
  gid_t gid = 0;
  std::string home;
};

/// Looks up an account by name; nullopt if there is none.
std::optional<OsUser> find_os_user(const std::string& name);

/// The account this process runs as.
OsUser current_os_user();

struct SpawnOptions {
  std::optional<OsUser> as;  ///< drop to this user in the child
  std::string log_path;      ///< stdout and stderr go here (appended); empty: /dev/null
  /// When >= 0, the child's stdin / stdout instead (a pipe's ends, for a child driven by lines);
  /// stderr still goes to log_path.
  int stdin_fd = -1, stdout_fd = -1;
  bool own_session = false;  ///< setsid(): a terminal's Ctrl-C then reaches only us, not it
  /// Sent to the child when wpbench dies, even by SIGKILL (PR_SET_PDEATHSIG); 0: none. The
  /// kernel sends it when the *thread* that called spawn() ends, not the process, so spawn()
  /// refuses one from any thread but the main one, which lives as long as wpbench.
  int death_signal = 0;
  /// NAME=value pairs added to the child's environment (a secret belongs here, not in argv,
  /// which every user can read in the process list).
  std::vector<std::string> extra_env;
};

/// Starts argv[0] (a path) with argv, every signal at its default and none blocked (an ignored
/// one would otherwise stay ignored through exec: a script's `&` job ignores SIGINT and SIGQUIT);
/// registers it with the janitor (janitor.hpp). Throws std::runtime_error if it cannot.
pid_t spawn(const std::vector<std::string>& argv, const SpawnOptions& opt);

/// Waits up to `timeout` for the child; its exit status (as from waitpid), or nullopt if it is
/// still running.
std::optional<int> wait_for(pid_t pid, std::chrono::milliseconds timeout);

/// Ends a child: sends each of `signals` in turn (a server's shutdown modes, gentlest first),
/// giving it `grace` after each to exit, then SIGKILL; reaps it.
void stop_child(pid_t pid, std::initializer_list<int> signals, std::chrono::milliseconds grace);

/// Runs a command to completion; returns its exit code (128+signal if killed).
int run_command(const std::vector<std::string>& argv, const SpawnOptions& opt);

/// The last `max_lines` lines of a text file, joined with " | ", for one-line error messages.
std::string tail_lines(const std::string& path, int max_lines);

}  // namespace wpbench
