// RestApi: the REST API of SPEC.md section 4, between the HTTP Router and the Supervisor.
//
// It registers every route on a Router, parses queries and bodies, calls the Supervisor, and
// writes the JSON objects (sidecar/object_json.h) and SPEC.md's errors
// ({"error": {"code", "message", "field"}}, mapped by StatusToErrorResponse). No sockets and
// no threads of its own.
//
// Threading. Handlers run on the HTTP server's threads; the Supervisor is single-threaded.
// Each handler first parses and validates the request on the server thread (so the event loop
// only does the cheap part and a bad request never reaches it), then hands a closure to `post`,
// which must run it on the Supervisor's thread (the agent's event loop; in tests, a queue the
// test drains). Every Supervisor call (including Get, List, Count, Members, ready()) happens
// inside such a closure or in a Supervisor reply, which also runs on that thread; the response
// is built there and handed to the Responder, which may be called from any thread. If `post`
// drops a closure (the loop is stopping), the Responder answers 500 by itself (http.h).
// /healthz and /version answer on the server thread without touching the Supervisor.
//
// Ownership. RestApi keeps references to the Supervisor and the ProcessRunner; all three, and
// the Router it registered on, must outlive the HTTP server and every closure still queued on
// the event loop.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>

#include "sidecar/http.h"
#include "sidecar/http_router.h"
#include "sidecar/process_runner.h"
#include "sidecar/supervisor.h"

namespace herd::sidecar {

struct RestApiOptions {
  std::string version;       // build version, reported by /v1/status and /version
  size_t max_limit = 10000;  // largest ?limit=, and the page size when none is given
  std::chrono::seconds max_quorum_wait{300};
};

class RestApi {
 public:
  // Runs a closure on the Supervisor's thread, later or at once, exactly once (or drops it
  // when shutting down). May be called from any thread.
  using Post = std::function<void(std::function<void()>)>;
  // Fetches logs from another member (the owner) when this member does not own the workload.
  // The agent implements it over the peer port; tests pass a fake. Called on the Supervisor's
  // thread; must answer `respond` exactly once, from any thread (text/plain on success, an
  // error response such as 503 OwnerUnavailable otherwise).
  using ForwardLogs = std::function<void(const std::string& owner_member, const std::string& name,
                                         size_t tail, Responder respond)>;

  RestApi(RestApiOptions options, Supervisor& supervisor, ProcessRunner& runner, Post post,
          ForwardLogs forward_logs);
  RestApi(const RestApi&) = delete;
  RestApi& operator=(const RestApi&) = delete;

  // Adds every route of SPEC.md section 4 except /metrics (served on its own port):
  //   POST /v1/workloads, PUT|GET|DELETE /v1/workloads/{name}, GET /v1/workloads,
  //   GET /v1/workloads/{name}/logs, GET /v1/children, GET /v1/children/count,
  //   GET|PUT /v1/members, GET /v1/quorum, POST /v1/rebalance, GET /v1/status,
  //   GET /version, GET /healthz, GET /readyz.
  // Call once, before serving.
  void Register(Router& router);

 private:
  // rest_api_workloads.cc
  void ApplyWorkloads(HttpRequest&& req, Responder respond);
  void PutWorkload(HttpRequest&& req, Responder respond);
  void ListWorkloads(HttpRequest&& req, Responder respond);
  void GetWorkload(HttpRequest&& req, Responder respond);
  void DeleteWorkload(HttpRequest&& req, Responder respond);
  void WorkloadLogs(HttpRequest&& req, Responder respond);
  void ListChildren(HttpRequest&& req, Responder respond);
  void CountChildren(HttpRequest&& req, Responder respond);
  // Runs the Apply for already parsed requests and answers ApplyResult.
  void RunApply(std::vector<ApplyRequest> requests, Responder respond);

  // rest_api.cc
  void GetMembers(HttpRequest&& req, Responder respond);
  void PutMembers(HttpRequest&& req, Responder respond);
  void GetQuorum(HttpRequest&& req, Responder respond);
  void PostRebalance(HttpRequest&& req, Responder respond);
  void GetStatus(HttpRequest&& req, Responder respond);
  void GetReadyz(HttpRequest&& req, Responder respond);
  // The member list as GET /v1/members answers it; on the Supervisor's thread.
  HttpResponse MemberList() const;

  RestApiOptions options_;
  Supervisor& supervisor_;
  ProcessRunner& runner_;
  Post post_;
  ForwardLogs forward_logs_;
};

}  // namespace herd::sidecar
