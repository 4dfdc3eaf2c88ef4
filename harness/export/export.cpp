#include "export/export.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>

namespace fs = std::filesystem;

namespace wpbench {

namespace {
std::string errno_text() { return std::strerror(errno); }

const char* kind_of(mode_t m) {
  return S_ISDIR(m)    ? "a directory"
         : S_ISCHR(m)  ? "a character device"
         : S_ISBLK(m)  ? "a block device"
         : S_ISFIFO(m) ? "a FIFO"
         : S_ISSOCK(m) ? "a socket"
                       : "not a regular file";
}

// The first few kB of a file, enough for a format to recognise its own beginning.
std::string head_of(const std::string& path) {
  std::string buf(4096, '\0');
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return "";
  const ssize_t n = read(fd, buf.data(), buf.size());
  close(fd);
  buf.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  return buf;
}

// `path` with "-N" before its extension: results/runs/x.json -> results/runs/x-2.json.
std::string numbered(const std::string& path, int n) {
  const fs::path p(path);
  return (p.parent_path() / (p.stem().string() + "-" + std::to_string(n) + p.extension().string()))
      .string();
}

// Moves `tmp` to `path` only if nothing is there (never over a file that appeared meanwhile).
bool publish_new(const std::string& tmp, const std::string& path) {
  if (renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, path.c_str(), RENAME_NOREPLACE) == 0) return true;
  if (errno == EEXIST) return false;
  if (errno != EINVAL && errno != ENOSYS) {
    throw std::runtime_error("cannot rename " + tmp + " to " + path + ": " + errno_text());
  }
  // A filesystem without RENAME_NOREPLACE: link() refuses an existing name just the same.
  if (link(tmp.c_str(), path.c_str()) != 0) {
    if (errno == EEXIST) return false;
    throw std::runtime_error("cannot create " + path + ": " + errno_text());
  }
  unlink(tmp.c_str());
  return true;
}

// A new temp file beside `path` holding `content`, synced; its name.
std::string write_temp(const std::string& path, const std::string& content) {
  const fs::path p(path);
  const fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
  std::string tmp = (dir / ("." + p.filename().string() + ".tmp.XXXXXX")).string();
  const int fd = mkstemp(tmp.data());  // O_EXCL: never opens a file that is already there
  if (fd < 0) throw std::runtime_error("cannot write in " + dir.string() + ": " + errno_text());
  const mode_t mask = umask(0);
  umask(mask);
  fchmod(fd, 0666 & ~mask);  // mkstemp's 0600 would hide the result from other users
  std::size_t off = 0;
  while (off < content.size()) {
    const ssize_t n = write(fd, content.data() + off, content.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      const std::string err = errno_text();
      close(fd);
      unlink(tmp.c_str());
      throw std::runtime_error("cannot write " + path + ": " + err);
    }
    off += static_cast<std::size_t>(n);
  }
  if (fsync(fd) != 0 || close(fd) != 0) {
    const std::string err = errno_text();
    unlink(tmp.c_str());
    throw std::runtime_error("cannot write " + path + ": " + err);
  }
  return tmp;
}

void sync_dir_of(const std::string& path) {
  // The rename itself is durable only once the directory is synced.
  const auto dir = fs::path(path).parent_path();
  const int dfd = open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (dfd >= 0) {
    fsync(dfd);
    close(dfd);
  }
}
}  // namespace

