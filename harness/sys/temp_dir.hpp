#pragma once
/// A temp directory removed with everything in it when its owner goes away; used by the server
/// fixture, the SQLite files of a run, and the tests. Each is registered with the janitor
/// (janitor.hpp), if there is one, so it goes even when wpbench is killed.

#include <string>

namespace wpbench {

/// `preferred` if given, else $TMPDIR, else /tmp.
std::string temp_parent(const std::string& preferred = "");

class TempDir {
 public:
  /// Creates <parent>/<prefix>XXXXXX (mkdtemp: mode 0700); throws std::runtime_error.
  explicit TempDir(const std::string& prefix = "wpbench-", const std::string& parent = "");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  /// path()/name
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  /// Removes the directory now (idempotent).
  void remove();

 private:
  std::string path_;
};

}  // namespace wpbench
