#pragma once
/// The registry: every driver path, one row each, and the cases they make over their transports.

#include <string>
#include <vector>

#include "core/driver.hpp"

namespace wpbench {

/// Every driver path, in display order.
const std::vector<DriverPath>& driver_paths();

/// All cases: PostgreSQL paths over unix and tcp, SQLite paths over file.
std::vector<Case> all_cases();

/// The case named driver/variant/transport; throws std::invalid_argument when there is none.
Case find_case(const std::string& name);

}  // namespace wpbench
