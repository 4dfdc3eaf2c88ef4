#include "core/result.hpp"

#include <algorithm>

namespace wpbench {

const char* run_status_name(RunStatus s) {
  switch (s) {
    case RunStatus::complete:
      return "complete";
    case RunStatus::partial:
      return "partial";
    case RunStatus::interrupted:
      return "interrupted";
  }
  return "?";
}

bool CaseReport::ok() const {
  return !not_measured && static_cast<int>(repetitions.size()) == repetitions_requested &&
         std::all_of(repetitions.begin(), repetitions.end(),
                     [](const CaseResult& r) { return r.ok(); });
}

const char* CaseReport::status_name() const {
  if (not_measured) return "not_measured";
  if (ok()) return "ok";
  for (const auto& r : repetitions) {
    if (!r.ok() && !r.interrupted) return "failed";
    if (r.interrupted) return "interrupted";
  }
  // Repetitions are missing: still to come, or cut off by a signal that ended the run.
  return run_over ? "interrupted" : "pending";
}

std::optional<std::string> CaseReport::first_error() const {
  if (not_measured) return not_measured;
  for (const auto& r : repetitions) {
    if (r.error) return r.error;
    if (r.verification && !r.verification->ok) return r.verification->message;
  }
  return std::nullopt;
}

}  // namespace wpbench
