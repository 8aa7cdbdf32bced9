#include "k8s/endpoint_membership.h"

#include <utility>

#include "common/log.h"

namespace herd::k8s {

void EndpointMembership::Apply(const StoreBatch& batch) {
  for (const StoreEvent& e : batch.events) {
    if (e.kind == StoreEvent::Kind::kDeleted) {
      slices_.erase(e.key);
      continue;
    }
    Result<EndpointSliceInfo> info = DecodeEndpointSlice(e.object, port_name_);
    if (!info.ok()) {
      ++decode_errors_;
      LOG_WARNING("endpointslice_invalid", {{"slice", e.key}, {"error", info.status().ToString()}});
      slices_.erase(e.key);  // what it said before is no longer true either
      continue;
    }
    slices_[e.key] = std::move(info->endpoints);
  }
  bool first = batch.from_list && !synced_;
  if (batch.from_list) synced_ = true;
  if (!synced_) return;
  Members next = Compute();
  if (!first && next == members_) return;
  members_ = std::move(next);
  if (callback_) callback_(members_);
}

Members EndpointMembership::Compute() const {
  Members out;
  for (const auto& [key, endpoints] : slices_) {
    for (const SliceEndpoint& e : endpoints) {
      if (e.ready) out.emplace(e.name, e.address);  // emplace: the first slice wins
    }
  }
  return out;
}

std::string EndpointSlicesPath(const std::string& ns) {
  return "/apis/discovery.k8s.io/v1/namespaces/" + ns + "/endpointslices";
}

namespace {

bool IsDnsLabel(const std::string& s) {
  if (s.empty() || s.size() > 63) return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return s.front() != '-' && s.back() != '-';
}

}  // namespace

Result<std::unique_ptr<EndpointMembershipSource>> EndpointMembershipSource::Create(
    KubeClient& client, EndpointMembershipOptions options, EndpointMembership::Callback callback,
    WatcherHooks hooks) {
  if (!IsDnsLabel(options.namespace_)) {
    return InvalidArgument("namespace \"" + options.namespace_ + "\" is not a DNS label",
                           "namespace");
  }
  if (!IsDnsLabel(options.service)) {
    return InvalidArgument("service \"" + options.service + "\" is not a DNS label", "service");
  }
  std::unique_ptr<EndpointMembershipSource> source(new EndpointMembershipSource());
  source->membership_ =
      std::make_unique<EndpointMembership>(std::move(callback), options.port_name);
  WatcherOptions wo = std::move(options.watch);
  wo.path = EndpointSlicesPath(options.namespace_);
  wo.label_selector = "kubernetes.io/service-name=" + options.service;
  wo.name = "endpointslices";
  EndpointMembership* membership = source->membership_.get();
  source->watcher_ = std::make_unique<Watcher>(
      client, std::move(wo), [membership](const StoreBatch& b) { membership->Apply(b); },
      std::move(hooks));
  return source;
}

EndpointMembershipSource::~EndpointMembershipSource() { Stop(); }

Status EndpointMembershipSource::Start() { return watcher_->Start(); }

void EndpointMembershipSource::Stop() {
  if (watcher_) watcher_->Stop();
}

}  // namespace herd::k8s
