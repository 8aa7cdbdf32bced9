// The fake API server: blocking Beast reads and writes, one thread per connection. Simple on
// purpose: it is test code, and a watch stream is a loop that writes chunks by hand.
#include "tests/testing/fake_kube_server.h"

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "sidecar/http.h"
#include "tests/testing/fake_kube_reviews.h"

namespace herd::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

json StatusBody(int code, const std::string& reason, const std::string& message) {
  return {{"kind", "Status"},    {"apiVersion", "v1"}, {"metadata", json::object()},
          {"status", "Failure"}, {"message", message}, {"reason", reason},
          {"code", code}};
}

std::pair<int, std::string> HttpOf(const Status& s) {
  switch (s.code()) {
    case StatusCode::kNotFound:
      return {404, "NotFound"};
    case StatusCode::kAlreadyExists:
      return {409, "AlreadyExists"};
    case StatusCode::kFailedPrecondition:
      return {409, "Conflict"};
    case StatusCode::kAborted:
      return {410, "Expired"};
    case StatusCode::kInvalidArgument:
      return {400, "BadRequest"};
    default:
      return {500, "InternalError"};
  }
}

std::string KindOf(const std::string& resource) {
  static const std::map<std::string, std::string> kKinds = {
      {"endpointslices", "EndpointSlice"}, {"workloads", "Workload"}, {"pods", "Pod"}};
  std::string plural = resource.substr(resource.rfind('/') + 1);
  auto it = kKinds.find(plural);
  return it == kKinds.end() ? "Object" : it->second;
}

std::string ApiVersionOf(const std::string& resource) {
  return resource.substr(0, resource.rfind('/'));
}

}  // namespace

struct FakeKubeServer::Impl : std::enable_shared_from_this<Impl> {
  FakeKubeServerOptions options;
  FakeKubeStore store;
  FakeKubeReviews reviews;  // TokenReview and SubjectAccessReview (issue 9)
  asio::io_context io;
  tcp::acceptor acceptor{io};
  std::thread accept_thread;
  int port = 0;

  std::mutex mu;  // guards the fields below
  std::string token;
  std::map<uint64_t, std::shared_ptr<tcp::socket>> sockets;
  std::map<uint64_t, std::thread> threads;  // by connection id
  std::vector<uint64_t> finished;           // connections whose thread is ending
  uint64_t next_socket = 0;
  int fail_next = 0;
  int fail_status = 500;
  std::chrono::milliseconds delay{0};
  FakeKubeStats stats;

  std::atomic<bool> stopping{false};
  std::atomic<bool> stall{false};
  std::atomic<uint64_t> drop_generation{0};
  std::atomic<uint64_t> bookmark_generation{0};

  explicit Impl(FakeKubeServerOptions o)
      : options(std::move(o)), store(options.history_limit), token(options.token) {}

  void AcceptLoop();
  void Serve(uint64_t id, std::shared_ptr<tcp::socket> socket);
  // Returns false when the connection must close.
  bool Handle(tcp::socket& socket, http::request<http::string_body>& req);
  bool Reply(tcp::socket& socket, int status, const json& body, bool keep_alive);
  bool Stream(tcp::socket& socket, const KubeRef& ref, const sidecar::HttpRequest& r);
  // The /fake/... control endpoints a test process uses (no token needed).
  bool Control(tcp::socket& socket, const sidecar::HttpRequest& r, const std::string& body,
               bool keep);
};

FakeKubeServer::FakeKubeServer(FakeKubeServerOptions options)
    : impl_(std::make_shared<Impl>(std::move(options))) {}

FakeKubeServer::~FakeKubeServer() { Stop(); }

