#pragma once
/// One run as it goes: its result, rewritten into every result file after each case, the
/// configuration its cases are measured with, their order, and how far it got.

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "app/floor_round.hpp"
#include "app/options.hpp"
#include "core/result.hpp"
#include "export/export.hpp"
#include "sys/name_claim.hpp"

namespace wpbench {

struct Run {
  RunResult result;
  /// opt.run, plus what the set-up adds: the Python arm's script and the progress counter.
  RunConfig cfg;
  std::vector<std::vector<std::size_t>> order;  ///< per repetition, indices of the cases
  std::string out;                              ///< the JSON result file
  ExportLog written{std::vector<Export>{}};     ///< every result file the run writes
  FloorSamples floors;
  /// Why the run stopped before its end, other than a signal: the server went away, or the table
  /// holds rows wpbench cannot account for. The run is then partial.
  std::optional<std::string> stopped_because;
  std::size_t runs_done = 0, runs_total = 0;  ///< case runs (a case in one repetition)
  /// The run id held for this run while it lasts, so a run started in the same millisecond takes
  /// the next number (default --out only: the id names the file).
  std::optional<NameClaim> id_claim;

  /// Rewrites every result file: a crash or Ctrl-C keeps what was measured, marked partial. A
  /// failed write (a full disk) is retried next time and reported at the end.
  void write() { written.write(result, runs_done, runs_total); }
};

/// Where results go without --out: results/runs under the current directory when it can be
/// made and written, else $XDG_DATA_HOME/wpbench/runs (~/.local/share/wpbench/runs).
std::string default_runs_dir();

/// The run `opt` asks for: its settings and context, how its samples interleave, and its result
/// files, checked (writable, not another's file; --sqlite-dir a directory) before anything is
/// started. Throws UsageError.
Run plan_run(const Options& opt, const std::vector<Case>& cases);

}  // namespace wpbench
