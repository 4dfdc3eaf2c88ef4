#include "db/verify.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <thread>

#include "db/pg.hpp"
#include "db/sqlite.hpp"
#include "sys/text.hpp"

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
// Rows past the expected count are still compared, so a row whose insert reported failure yet
// committed is known to be wpbench's own.
class Checker final : public RowSink {
 public:
  Checker(std::uint64_t seed, std::uint64_t expected) : gen_(seed), expected_(expected) {
    DecisionGenerator g(seed);
    for (std::uint64_t i = 0; i < expected; ++i) want_sum_.add(g.next());
  }
  void row(const Decision& got) override {
    got_sum_.add(got);
    ++rows_;
    if (diverged_) return;  // past the first difference the stream cannot be lined up again
    const Decision want = gen_.next();
    const bool same = got == want;
    if (same) {
      ++ours_;
    } else {
      diverged_ = true;
    }
    if (first_diff_.empty() && (rows_ > expected_ || !same)) {
      first_diff_ = rows_ > expected_
                        ? "row " + std::to_string(rows_) + " was not inserted by this case"
                        : "row " + std::to_string(rows_) + " is " + describe_row(got) +
                              ", expected " + describe_row(want);
    }
  }
  Verification result() const {
    Verification v;
    v.rows_found = rows_;
    v.rows_expected = expected_;
    v.checksum_found = got_sum_.value();
    v.checksum_expected = want_sum_.value();
    v.all_ours = ours_ == rows_;
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
  std::uint64_t rows_ = 0, ours_ = 0;
  bool diverged_ = false;
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
      const std::uint64_t h = row_hash(g.next());
      (skip[i] ? failed_ : want_).push_back(h);
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
    std::sort(failed_.begin(), failed_.end());
    v.ok = got_ == want_;
    // A failed insert may still have committed: its row is wpbench's too.
    const auto extra = std::count_if(got_.begin(), got_.end(), [&](std::uint64_t h) {
      return !std::binary_search(want_.begin(), want_.end(), h);
    });
    const auto foreign = std::count_if(got_.begin(), got_.end(), [&](std::uint64_t h) {
      return !std::binary_search(want_.begin(), want_.end(), h) &&
             !std::binary_search(failed_.begin(), failed_.end(), h);
    });
    v.all_ours = foreign == 0;
    if (!v.ok) {
      v.message = "found " + std::to_string(got_.size()) + " rows, expected " +
                  std::to_string(want_.size()) + " (" + std::to_string(extra) +
                  " not inserted by this case or altered)";
    }
    return v;
  }

 private:
  std::vector<std::uint64_t> got_, want_, failed_;
};