Status FakeKubeServer::Start() {
  if (impl_->port != 0) return FailedPrecondition("fake kube server already started");
  const std::string& a = impl_->options.listen_address;
  size_t colon = a.rfind(':');
  if (colon == std::string::npos) return InvalidArgument("listen_address needs host:port");
  boost::system::error_code ec;
  auto ip = asio::ip::make_address(a.substr(0, colon), ec);
  if (ec) return InvalidArgument("bad listen host in " + a, "listen_address");
  int port = 0;
  try {
    port = std::stoi(a.substr(colon + 1));
  } catch (const std::exception&) {
    return InvalidArgument("bad listen port in " + a, "listen_address");
  }
  tcp::endpoint endpoint(ip, static_cast<uint16_t>(port));
  impl_->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl_->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl_->acceptor.bind(endpoint, ec);
  if (!ec) impl_->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Unavailable("cannot listen on " + a + ": " + ec.message());
  impl_->port = impl_->acceptor.local_endpoint().port();
  impl_->accept_thread = std::thread([impl = impl_] { impl->AcceptLoop(); });
  return Status::Ok();
}

void FakeKubeServer::Stop() {
  if (impl_->stopping.exchange(true) || impl_->port == 0) return;
  // Wake the blocking accept with a connection of our own, then close everything.
  {
    boost::system::error_code ec;
    tcp::socket wake(impl_->io);
    wake.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), impl_->port), ec);
  }
  if (impl_->accept_thread.joinable()) impl_->accept_thread.join();
  impl_->store.Notify();
  std::map<uint64_t, std::thread> threads;
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    for (auto& [id, s] : impl_->sockets) {
      boost::system::error_code ec;
      s->shutdown(tcp::socket::shutdown_both, ec);
    }
    threads.swap(impl_->threads);
  }
  for (auto& [id, t] : threads) t.join();
  boost::system::error_code ec;
  impl_->acceptor.close(ec);
}

int FakeKubeServer::port() const { return impl_->port; }
std::string FakeKubeServer::base_url() const {
  return "http://127.0.0.1:" + std::to_string(impl_->port);
}
FakeKubeStore& FakeKubeServer::store() { return impl_->store; }

void FakeKubeServer::DropStreams() {
  ++impl_->drop_generation;
  impl_->store.Notify();
}
void FakeKubeServer::FailNextRequests(int n, int http_status) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->fail_next = n;
  impl_->fail_status = http_status;
}
void FakeKubeServer::SetDelay(std::chrono::milliseconds delay) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->delay = delay;
}
void FakeKubeServer::SetStallStreams(bool stall) {
  impl_->stall = stall;
  impl_->store.Notify();
}
void FakeKubeServer::Compact() { impl_->store.Compact(); }
void FakeKubeServer::SendBookmarks() {
  ++impl_->bookmark_generation;
  impl_->store.Notify();
}
void FakeKubeServer::SetToken(std::string token) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->token = std::move(token);
}
FakeKubeStats FakeKubeServer::Stats() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->stats;
}

void FakeKubeServer::Impl::AcceptLoop() {
  while (!stopping) {
    auto socket = std::make_shared<tcp::socket>(io);
    boost::system::error_code ec;
    acceptor.accept(*socket, ec);
    if (stopping) break;
    if (ec) continue;
    socket->set_option(tcp::no_delay(true), ec);
    std::vector<std::thread> done;
    {
      std::lock_guard<std::mutex> lock(mu);
      // Reap the threads of closed connections (a long e2e run opens many watches).
      for (uint64_t old : finished) {
        auto it = threads.find(old);
        if (it == threads.end()) continue;
        done.push_back(std::move(it->second));
        threads.erase(it);
      }
      finished.clear();
      uint64_t id = next_socket++;
      sockets[id] = socket;
      threads.emplace(
          id, std::thread([self = shared_from_this(), id, socket] { self->Serve(id, socket); }));
    }
    for (auto& t : done) t.join();
  }
}

void FakeKubeServer::Impl::Serve(uint64_t id, std::shared_ptr<tcp::socket> socket) {
  beast::flat_buffer buffer;
  while (!stopping) {
    http::request<http::string_body> req;
    boost::system::error_code ec;
    http::read(*socket, buffer, req, ec);
    if (ec) break;
    if (!Handle(*socket, req)) break;
  }
  boost::system::error_code ec;
  socket->shutdown(tcp::socket::shutdown_both, ec);
  std::lock_guard<std::mutex> lock(mu);
  sockets.erase(id);
  finished.push_back(id);
}

