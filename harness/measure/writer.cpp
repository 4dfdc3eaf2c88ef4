#include "measure/writer.hpp"

#include <time.h>

#include "core/decision.hpp"

namespace wpbench {

namespace {
class NativeWriter final : public Writer {
 public:
  NativeWriter(const Case& c, const Endpoint& e, std::uint64_t seed, Clock& clock) : gen_(seed) {
    const auto t0 = clock.now();
    session_ = c.path->open(e);
    connect_ns_ = (clock.now() - t0).count();
  }
  std::int64_t connect_ns() const override { return connect_ns_; }
  void warm_up(std::uint64_t n) override {
    for (std::uint64_t i = 0; i < n; ++i) {
      session_->insert(gen_.next());
      ++inserted_;
    }
  }
  Sample write_one(Clock& clock) override {
    // The decision is made before the clock starts: generating it is not the driver's cost.
    const Decision d = gen_.next();
    const std::int64_t cpu0 = cpu_ns(CLOCK_THREAD_CPUTIME_ID);
    Sample s;
    s.start = clock.now();
    session_->insert(d);
    s.end = clock.now();
    s.cpu_ns = cpu_ns(CLOCK_THREAD_CPUTIME_ID) - cpu0;
    s.latency_ns = (s.end - s.start).count();
    ++inserted_;
    return s;
  }
  std::optional<std::uint64_t> finish() override {
    session_.reset();
    return inserted_;
  }

 private:
  DecisionGenerator gen_;
  std::unique_ptr<Session> session_;
  std::int64_t connect_ns_ = 0;
  std::uint64_t inserted_ = 0;
};

}  // namespace

std::unique_ptr<Writer> open_native_writer(const Case& c, const Endpoint& e, std::uint64_t seed,
                                           Clock& clock) {
  return std::make_unique<NativeWriter>(c, e, seed, clock);
}

}  // namespace wpbench
