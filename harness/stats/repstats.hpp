#pragma once
/// Statistics over repetitions (`--repetitions R`: every case measured R times, interleaved):
/// bootstrap intervals, robust outlier scores and noise findings. Pure functions: no clock, no
/// I/O; every random draw comes from std::mt19937_64 seeded by the caller, so results repeat.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

namespace wpbench {

/// A confidence interval [lo, hi].
struct Interval {
  double lo = 0, hi = 0;
};

/// |modified z-score| beyond which a value is an outlier (Iglewicz and Hoaglin's 3.5).
inline constexpr double kOutlierZ = 3.5;
/// A repetition also has to be this far from the median (relative) to count as an outlier:
/// when repetitions agree to 0.1 %, one that is 0.5 % off has a large z but is not a busy machine.
inline constexpr double kMinOutlierDeviation = 0.01;
/// CV of the repetitions' p50 above which noise_report warns.
inline constexpr double kCvWarning = 0.05;
/// Fraction of outlying samples above which noise_report warns (a latency tail is normal).
inline constexpr double kSampleOutlierWarning = 0.05;
/// The block rule of scripts/wpstats.py: a resample is made of this many blocks ...
inline constexpr std::size_t kBootstrapBlocks = 50;
/// ... of at least this many consecutive samples.
inline constexpr std::size_t kMinBlockSamples = 50;

/// The 97.5th percentile of Student's t with `df` degrees of freedom (df >= 1): exact table to
/// 30, a Cornish-Fisher expansion beyond (within 0.001 there).
double t_quantile_975(int df);

/// 95 % interval for a statistic measured once per repetition: center ± t(R - 1) × the standard
/// error of `values` (R = values.size() >= 2). `center` is the pooled statistic. With
/// `log_scale`, the same on log(values) around log(center): for ratios, which are skewed. With
/// few repetitions this is wide on purpose: a percentile bootstrap over 5 repetitions covers
/// well under 95 %, the t interval does not (RepStats.TIntervalOverRepetitionsCovers...).
/// Throws std::invalid_argument for fewer than two values, or non-positive ones on a log scale.
Interval t_interval(const std::vector<double>& values, double center, bool log_scale = false);

/// A statistic of a block-bootstrap resample; it may reorder the vector (e.g. nth_element).
using SampleStat = std::function<double(std::vector<std::int64_t>& resample)>;

/// Block bootstrap over the samples of one repetition (R = 1), with the block rule of
/// scripts/wpstats.py: blocks of max(kMinBlockSamples, n / kBootstrapBlocks) consecutive samples
/// (a trailing remainder is dropped), each resample as many blocks drawn with replacement.
/// Consecutive latencies are correlated (checkpoints, a noisy neighbour), so resampling single
/// samples would give intervals several times too narrow. Same rule, not the same random stream
/// as numpy. Throws std::invalid_argument for fewer than 2 * kMinBlockSamples samples (one block
/// would give a zero-width interval), resamples < 1, confidence outside (0, 1), or a non-finite
/// stat.
Interval block_bootstrap(const std::vector<std::int64_t>& samples, const SampleStat& stat,
                         std::uint64_t seed, int resamples = 1000, double confidence = 0.95);

/// block_bootstrap for several statistics from the same resamples: interval i is what
/// block_bootstrap(samples, stats[i], seed, ...) gives (same seed, same draws), for a fraction of
/// the copying. Each stat sees the resample as the one before it left it, so it must be a
/// statistic of the values, not of their order (percentile_stat, mean_stat). Throws as
/// block_bootstrap; no stats gives no intervals.
std::vector<Interval> block_bootstrap(const std::vector<std::int64_t>& samples,
                                      const std::vector<SampleStat>& stats, std::uint64_t seed,
                                      int resamples = 1000, double confidence = 0.95);

/// Samples one repetition needs before block_bootstrap gives an interval of percentile p: two
/// blocks (2 * kMinBlockSamples), and ten samples beyond p (scripts/wpstats.py's min_samples:
/// 1,000 for p99, 10,000 for p99.9). With fewer, p is among the few largest samples, and a
/// resample cannot reach beyond the largest one, so the interval would be too narrow on the slow
/// side. In integers (p as parts per million, as the nearest rank), so 99.9 gives 10,000 exactly.
/// Throws std::invalid_argument for p outside [0, 100) (or within half a ppm of 100).
std::size_t bootstrap_min_samples(double p);

/// The nearest-rank percentile p of a resample, exactly as percentile_sorted in stats.hpp.
/// Throws std::invalid_argument for p outside [0, 100] (here) or an empty resample (when called).
SampleStat percentile_stat(double p);

/// The mean of a resample. Throws std::invalid_argument for an empty resample (when called).
SampleStat mean_stat();

/// Mean and sample standard deviation (n - 1) of a list of values, in one pass (Welford); the
/// deviation is 0 for fewer than two values.
struct MeanStddev {
  double mean = 0, stddev = 0;
};
MeanStddev mean_and_stddev(const std::vector<double>& xs);

/// Sample standard deviation (n - 1) over |mean|; 0 for fewer than two values or a zero mean,
/// so never NaN. Throws std::invalid_argument for a non-finite value.
double coefficient_of_variation(const std::vector<double>& xs);

/// The median (mean of the two middle values for an even count). Throws std::invalid_argument
/// for no values or a non-finite value.
double median(std::vector<double> xs);

/// Median absolute deviation from the median, raw (not scaled by 1.4826). Throws as median().
double mad(const std::vector<double>& xs);

/// Modified z-scores 0.6745 (x - median) / MAD (Iglewicz and Hoaglin; 0.6745 = 1 / 1.4826, the
/// scale hyperfine uses). When MAD is 0 (half the values or more are equal) the spread falls back
/// to the mean absolute deviation from the median: z = (x - median) / (1.253314 * MeanAD), IBM
/// SPSS's rule (both denominators estimate the standard deviation of normal data). So scores stay
/// finite: values equal to the median score 0, and all values equal gives all 0. With the fallback,
/// one value apart from n - 1 equal ones scores n / 1.253314, beyond 3.5 only from n = 5. Empty in,
/// empty out; throws std::invalid_argument for a non-finite value.
std::vector<double> modified_z_scores(const std::vector<double>& xs);

/// Fraction of samples whose modified z-score exceeds kOutlierZ on the slow side only (latency
/// has no fast outliers worth a warning: nothing finishes before the work is done). 0 for no
/// samples.
double sample_outlier_fraction(const std::vector<std::int64_t>& samples);

/// One thing noise_report found that deserves a warning, as data; the reporting layers word it
/// (harness/export/noise_text.hpp). Positions count the repetitions passed to noise_report.
struct NoiseFinding {
  enum class Kind {
    slow_first,               ///< value: the first p50; reference: the others' median p50
    outlier_repetition,       ///< value: its p50; reference: the median p50
    mean_outlier_repetition,  ///< value: its mean; reference: the median mean
    high_cv,                  ///< value: the CV of the p50s
    sample_outliers,          ///< value: the fraction of outlying samples
  };
  Kind kind = Kind::high_cv;
  std::size_t repetition = 0;   ///< 0-based position of the repetition concerned (kinds above)
  std::size_t repetitions = 0;  ///< how many repetitions were passed
  double value = 0;             ///< ns, or a CV or fraction, as the kind says
  double reference = 0;         ///< ns; 0 where the kind has none
};

/// What noise_report found in one case's repetitions. Indices are 0-based.
struct NoiseReport {
  /// |modified z| of the repetition's p50 > kOutlierZ and more than kMinOutlierDeviation from
  /// the median p50.
  std::vector<std::size_t> outlier_repetitions;
  /// Repetitions with an ordinary p50 but a mean far above the others' (slow side, same rule):
  /// a stall (a checkpoint, another process) hit part of that repetition.
  std::vector<std::size_t> mean_outlier_repetitions;
  /// The first repetition's p50 is the largest and its modified z against the other repetitions
  /// exceeds kOutlierZ (and kMinOutlierDeviation; when the others are all equal, that alone).
  /// Needs at least 3 repetitions.
  bool slow_first = false;
  double cv = 0;                       ///< coefficient_of_variation of the repetitions' p50
  double sample_outlier_fraction = 0;  ///< as passed in
  std::vector<NoiseFinding> findings;  ///< one per warning, in the order noise_report gives
};

/// Hyperfine-style noise findings for one case, from each repetition's p50 and mean latency (ns,
/// in repetition order) and the case's sample_outlier_fraction(). Findings, in this order: a slow
/// first repetition (raise --warmup), each outlying repetition not already reported as the slow
/// first, each mean outlier, CV above kCvWarning, sample outliers above kSampleOutlierWarning.
/// Throws std::invalid_argument for no repetitions, sizes that differ, non-finite values, or a
/// fraction outside [0, 1].
NoiseReport noise_report(const std::vector<double>& rep_p50_ns,
                         const std::vector<double>& rep_mean_ns, double sample_outlier_fraction);

/// A lasting change of level in a series measured once per repetition: repetitions [0, at)
/// around `before`, [at, n) around `after` (medians).
struct LevelShift {
  std::size_t at = 0;
  double before = 0, after = 0;
};

/// The split of `xs` (one positive value per repetition, in run order; at least 4, at least 2 on
/// each side) whose two sides do not overlap and whose medians differ by a factor of at least
/// `min_ratio`, the widest such gap first; none when there is no such step (a scatter is not a
/// shift). What the machine did during a run: a floor that moved, every case slower from one
/// repetition on. Throws std::invalid_argument for min_ratio <= 1.
std::optional<LevelShift> level_shift(const std::vector<double>& xs, double min_ratio = 1.25);

}  // namespace wpbench
