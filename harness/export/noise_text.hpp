#pragma once
/// The noise warnings of a case in words: what noise_report (stats/repstats.hpp) found, one plain
/// sentence each saying what to do, as the JSON writes them (cases[].noise.warnings).

#include <string>
#include <vector>

#include "stats/repstats.hpp"

namespace wpbench {

/// One finding as a sentence. Repetitions are named "repetition k of R", 1-based.
std::string noise_warning(const NoiseFinding& f);

/// Every finding of the report as a sentence, in the report's order.
std::vector<std::string> noise_warnings(const NoiseReport& report);

}  // namespace wpbench
