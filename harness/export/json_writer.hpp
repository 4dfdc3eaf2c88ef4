#pragma once
/// The JSON result file (schema: results/wpbench-result.schema.json).

#include <nlohmann/json.hpp>
#include <string>

#include "../result.hpp"

namespace wpbench {

/// The run as strict JSON: key order fixed for diffs, no NaN or infinity.
nlohmann::ordered_json to_json(const RunResult& run);

/// Writes `content` to `path` via a temp file in the same directory, fsync and rename, so a
/// reader never sees a half-written file. Throws std::runtime_error with one line.
void write_file_atomic(const std::string& path, const std::string& content);

/// Throws std::runtime_error unless a file can be created in `path`'s directory; run before
/// measuring so a bad --out fails in a second, not after the run.
void check_writable(const std::string& path);

}  // namespace wpbench
