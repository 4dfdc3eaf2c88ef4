#include "output/progress.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>

namespace wpbench {

Progress::Progress(bool enabled, int repetitions, std::size_t total_runs,
                   std::uint64_t samples_per_run)
    : enabled_(enabled), reps_(repetitions), total_(total_runs), per_run_(samples_per_run) {
  if (enabled_) thread_ = std::thread([this] { loop(); });
}

Progress::~Progress() { finish(); }

void Progress::set(int rep, std::string what) {
  std::lock_guard<std::mutex> lock(mu_);
  rep_ = rep;
  what_ = std::move(what);
  samples.store(0, std::memory_order_relaxed);
}

void Progress::case_done() {
  std::lock_guard<std::mutex> lock(mu_);
  ++done_;
}

void Progress::finish() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopped_) return;
    stopped_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (enabled_) std::fprintf(stderr, "\r\033[K");
}

void Progress::loop() {
  const auto t0 = std::chrono::steady_clock::now();
  std::unique_lock<std::mutex> lock(mu_);
  while (!cv_.wait_for(lock, std::chrono::milliseconds(250), [this] { return stopped_; })) {
    const double frac =
        (static_cast<double>(done_) +
         std::min(1.0, static_cast<double>(samples.load(std::memory_order_relaxed)) /
                           static_cast<double>(std::max<std::uint64_t>(1, per_run_)))) /
        static_cast<double>(std::max<std::size_t>(1, total_));
    const double spent =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    char eta[32] = "?";
    if (frac > 0.005) {
      const long left = std::lround(spent * (1 - frac) / frac);
      std::snprintf(eta, sizeof eta, "%ldm%02lds", left / 60, left % 60);
    }
    std::fprintf(stderr, "\r\033[Krepetition %d/%d, case %zu/%zu: %s  %llu/%llu samples  ETA %s",
                 rep_ + 1, reps_, std::min(done_ + 1, total_), total_, what_.c_str(),
                 static_cast<unsigned long long>(samples.load(std::memory_order_relaxed)),
                 static_cast<unsigned long long>(per_run_), eta);
    std::fflush(stderr);
  }
}

}  // namespace wpbench
