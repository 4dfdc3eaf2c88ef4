#pragma once
/// A progress line on stderr, redrawn four times a second by its own thread so the measuring
/// thread only bumps a counter. Only on a terminal: nothing in a pipe or in CI.
///
/// The run is a list of phases of four kinds (floors, inserts, instruction counts, connects).
/// The app says up front how many units of each kind the whole run will do; the time a unit of a
/// kind takes is learnt from the units done so far, so the ETA covers the whole run, and the
/// first estimate of it is printed once, as soon as the inserts have shown their pace.

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace wpbench {

/// What the run spends a phase on; each kind's units take their own time.
enum class Phase { floors, inserts, instructions, connects };

/// The ETA of what is left, from each kind's units left and its pace so far (pure, for tests).
struct PhaseTally {
  std::uint64_t expected = 0;  ///< units the whole run will do
  std::uint64_t done = 0;      ///< units done so far
  double spent_s = 0;          ///< time spent on them
};
struct Eta {
  double seconds = 0;  ///< what is left of the kinds whose pace is known
  bool inserts_known = false;
  std::string unpaced;  ///< kinds with units left and no pace yet, e.g. "connects"
};
Eta estimate_left(const std::array<PhaseTally, 4>& tally);

class Progress {
 public:
  /// `enabled`: draw at all (a terminal).
  Progress(bool enabled, int repetitions);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  /// Incremented by the measuring code after every insert, warm-up ones too, and every timed
  /// connect (RunConfig::progress).
  std::atomic<std::uint64_t> samples{0};

  /// The whole run will do `units` more of `kind` (call before the first begin()).
  void expect(Phase kind, std::uint64_t units);
  /// Now running repetition `rep` (0-based) of `what`: `units` of `kind`. The phase before it
  /// counts as done; the unit count starts again.
  void begin(int rep, std::string what, Phase kind, std::uint64_t units);
  /// Stops drawing and clears the line; safe to call twice.
  void finish();

 private:
  void close_phase();  // with mu_ held
  void loop();

  bool enabled_;
  int reps_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::array<PhaseTally, 4> tally_{};
  int rep_ = 0;
  std::string what_;
  Phase kind_ = Phase::floors;
  std::uint64_t units_ = 0;
  bool in_phase_ = false;
  std::chrono::steady_clock::time_point phase_start_{};
  std::chrono::steady_clock::time_point run_start_ = std::chrono::steady_clock::now();
  bool told_estimate_ = false;
  bool stopped_ = false;
  std::thread thread_;
};

}  // namespace wpbench
