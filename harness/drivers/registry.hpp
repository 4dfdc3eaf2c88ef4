#pragma once
/// The registry: every driver path, one row each, and the cases they make over their transports.

#include <string>
#include <vector>

#include "core/driver.hpp"

namespace wpbench {

/// Every driver path, in display order.
const std::vector<DriverPath>& driver_paths();

/// The direct path a layer is judged against, by id (e.g. "sqlalchemy-core/creator" ->
/// "psycopg2/direct"): the one that sends the same statements with less in between. Empty for a
/// path that is its own baseline. Runs of a layer bring it along (--drivers).
std::string baseline_of(const DriverPath& p);

/// Every case of every path over every transport of its backend.
std::vector<Case> all_cases();

/// The case named driver/variant/transport; throws std::invalid_argument when there is none.
Case find_case(const std::string& name);

}  // namespace wpbench
