#include "sidecar/metrics_kube.h"

#include <string>

namespace herd::sidecar {

std::string_view KubeMetrics::ResourceName(Resource r) {
  return r == Resource::kEndpointSlices ? "endpointslices" : "workloads";
}

std::string_view KubeMetrics::EventName(Event e) {
  switch (e) {
    case Event::kAdded:
      return "added";
    case Event::kModified:
      return "modified";
    case Event::kDeleted:
      return "deleted";
    case Event::kBookmark:
      return "bookmark";
  }
  return "added";
}

KubeMetrics::KubeMetrics(prometheus::Registry& registry) {
  auto& restarts = prometheus::BuildCounter()
                       .Name("herd_kube_watch_restarts_total")
                       .Help("Kubernetes watches restarted")
                       .Register(registry);
  auto& relists = prometheus::BuildCounter()
                      .Name("herd_kube_relists_total")
                      .Help("Kubernetes LISTs after 410 Gone or an error")
                      .Register(registry);
  auto& events = prometheus::BuildCounter()
                     .Name("herd_kube_watch_events_total")
                     .Help("Kubernetes watch events by type")
                     .Register(registry);
  for (Resource r : {Resource::kEndpointSlices, Resource::kWorkloads}) {
    const std::string resource(ResourceName(r));
    restarts_[Index(r)] = &restarts.Add({{"resource", resource}});
    relists_[Index(r)] = &relists.Add({{"resource", resource}});
    for (Event e : {Event::kAdded, Event::kModified, Event::kDeleted, Event::kBookmark}) {
      events_[Index(r)][static_cast<size_t>(e)] =
          &events.Add({{"resource", resource}, {"type", std::string(EventName(e))}});
    }
  }
}

}  // namespace herd::sidecar
