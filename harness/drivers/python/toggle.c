/* libwpbench_toggle.so: callgrind's collect toggle as a function the Python arm can call through
 * ctypes. A client request is a few machine instructions valgrind recognises in place; Python has
 * no way to emit them, so it calls this. Outside valgrind it does nothing. */
#include <valgrind/callgrind.h>

void wpbench_toggle_collect(void) { CALLGRIND_TOGGLE_COLLECT; }
void wpbench_start_instrumentation(void) { CALLGRIND_START_INSTRUMENTATION; }
