#include "sys/name_claim.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <functional>
#include <stdexcept>

namespace wpbench {

std::optional<NameClaim> NameClaim::take(const std::string& name) {
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    throw std::runtime_error(std::string("cannot claim a run id: socket: ") + std::strerror(errno));
  }
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  // Abstract namespace: sun_path starts with a NUL, and the name is the bytes after it. A hash
  // keeps any path within sun_path's 108 bytes.
  char text[64];
  const int len = std::snprintf(text, sizeof text, "wpbench-claim-%016zx-%zu",
                                std::hash<std::string>{}(name), name.size());
  std::memcpy(a.sun_path + 1, text, static_cast<std::size_t>(len));
  const auto size = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + len);
  if (bind(fd, reinterpret_cast<const sockaddr*>(&a), size) == 0) return NameClaim(fd);
  const int err = errno;
  close(fd);
  if (err == EADDRINUSE) return std::nullopt;
  throw std::runtime_error(std::string("cannot claim a run id: bind: ") + std::strerror(err));
}

NameClaim::NameClaim(NameClaim&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }

NameClaim& NameClaim::operator=(NameClaim&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) close(fd_);
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

NameClaim::~NameClaim() {
  if (fd_ >= 0) close(fd_);
}

}  // namespace wpbench
