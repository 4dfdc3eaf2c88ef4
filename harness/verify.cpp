#include "verify.hpp"

#include <algorithm>
#include <cstdlib>
#include <functional>

#include "pg.hpp"
#include "sqlite.hpp"

namespace wpbench {

namespace {
constexpr const char* kSelect =
    "SELECT market_ticker, direction, edge, score, action, skip_reason FROM ";

std::string describe_row(const Decision& d) {
  return d.market_ticker + "|" + d.direction + "|" + format_double(d.edge) + "|" +
         format_double(d.score) + "|" + d.action + "|" + d.skip_reason.value_or("NULL");
}

// Receives the rows as they are read.
class RowSink {
 public:
  virtual ~RowSink() = default;
  virtual void row(const Decision& got) = 0;
};

// Walks rows as they are read, comparing each with the generator's; keeps the first mismatch.
class Checker final : public RowSink {
 public:
  Checker(std::uint64_t seed, std::uint64_t expected) : gen_(seed), expected_(expected) {
    DecisionGenerator g(seed);
    for (std::uint64_t i = 0; i < expected; ++i) want_sum_.add(g.next());
  }
  void row(const Decision& got) override {
    got_sum_.add(got);
    ++rows_;
    if (!first_diff_.empty()) return;
    if (rows_ > expected_) {
      first_diff_ = "row " + std::to_string(rows_) + " was not inserted by this case";
      return;
    }
    const Decision want = gen_.next();
    if (!(got == want)) {
      first_diff_ = "row " + std::to_string(rows_) + " is " + describe_row(got) + ", expected " +
                    describe_row(want);
    }
  }
  Verification result() const {
    Verification v;
    v.rows_found = rows_;
    v.rows_expected = expected_;
    v.checksum_found = got_sum_.value();
    v.checksum_expected = want_sum_.value();
    v.ok = rows_ == expected_ && v.checksum_found == v.checksum_expected && first_diff_.empty();
    if (!v.ok) {
      v.message = !first_diff_.empty() ? first_diff_
                                       : "found " + std::to_string(rows_) + " rows, expected " +
                                             std::to_string(expected_);
    }
    return v;
  }

 private:
  DecisionGenerator gen_;
  std::uint64_t expected_;
  std::uint64_t rows_ = 0;
  RowChecksum got_sum_, want_sum_;
  std::string first_diff_;
};

std::uint64_t row_hash(const Decision& d) {
  RowChecksum h;
  h.add(d);
  return h.value();
}

// Collects per-row hashes and compares them as multisets: concurrent commits reorder ids.
class UnorderedChecker final : public RowSink {
 public:
  UnorderedChecker(std::uint64_t seed, std::uint64_t generated,
                   const std::vector<std::uint64_t>& failed) {
    std::vector<bool> skip(generated, false);
    for (const auto i : failed) {
      if (i < generated) skip[i] = true;
    }
    DecisionGenerator g(seed);
    for (std::uint64_t i = 0; i < generated; ++i) {
      const Decision d = g.next();
      if (!skip[i]) want_.push_back(row_hash(d));
    }
  }
  void row(const Decision& got) override { got_.push_back(row_hash(got)); }
  Verification result() {
    Verification v;
    v.rows_found = got_.size();
    v.rows_expected = want_.size();
    for (const auto h : got_) v.checksum_found += h;  // wraps: a sum mod 2^64, order-free
    for (const auto h : want_) v.checksum_expected += h;
    std::sort(got_.begin(), got_.end());
    std::sort(want_.begin(), want_.end());
    v.ok = got_ == want_;
    if (!v.ok) {
      const auto extra = std::count_if(got_.begin(), got_.end(), [&](std::uint64_t h) {
        return !std::binary_search(want_.begin(), want_.end(), h);
      });
      v.message = "found " + std::to_string(got_.size()) + " rows, expected " +
                  std::to_string(want_.size()) + " (" + std::to_string(extra) +
                  " not inserted by this case or altered)";
    }
    return v;
  }

 private:
  std::vector<std::uint64_t> got_, want_;
};

void read_pg(const Endpoint& e, RowSink& check) {
  auto c = pg_connect(e.target);
  // Shortest-exact float output on every server version, so strtod gets the very bits back.
  pg_exec(c.get(), "SET extra_float_digits = 3");
  auto r = pg_exec(c.get(), std::string(kSelect) + e.table + " ORDER BY id");
  for (int i = 0; i < PQntuples(r.get()); ++i) {
    Decision d;
    d.market_ticker = PQgetvalue(r.get(), i, 0);
    d.direction = PQgetvalue(r.get(), i, 1);
    d.edge = std::strtod(PQgetvalue(r.get(), i, 2), nullptr);
    d.score = std::strtod(PQgetvalue(r.get(), i, 3), nullptr);
    d.action = PQgetvalue(r.get(), i, 4);
    if (!PQgetisnull(r.get(), i, 5)) d.skip_reason = PQgetvalue(r.get(), i, 5);
    check.row(d);
  }
}

void read_sqlite(const Endpoint& e, RowSink& check) {
  auto db = sqlite_open(e.target, e.sqlite);
  auto stmt = sqlite_prepare(db.get(), std::string(kSelect) + e.table + " ORDER BY id");
  auto text = [&](int col) {
    return std::string(reinterpret_cast<const char*>(sqlite3_column_text(stmt.get(), col)));
  };
  int rc;
  while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) {
    Decision d;
    d.market_ticker = text(0);
    d.direction = text(1);
    d.edge = sqlite3_column_double(stmt.get(), 2);
    d.score = sqlite3_column_double(stmt.get(), 3);
    d.action = text(4);
    if (sqlite3_column_type(stmt.get(), 5) != SQLITE_NULL) d.skip_reason = text(5);
    check.row(d);
  }
  sqlite_check(db.get(), rc, "read back");
}

template <typename Check>
Verification read_and_check(Backend b, const Endpoint& e, Check& check) {
  try {
    if (b == Backend::postgres) {
      read_pg(e, check);
    } else {
      read_sqlite(e, check);
    }
  } catch (const DriverError& ex) {
    Verification v = check.result();
    v.ok = false;
    v.message = std::string("cannot read the table back: ") + ex.what();
    return v;
  }
  return check.result();
}
}  // namespace

Verification verify_table(Backend b, const Endpoint& e, std::uint64_t seed,
                          std::uint64_t expected_rows) {
  Checker check(seed, expected_rows);
  return read_and_check(b, e, check);
}

Verification verify_table_unordered(Backend b, const Endpoint& e, std::uint64_t seed,
                                    std::uint64_t generated,
                                    const std::vector<std::uint64_t>& failed) {
  UnorderedChecker check(seed, generated, failed);
  return read_and_check(b, e, check);
}

}  // namespace wpbench
