#include "sidecar/posix/agent.h"

#include <prometheus/exposer.h>
#include <prometheus/registry.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <random>

#include "common/log.h"
#include "common/random.h"
#include "k8s/cpprest_kube_client.h"
#include "k8s/endpoint_membership.h"
#include "k8s/workload_operator.h"
#include "sidecar/http_router.h"
#include "sidecar/metrics.h"
#include "sidecar/metrics_api.h"
#include "sidecar/metrics_kube.h"
#include "sidecar/posix/auth_setup.h"
#include "sidecar/posix/event_loop.h"
#include "sidecar/posix/file_store.h"
#include "sidecar/posix/http_server.h"
#include "sidecar/posix/peer_transport.h"
#include "sidecar/posix/posix_process_runner.h"
#include "sidecar/posix/process_metrics.h"
#include "sidecar/rest_api.h"
#include "sidecar/rest_api_parse.h"
#include "sidecar/supervisor.h"
#include "sidecar/version.h"

namespace herd::sidecar {
namespace {

constexpr size_t kMaxPeerBodyBytes = 256u << 20;  // a whole-state anti-entropy delta
// How long a scrape waits for the event loop's snapshot before exporting without it.
constexpr std::chrono::seconds kMetricsSnapshotTimeout{2};

// "incarnation=N": grows on every start, also across a lost identity file (wall time floor).
Result<uint64_t> NextIncarnation(Store& store, int64_t wall_ms) {
  uint64_t previous = 0;
  Result<std::string> id = store.ReadIdentity();
  if (id.ok()) {
    if (id->rfind("incarnation=", 0) == 0) previous = std::strtoull(id->c_str() + 12, nullptr, 10);
  } else if (id.status().code() != StatusCode::kNotFound) {
    LOG_WARNING("identity_unreadable", {{"error", id.status().ToString()}});
  }
  const uint64_t next = std::max<uint64_t>(previous + 1, static_cast<uint64_t>(wall_ms));
  RETURN_IF_ERROR(store.WriteIdentity("incarnation=" + std::to_string(next) + "\n"));
  return next;
}

std::string LoopbackIfAny(const std::string& address) {
  const size_t colon = address.rfind(':');
  const std::string host = address.substr(0, colon);
  if (host.empty() || host == "0.0.0.0") return "127.0.0.1" + address.substr(colon);
  return address;
}

// civetweb's listening_ports spelling of "host:port": an empty host (":9464") is every
// interface, which civetweb writes as the bare port.
std::string CivetListenAddress(const std::string& address) {
  return address.starts_with(":") ? address.substr(1) : address;
}

}  // namespace

struct Agent::Impl {
  AgentConfig config;
  std::string launcher;
  EventLoop loop;
  std::unique_ptr<FileStore> store;
  std::unique_ptr<PosixProcessRunner> runner;
  std::unique_ptr<HttpPeerTransport> transport;
  std::unique_ptr<Random> random;
  std::unique_ptr<Supervisor> supervisor;
  std::unique_ptr<RestApi> rest;
  Router api_router;
  Router peer_router;
  std::unique_ptr<HttpServer> api_server;
  std::unique_ptr<HttpServer> peer_server;
  // Metrics (sidecar/metrics.h): one registry for the API and Kubernetes families, plus the
  // collectors the exposer asks on every scrape.
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  std::unique_ptr<ApiMetrics> api_metrics;
  std::unique_ptr<KubeMetrics> kube_metrics;  // at 0 until issue 6 drives them
  std::shared_ptr<AgentCollector> collector;
  std::shared_ptr<ProcessCollector> process_collector = std::make_shared<ProcessCollector>();
  std::unique_ptr<prometheus::Exposer> exposer;
  // REST auth (sidecar/posix/auth_setup.h); null: the API is open. With --metrics-auth,
  // metrics_server serves /metrics behind it instead of the exposer.
  std::unique_ptr<AgentAuth> auth;
  std::unique_ptr<HttpServer> metrics_server;
  // --members auto: the EndpointSlices of the headless Service (k8s/endpoint_membership.h).
  std::unique_ptr<k8s::CppRestKubeClient> kube_client;
  std::unique_ptr<k8s::EndpointMembershipSource> membership_source;
  // Workload custom resources (k8s/workload_operator.h), with --members auto.
  std::unique_ptr<k8s::WorkloadOperator> workload_operator;

