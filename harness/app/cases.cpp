#include "app/cases.hpp"

#include <algorithm>
#include <cstdio>
#include <string>

#include "app/plan.hpp"
#include "app/targets.hpp"
#include "core/schedule.hpp"
#include "db/durability.hpp"
#include "drivers/registry.hpp"

namespace wpbench {

namespace {
CaseReport describe_case(const Case& c, const Options& opt, const Targets& t,
                         const RunContext& ctx) {
  CaseReport r;
  describe_into(r, c);
  const bool pg = c.path->backend == Backend::postgres;
  r.durable = pg ? postgres_durable(ctx.server) : sqlite_durable(ctx.sqlite);
  r.durability = pg ? postgres_durability(ctx.server) : sqlite_durability(ctx.sqlite);
  r.open_loop = opt.run.open_loop();
  r.samples_requested = opt.run.samples;
  r.repetitions_requested = opt.repetitions;
  const auto missing = t.python.unavailable.find(c.path->id());
  if (missing != t.python.unavailable.end()) r.not_measured = missing->second;
  if (opt.run.clients > 1 && c.path->arm == python_arm()) {
    r.not_measured =
        "--clients runs the C++ paths only; the Python arm measures one client (its pool "
        "discipline is psycopg2/pool)";
  }
  return r;
}
}  // namespace

std::vector<Case> select_cases(const Options& opt, bool every_transport) {
  const auto all = all_cases();
  std::vector<std::string> drivers, transports;
  for (const auto& c : all) {
    drivers.push_back(c.path->driver);
    drivers.push_back(c.path->id());
  }
  for (const auto& d : opt.drivers) {
    if (std::find(drivers.begin(), drivers.end(), d) == drivers.end()) {
      throw UsageError("unknown driver '" + d + "' (see --list)");
    }
  }
  for (const auto& t : opt.transports) {
    if (!find_transport(t)) {
      throw UsageError("unknown transport '" + t + "' (" + transport_names() + ")");
    }
  }
  std::vector<Case> out;
  for (const auto& c : all) {
    const std::string dv = c.path->id();
    const bool driver_ok =
        opt.drivers.empty() ||
        std::any_of(opt.drivers.begin(), opt.drivers.end(),
                    [&](const std::string& d) { return d == c.path->driver || d == dv; });
    const bool transport_ok = opt.transports.empty()
                                  ? every_transport || spec_of(c.transport).by_default
                                  : std::find(opt.transports.begin(), opt.transports.end(),
                                              transport_name(c.transport)) != opt.transports.end();
    if (driver_ok && transport_ok) out.push_back(c);
  }
  if (out.empty()) throw UsageError("no case matches the chosen drivers and transports");
  return out;
}

int print_case_list(const std::vector<Case>& cases) {
  std::size_t w = 0;
  for (const auto& c : cases) w = std::max(w, c.name().size());
  for (const auto& c : cases) {
    const TransportSpec& spec = spec_of(c.transport);
    std::printf("%-*s  %d rt  %s%s\n", static_cast<int>(w), c.name().c_str(), c.path->round_trips,
                c.path->how,
                spec.by_default ? "" : (std::string(" [--transports ") + spec.name + "]").c_str());
  }
  return 0;
}

void describe_cases(const Options& opt, const std::vector<Case>& cases, const Targets& t,
                    Run& run) {
  auto& result = run.result;
  for (const auto& c : cases) result.cases.push_back(describe_case(c, opt, t, result.context));
  if (std::all_of(result.cases.begin(), result.cases.end(),
                  [](const CaseReport& c) { return c.not_measured.has_value(); }) &&
      opt.run.clients > 1) {
    throw UsageError("--clients measures the C++ paths; the chosen cases are all Python");
  }
  run.order = interleaved_order(cases.size(), opt.repetitions, result.settings.order_seed);
  for (const auto& round : run.order) {
    result.settings.order.emplace_back();
    for (const auto i : round) result.settings.order.back().push_back(cases[i].name());
  }
  run.runs_total = run.order.size() * cases.size();
}

bool any_backend(const std::vector<Case>& cases, Backend b) {
  return std::any_of(cases.begin(), cases.end(),
                     [b](const Case& c) { return c.path->backend == b; });
}
bool any_transport(const std::vector<Case>& cases, Transport t) {
  return std::any_of(cases.begin(), cases.end(), [t](const Case& c) { return c.transport == t; });
}

}  // namespace wpbench
