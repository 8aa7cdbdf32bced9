// RestApi: the workload routes (apply, list, get, delete, logs) and which_children /
// count_children.
#include <map>

#include "sidecar/field_error.h"
#include "sidecar/object_json.h"
#include "sidecar/rest_api.h"
#include "sidecar/rest_api_parse.h"
#include "sidecar/rest_api_util.h"
#include "sidecar/spec_parser.h"
#include "sidecar/workload_spec.h"

namespace herd::sidecar {
namespace {

using rest::Error;
using rest::Json;
using rest::Text;

// The body's workloads as apply requests; metadata.generation becomes the precondition.
Result<std::vector<ApplyRequest>> ParseApplyBody(std::string_view body) {
  Result<std::vector<WorkloadDocument>> docs = ParseWorkloadDocuments(body);
  if (!docs.ok()) return docs.status();
  std::vector<ApplyRequest> requests;
  requests.reserve(docs->size());
  for (WorkloadDocument& doc : *docs) {
    ApplyRequest r;
    r.spec = std::move(doc.spec);
    if (doc.generation) r.expected_generation = static_cast<uint64_t>(*doc.generation);
    requests.push_back(std::move(r));
  }
  return requests;
}

// A name that cannot be a workload's is answered 404 on the server thread, without a trip to
// the event loop.
bool CannotExist(const std::string& name, const Responder& respond) {
  if (IsDns1123Label(name)) return false;
  respond(Error(NotFound(""), name));
  return true;
}

// metadata.continue is present only when there is a next page.
nlohmann::json ListMetadata(const std::string& continue_token) {
  nlohmann::json metadata = nlohmann::json::object();
  if (!continue_token.empty()) metadata["continue"] = continue_token;
  return metadata;
}

}  // namespace

void RestApi::RunApply(std::vector<ApplyRequest> requests, Responder respond) {
  post_([this, requests = std::move(requests), respond = std::move(respond)]() mutable {
    supervisor_.Apply(std::move(requests), [respond = std::move(respond)](
                                               Result<std::vector<ApplyOutcome>> r) {
      if (!r.ok()) return respond(Error(r.status()));
      bool created = false;
      nlohmann::json items = nlohmann::json::array();
      for (const ApplyOutcome& o : *r) {
        created = created || o.kind == ApplyKind::kCreated;
        items.push_back({{"name", o.name},
                         {"result", ApplyKindName(o.kind)},
                         {"owner", o.owner},
                         {"generation", o.generation}});
      }
      respond(Json(created ? 201 : 200, {{"kind", "ApplyResult"}, {"items", std::move(items)}}));
    });
  });
}

void RestApi::ApplyWorkloads(HttpRequest&& req, Responder respond) {
  Result<std::vector<ApplyRequest>> requests = ParseApplyBody(req.body);
  if (!requests.ok()) return respond(Error(requests.status()));
  RunApply(std::move(requests).value(), std::move(respond));
}

void RestApi::PutWorkload(HttpRequest&& req, Responder respond) {
  const std::string name(req.Param("name"));
  Result<std::vector<ApplyRequest>> requests = ParseApplyBody(req.body);
  if (!requests.ok()) return respond(Error(requests.status()));
  if (requests->size() != 1) {
    return respond(Error(InvalidArgument("PUT /v1/workloads/" + name +
                                         " takes exactly one workload document, got " +
                                         std::to_string(requests->size()))));
  }
  const std::string& doc_name = requests->front().spec.name;
  if (doc_name != name) {
    return respond(Error(FieldInvalid("metadata.name", QuoteValue(doc_name),
                                      "must match the name in the path, " + QuoteValue(name))));
  }
  RunApply(std::move(requests).value(), std::move(respond));
}

void RestApi::ListWorkloads(HttpRequest&& req, Responder respond) {
  Result<std::map<std::string, std::string>> selector = ParseLabelSelector(req.query);
  if (!selector.ok()) return respond(Error(selector.status()));
  Result<size_t> limit = ParseLimit(req.Query("limit"), options_.max_limit);
  if (!limit.ok()) return respond(Error(limit.status()));
  Result<std::string> token = ParseContinue(req.Query("continue"));
  if (!token.ok()) return respond(Error(token.status()));
  post_([this, selector = std::move(selector).value(), limit = *limit,
         token = std::move(token).value(), respond = std::move(respond)] {
    ListPage page = supervisor_.List(selector, limit, token);
    nlohmann::json items = nlohmann::json::array();
    for (const WorkloadView& view : page.items) items.push_back(WorkloadObject(view));
    respond(Json(200, {{"apiVersion", kApiVersion},
                       {"kind", kWorkloadListKind},
                       {"metadata", ListMetadata(page.continue_token)},
                       {"items", std::move(items)}}));
  });
}

void RestApi::GetWorkload(HttpRequest&& req, Responder respond) {
  std::string name(req.Param("name"));
  if (CannotExist(name, respond)) return;
  post_([this, name = std::move(name), respond = std::move(respond)] {
    Result<WorkloadView> view = supervisor_.Get(name);
    if (!view.ok()) return respond(Error(view.status(), name));
    respond(Json(200, WorkloadObject(*view)));
  });
}

void RestApi::DeleteWorkload(HttpRequest&& req, Responder respond) {
  std::string name(req.Param("name"));
  if (CannotExist(name, respond)) return;
  post_([this, name = std::move(name), respond = std::move(respond)]() mutable {
    supervisor_.Delete(name, [name, respond = std::move(respond)](Result<bool> r) {
      if (!r.ok()) return respond(Error(r.status(), name));
      respond(Json(200, {{"kind", "DeleteResult"}, {"name", name}, {"result", "deleted"}}));
    });
  });
}

void RestApi::WorkloadLogs(HttpRequest&& req, Responder respond) {
  Result<size_t> tail = ParseTail(req.Query("tail"));
  if (!tail.ok()) return respond(Error(tail.status()));
  std::string name(req.Param("name"));
  if (CannotExist(name, respond)) return;
  post_([this, name = std::move(name), tail = *tail, respond = std::move(respond)]() mutable {
    Result<WorkloadView> view = supervisor_.Get(name);
    if (!view.ok()) return respond(Error(view.status(), name));
    const std::string& owner = view->record.owner;
    if (owner.empty()) {
      return respond(Error(NotFound("workload " + QuoteValue(name) + " has no owner yet")));
    }
    if (owner != supervisor_.name()) return forward_logs_(owner, name, tail, std::move(respond));
    // The runner reads a bounded, rotated file: cheap enough for the loop.
    Result<std::string> text = runner_.ReadLog(name, tail);
    if (!text.ok()) {
      if (text.status().code() == StatusCode::kNotFound) {
        return respond(Error(NotFound("no logs for " + name + " on member " + owner + " yet")));
      }
      return respond(Error(text.status()));
    }
    respond(Text(200, std::move(text).value()));
  });
}

void RestApi::ListChildren(HttpRequest&& req, Responder respond) {
  Result<size_t> limit = ParseLimit(req.Query("limit"), options_.max_limit);
  if (!limit.ok()) return respond(Error(limit.status()));
  Result<std::string> token = ParseContinue(req.Query("continue"));
  if (!token.ok()) return respond(Error(token.status()));
  post_([this, limit = *limit, token = std::move(token).value(), respond = std::move(respond)] {
    ListPage page = supervisor_.List({}, limit, token);
    nlohmann::json items = nlohmann::json::array();
    for (const WorkloadView& view : page.items) items.push_back(ChildObject(view));
    respond(Json(200, {{"kind", "ChildList"},
                       {"metadata", ListMetadata(page.continue_token)},
                       {"items", std::move(items)}}));
  });
}

void RestApi::CountChildren(HttpRequest&&, Responder respond) {
  post_([this, respond = std::move(respond)] {
    const ChildCounts c = supervisor_.Count();
    respond(Json(200, {{"declared", c.declared}, {"running", c.running}, {"local", c.local}}));
  });
}

}  // namespace herd::sidecar
