#include "sidecar/metrics.h"

#include <limits>
#include <utility>

#include "sidecar/records.h"

namespace herd::sidecar {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

MetricFamily Family(std::string name, std::string help, MetricType type) {
  MetricFamily f;
  f.name = std::move(name);
  f.help = std::move(help);
  f.type = type;
  return f;
}

ClientMetric Value(MetricType type, double value, std::vector<ClientMetric::Label> labels = {}) {
  ClientMetric m;
  m.label = std::move(labels);
  if (type == MetricType::Counter) {
    m.counter.value = value;
  } else {
    m.gauge.value = value;
  }
  return m;
}

// A family with one unlabelled sample.
MetricFamily Single(std::string name, std::string help, MetricType type, double value) {
  MetricFamily f = Family(std::move(name), std::move(help), type);
  f.metric.push_back(Value(type, value));
  return f;
}

MetricFamily Gauge(std::string name, std::string help, double value) {
  return Single(std::move(name), std::move(help), MetricType::Gauge, value);
}

MetricFamily Counter(std::string name, std::string help, double value) {
  return Single(std::move(name), std::move(help), MetricType::Counter, value);
}

MetricFamily Histogram(std::string name, std::string help, const DurationHistogram& h) {
  MetricFamily f = Family(std::move(name), std::move(help), MetricType::Histogram);
  f.metric.push_back(HistogramMetric(h));
  return f;
}

constexpr std::string_view kMessageTypes[] = {"delta", "ack", "heartbeat"};  // PeerMessageType-1

}  // namespace

MetricsSnapshot TakeMetricsSnapshot(const Supervisor& supervisor, const Store* store) {
  MetricsSnapshot s;
  for (const MemberInfo& m : supervisor.Members()) {
    const size_t i = static_cast<size_t>(m.status);
    if (i < s.members.size()) ++s.members[i];
  }
  s.quorum = supervisor.HasQuorum();
  s.ready = supervisor.ready();
  s.children = supervisor.Count();
  s.phases = supervisor.PhaseCounts();
  s.counters = supervisor.counters();
  const crdt::AwLwwMap& map = supervisor.map();
  s.crdt_tombstones = map.tombstone_count();
  s.crdt_entries = map.entry_count() - std::min(map.entry_count(), map.tombstone_count());
  if (store != nullptr) s.store_log_bytes = store->log_bytes();
  s.store_writable = supervisor.store_writable();
  return s;
}

ClientMetric HistogramMetric(const DurationHistogram& histogram) {
  ClientMetric m;
  m.histogram.sample_count = histogram.count();
  m.histogram.sample_sum = histogram.sum();
  uint64_t cumulative = 0;
  for (size_t i = 0; i < histogram.counts().size(); ++i) {
    cumulative += histogram.counts()[i];
    ClientMetric::Bucket b;
    b.cumulative_count = cumulative;
    b.upper_bound = i < DurationHistogram::kBounds.size() ? DurationHistogram::kBounds[i]
                                                          : std::numeric_limits<double>::infinity();
    m.histogram.bucket.push_back(b);
  }
  return m;
}

