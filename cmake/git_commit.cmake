# Run at every build (the wpbench_git_commit target): writes the commit the sources are at into
# OUT, only when it changed, so the binary names the commit it was built from even when no
# CMake file changed since the last configure (a commit alone reruns nothing else).
execute_process(
  COMMAND git describe --always --dirty --abbrev=12
  WORKING_DIRECTORY ${SOURCE_DIR}
  OUTPUT_VARIABLE commit
  OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
if(NOT commit)
  set(commit "unknown")
endif()
set(text "// Generated at build time by cmake/git_commit.cmake.\n#pragma once\n\nnamespace wpbench::build {\n/// The commit the binary was built from (git describe --dirty).\ninline constexpr const char* git_commit = \"${commit}\";\n}  // namespace wpbench::build\n")
set(old "")
if(EXISTS ${OUT})
  file(READ ${OUT} old)
endif()
if(NOT old STREQUAL text)
  file(WRITE ${OUT} "${text}")
endif()
