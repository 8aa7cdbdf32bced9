#include "sidecar/posix/auth_setup.h"

#include <prometheus/text_serializer.h>
#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>

#include "common/log.h"
#include "k8s/cpprest_kube_client.h"
#include "sidecar/auth_kube.h"

namespace herd::sidecar {
namespace {

constexpr int kReviewThreads = 2;
constexpr size_t kMaxQueuedReviews = 1024;

Clock::TimePoint SteadyNow() { return std::chrono::steady_clock::now(); }

bool IsLoopbackHost(const std::string& address) {
  const size_t colon = address.rfind(':');
  std::string host = colon == std::string::npos ? address : address.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

}  // namespace

Result<FileStamp> PosixTokenFile::Stat() {
  struct stat st {};
  if (::stat(path_.c_str(), &st) != 0) {
    return InvalidArgument(path_ + ": cannot stat: " + std::strerror(errno), "auth-token-file");
  }
  FileStamp s;
  s.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
  s.size = static_cast<uint64_t>(st.st_size);
  s.inode = static_cast<uint64_t>(st.st_ino);
  return s;
}

Result<std::string> PosixTokenFile::Read() {
  std::ifstream in(path_, std::ios::binary);
  if (!in) {
    return InvalidArgument(path_ + ": cannot read: " + std::strerror(errno), "auth-token-file");
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

BlockingWorkers::BlockingWorkers(int threads, size_t max_queued) : max_queued_(max_queued) {
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { Loop(); });
}

BlockingWorkers::~BlockingWorkers() { Stop(); }

bool BlockingWorkers::Run(std::function<void()> fn) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ || queue_.size() >= max_queued_) return false;
    queue_.push_back(std::move(fn));
  }
  wake_.notify_one();
  return true;
}

void BlockingWorkers::Stop() {
  std::deque<std::function<void()>> dropped;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    dropped.swap(queue_);
  }
  wake_.notify_all();
  for (std::thread& t : threads_) {
    if (t.joinable()) t.join();
  }
  // `dropped` goes out of scope here, outside the lock: dropping a queued review drops its
  // Responder, which answers 500 by itself.
}

void BlockingWorkers::Loop() {
  while (true) {
    std::function<void()> fn;
    {
      std::unique_lock<std::mutex> lock(mu_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      fn = std::move(queue_.front());
      queue_.pop_front();
    }
    fn();
  }
}

AgentAuth::~AgentAuth() { Stop(); }

void AgentAuth::Stop() {
  if (workers_) workers_->Stop();
}

Handler AgentAuth::Wrap(Handler inner, AuthScope scope,
                        std::function<void(AuthFailure)> on_refused) {
  RequireAuthOptions o;
  o.scope = scope;
  o.authenticator = authenticator_;
  o.authorizer = authorizer_;
  o.on_refused = std::move(on_refused);
  return RequireAuth(std::move(inner), std::move(o));
}

Result<std::unique_ptr<HttpServer>> AgentAuth::StartMetricsServer(
    const std::string& address, std::vector<std::shared_ptr<prometheus::Collectable>> collectables,
    std::function<void(AuthFailure)> on_refused) {
  metrics_router_ = std::make_unique<Router>();
  metrics_router_->Add("GET", "/metrics", [collectables](HttpRequest&&, Responder respond) {
    std::vector<prometheus::MetricFamily> families;
    for (const auto& c : collectables) {
      std::vector<prometheus::MetricFamily> more = c->Collect();
      families.insert(families.end(), std::make_move_iterator(more.begin()),
                      std::make_move_iterator(more.end()));
    }
    HttpResponse r;
    r.body = prometheus::TextSerializer().Serialize(families);
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    respond(std::move(r));
  });
  HttpServerOptions o;
  o.name = "metrics";
  o.listen_address = address;
  o.threads = 2;  // a scrape waits for the event loop's snapshot
  auto server = std::make_unique<HttpServer>(
      o, Wrap(metrics_router_->AsHandler(), AuthScope::kMetrics, std::move(on_refused)));
  RETURN_IF_ERROR(server->Start());
  return server;
}

Result<std::unique_ptr<AgentAuth>> CreateAgentAuth(const AgentConfig& config) {
  if (config.auth_token_file.empty() && !config.auth_tokenreview) {
    return std::unique_ptr<AgentAuth>();
  }
  auto auth = std::unique_ptr<AgentAuth>(new AgentAuth());
  if (!config.auth_token_file.empty()) {
    ASSIGN_OR_RETURN(
        std::unique_ptr<StaticTokens> tokens,
        StaticTokens::Create(std::make_unique<PosixTokenFile>(config.auth_token_file), SteadyNow));
    LOG_INFO("api_auth", {{"mode", "token-file"},
                          {"path", config.auth_token_file},
                          {"tokens", tokens->size()},
                          {"metrics_auth", config.metrics_auth}});
    auth->mode_ = "token-file";
    auth->authenticator_owned_ = std::move(tokens);
    auth->authorizer_owned_ = std::make_unique<GroupAuthorizer>();
    auth->authenticator_ = auth->authenticator_owned_.get();
    auth->authorizer_ = auth->authorizer_owned_.get();
    return auth;
  }
  k8s::KubeConfig kc;
  ASSIGN_OR_RETURN(auth->kube_client_, k8s::CreateKubeClient(config.kubeconfig, &kc));
  KubeReviewOptions ko;
  ko.namespace_ = config.namespace_.empty() ? kc.namespace_ : config.namespace_;
  auth->workers_ = std::make_unique<BlockingWorkers>(kReviewThreads, kMaxQueuedReviews);
  BlockingWorkers* workers = auth->workers_.get();
  auto reviews = std::make_unique<KubeReviewAuth>(
      ko, *auth->kube_client_,
      [workers](std::function<void()> fn) { return workers->Run(std::move(fn)); }, SteadyNow);
  LOG_INFO("api_auth", {{"mode", "tokenreview"},
                        {"namespace", ko.namespace_},
                        {"metrics_auth", config.metrics_auth}});
  auth->mode_ = "tokenreview";
  auth->authenticator_ = reviews.get();
  auth->authorizer_ = reviews.get();
  auth->authenticator_owned_ = std::move(reviews);
  return auth;
}

void WarnIfOpen(const AgentAuth* auth, const std::string& api_address) {
  if (auth != nullptr || IsLoopbackHost(api_address)) return;
  LOG_WARNING("api_without_auth", {{"api", api_address},
                                   {"hint",
                                    "anyone who reaches this address can change workloads: set "
                                    "--auth-token-file or --auth-tokenreview"}});
}

}  // namespace herd::sidecar
