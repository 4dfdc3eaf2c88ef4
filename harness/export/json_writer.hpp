#pragma once
/// The JSON result file (schema: results/wpbench-result.schema.json).

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace wpbench {

/// The run as strict JSON: key order fixed for diffs, no NaN or infinity.
nlohmann::ordered_json to_json(const RunResult& run);

/// The result file's content: to_json, compact (a run holds every sample, and indentation would
/// double the file), one line.
std::string serialize_json(const RunResult& run);

/// Whether a file beginning with `head` is a result file serialize_json wrote.
bool is_json_file(std::string_view head);

}  // namespace wpbench
