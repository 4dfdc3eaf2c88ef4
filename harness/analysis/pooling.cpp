#include "analysis/pooling.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "core/transport.hpp"

namespace wpbench {

namespace {
// The repetitions that took samples; statistics over repetitions use these alone.
std::vector<const CaseResult*> measured(const CaseReport& c) {
  std::vector<const CaseResult*> out;
  for (const auto& r : c.repetitions) {
    if (r.samples > 0) out.push_back(&r);
  }
  return out;
}

// --idle-ms: the back-to-back twins pooled, and the idle-minus-back-to-back difference pair by
// pair where the repetition kept its raw samples (sample i is the twin of twin i).
void pool_idle(const std::vector<const CaseResult*>& reps, PooledResult& p) {
  std::vector<std::int64_t> twins, differences;
  for (const auto* r : reps) {
    twins.insert(twins.end(), r->back_to_back_ns.begin(), r->back_to_back_ns.end());
    if (!r->raw_kept) continue;
    const std::size_t pairs = std::min(r->samples_ns.size(), r->back_to_back_ns.size());
    for (std::size_t i = 0; i < pairs; ++i) {
      differences.push_back(r->samples_ns[i] - r->back_to_back_ns[i]);
    }
  }
  if (twins.empty()) return;
  p.idle = IdleComparison{summarize(twins), median_interval(differences)};
}

}  // namespace

void pool_case(CaseReport& c, std::uint64_t seed) {
  PooledResult& p = c.pooled;
  p = PooledResult{};
  const auto reps = measured(c);
  if (reps.empty()) return;
  LatencyHistogram merged;
  std::int64_t elapsed = 0;
  bool all_raw = true;
  for (const auto* r : reps) {
    merged.merge(r->histogram);
    elapsed += r->elapsed_ns;
    p.samples += r->samples;
    all_raw = all_raw && r->raw_kept;
  }
  std::vector<std::int64_t> raw;
  if (all_raw) {
    raw.reserve(p.samples);
    for (const auto* r : reps) raw.insert(raw.end(), r->samples_ns.begin(), r->samples_ns.end());
  }
  p.latency = all_raw ? summarize(raw) : summarize(merged);
  p.throughput_per_s = throughput_per_s(p.samples, elapsed);

  std::vector<double> p50s, means;
  for (const auto* r : reps) {
    p50s.push_back(static_cast<double>(r->latency.p50_ns));
    means.push_back(r->latency.mean_ns);
  }
  // The tail percentiles with an interval, each with its pooled value and its value in a
  // repetition.
  struct Tail {
    double p;
    std::optional<Interval> PooledResult::*ci;
    std::int64_t LatencySummary::*value;
  };
  static constexpr Tail kTails[] = {{90, &PooledResult::p90_ci, &LatencySummary::p90_ns},
                                    {99, &PooledResult::p99_ci, &LatencySummary::p99_ns},
                                    {99.9, &PooledResult::p999_ci, &LatencySummary::p999_ns}};
  if (reps.size() >= 2) {
    // Repetitions are the independent units (each its own connection and minute of the run);
    // with five of them a t interval is honest where a bootstrap over them under-covers. On the
    // log scale: a latency is positive, and its spread grows with it, so the interval never
    // reaches below zero, however few the repetitions.
    p.p50_ci = t_interval(p50s, static_cast<double>(p.latency.p50_ns), true);
    p.mean_ci = t_interval(means, p.latency.mean_ns, true);
    // A tail percentile the same way: its spread between repetitions is what the interval is
    // made of, so three repetitions give a wide p99 interval, as they should.
    for (const auto& t : kTails) {
      std::vector<double> values;
      for (const auto* r : reps) values.push_back(static_cast<double>(r->latency.*t.value));
      p.*t.ci = t_interval(values, static_cast<double>(p.latency.*t.value), true);
    }
    p.ci_method = "t interval over repetitions (log scale)";
    p.cv_p50 = coefficient_of_variation(p50s);
  } else if (all_raw && raw.size() >= 2 * kMinBlockSamples) {  // fewer: one block, no spread
    // One pass of resamples for every statistic (the same draws as one call each); a tail
    // percentile only with bootstrap_min_samples, else it stays without an interval.
    std::vector<SampleStat> stats{percentile_stat(50), mean_stat()};
    std::vector<const Tail*> tails;
    for (const auto& t : kTails) {
      if (raw.size() < bootstrap_min_samples(t.p)) continue;
      stats.push_back(percentile_stat(t.p));
      tails.push_back(&t);
    }
    const auto ci = block_bootstrap(raw, stats, seed);
    p.p50_ci = ci[0];
    p.mean_ci = ci[1];
    for (std::size_t i = 0; i < tails.size(); ++i) p.*tails[i]->ci = ci[2 + i];
    p.ci_method = "block bootstrap over samples";
  }
  pool_idle(reps, p);
  // A statistic that is not finite (no samples' mean) says nothing about noise.
  if (std::all_of(means.begin(), means.end(), [](double m) { return std::isfinite(m); })) {
    p.noise = noise_report(p50s, means, all_raw ? sample_outlier_fraction(raw) : 0.0);
    // noise_report counts positions among the measured repetitions; the JSON names repetitions.
    for (auto* list : {&p.noise.outlier_repetitions, &p.noise.mean_outlier_repetitions}) {
      for (auto& i : *list) i = static_cast<std::size_t>(reps[i]->repetition);
    }
  }
}

std::vector<std::string> machine_changes(const std::vector<CaseReport>& cases,
                                         const std::optional<FloorsResult>& floors,
                                         int repetitions) {
  std::vector<std::string> out;
  const auto step = [&](const LevelShift& s, std::size_t n) {
    return fmt::format("{:.3f} ms in repetitions 1-{} to {:.3f} ms in {}-{}", s.before / 1e6, s.at,
                       s.after / 1e6, s.at + 1, n);
  };
  if (floors) {
    static const std::map<std::string, std::pair<const char*, const char*>> kFloors = {
        {"round_trip_unix", {"the unix round trip", "the unix cases"}},
        {"round_trip_tcp", {"the tcp round trip", "the tcp cases"}},
        {"commit_flush", {"the commit flush", "the PostgreSQL cases"}},
        {"disk_sync", {"the disk's sync", "every durable case"}},
        {"sqlite_flush", {"SQLite's sync", "the SQLite cases"}}};
    for (const auto& [key, words] : kFloors) {
      const auto it = floors->per_repetition_p50_ns.find(key);
      if (it == floors->per_repetition_p50_ns.end()) continue;
      if (const auto s = level_shift(it->second)) {
        out.push_back(fmt::format(
            "the machine changed during the run: {} went from {}; it touches the absolute "
            "latencies of {} (ratios between cases are paired within repetitions)",
            words.first, step(*s, it->second.size()), words.second));
      }
    }
  }
  // Every case's p50 in each repetition over its own pooled p50: the median of those is what
  // the machine did to all of them at once.
  std::vector<double> common;
  for (int rep = 0; rep < repetitions; ++rep) {
    std::vector<double> rel;
    for (const auto& c : cases) {
      for (const auto& r : c.repetitions) {
        if (r.repetition == rep && r.samples > 0 && c.pooled.latency.p50_ns > 0) {
          rel.push_back(static_cast<double>(r.latency.p50_ns) /
                        static_cast<double>(c.pooled.latency.p50_ns));
        }
      }
    }
    if (rel.empty()) break;
    common.push_back(median(rel));
  }
  if (const auto s = level_shift(common)) {
    out.push_back(fmt::format(
        "the machine changed during the run: every case ran {:.2f}x {} from repetition {} of {} "
        "on; absolute latencies mix both states, ratios between cases (paired within "
        "repetitions) do not",
        std::max(s->after / s->before, s->before / s->after),
        s->after > s->before ? "slower" : "faster", s->at + 1, common.size()));
  }
  return out;
}

namespace {
// `stat` of `num` over the same of `den`, paired by repetition when both have two or more: each
// repetition of the two ran in the same round, so drift that hit both cancels in their ratio.
RatioResult compare(const CaseReport& num, const CaseReport& den, const char* stat,
                    std::int64_t LatencySummary::*value) {
  RatioResult r;
  r.numerator = num.name;
  r.denominator = den.name;
  r.stat = stat;
  const auto num_v = num.pooled.latency.*value, den_v = den.pooled.latency.*value;
  r.ratio = static_cast<double>(num_v) / static_cast<double>(den_v);
  r.diff_ns = static_cast<double>(num_v - den_v);
  const auto a = measured(num), b = measured(den);
  if (a.size() >= 2 && a.size() == b.size()) {
    // t interval on the log of the per-repetition ratios.
    std::vector<double> per_rep, diffs;
    for (std::size_t i = 0; i < a.size(); ++i) {
      const auto x = a[i]->latency.*value, y = b[i]->latency.*value;
      per_rep.push_back(static_cast<double>(x) / static_cast<double>(y));
      // The same pairs as a difference: what the numerator adds per insert, in ns.
      diffs.push_back(static_cast<double>(x - y));
    }
    r.ci = t_interval(per_rep, r.ratio, true);
    r.method = "paired t interval over repetitions";
    r.diff_ci = t_interval(diffs, r.diff_ns);
  } else {
    r.method = "none: needs --repetitions 2 or more";
  }
  return r;
}

bool comparable(const CaseReport& c) { return c.ok() && c.pooled.samples > 0; }
}  // namespace

std::vector<RatioResult> case_ratios(const std::vector<CaseReport>& cases) {
  std::map<std::string, const CaseReport*> fastest;
  for (const auto& c : cases) {
    if (!comparable(c)) continue;
    auto& f = fastest[c.transport];
    if (!f || c.pooled.latency.p50_ns < f->pooled.latency.p50_ns) f = &c;
  }
  // The statistics compared, each against the same denominator (the fastest by p50), so a
  // reader pairs them by numerator, denominator and stat.
  static constexpr std::pair<const char*, std::int64_t LatencySummary::*> kStats[] = {
      {"p50", &LatencySummary::p50_ns}, {"p99", &LatencySummary::p99_ns}};
  std::vector<RatioResult> out;
  for (const auto& c : cases) {
    const auto it = fastest.find(c.transport);
    if (!comparable(c) || it == fastest.end() || it->second == &c) continue;
    for (const auto& [stat, value] : kStats) out.push_back(compare(c, *it->second, stat, value));
  }
  return out;
}

std::vector<RatioResult> transport_costs(const std::vector<CaseReport>& cases) {
  std::vector<RatioResult> out;
  for (const auto& c : cases) {
    const TransportSpec* spec = find_transport(c.transport);
    if (!comparable(c) || spec == nullptr || *spec->compared_with == '\0') continue;
    const std::string twin = c.driver + "/" + c.variant + "/" + spec->compared_with;
    for (const auto& d : cases) {
      if (d.name == twin && comparable(d)) {
        out.push_back(compare(c, d, "p50", &LatencySummary::p50_ns));
      }
    }
  }
  return out;
}

}  // namespace wpbench
