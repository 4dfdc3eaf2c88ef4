#pragma once
/// The run as CSV, one row per case, for spreadsheets and data-frame tools.

#include <string>
#include <string_view>

#include "core/result.hpp"

namespace wpbench {

/// A header row, then one row per case: name, driver, variant, transport, round_trips, status,
/// verified, durable, samples, the latency summary in ns, throughput_per_s, connect_ns, cpu_ns,
/// error. RFC 4180 quoting; a statistic that is not finite, or no error, is an empty field.
std::string serialize_csv(const RunResult& run);

/// Whether a file beginning with `head` is one serialize_csv wrote (its header row).
bool is_csv_file(std::string_view head);

/// One CSV field: quoted when it holds a comma, a double quote, CR or LF, inner quotes doubled.
std::string csv_field(const std::string& s);

}  // namespace wpbench
