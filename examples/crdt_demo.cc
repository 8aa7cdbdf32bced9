// crdt_demo: three replicas of the AW-LWW map exchange deltas through DeltaSync over a lossy,
// reordering in-memory link, driven by a SimulatedClock. They take random writes for two
// seconds, the link heals, and they must converge. Prints a short log and the final map;
// exits 0 when every replica agrees, 1 otherwise. Usage: crdt_demo [SEED]
#include <chrono>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/hybrid_clock.h"
#include "common/random.h"
#include "crdt/aw_lww_map.h"
#include "crdt/codec.h"
#include "crdt/delta_sync.h"

namespace herd::crdt {
namespace {

using std::chrono::milliseconds;

constexpr double kLoss = 0.25;
constexpr int64_t kWriteUntilMs = 2000;

struct Replica {
  Replica(std::string n, ReplicaId id) : name(std::move(n)), map(id) {}
  std::string name;
  AwLwwMap map;
  DeltaSync sync;
  HybridLogicalClock hlc;
};

class Demo {
 public:
  explicit Demo(uint64_t seed) : rng_(seed) {
    for (const char* name : {"alpha", "bravo", "charlie"}) {
      replicas_.push_back(std::make_unique<Replica>(name, SplitMix64(seed ^ name[0])));
    }
    std::printf("herd CRDT demo: 3 replicas, lossy link (%.0f%% loss, 5-60 ms delay), seed %llu\n",
                kLoss * 100, static_cast<unsigned long long>(seed));
  }

  int Run() {
    // Hellos: every replica learns what the others hold before sending them anything.
    for (size_t a = 0; a < 3; ++a) {
      for (size_t b = 0; b < 3; ++b) {
        if (a != b) replicas_[a]->sync.ResetPeer(replicas_[b]->name);
      }
    }
    Every(500, [this] {
      Heartbeats();
      Status();
    });
    Every(50, [this] { PollAll(); });
    for (int i = 0; i < 9; ++i) {
      clock_.Schedule(milliseconds(rng_.Range(1, kWriteUntilMs)), [this] { RandomWrite(); });
    }
    clock_.Schedule(milliseconds(100),
                    [this] { Put(*replicas_[0], "workload/web", "nginx:1.25"); });
    clock_.Schedule(milliseconds(1400), [this] { Conflict(); });
    clock_.Schedule(milliseconds(kWriteUntilMs), [this] {
      loss_ = 0;
      Log("link", "heals: no more loss");
    });
    Heartbeats();
    clock_.Advance(milliseconds(kWriteUntilMs));
    for (int quiet = 0; quiet < 4 && NowMs() < 60'000;) {
      clock_.Advance(milliseconds(50));
      quiet = Busy() ? 0 : quiet + 1;
    }
    Log("net", Format("quiet: %d deltas sent (%d lost, %d resent), %d acks, %.1f KB on the wire",
                      deltas_, lost_, resent_, acks_, bytes_ / 1024.0));
    std::string gc;
    for (auto& r : replicas_) {
      gc += Format(" %s %zu", r->name.c_str(), r->map.CollectGarbage(r->sync.SeenByAll(r->map)));
    }
    Log("gc", "tombstones dropped once all had seen them:" + gc);
    return Report();
  }

 private:
  struct Msg {
    enum Kind { kDelta, kAck, kSummary } kind;
    size_t from, to;
    uint64_t seq;
    std::string bytes;
  };

  static std::string Format(const char* fmt, ...) {
    char buf[256];
    va_list args;
    va_start(args, fmt);
    std::vsnprintf(buf, sizeof(buf), fmt, args);
    va_end(args);
    return buf;
  }
  int64_t NowMs() const {
    return std::chrono::duration_cast<milliseconds>(clock_.Elapsed()).count();
  }
  void Log(const std::string& who, const std::string& what) const {
    std::printf("t=%5lldms  %-8s %s\n", static_cast<long long>(NowMs()), who.c_str(), what.c_str());
  }
  void Every(int64_t ms, std::function<void()> fn) {
    clock_.Schedule(milliseconds(ms), [this, ms, fn] {
      fn();
      Every(ms, fn);
    });
  }

  void RandomWrite() {
    // workload/web is left to the scripted conflict.
    static const char* kKeys[] = {"workload/db", "workload/cache", "member/alpha", "member/bravo"};
    static const char* kImages[] = {"nginx:1.25", "nginx:1.27", "postgres:16", "redis:7"};
    Replica& r = *replicas_[rng_.Uniform(3)];
    const std::string key = kKeys[rng_.Uniform(4)];
    if (r.map.Contains(key) && rng_.OneIn(2)) {
      r.map.Remove(key, r.hlc.Now(clock_.WallMillis()));
      Log(r.name, "remove " + key);
      return;
    }
    const std::string value = key.rfind("member/", 0) == 0 ? (rng_.OneIn(2) ? "up" : "draining")
                                                           : kImages[rng_.Uniform(4)];
    Put(r, key, value);
  }

