#include "sys/text.hpp"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>

namespace wpbench {

std::string one_line(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  for (auto& ch : s) {
    if (ch == '\n' || ch == '\r' || ch == '\t') ch = ' ';
  }
  return s;
}

std::string format_double(double v) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, end);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string closest_name(const std::string& word, const std::vector<std::string>& names) {
  std::string best;
  std::size_t best_d = std::string::npos;
  for (const auto& n : names) {
    // Levenshtein distance, one row at a time.
    std::vector<std::size_t> row(n.size() + 1);
    for (std::size_t j = 0; j <= n.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= word.size(); ++i) {
      std::size_t diag = row[0];
      row[0] = i;
      for (std::size_t j = 1; j <= n.size(); ++j) {
        const std::size_t up = row[j];
        row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (word[i - 1] == n[j - 1] ? 0 : 1)});
        diag = up;
      }
    }
    // A name the word begins (sqlalchemy -> sqlalchemy-core) counts as close as its extra part.
    const bool prefix = n.size() > word.size() && n.compare(0, word.size(), word) == 0;
    const std::size_t d = prefix ? 1 : row[n.size()];
    if (d < best_d) {
      best_d = d;
      best = n;
    }
  }
  return best_d != std::string::npos && (best_d <= std::max<std::size_t>(1, word.size() / 3)) ? best
                                                                                              : "";
}

std::string utc_format(std::time_t t, const char* fmt) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, fmt, &tm);
  return buf;
}

}  // namespace wpbench
