#include "export/gha_writer.hpp"

#include <cmath>
#include <nlohmann/json.hpp>
#include <optional>

namespace wpbench {

namespace {
using json = nlohmann::ordered_json;

// Milliseconds, the unit of the console table and the gate; an integer count of ns divides
// exactly, so the text is the decimal of the ns.
double ms(std::int64_t ns) { return static_cast<double>(ns) / 1e6; }

// An interval bound as text, at the timer's resolution (whole ns) in ms.
std::string ms_text(double ns) { return json(ms(std::llround(ns))).dump(); }

// The first line of every entry's "extra": which run, and whether it reached its end.
std::string run_line(const RunResult& run) {
  const std::string id = "wpbench run " + run.context.run_id + ": ";
  if (run.status == RunStatus::complete) return id + "complete";
  return id + "PARTIAL (" + run_status_name(run.status) + "): not every case ran to the end";
}

// The second: the case's status and what its figures are made of.
std::string case_line(const CaseReport& c) {
  const auto n = c.pooled.samples;
  std::string s = std::string("case ") + c.status_name() + ": " + std::to_string(n) +
                  (n == 1 ? " sample" : " samples") + ", repetitions " +
                  std::to_string(c.repetitions.size()) + " of " +
                  std::to_string(c.repetitions_requested);
  if (c.ok()) return s + ", rows verified";
  const auto err = c.first_error();
  return err ? s + "; " + *err : s;
}

json entry(const RunResult& run, const CaseReport& c, const char* stat, std::int64_t value_ns,
           const std::optional<Interval>& ci) {
  json e;
  e["name"] = c.name + " " + stat;
  e["unit"] = "ms";
  e["value"] = ms(value_ns);
  std::string extra = run_line(run) + "\n" + case_line(c);
  if (ci && std::isfinite(ci->lo) && std::isfinite(ci->hi)) {
    e["range"] = "95% CI [" + ms_text(ci->lo) + ", " + ms_text(ci->hi) + "]";
    extra += "\nrange: 95% CI of the " + std::string(stat) + ", " + c.pooled.ci_method;
  }
  if (!c.durable) extra += "\nNOT durable: " + c.durability;
  e["extra"] = extra;
  return e;
}
}  // namespace

std::string serialize_gha(const RunResult& run) {
  json out = json::array();
  for (const auto& c : run.cases) {
    // Without samples there is no latency: the action would chart a 0 as a measurement.
    if (c.pooled.samples == 0) continue;
    const auto& p = c.pooled;
    out.push_back(entry(run, c, "p50", p.latency.p50_ns, p.p50_ci));
    out.push_back(entry(run, c, "p99", p.latency.p99_ns, p.p99_ci));
  }
  return out.dump(2) + "\n";
}

bool is_gha_file(std::string_view head) {
  if (head == "[]\n") return true;  // a run with no samples yet holds nothing to lose
  const std::string_view start = "[\n  {\n    \"name\": \"";
  if (head.substr(0, start.size()) != start) return false;
  // The first entry's "extra", before that entry ends.
  const auto extra = head.find("\n    \"extra\": \"wpbench run ");
  return extra != std::string_view::npos && extra < head.find("\n  }");
}

}  // namespace wpbench