std::vector<MetricFamily> SnapshotFamilies(const MetricsSnapshot& s, uint64_t send_failures) {
  const Supervisor::Counters& c = s.counters;
  std::vector<MetricFamily> out;
  out.reserve(40);

  // Cluster.
  MetricFamily members = Family("herd_cluster_members",
                                "Members by status, as this member sees them", MetricType::Gauge);
  for (MemberStatus st : {MemberStatus::kAlive, MemberStatus::kDead, MemberStatus::kShuttingDown,
                          MemberStatus::kUninitialized}) {
    members.metric.push_back(Value(MetricType::Gauge,
                                   static_cast<double>(s.members[static_cast<size_t>(st)]),
                                   {{"status", std::string(MemberStatusName(st))}}));
  }
  out.push_back(std::move(members));
  out.push_back(Gauge("herd_cluster_quorum", "1 when this member sees a quorum", s.quorum));
  out.push_back(Gauge("herd_cluster_ready", "1 when /readyz answers 200", s.ready));

  // Workloads.
  out.push_back(Gauge("herd_workloads_declared", "Workloads in the map (global)",
                      static_cast<double>(s.children.declared)));
  out.push_back(Gauge("herd_workloads_running",
                      "Workloads whose owner reports them Running (global)",
                      static_cast<double>(s.children.running)));
  out.push_back(Gauge("herd_workloads_local", "Children running on this member",
                      static_cast<double>(s.children.local)));
  MetricFamily phases =
      Family("herd_workloads_phase", "Workloads by phase (global)", MetricType::Gauge);
  for (size_t p = 0; p < kPhaseCount; ++p) {
    phases.metric.push_back(Value(MetricType::Gauge, static_cast<double>(s.phases[p]),
                                  {{"phase", std::string(PhaseName(static_cast<Phase>(p)))}}));
  }
  out.push_back(std::move(phases));
  out.push_back(Counter("herd_workload_starts_total", "Child starts on this member",
                        static_cast<double>(c.starts)));
  MetricFamily exits =
      Family("herd_workload_exits_total", "Child exits on this member", MetricType::Counter);
  const std::pair<const char*, uint64_t> reasons[] = {{"clean", c.exits_clean},
                                                      {"error", c.exits_error},
                                                      {"signal", c.exits_signal},
                                                      {"start_failed", c.start_failures}};
  for (const auto& [reason, n] : reasons) {
    exits.metric.push_back(
        Value(MetricType::Counter, static_cast<double>(n), {{"reason", reason}}));
  }
  out.push_back(std::move(exits));
  out.push_back(Counter("herd_workload_restarts_total", "Restarts after a crash",
                        static_cast<double>(c.restarts)));
  out.push_back(Counter("herd_workload_failed_total", "Workloads this member marked Failed",
                        static_cast<double>(c.failed)));
  out.push_back(Counter("herd_workload_takeovers_total",
                        "Workloads taken over from a dead or removed member",
                        static_cast<double>(c.takeovers)));
  out.push_back(Counter("herd_workload_handoffs_total", "Workloads handed to another member",
                        static_cast<double>(c.handoffs)));
  out.push_back(Histogram("herd_failover_duration_seconds",
                          "Old owner's last message to the child started here after a takeover",
                          c.failover));
  out.push_back(Histogram("herd_handoff_duration_seconds",
                          "Old instance's stop request to the new owner written", c.handoff));

  // Sync.
  MetricFamily sent =
      Family("herd_sync_messages_sent_total", "Peer messages sent", MetricType::Counter);
  MetricFamily received =
      Family("herd_sync_messages_received_total", "Peer messages received", MetricType::Counter);
  for (size_t i = 0; i < 3; ++i) {
    const std::string type(kMessageTypes[i]);
    sent.metric.push_back(
        Value(MetricType::Counter, static_cast<double>(c.messages_sent[i]), {{"type", type}}));
    received.metric.push_back(
        Value(MetricType::Counter, static_cast<double>(c.messages_received[i]), {{"type", type}}));
  }
  out.push_back(std::move(sent));
  out.push_back(std::move(received));
  out.push_back(Counter("herd_sync_bytes_sent_total", "Peer message bytes sent",
                        static_cast<double>(c.bytes_sent)));
  out.push_back(Counter("herd_sync_bytes_received_total", "Peer message bytes received",
                        static_cast<double>(c.bytes_received)));
  out.push_back(Counter("herd_sync_send_failures_total", "Peer sends that failed or were dropped",
                        static_cast<double>(send_failures)));
  out.push_back(
      Histogram("herd_sync_latency_seconds", "Delta sent to its ack received", c.sync_latency));
  out.push_back(Counter("herd_sync_anti_entropy_rounds_total", "Deltas sent as repair",
                        static_cast<double>(c.anti_entropy_rounds)));
  out.push_back(Counter("herd_sync_rejected_messages_total",
                        "Peer messages refused (undecodable, undeclared sender)",
                        static_cast<double>(c.rejected_messages)));

  // CRDT and store.
  out.push_back(
      Gauge("herd_crdt_entries", "Live map entries", static_cast<double>(s.crdt_entries)));
  out.push_back(
      Gauge("herd_crdt_tombstones", "Tombstones kept", static_cast<double>(s.crdt_tombstones)));
  out.push_back(Histogram("herd_store_fsync_duration_seconds",
                          "Store sync (fsync) of a group commit", c.store_sync));
  out.push_back(Gauge("herd_store_log_bytes", "Bytes in the append-only log",
                      static_cast<double>(s.store_log_bytes)));
  out.push_back(Counter("herd_store_errors_total", "Store append and sync failures",
                        static_cast<double>(c.store_errors)));
  out.push_back(Gauge("herd_store_writable",
                      "1 when this member can persist writes; 0 while its store fails and it "
                      "refuses API writes",
                      s.store_writable));
  return out;
}

AgentCollector::AgentCollector(AgentCollectorOptions options) : options_(std::move(options)) {}

std::vector<MetricFamily> AgentCollector::Collect() const {
  std::optional<MetricsSnapshot> snapshot;
  if (options_.snapshot) snapshot = options_.snapshot();
  if (!snapshot) snapshot_failures_.fetch_add(1);
  const uint64_t send_failures = options_.send_failures ? options_.send_failures() : 0;
  std::vector<MetricFamily> out;
  if (snapshot) out = SnapshotFamilies(*snapshot, send_failures);
  MetricFamily build = Family("herd_build_info", "Build information", MetricType::Gauge);
  build.metric.push_back(Value(MetricType::Gauge, 1, {{"version", options_.version}}));
  out.push_back(std::move(build));
  out.push_back(Counter("herd_internal_errors_total",
                        "Survivable internal errors (a scrape that got no supervisor snapshot)",
                        static_cast<double>(snapshot_failures_.load())));
  if (!snapshot) {
    out.push_back(Counter("herd_sync_send_failures_total", "Peer sends that failed or were dropped",
                          static_cast<double>(send_failures)));
  }
  return out;
}

}  // namespace herd::sidecar
