#pragma once
/// A progress line on stderr, redrawn four times a second by its own thread so the measuring
/// thread only bumps a counter. Only on a terminal: nothing in a pipe or in CI.

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace wpbench {

class Progress {
 public:
  /// `enabled`: draw at all (a terminal); `total_runs` units of `samples_per_run` samples each.
  Progress(bool enabled, int repetitions, std::size_t total_runs, std::uint64_t samples_per_run);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  /// Incremented by the measuring code after every measured insert (RunConfig::progress).
  std::atomic<std::uint64_t> samples{0};

  /// Now running repetition `rep` (0-based) of `what`; the sample count starts again.
  void set(int rep, std::string what);
  /// One unit of the total is done.
  void case_done();
  /// Stops drawing and clears the line; safe to call twice.
  void finish();

 private:
  void loop();

  bool enabled_;
  int reps_;
  std::size_t total_;
  std::uint64_t per_run_;
  std::mutex mu_;
  std::condition_variable cv_;
  int rep_ = 0;
  std::string what_;
  std::size_t done_ = 0;
  bool stopped_ = false;
  std::thread thread_;
};

}  // namespace wpbench
