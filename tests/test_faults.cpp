// Fault injection against the real binary and real servers: what a careful user does to a tool
// pointed at their own database. Each test checks the exit code, that stderr is one line, that
// the user's rows and files are untouched, and that nothing is left running or in the temp dir.
#include <gtest/gtest.h>

#include "fixture.hpp"

int main(int argc, char** argv) { return wpbench::test::fixture_main(argc, argv); }
