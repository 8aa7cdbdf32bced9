// A randomized scenario on a SimCluster: applies, deletes, spec changes, child crashes, kills
// and restarts of members, graceful shutdowns, partitions, lossy links, late joins (half of
// them listed by the others only once ready), endpoints that leave the membership source and
// come back (each member's watch seeing it at its own time), full disks, data directories
// lost once their writes had reached the others, and agents paused (SIGSTOP) for up to 3 s
// while their children run on, all from one seed. After the faults stop, the
// cluster must settle into the invariants:
//   - every declared workload that has not finished runs exactly once,
//   - on a live member that the map names as owner (under active redistribution: on the
//     member the strategy's placement picks),
//   - nothing deleted runs,
//   - every live member holds the same map,
//   - with uniform_quorum, a member that cannot see a quorum runs nothing.
// Then every machine crashes at once (unsynced writes are lost), and once the cluster is back
// the same invariants must hold: what it acknowledged was on a disk.
#pragma once

#include <cstdint>
#include <string>

#include "sidecar/strategy.h"

namespace herd::testing {

struct ScenarioOptions {
  uint64_t seed = 1;
  int members = 3;
  int workloads = 30;
  sidecar::StrategyKind strategy = sidecar::StrategyKind::kUniform;
  bool active_redistribution = false;
  bool faults = true;
  bool trace = false;  // print every event and every log line with simulated time
};

struct ScenarioResult {
  bool ok = true;
  std::string failure;  // the first invariant that did not hold
  int lost = 0;         // declared workloads not running after the settle deadline
  int duplicates = 0;   // workloads running more than once after the settle deadline
  int quorum_violations = 0;
  int64_t settle_ms = 0;  // simulated time from the end of faults to the invariants holding
  int applies = 0;
  int faults = 0;
};

ScenarioResult RunScenario(const ScenarioOptions& options);

}  // namespace herd::testing
