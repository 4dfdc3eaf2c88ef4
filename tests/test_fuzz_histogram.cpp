// Fuzzing of LatencyHistogram::from_json, the decoder of the histograms result files carry: real
// encoded histograms (every repetition's of a published schema_version 2 run, and the one the
// C++ side writes for the Python tests) mutated with a seeded RNG for a fixed number of
// iterations, as JSON values and as text. Whatever the input, from_json returns a histogram that
// holds together or throws std::invalid_argument, its documented exception. It never crashes, and
// under AddressSanitizer and UndefinedBehaviorSanitizer no input may reach undefined behaviour.
// WPBENCH_FUZZ_ITERATIONS runs longer (the default takes about a second in a Release build).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "stats/histogram.hpp"

namespace wpbench {
namespace {

using H = LatencyHistogram;
using json = nlohmann::json;

constexpr std::uint64_t kSeed = 20261124;
constexpr int kDefaultIterations = 5000;

json read_json(const std::filesystem::path& path) {
  std::ifstream in(path);
  return json::parse(in);
}

/// The histogram tests/test_histogram.cpp writes for the Python tests (with an overflow sample).
json fixture_histogram() {
  return read_json(std::filesystem::path(WPBENCH_SOURCE_DIR) /
                   "tests/scripts/data/histogram-cpp.json")["histogram"];
}

/// The seed corpus: histograms as the harness encoded them.
std::vector<json> load_seeds() {
  const std::filesystem::path root = WPBENCH_SOURCE_DIR;
  std::vector<json> out = {fixture_histogram(), json(H{}.to_json())};
  std::vector<std::filesystem::path> runs;
  for (const auto& dir : std::filesystem::directory_iterator(root / "results")) {
    if (std::filesystem::exists(dir.path() / "wpbench.json"))
      runs.push_back(dir.path() / "wpbench.json");
  }
  std::sort(runs.begin(), runs.end());
  for (const auto& path : runs) {
    const json run = read_json(path);
    if (run.value("schema_version", 0) < 2) continue;
    for (const auto& c : run["cases"]) {
      for (const auto& rep : c["repetitions"]) out.push_back(rep["histogram"]);
    }
  }
  return out;
}

const std::vector<json>& seeds() {
  static const std::vector<json> corpus = load_seeds();
  return corpus;
}

/// Values a mutation puts in place of another: every JSON type, the edges of the integers and
/// of the layout, and doubles no latency can be (a parser turns 1e400 into infinity).
std::vector<json> interesting() {
  const double inf = std::numeric_limits<double>::infinity();
  return {json(nullptr),
          json(true),
          json(false),
          json(""),
          json("ns"),
          json(H::kFormat),
          json(0),
          json(-1),
          json(1),
          json(2047),
          json(2048),
          json(28671),
          json(28672),
          json(H::kHighestTrackableNs),
          json(H::kHighestTrackableNs + 1),
          json(std::numeric_limits<std::int64_t>::max()),
          json(std::numeric_limits<std::int64_t>::min()),
          json(std::numeric_limits<std::uint64_t>::max()),
          json(std::uint64_t{1} << 63),
          json((std::int64_t{1} << 53) + 1),
          json(0.5),
          json(-0.0),
          json(1.5),
          json(5e-324),
          json(9.3e18),
          json(1.8e19),
          json(1.7e38),
          json(1e39),
          json(1e300),
          json(-1e300),
          json(inf),
          json(-inf),
          json(std::nan("")),
          json::array(),
          json::object(),
          json::array({0, 1}),
          json::array({json::array({28671, 1})}),
          json::array({json::array({0, 1, 2})})};
}

class Mutator {
 public:
  explicit Mutator(std::uint64_t seed) : rng_(seed), values_(interesting()) {}

  std::size_t below(std::size_t n) {
    return n == 0 ? 0 : std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_);
  }
  const json& value() { return values_[below(values_.size())]; }

  /// One to four changes to `j`; now and then count is made to agree with the buckets again, so
  /// a change gets past that check to what the decoder reads after it.
  void mutate(json& j) {
    for (std::size_t k = 0, n = 1 + below(4); k < n; ++k) change(j);
    if (below(2) == 0) recount(j);
  }

  /// The text of `j` with bytes cut, changed or inserted.
  std::string mutate_text(const json& j) {
    std::string s = j.dump();
    const std::size_t at = below(s.size() + 1);
    switch (below(4)) {
      case 0:
        s.resize(at);
        break;
      case 1:
        if (at < s.size()) s[at] = static_cast<char>(below(256));
        break;
      case 2:
        s.insert(at, std::string(below(4) + 1, "0123456789-.e[]{},\""[below(19)]));
        break;
      default:
        s.insert(at, std::string(1000, '['));
        break;
    }
    return s;
  }

