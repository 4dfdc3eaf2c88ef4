#include "app/signals.hpp"

#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <string>

#include "sys/janitor.hpp"

namespace wpbench {

std::atomic<bool>& stop_flag() {
  static std::atomic<bool> flag{false};
  return flag;
}

namespace {
// What a second interrupt prints: made before the handlers are installed, as a handler may not
// allocate.
std::string g_exit_now_line;

void on_signal(int) {
  // A second Ctrl-C means "now": the children end through their parent-death signals, and the
  // janitor removes the temp dirs.
  if (stop_flag().exchange(true)) {
    [[maybe_unused]] const ssize_t n =
        write(STDERR_FILENO, g_exit_now_line.data(), g_exit_now_line.size());
    _exit(130);
  }
}

// `out`: the result file, rewritten after every case, which is all a second interrupt keeps.
void install_signal_handlers(const std::string& out) {
  // On a terminal the line replaces the progress line instead of running on from it.
  g_exit_now_line = std::string(isatty(STDERR_FILENO) ? "\r\033[K" : "") +
                    "wpbench: interrupted again: exiting at once; " + out +
                    " holds what was written after the last finished case (status: partial)\n";
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  for (const int sig : {SIGINT, SIGTERM, SIGHUP}) sigaction(sig, &sa, nullptr);
}
}  // namespace

void prepare_process(const std::string& out) {
  start_janitor();
  install_signal_handlers(out);
  // The kernel's default 50 µs timer slack would add to every open-loop wake-up; the threads
  // created below inherit this.
  prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
}

}  // namespace wpbench
