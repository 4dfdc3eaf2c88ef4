#pragma once
/// How much to measure and how: the settings every case and repetition of a run share.

#include <atomic>
#include <cstdint>
#include <string>

#include "core/decision.hpp"
#include "core/driver.hpp"
#include "core/schedule.hpp"

namespace wpbench {

/// How much to measure; the same for every case and repetition of a run.
struct RunConfig {
  std::uint64_t samples =
      500;  ///< per repetition (10 x 500 interleaved: the default run in 4 minutes)
  std::uint64_t warmup = 100;  ///< per repetition: every repetition opens new sessions
  std::uint64_t seed = DecisionGenerator::default_seed;
  std::uint64_t raw_samples_max = 100000;  ///< beyond it, a repetition keeps its histogram only
  /// Open loop: inserts per second on a schedule (0: closed loop, each insert right after the
  /// last one returns).
  double rate_per_s = 0;
  ScheduleKind schedule = ScheduleKind::fixed;
  /// Threads inserting at once, each taking a connection for every insert (1: the classic
  /// one-connection loop).
  int clients = 1;
  /// Connections the clients share; 0 means one per client (the one-per-thread discipline).
  /// Fewer than clients is a shared pool: waiting for a free connection counts in the latency.
  int pool_size = 0;
  std::string python = "/usr/bin/python3";  ///< interpreter of the Python arm (Debian's)
  std::string python_arm;  ///< the arm's script (written by write_python_arm()); empty: none
  /// When set, incremented after every insert (warm-up ones too) so a progress line can read it
  /// from another thread (relaxed: it is a display, not a synchronisation).
  std::atomic<std::uint64_t>* progress = nullptr;

  /// Samples per repetition of a path that connects per insert (Capabilities::connects): each
  /// costs a new backend (tens of ms), so --connect-per-write N takes N of them, spread evenly
  /// over the run's rounds, instead of `samples`.
  std::uint64_t connect_per_write_samples = 50;
  /// Their warm-up per repetition: enough to load the modules' and the server's caches.
  static constexpr std::uint64_t connect_per_write_warmup = 3;
  /// --idle-ms: each measured insert comes after its connection sat idle at least this long (a
  /// bot writes a decision every so often), and is followed at once by a back-to-back one,
  /// recorded apart; 0: the inserts follow each other as the rounds bring them.
  std::uint64_t idle_ms = 0;

  bool open_loop() const { return rate_per_s > 0; }
  /// This config as `caps`'s path runs it: a connect-per-write path takes fewer samples.
  RunConfig for_path(const Capabilities& caps) const {
    RunConfig c = *this;
    if (caps.connects > 0) {
      c.samples = samples < connect_per_write_samples ? samples : connect_per_write_samples;
      c.warmup = warmup < connect_per_write_warmup ? warmup : connect_per_write_warmup;
    }
    return c;
  }
  /// The inserts one repetition of `caps`'s path makes: its warm-up and samples, and with
  /// --idle-ms each sample's back-to-back twin (what the progress line expects).
  std::uint64_t inserts_per_repetition(const Capabilities& caps) const {
    const RunConfig c = for_path(caps);
    return c.warmup + c.samples * (c.idle_ms > 0 ? 2 : 1);
  }
  int connections() const { return pool_size > 0 ? pool_size : clients; }
};

}  // namespace wpbench