bool FakeKubeServer::Impl::Reply(tcp::socket& socket, int status, const json& body,
                                 bool keep_alive) {
  http::response<http::string_body> res{static_cast<http::status>(status), 11};
  res.set(http::field::content_type, "application/json");
  res.keep_alive(keep_alive);
  res.body() = body.dump();
  res.prepare_payload();
  boost::system::error_code ec;
  http::write(socket, res, ec);
  return !ec && keep_alive;
}

bool FakeKubeServer::Impl::Handle(tcp::socket& socket, http::request<http::string_body>& req) {
  sidecar::HttpRequest r;
  r.method = std::string(req.method_string());
  r.SetTarget(std::string(req.target()));
  bool keep = req.keep_alive();
  if (r.path.rfind("/fake/", 0) == 0) return Control(socket, r, req.body(), keep);
  std::chrono::milliseconds wait{0};
  {
    std::lock_guard<std::mutex> lock(mu);
    ++stats.requests;
    std::string auth(req[http::field::authorization]);
    if (!token.empty() && auth != "Bearer " + token) {
      ++stats.unauthorized;
      return Reply(socket, 401, StatusBody(401, "Unauthorized", "Unauthorized"), keep);
    }
    if (fail_next > 0) {
      --fail_next;
      ++stats.injected_failures;
      return Reply(socket, fail_status,
                   StatusBody(fail_status, "InternalError", "injected failure"), keep);
    }
    wait = delay;
  }
  if (wait.count() > 0) std::this_thread::sleep_for(wait);  // the "slow responses" fault
  if (auto review = reviews.Handle(r.method, r.path, req.body())) {
    return Reply(socket, review->first, review->second, keep);
  }

  Result<KubeRef> ref = ParseKubePath(r.path);
  if (!ref.ok())
    return Reply(socket, 404, StatusBody(404, "NotFound", ref.status().message()), keep);
  auto fail = [&](const Status& s) {
    auto [code, reason] = HttpOf(s);
    if (code == 410) {
      std::lock_guard<std::mutex> lock(mu);
      ++stats.gone;
    }
    return Reply(socket, code, StatusBody(code, reason, s.message()), keep);
  };
  json body;
  if (!req.body().empty()) {
    body = json::parse(req.body(), nullptr, /*allow_exceptions=*/false);
    if (body.is_discarded()) return fail(InvalidArgument("request body is not JSON"));
  }
  const std::string& m = r.method;
  if (ref->name.empty()) {
    if (m == "POST") {
      Result<json> created = store.Create(*ref, body);
      return created.ok() ? Reply(socket, 201, *created, keep) : fail(created.status());
    }
    if (m != "GET") return fail(InvalidArgument("method " + m + " not allowed on a collection"));
    std::string watch(r.Query("watch").value_or(""));
    if (watch == "1" || watch == "true") {
      {
        std::lock_guard<std::mutex> lock(mu);
        ++stats.watches;
      }
      return Stream(socket, *ref, r);
    }
    {
      std::lock_guard<std::mutex> lock(mu);
      ++stats.lists;
    }
    Result<LabelSelector> selector = LabelSelector::Parse(r.Query("labelSelector").value_or(""));
    if (!selector.ok()) return fail(selector.status());
    int64_t limit = 0;
    if (auto l = r.Query("limit")) {
      try {
        limit = std::stoll(std::string(*l));
      } catch (const std::exception&) {
        return fail(InvalidArgument("limit must be an integer"));
      }
    }
    Result<KubeListPage> page =
        store.List(*ref, *selector, limit, std::string(r.Query("continue").value_or("")));
    if (!page.ok()) return fail(page.status());
    json list = {{"kind", KindOf(ref->resource) + "List"},
                 {"apiVersion", ApiVersionOf(ref->resource)},
                 {"metadata", {{"resourceVersion", std::to_string(page->rv)}}},
                 {"items", page->items}};
    if (!page->continue_token.empty()) list["metadata"]["continue"] = page->continue_token;
    return Reply(socket, 200, list, keep);
  }
  Result<json> out = Status(StatusCode::kUnimplemented, "");
  if (m == "GET") {
    out = store.Get(*ref);
  } else if (m == "PUT") {
    out = store.Update(*ref, body);
  } else if (m == "PATCH") {
    std::string type(req[http::field::content_type]);
    if (type.rfind("application/merge-patch+json", 0) != 0) {
      return Reply(socket, 415,
                   StatusBody(415, "UnsupportedMediaType", "only merge patches: " + type), keep);
    }
    out = store.Patch(*ref, body);
  } else if (m == "DELETE") {
    out = store.Delete(*ref);
  } else {
    return fail(InvalidArgument("method " + m + " not allowed"));
  }
  return out.ok() ? Reply(socket, 200, *out, keep) : fail(out.status());
}

