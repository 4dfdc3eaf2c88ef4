#pragma once
/// A whole run as the exporters see it: context, configuration, one report per case (its
/// repetitions and what is pooled from them), the floors and the connect costs.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/case_result.hpp"
#include "core/context.hpp"
#include "core/decomposition.hpp"
#include "core/run_config.hpp"
#include "stats/repstats.hpp"
#include "stats/stats.hpp"

namespace wpbench {

/// Bumped whenever a field changes meaning or is removed (results/wpbench-result.schema.json).
inline constexpr int kSchemaVersion = 3;

struct RunSettings {
  RunConfig run;
  std::string table;
  std::vector<std::string> cases_selected;  ///< names, in registry order
  int repetitions = 1;
  std::uint64_t order_seed = 0;
  std::vector<std::vector<std::string>> order;  ///< per repetition, the order cases ran in
  std::string sync_commit = "server";           ///< server, on or off
  /// "sample": each repetition runs every case at once, one insert each per shuffled round;
  /// "case": each case's samples in one stretch (open loop and --clients always).
  std::string interleave = "sample";
};

/// What callgrind counted for one case.
struct InstructionCount {
  std::uint64_t inserts = 0;
  std::uint64_t total = 0;  ///< instructions over the counted inserts (callgrind's Ir)
  double per_insert = 0;    ///< total / inserts
  std::optional<std::string> error;
};

/// --idle-ms: the measured inserts (each after the idle wait) against their back-to-back twins,
/// the same connection's next insert at once.
struct IdleComparison {
  LatencySummary back_to_back;  ///< the twins, pooled over the repetitions
  /// Median of idle minus back-to-back, pair by pair (a pair shares its moment of the run, so
  /// drift cancels), with its 95 % interval; empty where raw samples were not kept.
  std::optional<MedianInterval> difference;
};

/// What is computed from a case's repetitions together (harness/analysis/pooling.hpp).
struct PooledResult {
  std::uint64_t samples = 0;
  LatencySummary latency;  ///< exact when every repetition kept raw samples, else histogram's
  double throughput_per_s = 0;
  std::optional<Interval> p50_ci, mean_ci;  ///< 95 %
  /// 95 %, drawn as p50_ci; with one repetition each also needs bootstrap_min_samples of its
  /// percentile (a p99 from a few hundred samples gets none rather than one too narrow).
  std::optional<Interval> p90_ci, p99_ci, p999_ci;
  std::string ci_method;         ///< how the intervals were drawn
  std::optional<double> cv_p50;  ///< across repetitions (two or more)
  NoiseReport noise;
  std::optional<IdleComparison> idle;  ///< --idle-ms only
};

/// One case: every repetition of it, in repetition order, and what they give together.
struct CaseReport {
  std::string name, driver, variant, transport, how;
  int round_trips = 0;
  Capabilities caps;
  bool durable = true;     ///< the settings make an acknowledged commit survive power loss
  std::string durability;  ///< one line on what the settings risk
  bool open_loop = false;
  std::uint64_t samples_requested = 0;  ///< per repetition
  int repetitions_requested = 1;
  /// Set once the run has ended; until then missing repetitions are still to come ("pending"),
  /// after it they were cut off by a signal ("interrupted").
  bool run_over = false;
  std::optional<std::string> not_measured;  ///< why the case could not run here
  std::vector<CaseResult> repetitions;
  PooledResult pooled;
  /// --instructions: the client's instructions per insert under callgrind (instructions.hpp).
  std::optional<InstructionCount> instructions;
  std::optional<Decomposition> decomposition;

  /// Every repetition ran to the end without error and verified.
  bool ok() const;
  /// ok, not_measured, failed, interrupted (a signal stopped it or its later repetitions), or
  /// pending (the run is still going; a file left so was cut short by a crash).
  const char* status_name() const;
  /// The first repetition's error, or the not-measured reason.
  std::optional<std::string> first_error() const;
};

/// Where-the-time-goes floors of one run (harness/measure/floors.hpp), each null when not measured.
struct FloorsResult {
  std::map<std::string, LatencySummary> rt;  ///< by transport: empty query through libpq
  /// The same empty query taking its turn in the interleaved rounds (a connection as idle as
  /// the cases'); empty back to back.
  std::map<std::string, LatencySummary> rt_idle;
  std::optional<LatencySummary> pg_on, pg_off;  ///< the insert, synchronous_commit on / off
  /// --standby: the insert waiting for the standby (its mode) / for the local flush (local).
  std::optional<LatencySummary> standby_on, standby_off;
  std::optional<LatencySummary> disk_sync;
  std::string disk_sync_dir, disk_sync_filesystem, disk_sync_method;
  std::optional<LatencySummary> sqlite_on, sqlite_off;  ///< synchronous FULL / OFF
  std::vector<std::string> errors;                      ///< probes that failed, one line each
  /// Each floor's p50 per repetition, in run order, keyed round_trip_unix, round_trip_tcp,
  /// commit_flush (on - off), disk_sync, sqlite_flush.
  std::map<std::string, std::vector<double>> per_repetition_p50_ns;
  Floors floors;  ///< the p50s decompose() takes
};

/// Open and close times of one library against one target, in the order they were taken.
struct ConnectCost {
  std::string driver;                    ///< "libpq", "libpqxx", "soci-postgresql" or "sqlite3"
  std::string transport;                 ///< "unix", "tcp" or "file"
  std::string auth;                      ///< as in ConnectTarget; "none" for SQLite
  std::vector<std::int64_t> connect_ns;  ///< opening a connection ready for statements
  std::vector<std::int64_t> close_ns;    ///< closing (destroying) it; same length
  std::optional<std::string> error;      ///< one line: why this combination stopped early
};

/// A statistic of a case over the same statistic of another (the fastest of its transport by
/// p50), with its uncertainty.
struct RatioResult {
  std::string numerator, denominator;
  std::string stat = "p50";  ///< the statistic compared: p50 or p99
  double ratio = 0;
  std::optional<Interval> ci;
  std::string method;
  double diff_ns = 0;               ///< stat of numerator - of denominator: what it adds
  std::optional<Interval> diff_ci;  ///< 95 %, paired over repetitions like ci
};

enum class RunStatus { complete, partial, interrupted };
const char* run_status_name(RunStatus s);

struct RunResult {
  RunContext context;
  RunSettings settings;
  std::vector<CaseReport> cases;  ///< in registry order
  std::optional<FloorsResult> floors;
  std::vector<ConnectCost> connect;
  std::vector<RatioResult> ratios;
  /// What a transport adds over its plain twin, per driver path (transport_costs()).
  std::vector<RatioResult> transport_costs;
  /// partial while cases remain to run (the file is rewritten after each case), interrupted
  /// when a signal ended the run early.
  RunStatus status = RunStatus::partial;
  /// One line each when the machine changed during the run (a floor moved, every case slowed
  /// from one repetition on), saying which results it touches (harness/analysis/pooling.hpp).
  std::vector<std::string> machine_changes;
};

}  // namespace wpbench