void check_writable(Export& e) {
  const fs::path p(e.path);
  if (p.filename().empty()) {
    throw std::invalid_argument(e.flag + " " + e.path + " names a directory");
  }
  // Written through: a link stays a link, the file it points to (maybe not there yet) gets the
  // result.
  fs::path target = p;
  struct stat st {};
  for (int hops = 0; lstat(target.c_str(), &st) == 0 && S_ISLNK(st.st_mode); ++hops) {
    std::error_code ec;
    const fs::path next = fs::read_symlink(target, ec);
    if (ec || hops == 40) {
      throw std::invalid_argument("cannot resolve the symlink " + e.flag + " " + e.path);
    }
    target = next.is_absolute() ? next : target.parent_path() / next;
  }
  e.target = target.string();
  e.existed = stat(target.c_str(), &st) == 0;
  if (e.existed) {
    if (!S_ISREG(st.st_mode)) {
      throw std::invalid_argument(e.flag + " " + e.path + " is " + kind_of(st.st_mode) +
                                  ": wpbench writes only regular files");
    }
    // An empty file (mktemp's) holds nothing to lose; anything else must be this format's.
    if (st.st_size > 0 && !(e.recognizes && e.recognizes(head_of(e.target)))) {
      throw std::invalid_argument(e.flag + " " + e.path +
                                  " exists and is not a file wpbench wrote; wpbench replaces only "
                                  "its own files: remove it or choose another path");
    }
    if (access(e.target.c_str(), W_OK) != 0) {
      throw std::runtime_error("cannot write " + e.flag + " " + e.path + ": " + errno_text());
    }
  }
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  std::error_code ec;
  e.made_dirs.clear();
  for (fs::path p = fs::absolute(dir, ec); !ec && !p.empty() && !fs::exists(p, ec);
       p = p.parent_path()) {
    e.made_dirs.push_back(p.string());
    if (p == p.parent_path()) break;
  }
  fs::create_directories(dir, ec);
  std::string probe = (dir / ".wpbench-probe-XXXXXX").string();
  const int fd = mkstemp(probe.data());
  if (fd < 0) {
    throw std::runtime_error("cannot write " + e.flag + " " + e.path + ": " + errno_text());
  }
  close(fd);
  unlink(probe.c_str());
}

void write_file_atomic(const std::string& path, const std::string& content) {
  const std::string tmp = write_temp(path, content);
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string err = errno_text();
    unlink(tmp.c_str());
    throw std::runtime_error("cannot rename " + tmp + " to " + path + ": " + err);
  }
  sync_dir_of(path);
}

void check_exports(std::vector<Export>& exports) {
  for (auto& e : exports) check_writable(e);
  for (std::size_t i = 0; i < exports.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      std::error_code ec1, ec2;
      const auto a = fs::weakly_canonical(exports[i].target, ec1);
      const auto b = fs::weakly_canonical(exports[j].target, ec2);
      if (ec1 || ec2 ? exports[i].target == exports[j].target : a == b) {
        throw std::invalid_argument(exports[j].flag + " and " + exports[i].flag +
                                    " name the same file " + exports[i].path);
      }
    }
  }
}

ExportLog::~ExportLog() {
  for (const auto& s : states_) {
    if (s.holds) continue;
    // rmdir removes only an empty directory: anything put there meanwhile stays.
    for (const auto& d : s.e.made_dirs) rmdir(d.c_str());
  }
}

ExportLog::ExportLog(std::vector<Export> exports) {
  for (auto& e : exports) states_.push_back(State{std::move(e), std::nullopt, std::nullopt});
}

void ExportLog::write(const RunResult& run, std::size_t runs_done, std::size_t runs_total) {
  for (auto& s : states_) {
    try {
      const std::string content = s.e.serialize(run);
      if (s.holds || s.e.existed) {
        write_file_atomic(s.e.target, content);  // wpbench's own file, or one checked as such
      } else {
        // The first write never replaces a file that appeared since the check (another run
        // started in the same second, say): it takes the next free name and reports that one.
        const std::string tmp = write_temp(s.e.target, content);
        std::string to = s.e.target;
        for (int n = 2; !publish_new(tmp, to); ++n) {
          if (n > 1000) {
            unlink(tmp.c_str());
            throw std::runtime_error("no free file name beside it");
          }
          to = numbered(s.e.target, n);
        }
        s.e.target = to;
        sync_dir_of(to);
      }
      s.error.reset();
      s.holds = run.status == RunStatus::complete && runs_done == runs_total
                    ? "the complete result"
                    : "the result as of " + std::to_string(runs_done) + " of " +
                          std::to_string(runs_total) + " case runs";
    } catch (const std::exception& ex) {
      s.error = ex.what();
    }
  }
}

bool ExportLog::ok() const {
  for (const auto& s : states_) {
    if (s.error) return false;
  }
  return true;
}

std::string ExportLog::failure_of(const State& s) const {
  return s.e.flag + " " + s.e.target + ": " + *s.error + "; " +
         (s.holds ? "the file holds " + *s.holds + " (a valid, partial result)"
                  : "nothing was written to it");
}

std::string ExportLog::failure() const {
  for (const auto& s : states_) {
    if (s.error) return failure_of(s);
  }
  return "";
}

std::string ExportLog::primary_path() const {
  return states_.empty() ? "" : states_.front().e.target;
}

std::string ExportLog::where_it_is() const {
  if (states_.empty()) return "nothing was written";
  const State& s = states_.front();
  return s.error ? failure_of(s) : "what was measured is in " + s.e.target;
}

}  // namespace wpbench