 private:
  void change(json& j) {
    if (!j.is_object() || j.empty() || below(50) == 0) {
      j = value();
      return;
    }
    auto it = std::next(j.begin(), static_cast<std::ptrdiff_t>(below(j.size())));
    json& v = it.value();
    switch (below(6)) {
      case 0:
        j.erase(it);
        return;
      case 1:
        v = value();
        return;
      case 2:
        nudge(v);
        return;
      default:
        break;
    }
    json& buckets = j["buckets"];
    if (!buckets.is_array() || buckets.empty()) {
      buckets = json::array({json::array({static_cast<std::int64_t>(below(28673)), 1 + below(3)})});
      return;
    }
    json& b = buckets[below(buckets.size())];
    switch (below(8)) {
      case 0:
        buckets.erase(buckets.begin() + static_cast<std::ptrdiff_t>(below(buckets.size())));
        break;
      case 1:
        buckets.push_back(json(b));
        break;  // a copy first: b is in the array that grows
      case 2:
        std::swap(buckets[below(buckets.size())], buckets[below(buckets.size())]);
        break;
      case 3:
        buckets.push_back(json::array({static_cast<std::int64_t>(below(28673)), 1 + below(1000)}));
        break;
      case 4:
        b = value();
        break;
      default:
        if (b.is_array() && !b.empty()) nudge(b[below(b.size())]);
        break;
    }
  }

  /// An integer or a number moved by a little or a lot (in 128 bits, so the edges of 64 bits
  /// are crossed without overflow here).
  void nudge(json& v) {
    if (v.is_number_integer()) {
      const __int128 x = v.is_number_unsigned() ? static_cast<__int128>(v.get<std::uint64_t>())
                                                : static_cast<__int128>(v.get<std::int64_t>());
      const __int128 options[] = {x + 1, x - 1, -x, x / 2, x * 2, 0, x + 1000000000};
      v = of_int128(options[below(7)]);
    } else if (v.is_number()) {
      const double x = v.get<double>();
      const double options[] = {x * 2, -x, x + 0.5, x * 1e10, 0.0};
      v = options[below(5)];
    } else {
      v = value();
    }
  }

  static json of_int128(__int128 x) {
    if (x >= std::numeric_limits<std::int64_t>::min() &&
        x <= std::numeric_limits<std::int64_t>::max()) {
      return json(static_cast<std::int64_t>(x));
    }
    if (x > 0 && x <= static_cast<__int128>(std::numeric_limits<std::uint64_t>::max())) {
      return json(static_cast<std::uint64_t>(x));
    }
    return json(static_cast<double>(x));
  }

  static void recount(json& j) {
    if (!j.is_object() || !j.contains("buckets") || !j["buckets"].is_array()) return;
    std::uint64_t total = 0;
    for (const auto& b : j["buckets"]) {
      if (!b.is_array() || b.size() != 2 || !b[1].is_number_integer()) return;
      total += b[1].get<std::uint64_t>();
    }
    if (j.contains("overflow") && j["overflow"].is_number_integer())
      total += j["overflow"].get<std::uint64_t>();
    j["count"] = total;
  }

