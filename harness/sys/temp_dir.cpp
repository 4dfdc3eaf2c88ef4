#include "sys/temp_dir.hpp"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include "sys/janitor.hpp"

namespace fs = std::filesystem;

namespace wpbench {

std::string temp_parent(const std::string& preferred) {
  if (!preferred.empty()) return preferred;
  const char* t = std::getenv("TMPDIR");
  return (t != nullptr && *t != '\0') ? t : "/tmp";
}

TempDir::TempDir(const std::string& prefix, const std::string& parent) {
  const std::string where = temp_parent(parent);
  std::string tmpl = (fs::path(where) / (prefix + "XXXXXX")).string();
  if (mkdtemp(tmpl.data()) == nullptr) {
    throw std::runtime_error("cannot create a temp dir under " + where);
  }
  path_ = tmpl;
  janitor_add_dir(path_);
}

TempDir::~TempDir() { remove(); }

void TempDir::remove() {
  if (path_.empty()) return;
  std::error_code ec;
  fs::remove_all(path_, ec);
  // What could not be removed now (a child still writing to it) the janitor tries again later.
  if (!ec) janitor_forget_dir(path_);
  path_.clear();
}

}  // namespace wpbench
