#include "app/exit.hpp"

#include <algorithm>
#include <iostream>

#include "app/plan.hpp"
#include "app/run.hpp"
#include "output/console_table.hpp"
#include "server/server.hpp"

namespace wpbench {

int report_exit(const Run& run) {
  std::cout << console_table(run.result);
  if (run.written.ok()) std::cout << "results: " << run.written.primary_path() << "\n";
  std::cout.flush();
  // One line on stderr, the most important: what stopped the run, else what could not be saved.
  if (run.result.status == RunStatus::interrupted) {
    std::cerr << "wpbench: interrupted; " << run.written.where_it_is()
              << " (status: interrupted)\n";
    return 130;
  }
  if (run.stopped_because) {
    std::cerr << "wpbench: " << *run.stopped_because << "; stopped after " << run.runs_done
              << " of " << run.runs_total << " case runs; " << run.written.where_it_is()
              << " (status: partial)\n";
    return 1;
  }
  if (!run.written.ok()) {
    std::cerr << "wpbench: " << run.written.failure() << "\n";
    return 1;
  }
  // A case this machine cannot run (a missing Python package) is reported, not failed.
  const auto failed = std::count_if(run.result.cases.begin(), run.result.cases.end(),
                                    [](const CaseReport& c) { return !c.ok() && !c.not_measured; });
  if (std::all_of(run.result.cases.begin(), run.result.cases.end(),
                  [](const CaseReport& c) { return c.not_measured.has_value(); })) {
    std::cerr << "wpbench: no selected case could be measured on this machine; see the warnings\n";
    return 1;
  }
  if (failed > 0) {
    std::cerr << "wpbench: " << failed << " case(s) failed; see the table above\n";
    return 1;
  }
  return 0;
}

int run_guarded(const Options& opt) {
  try {
    return run_wpbench(opt);
  } catch (const UsageError& e) {
    std::cerr << "wpbench: error: " << e.what() << "\n";
    return 2;
  } catch (const Interrupted& e) {
    std::cerr << "wpbench: " << e.what() << "; nothing was measured\n";
    return 130;
  } catch (const std::exception& e) {
    std::cerr << "wpbench: error: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace wpbench
