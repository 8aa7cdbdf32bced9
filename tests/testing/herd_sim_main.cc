// herd-sim: runs randomized cluster scenarios on the simulator and checks the invariants.
//
//   herd-sim --seeds N [--first-seed S] --members M --workloads W --faults all|none
//            [--strategy uniform|uniform_quorum|random] [--redistribution passive|active]
//   herd-sim --seed S ...        replays one seed with a readable trace on stderr
//
// Prints one JSON line per failing seed, then
// {"seeds":N,"failures":F,"lost":L,"duplicates":D,"max_settle_ms":T}; exits 0 only when F is 0.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "tests/testing/sim_scenario.h"

namespace {

void Usage() {
  std::fprintf(stderr,
               "usage: herd-sim [--seeds N] [--first-seed S] [--seed S] [--members M] "
               "[--workloads W] [--faults all|none] [--strategy uniform|uniform_quorum|random] "
               "[--redistribution passive|active]\n");
}

std::string Escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  herd::testing::ScenarioOptions o;
  uint64_t seeds = 100, first = 1;
  bool replay = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        Usage();
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--seeds") {
      seeds = std::strtoull(next().c_str(), nullptr, 10);
    } else if (a == "--first-seed") {
      first = std::strtoull(next().c_str(), nullptr, 10);
    } else if (a == "--seed") {
      first = std::strtoull(next().c_str(), nullptr, 10);
      seeds = 1;
      replay = true;
    } else if (a == "--members") {
      o.members = std::atoi(next().c_str());
    } else if (a == "--workloads") {
      o.workloads = std::atoi(next().c_str());
    } else if (a == "--faults") {
      std::string f = next();
      if (f != "all" && f != "none") {
        Usage();
        return 2;
      }
      o.faults = f == "all";
    } else if (a == "--strategy") {
      auto k = herd::sidecar::ParseStrategyKind(next());
      if (!k.ok()) {
        std::fprintf(stderr, "herd-sim: %s\n", k.status().message().c_str());
        return 2;
      }
      o.strategy = *k;
    } else if (a == "--redistribution") {
      std::string r = next();
      if (r != "passive" && r != "active") {
        Usage();
        return 2;
      }
      o.active_redistribution = r == "active";
    } else {
      Usage();
      return 2;
    }
  }
  if (o.members < 1 || o.members > 9 || o.workloads < 0) {
    std::fprintf(stderr, "herd-sim: --members must be 1-9 and --workloads >= 0\n");
    return 2;
  }
  if (o.active_redistribution && o.strategy == herd::sidecar::StrategyKind::kRandom) {
    std::fprintf(stderr,
                 "herd-sim: --redistribution active needs a deterministic strategy (uniform or "
                 "uniform_quorum), not random\n");
    return 2;
  }
  // HERD_SIM_MAX_SEEDS caps the count (sanitizer builds run the same tests with fewer seeds).
  if (const char* cap = std::getenv("HERD_SIM_MAX_SEEDS"); cap != nullptr && !replay) {
    seeds = std::min<uint64_t>(seeds, std::strtoull(cap, nullptr, 10));
  }
  o.trace = replay;
  uint64_t failures = 0, lost = 0, duplicates = 0;
  int64_t max_settle = 0;
  for (uint64_t seed = first; seed < first + seeds; ++seed) {
    o.seed = seed;
    herd::testing::ScenarioResult r = herd::testing::RunScenario(o);
    lost += r.lost;
    duplicates += r.duplicates;
    if (r.settle_ms > max_settle) max_settle = r.settle_ms;
    if (!r.ok) {
      ++failures;
      std::printf(
          "{\"seed\":%llu,\"members\":%d,\"strategy\":\"%s\",\"failure\":\"%s\",\"lost\":%d,"
          "\"duplicates\":%d,\"settle_ms\":%lld,\"replay\":\"herd-sim --seed %llu --members %d "
          "--workloads %d --strategy %s --redistribution %s\"}\n",
          static_cast<unsigned long long>(seed), o.members,
          std::string(herd::sidecar::StrategyKindName(o.strategy)).c_str(),
          Escape(r.failure).c_str(), r.lost, r.duplicates, static_cast<long long>(r.settle_ms),
          static_cast<unsigned long long>(seed), o.members, o.workloads,
          std::string(herd::sidecar::StrategyKindName(o.strategy)).c_str(),
          o.active_redistribution ? "active" : "passive");
      std::fflush(stdout);
    } else if (replay) {
      std::fprintf(stderr, "seed %llu ok: settle %lld ms, %d applies, %d faults\n",
                   static_cast<unsigned long long>(seed), static_cast<long long>(r.settle_ms),
                   r.applies, r.faults);
    }
  }
  std::printf(
      "{\"seeds\":%llu,\"failures\":%llu,\"lost\":%llu,\"duplicates\":%llu,"
      "\"max_settle_ms\":%lld}\n",
      static_cast<unsigned long long>(seeds), static_cast<unsigned long long>(failures),
      static_cast<unsigned long long>(lost), static_cast<unsigned long long>(duplicates),
      static_cast<long long>(max_settle));
  return failures == 0 ? 0 : 1;
}
