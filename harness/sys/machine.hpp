#pragma once
/// Facts about the machine that need no database: the host, its CPUs' frequency governors and the
/// filesystem a path is on. Read from /etc, /proc, /sys and statfs; whatever cannot be read is
/// left empty rather than guessed.

#include <map>
#include <string>

namespace wpbench {

/// hostname, os (PRETTY_NAME of /etc/os-release), kernel, arch, cpu_model, logical_cpus,
/// memory_total, and cpu_scaling_governor where scaling_governors() finds any.
std::map<std::string, std::string> host_facts();

/// The first "cpu MHz" of /proc/cpuinfo; 0 where there is none.
double cpu_mhz();

/// The cpufreq governors of the CPUs under `cpu_dir` (each cpu<N>/cpufreq/scaling_governor),
/// distinct, sorted and comma-separated, e.g. "performance" or "performance,powersave"; empty
/// where there is no cpufreq (most VMs and containers), so nothing is claimed there.
std::string scaling_governors(const std::string& cpu_dir = "/sys/devices/system/cpu");

/// A readable filesystem name for the path ("ext2/ext3/ext4", "tmpfs", "xfs", ...).
std::string filesystem_type(const std::string& path);

}  // namespace wpbench
