#pragma once
/// What a case's repetitions give together: pooled statistics, their intervals, the noise
/// warnings, and the ratios between cases. Pure functions over measured results.

#include <cstdint>
#include <vector>

#include "core/result.hpp"

namespace wpbench {

/// Fills c.pooled from c.repetitions. Intervals of p50, mean, p90, p99 and p99.9: with two or
/// more repetitions, a t interval over the repetitions' values, which sees the drift between
/// repetitions that resampling single samples cannot; with one, a block bootstrap over its raw
/// samples (blocks of consecutive samples keep their correlation), for a tail percentile only
/// with bootstrap_min_samples of it.
void pool_case(CaseReport& c, std::uint64_t seed);

/// Each ok case's p50, then its p99, over the same statistic of the fastest ok case (by p50) of
/// the same transport. With the same number of repetitions on both sides (two or more), the
/// interval is a t interval over the repetitions' own ratios: repetition r of both cases ran in
/// the same interleaved round, so drift that hit both cancels out of their ratio.
std::vector<RatioResult> case_ratios(const std::vector<CaseReport>& cases);

/// What each transport adds per insert over the one its row compares it with
/// (TransportSpec::compared_with: tcp over unix, tls and pgbouncer over tcp): every ok case's p50
/// over the same driver path's on that transport, paired by repetition like case_ratios.
std::vector<RatioResult> transport_costs(const std::vector<CaseReport>& cases);

/// One line each for a lasting change of the machine during the run (level_shift over
/// repetitions): a floor that moved, or every case slower (or faster) from one repetition on,
/// saying which results it touches. Needs at least 4 repetitions; none otherwise.
std::vector<std::string> machine_changes(const std::vector<CaseReport>& cases,
                                         const std::optional<FloorsResult>& floors,
                                         int repetitions);

}  // namespace wpbench
