#include "sys/machine.hpp"

#include <sys/statfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

namespace wpbench {

namespace {
std::string first_match(const std::string& file, const std::string& key) {
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(key, 0) != 0) continue;
    auto v = line.substr(key.size());
    const auto b = v.find_first_not_of(" \t:=\"");
    v = b == std::string::npos ? "" : v.substr(b);
    while (!v.empty() && (v.back() == '"' || v.back() == ' ')) v.pop_back();
    return v;
  }
  return "";
}
}  // namespace

std::map<std::string, std::string> host_facts() {
  std::map<std::string, std::string> host;
  char hostname[256] = {};
  gethostname(hostname, sizeof hostname - 1);
  utsname u{};
  uname(&u);
  host["hostname"] = hostname;
  host["os"] = first_match("/etc/os-release", "PRETTY_NAME");
  host["kernel"] = std::string(u.sysname) + " " + u.release;
  host["arch"] = u.machine;
  host["cpu_model"] = first_match("/proc/cpuinfo", "model name");
  host["logical_cpus"] = std::to_string(std::thread::hardware_concurrency());
  host["memory_total"] = first_match("/proc/meminfo", "MemTotal");
  if (auto governors = scaling_governors(); !governors.empty()) {
    host["cpu_scaling_governor"] = std::move(governors);
  }
  return host;
}

double cpu_mhz() {
  try {
    const auto mhz = first_match("/proc/cpuinfo", "cpu MHz");
    return mhz.empty() ? 0 : std::stod(mhz);
  } catch (const std::exception&) {
    return 0;
  }
}

std::string scaling_governors(const std::string& cpu_dir) {
  namespace fs = std::filesystem;
  std::set<std::string> found;
  std::error_code ec;
  for (fs::directory_iterator it(cpu_dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    // cpu0, cpu1, ...; not cpufreq, cpuidle or cpu_capacity beside them.
    if (name.size() < 4 || name.rfind("cpu", 0) != 0 ||
        name.find_first_not_of("0123456789", 3) != std::string::npos) {
      continue;
    }
    std::ifstream in(it->path() / "cpufreq" / "scaling_governor");
    std::string governor;
    if (std::getline(in, governor) && !governor.empty()) found.insert(governor);
  }
  std::string out;
  for (const auto& g : found) out += (out.empty() ? "" : ",") + g;
  return out;
}

std::string filesystem_type(const std::string& path) {
  struct statfs s {};
  if (statfs(path.c_str(), &s) != 0) return "unknown";
  switch (static_cast<unsigned long>(s.f_type)) {
    case 0xEF53:
      return "ext2/ext3/ext4";
    case 0x01021994:
      return "tmpfs";
    case 0x58465342:
      return "xfs";
    case 0x9123683E:
      return "btrfs";
    case 0x794C7630:
      return "overlayfs";
    case 0x2FC12FC1:
      return "zfs";
    case 0x6969:
      return "nfs";
    case 0x65735546:
      return "fuse";
    default: {
      char buf[32];
      std::snprintf(buf, sizeof buf, "0x%lx", static_cast<unsigned long>(s.f_type));
      return buf;
    }
  }
}

}  // namespace wpbench
