// Entry: one write of one key of AwLwwMap (crdt/aw_lww_map.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "crdt/dot.h"

namespace herd::crdt {

// One write of one key: a value, or a tombstone.
struct Entry {
  Dot dot;
  uint64_t timestamp = 0;  // caller's LWW timestamp (HLC)
  bool tombstone = false;  // a Remove; value is empty
  std::string value;
  std::vector<Dot> covers;  // dots this write supersedes (sorted, unique)

  friend bool operator==(const Entry&, const Entry&) = default;
};

}  // namespace herd::crdt
