#pragma once
/// A name claimed on this machine for as long as the claim lives: two wpbench runs started in the
/// same millisecond must not both take one run id. The claim is an abstract Unix socket (Linux):
/// bind() gives a name to one process only, and the kernel frees it when the process ends by any
/// means, so a claim never leaves a file behind, not even after kill -9.

#include <optional>
#include <string>

namespace wpbench {

class NameClaim {
 public:
  /// Claims `name` (any text; hashed into the socket's name), or nullopt if a live process holds
  /// it. Throws std::runtime_error if no socket can be made at all.
  static std::optional<NameClaim> take(const std::string& name);
  NameClaim(NameClaim&& other) noexcept;
  NameClaim& operator=(NameClaim&& other) noexcept;
  NameClaim(const NameClaim&) = delete;
  NameClaim& operator=(const NameClaim&) = delete;
  ~NameClaim();

 private:
  explicit NameClaim(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace wpbench
