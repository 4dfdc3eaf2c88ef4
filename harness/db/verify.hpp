#pragma once
/// After a case: does the table hold exactly the rows the case inserted, value for value?

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/case_result.hpp"
#include "core/driver.hpp"

namespace wpbench {

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

/// One case's rows in a table that several cases wrote in interleaved rounds: its decisions
/// (of `seed`), in its own commit order, `expected_rows` of them (empty: the writer could not say).
struct Stream {
  std::uint64_t seed = 0;
  std::optional<std::uint64_t> expected_rows;
};

/// For cases sharing one table (--interleave sample): reads the table in id order and hands
/// each row to the one stream whose next decision it is. Each stream must be found whole and in
/// order, and every row must belong to a stream. One Verification per stream; a row that belongs
/// to none fails them all (which case wrote it cannot be told), and all_ours says whether there
/// was one.
std::vector<Verification> verify_table_streams(Backend b, const Endpoint& e,
                                               const std::vector<Stream>& streams);

}  // namespace wpbench