  explicit Impl(AgentConfig c) : config(std::move(c)), loop(config.wall_clock_offset_ms) {}

  ~Impl() {
    if (membership_source) membership_source->Stop();  // no membership callback from here on
    if (workload_operator) workload_operator->Stop();  // no watch batch or API answer either
    exposer.reset();                                   // no scrape calls into the loop from here on
    if (metrics_server) metrics_server->Stop();
    if (api_server) api_server->Stop();
    if (auth) auth->Stop();  // no review answer reaches the REST handlers from here on
    if (peer_server) peer_server->Stop();
    loop.Stop();
    workload_operator.reset();  // before the supervisor it observes
    rest.reset();
    supervisor.reset();  // cancels its timers; the loop no longer runs
    runner.reset();      // kills and reaps every child still running
    transport.reset();
    store.reset();
  }

  // The Kubernetes membership source: the ready endpoints of the headless Service. Until this
  // member's own endpoint has appeared there once, it counts itself in (its endpoint turns ready
  // only after it has joined); after that the slices decide, so a member whose endpoint goes
  // away learns of its removal and stops its copies.
  Status CreateMembershipSource() {
    k8s::KubeConfig kc;
    ASSIGN_OR_RETURN(kube_client, k8s::CreateKubeClient(config.kubeconfig, &kc));
    k8s::EndpointMembershipOptions mo;
    mo.namespace_ = config.namespace_.empty() ? kc.namespace_ : config.namespace_;
    if (config.workload_resources) RETURN_IF_ERROR(CreateWorkloadOperator(mo.namespace_));
    mo.service = config.service;
    mo.watch.seed = random->Next();
    KubeMetrics* m = kube_metrics.get();
    const auto r = KubeMetrics::Resource::kEndpointSlices;
    k8s::WatcherHooks hooks;
    hooks.on_watch_restart = [m, r] { m->watch_restarts(r).Increment(); };
    hooks.on_relist = [m, r] { m->relists(r).Increment(); };
    hooks.on_event = [m, r](k8s::WatchEventType t) {
      m->watch_events(r, static_cast<KubeMetrics::Event>(t)).Increment();
    };
    const std::string self = config.name, self_address = config.advertise_address;
    ASSIGN_OR_RETURN(
        membership_source,
        k8s::EndpointMembershipSource::Create(
            *kube_client, mo,
            [this, self, self_address, seen_self = false](const k8s::Members& found) mutable {
              std::map<std::string, std::string> members = found;
              seen_self = seen_self || members.count(self) > 0;
              if (!seen_self) members.emplace(self, self_address);
              LOG_INFO("membership_changed", {{"source", "endpointslices"},
                                              {"members", static_cast<uint64_t>(members.size())}});
              loop.Post([this, members] { supervisor->SetDeclaredMembers(members); });
            },
            hooks));
    return Status::Ok();
  }

  // The Workload operator on the same client and namespace as the membership source.
  Status CreateWorkloadOperator(const std::string& ns) {
    k8s::WorkloadOperatorOptions wo;
    wo.ns = ns;
    wo.seed = random->Next();
    KubeMetrics* m = kube_metrics.get();
    const auto r = KubeMetrics::Resource::kWorkloads;
    wo.hooks.on_watch_restart = [m, r] { m->watch_restarts(r).Increment(); };
    wo.hooks.on_relist = [m, r] { m->relists(r).Increment(); };
    wo.hooks.on_event = [m, r](k8s::WatchEventType t) {
      m->watch_events(r, static_cast<KubeMetrics::Event>(t)).Increment();
    };
    ASSIGN_OR_RETURN(workload_operator,
                     k8s::WorkloadOperator::Create(
                         *kube_client, *supervisor, loop.clock(),
                         [this](std::function<void()> fn) { loop.Post(std::move(fn)); }, wo));
    return Status::Ok();
  }

