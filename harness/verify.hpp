#pragma once
/// After a case: does the table hold exactly the rows the case inserted, value for value?

#include <cstdint>
#include <string>
#include <vector>

#include "driver.hpp"

namespace wpbench {

/// The outcome of checking a table against the generator.
struct Verification {
  bool ok = false;
  std::uint64_t rows_found = 0;
  std::uint64_t rows_expected = 0;
  std::uint64_t checksum_found = 0;
  std::uint64_t checksum_expected = 0;
  std::string message;  ///< why it failed, naming the first differing row; empty when ok
  /// Every row read is one of the seed's decisions (those the case inserted, or ones whose
  /// insert reported failure yet committed): the table holds nothing but wpbench's rows.
  bool all_ours = false;
};

/// Reads the table in id order over its own connection (not the driver's under test), streaming
/// (memory stays flat whatever the row count), and compares it with the first `expected_rows`
/// decisions of `seed`.
Verification verify_table(Backend b, const Endpoint& e, std::uint64_t seed,
                          std::uint64_t expected_rows);

/// For concurrent clients, whose commits land in any order: the table must hold exactly the
/// decisions of `seed` with the indices in `expected` (each once), in any id order. The
/// checksums are then order-independent (a sum of per-row FNV-1a hashes).
Verification verify_table_unordered(Backend b, const Endpoint& e, std::uint64_t seed,
                                    std::uint64_t generated,
                                    const std::vector<std::uint64_t>& failed);

}  // namespace wpbench
