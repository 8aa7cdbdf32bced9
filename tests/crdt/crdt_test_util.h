// Helpers shared by the CRDT tests: the visible contents of a map, a diff recorder, and a
// two-way anti-entropy exchange.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "crdt/aw_lww_map.h"

namespace herd::crdt::testing {

inline std::map<std::string, std::string> Visible(const AwLwwMap& m) {
  std::map<std::string, std::string> out;
  m.ForEachPrefix("", [&out](std::string_view k, std::string_view v) {
    out.emplace(std::string(k), std::string(v));
  });
  return out;
}

// Records diffs as readable strings: "+k=v", "~k=old>new", "-k=old".
class DiffLog {
 public:
  DiffCallback Callback() {
    return [this](const Diff& d) {
      std::string s;
      switch (d.kind) {
        case DiffKind::kAdded:
          s = "+" + std::string(d.key) + "=" + std::string(*d.new_value);
          break;
        case DiffKind::kUpdated:
          s = "~" + std::string(d.key) + "=" + std::string(*d.old_value) + ">" +
              std::string(*d.new_value);
          break;
        case DiffKind::kRemoved:
          s = "-" + std::string(d.key) + "=" + std::string(*d.old_value);
          break;
      }
      lines.push_back(std::move(s));
    };
  }
  std::vector<std::string> Take() {
    std::vector<std::string> out;
    out.swap(lines);
    return out;
  }
  std::vector<std::string> lines;
};

// Anti-entropy both ways: each map joins what it has not seen of the other.
inline void Exchange(AwLwwMap& a, AwLwwMap& b) {
  const Delta to_b = a.DeltaSince(b.context());
  const Delta to_a = b.DeltaSince(a.context());
  b.Join(to_b);
  a.Join(to_a);
}

}  // namespace herd::crdt::testing