bool FakeKubeServer::Impl::Control(tcp::socket& socket, const sidecar::HttpRequest& r,
                                   const std::string& body, bool keep) {
  auto number = [&](const char* key, int64_t fallback) -> int64_t {
    auto v = r.Query(key);
    if (!v) return fallback;
    try {
      return std::stoll(std::string(*v));
    } catch (const std::exception&) {
      return fallback;
    }
  };
  const std::string& p = r.path;
  if (auto review = reviews.Control(r)) return Reply(socket, review->first, review->second, keep);
  if (p == "/fake/drop") {
    ++drop_generation;
    store.Notify();
  } else if (p == "/fake/fail") {
    std::lock_guard<std::mutex> lock(mu);
    fail_next = static_cast<int>(number("n", 1));
    fail_status = static_cast<int>(number("status", 500));
  } else if (p == "/fake/delay") {
    std::lock_guard<std::mutex> lock(mu);
    delay = std::chrono::milliseconds(number("ms", 0));
  } else if (p == "/fake/stall") {
    stall = number("on", 1) != 0;
    store.Notify();
  } else if (p == "/fake/compact") {
    store.Compact();
  } else if (p == "/fake/bookmark") {
    ++bookmark_generation;
    store.Notify();
  } else if (p == "/fake/apply" || p == "/fake/remove") {
    std::string path(r.Query("path").value_or(""));
    if (p == "/fake/remove") {
      Status s = store.Remove(path);
      if (!s.ok()) return Reply(socket, 404, StatusBody(404, "NotFound", s.message()), keep);
      return Reply(socket, 200, json::object(), keep);
    }
    json object = json::parse(body, nullptr, /*allow_exceptions=*/false);
    Result<json> out = store.Apply(path, object);
    if (!out.ok())
      return Reply(socket, 400, StatusBody(400, "BadRequest", out.status().message()), keep);
    return Reply(socket, 200, *out, keep);
  } else {
    return Reply(socket, 404, StatusBody(404, "NotFound", "unknown control " + p), keep);
  }
  return Reply(socket, 200, json::object(), keep);
}

namespace {

bool WriteChunk(tcp::socket& socket, const std::string& data) {
  char size[32];
  int n = snprintf(size, sizeof size, "%zx\r\n", data.size());
  std::string chunk(size, n);
  chunk += data;
  chunk += "\r\n";
  boost::system::error_code ec;
  asio::write(socket, asio::buffer(chunk), ec);
  return !ec;
}

std::string EventLine(const std::string& type, const json& object) {
  return json{{"type", type}, {"object", object}}.dump() + "\n";
}

}  // namespace