  void AddPeerRoutes() {
    peer_router.Add("POST", kPeerMessagePath, [this](HttpRequest&& req, Responder respond) {
      loop.Post([this, body = std::move(req.body)] { supervisor->OnPeerMessage(body); });
      respond(HttpResponse{204, {}, {}, {}});
    });
    peer_router.Add("GET", std::string(kPeerLogsPath) + "{name}",
                    [this](HttpRequest&& req, Responder respond) {
                      Result<size_t> tail = ParseTail(req.Query("tail"));
                      if (!tail.ok()) return respond(StatusToErrorResponse(tail.status()));
                      Result<std::string> log = runner->ReadLog(req.Param("name"), *tail);
                      if (!log.ok()) return respond(StatusToErrorResponse(log.status()));
                      respond(HttpResponse{200, {}, std::move(log).value(), "text/plain"});
                    });
  }

  // The AgentCollector's snapshot source: runs TakeMetricsSnapshot on the loop thread and waits
  // for it, at most kMetricsSnapshotTimeout (a wedged loop must not hang scrapes).
  std::optional<MetricsSnapshot> SnapshotOnLoop() {
    struct Slot {
      std::mutex mu;
      std::condition_variable cv;
      std::optional<MetricsSnapshot> value;
    };
    auto slot = std::make_shared<Slot>();
    loop.Post([this, slot] {
      MetricsSnapshot s = TakeMetricsSnapshot(*supervisor, store.get());
      std::lock_guard<std::mutex> lock(slot->mu);
      slot->value = std::move(s);
      slot->cv.notify_all();
    });
    std::unique_lock<std::mutex> lock(slot->mu);
    const bool answered =
        slot->cv.wait_for(lock, kMetricsSnapshotTimeout, [&] { return slot->value.has_value(); });
    if (!answered) {
      LOG_WARNING("metrics_snapshot_timeout",
                  {{"member", config.name},
                   {"timeout_ms", static_cast<uint64_t>(kMetricsSnapshotTimeout.count() * 1000)}});
      return std::nullopt;
    }
    return std::move(slot->value);
  }

  // Serves /metrics on config.metrics_address. Errors: kUnavailable when it cannot listen.
  Status StartMetrics() {
    if (config.metrics_address.empty()) return Status::Ok();
    if (auth && config.metrics_auth) {
      ASSIGN_OR_RETURN(
          metrics_server,
          auth->StartMetricsServer(config.metrics_address, {registry, collector, process_collector},
                                   CountRefused()));
      return Status::Ok();
    }
    try {
      exposer = std::make_unique<prometheus::Exposer>(CivetListenAddress(config.metrics_address),
                                                      /*num_threads=*/2);
    } catch (const std::exception& e) {
      return Status(StatusCode::kUnavailable,
                    "--metrics-address " + config.metrics_address + ": cannot listen: " + e.what());
    }
    exposer->RegisterCollectable(registry);
    exposer->RegisterCollectable(collector);
    exposer->RegisterCollectable(process_collector);
    return Status::Ok();
  }

  // "host:port" /metrics is served on (the bound port, also with port 0), or "off".
  std::string MetricsAddress() const {
    if (metrics_server) return metrics_server->address();
    if (!exposer) return "off";
    std::vector<int> ports = exposer->GetListeningPorts();
    const std::string& a = config.metrics_address;
    return a.substr(0, a.rfind(':') + 1) + (ports.empty() ? "?" : std::to_string(ports.front()));
  }

  // Counts the requests the auth hook refuses, by reason.
  std::function<void(AuthFailure)> CountRefused() {
    return [m = api_metrics.get()](AuthFailure f) { m->CountAuthFailure(AuthFailureName(f)); };
  }

