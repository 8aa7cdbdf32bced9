// RestApi: route registration, members, quorum, rebalance, status and the probes. The workload
// and children routes are in rest_api_workloads.cc.
#include "sidecar/rest_api.h"

#include <map>
#include <memory>

#include "sidecar/object_json.h"
#include "sidecar/rest_api_parse.h"
#include "sidecar/rest_api_util.h"

namespace herd::sidecar {

using rest::Error;
using rest::Json;
using rest::Text;

RestApi::RestApi(RestApiOptions options, Supervisor& supervisor, ProcessRunner& runner, Post post,
                 ForwardLogs forward_logs)
    : options_(std::move(options)),
      supervisor_(supervisor),
      runner_(runner),
      post_(std::move(post)),
      forward_logs_(std::move(forward_logs)) {}

void RestApi::Register(Router& router) {
  auto bind = [this](void (RestApi::*method)(HttpRequest&&, Responder)) -> Handler {
    return [this, method](HttpRequest&& req, Responder respond) {
      (this->*method)(std::move(req), std::move(respond));
    };
  };
  router.Add("POST", "/v1/workloads", bind(&RestApi::ApplyWorkloads));
  router.Add("GET", "/v1/workloads", bind(&RestApi::ListWorkloads));
  router.Add("PUT", "/v1/workloads/{name}", bind(&RestApi::PutWorkload));
  router.Add("GET", "/v1/workloads/{name}", bind(&RestApi::GetWorkload));
  router.Add("DELETE", "/v1/workloads/{name}", bind(&RestApi::DeleteWorkload));
  router.Add("GET", "/v1/workloads/{name}/logs", bind(&RestApi::WorkloadLogs));
  router.Add("GET", "/v1/children", bind(&RestApi::ListChildren));
  router.Add("GET", "/v1/children/count", bind(&RestApi::CountChildren));
  router.Add("GET", "/v1/members", bind(&RestApi::GetMembers));
  router.Add("PUT", "/v1/members", bind(&RestApi::PutMembers));
  router.Add("GET", "/v1/quorum", bind(&RestApi::GetQuorum));
  router.Add("POST", "/v1/rebalance", bind(&RestApi::PostRebalance));
  router.Add("GET", "/v1/status", bind(&RestApi::GetStatus));
  router.Add("GET", "/readyz", bind(&RestApi::GetReadyz));
  // Liveness and version need nothing from the Supervisor: answered on the server thread.
  router.Add("GET", "/healthz",
             [](HttpRequest&&, Responder respond) { respond(Text(200, "ok\n")); });
  router.Add("GET", "/version", [this](HttpRequest&&, Responder respond) {
    respond(Json(200, {{"version", options_.version}}));
  });
}

HttpResponse RestApi::MemberList() const {
  nlohmann::json items = nlohmann::json::array();
  for (const MemberInfo& m : supervisor_.Members()) items.push_back(MemberObject(m));
  return Json(200, {{"kind", "MemberList"},
                    {"self", supervisor_.name()},
                    {"quorum", supervisor_.HasQuorum()},
                    {"items", std::move(items)}});
}

void RestApi::GetMembers(HttpRequest&&, Responder respond) {
  post_([this, respond = std::move(respond)] { respond(MemberList()); });
}

void RestApi::PutMembers(HttpRequest&& req, Responder respond) {
  Result<std::map<std::string, std::string>> members = ParseMembersBody(req.body);
  if (!members.ok()) return respond(Error(members.status()));
  post_([this, members = std::move(members).value(), respond = std::move(respond)]() mutable {
    supervisor_.SetMembers(members, [this, respond = std::move(respond)](Result<bool> r) {
      if (!r.ok()) return respond(Error(r.status()));
      respond(MemberList());
    });
  });
}

void RestApi::GetQuorum(HttpRequest&& req, Responder respond) {
  Result<std::optional<std::chrono::milliseconds>> wait =
      ParseWait(req.Query("wait"), options_.max_quorum_wait);
  if (!wait.ok()) return respond(Error(wait.status()));
  post_([this, wait = *wait, respond = std::move(respond)]() mutable {
    if (!wait) return respond(Json(200, {{"quorum", supervisor_.HasQuorum()}}));
    supervisor_.WaitForQuorum(*wait, [respond = std::move(respond)](Result<bool> r) {
      if (r.ok()) return respond(Json(200, {{"quorum", true}}));
      // The wait ran out: that is the service being unavailable (503 NoQuorum), not a gateway
      // timeout.
      if (r.status().code() == StatusCode::kDeadlineExceeded) {
        return respond(Error(Status(StatusCode::kUnavailable, r.status().message())));
      }
      respond(Error(r.status()));
    });
  });
}

void RestApi::PostRebalance(HttpRequest&&, Responder respond) {
  post_([this, respond = std::move(respond)]() mutable {
    supervisor_.Rebalance([respond = std::move(respond)](Result<bool> r) {
      if (!r.ok()) return respond(Error(r.status()));
      respond(Json(202, {{"kind", "RebalanceResult"}, {"result", "started"}}));
    });
  });
}

void RestApi::GetStatus(HttpRequest&&, Responder respond) {
  post_([this, respond = std::move(respond)] {
    std::map<std::string, int> by_status;
    for (MemberStatus s : {MemberStatus::kUninitialized, MemberStatus::kAlive,
                           MemberStatus::kShuttingDown, MemberStatus::kDead}) {
      by_status[std::string(MemberStatusName(s))] = 0;
    }
    for (const MemberInfo& m : supervisor_.Members()) {
      ++by_status[std::string(MemberStatusName(m.status))];
    }
    const ChildCounts counts = supervisor_.Count();
    respond(Json(
        200,
        {{"member", supervisor_.name()},
         {"version", options_.version},
         {"ready", supervisor_.ready()},
         {"joined", supervisor_.joined()},
         {"shuttingDown", supervisor_.shutting_down()},
         {"quorum", supervisor_.HasQuorum()},
         {"strategy", StrategyKindName(supervisor_.strategy().kind())},
         {"members", std::move(by_status)},
         {"workloads",
          {{"declared", counts.declared}, {"running", counts.running}, {"local", counts.local}}}}));
  });
}

void RestApi::GetReadyz(HttpRequest&&, Responder respond) {
  post_([this, respond = std::move(respond)] {
    if (supervisor_.ready()) return respond(Text(200, "ok\n"));
    // The Supervisor joins only after it has started, so "not joined" covers "not started".
    std::string reason = "member " + supervisor_.name() + " is not ready";
    if (supervisor_.shutting_down()) {
      reason = "member " + supervisor_.name() + " is shutting down";
    } else if (!supervisor_.joined()) {
      reason = "member " + supervisor_.name() + " has not started or not joined the cluster yet";
    }
    respond(ErrorResponse(503, "NotReady", reason));
  });
}

}  // namespace herd::sidecar
