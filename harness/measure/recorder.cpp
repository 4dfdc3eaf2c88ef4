#include "measure/recorder.hpp"

#include <algorithm>

namespace wpbench {

Recorder::Recorder(std::uint64_t raw_max, bool open_loop) : raw_max_(raw_max) {
  // Reserved up front so no reallocation lands between samples of a default-sized run.
  raw_.reserve(std::min<std::uint64_t>(raw_max, 1u << 20));
  if (open_loop) lag_.emplace();
}

void Recorder::drop_raw() {
  raw_kept_ = false;
  std::vector<std::int64_t>().swap(raw_);  // give the memory back, not just the size
}

}  // namespace wpbench