// Through a cursor, a batch at a time: one PQexec of the whole table held every row in memory
// at once (gigabytes at 100 million samples).
void read_pg(const Endpoint& e, RowSink& check) {
  auto conn = pg_connect(e.target);
  PGconn* c = conn.get();
  pg_begin(c, "READ ONLY");
  // Shortest-exact float output on every server version, so strtod gets the very bits back.
  // LOCAL: through a transaction pooler a session setting would stay on the server session.
  pg_exec(c, "SET LOCAL extra_float_digits = 3");
  pg_exec(c, "DECLARE wpbench_verify NO SCROLL CURSOR FOR " + std::string(kSelect) + e.table +
                 " ORDER BY id");
  for (;;) {
    auto r = pg_exec(c, "FETCH 10000 FROM wpbench_verify");
    const int n = PQntuples(r.get());
    for (int i = 0; i < n; ++i) {
      Decision d;
      d.market_ticker = PQgetvalue(r.get(), i, 0);
      d.direction = PQgetvalue(r.get(), i, 1);
      d.edge = std::strtod(PQgetvalue(r.get(), i, 2), nullptr);
      d.score = std::strtod(PQgetvalue(r.get(), i, 3), nullptr);
      d.action = PQgetvalue(r.get(), i, 4);
      if (!PQgetisnull(r.get(), i, 5)) d.skip_reason = PQgetvalue(r.get(), i, 5);
      check.row(d);
    }
    if (n == 0) break;
  }
  pg_commit(c);
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

// Several cases' streams interleaved in one table: each row continues exactly one of them.
class StreamsChecker final : public RowSink {
 public:
  explicit StreamsChecker(const std::vector<Stream>& streams) {
    for (const auto& s : streams) {
      State st{DecisionGenerator(s.seed), {}, s.expected_rows, 0, {}, {}};
      st.next = st.gen.next();
      DecisionGenerator g(s.seed);
      for (std::uint64_t i = 0; i < s.expected_rows.value_or(0); ++i) st.want_sum.add(g.next());
      states_.push_back(std::move(st));
    }
  }
  void row(const Decision& got) override {
    ++rows_;
    for (auto& st : states_) {
      if (got == st.next) {
        st.got_sum.add(got);
        ++st.found;
        st.next = st.gen.next();
        return;
      }
    }
    if (foreign_++ == 0)
      first_foreign_ = "row " + std::to_string(rows_) + " (" + describe_row(got) + ")";
  }
  std::vector<Verification> result() const {
    std::vector<Verification> out;
    for (const auto& st : states_) {
      Verification v;
      v.rows_found = st.found;
      v.rows_expected = st.expected.value_or(0);
      v.checksum_found = st.got_sum.value();
      v.checksum_expected = st.want_sum.value();
      v.all_ours = foreign_ == 0;
      v.ok = st.expected && st.found == *st.expected && foreign_ == 0 &&
             v.checksum_found == v.checksum_expected;
      if (foreign_ > 0) {
        v.message = std::to_string(foreign_) + " row(s) in the table continue no case's inserts, " +
                    "the first " + first_foreign_;
      } else if (!st.expected) {
        v.message = "found " + std::to_string(st.found) +
                    " rows of this case; the writer ended without saying how many it inserted";
      } else if (!v.ok) {
        v.message = "found " + std::to_string(st.found) + " rows of this case, expected " +
                    std::to_string(*st.expected);
      }
      out.push_back(std::move(v));
    }
    return out;
  }

 private:
  struct State {
    DecisionGenerator gen;
    Decision next;
    std::optional<std::uint64_t> expected;
    std::uint64_t found;
    RowChecksum got_sum, want_sum;
  };
  std::vector<State> states_;
  std::uint64_t rows_ = 0, foreign_ = 0;
  std::string first_foreign_;
};

// Reads the table into `check`; the error that stopped the read, if one did.
std::optional<std::string> read_rows(Backend b, const Endpoint& e, RowSink& check) {
  try {
    if (b == Backend::postgres) {
      read_pg(e, check);
    } else {
      read_sqlite(e, check);
    }
  } catch (const DriverError& ex) {
    return std::string("cannot read the table back: ") + ex.what();
  }
  return std::nullopt;
}

// The standby's copy of the table, once it has replayed everything the server wrote so far
// (the server's current WAL position): a commit may be acknowledged before it is replayed
// (sync, remote_write, async), never after. nullopt once it has; else why not.
std::optional<std::string> wait_for_replay(const Endpoint& e) {
  try {
    auto primary = pg_connect(e.target);
    const std::string lsn = pg_query_value(primary.get(), "SELECT pg_current_wal_lsn()");
    auto standby = pg_connect(e.standby);
    const std::string caught_up =
        "SELECT pg_last_wal_replay_lsn() >= '" + lsn + "'::pg_lsn";  // lsn: the server's own text
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (pg_query_value(standby.get(), caught_up) != "t") {
      if (std::chrono::steady_clock::now() > deadline) {
        return "the standby had not replayed the server's WAL up to " + lsn + " after 30 s";
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  } catch (const DriverError& ex) {
    return std::string("cannot read the standby: ") + ex.what();
  }
  return std::nullopt;
}

// The table on the standby: the same name, read over the standby's conninfo.
Endpoint on_standby(const Endpoint& e) {
  Endpoint s = e;
  s.target = e.standby;
  s.standby.clear();
  s.ledger = nullptr;
  return s;
}

// Folds the standby's verdict (`there`, or the error that stopped its read) into `v`: the rows
// must be there too, value for value.
void fold_standby(Verification& v, const std::optional<std::string>& error,
                  const Verification& there) {
  // The standby holds what the server holds, row for row, whatever the server's own verdict.
  v.on_standby = !error && there.rows_found == v.rows_found &&
                 there.checksum_found == v.checksum_found && there.all_ours == v.all_ours;
  if (*v.on_standby || !v.ok) return;
  v.ok = false;
  v.message = "on the standby: " + (error                   ? *error
                                    : there.message.empty() ? "its rows differ from the server's"
                                                            : there.message);
}

// The table read again into `check` on the standby, once it has caught up; the error that
// stopped the wait or the read, if one did.
std::optional<std::string> read_standby(const Endpoint& e, RowSink& check) {
  if (auto error = wait_for_replay(e)) return error;
  return read_rows(Backend::postgres, on_standby(e), check);
}

// The same check again on the standby, with a fresh checker from `make`.
template <typename Make>
void check_standby(Backend b, const Endpoint& e, Verification& v, Make make) {
  if (b != Backend::postgres || e.standby.empty()) return;
  auto check = make();
  const auto error = read_standby(e, check);
  fold_standby(v, error, check.result());
}

template <typename Check>
Verification read_and_check(Backend b, const Endpoint& e, Check& check) {
  const auto error = read_rows(b, e, check);
  Verification v = check.result();
  if (error) {
    v.ok = false;
    v.all_ours = false;  // a partial read cannot vouch for the rows it did not see
    v.message = *error;
  }
  return v;
}
}  // namespace

std::vector<Verification> verify_table_streams(Backend b, const Endpoint& e,
                                               const std::vector<Stream>& streams) {
  StreamsChecker check(streams);
  const auto error = read_rows(b, e, check);
  auto out = check.result();
  if (error) {
    for (auto& v : out) {
      v.ok = false;
      v.all_ours = false;
      v.message = *error;
    }
  }
  if (b == Backend::postgres && !e.standby.empty()) {
    StreamsChecker again(streams);
    const auto err = read_standby(e, again);
    const auto there = again.result();
    for (std::size_t i = 0; i < out.size(); ++i) fold_standby(out[i], err, there[i]);
  }
  return out;
}

Verification verify_table(Backend b, const Endpoint& e, std::uint64_t seed,
                          std::uint64_t expected_rows) {
  Checker check(seed, expected_rows);
  Verification v = read_and_check(b, e, check);
  check_standby(b, e, v, [&] { return Checker(seed, expected_rows); });
  return v;
}

Verification verify_table_unordered(Backend b, const Endpoint& e, std::uint64_t seed,
                                    std::uint64_t generated,
                                    const std::vector<std::uint64_t>& failed) {
  UnorderedChecker check(seed, generated, failed);
  Verification v = read_and_check(b, e, check);
  check_standby(b, e, v, [&] { return UnorderedChecker(seed, generated, failed); });
  return v;
}

}  // namespace wpbench
