#pragma once
/// The janitor: a process forked at start-up that outlives wpbench only to clean up after it.
/// wpbench removes its temp dirs itself when it ends normally or on a first Ctrl-C; killed
/// (SIGKILL, the OOM killer, a second Ctrl-C's _exit) it cannot, and the throwaway cluster's
/// data, the SQLite files and the Python arm's dir would stay in /tmp. The janitor holds one end
/// of a socket whose other end only wpbench holds, so the kernel tells it of wpbench's end by
/// any means; it then lets wpbench's children end (ending what is left of them) and removes the
/// temp dirs still registered.

#include <sys/types.h>

#include <string>

namespace wpbench {

/// Forks the janitor. Call once, while this process has no other thread (the janitor goes on
/// from a copy of it) and before any registered dir or child exists. Throws std::runtime_error.
void start_janitor();

/// Registers a temp dir this process created (mkdtemp, basename starting "wpbench-"); it is
/// removed if wpbench dies without removing it. Does nothing without a janitor (tests, --list).
void janitor_add_dir(const std::string& path);

/// wpbench removed the dir itself (or is about to): the janitor forgets it.
void janitor_forget_dir(const std::string& path);

/// Registers a child whose end the janitor waits for (and brings about, after a grace period)
/// before it removes the dirs the child may still be writing to.
void janitor_add_child(pid_t pid);

/// Registers a network namespace this process made (`ip netns add`, name starting "wpbench-"):
/// deleted, with the veth pair into it, if wpbench dies without deleting it.
void janitor_add_netns(const std::string& name);

/// wpbench deleted it itself: the janitor forgets it.
void janitor_forget_netns(const std::string& name);

}  // namespace wpbench
