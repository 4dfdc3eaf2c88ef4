#include "app/cases.hpp"

#include <algorithm>
#include <cstdio>
#include <string>

#include "app/plan.hpp"
#include "app/targets.hpp"
#include "core/schedule.hpp"
#include "db/durability.hpp"
#include "drivers/registry.hpp"
#include "sys/text.hpp"

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
  r.samples_requested = opt.run.for_path(c.path->caps).samples;
  r.repetitions_requested = opt.repetitions;
  const auto missing = t.python.unavailable.find(c.path->id());
  if (missing != t.python.unavailable.end()) r.not_measured = missing->second;
  if (const auto u = t.unreachable.find(c.transport); u != t.unreachable.end()) {
    r.not_measured = u->second;
  }
  if (spec_of(c.transport).pooled && opt.pgbouncer_mode == "transaction" &&
      !c.path->caps.pooler_safe) {
    r.not_measured =
        "incompatible with transaction pooling: it keeps named prepared statements across "
        "transactions, which a transaction pooler (PgBouncer 1.18) does not carry from one server "
        "connection to the next (--pgbouncer-mode session measures it)";
  }
  if (opt.run.clients > 1 && c.path->arm == python_arm()) {
    r.not_measured =
        "--clients runs the C++ paths only; the Python arm measures one client (its pool "
        "discipline is psycopg2/pool)";
  }
  return r;
}
}  // namespace

namespace {
// One usage error line for a name that is not one of `known`, with the closest if any.
[[noreturn]] void unknown(const char* what, const std::string& name,
                          const std::vector<std::string>& known, const std::string& see) {
  const std::string near = closest_name(name, known);
  throw UsageError("unknown " + std::string(what) + " '" + name + "'" +
                   (near.empty() ? "" : ": did you mean '" + near + "'?") + " (" + see + ")");
}
}  // namespace

std::vector<Case> select_cases(const Options& opt, bool every_transport,
                               std::vector<std::string>* added) {
  const auto all = all_cases();
  // --drivers takes a driver, a driver/variant or a whole case name as --list prints it.
  std::vector<std::string> names;
  for (const auto& c : all) {
    for (const auto& n : {std::string(c.path->driver), c.path->id(), c.name()}) {
      if (std::find(names.begin(), names.end(), n) == names.end()) names.push_back(n);
    }
  }
  for (const auto& d : opt.drivers) {
    if (std::find(names.begin(), names.end(), d) == names.end()) {
      unknown("driver", d, names, "see --list");
    }
  }
  std::vector<std::string> transports;
  for (const auto& spec : transport_specs()) transports.emplace_back(spec.name);
  for (const auto& t : opt.transports) {
    if (!find_transport(t)) unknown("transport", t, transports, transport_names());
  }
  const auto transport_ok = [&](const Case& c) {
    return opt.transports.empty() ? every_transport || spec_of(c.transport).by_default
                                  : std::find(opt.transports.begin(), opt.transports.end(),
                                              transport_name(c.transport)) != opt.transports.end();
  };
  // A whole case name chooses that case alone; a driver or driver/variant chooses its cases over
  // the transports --transports (or the defaults) allow.
  std::vector<Case> chosen;  // before the baselines
  for (const auto& c : all) {
    const auto has = [&](const std::string& n) {
      return std::find(opt.drivers.begin(), opt.drivers.end(), n) != opt.drivers.end();
    };
    // A path that connects per insert takes tens of ms a sample: only when asked for, by
    // --connect-per-write or by its own name (its driver's name alone does not bring it). One
    // outside the default run comes with its name, its driver's, or --extra-drivers.
    const bool named = has(c.path->driver) || has(c.path->id());
    bool by_driver = opt.drivers.empty() || named;
    if (c.path->caps.connects > 0) {
      by_driver = has(c.path->id()) || ((opt.connect_per_write || every_transport) &&
                                        (opt.drivers.empty() || has(c.path->driver)));
    } else if (!c.path->by_default) {
      by_driver = named || ((opt.extra_drivers || every_transport) && opt.drivers.empty());
    }
    if (has(c.name()) || (by_driver && transport_ok(c))) chosen.push_back(c);
  }
  // A layer is judged against the direct path under it: measure both, in the same rounds.
  std::vector<std::string> selected;
  for (const auto& c : chosen) selected.push_back(c.name());
  if (!opt.drivers.empty() && !opt.no_baselines) {
    for (const auto& c : chosen) {
      const std::string base = baseline_of(*c.path);
      if (base.empty()) continue;
      const std::string base_case = base + "/" + transport_name(c.transport);
      if (std::find(selected.begin(), selected.end(), base_case) != selected.end()) continue;
      selected.push_back(base_case);
      if (added) {
        added->push_back(base_case + " is measured too: the direct path " + c.path->id() +
                         " is judged against (--no-baselines leaves it out)");
      }
    }
  }
  std::vector<Case> out;
  for (const auto& c : all) {
    if (std::find(selected.begin(), selected.end(), c.name()) != selected.end()) out.push_back(c);
  }
  if (out.empty()) throw UsageError("no case matches the chosen drivers and transports");
  return out;
}

int print_case_list(const std::vector<Case>& cases) {
  std::size_t w = 0;
  for (const auto& c : cases) w = std::max(w, c.name().size());
  for (const auto& c : cases) {
    const TransportSpec& spec = spec_of(c.transport);
    std::string when;  // what a case the default run leaves out needs
    if (c.path->caps.connects > 0) {
      when += " [--connect-per-write N]";
    } else if (!c.path->by_default) {
      when += " [--extra-drivers]";
    }
    if (!spec.by_default) when += std::string(" [--transports ") + spec.name + "]";
    std::printf("%-*s  %d rt  %s%s\n", static_cast<int>(w), c.name().c_str(), c.path->round_trips,
                c.path->how, when.c_str());
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