bool FakeKubeServer::Impl::Stream(tcp::socket& socket, const KubeRef& ref,
                                  const sidecar::HttpRequest& r) {
  Result<LabelSelector> selector = LabelSelector::Parse(r.Query("labelSelector").value_or(""));
  if (!selector.ok()) {
    return Reply(socket, 400, StatusBody(400, "BadRequest", selector.status().message()), false);
  }
  std::string rv_text(r.Query("resourceVersion").value_or(""));
  int64_t cursor = 0;
  if (!rv_text.empty()) {
    try {
      cursor = std::stoll(rv_text);
    } catch (const std::exception&) {
      return Reply(socket, 400, StatusBody(400, "BadRequest", "bad resourceVersion"), false);
    }
  }
  std::string bookmarks(r.Query("allowWatchBookmarks").value_or(""));
  bool allow_bookmarks = bookmarks == "true" || bookmarks == "1";
  int64_t timeout_s = 1800;
  if (auto t = r.Query("timeoutSeconds")) {
    try {
      timeout_s = std::stoll(std::string(*t));
    } catch (const std::exception&) {
      return Reply(socket, 400, StatusBody(400, "BadRequest", "bad timeoutSeconds"), false);
    }
  }
  const std::string head =
      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
      "Connection: close\r\n\r\n";
  boost::system::error_code ec;
  asio::write(socket, asio::buffer(head), ec);
  if (ec) return false;

  struct OpenStream {
    Impl* impl;
    explicit OpenStream(Impl* i) : impl(i) {
      std::lock_guard<std::mutex> lock(impl->mu);
      ++impl->stats.open_streams;
    }
    ~OpenStream() {
      std::lock_guard<std::mutex> lock(impl->mu);
      --impl->stats.open_streams;
    }
  } open(this);

  uint64_t drops = drop_generation.load();
  uint64_t bookmark_seen = bookmark_generation.load();
  const std::string kind = KindOf(ref.resource);
  const std::string api_version = ApiVersionOf(ref.resource);
  if (cursor == 0) {
    // No version: the current state as ADDED events, then the changes after it.
    Result<KubeListPage> page = store.List(ref, *selector, 0, "");
    if (!page.ok()) return false;
    for (const json& item : page->items) {
      if (!WriteChunk(socket, EventLine("ADDED", item))) return false;
    }
    cursor = page->rv;
  }
  auto deadline = Clock::now() + std::chrono::seconds(timeout_s);
  auto next_bookmark = Clock::now() + options.bookmark_interval;
  while (true) {
    if (stopping || drop_generation.load() != drops) return false;  // cut, no clean end
    int64_t seen = cursor;
    if (stall) seen = store.resource_version();  // silent: wait for news, not for the backlog
    if (!stall) {
      int64_t now_rv = store.resource_version();
      Result<std::vector<KubeHistoryEvent>> events = store.EventsAfter(cursor);
      if (!events.ok()) {
        {
          std::lock_guard<std::mutex> lock(mu);
          ++stats.gone;
        }
        WriteChunk(socket,
                   EventLine("ERROR", StatusBody(410, "Expired", events.status().message())));
        WriteChunk(socket, "");
        return false;
      }
      for (const KubeHistoryEvent& e : *events) {
        cursor = std::max(cursor, e.rv);
        if (e.resource != ref.resource || (!ref.ns.empty() && e.ns != ref.ns)) continue;
        bool now_matches = e.type != "DELETED" && selector->Matches(e.object);
        bool before = !e.previous.is_null() && selector->Matches(e.previous);
        std::string type;
        if (e.type == "ADDED") {
          type = now_matches ? "ADDED" : "";
        } else if (e.type == "MODIFIED") {
          type = now_matches ? (before ? "MODIFIED" : "ADDED") : (before ? "DELETED" : "");
        } else {
          type = before ? "DELETED" : "";
        }
        if (!type.empty() && !WriteChunk(socket, EventLine(type, e.object))) return false;
      }
      cursor = std::max(cursor, now_rv);  // every event up to now_rv was in `events`
      seen = cursor;
      bool interval_due = options.bookmark_interval.count() > 0 && Clock::now() >= next_bookmark;
      if (allow_bookmarks && (bookmark_generation.load() != bookmark_seen || interval_due)) {
        bookmark_seen = bookmark_generation.load();
        next_bookmark = Clock::now() + options.bookmark_interval;
        json mark = {{"kind", kind},
                     {"apiVersion", api_version},
                     {"metadata", {{"resourceVersion", std::to_string(cursor)}}}};
        if (!WriteChunk(socket, EventLine("BOOKMARK", mark))) return false;
      }
    }
    auto now = Clock::now();
    if (now >= deadline && !stall) {  // a stalled stream does not even end
      WriteChunk(socket, "");         // the clean end of a chunked body
      return false;
    }
    auto wake = std::min(deadline, now + std::chrono::milliseconds(200));
    if (options.bookmark_interval.count() > 0) wake = std::min(wake, next_bookmark);
    store.WaitForChange(seen, wake);
  }
}

}  // namespace herd::testing
