#include "export.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>

namespace wpbench {

void check_writable(const std::string& path, const std::string& flag) {
  namespace fs = std::filesystem;
  const fs::path p(path);
  if (p.filename().empty()) throw std::runtime_error(flag + " " + path + " names a directory");
  std::error_code ec;
  if (fs::is_directory(p, ec)) throw std::runtime_error(flag + " " + path + " is a directory");
  const fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
  fs::create_directories(dir, ec);
  const std::string probe = (dir / (".wpbench-probe-" + std::to_string(getpid()))).string();
  const int fd = open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0644);
  if (fd < 0) {
    throw std::runtime_error("cannot write " + flag + " " + path + ": " + std::strerror(errno));
  }
  close(fd);
  unlink(probe.c_str());
}

void write_file_atomic(const std::string& path, const std::string& content) {
  const std::string tmp = path + ".tmp." + std::to_string(getpid());
  const int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) throw std::runtime_error("cannot write " + tmp + ": " + std::strerror(errno));
  std::size_t off = 0;
  while (off < content.size()) {
    const ssize_t n = write(fd, content.data() + off, content.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      const std::string err = std::strerror(errno);
      close(fd);
      unlink(tmp.c_str());
      throw std::runtime_error("cannot write " + tmp + ": " + err);
    }
    off += static_cast<std::size_t>(n);
  }
  if (fsync(fd) != 0 || close(fd) != 0) {
    unlink(tmp.c_str());
    throw std::runtime_error("cannot flush " + tmp + ": " + std::strerror(errno));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string err = std::strerror(errno);
    unlink(tmp.c_str());
    throw std::runtime_error("cannot rename " + tmp + " to " + path + ": " + err);
  }
  // The rename itself is durable only once the directory is synced.
  const auto dir = std::filesystem::path(path).parent_path();
  const int dfd = open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (dfd >= 0) {
    fsync(dfd);
    close(dfd);
  }
}

void check_exports(const std::vector<Export>& exports) {
  namespace fs = std::filesystem;
  for (std::size_t i = 0; i < exports.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      std::error_code ec1, ec2;
      const auto a = fs::weakly_canonical(exports[i].path, ec1);
      const auto b = fs::weakly_canonical(exports[j].path, ec2);
      if (ec1 || ec2 ? exports[i].path == exports[j].path : a == b) {
        throw std::invalid_argument(exports[j].flag + " and " + exports[i].flag +
                                    " name the same file " + exports[i].path);
      }
    }
  }
  for (const auto& e : exports) check_writable(e.path, e.flag);
}

void write_exports(const std::vector<Export>& exports, const RunResult& run) {
  for (const auto& e : exports) write_file_atomic(e.path, e.serialize(run));
}

}  // namespace wpbench