  // RestApi's ForwardLogs: runs on the loop thread.
  void ForwardLogs(const std::string& owner, const std::string& name, size_t tail,
                   Responder respond) {
    const std::string address = supervisor->view().AddressOf(owner);
    if (address.empty()) {
      return respond(ErrorResponse(503, "OwnerUnavailable",
                                   "owner " + owner + " of " + name + " has no known address"));
    }
    transport->Fetch(address, std::string(kPeerLogsPath) + name + "?tail=" + std::to_string(tail),
                     [owner, respond](Result<HttpResponse> r) {
                       if (r.ok()) return respond(std::move(r).value());
                       respond(ErrorResponse(503, "OwnerUnavailable",
                                             "cannot reach owner " + owner + ": " +
                                                 std::string(r.status().message())));
                     });
  }
};

Agent::Agent(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Agent::~Agent() = default;

Result<std::unique_ptr<Agent>> Agent::Create(AgentConfig config, const std::string& binary_dir) {
  if (config.name.empty()) return InvalidArgument("--name is empty", "name");
  if (config.members_auto && config.advertise_address.empty()) {
    // In a pod: the pod IP (downward API) and the peer port.
    const char* pod_ip = std::getenv("POD_IP");
    const std::string port = config.peer_address.substr(config.peer_address.rfind(':') + 1);
    if (pod_ip != nullptr && *pod_ip != '\0') config.advertise_address = pod_ip + (":" + port);
  }
  if (config.data_dir.empty()) config.data_dir = "herd-data/" + config.name;
  if (config.logs_dir.empty()) config.logs_dir = config.data_dir + "/logs";
  if (config.launcher.empty()) config.launcher = binary_dir + "/herd-launch";
  // Who we are to peers: our entry in the static list, else --advertise-address, else the
  // peer listen address (all interfaces -> loopback: a laptop cluster).
  if (config.members.empty()) {
    config.members[config.name] = config.advertise_address.empty()
                                      ? LoopbackIfAny(config.peer_address)
                                      : config.advertise_address;
  }
  auto self = config.members.find(config.name);
  if (self == config.members.end()) {
    return InvalidArgument("--members does not list this member \"" + config.name + "\"",
                           "members");
  }
  if (config.advertise_address.empty()) config.advertise_address = self->second;

  auto impl = std::make_unique<Impl>(std::move(config));
  Impl& a = *impl;
  const AgentConfig& c = a.config;
  ASSIGN_OR_RETURN(a.store, FileStore::Open(c.data_dir));

  PosixRunnerOptions ro;
  ro.launcher_path = c.launcher;
  ro.logs_dir = c.logs_dir;
  ro.run_as_uid = c.run_as_uid;
  ro.allow_root = c.allow_root;
  ro.container.runc_path = c.runc;
  ro.container.images_dir = c.images_dir;
  ro.container.state_dir = c.data_dir + "/containers";
  ASSIGN_OR_RETURN(a.runner, PosixProcessRunner::Create(std::move(ro)));

  PeerTransportOptions po;
  po.ca_file = c.tls_ca;
  po.server_name = c.tls_server_name;
  po.cert_file = c.tls_cert;
  po.key_file = c.tls_key;
  a.transport = std::make_unique<HttpPeerTransport>(po);

  a.random =
      std::make_unique<Random>((uint64_t{std::random_device{}()} << 32) ^ std::random_device{}());
  ASSIGN_OR_RETURN(uint64_t incarnation, NextIncarnation(*a.store, a.loop.clock().WallMillis()));

  SupervisorOptions so;
  so.name = c.name;
  so.address = c.advertise_address;
  so.incarnation = incarnation;
  so.strategy = c.strategy;
  so.active_redistribution = c.active_redistribution;
  so.heartbeat_interval = c.heartbeat_interval;
  so.heartbeat_deadline = c.heartbeat_deadline;
  a.supervisor = std::make_unique<Supervisor>(so, a.loop.clock(), *a.random, *a.runner, *a.store,
                                              *a.transport);
  Supervisor* sup = a.supervisor.get();
  EventLoop* loop = &a.loop;
  a.runner->SetExitCallback([sup, loop](InstanceId id, const ChildExit& exit) {
    loop->Post([sup, id, exit] { sup->OnChildExit(id, exit); });
  });

  RestApiOptions rest_options;
  rest_options.version = std::string(HerdVersion());
  a.rest = std::make_unique<RestApi>(
      rest_options, *a.supervisor, *a.runner,
      [loop](std::function<void()> fn) { loop->Post(std::move(fn)); },
      [impl = &a](const std::string& owner, const std::string& name, size_t tail,
                  Responder respond) { impl->ForwardLogs(owner, name, tail, std::move(respond)); });
  a.rest->Register(a.api_router);
  a.AddPeerRoutes();

  a.api_metrics = std::make_unique<ApiMetrics>(*a.registry);
  a.kube_metrics = std::make_unique<KubeMetrics>(*a.registry);
  if (c.members_auto) RETURN_IF_ERROR(a.CreateMembershipSource());
  AgentCollectorOptions mo;
  mo.version = std::string(HerdVersion());
  mo.snapshot = [impl = &a] { return impl->SnapshotOnLoop(); };
  mo.send_failures = [transport = a.transport.get()] {
    PeerTransportStats s = transport->stats();
    return s.failed + s.dropped;
  };
  a.collector = std::make_shared<AgentCollector>(std::move(mo));

  HttpServerOptions peer;
  peer.name = "peer";
  peer.listen_address = c.peer_address;
  peer.max_body_bytes = kMaxPeerBodyBytes;
  peer.tls = TlsFiles{c.tls_cert, c.tls_key, c.tls_ca};
  a.peer_server = std::make_unique<HttpServer>(peer, a.peer_router.AsHandler());

  HttpServerOptions api;
  api.name = "api";
  api.listen_address = c.api_address;
  api.threads = c.api_threads;
  api.max_body_bytes = c.max_body_bytes;
  api.tls = TlsFiles{c.api_tls_cert, c.api_tls_key, ""};
  ASSIGN_OR_RETURN(a.auth, CreateAgentAuth(c));
  Handler api_handler = a.api_router.AsHandler();
  if (a.auth) {
    api_handler = a.auth->Wrap(std::move(api_handler), AuthScope::kApi, a.CountRefused());
  }
  a.api_server = std::make_unique<HttpServer>(
      api, InstrumentApi(std::move(api_handler), a.api_router, *a.api_metrics,
                         [] { return std::chrono::steady_clock::now(); }));
  return std::unique_ptr<Agent>(new Agent(std::move(impl)));
}

Status Agent::Start() {
  Impl& a = *impl_;
  a.loop.Start();
  Status started;
  a.loop.PostAndWait([&] {
    a.supervisor->SetDeclaredMembers(a.config.members);
    started = a.supervisor->Start();
  });
  RETURN_IF_ERROR(started);
  RETURN_IF_ERROR(a.peer_server->Start());
  RETURN_IF_ERROR(a.api_server->Start());
  WarnIfOpen(a.auth.get(), a.api_server->address());
  RETURN_IF_ERROR(a.StartMetrics());
  if (a.membership_source) RETURN_IF_ERROR(a.membership_source->Start());
  if (a.workload_operator) RETURN_IF_ERROR(a.workload_operator->Start());
  LOG_INFO("agent_started", {{"member", a.config.name},
                             {"version", HerdVersion()},
                             {"api", a.api_server->address()},
                             {"peer", a.peer_server->address()},
                             {"metrics", a.MetricsAddress()},
                             {"advertise", a.config.advertise_address},
                             {"members", static_cast<uint64_t>(a.config.members.size())},
                             {"strategy", StrategyKindName(a.config.strategy)},
                             {"data_dir", a.config.data_dir}});
  return Status::Ok();
}

void Agent::BeginShutdown(std::function<void()> done) {
  impl_->loop.Post(
      [this, done = std::move(done)] { impl_->supervisor->BeginShutdown(std::move(done)); });
}

void Agent::KillNow() { impl_->runner->KillAll(); }

int Agent::api_port() const { return impl_->api_server->port(); }
int Agent::peer_port() const { return impl_->peer_server->port(); }
int Agent::metrics_port() const {
  if (impl_->metrics_server) return impl_->metrics_server->port();
  if (!impl_->exposer) return 0;
  std::vector<int> ports = impl_->exposer->GetListeningPorts();
  return ports.empty() ? 0 : ports.front();
}

}  // namespace herd::sidecar
