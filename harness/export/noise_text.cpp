#include "export/noise_text.hpp"

#include <fmt/format.h>

namespace wpbench {

namespace {
std::string ms(double ns) { return fmt::format("{:.3f}", ns / 1e6); }
}  // namespace

std::string noise_warning(const NoiseFinding& f) {
  using Kind = NoiseFinding::Kind;
  switch (f.kind) {
    case Kind::slow_first:
      return fmt::format(
          "the first repetition was much slower (p50 {} ms vs median {} ms of the others): "
          "warm-up too short? raise --warmup",
          ms(f.value), ms(f.reference));
    case Kind::outlier_repetition:
      return fmt::format(
          "repetition {} of {} is an outlier (p50 {} ms vs median {} ms): {}; the interval "
          "includes it",
          f.repetition + 1, f.repetitions, ms(f.value), ms(f.reference),
          f.value > f.reference ? "the machine was busy"
                                : "the machine was busier during the other repetitions");
    case Kind::mean_outlier_repetition:
      return fmt::format(
          "repetition {} of {} had an ordinary p50 but a much higher mean ({} ms vs median {} "
          "ms): a stall (a checkpoint, another process) hit part of it; look at its p99 and max",
          f.repetition + 1, f.repetitions, ms(f.value), ms(f.reference));
    case Kind::high_cv:
      return fmt::format(
          "p50 varies {:.1f} % between repetitions (CV); the interval includes it, and ratios "
          "between cases are paired within repetitions",
          f.value * 100);
    case Kind::sample_outliers:
      return fmt::format(
          "{:.1f} % of samples are outliers (modified z-score above {}; a usual tail stays under "
          "{:.0f} %): the tail is wide; look at p99 and the time series",
          f.value * 100, kOutlierZ, kSampleOutlierWarning * 100);
  }
  return "";
}

std::vector<std::string> noise_warnings(const NoiseReport& report) {
  std::vector<std::string> out;
  out.reserve(report.findings.size());
  for (const auto& f : report.findings) out.push_back(noise_warning(f));
  return out;
}

}  // namespace wpbench
