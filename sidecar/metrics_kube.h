// KubeMetrics: the Kubernetes watch counters of the metric contract, registered in the agent's
// prometheus::Registry.
//
// Issue 6 (the EndpointSlice membership source and the Workload controller) drives them; until
// it lands they are exported at 0 for resource=endpointslices and resource=workloads, so the
// dashboard and the alert rules find every series from the first scrape. Every label set is
// created up front: the hot path is one atomic increment on a cached pointer.
//
// Threading: construct once; the accessors and the counters they return from any thread.
// The registry must outlive this object.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include <array>
#include <string_view>

namespace herd::sidecar {

class KubeMetrics {
 public:
  enum class Resource { kEndpointSlices, kWorkloads };
  enum class Event { kAdded, kModified, kDeleted, kBookmark };

  explicit KubeMetrics(prometheus::Registry& registry);

  // herd_kube_watch_restarts_total{resource}: a watch that ended and was started again.
  prometheus::Counter& watch_restarts(Resource r) { return *restarts_[Index(r)]; }
  // herd_kube_relists_total{resource}: a LIST after 410 Gone or an error.
  prometheus::Counter& relists(Resource r) { return *relists_[Index(r)]; }
  // herd_kube_watch_events_total{resource,type}.
  prometheus::Counter& watch_events(Resource r, Event e) {
    return *events_[Index(r)][static_cast<size_t>(e)];
  }

  static std::string_view ResourceName(Resource r);  // endpointslices | workloads
  static std::string_view EventName(Event e);        // added | modified | deleted | bookmark

 private:
  static size_t Index(Resource r) { return static_cast<size_t>(r); }

  std::array<prometheus::Counter*, 2> restarts_{};
  std::array<prometheus::Counter*, 2> relists_{};
  std::array<std::array<prometheus::Counter*, 4>, 2> events_{};
};

}  // namespace herd::sidecar
