#include "app/plan.hpp"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <random>

#include "app/cases.hpp"
#include "db/context.hpp"
#include "export/bmf_writer.hpp"
#include "export/csv_writer.hpp"
#include "export/gbench_writer.hpp"
#include "export/gha_writer.hpp"
#include "export/json_writer.hpp"

namespace fs = std::filesystem;

namespace wpbench {

std::string default_runs_dir() {
  // results/runs of the current directory (a checkout, a CI job's workspace), when it can hold
  // it; else the user's data dir, as an installed tool writes: the post's botuser in a checkout
  // root owns cannot write there.
  // Asked of the nearest part that exists, so nothing is made yet: the export check makes the
  // directories, and removes them again if the run ends before writing there.
  std::error_code ec;
  fs::path nearest = fs::absolute("results/runs", ec);
  while (!ec && !nearest.empty() && !fs::exists(nearest, ec) && nearest != nearest.parent_path()) {
    nearest = nearest.parent_path();
  }
  // A real attempt, not access(): root passes every permission check, yet /proc or a read-only
  // mount takes no directory.
  std::string probe = (nearest / ".wpbench-probe-XXXXXX").string();
  if (!ec && fs::is_directory(nearest, ec) && mkdtemp(probe.data()) != nullptr) {
    rmdir(probe.c_str());
    return "results/runs";
  }
  const char* xdg = std::getenv("XDG_DATA_HOME");
  const char* home = std::getenv("HOME");
  if (xdg != nullptr && *xdg == '/') return std::string(xdg) + "/wpbench/runs";
  if (home != nullptr && *home == '/') return std::string(home) + "/.local/share/wpbench/runs";
  return "results/runs";  // nowhere better: the write check says why it cannot be written
}

Run plan_run(const Options& opt, const std::vector<Case>& cases) {
  Run run;
  run.cfg = opt.run;
  RunResult& result = run.result;
  result.context = collect_context();
  result.settings.run = opt.run;
  result.settings.table = opt.table;
  result.settings.repetitions = opt.repetitions;
  result.settings.order_seed = opt.order_seed ? *opt.order_seed : std::random_device{}();
  result.settings.sync_commit = opt.sync_commit;
  // Sample by sample needs every case's session to take one insert per round: an open-loop
  // schedule and client threads each run a case on its own.
  const bool sample_fits = !opt.run.open_loop() && opt.run.clients == 1;
  if (opt.interleave == "sample" && !sample_fits) {
    throw UsageError(
        "--interleave sample needs a closed loop with one client: --rate and --clients run each "
        "case's samples in one stretch (--interleave case)");
  }
  result.settings.interleave = !opt.interleave.empty() ? opt.interleave
                               : sample_fits           ? "sample"
                                                       : "case";
  // The idle wait and its back-to-back twin are made between the rounds' turns.
  if (opt.run.idle_ms > 0 && result.settings.interleave != "sample") {
    throw UsageError(
        "--idle-ms runs sample by sample (--interleave sample): a closed loop with one client");
  }
  for (const auto& c : cases) result.settings.cases_selected.push_back(c.name());
  const std::string runs_dir = opt.out.empty() ? default_runs_dir() : "";
  if (opt.out.empty()) {
    // Two runs started in the same millisecond would share the id: the second takes a number.
    // Neither has written its file yet, so the id is claimed, not only looked up.
    std::error_code ec;
    const std::string dir = fs::absolute(runs_dir, ec).string();
    for (int n = 2;; ++n) {
      const std::string& id = result.context.run_id;
      if (!fs::exists(runs_dir + "/" + id + ".json")) {
        run.id_claim = NameClaim::take(dir + "/" + id);
        if (run.id_claim) break;
      }
      result.context.run_id = id.substr(0, kRunIdLength) + "-" + std::to_string(n);
    }
  }
  run.out = opt.out.empty() ? runs_dir + "/" + result.context.run_id + ".json" : opt.out;
  // The JSON result first: it is the primary one, the others are derived from the same run.
  std::vector<Export> exports{{"--out", run.out, serialize_json, is_json_file}};
  // One row per other format: its flag, path, serializer and recognizer.
  const struct {
    const char* flag;
    const std::string& path;
    Serializer serialize;
    Recognizer recognizes;
  } derived[] = {{"--export-gbench", opt.export_gbench, serialize_gbench, is_gbench_file},
                 {"--export-csv", opt.export_csv, serialize_csv, is_csv_file},
                 {"--export-gha", opt.export_gha, serialize_gha, is_gha_file},
                 {"--export-bmf", opt.export_bmf, serialize_bmf, is_bmf_file}};
  for (const auto& d : derived) {
    if (!d.path.empty()) exports.push_back({d.flag, d.path, d.serialize, d.recognizes});
  }
  // Cheap checks first: a bad output path or --sqlite-dir must not cost a server start.
  try {
    check_exports(exports);
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  if (!opt.sqlite_dir.empty() && any_backend(cases, Backend::sqlite) &&
      !fs::is_directory(opt.sqlite_dir)) {
    throw UsageError("--sqlite-dir " + opt.sqlite_dir + " is not a directory");
  }
  run.written = ExportLog(std::move(exports));
  return run;
}

}  // namespace wpbench
