#pragma once
/// The one interface every result format sits behind: a serializer from the run to the file's
/// text, and where that text goes. Each format is one serialize_X (and is_X_file) in its own
/// file here.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.hpp"

namespace wpbench {

/// Renders the whole run (every case so far) as one file's content.
using Serializer = std::string (*)(const RunResult&);
/// Whether a file that begins with `head` (its first few kB) is one this format wrote.
using Recognizer = bool (*)(std::string_view head);

/// One file the run is exported to.
struct Export {
  Export(std::string flag_, std::string path_, Serializer serialize_,
         Recognizer recognizes_ = nullptr)
      : flag(std::move(flag_)),
        path(std::move(path_)),
        serialize(serialize_),
        recognizes(recognizes_) {}
  std::string flag;  ///< the option that asked for it, for error messages, e.g. "--out"
  std::string path;  ///< as given
  Serializer serialize = nullptr;
  Recognizer recognizes = nullptr;
  /// Where the content goes: `path`, or the file a symlink there points to (written through,
  /// never replaced by a file). Set by check_writable.
  std::string target;
  /// The target existed when checked (a file this format wrote, or an empty one): the first
  /// write replaces it. Otherwise the first write never replaces a file that appeared since.
  bool existed = false;
  /// The directories check_writable made for it, deepest first: removed again (when still
  /// empty) if the run ends before writing anything there.
  std::vector<std::string> made_dirs;
};

/// Throws std::invalid_argument (a path wpbench must not write) or std::runtime_error (one it
/// cannot) unless `e.path` can be written (creating missing directories): a
/// path that exists must be a regular file this format wrote earlier, or an empty one (wpbench
/// never replaces a file it did not write, a device or a FIFO), possibly behind a symlink, which
/// is written through. Fills in e.target and e.existed. Run before measuring, so a bad path fails
/// in a second, not after the run.
void check_writable(Export& e);

/// Writes `content` to `path` via a new temp file in the same directory, fsync and rename, so a
/// reader never sees a half-written file. Throws std::runtime_error with one line.
void write_file_atomic(const std::string& path, const std::string& content);

/// check_writable for each export (filling in its target); throws std::invalid_argument when
/// two share a file.
void check_exports(std::vector<Export>& exports);

/// The exports of one run and how writing them went. A failed write (a full disk) does not end
/// the run: each file keeps its last good content, the next write tries again, and the end of the
/// run says what each file holds.
class ExportLog {
 public:
  explicit ExportLog(std::vector<Export> exports);
  /// Removes the directories made for an export that was never written (a run that failed
  /// before measuring leaves no empty results/runs/ behind).
  ~ExportLog();
  ExportLog(ExportLog&&) = default;
  ExportLog& operator=(ExportLog&&) = default;
  /// Rewrites every export from `run`, `runs_done` of `runs_total` case runs in.
  void write(const RunResult& run, std::size_t runs_done, std::size_t runs_total);
  /// The last write of every export succeeded.
  bool ok() const;
  /// One line on the first export whose last write failed: why, and what the file holds.
  std::string failure() const;
  /// "what was measured is in PATH" for the primary (first) export, or its failure().
  std::string where_it_is() const;
  /// Where the primary export went (another name if one appeared at its path meanwhile).
  std::string primary_path() const;

 private:
  struct State {
    Export e;
    std::optional<std::string> error;  ///< of the last write
    std::optional<std::string> holds;  ///< what the file holds after the last good write
  };
  std::string failure_of(const State& s) const;
  std::vector<State> states_;
};

}  // namespace wpbench
