// wpbench: the command line (harness/app/cli.cpp), then the run (harness/app/run.cpp), its
// errors turned into an exit code (harness/app/exit.cpp).
#include "app/cli.hpp"
#include "app/exit.hpp"

int main(int argc, char** argv) {
  wpbench::Options opt;
  if (const auto exit_code = wpbench::parse_command_line(argc, argv, opt)) return *exit_code;
  return wpbench::run_guarded(opt);
}