  std::mt19937_64 rng_;
  std::vector<json> values_;
};

/// What every histogram from_json returns must be: its counts add up, min, max, percentiles, mean
/// and stddev are finite and in order, and it encodes and decodes to itself.
void expect_whole(const H& h, const std::string& input) {
  // The counts as the encoding lists them (every non-zero flat index), plus the overflow.
  const auto encoded = h.to_json();
  unsigned __int128 total = h.overflow();
  for (const auto& b : encoded["buckets"]) total += b[1].get<std::uint64_t>();
  ASSERT_TRUE(total == h.count()) << input;
  if (h.count() == 0) {
    EXPECT_EQ(h.min(), 0) << input;
    EXPECT_EQ(h.max(), 0) << input;
    EXPECT_EQ(h.mean(), 0.0) << input;
    return;
  }
  ASSERT_LE(h.min(), h.max()) << input;
  std::int64_t previous = h.min();
  for (const double p : {0.0, 1.0, 50.0, 90.0, 99.0, 99.9, 100.0}) {
    const std::int64_t v = h.percentile(p);
    EXPECT_GE(v, previous) << "p" << p << ": " << input;
    EXPECT_LE(v, h.max()) << "p" << p << ": " << input;
    previous = v;
  }
  EXPECT_EQ(h.percentile(0), h.min()) << input;
  EXPECT_EQ(h.percentile(100), h.max()) << input;
  const double slack = 1e-9 * static_cast<double>(h.max());
  EXPECT_TRUE(std::isfinite(h.mean())) << input;
  EXPECT_GE(h.mean(), static_cast<double>(h.min()) - slack) << input;
  EXPECT_LE(h.mean(), static_cast<double>(h.max()) + slack) << input;
  EXPECT_TRUE(std::isfinite(h.stddev()) && h.stddev() >= 0) << input;
  EXPECT_LE(h.stddev(), static_cast<double>(h.max() - h.min()) + slack) << input;
  const H back = H::from_json(encoded);
  auto a = encoded, b = back.to_json();
  EXPECT_NEAR(a["m2"].get<double>(), b["m2"].get<double>(), 1e-9 * a["m2"].get<double>()) << input;
  a.erase("m2");
  b.erase("m2");
  EXPECT_EQ(a, b) << input;
}

/// from_json on `j`: true when it decoded `j` (and the result held together), false when it
/// refused it with std::invalid_argument; any other exception fails the test.
bool decodes(const json& j) {
  try {
    const H h = H::from_json(j);
    expect_whole(h, j.dump().substr(0, 400));
    return true;
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << e.what();
    return false;
  }
}

int iterations() {
  const char* env = std::getenv("WPBENCH_FUZZ_ITERATIONS");
  return env != nullptr && std::atoi(env) > 0 ? std::atoi(env) : kDefaultIterations;
}

TEST(HistogramFuzz, SeedsDecode) {
  const auto& corpus = seeds();
  ASSERT_GE(corpus.size(), 3u);  // the fixture, the empty one, and a published run's
  for (const auto& j : corpus) EXPECT_TRUE(decodes(j)) << j.dump().substr(0, 200);
}

// What the fuzzing found the decoder accepting: each read back as a histogram whose mean lay
// outside [min, max] or whose stddev was infinite, and a double sum beyond 2^127 was converted to
// an integer, which is undefined.
TEST(HistogramFuzz, FoundInputsAreRefused) {
  const json good = fixture_histogram();
  const auto n = good["count"].get<std::uint64_t>();
  const auto refused = [](const json& j, const std::string& needle) {
    try {
      H::from_json(j);
      ADD_FAILURE() << "accepted: " << j.dump().substr(0, 300);
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  const auto with = [&good](const char* key, const json& value) {
    json j = good;
    j[key] = value;
    return j;
  };
  refused(with("sum", 1e300), "\"sum\" or \"m2\" is not a finite number");
  refused(with("sum", std::numeric_limits<double>::infinity()), "\"sum\" or \"m2\"");
  refused(with("sum", std::nan("")), "\"sum\" or \"m2\"");
  refused(with("m2", std::numeric_limits<double>::infinity()), "\"sum\" or \"m2\"");
  refused(with("sum", std::numeric_limits<std::uint64_t>::max()), "sum is not between");
  refused(with("sum", good["max"].get<std::int64_t>() * static_cast<std::int64_t>(n) + 1),
          "sum is not between");
  refused(with("sum", good["min"].get<std::int64_t>() * static_cast<std::int64_t>(n) - 1),
          "sum is not between");
  refused(with("m2", 1e300), "m2 is more than");
  refused(with("min", good["min"].get<std::int64_t>() + 5000), "min is not in the lowest bucket");
  refused(with("max", H::kHighestTrackableNs), "max is not in the highest bucket or the overflow");
  // Counts that add up to count only once they wrap around 2^64.
  const auto big = std::numeric_limits<std::int64_t>::max();
  refused(json{{"format", H::kFormat},
               {"unit", "ns"},
               {"sub_bucket_count", 2048},
               {"highest_trackable_ns", H::kHighestTrackableNs},
               {"count", 1},
               {"min", 5},
               {"max", 7},
               {"sum", 12},
               {"m2", 0.0},
               {"overflow", 0},
               {"buckets",
                json::array({json::array({5, big}), json::array({6, big}), json::array({7, 3})})}},
          "more than 2^64");
}

TEST(HistogramFuzz, MutatedHistogramsDecodeWholeOrThrowInvalidArgument) {
  const auto& corpus = seeds();
  Mutator m(kSeed);
  int accepted = 0, refused = 0;
  for (int i = 0, n = iterations(); i < n && !HasFailure(); ++i) {
    json j = corpus[m.below(corpus.size())];
    m.mutate(j);
    (decodes(j) ? accepted : refused)++;
  }
  // Both sides of the decoder were exercised, not only its first check.
  if (!HasFailure()) {
    EXPECT_GT(accepted, iterations() / 100);
    EXPECT_GT(refused, iterations() / 10);
  }
}

TEST(HistogramFuzz, MutatedTextParsesOrIsRefused) {
  const auto& corpus = seeds();
  Mutator m(kSeed + 1);
  for (int i = 0, n = iterations() / 4; i < n && !HasFailure(); ++i) {
    const std::string text = m.mutate_text(corpus[m.below(corpus.size())]);
    json j;
    try {
      j = json::parse(text);
    } catch (const json::parse_error&) {
      continue;  // not JSON: the file reader's business, not the decoder's
    }
    decodes(j);
  }
}

}  // namespace
}  // namespace wpbench
