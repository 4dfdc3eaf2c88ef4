#include "export/csv_writer.hpp"

#include <cmath>
#include <nlohmann/json.hpp>
#include <vector>

namespace wpbench {

namespace {
// Shortest text that reads back as the same double (as in the JSON result); empty if not finite.
std::string number(double v) { return std::isfinite(v) ? nlohmann::json(v).dump() : ""; }

void row(std::string& out, const std::vector<std::string>& fields) {
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out += ',';
    out += csv_field(fields[i]);
  }
  out += '\n';
}
}  // namespace

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string q = "\"";
  for (const char ch : s) {
    if (ch == '"') q += '"';
    q += ch;
  }
  return q + '"';
}

namespace {
const std::vector<std::string>& header() {
  static const std::vector<std::string> h = {
      "name",        "driver",       "variant",          "transport",  "round_trips",
      "status",      "verified",     "durable",          "samples",    "min_ns",
      "mean_ns",     "stddev_ns",    "p50_ns",           "p90_ns",     "p99_ns",
      "p999_ns",     "max_ns",       "throughput_per_s", "connect_ns", "cpu_ns",
      "repetitions", "p50_ci_lo_ns", "p50_ci_hi_ns",     "cv_p50",     "error"};
  return h;
}
}  // namespace

bool is_csv_file(std::string_view head) {
  std::string first;
  row(first, header());
  return head.substr(0, first.size()) == first;
}

std::string serialize_csv(const RunResult& run) {
  std::string out;
  row(out, header());
  for (const auto& c : run.cases) {
    const auto& p = c.pooled;
    const auto& l = p.latency;
    std::int64_t connect = 0, cpu = 0;
    for (const auto& r : c.repetitions) {
      connect += r.connect_ns;
      cpu += r.cpu_ns;
    }
    const auto reps = static_cast<std::int64_t>(c.repetitions.size());
    // A case with no sample (failed at connect, pending, not measured) has no latency: empty
    // fields, not zeros a spreadsheet would average in.
    const bool measured = p.samples > 0;
    const auto integer = [&](std::int64_t v) { return measured ? std::to_string(v) : ""; };
    const auto real = [&](double v) { return measured ? number(v) : ""; };
    row(out, {c.name,
              c.driver,
              c.variant,
              c.transport,
              std::to_string(c.round_trips),
              c.status_name(),
              c.ok() ? "true" : "false",  // every repetition verified
              c.durable ? "true" : "false",
              std::to_string(p.samples),
              integer(l.min_ns),
              real(l.mean_ns),
              real(l.stddev_ns),
              integer(l.p50_ns),
              integer(l.p90_ns),
              integer(l.p99_ns),
              integer(l.p999_ns),
              integer(l.max_ns),
              real(p.throughput_per_s),
              reps > 0 ? std::to_string(connect / reps) : "",  // mean over repetitions
              reps > 0 ? std::to_string(cpu) : "",             // over all repetitions
              std::to_string(c.repetitions.size()),
              p.p50_ci ? number(p.p50_ci->lo) : "",
              p.p50_ci ? number(p.p50_ci->hi) : "",
              p.cv_p50 ? number(*p.cv_p50) : "",
              c.first_error().value_or("")});
  }
  return out;
}

}  // namespace wpbench
