#pragma once
/// How a run reacts to the world: SIGINT/SIGTERM/SIGHUP set the stop flag the measuring loops
/// poll (a second one exits at once), and the process set-up that must come before any thread.

#include <atomic>
#include <string>

namespace wpbench {

/// Set by SIGINT/SIGTERM; polled between samples.
std::atomic<bool>& stop_flag();

/// Before any thread or child: starts the janitor (a fork of this process), installs the signal
/// handlers (a second interrupt names `out`, the result file, as what is kept) and lowers the
/// timer slack for open-loop wake-ups.
void prepare_process(const std::string& out);

}  // namespace wpbench
