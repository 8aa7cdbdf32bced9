// Test helper: reads samples out of a Prometheus text exposition (what /metrics answers and
// prometheus::TextSerializer writes), so tests can assert exact values by name and labels.
#pragma once

#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace herd::metrics_text {

struct Sample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

// Every sample line ("name{a="x",b="y"} 1.5"); comments and blank lines are skipped. Label
// values are taken as written (the tests' values need no escapes).
inline std::vector<Sample> ParseExposition(std::string_view text) {
  std::vector<Sample> out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    if (line.empty() || line.front() == '#') continue;
    Sample s;
    size_t i = line.find_first_of("{ ");
    if (i == std::string_view::npos) continue;
    s.name = std::string(line.substr(0, i));
    if (line[i] == '{') {
      // name="value" pairs; values may hold '}' and ',' (route patterns), and \" escapes.
      ++i;
      while (i < line.size() && line[i] != '}') {
        const size_t eq = line.find('=', i);
        if (eq == std::string_view::npos || eq + 1 >= line.size()) break;
        std::string key(line.substr(i, eq - i));
        std::string value;
        size_t j = eq + 2;  // past '="'
        for (; j < line.size() && line[j] != '"'; ++j) {
          if (line[j] == '\\' && j + 1 < line.size()) ++j;
          value += line[j];
        }
        s.labels[key] = value;
        i = j + 1;
        if (i < line.size() && line[i] == ',') ++i;
      }
      ++i;  // past '}'
    }
    s.value = std::stod(std::string(line.substr(i + 1)));
    out.push_back(std::move(s));
  }
  return out;
}

// The value of the one sample named `name` whose labels include `labels`; nullopt when none
// (or several) match.
inline std::optional<double> Value(const std::vector<Sample>& samples, std::string_view name,
                                   const std::map<std::string, std::string>& labels = {}) {
  std::optional<double> found;
  for (const Sample& s : samples) {
    if (s.name != name) continue;
    bool match = true;
    for (const auto& [k, v] : labels) {
      auto it = s.labels.find(k);
      if (it == s.labels.end() || it->second != v) match = false;
    }
    if (!match) continue;
    if (found) return std::nullopt;
    found = s.value;
  }
  return found;
}

inline std::vector<Sample> Serialize(const std::vector<prometheus::MetricFamily>& families) {
  return ParseExposition(prometheus::TextSerializer().Serialize(families));
}

}  // namespace herd::metrics_text
