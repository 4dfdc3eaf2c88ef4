#include "core/context.hpp"

namespace wpbench {

std::optional<bool> cpu_scaling_enabled(std::string_view governors) {
  if (governors.empty()) return std::nullopt;
  for (std::size_t start = 0;;) {
    const std::size_t comma = governors.find(',', start);
    if (governors.substr(start, comma - start) != "performance") return true;
    if (comma == std::string_view::npos) return false;
    start = comma + 1;
  }
}

}  // namespace wpbench
