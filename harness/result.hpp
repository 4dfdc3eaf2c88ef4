#pragma once
/// A whole run as the exporters see it: context, configuration and one result per case.

#include <cstdint>
#include <string>
#include <vector>

#include "context.hpp"
#include "runner.hpp"

namespace wpbench {

/// Bumped whenever a field changes meaning or is removed (results/wpbench-result.schema.json).
inline constexpr int kSchemaVersion = 1;

struct RunSettings {
  RunConfig run;
  std::string table;
  std::vector<std::string> cases_selected;  ///< names, in run order
};

enum class RunStatus { complete, partial, interrupted };
const char* run_status_name(RunStatus s);

struct RunResult {
  RunContext context;
  RunSettings settings;
  std::vector<CaseResult> cases;
  /// partial while cases remain to run (the file is rewritten after each case), interrupted
  /// when a signal ended the run early.
  RunStatus status = RunStatus::partial;
};

}  // namespace wpbench