  void Put(Replica& r, const std::string& key, const std::string& value) {
    r.map.Put(key, value, r.hlc.Now(clock_.WallMillis()));
    Log(r.name, Format("put    %-15s = %s", key.c_str(), value.c_str()));
  }

  // alpha updates a key while bravo, not having heard of it, removes the key: the remove only
  // kills the writes bravo had seen, so alpha's update survives everywhere (add wins).
  void Conflict() {
    Replica& alpha = *replicas_[0];
    Replica& bravo = *replicas_[1];
    if (!bravo.map.Contains("workload/web")) return;
    Log("both", "alpha and bravo write workload/web concurrently:");
    Put(alpha, "workload/web", "nginx:1.27");
    bravo.map.Remove("workload/web", bravo.hlc.Now(clock_.WallMillis()));
    Log(bravo.name, "remove workload/web   (alpha's put will win: add-wins)");
  }

  void PollAll() {
    for (size_t a = 0; a < 3; ++a) {
      for (size_t b = 0; b < 3; ++b) {
        if (a == b) continue;
        std::optional<Outgoing> out =
            replicas_[a]->sync.Poll(replicas_[b]->name, replicas_[a]->map, NowMs());
        if (!out) continue;
        ++deltas_;
        if (out->retransmission) ++resent_;
        Send(Msg{Msg::kDelta, a, b, out->seq, EncodeDelta(*out->delta)});
      }
    }
  }

  void Heartbeats() {
    for (size_t a = 0; a < 3; ++a) {
      for (size_t b = 0; b < 3; ++b) {
        if (a != b) Send(Msg{Msg::kSummary, a, b, 0, EncodeContext(replicas_[a]->map.context())});
      }
    }
  }

  void Send(Msg m) {
    bytes_ += static_cast<double>(m.bytes.size());
    if (rng_.Bernoulli(loss_)) {
      if (m.kind == Msg::kDelta) ++lost_;
      return;
    }
    ++in_transit_;
    clock_.Schedule(milliseconds(rng_.Range(5, 60)), [this, m = std::move(m)] {
      --in_transit_;
      Deliver(m);
    });
  }

  void Deliver(const Msg& m) {
    Replica& to = *replicas_[m.to];
    const std::string& from = replicas_[m.from]->name;
    if (m.kind == Msg::kDelta) {
      Result<Delta> d = DecodeDelta(m.bytes);
      if (!d.ok()) {
        Log(to.name, "bad delta: " + d.status().ToString());
        return;
      }
      for (const KeyedEntry& e : d->entries) to.hlc.Observe(e.entry.timestamp);
      to.map.Join(*d);
      ++acks_;
      Send(Msg{Msg::kAck, m.to, m.from, m.seq, EncodeContext(to.map.context())});
      return;
    }
    Result<CausalContext> ctx = DecodeContext(m.bytes);
    if (!ctx.ok()) return;
    if (m.kind == Msg::kAck) {
      to.sync.OnAck(from, m.seq, *ctx);
    } else {
      to.sync.OnSummary(from, *ctx);
    }
  }

  // One line: what each replica shows, whether they agree, and what the link did so far.
  void Status() const {
    std::string line;
    for (const auto& r : replicas_) line += Format("%s %zu keys, ", r->name.c_str(), r->map.size());
    line += Agree() ? "agree" : "differ";
    Log("status", line + Format(" (so far %d deltas lost, %d resent)", lost_, resent_));
  }

  static std::map<std::string, std::string> View(const AwLwwMap& m) {
    std::map<std::string, std::string> out;
    m.ForEachPrefix("", [&](std::string_view k, std::string_view v) {
      out.emplace(std::string(k), std::string(v));
    });
    return out;
  }
  bool Agree() const {
    for (const auto& r : replicas_) {
      if (View(r->map) != View(replicas_[0]->map)) return false;
    }
    return true;
  }

  bool Busy() const {
    if (in_transit_ > 0) return true;
    for (const auto& r : replicas_) {
      for (const auto& p : replicas_) {
        if (r != p && r->sync.InFlight(p->name) > 0) return true;
      }
    }
    return false;
  }

  int Report() const {
    const bool agree = Agree();
    std::printf("final map (%s on alpha, bravo and charlie):\n", agree ? "identical" : "NOT equal");
    for (const auto& [k, v] : View(replicas_[0]->map)) {
      std::printf("  %-16s %s\n", k.c_str(), v.c_str());
    }
    std::printf("converged: %s\n", agree ? "yes" : "NO");
    return agree ? 0 : 1;
  }

  SimulatedClock clock_;
  Random rng_;
  std::vector<std::unique_ptr<Replica>> replicas_;
  double loss_ = kLoss;
  int in_transit_ = 0;
  int deltas_ = 0, lost_ = 0, resent_ = 0, acks_ = 0;
  double bytes_ = 0;
};

}  // namespace
}  // namespace herd::crdt

int main(int argc, char** argv) {
  const uint64_t seed = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 7;
  return herd::crdt::Demo(seed).Run();
}
