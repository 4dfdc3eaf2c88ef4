#include "output/progress.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>

namespace wpbench {

namespace {
const char* const kUnits[] = {"", "inserts", "cases", "connects"};
const char* const kKinds[] = {"floors", "inserts", "instruction counts", "connects"};

// A kind's pace is trusted after a second of its work, or once a whole phase of it is done:
// the first units of a phase include opening sessions.
constexpr double kPacedAfterS = 1.0;

std::string duration_text(double s) {
  const long t = std::lround(std::max(0.0, s));
  char buf[32];
  std::snprintf(buf, sizeof buf, "%ldm%02lds", t / 60, t % 60);
  return buf;
}
}  // namespace

Eta estimate_left(const std::array<PhaseTally, 4>& tally) {
  Eta eta;
  for (std::size_t k = 0; k < tally.size(); ++k) {
    const PhaseTally& t = tally[k];
    const bool paced = t.done > 0 && t.spent_s > 0;
    if (k == static_cast<std::size_t>(Phase::inserts)) eta.inserts_known = paced;
    if (t.expected <= t.done) continue;
    if (!paced) {
      eta.unpaced += (eta.unpaced.empty() ? "" : ", ") + std::string(kKinds[k]);
      continue;
    }
    eta.seconds +=
        static_cast<double>(t.expected - t.done) * t.spent_s / static_cast<double>(t.done);
  }
  return eta;
}

Progress::Progress(bool enabled, int repetitions) : enabled_(enabled), reps_(repetitions) {
  if (enabled_) thread_ = std::thread([this] { loop(); });
}

Progress::~Progress() { finish(); }

void Progress::expect(Phase kind, std::uint64_t units) {
  std::lock_guard<std::mutex> lock(mu_);
  tally_[static_cast<std::size_t>(kind)].expected += units;
}

void Progress::close_phase() {
  if (!in_phase_) return;
  PhaseTally& t = tally_[static_cast<std::size_t>(kind_)];
  // A phase that ended counts whole: what it did not do (a stop, a failed case) is not left.
  t.done += units_;
  t.spent_s +=
      std::chrono::duration<double>(std::chrono::steady_clock::now() - phase_start_).count();
  in_phase_ = false;
}

void Progress::begin(int rep, std::string what, Phase kind, std::uint64_t units) {
  std::lock_guard<std::mutex> lock(mu_);
  close_phase();
  rep_ = rep;
  what_ = std::move(what);
  kind_ = kind;
  units_ = units;
  in_phase_ = true;
  phase_start_ = std::chrono::steady_clock::now();
  samples.store(0, std::memory_order_relaxed);
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
  std::unique_lock<std::mutex> lock(mu_);
  while (!cv_.wait_for(lock, std::chrono::milliseconds(250), [this] { return stopped_; })) {
    if (!in_phase_) continue;
    const auto now = std::chrono::steady_clock::now();
    const std::uint64_t done = std::min(units_, samples.load(std::memory_order_relaxed));
    const double in_phase_s = std::chrono::duration<double>(now - phase_start_).count();
    // The tally as if the phase ended now, with what it has done so far.
    auto live = tally_;
    auto& cur = live[static_cast<std::size_t>(kind_)];
    if (kind_ == Phase::inserts || kind_ == Phase::connects) {
      if (in_phase_s >= kPacedAfterS || cur.done > 0) {
        cur.done += done;
        cur.spent_s += in_phase_s;
      }
    }
    const Eta eta = estimate_left(live);
    std::string eta_text = eta.inserts_known ? duration_text(eta.seconds) : "?";
    if (eta.inserts_known && !eta.unpaced.empty()) eta_text += " + " + eta.unpaced;
    if (eta.inserts_known && !told_estimate_) {
      // Once, as soon as the inserts have shown their pace: the whole run, start to end.
      told_estimate_ = true;
      const double total = std::chrono::duration<double>(now - run_start_).count() + eta.seconds;
      const std::time_t end =
          std::time(nullptr) + static_cast<std::time_t>(std::lround(eta.seconds));
      char clock[16];
      std::strftime(clock, sizeof clock, "%H:%M", std::localtime(&end));
      std::fprintf(
          stderr, "\r\033[Kestimated run time: about %s in all (ends around %s)%s\n",
          duration_text(total).c_str(), clock,
          eta.unpaced.empty() ? "" : (", plus " + eta.unpaced + ", not yet timed").c_str());
    }
    std::string count;
    if (units_ > 1 || kind_ == Phase::inserts || kind_ == Phase::connects) {
      count = "  " + std::to_string(done) + "/" + std::to_string(units_) + " " +
              kUnits[static_cast<std::size_t>(kind_)];
    }
    std::fprintf(stderr, "\r\033[Krepetition %d/%d: %s%s  ETA %s", rep_ + 1, reps_, what_.c_str(),
                 count.c_str(), eta_text.c_str());
    std::fflush(stderr);
  }
}

}  // namespace wpbench
