#include "export/bmf_writer.hpp"

#include <cmath>
#include <nlohmann/json.hpp>
#include <optional>

#include "core/transport.hpp"

namespace wpbench {

namespace {
using json = nlohmann::ordered_json;

// One BMF metric: the value in ns, with its interval's bounds where the result holds finite ones.
json metric(std::int64_t value_ns, const std::optional<Interval>& ci) {
  json m = {{"value", value_ns}};
  if (ci && std::isfinite(ci->lo) && std::isfinite(ci->hi)) {
    m["lower_value"] = ci->lo;
    m["upper_value"] = ci->hi;
  }
  return m;
}

// A case name as the registry makes them: driver/variant/transport, lower case, the transport
// one of the table's.
bool is_case_name(std::string_view name) {
  const auto a = name.find('/');
  const auto b = a == std::string_view::npos ? a : name.find('/', a + 1);
  if (a == 0 || b == std::string_view::npos || b == a + 1 ||
      name.find('/', b + 1) != std::string_view::npos) {
    return false;
  }
  for (const char ch : name) {
    const bool allowed = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' ||
                         ch == '_' || ch == '.' || ch == '+' || ch == '/';
    if (!allowed) return false;
  }
  return find_transport(name.substr(b + 1)) != nullptr;
}
}  // namespace

std::string serialize_bmf(const RunResult& run) {
  json out = json::object();
  for (const auto& c : run.cases) {
    if (!c.ok() || c.pooled.samples == 0) continue;
    const auto& p = c.pooled;
    out[c.name] = {{"latency", metric(p.latency.p50_ns, p.p50_ci)},
                   {"latency-p99", metric(p.latency.p99_ns, p.p99_ci)}};
  }
  return out.dump(2) + "\n";
}

bool is_bmf_file(std::string_view head) {
  if (head == "{}\n") return true;  // a run with no complete case yet holds nothing to lose
  const std::string_view start = "{\n  \"";
  const std::string_view first_measure = "\": {\n    \"latency\": {\n      \"value\": ";
  if (head.substr(0, start.size()) != start) return false;
  const auto end = head.find(first_measure, start.size());
  return end != std::string_view::npos &&
         is_case_name(head.substr(start.size(), end - start.size()));
}

}  // namespace wpbench
