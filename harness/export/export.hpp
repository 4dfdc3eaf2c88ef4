#pragma once
/// The one interface every result format sits behind: a serializer from the run to the file's
/// text, and where that text goes. Each format is one serialize_X in its own file here.

#include <string>
#include <vector>

#include "../result.hpp"

namespace wpbench {

/// Renders the whole run (every case so far) as one file's content.
using Serializer = std::string (*)(const RunResult&);

/// One file the run is exported to.
struct Export {
  std::string flag;  ///< the option that asked for it, for error messages, e.g. "--out"
  std::string path;
  Serializer serialize = nullptr;
};

/// Throws std::runtime_error unless a file can be created in `path`'s directory (creating missing
/// directories); run before measuring so a bad path fails in a second, not after the run. `flag`
/// names the option in the message.
void check_writable(const std::string& path, const std::string& flag);

/// Writes `content` to `path` via a temp file in the same directory, fsync and rename, so a
/// reader never sees a half-written file. Throws std::runtime_error with one line.
void write_file_atomic(const std::string& path, const std::string& content);

/// check_writable for each export; throws std::invalid_argument when two share a path.
void check_exports(const std::vector<Export>& exports);

/// Rewrites every export atomically from `run`.
void write_exports(const std::vector<Export>& exports, const RunResult& run);

}  // namespace wpbench
