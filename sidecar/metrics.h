// Agent metrics: the supervisor's state and counters as Prometheus metric families (issue 7;
// the names, types and labels are the contract in DESIGN.md's Telemetry section).
//
// The Supervisor is single-threaded and knows nothing of prometheus-cpp. On each scrape,
// AgentCollector asks for a MetricsSnapshot, which the agent takes ON THE SUPERVISOR'S THREAD
// (its event loop) with TakeMetricsSnapshot: a copy of the counters and a few O(members) and
// O(phases) gauges, cheap even at 100,000 workloads. It then builds the families from the
// snapshot on the scraping thread. When the loop does not answer in time (wedged or stopping),
// the snapshot source returns nullopt: the collector exports what it has without the loop
// (build info, transport failures) and counts herd_internal_errors_total, so a scrape never
// hangs and a stuck agent shows up as missing series plus a growing error count.
//
// The families of the other parts live elsewhere: API requests in sidecar/metrics_api.h,
// Kubernetes watches in sidecar/metrics_kube.h (both in the agent's prometheus::Registry), and
// process_* in sidecar/posix/process_metrics.h.
//
// Threading: TakeMetricsSnapshot on the supervisor's thread; AgentCollector::Collect from any
// thread (prometheus-cpp's exposer threads), also concurrently.
#pragma once

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "sidecar/duration_histogram.h"
#include "sidecar/store.h"
#include "sidecar/supervisor.h"

namespace herd::sidecar {

// What a scrape needs from the supervisor's thread.
struct MetricsSnapshot {
  std::array<uint64_t, 4> members{};  // by MemberStatus, as this member sees them
  bool quorum = false;
  bool ready = false;
  ChildCounts children;
  std::array<size_t, kPhaseCount> phases{};  // by Phase
  Supervisor::Counters counters;
  uint64_t crdt_entries = 0;     // live values in the map
  uint64_t crdt_tombstones = 0;  // tombstones not yet collected
  uint64_t store_log_bytes = 0;
  bool store_writable = true;
};

// Copies what the metrics need (store: for the log size; may be null). Call on the
// supervisor's thread; O(members + local children).
MetricsSnapshot TakeMetricsSnapshot(const Supervisor& supervisor, const Store* store);

struct AgentCollectorOptions {
  std::string version;  // herd_build_info{version}
  // Takes a snapshot on the supervisor's thread; nullopt when it could not in time. Required.
  std::function<std::optional<MetricsSnapshot>()> snapshot;
  // Peer messages that failed or were dropped by the transport (thread-safe); empty: 0.
  std::function<uint64_t()> send_failures;
};

class AgentCollector : public prometheus::Collectable {
 public:
  explicit AgentCollector(AgentCollectorOptions options);

  // Every family of the contract that comes from the supervisor, the store and the transport,
  // plus herd_build_info and herd_internal_errors_total.
  std::vector<prometheus::MetricFamily> Collect() const override;

  // Scrapes that got no snapshot (exported as herd_internal_errors_total).
  uint64_t snapshot_failures() const { return snapshot_failures_.load(); }

 private:
  AgentCollectorOptions options_;
  mutable std::atomic<uint64_t> snapshot_failures_{0};
};

// The families built from one snapshot (without build info and internal errors); exposed for
// tests and for tools that print metrics without serving them.
std::vector<prometheus::MetricFamily> SnapshotFamilies(const MetricsSnapshot& snapshot,
                                                       uint64_t send_failures);

// A Prometheus histogram family member from a DurationHistogram (cumulative buckets, +Inf).
prometheus::ClientMetric HistogramMetric(const DurationHistogram& histogram);

}  // namespace herd::sidecar
